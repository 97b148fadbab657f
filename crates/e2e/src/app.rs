//! The application, in-process, on a random port of 127.0.0.1.

use anyhow::Context;
use govops_core::{ManualClock, Platform, PlatformSettings};
use std::net::SocketAddr;
use std::sync::Arc;

/// The running application: the same router `govops serve` runs, over a fresh SQLite
/// database in a temporary folder with the demo city loaded.
pub struct App {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub base_url: String,
    /// The platform behind the server, for checks and set-up that need no browser.
    pub platform: Platform,
    /// The platform's clock. It starts on Monday 2026-03-02 09:00 UTC and only moves
    /// when a test advances it, so deadlines and working days left are the same on
    /// every run.
    pub clock: ManualClock,
    server: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl App {
    /// Opens a fresh database, loads the demo city and starts serving.
    pub async fn start() -> anyhow::Result<App> {
        let dir = tempfile::tempdir().context("creating a temporary folder for the database")?;
        let clock = ManualClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
        let settings = PlatformSettings {
            database_url: format!("sqlite://{}/govops.db", dir.path().display()),
            journal_origin: "e2e.example/journal".into(),
            catalogue_dir: Some(crate::tools::repo_root().join("services")),
        };
        let platform = Platform::open(&settings, Arc::new(clock.clone()))
            .await
            .context("opening the platform")?;
        platform
            .seed_demo()
            .await
            .context("loading the demo city")?;
        platform
            .journal()
            .integrate()
            .await
            .context("signing the first checkpoint")?;
        let router = govops_web::app(platform.clone(), govops_web::WebSettings::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding 127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            if let Err(e) = axum::serve(listener, service).await {
                eprintln!("the e2e server stopped: {e}");
            }
        });
        Ok(App {
            base_url: format!("http://{addr}"),
            platform,
            clock,
            server,
            _dir: dir,
        })
    }

    /// The absolute URL of a path on the app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.server.abort();
    }
}
