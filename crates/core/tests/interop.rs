//! Interop with the reference implementations: a licence issued by govops verifies with
//! the Python SD-JWT reference (PyPI `sd-jwt`) and with npm `@sd-jwt/sd-jwt-vc`, and the
//! presentations they make verify in govops. The scripts are in `interop/`.
//!
//! Skipped (with a note) when python3's `sd_jwt` module or `interop/node/node_modules` is
//! missing, unless `GOVOPS_REQUIRE_INTEROP=1` (set by `.ci/run`, which installs both).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestDb;
use govops_core::licences::{LicenceSettings, MasterKey, VerifyRequest};
use govops_core::{Platform, PlatformSettings, SystemClock};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const MASTER: &str = "7a6b5c4d3e2f10017a6b5c4d3e2f10017a6b5c4d3e2f10017a6b5c4d3e2f1001";
const AUDIENCE: &str = "https://landlord.example/check";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn required() -> bool {
    std::env::var("GOVOPS_REQUIRE_INTEROP").is_ok_and(|v| v == "1")
}

/// The command for an implementation, or why it cannot run.
fn implementation(name: &str) -> Result<Command, String> {
    let interop = root().join("interop");
    match name {
        "python" => {
            let probe = Command::new("python3")
                .args(["-c", "import sd_jwt, jwcrypto"])
                .output();
            match probe {
                Ok(o) if o.status.success() => {
                    let mut c = Command::new("python3");
                    c.arg(interop.join("python_interop.py"));
                    Ok(c)
                }
                _ => Err("python3 with the sd-jwt package (pip install sd-jwt==0.10.4)".into()),
            }
        }
        _ => {
            let modules = interop.join("node/node_modules");
            let node = Command::new("node").arg("--version").output();
            if !modules.join("@sd-jwt/sd-jwt-vc").is_dir()
                || !node.is_ok_and(|o| o.status.success())
            {
                return Err(
                    "node and interop/node/node_modules (npm ci --prefix interop/node)".into(),
                );
            }
            let mut c = Command::new("node");
            c.env("NODE_PATH", &modules)
                .arg(interop.join("node_interop.js"));
            Ok(c)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_implementations_verify_govops_licences_and_govops_verifies_theirs() {
    let runnable: Vec<(&str, Command)> = ["python", "node"]
        .into_iter()
        .filter_map(|name| match implementation(name) {
            Ok(c) => Some((name, c)),
            Err(missing) if required() => {
                panic!("GOVOPS_REQUIRE_INTEROP=1 but {name} is missing: {missing}")
            }
            Err(missing) => {
                eprintln!("SKIPPED interop with {name}: needs {missing}");
                None
            }
        })
        .collect();
    if runnable.is_empty() {
        return;
    }

    // The reference implementations read the real clock (the KB-JWT's iat), so this
    // platform does too.
    let db = TestDb::sqlite();
    let settings = PlatformSettings {
        database_url: db.url.clone(),
        journal_origin: "test.example/journal".into(),
        catalogue_dir: None,
        licences: LicenceSettings {
            types_dir: Some(root().join("licences")),
            master_key: Some(MASTER.into()),
            ..Default::default()
        },
        files_dir: None,
    };
    let p = Platform::open(&settings, Arc::new(SystemClock))
        .await
        .unwrap();
    p.seed_demo().await.unwrap();
    let zhang = p.principal("demo-account-zhangwei").await.unwrap();
    let id = p
        .wallet(&zhang)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.licence_type == "residence-permit")
        .unwrap()
        .id;
    let issued = p.wallet_licence(&zhang, &id).await.unwrap().sd_jwt.unwrap();
    let shown = p
        .present_licence(&zhang, &id, &["address".into()], AUDIENCE)
        .await
        .unwrap();
    let issuer_jwk = p.issuer_jwks("psb").await.unwrap()["keys"][0].clone();
    // The holder's custodial key, opened the way the platform does, so that the
    // reference implementations can present as the holder.
    let (kid, sealed): (String, Vec<u8>) = sqlx::query_as(
        "SELECT kid, sealed_private FROM licence_holder_keys WHERE holder = 'person:demo-person-000'",
    )
    .fetch_one(p.store().pool())
    .await
    .unwrap();
    let master = MasterKey::from_hex(MASTER, "test").unwrap();
    let holder_jwk: Value = serde_json::from_slice(
        &master
            .open(&sealed, format!("govops:holder:{kid}").as_bytes())
            .unwrap(),
    )
    .unwrap();
    let case = json!({
        "issuer": p.licences().issuer_id("psb"),
        "issuer_jwk": issuer_jwk,
        "vct": "urn:govops:licence:residence-permit",
        "issued": issued,
        "presentation": shown.text,
        "aud": AUDIENCE,
        "nonce": shown.nonce,
        "holder_jwk": holder_jwk,
        "status_list_uri": p.licences().status_list_uri("psb", 1),
        "status_list_token": p.status_list_token("psb", 1).await.unwrap(),
        "now": p.now().unix_timestamp(),
        "disclose": ["name", "resident_id"],
    });
    let dir = tempfile::tempdir().unwrap();
    let case_file = dir.path().join("case.json");
    std::fs::write(&case_file, case.to_string()).unwrap();

    for (name, mut cmd) in runnable {
        let out = cmd.arg(&case_file).output().unwrap();
        assert!(
            out.status.success(),
            "{name} refused a govops licence or presentation:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        let claims = &answer["issued_claims"];
        assert_eq!(claims["name"], "张伟", "{name}: {claims}");
        assert!(
            claims["licence_number"]
                .as_str()
                .unwrap()
                .starts_with("1.2.156.3005.2.11040001.")
        );
        assert_eq!(claims["iss"], p.licences().issuer_id("psb"));
        let presented = &answer["presentation_claims"];
        assert!(presented.get("address").is_some(), "{name}: {presented}");
        assert!(
            presented.get("name").is_none(),
            "{name}: the withheld claim stayed hidden"
        );

        let theirs = answer["presentation"].as_str().unwrap().to_owned();
        let report = p
            .verify_presentation(
                None,
                &VerifyRequest {
                    presentation: theirs,
                    audience: Some(AUDIENCE.into()),
                    nonce: Some(shown.nonce.clone()),
                    licence_type: Some("residence-permit".into()),
                    holder_account: Some("demo-account-zhangwei".into()),
                },
            )
            .await
            .unwrap();
        assert!(report.valid, "{name}'s presentation: {report:?}");
        let fields: Vec<&str> = report.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(fields, ["name", "resident_id"], "{name}");
        eprintln!("interop OK with {}", answer["implementation"]);
    }
    p.store().close().await;
}
