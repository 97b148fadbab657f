//! `govops bench cases`: the full case flow of issue 3 — submit, acceptance, two
//! department checks in parallel, the head's decision, completion — durable on SQLite,
//! in-process and through the JSON API, with the SpiffWorkflow peer on request.
//!
//! The flow is `food-business-licence` from the shipped `services/` folder, applied for
//! by the demo citizen lina for her enterprise:
//!
//! ```text
//! submit (lina) → accept (amr.official) → health (nhc.official) ∥ fire (fire.official)
//!               → decide (amr.head) → completed
//! ```
//!
//! The two uploaded materials are uploaded once before the timed part and their hashes
//! reused by every case: uploads are not part of the measured flow.

use super::{CasesPart, open_fresh_with, percentile};
use anyhow::{Context, anyhow, bail};
use govops_core::Platform;
use govops_core::cases::{SubmitInput, TaskAction};
use govops_core::identity::Principal;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const SERVICE: &str = "food-business-licence";
/// The steps of one case, in the order they are timed.
const STEPS: [&str; 5] = ["submit", "accept", "health", "fire", "decide"];
/// Journal entries one case writes: one per step.
const ENTRIES_PER_CASE: i64 = 5;
/// The demo accounts acting on each step after submission.
const OFFICIALS: [(&str, &str); 4] = [
    ("accept", "amr.official"),
    ("health", "nhc.official"),
    ("fire", "fire.official"),
    ("decide", "amr.head"),
];

/// Latencies of one run: per step, and of whole cases.
#[derive(Default)]
struct Timings {
    steps: [Vec<Duration>; 5],
    cases: Vec<Duration>,
}

impl Timings {
    fn merge(&mut self, other: Timings) {
        for (mine, theirs) in self.steps.iter_mut().zip(other.steps) {
            mine.extend(theirs);
        }
        self.cases.extend(other.cases);
    }

    fn print(&mut self, what: &str) {
        for (name, lat) in STEPS.iter().zip(self.steps.iter_mut()) {
            lat.sort();
            println!(
                "  {what} {name:<7} p50 {:>9.3} ms  p99 {:>9.3} ms  max {:>9.3} ms",
                ms(percentile(lat, 0.5)),
                ms(percentile(lat, 0.99)),
                ms(lat.last().copied().unwrap_or_default())
            );
        }
        self.cases.sort();
        println!(
            "  whole case    p50 {:>9.3} ms  p99 {:>9.3} ms",
            ms(percentile(&self.cases, 0.5)),
            ms(percentile(&self.cases, 0.99))
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `bench cases`.
pub async fn run(
    cases: usize,
    concurrency: usize,
    services: &Path,
    only: CasesPart,
    spiff: usize,
) -> anyhow::Result<()> {
    if cases == 0 || concurrency == 0 {
        bail!("--cases and --concurrency must be at least 1");
    }
    let services = services.canonicalize().with_context(|| {
        format!(
            "cannot find the services folder `{}`; run from the repository root or pass --services",
            services.display()
        )
    })?;
    println!(
        "bench cases: `{SERVICE}` (submit → accept → health ∥ fire → decide), SQLite, {cases} cases, {concurrency} in flight, {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let mut in_process = None;
    if only != CasesPart::Http {
        in_process = Some(in_process_run(&services, cases, concurrency).await?);
    }
    let mut http = None;
    if only != CasesPart::InProcess {
        http = Some(http_run(&services, cases, concurrency).await?);
    }
    if spiff > 0 {
        let grouped = match in_process {
            Some(r) => r,
            None => in_process_run(&services, cases, concurrency).await?,
        };
        let serial = in_process_run(&services, spiff, 1).await?;
        let spiff_grouped = spiff_run(spiff, Some(concurrency))?;
        let spiff_serial = spiff_run(spiff, None)?;
        println!("ratios (govops in-process cases/s ÷ SpiffWorkflow cases/s, same run):");
        println!(
            "  {concurrency} in flight, group commit: {grouped:.0} ÷ {spiff_grouped:.1} = {:.1}×",
            grouped / spiff_grouped
        );
        println!(
            "  one case at a time, commit per step: {serial:.0} ÷ {spiff_serial:.1} = {:.1}×",
            serial / spiff_serial
        );
        if let Some(h) = http {
            println!(
                "  through the HTTP API, {concurrency} in flight (Spiff has no HTTP layer): {h:.0} ÷ {spiff_grouped:.1} = {:.1}×",
                h / spiff_grouped
            );
        }
    }
    Ok(())
}

/// CPU used so far: the whole process (user + system, from `/proc/self/stat`), and the
/// store's writer thread (on a CPU, and waiting for one, from its `schedstat`). Linux
/// only; `None` elsewhere.
#[derive(Clone, Copy)]
struct Cpu {
    process: Duration,
    writer_on_cpu: Duration,
    writer_waiting: Duration,
}

fn cpu_now() -> Option<Cpu> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and
    // 15th fields, in clock ticks of 1/100 s on Linux.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    let mut writer = (0u64, 0u64);
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == "govops-sqlite-w" {
            let sched = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
            let mut it = sched
                .split_whitespace()
                .map(|x| x.parse::<u64>().unwrap_or(0));
            writer = (it.next()?, it.next()?);
        }
    }
    Some(Cpu {
        process: Duration::from_millis(ticks * 10),
        writer_on_cpu: Duration::from_nanos(writer.0),
        writer_waiting: Duration::from_nanos(writer.1),
    })
}

/// Prints the CPU spent per case between two readings.
fn print_cpu(before: Option<Cpu>, after: Option<Cpu>, cases: usize) {
    let (Some(b), Some(a)) = (before, after) else {
        return;
    };
    let per = |d: Duration| d.as_secs_f64() * 1e6 / cases as f64;
    let writer = per(a.writer_on_cpu.saturating_sub(b.writer_on_cpu));
    println!(
        "  CPU per case: {:.0} µs for the whole process (user + system); store writer thread {writer:.0} µs on a CPU and {:.0} µs waiting for one (a dedicated core for the writer caps the rate at {:.0} cases/s)",
        per(a.process.saturating_sub(b.process)),
        per(a.writer_waiting.saturating_sub(b.writer_waiting)),
        if writer > 0.0 { 1e6 / writer } else { 0.0 }
    );
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

async fn count(p: &Platform, sql: &'static str) -> anyhow::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(p.store().pool()).await?;
    Ok(n)
}

async fn who(p: &Platform, username: &str) -> anyhow::Result<Principal> {
    p.principal(&format!("demo-account-{username}"))
        .await
        .map_err(|e| anyhow!("demo account {username}: {e}"))
}

/// lina's application for her enterprise: a valid sample form, without materials.
async fn application(p: &Platform, lina: &Principal) -> anyhow::Result<SubmitInput> {
    let person = lina
        .person_id
        .clone()
        .ok_or_else(|| anyhow!("the demo account lina has no person"))?;
    let enterprise = lina
        .enterprises
        .first()
        .cloned()
        .ok_or_else(|| anyhow!("the demo account lina acts for no enterprise"))?;
    let (rid,): (String,) = sqlx::query_as("SELECT resident_id FROM persons WHERE id = $1")
        .bind(person)
        .fetch_one(p.store().pool())
        .await?;
    let (credit,): (String,) = sqlx::query_as("SELECT credit_code FROM enterprises WHERE id = $1")
        .bind(enterprise.clone())
        .fetch_one(p.store().pool())
        .await?;
    let form = p
        .sample_application(SERVICE, &rid, &credit)
        .map_err(|e| anyhow!("{e}"))?;
    Ok(SubmitInput {
        service: SERVICE.into(),
        form,
        applicant: Some(enterprise),
        ..Default::default()
    })
}

/// The materials the applicant uploads: (material id, file name, bytes, formats).
async fn uploads(
    p: &Platform,
    lina: &Principal,
    input: &SubmitInput,
) -> anyhow::Result<Vec<(String, String, Vec<u8>, Vec<String>)>> {
    let page = p
        .application_form(lina, SERVICE, Some(input))
        .await
        .map_err(|e| anyhow!("{e}"))?;
    Ok(page
        .materials
        .iter()
        .filter(|m| m.source == "upload")
        .map(|m| {
            (
                m.id.clone(),
                format!("{}.pdf", m.id.replace('/', "-")),
                format!("%PDF-1.4 bench {}", m.id).into_bytes(),
                m.formats.clone(),
            )
        })
        .collect())
}

/// After a run: every case completed, five case entries in the journal each, one licence
/// issued each, and the journal verifies (entries, tree, checkpoint) after integrating.
async fn verify(p: &Platform, cases: usize, journal_before: i64) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let completed = count(p, "SELECT COUNT(*) FROM cases WHERE status = 'completed'").await?;
    let all = count(p, "SELECT COUNT(*) FROM cases").await?;
    let entries = count(
        p,
        "SELECT COUNT(*) FROM journal_entries WHERE action LIKE 'case.%'",
    )
    .await?
        - journal_before;
    let issued = count(p, "SELECT COUNT(*) FROM licences WHERE case_id IS NOT NULL").await?;
    if issued != cases as i64 {
        bail!("{issued} licences were issued; expected one per case, {cases}");
    }
    if completed != cases as i64 || all != cases as i64 {
        bail!("{completed} of {all} stored cases are completed; expected {cases} of {cases}");
    }
    let expected = cases as i64 * ENTRIES_PER_CASE;
    if entries != expected {
        bail!("the run journaled {entries} entries; expected {expected}");
    }
    p.journal()
        .integrate()
        .await
        .map_err(|e| anyhow!("integrating the journal: {e}"))?;
    let report = govops_core::verify::verify_journal(p.store(), p.journal().verifier())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    if !report.ok() {
        bail!("the journal does not verify: {:?}", report.problems);
    }
    let (state_avg, body_avg): (f64, f64) = sqlx::query_as(
        "SELECT (SELECT AVG(LENGTH(state)) FROM cases), \
         (SELECT AVG(LENGTH(body)) FROM journal_entries WHERE action LIKE 'case.%')",
    )
    .fetch_one(p.store().pool())
    .await?;
    println!(
        "  stored: case state JSON {state_avg:.0} bytes on average at the end; journal entry body {body_avg:.0} bytes on average per step"
    );
    println!(
        "  verified: {completed}/{cases} cases completed; {entries} journal entries from the run; journal of {} entries integrated and verified ({:.2} s, not timed)",
        report.entries,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The in-process run; returns completed cases/s.
async fn in_process_run(services: &Path, cases: usize, concurrency: usize) -> anyhow::Result<f64> {
    let (p, _, _dir) = open_fresh_with(None, Some(services.to_path_buf())).await?;
    p.seed_demo().await.map_err(|e| anyhow!("{e}"))?;
    let lina = who(&p, "lina").await?;
    let mut input = application(&p, &lina).await?;
    for (id, name, bytes, formats) in uploads(&p, &lina, &input).await? {
        let up = p
            .upload_file(&lina, &name, bytes, &formats)
            .await
            .map_err(|e| anyhow!("uploading {name}: {e}"))?;
        input.materials.insert(id, up.hash);
    }
    let mut officials = Vec::new();
    for (_, username) in OFFICIALS {
        officials.push(who(&p, username).await?);
    }
    let [accept, health, fire, decide]: [Principal; 4] = officials
        .try_into()
        .map_err(|_| anyhow!("four officials"))?;
    let actors = Arc::new((lina, input, accept, health, fire, decide));
    let journal_before = count(
        &p,
        "SELECT COUNT(*) FROM journal_entries WHERE action LIKE 'case.%'",
    )
    .await?;

    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = cpu_now();
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.min(cases) {
        let p = p.clone();
        let actors = actors.clone();
        let next = next.clone();
        workers.push(tokio::spawn(async move {
            let (lina, input, accept, health, fire, decide) = &*actors;
            let mut t = Timings::default();
            while next.fetch_add(1, Ordering::Relaxed) < cases {
                let case0 = Instant::now();
                let done = p.submit_case(lina, input).await?;
                t.steps[0].push(case0.elapsed());
                let t0 = Instant::now();
                p.act_on_task(accept, &done.id, "accept", TaskAction::Approve)
                    .await?;
                t.steps[1].push(t0.elapsed());
                let t0 = Instant::now();
                let (h, f) = tokio::join!(
                    async {
                        let r = p
                            .act_on_task(health, &done.id, "health", TaskAction::Approve)
                            .await;
                        (r, t0.elapsed())
                    },
                    async {
                        let r = p
                            .act_on_task(fire, &done.id, "fire", TaskAction::Approve)
                            .await;
                        (r, t0.elapsed())
                    }
                );
                h.0?;
                f.0?;
                t.steps[2].push(h.1);
                t.steps[3].push(f.1);
                let t0 = Instant::now();
                let status = p
                    .act_on_task(decide, &done.id, "decide", TaskAction::Approve)
                    .await?;
                t.steps[4].push(t0.elapsed());
                if status != "completed" {
                    return Err(govops_core::CoreError::internal(format!(
                        "case {} is `{status}` after the decision",
                        done.number
                    )));
                }
                t.cases.push(case0.elapsed());
            }
            Ok::<_, govops_core::CoreError>(t)
        }));
    }
    let mut timings = Timings::default();
    for w in workers {
        timings.merge(w.await?.map_err(|e| anyhow!("{e}"))?);
    }
    let elapsed = started.elapsed();
    let cpu_after = cpu_now();
    let rate = cases as f64 / elapsed.as_secs_f64();
    println!(
        "in-process, {concurrency} in flight: {cases} cases completed in {:.2} s = {rate:.0} completed cases/s ({:.0} steps/s); load average now {}",
        elapsed.as_secs_f64(),
        rate * STEPS.len() as f64,
        load_average()
    );
    timings.print("step");
    print_cpu(cpu_before, cpu_after, cases);
    verify(&p, cases, journal_before).await?;
    p.store().close().await;
    Ok(rate)
}

/// Runs `python3 bench/spiff/run.py` and returns its cases/s.
fn spiff_run(cases: usize, group: Option<usize>) -> anyhow::Result<f64> {
    let mut cmd = std::process::Command::new("python3");
    cmd.arg("bench/spiff/run.py").arg(cases.to_string());
    if let Some(g) = group {
        cmd.arg("--group").arg(g.to_string());
    }
    let out = cmd
        .output()
        .context("running python3 bench/spiff/run.py (run from the repository root)")?;
    if !out.status.success() {
        bail!(
            "bench/spiff/run.py failed: {}; install it with `python3 -m pip install -r bench/spiff/requirements.txt`",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or_else(|| anyhow!("bench/spiff/run.py printed no JSON line: {text}"))?;
    let v: Value = serde_json::from_str(line)?;
    println!("SpiffWorkflow: {line}");
    v.get("cases_per_s")
        .and_then(Value::as_f64)
        .ok_or_else(|| anyhow!("bench/spiff/run.py printed no cases_per_s: {line}"))
}

/// A small HTTP/1.1 client for the API over one pool of keep-alive connections.
#[derive(Clone)]
struct Api {
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<hyper::body::Bytes>,
    >,
    base: String,
}

impl Api {
    /// Sends a request and returns the status and the JSON body; any status other than
    /// `expect` is an error that shows the body.
    async fn call(
        &self,
        method: hyper::Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
        expect: u16,
    ) -> anyhow::Result<Value> {
        use http_body_util::BodyExt;
        let mut req = hyper::Request::builder()
            .method(method.clone())
            .uri(format!("{}{path}", self.base))
            .header("content-type", content_type);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = req.body(http_body_util::Full::new(hyper::body::Bytes::from(body)))?;
        let resp = self
            .client
            .request(req)
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await?.to_bytes();
        if status != expect {
            bail!(
                "{method} {path}: HTTP {status} (expected {expect}): {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{method} {path}: the answer is not JSON"))
    }

    async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        expect: u16,
    ) -> anyhow::Result<Value> {
        self.call(
            hyper::Method::POST,
            path,
            token,
            "application/json",
            serde_json::to_vec(body)?,
            expect,
        )
        .await
    }

    async fn login(&self, username: &str) -> anyhow::Result<String> {
        let v = self
            .post_json(
                "/api/v1/sessions",
                None,
                &json!({"username": username, "password": govops_core::demo::DEMO_PASSWORD}),
                201,
            )
            .await?;
        v.get("token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("POST /api/v1/sessions answered no token: {v}"))
    }

    /// Approves `step` of case `id` and returns the case's status.
    async fn approve(&self, token: &str, id: &str, step: &str) -> anyhow::Result<String> {
        let v = self
            .post_json(
                &format!("/api/v1/cases/{id}/act"),
                Some(token),
                &json!({"step": step, "action": "approve"}),
                200,
            )
            .await?;
        v.get("status")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("POST /api/v1/cases/{id}/act answered no status: {v}"))
    }
}

/// The same flow through the JSON API of a server on 127.0.0.1 in this process; returns
/// completed cases/s.
async fn http_run(services: &Path, cases: usize, concurrency: usize) -> anyhow::Result<f64> {
    let (p, _, _dir) = open_fresh_with(None, Some(services.to_path_buf())).await?;
    p.seed_demo().await.map_err(|e| anyhow!("{e}"))?;
    let lina = who(&p, "lina").await?;
    let input = application(&p, &lina).await?;
    let materials = uploads(&p, &lina, &input).await?;

    let app = govops_web::app(p.clone(), govops_web::WebSettings::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
    connector.set_nodelay(true);
    let api = Api {
        client: hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(connector),
        base: format!("http://{addr}"),
    };

    // Not timed: sign-ins and the uploads.
    let lina_token = api.login("lina").await?;
    let mut tokens = Vec::new();
    for (_, username) in OFFICIALS {
        tokens.push(api.login(username).await?);
    }
    let form = serde_json::to_value(&input.form)?;
    let mut hashes = serde_json::Map::new();
    for (id, name, bytes, _) in materials {
        let v = api
            .call(
                hyper::Method::POST,
                &format!("/api/v1/uploads?file_name={name}"),
                Some(&lina_token),
                "application/octet-stream",
                bytes,
                201,
            )
            .await?;
        let hash = v
            .get("hash")
            .cloned()
            .ok_or_else(|| anyhow!("POST /api/v1/uploads answered no hash: {v}"))?;
        hashes.insert(id, hash);
    }
    let submit = Arc::new(json!({
        "service": SERVICE,
        "form": form,
        "materials": hashes,
        "applicant": input.applicant,
    }));
    let tokens = Arc::new((lina_token, tokens));
    let journal_before = count(
        &p,
        "SELECT COUNT(*) FROM journal_entries WHERE action LIKE 'case.%'",
    )
    .await?;

    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = cpu_now();
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.min(cases) {
        let api = api.clone();
        let tokens = tokens.clone();
        let submit = submit.clone();
        let next = next.clone();
        workers.push(tokio::spawn(async move {
            let (lina, officials) = &*tokens;
            let mut t = Timings::default();
            let mut last = None;
            while next.fetch_add(1, Ordering::Relaxed) < cases {
                let case0 = Instant::now();
                let done = api
                    .post_json("/api/v1/cases", Some(lina), &submit, 201)
                    .await?;
                t.steps[0].push(case0.elapsed());
                let id = done
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| anyhow!("POST /api/v1/cases answered no id: {done}"))?
                    .to_owned();
                let t0 = Instant::now();
                api.approve(&officials[0], &id, "accept").await?;
                t.steps[1].push(t0.elapsed());
                let t0 = Instant::now();
                let (h, f) = tokio::join!(
                    async {
                        let r = api.approve(&officials[1], &id, "health").await;
                        (r, t0.elapsed())
                    },
                    async {
                        let r = api.approve(&officials[2], &id, "fire").await;
                        (r, t0.elapsed())
                    }
                );
                h.0?;
                f.0?;
                t.steps[2].push(h.1);
                t.steps[3].push(f.1);
                let t0 = Instant::now();
                let status = api.approve(&officials[3], &id, "decide").await?;
                t.steps[4].push(t0.elapsed());
                if status != "completed" {
                    bail!("case {id} is `{status}` after the decision");
                }
                t.cases.push(case0.elapsed());
                last = Some(id);
            }
            Ok::<_, anyhow::Error>((t, last))
        }));
    }
    let mut timings = Timings::default();
    let mut sample = None;
    for w in workers {
        let (t, last) = w.await??;
        timings.merge(t);
        sample = sample.or(last);
    }
    let elapsed = started.elapsed();
    let cpu_after = cpu_now();
    let rate = cases as f64 / elapsed.as_secs_f64();
    println!(
        "HTTP API, {concurrency} in flight: {cases} cases completed in {:.2} s = {rate:.0} completed cases/s ({:.0} requests/s); load average now {}",
        elapsed.as_secs_f64(),
        rate * STEPS.len() as f64,
        load_average()
    );
    timings.print("request");
    print_cpu(cpu_before, cpu_after, cases);
    // The applicant sees the completed case through the API too.
    if let Some(id) = sample {
        let v = api
            .call(
                hyper::Method::GET,
                &format!("/api/v1/cases/{id}"),
                Some(&tokens.0),
                "application/json",
                Vec::new(),
                200,
            )
            .await?;
        let status = v
            .pointer("/summary/status")
            .or_else(|| v.get("status"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if status != "completed" {
            bail!("GET /api/v1/cases/{id} shows status `{status}`: {v}");
        }
    }
    verify(&p, cases, journal_before).await?;
    server.abort();
    p.store().close().await;
    Ok(rate)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn services() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services")
    }

    /// A few cases through both paths: every one completes and the journal verifies
    /// (the runs fail otherwise).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn small_runs_complete_every_case() {
        let services = services().canonicalize().unwrap();
        let rate = in_process_run(&services, 12, 4).await.unwrap();
        assert!(rate > 0.0);
        let rate = http_run(&services, 6, 3).await.unwrap();
        assert!(rate > 0.0);
    }

    #[tokio::test]
    async fn a_missing_services_folder_is_a_clear_error() {
        let e = run(
            1,
            1,
            Path::new("/nonexistent/services"),
            CasesPart::InProcess,
            0,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("--services"), "{e}");
    }
}
