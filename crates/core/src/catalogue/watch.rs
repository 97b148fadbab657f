//! Watching the services folder: a change to a `*.toml` file reloads the catalogue within
//! about a second, with no restart.
//!
//! The watcher uses the `notify` crate (inotify on Linux, FSEvents on macOS), which tells
//! us about a change as it happens instead of polling every file's mtime. Editors write
//! in bursts (temporary file, rename, attribute change), so events are gathered for a
//! short quiet period and answered with one reload.

use super::reload::{ReloadOutcome, WATCHER_ACTOR};
use crate::error::{CoreError, Result};
use crate::platform::Platform;
use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{Event, EventKind, RecursiveMode, Watcher};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long the folder must be quiet before a burst of changes is reloaded.
const QUIET: Duration = Duration::from_millis(300);

/// A running folder watcher; it stops when dropped.
pub struct CatalogueWatcher {
    _watcher: notify::RecommendedWatcher,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CatalogueWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether an event can change what the folder holds. Opening and reading files (which
/// the reload itself does) and attribute changes cannot.
fn matters(event: &Event) -> bool {
    let kind_matters = match event.kind {
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Other => false,
    };
    // A folder (no extension) may have been renamed or removed with files inside.
    kind_matters
        && event
            .paths
            .iter()
            .any(|p| p.extension().is_none_or(|x| x == "toml"))
}

impl Platform {
    /// Starts watching the services folder; every change reloads the catalogue as
    /// [`Platform::reload_catalogue`] does, journaled as `system:catalogue-watcher`.
    ///
    /// Fails if no folder is configured or it cannot be watched (for example, it does
    /// not exist); the caller logs that and goes on without watching.
    pub fn watch_catalogue(&self) -> Result<CatalogueWatcher> {
        let Some(dir) = self.catalogue_dir().map(std::path::Path::to_path_buf) else {
            return Err(CoreError::invalid(
                "catalogue.folder.none",
                "No services folder is configured, so there is nothing to watch.",
            ));
        };
        let (send, mut changes) = mpsc::unbounded_channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<Event>| match event {
                Ok(e) if !matters(&e) => {}
                Ok(_) => {
                    let _ = send.send(());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "services folder watcher");
                    let _ = send.send(());
                }
            })
            .map_err(|e| CoreError::internal(format!("cannot start the folder watcher: {e}")))?;
        watcher.watch(&dir, RecursiveMode::Recursive).map_err(|e| {
            CoreError::invalid(
                "catalogue.folder.unwatchable",
                format!("cannot watch `{}`: {e}", dir.display()),
            )
        })?;
        let platform = self.clone();
        let task = tokio::spawn(async move {
            while changes.recv().await.is_some() {
                // Wait for the burst to end, then answer all of it with one reload.
                loop {
                    tokio::time::sleep(QUIET).await;
                    let mut more = false;
                    while changes.try_recv().is_ok() {
                        more = true;
                    }
                    if !more {
                        break;
                    }
                }
                match platform.reload_catalogue(WATCHER_ACTOR).await {
                    Ok(ReloadOutcome::Reloaded(_)) => {}
                    Ok(ReloadOutcome::Refused(problems)) => {
                        for p in &problems {
                            tracing::error!(problem = %p, "catalogue change refused");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "catalogue reload failed"),
                }
            }
        });
        tracing::info!(folder = %dir.display(), "watching the services folder");
        Ok(CatalogueWatcher {
            _watcher: watcher,
            task,
        })
    }
}
