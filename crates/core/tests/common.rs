//! Test databases: a fresh SQLite file, or a fresh PostgreSQL database with a random
//! name (created from `GOVOPS_TEST_PG_URL`, dropped afterwards).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use govops_core::{ManualClock, Platform, PlatformSettings};
use std::sync::Arc;
use time::macros::datetime;

pub struct TestDb {
    pub url: String,
    pub clock: ManualClock,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

pub fn start_clock() -> ManualClock {
    ManualClock::new(datetime!(2026-03-02 09:00 UTC))
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/govops.db", dir.path().display());
        TestDb {
            url,
            clock: start_clock(),
            _dir: Some(dir),
            pg: None,
        }
    }

    /// None when `GOVOPS_TEST_PG_URL` is not set.
    pub async fn postgres() -> Option<Self> {
        let base = std::env::var("GOVOPS_TEST_PG_URL").ok()?;
        let name = format!("govops_test_{:016x}", rand::random::<u64>());
        let admin = sqlx::PgPool::connect(&base)
            .await
            .expect("GOVOPS_TEST_PG_URL must reach PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let (head, _) = base.rsplit_once('/').unwrap();
        Some(TestDb {
            url: format!("{head}/{name}"),
            clock: start_clock(),
            // The data hub's files: PostgreSQL has no database folder to keep them in.
            _dir: Some(tempfile::tempdir().unwrap()),
            pg: Some((base, name)),
        })
    }

    pub async fn open(&self) -> Platform {
        self.open_with(None).await
    }

    /// Opens with the shipped services folder (`services/`).
    pub async fn open_with_services(&self) -> Platform {
        self.open_with(Some(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services"),
        ))
        .await
    }

    /// Opens with the shipped services and licence types, and a master key, so that
    /// completed cases issue their licences.
    pub async fn open_issuing(&self) -> Platform {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let settings = PlatformSettings {
            database_url: self.url.clone(),
            journal_origin: "test.example/journal".into(),
            catalogue_dir: Some(root.join("services")),
            files_dir: Some(
                std::env::temp_dir().join(format!("govops-files-{:016x}", rand::random::<u64>())),
            ),
            licences: govops_core::licences::LicenceSettings {
                types_dir: Some(root.join("licences")),
                master_key: Some(
                    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff".into(),
                ),
                ..Default::default()
            },
        };
        Platform::open(&settings, Arc::new(self.clock.clone()))
            .await
            .unwrap()
    }

    pub async fn open_with(&self, services: Option<std::path::PathBuf>) -> Platform {
        let settings = PlatformSettings {
            database_url: self.url.clone(),
            journal_origin: "test.example/journal".into(),
            catalogue_dir: services,
            files_dir: Some(
                std::env::temp_dir().join(format!("govops-files-{:016x}", rand::random::<u64>())),
            ),
            licences: Default::default(),
        };
        let p = Platform::open(&settings, Arc::new(self.clock.clone()))
            .await
            .unwrap();
        if let (Some(_), Some(dir)) = (&self.pg, &self._dir) {
            p.set_data_dir(dir.path().join("datasets"));
        }
        p
    }

    pub async fn drop_db(self) {
        if let Some((base, name)) = &self.pg {
            let admin = sqlx::PgPool::connect(base).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin)
            .await
            .unwrap();
        }
    }
}

/// Runs a test body on SQLite, and on PostgreSQL when configured.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = TestDb::sqlite();
                ($body)(&db).await;
                db.drop_db().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = TestDb::postgres().await else {
                    eprintln!(
                        "GOVOPS_TEST_PG_URL not set: the PostgreSQL run of this test is skipped"
                    );
                    return;
                };
                // Drop the database even when the body panics, then report the panic.
                let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(
                    ($body)(&db),
                ))
                .await;
                db.drop_db().await;
                if let Err(panic) = outcome {
                    std::panic::resume_unwind(panic);
                }
            }
        }
    };
}
