//! Sign-in, sessions, rate limits and registration, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestDb;
use govops_core::identity::directory::Registration;
use govops_core::{ErrorKind, Platform};

async fn journal_actions(p: &Platform) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT action FROM journal_entries ORDER BY idx")
        .fetch_all(p.store().pool())
        .await
        .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

async fn login_logout_and_failures_are_journaled(db: &TestDb) {
    let p = db.open().await;
    p.seed_demo().await.unwrap();
    let bad = p
        .login("zhangwei", "wrong-password-1", "10.0.0.1")
        .await
        .unwrap_err();
    assert_eq!(bad.code, "auth.credentials");
    let unknown = p
        .login("nobody", "whatever-password", "10.0.0.1")
        .await
        .unwrap_err();
    assert_eq!(
        unknown.code, "auth.credentials",
        "unknown users get the same answer"
    );
    let s = p
        .login("ZhangWei", govops_core::demo::DEMO_PASSWORD, "10.0.0.1")
        .await
        .unwrap();
    assert_eq!(s.principal.username, "zhangwei");
    let session = p.session(&s.token).await.unwrap();
    p.logout(&session).await.unwrap();
    assert_eq!(
        p.session(&s.token).await.unwrap_err().kind,
        ErrorKind::Unauthenticated
    );
    let actions = journal_actions(&p).await;
    let tail: Vec<&str> = actions
        .iter()
        .rev()
        .take(4)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "auth.login_failed",
            "auth.login_failed",
            "auth.login",
            "auth.logout"
        ]
    );
}
on_both!(journaled_auth, login_logout_and_failures_are_journaled);

async fn sessions_end_when_idle_or_old(db: &TestDb) {
    let p = db.open().await;
    p.seed_demo().await.unwrap();
    let s = p
        .login("lina", govops_core::demo::DEMO_PASSWORD, "10.0.0.2")
        .await
        .unwrap();
    db.clock.advance(time::Duration::minutes(29));
    p.session(&s.token).await.unwrap();
    db.clock.advance(time::Duration::minutes(29));
    p.session(&s.token)
        .await
        .expect("activity keeps the session alive");
    db.clock.advance(time::Duration::minutes(31));
    let e = p.session(&s.token).await.unwrap_err();
    assert_eq!(e.code, "auth.session_expired");

    let s = p
        .login("lina", govops_core::demo::DEMO_PASSWORD, "10.0.0.2")
        .await
        .unwrap();
    for _ in 0..24 {
        db.clock.advance(time::Duration::minutes(29));
        p.session(&s.token).await.unwrap();
    }
    db.clock.advance(time::Duration::minutes(29));
    let e = p.session(&s.token).await.unwrap_err();
    assert_eq!(
        e.code, "auth.session_expired",
        "12 hours is the absolute limit"
    );
    assert!(
        journal_actions(&p)
            .await
            .iter()
            .filter(|a| *a == "auth.session_expired")
            .count()
            == 2
    );
}
on_both!(timeouts, sessions_end_when_idle_or_old);

async fn repeated_failures_lock_the_account(db: &TestDb) {
    let p = db.open().await;
    p.seed_demo().await.unwrap();
    for _ in 0..5 {
        p.login("amr.official", "not-the-password", "10.0.0.3")
            .await
            .unwrap_err();
    }
    let e = p
        .login("amr.official", govops_core::demo::DEMO_PASSWORD, "10.0.0.4")
        .await
        .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::RateLimited,
        "even the right password waits out the lock"
    );
    db.clock.advance(time::Duration::minutes(16));
    p.login("amr.official", govops_core::demo::DEMO_PASSWORD, "10.0.0.4")
        .await
        .unwrap();
}
on_both!(rate_limit, repeated_failures_lock_the_account);

async fn registration_reports_every_problem_and_writes_nothing(db: &TestDb) {
    let p = db.open().await;
    p.seed_demo().await.unwrap();
    let before = journal_actions(&p).await.len();
    let form = Registration {
        name: String::new(),
        resident_id: "110105194912310021".into(),
        phone: "12345".into(),
        username: "Bad Name".into(),
        password: "password123".into(),
        password_confirm: "password123".into(),
    };
    let e = p.register_citizen(form, "10.0.0.5").await.unwrap_err();
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        ["name", "resident_id", "phone", "username", "password"]
    );
    assert_eq!(journal_actions(&p).await.len(), before);

    let good = Registration {
        name: "王小明".into(),
        resident_id: "11010519491231002X".into(),
        phone: "13912345678".into(),
        username: "wangxm".into(),
        password: "a long passphrase 2026".into(),
        password_confirm: "a long passphrase 2026".into(),
    };
    let s = p.register_citizen(good.clone(), "10.0.0.5").await.unwrap();
    assert_eq!(s.principal.username, "wangxm");
    assert!(s.principal.has(govops_core::identity::Role::Citizen));
    let again = p
        .register_citizen(
            Registration {
                username: "wangxm2".into(),
                ..good
            },
            "10.0.0.5",
        )
        .await
        .unwrap_err();
    assert_eq!(again.code, "identity.person.has_account");
}
on_both!(
    registration,
    registration_reports_every_problem_and_writes_nothing
);
