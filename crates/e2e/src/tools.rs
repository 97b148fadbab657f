//! Finding the browser, its driver and axe-core, and deciding whether their absence
//! skips the tests or fails them.

use std::path::PathBuf;

/// The external tools a browser test needs.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The Chromium executable (`GOVOPS_CHROMIUM`, else `chromium` on `PATH`).
    pub chromium: PathBuf,
    /// The matching chromedriver (`GOVOPS_CHROMEDRIVER`, else `chromedriver` on `PATH`).
    pub chromedriver: PathBuf,
    /// axe-core's `axe.min.js` (`GOVOPS_AXE_JS`, else `e2e/node_modules/axe-core/axe.min.js`
    /// in the repository, put there by `npm ci` in `e2e/`).
    pub axe_js: PathBuf,
}

/// The repository's root folder. `cargo test` sets `CARGO_MANIFEST_DIR` when it runs a
/// test, which names this checkout even when the library was built from another one
/// sharing the target folder (the value baked in at build time would not); the baked-in
/// value is the fallback for a test binary run by hand.
pub fn repo_root() -> PathBuf {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    crate_dir.join("../..")
}

/// True when `GOVOPS_REQUIRE_BROWSER=1`: a missing tool is then a failure, not a skip.
pub fn required() -> bool {
    std::env::var("GOVOPS_REQUIRE_BROWSER").as_deref() == Ok("1")
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn from_env_or(var: &str, fallback: Option<PathBuf>) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)).filter(|p| p.is_file()),
        _ => fallback.filter(|p| p.is_file()),
    }
}

impl Tools {
    /// Finds every tool, or lists those missing and how to install them.
    pub fn find() -> Result<Tools, String> {
        let chromium = from_env_or("GOVOPS_CHROMIUM", on_path("chromium"));
        let chromedriver = from_env_or("GOVOPS_CHROMEDRIVER", on_path("chromedriver"));
        let axe_js = from_env_or(
            "GOVOPS_AXE_JS",
            Some(repo_root().join("e2e/node_modules/axe-core/axe.min.js")),
        );
        let mut missing = Vec::new();
        if chromium.is_none() {
            missing.push("Chromium (`apt-get install chromium`, or set GOVOPS_CHROMIUM)");
        }
        if chromedriver.is_none() {
            missing.push(
                "chromedriver (`apt-get install chromium-driver`, or set GOVOPS_CHROMEDRIVER)",
            );
        }
        if axe_js.is_none() {
            missing.push("axe-core (`npm ci` in e2e/, or set GOVOPS_AXE_JS)");
        }
        match (chromium, chromedriver, axe_js) {
            (Some(chromium), Some(chromedriver), Some(axe_js)) => Ok(Tools {
                chromium,
                chromedriver,
                axe_js,
            }),
            _ => Err(missing.join(", ")),
        }
    }
}
