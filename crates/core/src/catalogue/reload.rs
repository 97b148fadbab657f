//! The running catalogue: loaded at start from the configured folder, swapped whole on a
//! reload that validates, and never replaced by a folder that does not.
//!
//! Readers take an `Arc<Catalogue>` and keep it for as long as they need; a reload swaps
//! the pointer, so a reader never sees half of one version and half of another.

use super::read_definition_files;
use crate::error::{CoreError, Result};
use crate::platform::Platform;
use govops_workflow::definition::{Catalogue, DefinitionError};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// The journal actor of reloads the folder watcher starts.
pub const WATCHER_ACTOR: &str = "system:catalogue-watcher";

/// One problem that stopped a reload: where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DefinitionProblem {
    /// The file (or, for a folder problem, the folder).
    pub file: String,
    /// 1-based line; 0 when the problem is not at a place in a file.
    pub line: usize,
    /// 1-based column; 0 when the problem is not at a place in a file.
    pub column: usize,
    /// The field path, e.g. `steps[2].after`; empty for a whole-file problem.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl From<DefinitionError> for DefinitionProblem {
    fn from(e: DefinitionError) -> Self {
        Self {
            file: e.file,
            line: e.line,
            column: e.column,
            field: e.path,
            message: e.message,
            hint: e.hint,
        }
    }
}

impl std::fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

/// How a definition differs from the running version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new id.
    Added,
    /// The same id with a different version.
    NewVersion,
    /// The file changed but kept its version number. Allowed, but logged as a warning:
    /// the version is what cases in flight are pinned to.
    EditedSameVersion,
    /// The id is gone from the folder.
    Removed,
}

/// One definition that a reload changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DefinitionChange {
    /// The service or bundle id.
    pub id: String,
    /// The version now live; for a removed definition, the version that was.
    pub version: u32,
    /// The version that was live before, if any.
    pub previous_version: Option<u32>,
    /// What changed.
    pub change: ChangeKind,
}

/// What a successful reload did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReloadReport {
    /// Definition files read.
    pub files: usize,
    /// Services now live.
    pub services: usize,
    /// Bundles now live.
    pub bundles: usize,
    /// What changed, in id order; empty when the folder held what was already live.
    pub changed: Vec<DefinitionChange>,
    /// Whether a `catalogue.reloaded` journal entry was written (only when something
    /// changed).
    pub journaled: bool,
}

/// The result of a reload: the new catalogue is live, or the folder was refused and the
/// running version stays.
#[derive(Debug, Clone)]
pub enum ReloadOutcome {
    /// Swapped in.
    Reloaded(ReloadReport),
    /// Refused: every problem found; nothing changed.
    Refused(Vec<DefinitionProblem>),
}

/// One loaded version of the folder: the catalogue and a fingerprint of each
/// definition's file, so an edit that keeps the version number is still noticed.
pub(crate) struct Snapshot {
    catalogue: Arc<Catalogue>,
    fingerprints: BTreeMap<String, String>,
    files: usize,
    /// The runnable plan of every service and bundle, with the files it was built from.
    plans: BTreeMap<String, Arc<LivePlan>>,
}

impl Snapshot {
    fn empty() -> Self {
        Self {
            catalogue: Arc::new(Catalogue::default()),
            fingerprints: BTreeMap::new(),
            files: 0,
            plans: BTreeMap::new(),
        }
    }
}

/// The platform's catalogue state.
pub(crate) struct CatalogueState {
    dir: Option<PathBuf>,
    current: RwLock<Arc<Snapshot>>,
    /// One reload at a time, so that the diff, the journal entry and the swap of one
    /// reload are never interleaved with another's.
    reloading: tokio::sync::Mutex<()>,
}

fn folder_problem(dir: &Path, e: &CoreError) -> DefinitionProblem {
    DefinitionProblem {
        file: dir.display().to_string(),
        line: 0,
        column: 0,
        field: String::new(),
        message: e.message.clone(),
        hint: Some(
            "check --services-dir (GOVOPS_SERVICES_DIR) and the folder's permissions".into(),
        ),
    }
}

/// Reads and validates the folder; blocking file I/O.
fn load_folder(dir: &Path) -> std::result::Result<Snapshot, Vec<DefinitionProblem>> {
    let files = read_definition_files(dir).map_err(|e| vec![folder_problem(dir, &e)])?;
    if files.is_empty() {
        return Err(vec![DefinitionProblem {
            file: dir.display().to_string(),
            line: 0,
            column: 0,
            field: String::new(),
            message: "the folder holds no *.toml definition files".into(),
            hint: Some(
                "a reload never empties the catalogue; put the definitions back, or restart \
                 with an empty folder on purpose"
                    .into(),
            ),
        }]);
    }
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let catalogue = Catalogue::load(&borrowed).map_err(|errors| {
        errors
            .into_iter()
            .map(DefinitionProblem::from)
            .collect::<Vec<_>>()
    })?;
    let plans = live_plans(&catalogue, &files);
    let mut fingerprints = BTreeMap::new();
    for (_, text) in &files {
        // Every file validated, so each has a string `id`.
        let id = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_owned));
        if let Some(id) = id {
            fingerprints.insert(id, hex::encode(Sha256::digest(text.as_bytes())));
        }
    }
    Ok(Snapshot {
        catalogue: Arc::new(catalogue),
        fingerprints,
        files: files.len(),
        plans,
    })
}

fn versions(c: &Catalogue) -> BTreeMap<&str, u32> {
    c.services
        .iter()
        .map(|(id, s)| (id.as_str(), s.version))
        .chain(c.bundles.iter().map(|(id, b)| (id.as_str(), b.version)))
        .collect()
}

/// What differs between the running snapshot and a new one.
fn diff(old: &Snapshot, new: &Snapshot) -> Vec<DefinitionChange> {
    let before = versions(&old.catalogue);
    let after = versions(&new.catalogue);
    let mut changes = Vec::new();
    for (id, &version) in &after {
        let change = match before.get(id) {
            None => Some(ChangeKind::Added),
            Some(&was) if was != version => Some(ChangeKind::NewVersion),
            Some(_) if old.fingerprints.get(*id) != new.fingerprints.get(*id) => {
                Some(ChangeKind::EditedSameVersion)
            }
            Some(_) => None,
        };
        if let Some(change) = change {
            changes.push(DefinitionChange {
                id: (*id).to_owned(),
                version,
                previous_version: before.get(id).copied(),
                change,
            });
        }
    }
    for (id, &version) in &before {
        if !after.contains_key(id) {
            changes.push(DefinitionChange {
                id: (*id).to_owned(),
                version,
                previous_version: Some(version),
                change: ChangeKind::Removed,
            });
        }
    }
    changes.sort_by(|a, b| a.id.cmp(&b.id));
    changes
}

impl CatalogueState {
    /// Loads the folder at start. A missing folder, or one that does not validate, gives
    /// an empty catalogue and a logged warning or errors, so that the rest of the platform
    /// still serves; a later reload brings the services in.
    pub(crate) async fn open(dir: Option<PathBuf>) -> Self {
        let snapshot = match &dir {
            None => Snapshot::empty(),
            Some(d) if !d.exists() => {
                tracing::warn!(
                    folder = %d.display(),
                    "the services folder does not exist; starting with an empty catalogue"
                );
                Snapshot::empty()
            }
            Some(d) => {
                let d = d.clone();
                match tokio::task::spawn_blocking(move || load_folder(&d)).await {
                    Ok(Ok(s)) => {
                        tracing::info!(
                            services = s.catalogue.services.len(),
                            bundles = s.catalogue.bundles.len(),
                            "catalogue loaded"
                        );
                        s
                    }
                    Ok(Err(problems)) => {
                        for p in &problems {
                            tracing::error!(problem = %p, "catalogue definition refused");
                        }
                        tracing::error!(
                            "the catalogue did not validate; starting with an empty catalogue \
                             (fix the files and the watcher or POST /api/v1/admin/reload loads them)"
                        );
                        Snapshot::empty()
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "loading the catalogue failed");
                        Snapshot::empty()
                    }
                }
            }
        };
        Self {
            dir,
            current: RwLock::new(Arc::new(snapshot)),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        // A poisoned lock only means a reader panicked; the pointer inside is whole.
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn swap(&self, next: Arc<Snapshot>) {
        match self.current.write() {
            Ok(mut g) => *g = next,
            Err(p) => *p.into_inner() = next,
        }
    }
}

impl Platform {
    /// The catalogue now live. Keep the `Arc` for the length of one request or case step,
    /// so everything it reads comes from the same version.
    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.inner.catalogue.snapshot().catalogue.clone()
    }

    /// The live plan of a service or bundle, with the files it is built from.
    pub(crate) fn live_plan(&self, id: &str) -> Option<Arc<LivePlan>> {
        self.inner.catalogue.snapshot().plans.get(id).cloned()
    }

    /// The folder the catalogue is read from, if one is configured.
    pub fn catalogue_dir(&self) -> Option<&Path> {
        self.inner.catalogue.dir()
    }

    /// Re-reads the services folder. If every file validates, the new catalogue replaces
    /// the running one and, when anything changed, a `catalogue.reloaded` entry naming
    /// each changed (id, version) is journaled by `actor` in the same step. If anything is
    /// wrong, the running catalogue stays and every problem is returned.
    ///
    /// The caller decides who may reload (`Action::CatalogueReload`).
    pub async fn reload_catalogue(&self, actor: &str) -> Result<ReloadOutcome> {
        let state = &self.inner.catalogue;
        let Some(dir) = state.dir().map(Path::to_path_buf) else {
            return Err(CoreError::invalid(
                "catalogue.folder.none",
                "No services folder is configured; start govops with --services-dir.",
            ));
        };
        let _one_at_a_time = state.reloading.lock().await;
        let loaded = tokio::task::spawn_blocking(move || load_folder(&dir))
            .await
            .map_err(|e| CoreError::internal(format!("catalogue reader: {e}")))?;
        let next = match loaded {
            Ok(next) => next,
            Err(problems) => {
                tracing::warn!(
                    problems = problems.len(),
                    "catalogue reload refused; the running version stays"
                );
                return Ok(ReloadOutcome::Refused(problems));
            }
        };
        let current = state.snapshot();
        let changed = diff(&current, &next);
        for c in changed
            .iter()
            .filter(|c| c.change == ChangeKind::EditedSameVersion)
        {
            tracing::warn!(
                id = %c.id,
                version = c.version,
                "a definition changed without a new version number; bump `version` so cases \
                 in flight can tell the two apart"
            );
        }
        let journaled = !changed.is_empty();
        if journaled {
            let payload = json!({
                "services": next.catalogue.services.len(),
                "bundles": next.catalogue.bundles.len(),
                "changed": changed,
            });
            let actor = actor.to_owned();
            self.store()
                .write(move |tx| {
                    Box::pin(async move {
                        tx.journal(&actor, "catalogue.reloaded", "catalogue", payload)?;
                        Ok(())
                    })
                })
                .await?;
        }
        let report = ReloadReport {
            files: next.files,
            services: next.catalogue.services.len(),
            bundles: next.catalogue.bundles.len(),
            changed,
            journaled,
        };
        state.swap(Arc::new(next));
        tracing::info!(
            services = report.services,
            bundles = report.bundles,
            changed = report.changed.len(),
            "catalogue reloaded"
        );
        Ok(ReloadOutcome::Reloaded(report))
    }
}

/// A runnable plan and the definition files it came from: the service's own file, or a
/// bundle's file followed by its services' files. A case stores the files (by hash) at
/// submission, so it can rebuild exactly this plan after any reload or restart.
#[derive(Debug)]
pub(crate) struct LivePlan {
    /// The plan.
    pub plan: Arc<govops_workflow::definition::Plan>,
    /// (file name, text) pairs, in the order `Catalogue::load` wants them.
    pub files: Vec<(String, String)>,
    /// SHA-256 over the files, hex.
    pub hash: String,
}

/// The hash that identifies a set of definition files.
pub(crate) fn files_hash(files: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    for (name, text) in files {
        for part in [name.as_bytes(), text.as_bytes()] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
    }
    hex::encode(h.finalize())
}

fn live_plans(c: &Catalogue, files: &[(String, String)]) -> BTreeMap<String, Arc<LivePlan>> {
    use govops_workflow::definition::Plan;
    // Every file validated, so each has a string `id`.
    let own: BTreeMap<String, (String, String)> = files
        .iter()
        .filter_map(|f| {
            toml::from_str::<toml::Table>(&f.1)
                .ok()
                .and_then(|t| t.get("id").and_then(|v| v.as_str()).map(str::to_owned))
                .map(|id| (id, f.clone()))
        })
        .collect();
    let mut out = BTreeMap::new();
    for (id, service) in &c.services {
        let Some(f) = own.get(id.as_str()) else {
            continue;
        };
        let files = vec![f.clone()];
        out.insert(
            id.clone(),
            Arc::new(LivePlan {
                plan: Arc::new(Plan::for_service(service)),
                hash: files_hash(&files),
                files,
            }),
        );
    }
    for (id, bundle) in &c.bundles {
        let mut files = Vec::new();
        for (service, _) in &bundle.parts {
            if let Some(f) = own.get(service.as_str()) {
                files.push(f.clone());
            }
        }
        let Some(f) = own.get(id.as_str()) else {
            continue;
        };
        files.push(f.clone());
        out.insert(
            id.clone(),
            Arc::new(LivePlan {
                plan: Arc::new(bundle.plan.clone()),
                hash: files_hash(&files),
                files,
            }),
        );
    }
    out
}

/// Rebuilds the plan `id` from stored definition files.
pub(crate) fn plan_from_files(
    id: &str,
    files: &[(String, String)],
) -> std::result::Result<govops_workflow::definition::Plan, String> {
    use govops_workflow::definition::Plan;
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let c = Catalogue::load(&borrowed).map_err(|e| {
        e.into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    if let Some(b) = c.bundles.get(id) {
        return Ok(b.plan.clone());
    }
    c.services
        .get(id)
        .map(Plan::for_service)
        .ok_or_else(|| format!("the stored files do not define {id}"))
}
