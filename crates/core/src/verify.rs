//! `govops journal verify`: recompute every leaf, the tree, and every stored checkpoint.

use crate::error::Result;
use crate::store::Store;
use futures_util::TryStreamExt;
use govops_journal::{NoteVerifier, Tree, leaf_hash, open_checkpoint};

/// What a verification found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// Entries read.
    pub entries: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// The first entry found not to match, if any.
    pub first_bad_entry: Option<i64>,
    /// Every problem, in order, each naming where it is.
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// True when nothing was found wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, idx: Option<i64>, text: String) {
        if self.first_bad_entry.is_none() {
            self.first_bad_entry = idx;
        }
        self.problems.push(text);
    }
}

/// Verifies the journal in `store` against the checkpoint key `verifier`.
pub async fn verify_journal(store: &Store, verifier: &NoteVerifier) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    let mut tree = Tree::new();
    {
        let mut rows = sqlx::query_as::<_, (i64, String, String, String, String, Vec<u8>)>(
            "SELECT idx, actor, action, subject, body, leaf_hash FROM journal_entries ORDER BY idx",
        )
        .fetch(store.pool());
        while let Some((idx, actor, action, subject, body, stored)) = rows.try_next().await? {
            report.entries += 1;
            if idx != tree.size() as i64 {
                report.problem(
                    Some(idx),
                    format!(
                        "entry {idx}: expected index {}; entries are missing",
                        tree.size()
                    ),
                );
            }
            let computed = leaf_hash(body.as_bytes());
            if computed.as_slice() != stored.as_slice() {
                report.problem(
                    Some(idx),
                    format!(
                        "entry {idx}: its body does not match its leaf hash; the entry was changed after it was written"
                    ),
                );
            } else if let Err(why) = check_body(&body, &actor, &action, &subject) {
                report.problem(Some(idx), format!("entry {idx}: {why}"));
            }
            tree.push(computed);
        }
    }
    let checkpoints: Vec<(i64, Vec<u8>, String)> = store
        .fetch_all(
            "SELECT size, root, note FROM journal_checkpoints ORDER BY size",
            &[],
        )
        .await?;
    let mut last_good = 0i64;
    for (size, root, note) in checkpoints {
        report.checkpoints += 1;
        let opened = match open_checkpoint(&note, std::slice::from_ref(verifier)) {
            Ok(c) => c,
            Err(e) => {
                report.problem(
                    None,
                    format!("checkpoint {size}: signature does not verify: {e}"),
                );
                continue;
            }
        };
        if opened.size as i64 != size || opened.root.as_slice() != root.as_slice() {
            report.problem(
                None,
                format!("checkpoint {size}: the stored size or root differs from the signed note"),
            );
            continue;
        }
        match tree.root_at(opened.size) {
            Ok(r) if r == opened.root => last_good = size,
            Ok(_) => report.problem(
                Some(last_good),
                format!(
                    "checkpoint {size}: the entries do not hash to the signed root; \
                     an entry between {last_good} and {} was changed",
                    size - 1
                ),
            ),
            Err(_) => report.problem(
                None,
                format!(
                    "checkpoint {size}: covers more entries than the journal holds ({})",
                    tree.size()
                ),
            ),
        }
    }
    Ok(report)
}

/// Checks that the body is canonical JSON naming the same actor, action and subject as
/// the indexed columns, so the columns cannot be changed on their own either.
fn check_body(body: &str, actor: &str, action: &str, subject: &str) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("body is not JSON: {e}"))?;
    // The writer's canonical JSON: a fast path for what entries hold, the library for
    // anything else (floats, large integers, non-ASCII keys); the two agree (tested).
    let canonical = crate::store::canonical_json(&value)
        .map_err(|e| format!("body cannot be canonicalised: {e}"))?;
    if canonical != body {
        return Err("body is not in canonical form".into());
    }
    for (key, column) in [("actor", actor), ("action", action), ("subject", subject)] {
        if value.get(key).and_then(|v| v.as_str()) != Some(column) {
            return Err(format!("the {key} column differs from the body"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_body;

    const BODY: &str = r#"{"action":"case.approve","actor":"account:a","payload":{"n":2,"s":"张"},"subject":"case:1","time":"2026-11-30T10:00:00Z"}"#;

    #[test]
    fn a_canonical_body_naming_its_columns_passes() {
        assert_eq!(
            check_body(BODY, "account:a", "case.approve", "case:1"),
            Ok(())
        );
    }

    #[test]
    fn a_body_not_in_canonical_form_is_refused() {
        let not_canonical = [
            // keys out of order
            r#"{"actor":"account:a","action":"case.approve","payload":{"n":2,"s":"张"},"subject":"case:1","time":"2026-11-30T10:00:00Z"}"#,
            // whitespace
            r#"{"action": "case.approve","actor":"account:a","payload":{"n":2,"s":"张"},"subject":"case:1","time":"2026-11-30T10:00:00Z"}"#,
            // a number JCS writes as 2
            r#"{"action":"case.approve","actor":"account:a","payload":{"n":2.0,"s":"张"},"subject":"case:1","time":"2026-11-30T10:00:00Z"}"#,
            // non-ASCII keys out of UTF-16 order (checked by the library path)
            r#"{"action":"case.approve","actor":"account:a","payload":{"名":1,"n":2},"subject":"case:1","time":"2026-11-30T10:00:00Z"}"#,
            // an escape JCS does not use
            r#"{"action":"case.approve","actor":"account:a","payload":{"n":2,"s":"\u5f20"},"subject":"case:1","time":"2026-11-30T10:00:00Z"}"#,
        ];
        for body in not_canonical {
            assert_eq!(
                check_body(body, "account:a", "case.approve", "case:1"),
                Err("body is not in canonical form".to_owned()),
                "{body}"
            );
        }
    }

    #[test]
    fn a_column_that_differs_from_the_body_is_named() {
        assert_eq!(
            check_body(BODY, "account:b", "case.approve", "case:1"),
            Err("the actor column differs from the body".to_owned())
        );
        assert_eq!(
            check_body(BODY, "account:a", "case.approve", "case:2"),
            Err("the subject column differs from the body".to_owned())
        );
    }
}
