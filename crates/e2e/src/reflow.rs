//! WCAG 2.2 success criterion 1.4.10 (Reflow), which axe-core does not test: content
//! fits a viewport 320 CSS pixels wide without scrolling sideways. Data tables are
//! exempt (they need two dimensions), so an element inside one is not counted.

use crate::browser::E2e;
use anyhow::{Context, bail};
use serde_json::Value;

/// The width WCAG 1.4.10 asks content to fit, in CSS pixels.
pub const REFLOW_WIDTH: u32 = 320;

/// The outermost elements, not in a table nor in a box that scrolls or clips, whose
/// right edge is past the viewport's.
const OVERFLOWING: &str = r#"
const w = document.documentElement.clientWidth;
const clipped = el => {
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') return true;
  }
  return false;
};
const over = el => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.right > w + 1 && !el.closest('table') && !clipped(el);
};
return [...document.body.querySelectorAll('*')]
  .filter(over)
  .filter(el => !(el.parentElement && over(el.parentElement)))
  .map(el => {
    const id = el.id ? '#' + el.id : '';
    const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
    const text = (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 40);
    return el.tagName.toLowerCase() + id + cls + ' (right edge at ' + Math.round(el.getBoundingClientRect().right)
      + ' px of ' + w + '): ' + text;
  });
"#;

impl E2e {
    /// Sets the browser's window to `width` × `height` CSS pixels.
    pub async fn set_window(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.client()
            .set_window_size(width, height)
            .await
            .context("resizing the window")
    }

    /// Fails, naming each element that sticks out, when the page in front of the browser
    /// scrolls sideways outside a data table. Call [`E2e::set_window`] with
    /// [`REFLOW_WIDTH`] first.
    pub async fn reflow_check(&self, page_name: &str) -> anyhow::Result<()> {
        let found = self.client().execute(OVERFLOWING, vec![]).await?;
        let list: Vec<String> = match found {
            Value::Array(items) => items
                .into_iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect(),
            other => bail!("the reflow check answered {other}"),
        };
        if list.is_empty() {
            return Ok(());
        }
        bail!(
            "{page_name}: does not reflow (WCAG 1.4.10); sticking out:\n  {}",
            list.join("\n  ")
        )
    }
}
