"""Interop check of govops e-licences against the Python SD-JWT reference (PyPI sd-jwt 0.10.4).

Reads a JSON case file (argv[1]) written by crates/core/tests/interop.rs and prints JSON:
the claims the reference reads from the issued licence and from a govops presentation,
and a presentation the reference makes, for govops to verify.

What the reference does and does not check: it verifies the issuer's signature with the
key we hand it, the disclosures against the digests, and the key binding JWT (typ kb+jwt,
aud, nonce, sd_hash). It has no SD-JWT VC layer: it does not look at the header typ
(`dc+sd-jwt` passes untouched), nor at exp/nbf/iat, vct or status. Those are checked
here, in a few lines, on the payload it returns, so the check is not weaker than govops'.
"""

import json
import sys
import time

from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        case = json.load(f)
    issuer_key = JWK.from_json(json.dumps(case["issuer_jwk"]))

    def issuer_key_for(iss, header):
        if iss != case["issuer"] or header.get("kid") != case["issuer_jwk"]["kid"]:
            raise ValueError(f"untrusted issuer {iss} / kid {header.get('kid')}")
        if header.get("typ") != "dc+sd-jwt":
            raise ValueError(f"header typ is {header.get('typ')}, not dc+sd-jwt")
        return issuer_key

    def vc_checks(payload):
        now = case["now"]
        if payload.get("vct") != case["vct"]:
            raise ValueError(f"vct {payload.get('vct')}")
        if "exp" in payload and payload["exp"] < now - 60:
            raise ValueError("expired")
        if payload.get("iat", 0) > now + 60:
            raise ValueError("issued in the future")
        if "status_list" not in payload.get("status", {}):
            raise ValueError("no status list reference")
        return payload

    issued = SDJWTVerifier(case["issued"], issuer_key_for).get_verified_payload()
    presented = SDJWTVerifier(
        case["presentation"], issuer_key_for, case["aud"], case["nonce"]
    ).get_verified_payload()

    holder = SDJWTHolder(case["issued"])
    holder.create_presentation(
        {name: True for name in case["disclose"]},
        nonce=case["nonce"],
        aud=case["aud"],
        holder_key=JWK.from_json(json.dumps(case["holder_jwk"])),
        sign_alg="ES256",
    )
    json.dump(
        {
            "implementation": "python sd-jwt 0.10.4",
            "issued_claims": vc_checks(issued),
            "presentation_claims": vc_checks(presented),
            "presentation": holder.sd_jwt_presentation,
            "checked_at": int(time.time()),
        },
        sys.stdout,
        ensure_ascii=False,
    )


if __name__ == "__main__":
    main()
