"""Times the Python SD-JWT reference (PyPI sd-jwt 0.10.4) verifying the same ES256
presentation the Rust benchmark verifies (10 disclosed claims, KB-JWT with aud and nonce).

    GOVOPS_LICENCE_BENCH_INPUTS=/tmp/inputs.json cargo bench -p govops-licence --bench licence
    python3 interop/bench_python.py /tmp/inputs.json

Prints the median time per verification over several rounds, one thread.
"""

import json
import statistics
import sys
import time

from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        case = json.load(f)
    key = JWK.from_json(json.dumps(case["issuer_jwk"]))

    def issuer_key(iss, header):
        assert iss == case["issuer"] and header.get("kid") == case["issuer_jwk"]["kid"]
        return key

    def once():
        payload = SDJWTVerifier(
            case["presentation"], issuer_key, case["aud"], case["nonce"]
        ).get_verified_payload()
        assert len([k for k in payload if k not in ("iss", "iat", "exp", "vct", "cnf", "status")]) >= 10

    once()
    rounds, per_round = 7, 200
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            once()
        times.append((time.perf_counter() - start) / per_round)
    median = statistics.median(times)
    print(
        json.dumps(
            {
                "implementation": "python sd-jwt 0.10.4 (jwcrypto, cryptography/OpenSSL)",
                "median_us": round(median * 1e6, 1),
                "per_second": round(1 / median),
                "rounds": rounds,
                "per_round": per_round,
            }
        )
    )


if __name__ == "__main__":
    main()
