//! axe-core in the page: WCAG 2.2 AA, serious and critical violations are failures.

use crate::browser::E2e;
use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};
use std::fmt;

/// The axe-core rule tags run: WCAG 2.0, 2.1 and 2.2, levels A and AA.
pub const AXE_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// One rule an axe run found broken.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The axe rule id, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks for.
    pub help: String,
    /// Each failing element: its CSS selector path, and what to fix.
    pub nodes: Vec<(String, String)>,
}

impl Violation {
    /// True for the impacts the project does not accept.
    pub fn is_blocking(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  [{}] {}: {}", self.impact, self.id, self.help)?;
        for (target, summary) in &self.nodes {
            let summary = summary.replace('\n', " ");
            writeln!(f, "      at {target}: {summary}")?;
        }
        Ok(())
    }
}

/// Runs axe and hands back a compact result: the violations only, nodes as selectors.
const RUN_AXE: &str = r#"
const [tags, done] = arguments;
window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
  .then(r => done({ violations: r.violations.map(v => ({
      id: v.id, impact: v.impact || 'unknown', help: v.help,
      nodes: v.nodes.map(n => [n.target.map(t => String(t)).join(' >>> '), n.failureSummary || ''])
  })) }))
  .catch(e => done({ error: String(e && e.stack || e) }));
"#;

fn parse(result: &Value) -> anyhow::Result<Vec<Violation>> {
    if let Some(e) = result.get("error") {
        bail!("axe-core failed in the page: {e}");
    }
    let list = result
        .get("violations")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("axe-core answered without a violations list: {result}"))?;
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    Ok(list
        .iter()
        .map(|v| Violation {
            id: text(v, "id"),
            impact: text(v, "impact"),
            help: text(v, "help"),
            nodes: v
                .get("nodes")
                .and_then(Value::as_array)
                .map(|nodes| {
                    nodes
                        .iter()
                        .map(|n| {
                            let part = |i: usize| {
                                n.get(i).and_then(Value::as_str).unwrap_or("").to_string()
                            };
                            (part(0), part(1))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect())
}

impl E2e {
    /// Every WCAG 2.2 A/AA violation axe-core finds on the page now in front of the
    /// browser, whatever its impact.
    pub async fn axe_violations(&self) -> anyhow::Result<Vec<Violation>> {
        self.wait_for_js("return document.readyState === 'complete'")
            .await
            .context("waiting for the page to finish loading")?;
        let present = self
            .client()
            .execute("return typeof window.axe === 'object'", vec![])
            .await?;
        if present != Value::Bool(true) {
            // WebDriver's execute runs outside the page's CSP, so the page needs no
            // script-src for this; the source defines window.axe.
            let script = format!("{}\nreturn typeof window.axe;", self.axe_source());
            self.client()
                .execute(&script, vec![])
                .await
                .context("injecting axe-core")?;
        }
        let result = self
            .client()
            .execute_async(RUN_AXE, vec![json!(AXE_TAGS)])
            .await
            .context("running axe-core")?;
        parse(&result)
    }

    /// Fails, listing every one (rule id, impact, failing elements), when axe-core finds
    /// a serious or critical WCAG 2.2 A/AA violation on the page in front of the
    /// browser. `page_name` names the page in the message. When it passes, it hands back
    /// the minor and moderate findings, if any.
    pub async fn axe_check(&self, page_name: &str) -> anyhow::Result<Vec<Violation>> {
        let found = self.axe_violations().await?;
        let blocking: Vec<&Violation> = found.iter().filter(|v| v.is_blocking()).collect();
        if blocking.is_empty() {
            return Ok(found);
        }
        let url = self.client().current_url().await?;
        let mut msg = format!(
            "{page_name} ({url}): {} serious or critical accessibility violation(s):\n",
            blocking.len()
        );
        for v in blocking {
            msg.push_str(&v.to_string());
        }
        bail!(msg)
    }
}
