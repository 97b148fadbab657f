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
            files_dir: Some(dir.path().join("files")),
            licences: Default::default(),
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

    /// A folder that lives as long as the app, for files a test uploads.
    pub fn scratch_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// Writes a small valid file of the given kind (`pdf` or `png`) named `name`
    /// into [`App::scratch_dir`], for an upload field, and returns its path.
    pub fn sample_file(&self, name: &str, kind: &str) -> anyhow::Result<std::path::PathBuf> {
        let bytes: &[u8] = match kind {
            "pdf" => SAMPLE_PDF,
            "png" => SAMPLE_PNG,
            other => anyhow::bail!("no sample file of kind {other:?}; there are pdf and png"),
        };
        let path = self._dir.path().join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
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

/// A one-page PDF with the words "govops e2e".
const SAMPLE_PDF: &[u8] = b"%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length 44 >> stream
BT /F1 12 Tf 20 50 Td (govops e2e) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
trailer << /Root 1 0 R >>
%%EOF
";

/// A 1×1 white PNG.
const SAMPLE_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8, 0xFF, 0xFF, 0x3F,
    0x00, 0x05, 0xFE, 0x02, 0xFE, 0xDC, 0xCC, 0x59, 0xE7, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];
