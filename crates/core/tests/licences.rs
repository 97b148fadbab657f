//! E-licences in the platform: issue inside a write, the wallet, presentations, verify,
//! revoke / suspend / reinstate with the status list, key rotation, keys sealed at rest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestDb;
use govops_core::licences::{
    Holder, IssueRequest, LicenceSettings, LicenceStatus, StatusChange, VerifyRequest,
};
use govops_core::{ErrorKind, Platform, PlatformSettings};
use govops_licence::{
    Status, StatusListOptions, TrustStore, VerifyingKey, verify_status_list_token,
};
use serde_json::{Value, json};
use std::sync::Arc;

const MASTER: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const AUDIENCE: &str = "https://bank.example/onboarding";

fn settings(db: &TestDb, master: &str) -> PlatformSettings {
    PlatformSettings {
        database_url: db.url.clone(),
        journal_origin: "test.example/journal".into(),
        catalogue_dir: None,
        licences: LicenceSettings {
            types_dir: Some(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../licences"),
            ),
            master_key: Some(master.into()),
            ..Default::default()
        },
        files_dir: None,
    }
}

async fn open(db: &TestDb) -> Platform {
    let p = Platform::open(&settings(db, MASTER), Arc::new(db.clock.clone()))
        .await
        .unwrap();
    p.seed_demo().await.unwrap();
    p
}

async fn who(p: &Platform, username: &str) -> govops_core::identity::Principal {
    p.principal(&format!("demo-account-{username}"))
        .await
        .unwrap()
}

fn account(username: &str) -> String {
    format!("demo-account-{username}")
}

async fn journal_actions(p: &Platform) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT action FROM journal_entries ORDER BY idx")
        .fetch_all(p.store().pool())
        .await
        .unwrap();
    rows.into_iter().map(|(a,)| a).collect()
}

async fn wallet_licence(p: &Platform, username: &str, type_id: &str) -> String {
    let me = who(p, username).await;
    p.wallet(&me)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.licence_type == type_id)
        .unwrap_or_else(|| panic!("{username} holds no {type_id}"))
        .id
}

async fn trust_of(p: &Platform, department: &str) -> TrustStore {
    let mut trust = TrustStore::new();
    let jwks = p.issuer_jwks(department).await.unwrap();
    for k in jwks["keys"].as_array().unwrap() {
        trust.add(
            p.licences().issuer_id(department),
            Some(k["kid"].as_str().unwrap().to_owned()),
            VerifyingKey::from_jwk(k).unwrap(),
        );
    }
    trust
}

async fn wallet_present_verify_and_revoke(db: &TestDb) {
    let p = open(db).await;
    let zhang = who(&p, "zhangwei").await;
    let held = p.wallet(&zhang).await.unwrap();
    let mut types: Vec<&str> = held.iter().map(|l| l.licence_type.as_str()).collect();
    types.sort();
    assert_eq!(types, ["residence-permit", "social-security-card"]);
    let lina = who(&p, "lina").await;
    let firm = p.wallet(&lina).await.unwrap();
    assert_eq!(firm.len(), 1, "lina sees her enterprise's business licence");
    assert!(firm[0].identifier.starts_with("1.2.156.3005.2.11010001."));

    // Seeding again issues nothing twice.
    p.seed_demo().await.unwrap();
    assert_eq!(p.wallet(&zhang).await.unwrap().len(), 2);

    let id = wallet_licence(&p, "zhangwei", "residence-permit").await;
    assert!(
        p.wallet_licence(&lina, &id).await.is_err(),
        "not lina's licence"
    );
    let shown = p
        .present_licence(&zhang, &id, &["address".into()], AUDIENCE)
        .await
        .unwrap();
    let request = VerifyRequest {
        presentation: shown.text.clone(),
        audience: Some(AUDIENCE.into()),
        nonce: Some(shown.nonce.clone()),
        licence_type: Some("residence-permit".into()),
        holder_account: Some(account("zhangwei")),
    };
    let report = p.verify_presentation(None, &request).await.unwrap();
    assert!(report.valid, "{report:?}");
    assert_eq!(report.status, Some(LicenceStatus::Valid));
    let names: Vec<&str> = report.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["address"], "only the chosen claim is shown");
    assert!(report.fields[0].selectively_disclosed);

    let as_lina = VerifyRequest {
        holder_account: Some(account("lina")),
        ..request.clone()
    };
    let r = p.verify_presentation(None, &as_lina).await.unwrap();
    assert_eq!(r.code, "licence.wrong_holder");
    let other_nonce = VerifyRequest {
        nonce: Some("another-request".into()),
        ..request.clone()
    };
    assert_eq!(
        p.verify_presentation(None, &other_nonce)
            .await
            .unwrap()
            .code,
        "licence.wrong_nonce"
    );
    let wrong_type = VerifyRequest {
        licence_type: Some("business-licence".into()),
        ..request.clone()
    };
    assert_eq!(
        p.verify_presentation(None, &wrong_type).await.unwrap().code,
        "licence.wrong_type"
    );
    let tampered = VerifyRequest {
        presentation: shown.text.replacen('.', ".x", 1),
        ..request.clone()
    };
    assert!(!p.verify_presentation(None, &tampered).await.unwrap().valid);

    // Only the issuing department (psb) may revoke, and only with a reason.
    let amr = who(&p, "amr.official").await;
    let e = p
        .change_licence_status(&amr, &id, StatusChange::Revoke, "test")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let psb = who(&p, "psb.official").await;
    let e = p
        .change_licence_status(&psb, &id, StatusChange::Revoke, "  ")
        .await
        .unwrap_err();
    assert_eq!(e.code, "licence.status.reason_missing");

    let token_before = p.status_list_token("psb", 1).await.unwrap();
    let to = p
        .change_licence_status(&psb, &id, StatusChange::Revoke, "以欺骗手段取得")
        .await
        .unwrap();
    assert_eq!(to, LicenceStatus::Revoked);
    // The status list shows it at once: the next token is signed afresh.
    let token = p.status_list_token("psb", 1).await.unwrap();
    assert_ne!(token, token_before);
    let uri = p.licences().status_list_uri("psb", 1);
    let list = verify_status_list_token(
        &token,
        &trust_of(&p, "psb").await,
        &p.licences().issuer_id("psb"),
        &uri,
        &StatusListOptions::default(),
        p.now().unix_timestamp(),
    )
    .unwrap();
    let detail = p.wallet_licence(&zhang, &id).await.unwrap();
    let held = govops_licence::SdJwt::parse(detail.sd_jwt.as_deref().unwrap(), 1 << 16).unwrap();
    let idx = held.claims()["status"]["status_list"]["idx"]
        .as_u64()
        .unwrap();
    assert_eq!(list.list.get(idx).unwrap(), Status::INVALID);
    let r = p.verify_presentation(None, &request).await.unwrap();
    assert_eq!(r.code, "licence.revoked", "{r:?}");
    let e = p
        .change_licence_status(&psb, &id, StatusChange::Reinstate, "错误")
        .await
        .unwrap_err();
    assert_eq!(e.code, "licence.status.revoked");

    // Suspend and reinstate another licence (hrss issues social security cards).
    let card = wallet_licence(&p, "zhangwei", "social-security-card").await;
    let hrss = who(&p, "hrss.head").await;
    p.change_licence_status(&hrss, &card, StatusChange::Suspend, "挂失")
        .await
        .unwrap();
    let shown = p
        .present_licence(&zhang, &card, &[], AUDIENCE)
        .await
        .unwrap();
    let plain = VerifyRequest {
        presentation: shown.text.clone(),
        ..Default::default()
    };
    assert_eq!(
        p.verify_presentation(None, &plain).await.unwrap().code,
        "licence.suspended"
    );
    p.change_licence_status(&hrss, &card, StatusChange::Reinstate, "解除挂失")
        .await
        .unwrap();
    assert!(p.verify_presentation(None, &plain).await.unwrap().valid);

    let actions = journal_actions(&p).await;
    for a in [
        "licence.issuer_key_created",
        "licence.holder_key_created",
        "licence.issued",
        "licence.revoked",
        "licence.suspended",
        "licence.reinstated",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not journaled");
    }
    p.store().close().await;
}

on_both!(wallet_and_status, wallet_present_verify_and_revoke);

async fn rotation_keeps_old_licences_verifiable(db: &TestDb) {
    let p = open(db).await;
    let zhang = who(&p, "zhangwei").await;
    let id = wallet_licence(&p, "zhangwei", "residence-permit").await;
    let old = p.present_licence(&zhang, &id, &[], AUDIENCE).await.unwrap();
    let official = who(&p, "psb.official").await;
    assert_eq!(
        p.rotate_issuer_key(&official, "psb")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden,
        "officials do not rotate keys"
    );
    let head = who(&p, "psb.head").await;
    let kid = p.rotate_issuer_key(&head, "psb").await.unwrap();
    let jwks = p.issuer_jwks("psb").await.unwrap();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        2,
        "old key still published"
    );
    let plain = |text: &str| VerifyRequest {
        presentation: text.to_owned(),
        ..Default::default()
    };
    assert!(
        p.verify_presentation(None, &plain(&old.text))
            .await
            .unwrap()
            .valid
    );
    let person = zhang.person_id.clone().unwrap();
    let issued = p
        .issue_licence(IssueRequest {
            licence_type: "residence-permit".into(),
            holder: Holder::Person(person),
            claims: json!({"name": "张伟", "resident_id": "110101199001011234", "address": "示范市东城区人民路1号"})
                .as_object()
                .unwrap()
                .clone(),
            case_id: Some("case-1".into()),
            actor: "system:test".into(),
        })
        .await
        .unwrap();
    let header = issued.sd_jwt.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], kid.as_str(), "new licences use the new key");
    assert!(issued.identifier.ends_with(&format!(
        ".0000002.1.{}",
        issued.identifier.chars().last().unwrap()
    )));
    // The status list token is now signed with the new key and still verifies.
    let token = p.status_list_token("psb", 1).await.unwrap();
    verify_status_list_token(
        &token,
        &trust_of(&p, "psb").await,
        &p.licences().issuer_id("psb"),
        &p.licences().status_list_uri("psb", 1),
        &StatusListOptions::default(),
        p.now().unix_timestamp(),
    )
    .unwrap();
    p.store().close().await;
}

on_both!(rotation, rotation_keeps_old_licences_verifiable);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_sealed_at_rest_and_a_wrong_master_key_is_refused() {
    let db = TestDb::sqlite();
    let p = open(&db).await;
    let rows: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT public_jwk, sealed_private FROM licence_issuer_keys")
            .fetch_all(p.store().pool())
            .await
            .unwrap();
    assert!(!rows.is_empty());
    for (public, sealed) in &rows {
        let text = String::from_utf8_lossy(sealed);
        assert!(!text.contains("\"d\""), "private JWK in the clear");
        let x = serde_json::from_str::<Value>(public).unwrap()["x"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(!text.contains(&x), "the sealed blob shows the key");
    }
    p.store().close().await;
    let wrong = "11".repeat(32);
    let e = Platform::open(&settings(&db, &wrong), Arc::new(db.clock.clone()))
        .await
        .err()
        .unwrap();
    assert_eq!(e.code, "licence.master_key.wrong");
    // The right key opens it again.
    let p = Platform::open(&settings(&db, MASTER), Arc::new(db.clock.clone()))
        .await
        .unwrap();
    let zhang = who(&p, "zhangwei").await;
    let id = wallet_licence(&p, "zhangwei", "residence-permit").await;
    p.present_licence(&zhang, &id, &["name".into()], AUDIENCE)
        .await
        .unwrap();
    p.store().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_in_commits_or_rolls_back_with_the_callers_write() {
    let db = TestDb::sqlite();
    let p = open(&db).await;
    let before: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM licences")
        .fetch_one(p.store().pool())
        .await
        .unwrap();
    let journal_before = journal_actions(&p).await.len();
    let lic = p.licences().clone();
    let req = IssueRequest {
        licence_type: "food-business-licence".into(),
        holder: Holder::Enterprise("demo-enterprise-001".into()),
        claims: json!({"holder": "示范市朝阳华贸易有限公司", "credit_code": "91110105MA0000000X",
                       "legal_representative": "王芳", "premises": "示范市朝阳区人民路2号",
                       "business_form": "餐饮服务经营者", "scope": "热食类食品制售"})
        .as_object()
        .unwrap()
        .clone(),
        case_id: Some("case-9".into()),
        actor: "system:test".into(),
    };
    let r: Result<(), govops_core::CoreError> = p
        .store()
        .write({
            let lic = lic.clone();
            let req = req.clone();
            move |tx| {
                Box::pin(async move {
                    lic.issue_in(tx, req).await?;
                    Err(govops_core::CoreError::invalid(
                        "case.failed",
                        "the case failed later",
                    ))
                })
            }
        })
        .await;
    assert!(r.is_err());
    let after: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM licences")
        .fetch_one(p.store().pool())
        .await
        .unwrap();
    assert_eq!(before, after, "the licence went with the failed write");
    assert_eq!(journal_actions(&p).await.len(), journal_before);
    // The same request in a write that commits issues it, with a key that is stored.
    let issued = p.issue_licence(req.clone()).await.unwrap();
    assert_eq!(issued.holder, "enterprise:demo-enterprise-001");
    assert!(issued.expires_at.is_some(), "food licences last five years");
    let lina_firm_agent = who(&p, "citizen002").await;
    assert!(
        p.wallet(&lina_firm_agent)
            .await
            .unwrap()
            .iter()
            .any(|l| l.id == issued.id),
        "the enterprise's agent sees it"
    );
    let jwks = p.issuer_jwks("amr").await.unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);

    // A full status list: the next licence opens list 2 at entry 0.
    sqlx::query("UPDATE licence_status_lists SET next_idx = size WHERE department_code = 'amr'")
        .execute(p.store().pool())
        .await
        .unwrap();
    let mut again = req.clone();
    again.case_id = Some("case-10".into());
    let next = p.issue_licence(again).await.unwrap();
    let held = govops_licence::SdJwt::parse(&next.sd_jwt, 1 << 16).unwrap();
    let status = &held.claims()["status"]["status_list"];
    assert_eq!(status["idx"], 0);
    assert_eq!(
        status["uri"],
        p.licences().status_list_uri("amr", 2).as_str()
    );
    p.status_list_token("amr", 2).await.unwrap();
    p.store().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_issue_requests_are_refused_with_the_fields() {
    let db = TestDb::sqlite();
    let p = open(&db).await;
    let req = |type_id: &str, claims: Value| IssueRequest {
        licence_type: type_id.into(),
        holder: Holder::Account(account("zhangwei")),
        claims: claims.as_object().unwrap().clone(),
        case_id: None,
        actor: "system:test".into(),
    };
    let e = p
        .issue_licence(req("no-such-type", json!({})))
        .await
        .unwrap_err();
    assert_eq!(e.code, "licence.type.unknown");
    let e = p
        .issue_licence(req(
            "residence-permit",
            json!({"name": "张伟", "colour": "blue"}),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code, "licence.claims.invalid");
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert!(fields.contains(&"claims.colour"), "{fields:?}");
    assert!(fields.contains(&"claims.resident_id"), "{fields:?}");
    let mut officials = req(
        "residence-permit",
        json!({"name": "x", "resident_id": "y", "address": "z"}),
    );
    officials.holder = Holder::Account(account("amr.official"));
    assert_eq!(
        p.issue_licence(officials).await.unwrap_err().code,
        "licence.holder.no_person"
    );
    let garbage = VerifyRequest {
        presentation: "not a presentation".into(),
        ..Default::default()
    };
    let r = p.verify_presentation(None, &garbage).await.unwrap();
    assert!(!r.valid);
    assert!(r.reason.unwrap().contains('~'));
    let half = VerifyRequest {
        presentation: "x~".into(),
        holder_account: Some(account("zhangwei")),
        ..Default::default()
    };
    assert_eq!(
        p.verify_presentation(None, &half).await.unwrap_err().code,
        "licence.verify.key_binding"
    );
    p.store().close().await;
}

#[test]
fn the_shipped_licence_types_fit_the_shipped_services() {
    use govops_core::catalogue::{CheckOutcome, check_folder};
    use govops_core::licences::{LicenceTypes, check_types_folder};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let CheckOutcome::Valid(catalogue, _) = check_folder(&root.join("services")).unwrap() else {
        panic!("the shipped services do not validate");
    };
    assert_eq!(
        check_types_folder(&root.join("licences"), &catalogue).unwrap(),
        Ok(16)
    );
    // A type that lost a claim the business registration maps is reported, by service.
    let text = std::fs::read_to_string(root.join("licences/business-licence.toml")).unwrap();
    let cut = text.replace("name = \"business_scope\"", "name = \"scope_of_business\"");
    let types = LicenceTypes::load(&[("business-licence.toml", &cut)]).unwrap();
    let problems = types.check_catalogue(&catalogue);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("business-registration")
                && p.contains("result.mapping.business_scope")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("food-business-licence") && p.contains("not defined")),
        "types missing from the folder are named: {problems:#?}"
    );
}
