//! govops-e2e: end-to-end tests in a real browser.
//!
//! [`E2e::start`] starts the whole application in-process on `127.0.0.1:<random port>`
//! over a fresh SQLite database with the demo city, starts `chromedriver` on a port it
//! picks itself, and opens one headless Chromium session. The helpers on [`E2e`] work the
//! pages the way a person does — sign in, follow links, fill fields found by their
//! label, press buttons — and [`E2e::axe_check`] runs axe-core on the page in front of
//! the browser for WCAG 2.2 AA; [`E2e::reflow_check`] adds the one AA criterion axe cannot
//! test, reflow at 320 CSS pixels.
//!
//! Every wait is a WebDriver wait on a condition in the page (a new document has
//! loaded, an element is there), bounded by [`WAIT`]; nothing sleeps for a fixed time.
//!
//! The tools are optional for a developer: without Chromium, chromedriver or axe-core
//! (`npm ci` in `e2e/`), [`E2e::start`] prints `SKIPPED: ...` and returns `None`, unless
//! `GOVOPS_REQUIRE_BROWSER=1` (set by `.ci/run`), which makes a missing tool a failure.
//!
//! This is its own crate so the browser client and its HTTP stack stay out of every
//! other crate's build, and so every browser test file shares one harness.

mod app;
mod axe;
mod browser;
mod reflow;
pub mod start_business;
mod tools;

pub use app::App;
pub use axe::{AXE_TAGS, Violation};
pub use browser::{E2e, WAIT};
pub use reflow::REFLOW_WIDTH;
pub use tools::Tools;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = govops_core::demo::DEMO_PASSWORD;
