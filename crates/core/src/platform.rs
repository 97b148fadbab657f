//! The platform: one value that holds the store, the clock, the journal and the access
//! policies, and on which every operation of the domain modules is a method.

use crate::access::Access;
use crate::cases::CasesState;
use crate::catalogue::CatalogueState;
use crate::clock::Clock;
use crate::error::Result;
use crate::identity::ratelimit::LoginLimiter;
use crate::journal::Journal;
use crate::store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// Settings the platform needs from configuration.
#[derive(Debug, Clone)]
pub struct PlatformSettings {
    /// The database URL.
    pub database_url: String,
    /// The name of this installation's journal, the checkpoint origin line.
    pub journal_origin: String,
    /// The folder of service and bundle definitions; `None` runs with an empty catalogue.
    pub catalogue_dir: Option<PathBuf>,
    /// The folder uploaded files are stored in (content-addressed); `None` refuses uploads.
    pub files_dir: Option<PathBuf>,
    /// Licence types, the master key and the public address of issuers.
    pub licences: crate::licences::LicenceSettings,
}

/// The running platform; cheap to clone.
#[derive(Clone)]
pub struct Platform {
    pub(crate) inner: Arc<PlatformInner>,
}

pub(crate) struct PlatformInner {
    pub store: Store,
    pub journal: Arc<Journal>,
    pub access: Access,
    pub limiter: LoginLimiter,
    pub catalogue: CatalogueState,
    pub cases: CasesState,
    pub licences: Arc<crate::licences::Licences>,
    pub datafiles: std::sync::RwLock<crate::datahub::DataFiles>,
}

impl Platform {
    /// Opens the database, runs migrations, loads the journal, the access policies and
    /// the catalogue.
    pub async fn open(settings: &PlatformSettings, clock: Arc<dyn Clock>) -> Result<Self> {
        let store = Store::open(&settings.database_url, clock).await?;
        let journal = Journal::open(store.clone(), &settings.journal_origin).await?;
        let access = Access::load_builtin()?;
        let catalogue = CatalogueState::open(settings.catalogue_dir.clone()).await;
        let cases = CasesState::open(settings.files_dir.clone())?;
        let licences = Arc::new(
            crate::licences::Licences::open(&settings.licences, &store, &settings.database_url)
                .await?,
        );
        let platform = Self {
            inner: Arc::new(PlatformInner {
                store,
                journal,
                access,
                limiter: LoginLimiter::default(),
                catalogue,
                cases,
                licences,
                datafiles: std::sync::RwLock::new(crate::datahub::DataFiles::for_database(
                    &settings.database_url,
                )),
            }),
        };
        platform.load_stored_calendar().await?;
        Ok(platform)
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The journal.
    pub fn journal(&self) -> &Arc<Journal> {
        &self.inner.journal
    }

    /// The access policies.
    pub fn access(&self) -> &Access {
        &self.inner.access
    }

    /// The current time from the platform clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.inner.store.clock().now()
    }

    /// True when the database answers: for `/readyz`.
    pub async fn ready(&self) -> bool {
        sqlx::query("SELECT 1")
            .execute(self.inner.store.pool())
            .await
            .is_ok()
    }
}
