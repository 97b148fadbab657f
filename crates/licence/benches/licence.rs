//! Throughput of the licence hot paths on one core: verifying a presentation (ES256,
//! 10 claims, key binding) and issuing a licence. Targets: ≥ 20,000 verifications/s and
//! ≥ 10,000 issuances/s. Results are recorded in BENCH_RESULTS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use govops_licence::{
    Algorithm, ClaimPath, Credential, Frame, Issuer, KeyBinding, KeyBindingRequest, SdJwt,
    SigningKey, StatusReference, TrustStore, VerifyOptions, verify,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

const ISSUER: &str = "https://gov.example/departments/market-regulation";
const NOW: i64 = 1_780_000_000;

fn claims() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "name": "张三餐饮有限公司", "credit_code": "91350100M000100Y43", "legal_representative": "张三",
        "registered_capital": "1000000 CNY", "business_scope": "餐饮服务", "address": "福州市五一中路 88 号",
        "established": "2020-05-01", "licence_number": "JY13501000000001", "type": "有限责任公司",
        "authority": "福州市市场监督管理局"
    }) else {
        return Map::new();
    };
    map
}

struct Setup {
    issuer: Issuer,
    credential: Credential,
    frame: Frame,
    presentation: String,
    trust: TrustStore,
    options: VerifyOptions,
}

fn setup(alg: Algorithm) -> Setup {
    let mut rng = StdRng::seed_from_u64(1);
    let issuer = Issuer::new(ISSUER, SigningKey::generate(alg, &mut rng)).with_kid("k1");
    let holder = SigningKey::generate(alg, &mut rng);
    let mut credential =
        Credential::new("https://gov.example/licence/business", NOW - 60, claims());
    credential.expires_at = Some(NOW + 86_400);
    credential.holder_key = Some(holder.verifying_key());
    credential.status = Some(StatusReference {
        idx: 7,
        uri: "https://gov.example/status/1".to_owned(),
    });
    let paths: Vec<ClaimPath> = claims().keys().map(|k| ClaimPath::claim(k)).collect();
    let frame = Frame::from_paths(&paths, 0);
    let issued = issuer
        .issue(&credential, &frame, &mut rng)
        .unwrap_or_else(|e| panic!("{e}"));
    let request = KeyBindingRequest {
        audience: "https://bank.example".to_owned(),
        nonce: "n".to_owned(),
        issued_at: NOW,
    };
    let presentation = SdJwt::parse(issued.as_str(), 1 << 16)
        .expect("the wallet reads the licence")
        .present_with_key_binding(|_| true, &request, &holder)
        .expect("the holder presents it");
    let mut trust = TrustStore::new();
    trust.add(ISSUER, Some("k1".to_owned()), issuer.verifying_key());
    let options = VerifyOptions {
        key_binding: KeyBinding::Required {
            audience: request.audience,
            nonce: request.nonce,
            max_age: 300,
        },
        ..VerifyOptions::default()
    };
    if let Err(e) = verify(&presentation, &trust, &options, NOW) {
        panic!("the benchmark presentation must verify: {e}");
    }
    Setup {
        issuer,
        credential,
        frame,
        presentation,
        trust,
        options,
    }
}

/// Writes the ES256 presentation and what verifies it to the file named by
/// `GOVOPS_LICENCE_BENCH_INPUTS`, so that `interop/bench_python.py` times the Python
/// reference on exactly these inputs.
fn dump_inputs(s: &Setup) {
    let Ok(path) = std::env::var("GOVOPS_LICENCE_BENCH_INPUTS") else {
        return;
    };
    let mut jwk = s.issuer.verifying_key().to_jwk();
    jwk["kid"] = json!("k1");
    let (aud, nonce) = match &s.options.key_binding {
        KeyBinding::Required {
            audience, nonce, ..
        } => (audience.clone(), nonce.clone()),
        KeyBinding::NotRequired => (String::new(), String::new()),
    };
    let inputs = json!({
        "presentation": s.presentation, "issuer": ISSUER, "issuer_jwk": jwk,
        "aud": aud, "nonce": nonce,
    });
    std::fs::write(&path, inputs.to_string()).unwrap_or_else(|e| panic!("{path}: {e}"));
}

fn bench(c: &mut Criterion) {
    for (alg, label) in [(Algorithm::Es256, "es256"), (Algorithm::EdDsa, "eddsa")] {
        let s = setup(alg);
        if alg == Algorithm::Es256 {
            dump_inputs(&s);
        }
        let mut group = c.benchmark_group(label);
        group.throughput(Throughput::Elements(1));
        group.bench_function("verify_10_claims_kb", |b| {
            b.iter(|| verify(&s.presentation, &s.trust, &s.options, NOW))
        });
        let mut rng = StdRng::seed_from_u64(2);
        group.bench_function("issue_10_claims", |b| {
            b.iter(|| s.issuer.issue(&s.credential, &s.frame, &mut rng))
        });
        group.finish();
    }
}

/// The signature checks alone, to tell the cost of the cryptography (two checks per
/// presentation: the issuer's JWT and the KB-JWT) from the cost of this crate's work.
fn raw_signatures(c: &mut Criterion) {
    use ed25519_dalek::Signer as _;
    use p256::ecdsa::signature::Verifier as _;
    let message = [0x42u8; 700];
    let mut rng = StdRng::seed_from_u64(3);
    let p256_key = p256::ecdsa::SigningKey::random(&mut rng);
    let p256_sig: p256::ecdsa::Signature = p256_key.sign(&message);
    let p256_public = *p256_key.verifying_key();
    let ed_key = ed25519_dalek::SigningKey::generate(&mut rng);
    let ed_sig = ed_key.sign(&message);
    let ed_public = ed_key.verifying_key();
    let mut group = c.benchmark_group("raw");
    group.throughput(Throughput::Elements(1));
    group.bench_function("p256_verify", |b| {
        b.iter(|| p256_public.verify(&message, &p256_sig))
    });
    group.bench_function("p256_sign", |b| {
        b.iter(|| -> p256::ecdsa::Signature { p256_key.sign(&message) })
    });
    let ring_public = p256_public.to_encoded_point(false);
    group.bench_function("ring_p256_verify", |b| {
        b.iter(|| {
            ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                ring_public.as_bytes(),
            )
            .verify(&message, &p256_sig.to_bytes())
        })
    });
    let ring_key = ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &p256_key.to_bytes(),
        ring_public.as_bytes(),
        &ring::rand::SystemRandom::new(),
    )
    .expect("a p256 key loads into ring");
    let system = ring::rand::SystemRandom::new();
    group.bench_function("ring_p256_sign", |b| {
        b.iter(|| ring_key.sign(&system, &message))
    });
    group.bench_function("ed25519_verify_strict", |b| {
        b.iter(|| ed_public.verify_strict(&message, &ed_sig))
    });
    group.bench_function("ed25519_sign", |b| b.iter(|| ed_key.sign(&message)));
    group.finish();
}

criterion_group!(benches, bench, raw_signatures);
criterion_main!(benches);
