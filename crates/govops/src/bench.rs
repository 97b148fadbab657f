//! `govops bench`: measurements that need the whole platform (the pure crates have
//! criterion benches of their own). Results are printed; BENCHMARKS.md records them.

mod cases;

use anyhow::{Context, anyhow};
use clap::Subcommand;
use govops_core::store::Val;
use govops_core::{Platform, PlatformSettings, SystemClock};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which benchmark to run.
#[derive(Debug, Subcommand)]
pub enum Which {
    /// Durable journaled writes through the store: throughput and per-write latency.
    Store {
        /// Database: omitted means a fresh SQLite file in a temporary folder; a
        /// postgres:// URL means a fresh database created (and dropped) on that server.
        #[arg(long)]
        url: Option<String>,
        /// Writes in total.
        #[arg(long, default_value_t = 100_000)]
        writes: usize,
        /// Concurrent writers.
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
    },
    /// Licence status change to visible: revoke/suspend/reinstate a licence, then fetch
    /// and verify the status list token until it shows the change (per-round latency).
    LicenceStatus {
        /// Status changes to time.
        #[arg(long, default_value_t = 200)]
        rounds: usize,
        /// The licence types folder.
        #[arg(long, default_value = "licences")]
        licence_types: std::path::PathBuf,
    },
    /// argon2id cost per hash, and the p99 latency of a cheap page while 20 logins run.
    Login {
        /// Logins kept in flight.
        #[arg(long, default_value_t = 20)]
        in_flight: usize,
        /// How long to time page requests, in seconds.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// The full case flow (food business licence: submit, accept, health ∥ fire, decide)
    /// on SQLite, in-process and through the HTTP API: completed cases/s and p50/p99 per
    /// step; with `--spiff`, the SpiffWorkflow peer in the same run and the ratio.
    Cases {
        /// Cases per run.
        #[arg(long, default_value_t = 20_000)]
        cases: usize,
        /// Cases in flight at once.
        #[arg(long, default_value_t = 256)]
        concurrency: usize,
        /// The service definitions folder (the shipped `services/`).
        #[arg(long, default_value = "services")]
        services: std::path::PathBuf,
        /// Which parts to run.
        #[arg(long, value_enum, default_value_t = CasesPart::Both)]
        only: CasesPart,
        /// Also run `python3 bench/spiff/run.py` with this many cases, grouped at the
        /// same concurrency and one at a time, plus govops at concurrency 1 on as many
        /// cases, and print the ratios (0 skips it).
        #[arg(long, default_value_t = 0)]
        spiff: usize,
    },
}

/// The parts of `bench cases`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CasesPart {
    /// In-process, then HTTP.
    Both,
    /// Calls into the platform only.
    InProcess,
    /// Through the JSON API only.
    Http,
}

/// Runs one benchmark.
pub async fn run(which: Which) -> anyhow::Result<()> {
    match which {
        Which::Store {
            url,
            writes,
            concurrency,
        } => store(url, writes, concurrency).await,
        Which::Login { in_flight, seconds } => login(in_flight, seconds).await,
        Which::LicenceStatus {
            rounds,
            licence_types,
        } => licence_status(rounds, licence_types).await,
        Which::Cases {
            cases,
            concurrency,
            services,
            only,
            spiff,
        } => cases::run(cases, concurrency, &services, only, spiff).await,
    }
}

async fn licence_status(rounds: usize, types_dir: std::path::PathBuf) -> anyhow::Result<()> {
    use govops_core::licences::{LicenceSettings, StatusChange};
    use govops_licence::{Status, StatusListOptions, TrustStore, VerifyingKey};
    let dir = tempfile::tempdir()?;
    let settings = PlatformSettings {
        database_url: format!("sqlite://{}/bench.db", dir.path().display()),
        journal_origin: "bench.example/journal".into(),
        licences: LicenceSettings {
            types_dir: Some(types_dir),
            ..Default::default()
        },
        catalogue_dir: None,
        files_dir: None,
    };
    let p = Platform::open(&settings, Arc::new(SystemClock))
        .await
        .map_err(|e| anyhow!("{e}"))?;
    p.seed_demo().await.map_err(|e| anyhow!("{e}"))?;
    let err = |e: govops_core::CoreError| anyhow!("{e}");
    let holder = p.principal("demo-account-zhangwei").await.map_err(err)?;
    let official = p
        .principal("demo-account-psb.official")
        .await
        .map_err(err)?;
    let id = p
        .wallet(&holder)
        .await
        .map_err(err)?
        .into_iter()
        .find(|l| l.licence_type == "residence-permit")
        .ok_or_else(|| anyhow!("the demo residence permit is missing; is --licence-types right?"))?
        .id;
    let sd_jwt = p
        .wallet_licence(&holder, &id)
        .await
        .map_err(err)?
        .sd_jwt
        .unwrap_or_default();
    let idx = govops_licence::SdJwt::parse(&sd_jwt, 1 << 16)
        .map_err(|e| anyhow!("{e}"))?
        .claims()["status"]["status_list"]["idx"]
        .as_u64()
        .unwrap_or_default();
    let mut trust = TrustStore::new();
    for k in p.issuer_jwks("psb").await.map_err(err)?["keys"]
        .as_array()
        .into_iter()
        .flatten()
    {
        trust.add(
            p.licences().issuer_id("psb"),
            k["kid"].as_str().map(str::to_owned),
            VerifyingKey::from_jwk(k).map_err(|e| anyhow!("{e}"))?,
        );
    }
    let uri = p.licences().status_list_uri("psb", 1);
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (change, expect) = if round % 2 == 0 {
            (StatusChange::Suspend, Status::SUSPENDED)
        } else {
            (StatusChange::Reinstate, Status::VALID)
        };
        let start = Instant::now();
        p.change_licence_status(&official, &id, change, "bench")
            .await
            .map_err(err)?;
        let token = p.status_list_token("psb", 1).await.map_err(err)?;
        let list = govops_licence::verify_status_list_token(
            &token,
            &trust,
            &p.licences().issuer_id("psb"),
            &uri,
            &StatusListOptions::default(),
            p.now().unix_timestamp(),
        )
        .map_err(|e| anyhow!("{e}"))?;
        times.push(start.elapsed());
        let seen = list.list.get(idx).map_err(|e| anyhow!("{e}"))?;
        if seen != expect {
            return Err(anyhow!(
                "round {round}: the status list shows {seen:?}, not {expect:?}"
            ));
        }
    }
    times.sort();
    println!(
        "licence status change → visible in a verified status list token ({rounds} rounds, SQLite, synchronous=FULL):"
    );
    println!(
        "  p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    p.store().close().await;
    Ok(())
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn open_fresh(
    url: Option<String>,
) -> anyhow::Result<(Platform, Option<(String, String)>, tempfile::TempDir)> {
    open_fresh_with(url, None).await
}

/// A fresh platform; with `services`, that catalogue and a files folder in the temp dir.
pub(crate) async fn open_fresh_with(
    url: Option<String>,
    services: Option<std::path::PathBuf>,
) -> anyhow::Result<(Platform, Option<(String, String)>, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let (url, drop_db) = match url {
        None => (format!("sqlite://{}/bench.db", dir.path().display()), None),
        Some(base) => {
            let name = format!("govops_bench_{}", std::process::id());
            let admin = sqlx::PgPool::connect(&base)
                .await
                .context("connecting to PostgreSQL")?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await?;
            admin.close().await;
            let (head, _) = base
                .rsplit_once('/')
                .ok_or_else(|| anyhow!("the URL needs a /database part"))?;
            (format!("{head}/{name}"), Some((base, name)))
        }
    };
    let settings = PlatformSettings {
        database_url: url,
        journal_origin: "bench.example/journal".into(),
        // With a services folder, completed cases issue their licences, as in service:
        // the licence types beside it and a throwaway master key.
        licences: match services.as_ref().and_then(|s| s.parent()) {
            Some(root) => govops_core::licences::LicenceSettings {
                types_dir: Some(root.join("licences")),
                master_key: Some(throwaway_key()),
                ..Default::default()
            },
            None => Default::default(),
        },
        files_dir: services.as_ref().map(|_| dir.path().join("files")),
        catalogue_dir: services,
    };
    let p = Platform::open(&settings, Arc::new(SystemClock))
        .await
        .map_err(|e| anyhow!("{e}"))?;
    Ok((p, drop_db, dir))
}

async fn store(url: Option<String>, writes: usize, concurrency: usize) -> anyhow::Result<()> {
    let (platform, drop_db, _dir) = open_fresh(url).await?;
    let backend = format!("{:?}", platform.store().backend());
    platform
        .store()
        .write(|tx| {
            Box::pin(async move {
                tx.execute("CREATE TABLE IF NOT EXISTS bench_records (id BIGINT PRIMARY KEY, body TEXT NOT NULL)", &[])
                    .await?;
                Ok(())
            })
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let per_task = writes.div_ceil(concurrency);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let store = platform.store().clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_task);
            for i in 0..per_task {
                let id = (t * per_task + i) as i64;
                let t0 = Instant::now();
                store
                    .write(move |tx| {
                        Box::pin(async move {
                            tx.execute(
                                "INSERT INTO bench_records (id, body) VALUES ($1, $2)",
                                &[Val::from(id), Val::from(format!("record {id}"))],
                            )
                            .await?;
                            tx.journal(
                                "bench",
                                "bench.record_written",
                                &format!("record:{id}"),
                                serde_json::json!({ "n": id }),
                            )
                        })
                    })
                    .await?;
                lat.push(t0.elapsed());
            }
            Ok::<_, govops_core::CoreError>(lat)
        }));
    }
    let mut lat = Vec::with_capacity(writes);
    for t in tasks {
        lat.extend(t.await?.map_err(|e| anyhow!("{e}"))?);
    }
    let elapsed = started.elapsed();
    lat.sort();
    let n = lat.len();
    println!(
        "store bench ({backend}): {n} durable journaled writes, {concurrency} concurrent writers"
    );
    println!(
        "  throughput: {:.0} writes/s ({:.2} s)",
        n as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!(
        "  latency per write: p50 {:?}  p99 {:?}  max {:?}",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or_default()
    );
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM journal_entries")
        .fetch_one(platform.store().pool())
        .await?;
    println!("  journal entries after the run: {count}");
    platform.store().close().await;
    if let Some((base, name)) = drop_db {
        let admin = sqlx::PgPool::connect(&base).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await?;
    }
    Ok(())
}

async fn login(in_flight: usize, seconds: u64) -> anyhow::Result<()> {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let mut costs = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        govops_core::identity::password::hash_password_now("correct horse battery staple")
            .map_err(|e| anyhow!("{e}"))?;
        costs.push(t0.elapsed());
    }
    costs.sort();
    println!(
        "argon2id (m={} KiB, t={}, p={}): median {:?} per hash (min {:?}, max {:?})",
        govops_core::identity::password::M_COST_KIB,
        govops_core::identity::password::T_COST,
        govops_core::identity::password::P_COST,
        percentile(&costs, 0.5),
        costs[0],
        costs[costs.len() - 1]
    );
    let (platform, _, _dir) = open_fresh(None).await?;
    platform.seed_demo().await.map_err(|e| anyhow!("{e}"))?;
    let app = govops_web::app(platform.clone(), govops_web::WebSettings::default());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut loggers = Vec::new();
    for i in 0..in_flight {
        let app = app.clone();
        let stop = stop.clone();
        loggers.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = format!(
                    r#"{{"username":"citizen{:03}","password":"{}"}}"#,
                    2 + i,
                    govops_core::demo::DEMO_PASSWORD
                );
                let req = Request::post("/api/v1/sessions")
                    .header("content-type", "application/json")
                    .body(Body::from(body));
                if let Ok(req) = req {
                    let _ = app.clone().oneshot(req).await;
                    n += 1;
                }
            }
            n
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The landing page: it renders a template from two database reads, on the async
    // workers that the hashing must not starve.
    let mut lat = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        let req = Request::get("/").body(Body::empty())?;
        let t0 = Instant::now();
        let _ = app.clone().oneshot(req).await;
        lat.push(t0.elapsed());
    }
    let elapsed = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut logins = 0;
    for l in loggers {
        logins += l.await?;
    }
    lat.sort();
    println!(
        "cheap page (/) while {in_flight} logins in flight: p50 {:?}  p99 {:?}  ({} pages in {:.2} s; {} logins completed)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.len(),
        elapsed.as_secs_f64(),
        logins
    );
    Ok(())
}

/// 64 hex digits from the standard library's per-process random hash keys: a master key
/// for a benchmark database that is deleted afterwards.
fn throwaway_key() -> String {
    use std::hash::{BuildHasher, Hasher};
    (0..4)
        .map(|i| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u32(i);
            format!("{:016x}", h.finish())
        })
        .collect()
}
