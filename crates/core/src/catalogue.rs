//! The catalogue: reading a folder of service and bundle definitions, holding the running
//! version in the platform (`reload`), reloading it when the folder changes (`watch`),
//! and what the public sees of it (`guide`).
//!
//! Parsing and validation are pure and live in `govops-workflow`; this module walks the
//! folder, so the same check serves `govops check`, start-up and reload.

mod guide;
mod reload;
mod watch;

pub use guide::{
    Bilingual, Browse, CatalogueQuery, CheckView, DepartmentRef, EntryKind, FIELD_TYPE_NAMES,
    Facet, FieldView, Label, MaterialView, ResultView, ServiceGuide, ServiceSummary, Stage,
    StepView, browse, guide,
};
pub(crate) use reload::{CatalogueState, LivePlan, plan_from_files};
pub use reload::{
    ChangeKind, DefinitionChange, DefinitionProblem, ReloadOutcome, ReloadReport, WATCHER_ACTOR,
};
pub use watch::CatalogueWatcher;

use crate::error::{CoreError, Result};
use govops_workflow::definition::{Catalogue, DefinitionError};
use std::path::{Path, PathBuf};

/// Every `*.toml` file below `dir`, as (path shown in errors, text), in path order.
pub fn read_definition_files(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut paths = Vec::new();
    collect(dir, &mut paths)?;
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            CoreError::invalid(
                "catalogue.file.unreadable",
                format!(
                    "cannot read `{}`: {e}; definition files must be UTF-8 text",
                    path.display()
                ),
            )
        })?;
        files.push((path.display().to_string(), text));
    }
    Ok(files)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        CoreError::invalid(
            "catalogue.folder.unreadable",
            format!("cannot read the folder `{}`: {e}", dir.display()),
        )
    })?;
    for entry in entries {
        let path = entry
            .map_err(|e| {
                CoreError::invalid(
                    "catalogue.folder.unreadable",
                    format!("{}: {e}", dir.display()),
                )
            })?
            .path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// What checking a folder found.
pub enum CheckOutcome {
    /// Every file is valid: the catalogue, and how many files were read.
    Valid(Box<Catalogue>, usize),
    /// Every error of every file, each naming file, line, column and field.
    Invalid(Vec<DefinitionError>),
}

/// Reads and validates every definition in `dir`.
pub fn check_folder(dir: &Path) -> Result<CheckOutcome> {
    let files = read_definition_files(dir)?;
    if files.is_empty() {
        return Err(CoreError::invalid(
            "catalogue.folder.empty",
            format!("`{}` holds no *.toml definition files", dir.display()),
        ));
    }
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    Ok(match Catalogue::load(&borrowed) {
        Ok(c) => CheckOutcome::Valid(Box::new(c), files.len()),
        Err(errors) => CheckOutcome::Invalid(errors),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_is_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services");
        match check_folder(&dir).unwrap() {
            CheckOutcome::Valid(c, n) => {
                assert!(n >= 25, "{n} files");
                assert!(c.services.len() >= 25);
            }
            CheckOutcome::Invalid(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn a_broken_file_is_named_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let good = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../services/amr/food-business-licence.toml"),
        )
        .unwrap();
        let broken = good.replacen("after = [\"accept\"]", "after = [\"inspect\"]", 1);
        assert_ne!(good, broken, "the fixture changed shape");
        std::fs::create_dir(dir.path().join("amr")).unwrap();
        std::fs::write(dir.path().join("amr/food-business-licence.toml"), broken).unwrap();
        match check_folder(dir.path()).unwrap() {
            CheckOutcome::Invalid(errors) => {
                let text = errors[0].to_string();
                assert!(text.contains("food-business-licence.toml:"), "{text}");
                assert!(text.contains("inspect"), "{text}");
            }
            CheckOutcome::Valid(..) => panic!("a broken file passed"),
        }
        assert!(check_folder(&dir.path().join("missing")).is_err());
    }
}
