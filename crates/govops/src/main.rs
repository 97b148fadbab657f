//! `govops`: the one binary. `govops demo` runs the demo city; `govops serve` runs an
//! installation; `govops journal verify` checks the journal; `govops bench` measures.

mod bench;
mod config;

use anyhow::Context;
use clap::{Parser, Subcommand};
use config::{LogFormat, Settings};
use govops_core::{Platform, PlatformSettings, SystemClock};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// govops: a digital-government operations platform (数字政府运营平台).
#[derive(Debug, Parser)]
#[command(name = "govops", version, about)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the platform.
    Serve,
    /// Load the demo city (示范市) if missing, then serve it and print the demo logins.
    Demo,
    /// Load the demo city into the configured database, then exit.
    Seed,
    /// Journal tools.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
    /// Validate every service and bundle definition in a folder, and the licence types
    /// (when their folder exists) against them; exits 1 on any error.
    Check {
        /// The folder of definitions.
        #[arg(default_value = "services")]
        dir: PathBuf,
        /// The folder of licence types, checked when it exists.
        #[arg(long = "licence-types", default_value = "licences")]
        licence_types: PathBuf,
    },
    /// Copy the live SQLite database to a file (online backup).
    Backup {
        /// Where to write the copy.
        dest: PathBuf,
    },
    /// Run the built-in benchmarks and print the results.
    Bench {
        #[command(subcommand)]
        which: bench::Which,
    },
}

#[derive(Debug, Subcommand)]
enum JournalCommand {
    /// Recompute every leaf, the tree and every checkpoint signature; name the first bad entry.
    Verify,
}

fn init_logs(s: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&s.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match s.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn open(s: &Settings) -> anyhow::Result<Platform> {
    let settings = PlatformSettings {
        database_url: s.database_url.clone(),
        journal_origin: s.journal_origin.clone(),
        catalogue_dir: Some(s.services_dir.clone()),
        files_dir: Some(s.files_dir.clone()),
        licences: govops_core::licences::LicenceSettings {
            types_dir: Some(s.licences_dir.clone()),
            master_key: s.master_key.clone(),
            master_key_file: s.master_key_file.clone(),
            public_url: s.public_url.clone(),
        },
    };
    let platform = Platform::open(&settings, Arc::new(SystemClock))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("opening the database {}", s.database_url))?;
    if let Some(dir) = &s.data_dir {
        platform.set_data_dir(dir);
    }
    Ok(platform)
}

/// mimalloc instead of glibc's malloc, built without transparent huge pages: see
/// BENCHMARKS.md ("Cases: the full flow" and "Data quality", round 6).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logs(&cli.settings);
    let s = &cli.settings;
    match cli.command {
        Command::Serve => serve(s, open(s).await?, false).await,
        Command::Demo => {
            let platform = open(s).await?;
            let report = platform
                .seed_demo()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            tracing::info!(created = report.created, "demo city loaded");
            let cases = platform
                .seed_demo_cases()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if cases > 0 {
                tracing::info!(cases, "demo applications filed");
            }
            serve(s, platform, true).await
        }
        Command::Seed => {
            let platform = open(s).await?;
            let report = platform
                .seed_demo()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("demo city loaded: {} records created", report.created);
            platform
                .journal()
                .integrate()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        }
        Command::Journal {
            command: JournalCommand::Verify,
        } => {
            let platform = open(s).await?;
            let report = govops_core::verify::verify_journal(
                platform.store(),
                platform.journal().verifier(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "journal: {} entries, {} checkpoints checked",
                report.entries, report.checkpoints
            );
            if report.ok() {
                println!("OK: every entry, the tree and every checkpoint signature verify");
                Ok(())
            } else {
                if let Some(idx) = report.first_bad_entry {
                    println!("FIRST BAD ENTRY: {idx}");
                }
                for p in &report.problems {
                    println!("problem: {p}");
                }
                std::process::exit(1);
            }
        }
        Command::Check { dir, licence_types } => {
            use govops_core::catalogue::{CheckOutcome, check_folder};
            match check_folder(&dir).map_err(|e| anyhow::anyhow!("{e}"))? {
                CheckOutcome::Valid(c, files) => {
                    println!(
                        "OK: {files} files, {} services, {} bundles in {}",
                        c.services.len(),
                        c.bundles.len(),
                        dir.display()
                    );
                    if licence_types.is_dir() {
                        match govops_core::licences::check_types_folder(&licence_types, &c)
                            .map_err(|e| anyhow::anyhow!("{e}"))?
                        {
                            Ok(n) => {
                                println!("OK: {n} licence types in {}", licence_types.display())
                            }
                            Err(problems) => {
                                for p in &problems {
                                    eprintln!("{p}");
                                }
                                eprintln!(
                                    "{} problem(s) in the licence types; nothing was changed",
                                    problems.len()
                                );
                                std::process::exit(1);
                            }
                        }
                    }
                    Ok(())
                }
                CheckOutcome::Invalid(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    eprintln!("{} error(s); nothing was changed", errors.len());
                    std::process::exit(1);
                }
            }
        }
        Command::Backup { dest } => {
            let platform = open(s).await?;
            platform
                .store()
                .backup_sqlite(&dest)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("backup written to {}", dest.display());
            Ok(())
        }
        Command::Bench { which } => bench::run(which).await,
    }
}

async fn serve(s: &Settings, platform: Platform, demo: bool) -> anyhow::Result<()> {
    let integrator = platform
        .journal()
        .clone()
        .spawn_integrator(Duration::from_millis(s.integrate_every_ms.max(10)));
    let timers = platform.spawn_timers(Duration::from_millis(s.timers_every_ms.max(100)));
    // Without a watcher the catalogue still reloads through POST /api/v1/admin/reload.
    let _watcher = platform
        .watch_catalogue()
        .map_err(|e| tracing::warn!(error = %e, "the services folder is not watched"))
        .ok();
    let web = govops_web::WebSettings {
        tls: s.tls,
        max_body_bytes: s.max_body_bytes,
    };
    let app = govops_web::app(platform.clone(), web);
    let listener = tokio::net::TcpListener::bind(&s.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}; set --listen or GOVOPS_LISTEN to a free address",
                s.listen
            )
        })?;
    let addr = listener.local_addr()?;
    println!("govops is serving on http://{addr}/");
    if demo {
        println!(
            "demo logins (password for all: {}):",
            govops_core::demo::DEMO_PASSWORD
        );
        for (username, name, roles) in govops_core::demo::DEMO_LOGINS {
            let roles: Vec<String> = roles
                .iter()
                .map(|(r, d)| {
                    if d.is_empty() {
                        r.to_string()
                    } else {
                        format!("{r}@{d}")
                    }
                })
                .collect();
            println!("  {username:<14} {name}  [{}]", roles.join(", "));
        }
        println!(
            "  also <dept>.official, <dept>.head, <dept>.steward for every department, and citizen002..citizen199"
        );
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    integrator.abort();
    timers.abort();
    platform.store().close().await;
    Ok(())
}
