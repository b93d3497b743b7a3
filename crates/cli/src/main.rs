//! `comity`: the one binary. It serves the cooperation desk and administers it from the
//! command line (accounts, tokens, migrations, audit verification, backups).

mod bench;
mod config;
mod import;
mod receipt;

use std::{process::ExitCode, sync::Arc};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use comity_app::{auth::MIN_PASSWORD_LEN, users::UserInput, Actor, Comity, SystemClock};
use comity_store::Db;

use crate::config::{Config, DEFAULT_DATABASE_URL, DEMO_DATABASE_URL};

// Lists allocate and free many short strings and a few large buffers per request; glibc's
// allocator spent a fifth of the server's time consolidating its free lists under that mix.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "comity",
    version,
    about = "Comity: the cooperation desk of an international criminal court and the national authorities that work with it",
    long_about = "Comity records every request for cooperation from draft to execution, keeps the network of \
partners, focal points and channels, and serves it all as a secure web application and JSON API.\n\n\
Start with `comity serve --demo` for a populated demonstration, or `comity serve` for a real workspace \
(the first start prints the administrator's password once)."
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct GlobalArgs {
    /// Database to use: sqlite://FILE (the default is sqlite://comity.db) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application and the JSON API.
    Serve(ServeArgs),
    /// Serve the demonstration workspace (same as `serve --demo`).
    Demo(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Copy a live SQLite database to a file (PostgreSQL: use pg_dump, see docs/operations.md).
    Backup {
        /// Where to write the copy; must not exist yet.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Bring past registers into Comity.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Signed receipts: make a signing key, publish the key ring, verify a receipt offline.
    #[command(subcommand)]
    Receipt(receipt::ReceiptCommand),
    /// Poll the travel-report mailbox once (COMITY_TRAVEL_MAILBOX) and print what came in.
    PollMailbox,
    /// Measure throughput, latency, start-up time and memory on a synthetic workload.
    Bench(bench::BenchArgs),
}

#[derive(Args, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COMITY_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Start with the shipped reference data and an illustrative, clearly labelled dataset
    /// (on sqlite://comity-demo.db unless a database is given).
    #[arg(long)]
    pub demo: bool,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; prints a generated password once.
    Add {
        /// Login name: lowercase letters, digits, '.', '_' or '-'.
        #[arg(long)]
        name: String,
        /// Role(s), comma-separated: viewer, officer, approver, unit_admin, system_admin, auditor.
        #[arg(long)]
        role: String,
        /// Unit: a unit's name (e.g. "Registry", "Office of the Prosecutor"), state:ISO3 for a
        /// State's focal-point office, or defence:TEAM for a Defence team.
        #[arg(long)]
        unit: String,
        /// Full name shown in the interface.
        #[arg(long)]
        display_name: Option<String>,
        /// E-mail address, for reminders and notifications.
        #[arg(long)]
        email: Option<String>,
    },
    /// List users.
    List,
    /// Disable an account and end its sessions (or re-enable it with --enable).
    Disable {
        #[arg(long)]
        name: String,
        /// Re-enable instead.
        #[arg(long)]
        enable: bool,
    },
    /// Set a new generated password and end the user's sessions.
    ResetPassword {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it (shown once).
    Create {
        #[arg(long)]
        user: String,
        /// What the token is for.
        #[arg(long, default_value = "command line")]
        label: String,
        /// Scopes, comma-separated: read, write.
        #[arg(long, default_value = "read,write")]
        scope: String,
        /// Lifetime in days (1 to 366).
        #[arg(long, default_value_t = 90)]
        expires_in_days: i64,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by id.
    Revoke {
        #[arg(long)]
        id: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exits non-zero naming the first bad entry.
    Verify,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration, secrets redacted.
    Check(ServeArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    config::init_logging();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let g = cli.global;
    match cli.command {
        Command::Serve(args) => serve(&g, args).await,
        Command::Demo(args) => serve(&g, ServeArgs { demo: true, ..args }).await,
        Command::Migrate => {
            let db = connect(&g, false).await?;
            let pending = db.pending_migrations().await?;
            db.migrate().await.context("applying migrations")?;
            eprintln!("{pending} migration(s) applied; the {} database is up to date.", db.engine().name());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(cmd) => user(&g, cmd).await,
        Command::Token(cmd) => token(&g, cmd).await,
        Command::Audit(AuditCommand::Verify) => {
            let app = open(&g, false).await?;
            let total = comity_store::audit::count(&mut app.db.read().await?).await?;
            eprintln!("verifying {total} audit entries…");
            let result = app
                .verify_audit(|n| {
                    if total > 0 {
                        eprintln!("  {n}/{total} ({}%)", n * 100 / total.max(1));
                    }
                })
                .await?;
            match result {
                Ok(v) => {
                    println!("audit trail intact: {} entries, head {}", v.entries, v.head);
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    println!("audit trail BROKEN: {b}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Backup { to } => {
            let db = connect(&g, false).await?;
            if db.engine() == comity_store::Engine::Postgres {
                bail!("PostgreSQL is backed up with pg_dump: pg_dump --format=custom --file=comity.dump \"$DATABASE_URL\" (see docs/operations.md)");
            }
            eprintln!("copying the database to {}…", to.display());
            db.backup_to(&to).await.with_context(|| format!("backing up to {}", to.display()))?;
            let size = std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
            println!("backup written: {} ({} KiB)", to.display(), size / 1024);
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Check(args)) => {
            let cfg = Config::resolve(&g.database_url, &args)?;
            print!("{}", cfg.describe());
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(cmd) => import::run(&open(&g, false).await?, cmd).await,
        Command::Receipt(cmd) => receipt::run(&g, cmd).await,
        Command::PollMailbox => {
            let cfg = config::settings_from_env()?;
            let Some(mailbox) = cfg.travel_mailbox.clone() else {
                bail!("COMITY_TRAVEL_MAILBOX is not set: give the mailbox as imaps://user:password@host/INBOX");
            };
            let app = open(&g, false).await?;
            let poll = app.poll_mailbox(&mailbox).await?;
            println!(
                "{} message(s) read: {} new draft alert(s), {} already taken in, {} unreadable",
                poll.fetched,
                poll.created.len(),
                poll.duplicates,
                poll.unreadable.len()
            );
            for u in &poll.unreadable {
                println!("  {u}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) => bench::run(&g.database_url, args).await,
    }
}

async fn connect(g: &GlobalArgs, demo: bool) -> Result<Db> {
    let default = if demo { DEMO_DATABASE_URL } else { DEFAULT_DATABASE_URL };
    let url = g.database_url.clone().unwrap_or_else(|| default.to_owned());
    Db::connect(&url).await.with_context(|| format!("connecting to {}", comity_store::dialect::redact_url(&url)))
}

/// Connects, migrates an empty or outdated database, and prepares it (reference data, first
/// administrator), printing what it did.
async fn open(g: &GlobalArgs, demo: bool) -> Result<Comity> {
    open_announcing(g, demo, false).await
}

/// As [`open`]; `serving` sends the first administrator's password to stdout, where a
/// person starting the server looks. Other commands keep stdout for their own output (a
/// token, a listing) and print it to stderr.
async fn open_announcing(g: &GlobalArgs, demo: bool, serving: bool) -> Result<Comity> {
    let db = connect(g, demo).await?;
    let pending = db.pending_migrations().await?;
    if pending > 0 {
        eprintln!("applying {pending} migration(s) to the {} database…", db.engine().name());
    }
    // Always run the migrator: besides applying what is pending, it refuses a database whose
    // applied migrations differ from this binary's, which is clearer than a missing column later.
    db.migrate().await.context("checking and applying migrations")?;
    let app = Comity::new(db, Arc::new(SystemClock), config::settings_from_env()?);
    let prepared = app.prepare(|step| eprintln!("  {step}…")).await?;
    if let Some(l) = prepared.reference_data {
        eprintln!(
            "loaded reference data: {} States, {} organisations and networks, {} treaty events",
            l.states, l.organisations, l.status_events
        );
    }
    if let Some(password) = prepared.admin_password {
        let admin = comity_app::bootstrap::FIRST_ADMIN;
        let notice = format!(
            "\n  First start: created the administrator account.\n    login:    {admin}\n    password: {password}\n  \
             This password is shown only once. Keep it safe, or reset it later with\n  \
             `comity user reset-password --name {admin}`.\n"
        );
        if serving {
            println!("{notice}");
        } else {
            eprintln!("{notice}");
        }
    }
    Ok(app)
}

async fn serve(g: &GlobalArgs, args: ServeArgs) -> Result<ExitCode> {
    let cfg = Config::resolve(&g.database_url, &args)?;
    let started = std::time::Instant::now();
    let app = open_announcing(&GlobalArgs { database_url: Some(cfg.database_url.clone()) }, args.demo, true).await?;
    if args.demo {
        let logins = app.populate_demo().await?;
        println!("  DEMONSTRATION WORKSPACE: real State data, illustrative people and channels.");
        println!("  Demo logins (password = demo-<login>; the focal points set up a second factor at first sign-in):");
        for l in &logins {
            println!("    {:<20} {:<24} {:<32} {}", l.name, l.password, l.unit, l.roles);
        }
        println!();
    }
    let listener =
        tokio::net::TcpListener::bind(&cfg.addr).await.with_context(|| format!("listening on {}", cfg.addr))?;
    let addr = listener.local_addr()?;
    let router = comity_web::router(app.clone(), cfg.web.clone());
    let sweeper = tokio::spawn(config::sweep_sessions(app.clone()));
    // Load the register index now rather than on the first list someone asks for.
    let warm = app.clone();
    tokio::spawn(async move {
        if let Err(e) = warm.load_register().await {
            tracing::warn!(error = %e, "the register index will load on the first list instead");
        }
    });
    let (stop_reminders, reminders_stopped) = tokio::sync::oneshot::channel::<()>();
    let reminders = tokio::spawn(comity_app::reminders::run_reminders(app.clone(), cfg.reminder_interval, async {
        let _ = reminders_stopped.await;
    }));
    let (stop_mailbox, mailbox_stopped) = tokio::sync::oneshot::channel::<()>();
    let mailbox = tokio::spawn(comity_app::alerts::run_mailbox(app.clone(), cfg.mailbox_interval, async {
        let _ = mailbox_stopped.await;
    }));
    println!(
        "Comity is listening on http://{addr} ({} database, ready in {} ms). Press Ctrl+C to stop.",
        app.db.engine().name(),
        started.elapsed().as_millis()
    );
    comity_web::serve(listener, router, config::shutdown_signal()).await?;
    sweeper.abort();
    // Let a reminder pass under way finish, so no e-mail is left half-sent; SMTP timeouts
    // bound the wait, and past this limit the lease rules settle the job on the next start.
    let _ = stop_reminders.send(());
    let _ = stop_mailbox.send(());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), mailbox).await;
    if tokio::time::timeout(std::time::Duration::from_secs(60), reminders).await.is_err() {
        eprintln!("the reminder worker did not stop in time; its job is settled on the next start");
    }
    app.db.close().await;
    eprintln!("Comity stopped.");
    Ok(ExitCode::SUCCESS)
}

async fn user(g: &GlobalArgs, cmd: UserCommand) -> Result<ExitCode> {
    let app = open(g, false).await?;
    let op = Actor::operator();
    match cmd {
        UserCommand::Add { name, role, unit, display_name, email } => {
            let input = UserInput { name, display_name, email, roles: role, unit };
            let (u, password) = app.add_user(&op, &input).await.map_err(describe)?;
            println!("created user '{}' in {} ({})", u.name, u.unit, u.roles.join(", "));
            println!("password (shown once, at least {MIN_PASSWORD_LEN} characters): {password}");
        }
        UserCommand::List => {
            let users = app.list_users(&op).await.map_err(describe)?;
            if users.is_empty() {
                println!("no users");
            }
            println!("{:<22} {:<34} {:<28} {:<4} STATUS", "LOGIN", "UNIT", "ROLES", "2FA");
            for u in users {
                println!(
                    "{:<22} {:<34} {:<28} {:<4} {}",
                    u.name,
                    u.unit,
                    u.roles.join(","),
                    if u.second_factor { "yes" } else { "no" },
                    if u.disabled { "disabled" } else { "active" }
                );
            }
        }
        UserCommand::Disable { name, enable } => {
            app.set_user_disabled(&op, &name, !enable).await.map_err(|e| no_such_user(e, &name))?;
            println!("user '{name}' {}", if enable { "enabled" } else { "disabled; their sessions have ended" });
        }
        UserCommand::ResetPassword { name } => {
            let password = app.reset_password(&op, &name).await.map_err(|e| no_such_user(e, &name))?;
            println!("new password for '{name}' (shown once): {password}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn token(g: &GlobalArgs, cmd: TokenCommand) -> Result<ExitCode> {
    let app = open(g, false).await?;
    let op = Actor::operator();
    match cmd {
        TokenCommand::Create { user, label, scope, expires_in_days } => {
            let scopes: Vec<String> = scope.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
            let t = app
                .create_token(&op, &user, &label, &scopes, Some(chrono::Duration::days(expires_in_days)))
                .await
                .map_err(describe)?;
            eprintln!(
                "token {} for '{user}' ({}), expires {}; shown once:",
                t.record.id,
                t.record.scopes,
                t.record.expires_at.date_naive()
            );
            println!("{}", t.token);
        }
        TokenCommand::List { user } => {
            let tokens = app.list_tokens(&op, user.as_deref()).await.map_err(describe)?;
            println!("{:<38} {:<18} {:<20} {:<11} {:<12} STATUS", "ID", "USER", "LABEL", "SCOPES", "EXPIRES");
            for (t, owner) in tokens {
                println!(
                    "{:<38} {:<18} {:<20} {:<11} {:<12} {}",
                    t.id,
                    owner,
                    t.label,
                    t.scopes,
                    t.expires_at.date_naive(),
                    if t.revoked_at.is_some() { "revoked" } else { "active" }
                );
            }
        }
        TokenCommand::Revoke { id } => {
            app.revoke_token(&op, &id).await.map_err(describe)?;
            println!("token {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Names the missing user instead of a bare "no such record".
fn no_such_user(e: comity_app::AppError, name: &str) -> anyhow::Error {
    match e {
        comity_app::AppError::NotFound => anyhow::anyhow!("no user named '{name}' (see `comity user list`)"),
        other => describe(other),
    }
}

/// Turns an application error into a message naming the field and the problem.
fn describe(e: comity_app::AppError) -> anyhow::Error {
    match e {
        comity_app::AppError::Validation(f) => {
            anyhow::anyhow!(f.0.iter().map(|(k, v)| format!("--{k}: {v}")).collect::<Vec<_>>().join("\n"))
        }
        comity_app::AppError::NotFound => anyhow::anyhow!("no such record"),
        other => anyhow::anyhow!(other),
    }
}
