//! Configuration: one declarative table. Every setting has a flag, a `GOVOPS_*`
//! environment variable, a default and a help line; `govops --help` prints them all.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Settings shared by every command.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: sqlite://PATH (embedded, the default) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "GOVOPS_DATABASE_URL",
        default_value = "sqlite://govops-data/govops.db",
        global = true
    )]
    pub database_url: String,

    /// Address and port the server listens on.
    #[arg(
        long,
        env = "GOVOPS_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: String,

    /// Name of this installation's journal: the origin line of its signed checkpoints.
    #[arg(
        long,
        env = "GOVOPS_JOURNAL_ORIGIN",
        default_value = "govops.demo-city.example/journal",
        global = true
    )]
    pub journal_origin: String,

    /// Folder of service and bundle definitions; watched, and reloaded on every change.
    #[arg(
        long,
        env = "GOVOPS_SERVICES_DIR",
        default_value = "services",
        global = true
    )]
    pub services_dir: PathBuf,

    /// Folder uploaded files are stored in, content-addressed (sha256/ab/abcd…).
    #[arg(
        long,
        env = "GOVOPS_FILES_DIR",
        default_value = "govops-data/files",
        global = true
    )]
    pub files_dir: PathBuf,

    /// How often due case timers (reminders, escalations) are checked, in milliseconds.
    #[arg(
        long,
        env = "GOVOPS_TIMERS_EVERY_MS",
        default_value_t = 60_000,
        global = true
    )]
    pub timers_every_ms: u64,
    /// Folder of licence type definitions (证照类型), one TOML file per type.
    #[arg(
        long,
        env = "GOVOPS_LICENCES_DIR",
        default_value = "licences",
        global = true
    )]
    pub licences_dir: PathBuf,

    /// Master key sealing licence private keys at rest: 64 hex digits. Prefer the variable to the flag; on PostgreSQL every node needs the same key.
    #[arg(long, env = "GOVOPS_MASTER_KEY", hide_env_values = true, global = true)]
    pub master_key: Option<String>,

    /// File holding the master key (created 0600 if missing). Default on SQLite: master.key next to the database.
    #[arg(long, env = "GOVOPS_MASTER_KEY_FILE", global = true)]
    pub master_key_file: Option<PathBuf>,

    /// Public address of this installation: the base of licence issuer identifiers and status list URLs.
    #[arg(
        long,
        env = "GOVOPS_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub public_url: String,
    /// Folder of the data hub's dataset files (Parquet, one per version); default:
    /// `datasets/` beside the SQLite database, or `govops-data/datasets` for PostgreSQL
    /// (every node must see the same folder).
    #[arg(long, env = "GOVOPS_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// Set when people reach the site over HTTPS (directly or via a proxy): Secure cookies and HSTS.
    #[arg(long, env = "GOVOPS_TLS", default_value_t = false, global = true)]
    pub tls: bool,

    /// Largest request body accepted, in bytes.
    #[arg(
        long,
        env = "GOVOPS_MAX_BODY_BYTES",
        default_value_t = 1_048_576,
        global = true
    )]
    pub max_body_bytes: usize,

    /// How often the journal integrator runs, in milliseconds (it signs a checkpoint when there are new entries).
    #[arg(
        long,
        env = "GOVOPS_INTEGRATE_EVERY_MS",
        default_value_t = 500,
        global = true
    )]
    pub integrate_every_ms: u64,

    /// Log format: text for people, json for log collectors.
    #[arg(long, env = "GOVOPS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Log filter, in tracing's EnvFilter syntax.
    #[arg(
        long,
        env = "GOVOPS_LOG",
        default_value = "info,sqlx=warn",
        global = true
    )]
    pub log: String,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}
