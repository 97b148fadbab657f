// Interop check of govops e-licences against the npm @sd-jwt/sd-jwt-vc package (0.19.0).
//
// Reads a JSON case file (argv[2]) written by crates/core/tests/interop.rs and prints JSON:
// the claims the package reads from the issued licence and from a govops presentation
// (its verify() checks the signature, the disclosures, exp/nbf/iat, the key binding JWT's
// signature, nonce and sd_hash, and the status list token), and a presentation it makes.
// The status list token is handed over in the case file: no network is used.
// The package does not compare the KB-JWT's aud with an expected one; that is checked here.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const { SDJwtVcInstance } = require('@sd-jwt/sd-jwt-vc');

function verifierFor(jwk) {
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  return (data, sig) =>
    crypto.verify('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
}

async function main() {
  const c = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const holderKey = crypto.createPrivateKey({ key: c.holder_jwk, format: 'jwk' });
  const issuerVerify = verifierFor(c.issuer_jwk);
  const sdjwt = new SDJwtVcInstance({
    hasher: (data) => new Uint8Array(crypto.createHash('sha256').update(data).digest()),
    hashAlg: 'sha-256',
    saltGenerator: (n) => crypto.randomBytes(n).toString('base64url'),
    verifier: issuerVerify,
    statusVerifier: issuerVerify,
    kbVerifier: (data, sig, payload) => verifierFor(payload.cnf.jwk)(data, sig),
    kbSigner: (data) =>
      crypto.sign('sha256', Buffer.from(data), { key: holderKey, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
    kbSignAlg: 'ES256',
    statusListFetcher: async (uri) => {
      if (uri !== c.status_list_uri) throw new Error(`unexpected status list ${uri}`);
      return c.status_list_token;
    },
  });
  const options = { currentDate: c.now, skewSeconds: 60 };
  const issued = await sdjwt.verify(c.issued, options);
  const presented = await sdjwt.verify(c.presentation, { ...options, keyBindingNonce: c.nonce });
  if (presented.kb.payload.aud !== c.aud) throw new Error(`KB-JWT aud ${presented.kb.payload.aud}`);
  for (const r of [issued, presented]) {
    if (r.header.typ !== 'dc+sd-jwt') throw new Error(`typ ${r.header.typ}`);
    if (r.payload.vct !== c.vct) throw new Error(`vct ${r.payload.vct}`);
    if (r.payload.iss !== c.issuer) throw new Error(`iss ${r.payload.iss}`);
  }
  const frame = Object.fromEntries(c.disclose.map((name) => [name, true]));
  const presentation = await sdjwt.present(c.issued, frame, {
    kb: { payload: { iat: c.now, aud: c.aud, nonce: c.nonce } },
  });
  process.stdout.write(
    JSON.stringify({
      implementation: 'npm @sd-jwt/sd-jwt-vc 0.19.0',
      issued_claims: issued.payload,
      presentation_claims: presented.payload,
      presentation,
    }),
  );
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
