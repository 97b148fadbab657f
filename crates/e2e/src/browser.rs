//! chromedriver, one headless Chromium session, and the helpers tests drive pages with.

use crate::app::App;
use crate::tools::{Tools, required};
use anyhow::{Context, anyhow, bail};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest any wait for the page lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// How often a wait asks the page again.
const POLL: Duration = Duration::from_millis(25);

/// The key WebDriver uses for an element in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The flags Chromium runs with: no display, no sandbox (CI runs as root), no GPU, and
/// no reliance on a large /dev/shm.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--window-size=1280,1024",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
];

/// chromedriver, started on a port it picks itself.
struct Driver {
    child: Child,
    port: u16,
    /// The WebDriver session still open, if any, to close should the test fail.
    session: Option<String>,
}

impl Driver {
    async fn spawn(path: &std::path::Path) -> anyhow::Result<Driver> {
        let mut child = Command::new(path)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", path.display()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("chromedriver's output is not readable"))?;
        let (tx, rx) = std::sync::mpsc::channel();
        // chromedriver says which port it took; the thread then keeps draining its
        // output so it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut told = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !told
                    && let Some(rest) = line.split("started successfully on port ").nth(1)
                    && let Ok(port) = rest.trim_end_matches('.').trim().parse::<u16>()
                {
                    let _ = tx.send(port);
                    told = true;
                }
            }
        });
        let mut driver = Driver {
            child,
            port: 0,
            session: None,
        };
        driver.port = tokio::task::spawn_blocking(move || rx.recv_timeout(WAIT))
            .await?
            .map_err(|_| anyhow!("chromedriver did not report its port within {WAIT:?}"))?;
        Ok(driver)
    }

    /// Ends the session the plain way, so Chromium quits even when the test panicked
    /// and the async client can no longer run.
    fn delete_session(&mut self) {
        let Some(id) = self.session.take() else {
            return;
        };
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(WAIT));
            let _ = write!(
                s,
                "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.port
            );
            // chromedriver keeps the connection open, so read just the one answer.
            let mut got = Vec::new();
            let mut chunk = [0u8; 4096];
            while let Ok(n) = s.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&chunk[..n]);
                if answer_complete(&got) {
                    break;
                }
            }
        }
    }
}

/// True once `got` holds an HTTP answer's head and its whole body.
fn answer_complete(got: &[u8]) -> bool {
    let Some(head_end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&got[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    got.len() >= head_end + 4 + length
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.delete_session();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app, and one browser session on it.
pub struct E2e {
    /// The application under test.
    pub app: App,
    client: Client,
    axe_source: String,
    /// The field filled last, whose form [`E2e::submit`] sends.
    last_field: Mutex<Option<Element>>,
    driver: Driver,
}

impl E2e {
    /// Starts the app, chromedriver and a headless Chromium session. `Ok(None)` (after
    /// printing `SKIPPED: ...`) when a tool is missing and `GOVOPS_REQUIRE_BROWSER` is not
    /// `1`. Needs a multi-threaded Tokio runtime.
    pub async fn start() -> anyhow::Result<Option<E2e>> {
        let tools = match Tools::find() {
            Ok(t) => t,
            Err(why) if !required() => {
                eprintln!(
                    "SKIPPED: the browser tests need {why}, not found here; \
                     CI runs them with GOVOPS_REQUIRE_BROWSER=1"
                );
                return Ok(None);
            }
            Err(why) => bail!("GOVOPS_REQUIRE_BROWSER=1, but the browser tests need {why}"),
        };
        let axe_source = std::fs::read_to_string(&tools.axe_js)
            .with_context(|| format!("reading {}", tools.axe_js.display()))?;
        let app = App::start().await?;
        let mut driver = Driver::spawn(&tools.chromedriver).await?;
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": tools.chromium, "args": CHROMIUM_ARGS }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .with_context(|| {
                format!(
                    "opening a Chromium session ({}) through {}",
                    tools.chromium.display(),
                    tools.chromedriver.display()
                )
            })?;
        driver.session = client.session_id().await?;
        Ok(Some(E2e {
            app,
            client,
            axe_source,
            last_field: Mutex::new(None),
            driver,
        }))
    }

    /// Closes the browser and stops chromedriver.
    pub async fn finish(mut self) -> anyhow::Result<()> {
        self.driver.session = None;
        self.client.clone().close().await?;
        Ok(())
    }

    /// The WebDriver client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn axe_source(&self) -> &str {
        &self.axe_source
    }

    fn forget_field(&self) {
        if let Ok(mut f) = self.last_field.lock() {
            *f = None;
        }
    }

    fn element(&self, v: &Value) -> Option<Element> {
        let id = v.get(ELEMENT_KEY)?.as_str()?;
        Some(Element::from_element_id(
            self.client.clone(),
            ElementRef::from(id.to_string()),
        ))
    }

    /// Waits until `script` (a function body that may use `arguments`) returns `true`.
    /// Errors while the page is changing count as "not yet"; the last one is reported
    /// if the wait times out.
    pub async fn wait_for_js(&self, script: &str) -> anyhow::Result<()> {
        self.wait_for_js_with(script, vec![]).await
    }

    async fn wait_for_js_with(&self, script: &str, args: Vec<Value>) -> anyhow::Result<()> {
        let start = Instant::now();
        loop {
            let last = match self.client.execute(script, args.clone()).await {
                Ok(Value::Bool(true)) => return Ok(()),
                Ok(other) => format!("it returned {other}"),
                Err(e) => format!("it failed: {e}"),
            };
            if start.elapsed() > WAIT {
                let url = self.client.current_url().await.map(|u| u.to_string());
                bail!(
                    "waited {WAIT:?} on {} for `{}`: {last}",
                    url.unwrap_or_default(),
                    script.trim()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs `act`, which makes the browser load a new page (a click on a link or a
    /// submit button), then waits until the new document has loaded.
    async fn navigating<F, Fut>(&self, act: F) -> anyhow::Result<()>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<()>>,
    {
        self.client
            .execute("window.__govopsE2eOld = true; return true", vec![])
            .await?;
        act().await?;
        self.forget_field();
        self.wait_for_js(
            "return window.__govopsE2eOld !== true && document.readyState === 'complete'",
        )
        .await
        .context("waiting for the next page")
    }

    /// Opens a path of the app (e.g. `/services?q=x`) and waits until it has loaded.
    pub async fn goto(&self, path: &str) -> anyhow::Result<()> {
        self.forget_field();
        self.client
            .goto(&self.app.url(path))
            .await
            .with_context(|| format!("opening {path}"))
    }

    /// The path and query of the page in front of the browser.
    pub async fn path(&self) -> anyhow::Result<String> {
        let url = self.client.current_url().await?;
        Ok(match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        })
    }

    /// Switches the interface language with the page's own toggle link (`zh` or `en`) and
    /// stays on the same page.
    pub async fn set_lang(&self, code: &str) -> anyhow::Result<()> {
        let here = self.path().await?;
        let back: String = here
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        self.goto(&format!("/lang/{code}?back={back}")).await?;
        let want = if code == "en" { "en" } else { "zh-CN" };
        self.wait_for_js_with(
            "return document.documentElement.lang === arguments[0]",
            vec![json!(want)],
        )
        .await
        .with_context(|| format!("switching the language to {code}"))
    }

    /// Signs in as a demo account with the demo password, and fails unless that lands on
    /// a signed-in page.
    pub async fn login(&self, username: &str) -> anyhow::Result<()> {
        self.login_with(username, crate::DEMO_PASSWORD).await?;
        let path = self.path().await?;
        if path.starts_with("/login") {
            let why = self.error_summary().await?.unwrap_or_default();
            bail!("signing in as {username} stayed on {path}: {why}");
        }
        Ok(())
    }

    /// Fills the sign-in form and sends it, whatever the outcome.
    pub async fn login_with(&self, username: &str, password: &str) -> anyhow::Result<()> {
        self.goto("/login").await?;
        self.fill("username", username).await?;
        self.fill("password", password).await?;
        self.submit().await
    }

    /// Signs out with the header's button, when someone is signed in.
    pub async fn logout(&self) -> anyhow::Result<()> {
        let button = self
            .client
            .find_all(Locator::Css("form[action='/logout'] button"))
            .await?;
        if let Some(b) = button.into_iter().next() {
            self.navigating(|| async move { Ok(b.click().await?) })
                .await?;
        }
        Ok(())
    }

    /// Fills one field. `key` is the field's label text as shown (exact, or the start of
    /// it), a fieldset legend (for a group of radio buttons or checkboxes), the field's
    /// `name`, or its `id`. `value`: typed into text fields; for a `<select>`, the value or
    /// the visible text of an option; for radio buttons and checkbox groups, the value or
    /// the label of the one to choose; for a single checkbox, `true`/`on`/`yes`/`1` to
    /// tick it and anything else to clear it; for a file field, a local file's path; date
    /// and time fields get the value as written (`2026-03-02`).
    pub async fn fill(&self, key: &str, value: &str) -> anyhow::Result<()> {
        let found = self
            .client
            .execute(FIND_FIELD, vec![json!(key), json!(value)])
            .await
            .with_context(|| format!("looking for the field {key:?}"))?;
        if let Some(e) = found.get("error").and_then(Value::as_str) {
            let url = self.path().await.unwrap_or_default();
            bail!("on {url}: {e}");
        }
        let kind = found.get("kind").and_then(Value::as_str).unwrap_or("");
        let el = found
            .get("el")
            .and_then(|v| self.element(v))
            .ok_or_else(|| anyhow!("the page did not hand back the field {key:?}"))?;
        match kind {
            "type" => {
                el.clear().await?;
                el.send_keys(value).await?;
            }
            "file" => {
                let path = std::fs::canonicalize(value)
                    .with_context(|| format!("the file {value} for the field {key:?}"))?;
                el.send_keys(&path.to_string_lossy()).await?;
            }
            "click" => el.click().await?,
            "checkbox" => {
                let want = matches!(value, "true" | "on" | "yes" | "1");
                if el.is_selected().await? != want {
                    el.click().await?;
                }
            }
            "done" => {}
            other => bail!("the field {key:?} is of a kind the helper does not fill: {other}"),
        }
        if let Ok(mut f) = self.last_field.lock() {
            *f = Some(el);
        }
        Ok(())
    }

    /// Sends a form with its first submit button and waits for the answer page: the form
    /// of the field filled last, else the first form in the page's main content.
    pub async fn submit(&self) -> anyhow::Result<()> {
        let last = self
            .last_field
            .lock()
            .ok()
            .and_then(|f| f.clone())
            .map(|e| json!(e))
            .unwrap_or(Value::Null);
        let found = self.client.execute(FIND_SUBMIT, vec![last]).await?;
        let button = self
            .element(&found)
            .ok_or_else(|| anyhow!("no form with a submit button on the page: {found}"))?;
        self.navigating(|| async move { Ok(button.click().await?) })
            .await
    }

    /// Clicks the button or link whose text (or value, for `<input type=submit>`) is
    /// `text`, looking in the main content first, then the whole page; waits for the page
    /// it leads to.
    pub async fn click(&self, text: &str) -> anyhow::Result<()> {
        let found = self.client.execute(FIND_BY_TEXT, vec![json!(text)]).await?;
        let Some(el) = self.element(&found) else {
            let url = self.path().await.unwrap_or_default();
            bail!("on {url}: no button or link reads {text:?}");
        };
        self.navigating(|| async move { Ok(el.click().await?) })
            .await
    }

    /// Clicks the button or link reading `text` inside the row, list item or section
    /// whose text contains `row` (the innermost such one that has it): for lists such as
    /// the workbench's, where every row has the same "Open" link. Waits for the page it
    /// leads to.
    pub async fn click_in(&self, row: &str, text: &str) -> anyhow::Result<()> {
        let found = self
            .client
            .execute(FIND_IN_ROW, vec![json!(row), json!(text)])
            .await?;
        let Some(el) = self.element(&found) else {
            let url = self.path().await.unwrap_or_default();
            bail!("on {url}: no row containing {row:?} has a button or link reading {text:?}");
        };
        self.navigating(|| async move { Ok(el.click().await?) })
            .await
    }

    /// Fills several fields in order (see [`E2e::fill`] for what a key and a value are).
    pub async fn fill_all(&self, fields: &[(&str, &str)]) -> anyhow::Result<()> {
        for (key, value) in fields {
            self.fill(key, value).await?;
        }
        Ok(())
    }

    /// Clicks the element `css` selects and waits for the page it leads to.
    pub async fn click_css(&self, css: &str) -> anyhow::Result<()> {
        let el = self.wait_for(css).await?;
        self.navigating(|| async move { Ok(el.click().await?) })
            .await
    }

    /// Waits until an element matching `css` is on the page, and returns it.
    pub async fn wait_for(&self, css: &str) -> anyhow::Result<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))
    }

    /// Waits until the page's visible text contains `text`.
    pub async fn wait_for_text(&self, text: &str) -> anyhow::Result<()> {
        self.wait_for_js_with(
            "return document.body.innerText.includes(arguments[0])",
            vec![json!(text)],
        )
        .await
        .with_context(|| format!("waiting for the text {text:?}"))
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    /// The visible text of the page's main content.
    pub async fn main_text(&self) -> anyhow::Result<String> {
        self.text("main").await
    }

    /// The text of the error summary, when the page has one.
    pub async fn error_summary(&self) -> anyhow::Result<Option<String>> {
        let found = self.client.find_all(Locator::Css(".error-summary")).await?;
        match found.into_iter().next() {
            Some(el) => Ok(Some(el.text().await?)),
            None => Ok(None),
        }
    }

    /// Saves a screenshot, for looking at a failure, and returns where.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let path = std::env::temp_dir().join(format!("govops-e2e-{name}.png"));
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

/// Finds the control a person would fill for `arguments[0]`, and what filling it takes.
/// Date-like fields and selects are set here; the rest is typed or clicked by WebDriver.
const FIND_FIELD: &str = r#"
const [key, value] = arguments;
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const labels = [...document.querySelectorAll('label')];
const label = labels.find(l => norm(l.textContent) === key)
  || labels.find(l => norm(l.textContent).startsWith(key));
let controls = label && label.control ? [label.control] : [];
if (!controls.length) {
  const fs = [...document.querySelectorAll('fieldset')]
    .find(f => f.querySelector('legend') && norm(f.querySelector('legend').textContent) === key);
  if (fs) controls = [...fs.querySelectorAll('input, select, textarea')];
}
if (!controls.length) controls = [...document.getElementsByName(key)];
if (!controls.length && document.getElementById(key)) controls = [document.getElementById(key)];
controls = controls.filter(c => (c.type || '').toLowerCase() !== 'hidden');
if (!controls.length) return { error: 'no field is labelled, named or has the id ' + JSON.stringify(key) };
const first = controls[0];
const type = (first.type || '').toLowerCase();
const labelOf = c => norm(c.labels && c.labels[0] ? c.labels[0].textContent : '');
if (type === 'radio' || (type === 'checkbox' && controls.length > 1)) {
  const pick = controls.find(c => c.value === value || labelOf(c) === value);
  if (!pick) return { error: 'the field ' + JSON.stringify(key) + ' has no choice ' + JSON.stringify(value)
    + '; choices: ' + controls.map(c => c.value + ' (' + labelOf(c) + ')').join(', ') };
  return pick.checked ? { kind: 'done', el: pick } : { kind: 'click', el: pick };
}
if (type === 'checkbox') return { kind: 'checkbox', el: first };
if (type === 'file') return { kind: 'file', el: first };
const fire = el => {
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
};
if (first.tagName === 'SELECT') {
  const opt = [...first.options].find(o => o.value === value || norm(o.textContent) === value);
  if (!opt) return { error: 'the list ' + JSON.stringify(key) + ' has no option ' + JSON.stringify(value)
    + '; options: ' + [...first.options].map(o => o.value + ' (' + norm(o.textContent) + ')').join(', ') };
  first.value = opt.value;
  fire(first);
  return { kind: 'done', el: first };
}
if (['date', 'time', 'datetime-local', 'month', 'week', 'color', 'range'].includes(type)) {
  first.value = value;
  fire(first);
  return { kind: 'done', el: first };
}
return { kind: 'type', el: first };
"#;

/// The first submit button of the form holding `arguments[0]`, else of the first form
/// in the main content that is not the sign-out form.
const FIND_SUBMIT: &str = r#"
const last = arguments[0];
let form = last && last.isConnected ? last.form : null;
if (!form) form = [...document.querySelectorAll('main form')].find(f => f.getAttribute('action') !== '/logout');
if (!form) return null;
return form.querySelector('button[type=submit], button:not([type]), input[type=submit]');
"#;

/// The first button or link whose text is `arguments[0]`: in the main content, then
/// anywhere.
const FIND_BY_TEXT: &str = r#"
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const want = arguments[0];
const sel = 'button, input[type=submit], a[href]';
const match = root => [...root.querySelectorAll(sel)]
  .find(el => norm(el.tagName === 'INPUT' ? el.value : el.textContent) === want);
const main = document.querySelector('main');
return (main && match(main)) || match(document) || null;
"#;

/// In the innermost row-like element whose text contains `arguments[0]`, the first
/// button or link whose text is `arguments[1]`.
const FIND_IN_ROW: &str = r#"
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const [row, want] = arguments;
const sel = 'button, input[type=submit], a[href]';
const rows = [...document.querySelectorAll('tr, li, article, section, fieldset, dl, div')]
  .filter(r => r.innerText.includes(row))
  .reverse();
for (const r of rows) {
  const hit = [...r.querySelectorAll(sel)]
    .find(el => norm(el.tagName === 'INPUT' ? el.value : el.textContent) === want);
  if (hit) return hit;
}
return null;
"#;
