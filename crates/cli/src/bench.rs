//! `comity bench`: measures the server as deployed.
//!
//! For each engine it creates a fresh database, starts this very binary as `comity serve`
//! in a child process (timing the first start, with migrations and reference data, and a
//! restart on the initialised database), loads a synthetic dataset, reads the server's memory
//! from `/proc`, drives a closed-loop load of authenticated JSON reads from concurrent clients,
//! and prints one table at the end. Two workloads:
//!
//! - `directory` (the default): focal points and communication profiles loaded through the
//!   application layer, and reads of partner pages, directory pages and focal points;
//! - `requests`: requests for cooperation at scale (100,000 requests with a million history
//!   steps by default), generated deterministically and loaded with `comity_store::bulk`, then
//!   filtered lists, full-text searches and the yearly statistics.
//!
//! The load generator runs in this process, on the same machine as the server: on a small
//! machine it takes a good share of the CPU, so the figures are a floor for the server.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    process::{ExitCode, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use comity_app::{
    partners::{FocalPointInput, PartnerQuery, ProfileInput},
    users::UserInput,
    Actor, AppError, AuthMethod, Comity, Settings, SystemClock,
};
use comity_domain::request::Direction;
use comity_store::{dialect::redact_url, Db, Sql};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// The targets set for a small (2-core) server, checked for SQLite.
const TARGET_READS_PER_SEC: f64 = 3000.0;
const TARGET_P99_MS: f64 = 25.0;
const TARGET_IDLE_RSS_MB: f64 = 50.0;

/// The targets of the requests workload, on both engines: list and search p99 at 20 clients,
/// the statistics of one year, and the bulk load rate.
const TARGET_REQUESTS_P99_MS: f64 = 50.0;
const TARGET_STATISTICS_MS: f64 = 500.0;
const TARGET_LOAD_REQUESTS_PER_SEC: f64 = 20_000.0;

/// Which engine(s) to measure.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineChoice {
    Sqlite,
    Postgres,
    Both,
}

/// What to measure.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Partner pages, directory pages and focal points.
    Directory,
    /// Requests at scale: bulk load, filtered lists, full-text search, yearly statistics.
    Requests,
    Both,
}

#[derive(clap::Args, Clone, Debug)]
pub struct BenchArgs {
    /// What to measure: directory reads, requests at scale, or both (each on its own fresh
    /// database).
    #[arg(long, value_enum, default_value = "directory")]
    pub workload: Workload,
    /// Engine(s) to measure. Default: both when a PostgreSQL server is given (--postgres-url,
    /// COMITY_BENCH_POSTGRES_URL or COMITY_TEST_POSTGRES_URL), SQLite otherwise.
    #[arg(long, value_enum)]
    pub engine: Option<EngineChoice>,
    /// A PostgreSQL server on which the benchmark may create (and drop) a database
    /// comity_bench_<random>, e.g. postgres://postgres@127.0.0.1:5432/postgres. Falls back to
    /// COMITY_TEST_POSTGRES_URL.
    #[arg(long, env = "COMITY_BENCH_POSTGRES_URL")]
    pub postgres_url: Option<String>,
    /// Concurrent clients, each sending one request at a time [default: 50 for the directory,
    /// 20 for requests].
    #[arg(long)]
    pub clients: Option<usize>,
    /// Length of the measured load, in seconds (after the warm-up).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Warm-up before measuring, in seconds.
    #[arg(long, default_value_t = 2)]
    pub warmup_seconds: u64,
    /// Synthetic focal points to load, spread over the States.
    #[arg(long, default_value_t = 5000)]
    pub focal_points: usize,
    /// The reads to mix, in equal shares: detail (GET /api/v1/partners/{ISO3}), list (a page
    /// of States) and focal-points (GET /api/v1/partners/{ISO3}/focal-points). Name fewer to
    /// measure one alone.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "detail,list,focal-points")]
    pub mix: Vec<Endpoint>,
    /// Synthetic requests for the requests workload, spread over eight years.
    #[arg(long, default_value_t = 100_000)]
    pub requests: usize,
    /// History steps per request (at least its lifecycle steps; the rest are edits and
    /// documents): 10 gives a million events for 100,000 requests.
    #[arg(long, default_value_t = 10)]
    pub events_per_request: usize,
    /// A smoke run: at most 5,000 requests, 500 focal points, 3 s measured after 1 s warm-up.
    #[arg(long)]
    pub quick: bool,
    /// Keep the benchmark databases afterwards (to study query plans) and print where they are.
    #[arg(long)]
    pub keep: bool,
    /// SQL run on the requests workload's database after the load, before the server restarts:
    /// statements separated by semicolons, e.g. a candidate index to measure.
    #[arg(long, value_name = "FILE")]
    pub sql_after_load: Option<PathBuf>,
}

impl BenchArgs {
    /// The number of concurrent clients for a workload.
    fn clients_for(&self, workload: Workload) -> usize {
        self.clients.unwrap_or(match workload {
            Workload::Requests => 20,
            _ => 50,
        })
    }
}

/// One of the reads of the load.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Detail,
    List,
    FocalPoints,
}

impl Endpoint {
    fn index(self) -> usize {
        match self {
            Endpoint::Detail => 0,
            Endpoint::List => 1,
            Endpoint::FocalPoints => 2,
        }
    }
}

/// The three reads of the mix.
const ENDPOINTS: [&str; 3] = [
    "GET /api/v1/partners/{ISO3}",
    "GET /api/v1/partners?kind=state&per_page=50&page=K",
    "GET /api/v1/partners/{ISO3}/focal-points",
];

pub async fn run(database_url: &Option<String>, mut args: BenchArgs) -> Result<ExitCode> {
    if args.quick {
        args.requests = args.requests.min(5_000);
        args.focal_points = args.focal_points.min(500);
        args.seconds = args.seconds.min(3);
        args.warmup_seconds = args.warmup_seconds.min(1);
    }
    if args.clients == Some(0) || args.seconds == 0 {
        bail!("--clients and --seconds must be at least 1");
    }
    if args.mix.is_empty() {
        bail!("--mix must name at least one read");
    }
    if args.requests == 0 {
        bail!("--requests must be at least 1");
    }
    let postgres_url = args
        .postgres_url
        .clone()
        .or_else(|| std::env::var("COMITY_TEST_POSTGRES_URL").ok())
        .filter(|u| !u.trim().is_empty());
    let engine = args.engine.unwrap_or(if postgres_url.is_some() { EngineChoice::Both } else { EngineChoice::Sqlite });
    if matches!(engine, EngineChoice::Postgres | EngineChoice::Both) && postgres_url.is_none() {
        bail!(
            "--engine postgres needs a server: --postgres-url or COMITY_BENCH_POSTGRES_URL / COMITY_TEST_POSTGRES_URL"
        );
    }
    if database_url.is_some() {
        eprintln!(
            "note: the benchmark ignores --database-url / DATABASE_URL; it creates and removes its own databases"
        );
    }
    let exe = std::env::current_exe().context("locating the comity binary")?;
    let machine = Machine::detect();
    eprintln!("comity bench: {} on {}", if cfg!(debug_assertions) { "DEBUG build" } else { "release build" }, machine);
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; measure with `cargo run --release -- bench`");
    }

    let mut results = Vec::new();
    let mut request_results = Vec::new();
    let engines: Vec<&str> = match engine {
        EngineChoice::Sqlite => vec!["sqlite"],
        EngineChoice::Postgres => vec!["postgres"],
        EngineChoice::Both => vec!["sqlite", "postgres"],
    };
    let workloads: Vec<Workload> = match args.workload {
        Workload::Both => vec![Workload::Directory, Workload::Requests],
        w => vec![w],
    };
    for name in engines {
        for &workload in &workloads {
            eprintln!();
            eprintln!("=== {name}: {} ===", if workload == Workload::Requests { "requests" } else { "directory" });
            let scratch = match name {
                "sqlite" => Scratch::sqlite()?,
                _ => Scratch::postgres(postgres_url.as_deref().unwrap_or_default()).await?,
            };
            eprintln!("database: {}", redact_url(&scratch.url));
            let outcome = tokio::select! {
                r = async {
                    match workload {
                        Workload::Requests => bench_requests(&exe, name, &scratch.url, &args).await.map(Err),
                        _ => bench_engine(&exe, name, &scratch.url, &args).await.map(Ok),
                    }
                } => r,
                _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
            };
            // The child (kill_on_drop) and every pool are gone by now; remove the database.
            if args.keep {
                eprintln!("kept the database: {}", redact_url(&scratch.url));
            } else if let Err(e) = scratch.remove().await {
                eprintln!("warning: could not remove the benchmark database: {e:#}");
            }
            match outcome.with_context(|| format!("benchmarking {name}"))? {
                Ok(r) => results.push(r),
                Err(r) => request_results.push(r),
            }
        }
    }

    if !results.is_empty() {
        print_report(&machine, &args, &results);
    }
    if !request_results.is_empty() {
        print_requests_report(&machine, &args, &request_results);
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------
// Scratch databases

enum ScratchKind {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// A database that exists only for one benchmark run.
struct Scratch {
    url: String,
    kind: ScratchKind,
}

impl Scratch {
    fn sqlite() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("comity-bench-{}", random_suffix()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let url = format!("sqlite://{}", dir.join("comity.db").display());
        Ok(Self { url, kind: ScratchKind::Sqlite(dir) })
    }

    async fn postgres(admin_url: &str) -> Result<Self> {
        let name = format!("comity_bench_{}", random_suffix());
        let admin = Db::connect(admin_url)
            .await
            .with_context(|| format!("connecting to the PostgreSQL server {}", redact_url(admin_url)))?;
        let created = Sql::new(&format!("CREATE DATABASE \"{name}\"")).execute(&mut admin.read().await?).await;
        admin.close().await;
        created.with_context(|| format!("creating database {name}"))?;
        Ok(Self {
            url: with_database(admin_url, &name),
            kind: ScratchKind::Postgres { admin_url: admin_url.to_owned(), name },
        })
    }

    async fn remove(self) -> Result<()> {
        match self.kind {
            ScratchKind::Sqlite(dir) => {
                std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))
            }
            ScratchKind::Postgres { admin_url, name } => {
                let admin = Db::connect(&admin_url).await?;
                let dropped = Sql::new(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut admin.read().await?)
                    .await;
                admin.close().await;
                dropped.with_context(|| format!("dropping database {name}"))?;
                eprintln!("dropped database {name}");
                Ok(())
            }
        }
    }
}

/// The server URL with its database name replaced (query parameters kept).
fn with_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

fn random_suffix() -> String {
    let mut rng = Rng::seeded();
    format!("{:016x}", rng.next())
}

// ---------------------------------------------------------------------------------------
// One engine

struct EngineResult {
    engine: String,
    first_start: Duration,
    first_ready_ms: Option<u64>,
    restart: Duration,
    restart_ready_ms: Option<u64>,
    load_time: Duration,
    states: usize,
    focal_points: usize,
    profiles: usize,
    idle_rss_kb: Option<u64>,
    load: LoadResult,
    loaded_hwm_kb: Option<u64>,
    loaded_rss_kb: Option<u64>,
    stop_time: Duration,
}

async fn bench_engine(exe: &std::path::Path, engine: &str, url: &str, args: &BenchArgs) -> Result<EngineResult> {
    // 1. First start: migrations and reference data.
    eprintln!("first start (migrations + reference data)…");
    let server = Server::start(exe, url).await?;
    let first_start = server.startup;
    let first_ready_ms = server.ready_ms();
    eprintln!("  healthy after {} ms", first_start.as_millis());
    server.stop().await?;

    // 2. The synthetic dataset, in-process through the application layer.
    let db = Db::connect(url).await.context("connecting to the benchmark database")?;
    let app = Comity::new(db, Arc::new(SystemClock), Settings::default());
    let started = Instant::now();
    let data = load_dataset(&app, args.focal_points).await?;
    let load_time = started.elapsed();
    eprintln!(
        "  loaded {} focal points and {} communication profiles over {} States in {:.1} s",
        data.focal_points,
        data.profiles,
        data.states.len(),
        load_time.as_secs_f64()
    );
    app.db.close().await;

    // 3. Restart on the initialised, populated database.
    eprintln!("restart on the initialised database…");
    let mut server = Server::start(exe, url).await?;
    let restart = server.startup;
    eprintln!("  healthy after {} ms", restart.as_millis());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss_kb = proc_status_kb(server.pid, "VmRSS");
    eprintln!("  idle RSS: {}", fmt_kb(idle_rss_kb));

    // 4. The load.
    let base = format!("http://{}", server.addr);
    let load = run_load(&base, &data.token, &data.states, args, server.pid).await;
    let loaded_hwm_kb = proc_status_kb(server.pid, "VmHWM");
    let loaded_rss_kb = proc_status_kb(server.pid, "VmRSS");
    let restart_ready_ms = server.ready_ms();
    let stop_started = Instant::now();
    let stopped = server.stop_mut().await;
    let stop_time = stop_started.elapsed();
    let load = load?;
    stopped?;
    Ok(EngineResult {
        engine: engine.to_owned(),
        first_start,
        first_ready_ms,
        restart,
        restart_ready_ms,
        load_time,
        states: data.states.len(),
        focal_points: data.focal_points,
        profiles: data.profiles,
        idle_rss_kb,
        load,
        loaded_hwm_kb,
        loaded_rss_kb,
        stop_time,
    })
}

// ---------------------------------------------------------------------------------------
// The server child process

struct Server {
    child: Child,
    pid: u32,
    addr: String,
    startup: Duration,
    output: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `comity serve` and waits until `/healthz` answers 200.
    async fn start(exe: &std::path::Path, url: &str) -> Result<Self> {
        let addr = free_addr()?;
        let started = Instant::now();
        let mut child = Command::new(exe)
            .arg("serve")
            .arg("--addr")
            .arg(&addr)
            .env("DATABASE_URL", url)
            .env_remove("COMITY_ADDR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {} serve", exe.display()))?;
        let pid = child.id().ok_or_else(|| anyhow!("the server exited at once"))?;
        let output = Arc::new(Mutex::new(Vec::new()));
        if let Some(out) = child.stdout.take() {
            drain(out, output.clone());
        }
        if let Some(err) = child.stderr.take() {
            drain(err, output.clone());
        }
        let probe = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        let health = format!("http://{addr}/healthz");
        let deadline = started + Duration::from_secs(300);
        loop {
            if let Ok(r) = probe.get(&health).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            if let Some(status) = child.try_wait()? {
                bail!("the server exited ({status}) before answering /healthz:\n{}", tail(&output));
            }
            if Instant::now() > deadline {
                bail!("the server did not answer /healthz within 300 s:\n{}", tail(&output));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let startup = started.elapsed();
        Ok(Self { child, pid, addr, startup, output })
    }

    /// The server's own "ready in N ms" figure (connection, migrations, preparation, bind).
    fn ready_ms(&self) -> Option<u64> {
        let lines = self.output.lock().ok()?;
        lines.iter().find_map(|l| {
            let rest = l.split("ready in ").nth(1)?;
            rest.split_whitespace().next()?.parse().ok()
        })
    }

    async fn stop(mut self) -> Result<()> {
        self.stop_mut().await
    }

    /// SIGTERM, then up to 15 s for a clean exit, then SIGKILL.
    async fn stop_mut(&mut self) -> Result<()> {
        let _ = Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status().await;
        match tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await {
            Ok(Ok(status)) if status.success() => Ok(()),
            Ok(Ok(status)) => bail!("the server stopped with {status}:\n{}", tail(&self.output)),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => {
                let _ = self.child.kill().await;
                bail!("the server did not stop within 15 s of SIGTERM; killed it")
            }
        }
    }
}

/// Reads a child's output so its pipe never fills, keeping it for error messages.
fn drain<R: tokio::io::AsyncRead + Unpin + Send + 'static>(r: R, into: Arc<Mutex<Vec<String>>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(r).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(mut v) = into.lock() {
                if v.len() >= 200 {
                    v.remove(0);
                }
                v.push(line);
            }
        }
    });
}

fn tail(output: &Arc<Mutex<Vec<String>>>) -> String {
    output
        .lock()
        .map(|v| {
            // Never echo the first administrator's password.
            v.iter().rev().take(30).rev().filter(|l| !l.contains("password")).cloned().collect::<Vec<_>>().join("\n")
        })
        .unwrap_or_default()
}

fn free_addr() -> Result<String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?.to_string())
}

// ---------------------------------------------------------------------------------------
// The synthetic dataset

struct Dataset {
    states: Vec<String>,
    focal_points: usize,
    profiles: usize,
    token: String,
}

const MANDATES: &[&str] = &[
    "central_authority",
    "operational",
    "financial_investigations",
    "arrest",
    "non_cooperation",
    "witness_protection",
];
const LANGUAGES: &[&str] = &["en", "fr", "es", "ar", "ru", "zh", "pt", "sw", "de", "nl"];
const CHANNELS: &[&str] =
    &["diplomatic", "ministry", "central_authority", "interpol", "regional_organisation", "direct"];

async fn load_dataset(app: &Comity, focal_points: usize) -> Result<Dataset> {
    let op = Actor::operator();
    let query = PartnerQuery { kind: Some("state".into()), per_page: Some(500), ..Default::default() };
    let states: Vec<String> =
        app.list_partners(&op, &query).await.map_err(app_error)?.items.into_iter().map(|p| p.id).collect();
    if states.is_empty() {
        bail!("the reference data holds no States");
    }
    let mut rng = Rng::new(0x00c0_ffee);

    // The directory is kept by the Registry: a Registry officer records the contacts (the
    // policy lets no one else create confidential ones), and the same officer reads them back
    // through the API under load.
    let Officer { token, actor: registry, .. } = registry_officer(app).await?;

    eprintln!("loading {focal_points} synthetic focal points…");
    let step = (focal_points / 10).max(1);
    let started = Instant::now();
    for i in 0..focal_points {
        let state = &states[rng.below(states.len())];
        // 45 % public, 40 % internal, 15 % confidential.
        let classification = match rng.below(100) {
            0..45 => "public",
            45..85 => "internal",
            _ => "confidential",
        };
        let mut mandates = vec![MANDATES[rng.below(MANDATES.len())].to_owned()];
        if rng.below(3) == 0 {
            let m = MANDATES[rng.below(MANDATES.len())].to_owned();
            if !mandates.contains(&m) {
                mandates.push(m);
            }
        }
        let languages = vec![LANGUAGES[rng.below(LANGUAGES.len())].to_owned(), "en".to_owned()];
        let from_year = 2002 + rng.below(23);
        let mandate_to = (rng.below(5) == 0).then(|| format!("{}-12-31", from_year + 1 + rng.below(3)));
        let input = FocalPointInput {
            name: format!("Synthetic Person {i:05}"),
            title: "Liaison officer (synthetic)".into(),
            authority: format!("Ministry of Justice of {state} (synthetic)"),
            mandates,
            email: Some(format!("person.{i}@bench.invalid")),
            phone: Some(format!("+00 {:09}", rng.below(1_000_000_000))),
            languages,
            mandate_from: format!("{from_year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
            mandate_to,
            classification: Some(classification.into()),
            version: None,
        };
        app.add_focal_point(&registry, state, &input)
            .await
            .map_err(app_error)
            .with_context(|| format!("adding focal point {i} to {state}"))?;
        if (i + 1) % step == 0 || i + 1 == focal_points {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "  {:>3}%  {}/{focal_points} focal points ({:.0}/s)",
                (i + 1) * 100 / focal_points.max(1),
                i + 1,
                (i + 1) as f64 / secs.max(1e-9)
            );
        }
    }
    let mut profiles = 0usize;
    for state in &states {
        let count = match rng.below(4) {
            0 => 0,
            1 | 2 => 1,
            _ => 2,
        };
        for _ in 0..count {
            let year = 2010 + rng.below(16);
            let input = ProfileInput {
                channel: CHANNELS[rng.below(CHANNELS.len())].into(),
                receiving_authority: format!("Central authority of {state} (synthetic)"),
                languages: vec!["en".into(), LANGUAGES[rng.below(LANGUAGES.len())].into()],
                interpol_for_urgent: rng.below(2) == 0,
                notified_on: format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
                agreed_effective_on: None,
                notes: "Synthetic profile for the benchmark.".into(),
                classification: Some(if rng.below(2) == 0 { "public" } else { "internal" }.into()),
            };
            app.add_communication_profile(&registry, state, &input)
                .await
                .map_err(app_error)
                .with_context(|| format!("adding a communication profile to {state}"))?;
            profiles += 1;
        }
    }

    Ok(Dataset { states, focal_points, profiles, token })
}

/// A Registry officer with a read-only API token, as the benchmarks act and read.
struct Officer {
    token: String,
    user_id: String,
    actor: Actor,
}

async fn registry_officer(app: &Comity) -> Result<Officer> {
    let op = Actor::operator();
    let user = UserInput {
        name: format!("bench.officer.{}", random_suffix()),
        display_name: Some("Benchmark Registry officer".into()),
        email: None,
        roles: "officer".into(),
        unit: "Registry".into(),
    };
    let (u, _password) = app.add_user(&op, &user).await.map_err(app_error).context("adding the benchmark user")?;
    let token = app
        .create_token(&op, &u.name, "benchmark", &["read".into()], Some(chrono::Duration::days(1)))
        .await
        .map_err(app_error)
        .context("creating the benchmark token")?;
    let officer = comity_store::accounts::user_by_name(&mut app.db.read().await?, &u.name)
        .await?
        .ok_or_else(|| anyhow!("the benchmark user vanished"))?;
    let actor = Actor::from_user(&officer, AuthMethod::Operator).map_err(app_error)?;
    Ok(Officer { token: token.token, user_id: officer.id, actor })
}

fn app_error(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(f) => {
            anyhow!(f.0.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; "))
        }
        other => anyhow!(other),
    }
}

// ---------------------------------------------------------------------------------------
// The load

#[derive(Default)]
struct LoadResult {
    clients: usize,
    measured: Duration,
    /// Latencies in microseconds, sorted, per endpoint.
    latencies: [Vec<u32>; 3],
    errors: [u64; 3],
    /// Error kinds (status code or transport error) and how often they happened.
    error_kinds: BTreeMap<String, u64>,
    /// CPU used during the measured window, in seconds, by the server and by this process.
    server_cpu: Option<f64>,
    bench_cpu: Option<f64>,
    /// CPU seconds the whole machine was busy in that window (to see other processes).
    machine_cpu: Option<f64>,
}

impl LoadResult {
    fn total(&self) -> usize {
        self.latencies.iter().map(Vec::len).sum()
    }

    fn errors(&self) -> u64 {
        self.errors.iter().sum()
    }

    fn rate(&self, n: usize) -> f64 {
        n as f64 / self.measured.as_secs_f64().max(1e-9)
    }

    fn all(&self) -> Vec<u32> {
        let mut all: Vec<u32> = self.latencies.iter().flatten().copied().collect();
        all.sort_unstable();
        all
    }
}

#[derive(Default)]
struct Samples {
    latencies: [Vec<u32>; 3],
    errors: [u64; 3],
    error_kinds: BTreeMap<String, u64>,
}

async fn run_load(base: &str, token: &str, states: &[String], args: &BenchArgs, server_pid: u32) -> Result<LoadResult> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients_for(Workload::Directory))
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?;
    let auth = format!("Bearer {token}");

    // The token must work, or every request below would be an error.
    let me = client.get(format!("{base}/api/v1/me")).header("authorization", &auth).send().await?;
    if !me.status().is_success() {
        bail!("the benchmark token is refused: {} {}", me.status(), me.text().await.unwrap_or_default());
    }
    let pages = states.len().div_ceil(50).max(1);

    let clients = args.clients_for(Workload::Directory);
    eprintln!(
        "load: {} clients, {} s warm-up + {} s measured, mixing {} read(s)…",
        clients,
        args.warmup_seconds,
        args.seconds,
        args.mix.len()
    );
    let warm_end = Instant::now() + Duration::from_secs(args.warmup_seconds);
    let end = warm_end + Duration::from_secs(args.seconds);
    let states = Arc::new(states.to_vec());
    let mut tasks = Vec::with_capacity(clients);
    for c in 0..clients {
        let (client, auth, base, states) = (client.clone(), auth.clone(), base.to_owned(), states.clone());
        let mix: Vec<usize> = args.mix.iter().map(|e| e.index()).collect();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(0x5eed ^ (c as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let mut s = Samples::default();
            loop {
                let started = Instant::now();
                if started >= end {
                    break;
                }
                let which = mix[rng.below(mix.len())];
                let iso = &states[rng.below(states.len())];
                let url = match which {
                    0 => format!("{base}/api/v1/partners/{iso}"),
                    1 => format!("{base}/api/v1/partners?kind=state&per_page=50&page={}", 1 + rng.below(pages)),
                    _ => format!("{base}/api/v1/partners/{iso}/focal-points"),
                };
                let outcome = fetch(&client, &url, &auth).await;
                let elapsed = started.elapsed();
                if started < warm_end {
                    continue;
                }
                s.latencies[which].push(elapsed.as_micros().min(u32::MAX as u128) as u32);
                if let Err(kind) = outcome {
                    s.errors[which] += 1;
                    *s.error_kinds.entry(kind).or_default() += 1;
                }
            }
            s
        }));
    }

    // CPU accounting over the measured window only.
    tokio::time::sleep_until(warm_end.into()).await;
    let cpu_start = (proc_cpu_secs(&server_pid.to_string()), proc_cpu_secs("self"), machine_busy_secs());
    let measure_started = Instant::now();
    tokio::time::sleep_until(end.into()).await;
    let cpu_end = (proc_cpu_secs(&server_pid.to_string()), proc_cpu_secs("self"), machine_busy_secs());
    let measured = measure_started.elapsed();

    let mut result = LoadResult { clients, measured, ..Default::default() };
    for t in tasks {
        let s = t.await.context("a client task failed")?;
        for i in 0..3 {
            result.latencies[i].extend_from_slice(&s.latencies[i]);
            result.errors[i] += s.errors[i];
        }
        for (k, n) in s.error_kinds {
            *result.error_kinds.entry(k).or_default() += n;
        }
    }
    for l in &mut result.latencies {
        l.sort_unstable();
    }
    result.server_cpu = cpu_start.0.zip(cpu_end.0).map(|(a, b)| b - a);
    result.bench_cpu = cpu_start.1.zip(cpu_end.1).map(|(a, b)| b - a);
    result.machine_cpu = cpu_start.2.zip(cpu_end.2).map(|(a, b)| b - a);
    // Requests still in flight at the end were recorded after `end`; count them in.
    result.measured = result.measured.max(Duration::from_secs(args.seconds));
    Ok(result)
}

/// The value at quantile `q` of sorted microseconds, in milliseconds.
/// One authenticated GET, read to the end; the error says what went wrong.
async fn fetch(client: &reqwest::Client, url: &str, auth: &str) -> Result<(), String> {
    match client.get(url).header("authorization", auth).send().await {
        Ok(r) => {
            let status = r.status();
            match r.bytes().await {
                Ok(_) if status.is_success() => Ok(()),
                Ok(_) => Err(format!("HTTP {}", status.as_u16())),
                Err(e) => Err(format!("reading the body: {e}")),
            }
        }
        Err(e) => Err(format!("transport: {}", if e.is_timeout() { "timeout".into() } else { e.to_string() })),
    }
}

fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
}

// ---------------------------------------------------------------------------------------
// The requests workload: a synthetic register of requests for cooperation

struct RequestsResult {
    engine: String,
    requests: usize,
    lines: usize,
    events: usize,
    /// Generation and bulk insertion, with the commits.
    load_time: Duration,
    /// Where the writers' time went.
    load_split: String,
    /// PostgreSQL's ANALYZE after the load (what autovacuum would do a minute later).
    analyze_time: Option<Duration>,
    /// `--sql-after-load`: the file, its statements and how long they took.
    extra_sql: Option<(String, usize, Duration)>,
    database_mb: Option<f64>,
    restart: Duration,
    /// The server's first deadline scan and reminder run after the restart, waited out.
    reminder_pass: (Duration, i64, i64),
    idle_rss_kb: Option<u64>,
    /// One sequential call per query shape on the quiet server: (url, total rows, ms).
    probes: Vec<(usize, String, i64, f64)>,
    load: MixResult,
    loaded_hwm_kb: Option<u64>,
    /// Statistics for one year, sequential calls.
    statistics: Vec<Duration>,
    statistics_period: (NaiveDate, NaiveDate),
    statistics_in_process: bool,
}

impl RequestsResult {
    fn load_rate(&self, n: usize) -> f64 {
        n as f64 / self.load_time.as_secs_f64().max(1e-9)
    }
}

async fn bench_requests(exe: &std::path::Path, engine: &str, url: &str, args: &BenchArgs) -> Result<RequestsResult> {
    // 1. First start: migrations, reference data, the standard units.
    eprintln!("first start (migrations + reference data)…");
    let server = Server::start(exe, url).await?;
    eprintln!("  healthy after {} ms", server.startup.as_millis());
    server.stop().await?;

    // 2. The register, generated here and written in bulk against the same database.
    let db = Db::connect(url).await.context("connecting to the benchmark database")?;
    let app = Comity::new(db, Arc::new(SystemClock), Settings::default());
    let op = Actor::operator();
    let query = PartnerQuery { kind: Some("state".into()), per_page: Some(500), ..Default::default() };
    let states: Vec<String> =
        app.list_partners(&op, &query).await.map_err(app_error)?.items.into_iter().map(|p| p.id).collect();
    if states.is_empty() {
        bail!("the reference data holds no States");
    }
    let officer = registry_officer(&app).await?;
    let units = Units::find_or_create(&app.db).await?;
    let today = comity_app::Clock::now(&SystemClock).date_naive();
    let generator = Generator::new(states.clone(), units, officer.user_id.clone(), today, args);
    let vocabulary = generator.vocabulary.clone();
    let places = generator.places.clone();
    let loaded = load_requests(&app.db, generator, args.requests).await?;
    let extra_sql = match &args.sql_after_load {
        Some(path) => Some(run_sql_file(&app.db, path).await?),
        None => None,
    };
    let analyze_time = if app.db.engine() == comity_store::Engine::Postgres {
        let started = Instant::now();
        Sql::new("ANALYZE").execute(&mut app.db.read().await?).await.context("ANALYZE")?;
        Some(started.elapsed())
    } else {
        None
    };
    let database_mb = database_size_mb(&app.db, url).await;
    app.db.close().await;

    // 3. Restart on the loaded database.
    eprintln!("restart on the loaded database…");
    let mut server = Server::start(exe, url).await?;
    let restart = server.startup;
    eprintln!("  healthy after {} ms", restart.as_millis());
    let reminder_pass = wait_for_reminder_pass(&server, url).await?;
    let idle_rss_kb = proc_status_kb(server.pid, "VmRSS");

    // 4. Lists and searches.
    let base = format!("http://{}", server.addr);
    let plan = Arc::new(QueryPlan { states, vocabulary, places, first_year: loaded.first_year, today });
    let outcome = async {
        let probes = probe_shapes(&base, &officer.token, &plan).await?;
        let load = run_requests_load(&base, &officer.token, plan.clone(), args, server.pid).await?;
        let hwm = proc_status_kb(server.pid, "VmHWM");
        // 5. The statistics of the last full calendar year.
        let year = today.year() - 1;
        let period = (ymd(year, 1, 1), ymd(year, 12, 31));
        let (statistics, in_process) = time_statistics(&base, &officer.token, url, &officer.actor, period).await?;
        Ok::<_, anyhow::Error>((probes, load, hwm, statistics, in_process, period))
    }
    .await;
    let stopped = server.stop_mut().await;
    let (probes, load, loaded_hwm_kb, statistics, statistics_in_process, statistics_period) = outcome?;
    stopped?;
    Ok(RequestsResult {
        engine: engine.to_owned(),
        requests: loaded.requests,
        lines: loaded.lines,
        events: loaded.events,
        load_time: loaded.time,
        load_split: loaded.split,
        analyze_time,
        extra_sql,
        database_mb,
        restart,
        reminder_pass,
        idle_rss_kb,
        probes,
        load,
        loaded_hwm_kb,
        statistics,
        statistics_period,
        statistics_in_process,
    })
}

/// On its first start after the load the server's reminder worker turns every open request
/// with a deadline into a queued reminder and notification, then runs a first round of jobs:
/// a burst of writes that would overlap the measurement. Waits until the job queue has been
/// still for two seconds (at most two minutes); returns how long that took, how many jobs
/// were queued and how many run.
async fn wait_for_reminder_pass(server: &Server, url: &str) -> Result<(Duration, i64, i64)> {
    eprintln!("waiting for the server's first reminder pass…");
    let started = Instant::now();
    let db = Db::connect(url).await?;
    let mut last = (-1, -1);
    let mut still = 0;
    while still < 4 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let counts: (i64, i64) =
            Sql::new("SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'queued' THEN 0 ELSE 1 END), 0) FROM jobs")
                .fetch_one(&mut db.read().await?)
                .await?;
        let scanned = server
            .output
            .lock()
            .map(|v| v.iter().any(|l| l.contains("deadline reminders queued") || l.contains("could not scan")))
            .unwrap_or(false);
        still = if counts == last && (scanned || counts.0 > 0) { still + 1 } else { 0 };
        last = counts;
        if started.elapsed() > Duration::from_secs(120) {
            eprintln!("  warning: the job queue is still moving after 120 s; measuring anyway");
            break;
        }
    }
    db.close().await;
    eprintln!("  {} reminders queued, {} run, in {:.1} s", last.0, last.1, started.elapsed().as_secs_f64());
    Ok((started.elapsed(), last.0, last.1))
}

/// Runs the statements of a file (separated by semicolons; `--` comments allowed) in one
/// transaction.
async fn run_sql_file(db: &Db, path: &std::path::Path) -> Result<(String, usize, Duration)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let text: String =
        text.lines().map(|l| l.split_once("--").map_or(l, |(code, _)| code)).collect::<Vec<_>>().join("\n");
    let statements: Vec<&str> = text.split(';').map(str::trim).filter(|s| !s.is_empty()).collect();
    eprintln!("running {} statement(s) from {}…", statements.len(), path.display());
    let started = Instant::now();
    let mut tx = db.write().await?;
    for st in &statements {
        Sql::new(st).execute(&mut tx).await.with_context(|| format!("running {st}"))?;
    }
    tx.commit().await?;
    let took = started.elapsed();
    eprintln!("  done in {:.2} s", took.as_secs_f64());
    Ok((path.display().to_string(), statements.len(), took))
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The size of the database on disk (SQLite: the file and its WAL) or as PostgreSQL counts it.
async fn database_size_mb(db: &Db, url: &str) -> Option<f64> {
    match db.engine() {
        comity_store::Engine::Sqlite => {
            let path = url.strip_prefix("sqlite://")?.split('?').next()?.to_owned();
            let size = |p: &str| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            Some((size(&path) + size(&format!("{path}-wal"))) as f64 / 1_048_576.0)
        }
        comity_store::Engine::Postgres => {
            let mut c = db.read().await.ok()?;
            let (bytes,): (i64,) =
                Sql::new("SELECT pg_database_size(current_database())").fetch_one(&mut c).await.ok()?;
            Some(bytes as f64 / 1_048_576.0)
        }
    }
}

/// The units requests belong to: the standard organ offices the server's first start made,
/// and a few Defence teams created here.
#[derive(Clone)]
struct Units {
    registry: String,
    otp: String,
    chambers: String,
    victims: String,
    defence: Vec<String>,
}

impl Units {
    async fn find_or_create(db: &Db) -> Result<Self> {
        use comity_store::accounts;
        let mut c = db.read().await?;
        let mut kind = async |k: &str| -> Result<String> {
            accounts::first_unit_of_kind(&mut c, k)
                .await?
                .map(|u| u.id)
                .ok_or_else(|| anyhow!("no unit of kind {k}: the server's first start should have created it"))
        };
        let (registry, otp, chambers, victims) =
            (kind("registry").await?, kind("otp").await?, kind("chambers").await?, kind("victims_witnesses").await?);
        drop(c);
        let mut tx = db.write().await?;
        let mut defence = Vec::new();
        for (i, counsel) in ["Abara", "Bensouda", "Castillo", "Dlamini", "Eriksen", "Farouk"].iter().enumerate() {
            let unit = accounts::Unit {
                id: comity_store::new_id(),
                name: format!("Defence team {} (synthetic {})", counsel, i + 1),
                kind: "defence_team".into(),
                state_id: None,
                created_at: comity_app::Clock::now(&SystemClock),
            };
            accounts::insert_unit(&mut tx, &unit).await?;
            defence.push(unit.id);
        }
        tx.commit().await?;
        Ok(Self { registry, otp, chambers, victims, defence })
    }
}

struct Loaded {
    requests: usize,
    lines: usize,
    events: usize,
    time: Duration,
    first_year: i32,
    /// Where the writer's time went.
    split: String,
}

/// Requests per transaction: each commit carries this many requests with their lines and
/// history.
const LOAD_BATCH: usize = 5_000;

/// Progress of the writers, shared.
#[derive(Default)]
struct Written {
    requests: usize,
    lines: usize,
    events: usize,
    next_report: usize,
    /// Writer time: waiting for the generator, each table, the commits.
    split: [Duration; 5],
}

/// Generates the register on a blocking thread while writers insert the batches already made,
/// and times the whole: generation, inserts and commits. SQLite has one writer at a time;
/// PostgreSQL gets one writer per CPU (at most four), each in its own transaction, since a
/// single backend, busy with the foreign-key checks and index updates, uses one core.
async fn load_requests(db: &Db, generator: Generator, n: usize) -> Result<Loaded> {
    let first_year = generator.start.year();
    let writers = match db.engine() {
        comity_store::Engine::Sqlite => 1,
        comity_store::Engine::Postgres => std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4),
    };
    eprintln!(
        "loading {n} synthetic requests (about {} events) in transactions of {LOAD_BATCH}, {writers} writer(s)…",
        n * generator.events_per_request
    );
    let (send, receive) = tokio::sync::mpsc::channel::<Batch>(writers + 1);
    let receive = Arc::new(tokio::sync::Mutex::new(receive));
    let started = Instant::now();
    let producer = tokio::task::spawn_blocking(move || {
        let mut generator = generator;
        let mut i = 0;
        while i < n {
            let end = (i + LOAD_BATCH).min(n);
            let batch = generator.batch(i..end);
            if send.blocking_send(batch).is_err() {
                break; // a writer failed; it reports why
            }
            i = end;
        }
        generator.counters
    });
    let step = (n / 10).max(1);
    let written = Arc::new(Mutex::new(Written { next_report: step, ..Default::default() }));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..writers {
        let (db, receive, written) = (db.clone(), receive.clone(), written.clone());
        tasks.spawn(async move {
            loop {
                let waited = Instant::now();
                let Some(batch) = receive.lock().await.recv().await else { return Ok::<_, anyhow::Error>(()) };
                let mut split = [waited.elapsed(), Duration::ZERO, Duration::ZERO, Duration::ZERO, Duration::ZERO];
                let mut tx = db.write().await?;
                if db.engine() == comity_store::Engine::Sqlite {
                    // The indexes of a million rows outgrow SQLite's default 2 MB page cache;
                    // the loader's connections take 64 MB (the server keeps its own setting).
                    Sql::new("PRAGMA cache_size = -65536").execute(&mut tx).await?;
                }
                let mut t = Instant::now();
                let mut lap = |i: usize| {
                    split[i] += t.elapsed();
                    t = Instant::now();
                };
                comity_store::bulk::insert_requests(&mut tx, &batch.requests).await.context("inserting requests")?;
                lap(1);
                comity_store::bulk::insert_lines(&mut tx, &batch.lines).await.context("inserting request lines")?;
                lap(2);
                comity_store::bulk::insert_events(&mut tx, &batch.events).await.context("inserting request events")?;
                lap(3);
                tx.commit().await?;
                lap(4);
                let mut w = written.lock().map_err(|_| anyhow!("a writer panicked"))?;
                w.requests += batch.requests.len();
                w.lines += batch.lines.len();
                w.events += batch.events.len();
                for (total, part) in w.split.iter_mut().zip(split) {
                    *total += part;
                }
                if w.requests >= w.next_report || w.requests == n {
                    let secs = started.elapsed().as_secs_f64().max(1e-9);
                    eprintln!(
                        "  {:>3}%  {}/{n} requests, {} events ({:.0} requests/s, {:.0} events/s)",
                        w.requests * 100 / n,
                        w.requests,
                        w.events,
                        w.requests as f64 / secs,
                        w.events as f64 / secs
                    );
                    w.next_report += step;
                }
            }
        });
    }
    let mut failure = None;
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = done.context("a writer failed").and_then(|r| r) {
            // Stop the generator and the other writers: the first error is the one to report.
            receive.lock().await.close();
            failure.get_or_insert(e);
        }
    }
    let counters = producer.await.context("the generator failed")?;
    if let Some(e) = failure {
        return Err(e);
    }
    let time = started.elapsed();
    let (requests, lines, events, split) = {
        let w = written.lock().map_err(|_| anyhow!("a writer panicked"))?;
        (w.requests, w.lines, w.events, w.split)
    };
    if requests != n {
        bail!("only {requests} of {n} requests were loaded");
    }
    // The yearly reference counters continue after the synthetic references, as if the
    // requests had been entered one by one.
    let mut tx = db.write().await?;
    for (year, value) in counters {
        Sql::new(
            "INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(format!("request_reference:{year}"))
        .bind(i64::from(value))
        .execute(&mut tx)
        .await?;
    }
    tx.commit().await?;
    eprintln!(
        "  loaded {requests} requests, {lines} lines and {events} events in {:.2} s: {:.0} requests/s, {:.0} events/s",
        time.as_secs_f64(),
        requests as f64 / time.as_secs_f64().max(1e-9),
        events as f64 / time.as_secs_f64().max(1e-9)
    );
    let split = split.map(|d| d.as_secs_f64());
    let split = format!(
        "{writers} writer(s); writer time: waiting for the generator {:.2} s, requests {:.2} s, lines {:.2} s, \
         events {:.2} s, commits {:.2} s",
        split[0], split[1], split[2], split[3], split[4]
    );
    eprintln!("  {split}");
    Ok(Loaded { requests, lines, events, time, first_year, split })
}

struct Batch {
    requests: Vec<comity_store::requests::Request>,
    lines: Vec<comity_store::requests::Line>,
    events: Vec<comity_store::requests::Event>,
}

/// Words of titles and purposes, most frequent first: drawn with a Zipf law, so searches
/// range from words in most requests to words in a few dozen.
const VOCABULARY: &[&str] = &[
    "evidence",
    "witness",
    "records",
    "documents",
    "bank",
    "accounts",
    "telephone",
    "statements",
    "suspect",
    "interview",
    "financial",
    "assets",
    "militia",
    "commander",
    "attack",
    "village",
    "forensic",
    "site",
    "transfer",
    "detention",
    "hospital",
    "testimony",
    "recordings",
    "intercepts",
    "radio",
    "broadcast",
    "displacement",
    "civilians",
    "convoy",
    "checkpoint",
    "weapons",
    "ammunition",
    "property",
    "vehicles",
    "company",
    "registry",
    "customs",
    "border",
    "immigration",
    "passport",
    "travel",
    "flight",
    "manifest",
    "hotel",
    "residence",
    "address",
    "identity",
    "photographs",
    "video",
    "footage",
    "satellite",
    "imagery",
    "medical",
    "autopsy",
    "exhumation",
    "graves",
    "remains",
    "samples",
    "laboratory",
    "analysis",
    "expert",
    "report",
    "archive",
    "ministry",
    "police",
    "military",
    "intelligence",
    "court",
    "judgment",
    "proceedings",
    "extradition",
    "warrant",
    "arrest",
    "surrender",
    "freezing",
    "seizure",
    "forfeiture",
    "reparations",
    "victims",
    "children",
    "recruitment",
    "soldiers",
    "sexual",
    "violence",
    "persecution",
    "pillage",
    "destruction",
    "school",
    "church",
    "mosque",
    "market",
    "camp",
    "refugees",
    "humanitarian",
    "convoys",
    "shelling",
    "airstrike",
    "massacre",
    "torture",
    "prison",
    "guards",
    "orders",
    "chain",
    "command",
    "communications",
    "emails",
    "messages",
    "subscriber",
    "data",
    "devices",
    "seized",
    "computer",
    "servers",
    "cloud",
    "provider",
    "transactions",
    "transfers",
    "wire",
    "cash",
    "gold",
    "diamonds",
    "timber",
    "minerals",
    "mining",
    "concession",
    "contracts",
    "procurement",
    "payments",
    "salaries",
    "pension",
    "land",
    "titles",
    "cadastre",
    "census",
    "electoral",
    "rolls",
    "newspaper",
    "journalist",
    "interviewee",
    "protection",
    "relocation",
    "safe",
    "house",
    "notification",
    "decision",
    "summons",
    "appearance",
    "hearing",
    "videolink",
    "translation",
    "interpretation",
    "mission",
    "visit",
    "clearance",
    "accreditation",
    "escort",
    "security",
    "logistics",
    "vessel",
    "port",
    "harbour",
    "airport",
    "warehouse",
    "fuel",
    "trucks",
    "helicopter",
    "uniforms",
    "insignia",
    "roster",
    "payroll",
    "recruits",
    "training",
    "barracks",
    "headquarters",
    "sanctions",
    "embargo",
    "diplomatic",
    "pouch",
    "consular",
    "asylum",
    "deportation",
    "transit",
    "overflight",
];

/// The shape of a request, by line type: its title's opening words.
const LINE_TYPES_OUTGOING: &[(&str, &str, u32)] = &[
    ("a93_1_b_take_evidence", "Taking of evidence on", 20),
    ("a93_1_i_records_documents", "Production of records on", 18),
    ("a93_1_a_identify_locate", "Identification and whereabouts of", 10),
    ("a93_1_c_question_suspect", "Questioning concerning", 5),
    ("a93_1_d_service_of_documents", "Service of documents concerning", 6),
    ("a93_1_e_voluntary_appearance", "Voluntary appearance regarding", 2),
    ("a93_1_f_temporary_transfer", "Temporary transfer regarding", 1),
    ("a93_1_g_examine_sites", "Examination of sites of", 4),
    ("a93_1_h_search_seizure", "Search and seizure of", 4),
    ("a93_1_j_protect_victims_witnesses", "Protection measures for", 5),
    ("a93_1_k_assets_trace_freeze_seize", "Tracing and freezing of", 6),
    ("a93_1_l_other_assistance", "Assistance regarding", 4),
    ("arrest_surrender", "Arrest and surrender concerning", 2),
    ("provisional_arrest", "Provisional arrest concerning", 1),
    ("transit", "Transit of", 1),
    ("notification_judicial_documents", "Notification of judicial documents on", 7),
    ("mission_support", "Support to a mission on", 6),
    ("information_from_organisation", "Information held on", 2),
    ("article_98_waiver", "Waiver concerning", 1),
    ("enforcement", "Enforcement concerning", 1),
    ("fines_forfeiture", "Fines and forfeiture concerning", 1),
    ("agreement_related", "Agreement matters on", 2),
];

const SITUATIONS: &[&str] = &[
    "Situation in the Republic of Aldoria",
    "Situation in Borvania",
    "Situation in the Central Lakes Region",
    "Situation in Dastra",
    "Situation in the Eastern Provinces of Elmland",
    "Situation in Fenwick",
    "Situation in Goravia",
    "Situation in the Republic of Halden",
    "Situation in Istrana",
    "Situation in Jorvik",
];

const SURNAMES: &[&str] = &[
    "Adebayo",
    "Bakari",
    "Castellanos",
    "Dragomir",
    "Eshetu",
    "Farida",
    "Gashi",
    "Haruna",
    "Ilunga",
    "Jovanovic",
    "Kamara",
    "Lutaaya",
    "Mbeki",
    "Nduwimana",
    "Okello",
    "Petrov",
    "Quispe",
    "Rahimi",
    "Sesay",
    "Tembo",
];

/// Place names made of syllables: a few hundred rare words for selective searches.
fn place_names() -> Vec<String> {
    const A: &[&str] = &["ka", "mo", "be", "lu", "sa", "ti", "ra", "no", "gu", "vi", "do", "ze"];
    const B: &[&str] = &["lon", "ben", "ruk", "mar", "sel", "tov", "gan", "dir", "pel", "wen", "zor", "hal"];
    const C: &[&str] = &["a", "i", "o", "ville", "burg", "ia", "ene"];
    let mut out = Vec::new();
    for a in A {
        for b in B {
            for c in C.iter().take(3) {
                out.push(format!("{}{}{b}{c}", a[..1].to_uppercase(), &a[1..]));
            }
        }
    }
    out
}

/// The synthetic register: deterministic for a given seed and day.
struct Generator {
    rng: Rng,
    today: NaiveDate,
    start: NaiveDate,
    n: usize,
    events_per_request: usize,
    /// States and their cumulative weights (a few States receive most requests).
    states: Vec<String>,
    state_weights: Vec<f64>,
    vocabulary: Arc<Vec<&'static str>>,
    word_weights: Vec<f64>,
    places: Arc<Vec<String>>,
    line_weights: Vec<f64>,
    units: Units,
    officer: String,
    /// The last request of each State in the batch, parent of its follow-ups.
    last_for_partner: BTreeMap<String, String>,
    /// The last reference number used in each year.
    counters: BTreeMap<i32, u32>,
    ids: u64,
}

/// An index drawn with the weights whose running sums are `cumulative`.
fn weighted(rng: &mut Rng, cumulative: &[f64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(1.0);
    let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
    cumulative.partition_point(|c| *c <= x).min(cumulative.len().saturating_sub(1))
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

impl Generator {
    fn new(states: Vec<String>, units: Units, officer: String, today: NaiveDate, args: &BenchArgs) -> Self {
        let mut rng = Rng::new(0x0c0f_fee5_eed5);
        // Shuffle the States so the busiest are not alphabetical.
        let mut states = states;
        for i in (1..states.len()).rev() {
            states.swap(i, rng.below(i + 1));
        }
        let state_weights = cumulative((0..states.len()).map(|r| 1.0 / (r as f64 + 1.0).powf(0.9)));
        let word_weights = cumulative((0..VOCABULARY.len()).map(|r| 1.0 / (r as f64 + 1.0)));
        let line_weights = cumulative(LINE_TYPES_OUTGOING.iter().map(|l| f64::from(l.2)));
        Self {
            rng,
            today,
            start: today.checked_sub_months(chrono::Months::new(96)).unwrap_or(today),
            n: args.requests,
            events_per_request: args.events_per_request.max(1),
            states,
            state_weights,
            vocabulary: Arc::new(VOCABULARY.to_vec()),
            word_weights,
            places: Arc::new(place_names()),
            line_weights,
            units,
            officer,
            last_for_partner: BTreeMap::new(),
            counters: BTreeMap::new(),
            ids: 0,
        }
    }

    /// A UUIDv7-shaped id: the request's creation instant, then a counter, so ids grow in the
    /// order of insertion (as real ones, minted as records are written, do).
    fn id(&mut self, at: DateTime<Utc>) -> String {
        self.ids += 1;
        let ms = at.timestamp_millis().max(0) as u64;
        format!(
            "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
            ms >> 16,
            ms & 0xffff,
            (self.ids >> 60) & 0xfff,
            0x8000 | ((self.ids >> 48) & 0x3fff),
            self.ids & 0xffff_ffff_ffff
        )
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.rng.below(100) < percent
    }

    fn days(&mut self, from: u64, to: u64) -> u64 {
        from + self.rng.below((to - from + 1) as usize) as u64
    }

    fn words(&mut self, n: usize) -> String {
        let mut out = String::with_capacity(n * 10);
        for k in 0..n {
            if k > 0 {
                out.push(' ');
            }
            out.push_str(self.vocabulary[weighted(&mut self.rng, &self.word_weights)]);
        }
        out
    }

    fn batch(&mut self, range: std::ops::Range<usize>) -> Batch {
        let mut b = Batch {
            requests: Vec::with_capacity(range.len()),
            lines: Vec::with_capacity(range.len() * 2),
            events: Vec::with_capacity(range.len() * self.events_per_request),
        };
        // Follow-ups name a parent in the same batch: batches are written by concurrent
        // transactions on PostgreSQL, where another batch's rows may not be committed yet.
        self.last_for_partner.clear();
        for i in range {
            self.request(i, &mut b);
        }
        b
    }

    /// Request `i` of `n`, created at its place in the eight years, taken through its
    /// lifecycle up to today.
    fn request(&mut self, i: usize, out: &mut Batch) {
        use comity_domain::request::{Move, Status};
        use comity_store::requests::{Event, Line, Request};

        let span = (self.today - self.start).num_seconds().max(1);
        let created_at = self.start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
            + chrono::Duration::seconds(span * i as i64 / self.n.max(1) as i64);
        let created_on = created_at.date_naive();
        let incoming = self.chance(12);
        let direction = if incoming { Direction::Incoming } else { Direction::Outgoing };
        let partner = self.states[weighted(&mut self.rng, &self.state_weights)].clone();

        // Who asks, and which unit keeps and transmits it.
        let u = self.units.clone();
        let (on_behalf_of, owner, acting_for, chamber) = if incoming {
            if self.chance(30) {
                ("prosecution", u.otp.clone(), None, None)
            } else {
                ("registry", u.registry.clone(), None, None)
            }
        } else {
            match self.rng.below(100) {
                0..55 => ("prosecution", u.otp.clone(), None, None),
                55..75 => ("chamber", u.chambers.clone(), None, Some(u.chambers.clone())),
                75..85 => {
                    let team = u.defence[self.rng.below(u.defence.len())].clone();
                    ("defence", u.registry.clone(), Some(team), None)
                }
                85..92 => ("victims", u.victims.clone(), None, None),
                _ => ("registry", u.registry.clone(), None, None),
            }
        };
        let organ = if on_behalf_of == "prosecution" { "otp" } else { "registry" };
        let transmitting = if organ == "otp" { u.otp.clone() } else { u.registry.clone() };
        let classification = match (organ, self.rng.below(100)) {
            (_, 0..3) => "sealed",
            (_, 3..8) => "ex_parte",
            (_, 8..20) => "public",
            ("otp", _) => "confidential",
            (_, 20..60) => "internal",
            _ => "confidential",
        };
        let kind = match (incoming, self.rng.below(100)) {
            (false, 0..12) if self.last_for_partner.contains_key(&partner) => "follow_up",
            (false, 12..18) if self.last_for_partner.contains_key(&partner) => "supplementary",
            _ => "primary",
        };
        let parent_id = (kind != "primary").then(|| self.last_for_partner.get(&partner).cloned()).flatten();

        // Lines: 1 to 3, of types weighted by how often the Court asks for them.
        let n_lines = match self.rng.below(10) {
            0..6 => 1,
            6..9 => 2,
            _ => 3,
        };
        let mut types: Vec<usize> = Vec::new();
        if !incoming {
            while types.len() < n_lines {
                let t = weighted(&mut self.rng, &self.line_weights);
                if !types.contains(&t) {
                    types.push(t);
                }
            }
        }
        let place = self.places[self.rng.below(self.places.len())].clone();
        let title = if incoming {
            format!("Assistance to {partner} on {} in {place}", self.words(2))
        } else {
            format!("{} {} in {place}", LINE_TYPES_OUTGOING[types[0]].1, self.words(3))
        };
        let purpose_len = 10 + self.rng.below(16);
        let mut purpose = self.words(purpose_len);
        if let Some(first) = purpose.get(..1) {
            purpose = format!("{}{}.", first.to_uppercase(), &purpose[1..]);
        }
        let deadline = (!incoming && self.chance(85)).then(|| created_on + Days::new(self.days(60, 240)));
        let urgency = if self.chance(8) { "urgent" } else { "normal" };
        let situation = SITUATIONS[self.rng.below(SITUATIONS.len())];
        let case_name = if self.chance(40) {
            format!("The Prosecutor v. {}", SURNAMES[self.rng.below(SURNAMES.len())])
        } else {
            String::new()
        };

        // The lifecycle, step by step, stopped at today.
        let plan = self.plan(incoming);
        let mut status = if incoming { Status::Received } else { Status::Draft };
        let mut resume: Option<Status> = None;
        let mut on = created_on;
        let (mut transmitted_on, mut first_response_on, mut executed_on, mut closed_on) =
            (incoming.then_some(created_on), None, None, None);
        let mut national_reference = None;
        let mut decision_reference = String::new();
        let mut steps: Vec<(String, Option<Status>, Status, NaiveDate, String, String)> = vec![(
            if incoming { "receive" } else { "create" }.into(),
            None,
            status,
            created_on,
            String::new(),
            "{}".into(),
        )];
        for (m, gap) in plan {
            let date = on + Days::new(gap);
            if date > self.today {
                break;
            }
            let Some(to) = comity_domain::request::target(direction, status, m, resume) else { continue };
            let mut detail = String::from("{}");
            let mut reason = String::new();
            match m {
                Move::Approve => {
                    decision_reference = format!(
                        "ICC-{:02}/{:02}-{}",
                        1 + self.rng.below(25),
                        1 + self.rng.below(30),
                        100 + self.rng.below(900)
                    );
                    detail = format!(r#"{{"decision_reference":"{decision_reference}"}}"#);
                }
                Move::Transmit => {
                    transmitted_on = Some(date);
                    detail = r#"{"channel":"diplomatic","language":null}"#.into();
                }
                // Half the acknowledgements give the State's own reference.
                Move::Acknowledge if self.chance(50) => {
                    let r = format!("NAT/{}/{}", date.year(), 1000 + self.rng.below(9000));
                    detail = format!(r#"{{"national_reference":"{r}"}}"#);
                    national_reference = Some(r);
                }
                Move::OpenConsultation => {
                    let t = ["art_93_3", "art_93_5", "art_94", "art_95", "art_96_3", "art_97", "art_98", "art_90"]
                        [self.rng.below(8)];
                    detail = format!(r#"{{"consultation_type":"{t}"}}"#);
                }
                Move::ConcludeConsultation => {
                    let o = ["request_modified", "conditions_accepted", "resolved", "unresolved"][self.rng.below(4)];
                    detail = format!(r#"{{"consultation_outcome":"{o}"}}"#);
                }
                Move::Postpone => {
                    reason = "Ongoing national proceedings".into();
                    detail =
                        format!(r#"{{"postponement_ground":"art_94","postponed_until":"{}"}}"#, date + Days::new(180));
                }
                Move::Refuse => {
                    reason = "The requested State declined to execute the request".into();
                    detail = r#"{"refusal_ground":"other"}"#.into();
                }
                Move::Withdraw => reason = "No longer needed".into(),
                _ => {}
            }
            let responds = m.is_partner_response() || matches!(m, Move::Grant | Move::GrantInPart);
            if responds && first_response_on.is_none() && transmitted_on.is_some() {
                first_response_on = Some(date);
            }
            if to == Status::Executed {
                executed_on = Some(date);
            }
            if !to.is_open() {
                closed_on = Some(date);
            }
            resume = match to {
                Status::Consultation | Status::Postponed => {
                    comity_domain::request::interrupted_state(status, to).or(resume)
                }
                _ => None,
            };
            steps.push((m.code().into(), Some(status), to, date, reason, detail));
            status = to;
            on = date;
        }

        // The request row; its history is padded below with edits and documents.
        let id = self.id(created_at);
        let year = created_on.year();
        let number = {
            let c = self.counters.entry(year).or_default();
            *c += 1;
            *c
        };
        let n_events = steps.len().max(self.events_per_request);
        let mut events: Vec<Event> = Vec::with_capacity(n_events);
        let pads = n_events - steps.len();
        // Which step each padding event follows.
        let mut after: Vec<usize> = (0..pads).map(|_| self.rng.below(steps.len())).collect();
        after.sort_unstable();
        let mut pad = after.into_iter().peekable();
        let mut version = 1i64;
        for (k, (action, from, to, date, reason, detail)) in steps.iter().enumerate() {
            let recorded = date.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc()
                + chrono::Duration::minutes(self.rng.below(600) as i64);
            events.push(Event {
                id: self.id(created_at),
                request_id: id.clone(),
                seq: events.len() as i64 + 1,
                action: action.clone(),
                from_status: from.map(|s| s.code().to_owned()),
                to_status: to.code().into(),
                effective_on: *date,
                recorded_at: recorded,
                actor: self.officer.clone(),
                reason: reason.clone(),
                detail: detail.clone(),
            });
            if k > 0 {
                version += 1;
            }
            let next = steps.get(k + 1).map_or(self.today, |s| s.3);
            let mut last = *date;
            while pad.next_if(|p| *p == k).is_some() {
                let gap = (next - last).num_days().max(0) as u64;
                let on = last + Days::new(self.days(0, gap.min(30)));
                last = on;
                let recorded = on.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc()
                    + chrono::Duration::minutes(self.rng.below(600) as i64);
                let (action, detail) = if self.chance(60) {
                    version += 1;
                    ("edit", r#"{"fields":["purpose","facts"]}"#.to_owned())
                } else {
                    ("document_added", format!(r#"{{"filename":"annex-{}.pdf","kind":"annex"}}"#, events.len()))
                };
                events.push(Event {
                    id: self.id(created_at),
                    request_id: id.clone(),
                    seq: events.len() as i64 + 1,
                    action: action.into(),
                    from_status: Some(to.code().into()),
                    to_status: to.code().into(),
                    effective_on: on,
                    recorded_at: recorded,
                    actor: self.officer.clone(),
                    reason: String::new(),
                    detail,
                });
            }
        }
        let updated_at = events.iter().map(|e| e.recorded_at).max().unwrap_or(created_at);

        // Lines, their outcomes following the request's (an answered request, its decision's).
        let line_types: Vec<&str> = if incoming {
            vec!["assistance_to_state"; n_lines.min(2)]
        } else {
            types.iter().map(|t| LINE_TYPES_OUTGOING[*t].0).collect()
        };
        let decided = match (status, steps.last()) {
            (Status::Answered, Some((_, Some(before), ..))) => *before,
            _ => status,
        };
        let several = line_types.len() > 1;
        let line_outcome = |position: usize| -> &'static str {
            match decided {
                Status::Executed | Status::Granted => "executed",
                Status::PartiallyExecuted | Status::PartlyGranted if position == 0 && several => "executed",
                Status::PartiallyExecuted | Status::PartlyGranted => "partially_executed",
                Status::InExecution => "in_execution",
                Status::Refused => "not_executed",
                Status::Withdrawn => "withdrawn",
                _ => "pending",
            }
        };
        let mut provisional_arrest_on = None;
        for (p, t) in line_types.iter().enumerate() {
            let outcome = line_outcome(p);
            let outcome_on = (outcome != "pending").then_some(on);
            if *t == "provisional_arrest" && matches!(outcome, "executed" | "partially_executed") {
                provisional_arrest_on = Some(on);
            }
            let line_id = self.id(created_at);
            let content = format!(r#"{{"description":"{}"}}"#, self.words(6));
            out.lines.push(Line {
                id: line_id,
                request_id: id.clone(),
                position: p as i64 + 1,
                line_type: (*t).into(),
                content,
                cost_allocation: "requested_state".into(),
                outcome: outcome.into(),
                outcome_on,
                outcome_note: String::new(),
            });
        }
        let responsible = self.chance(3).then(|| self.officer.clone());
        let sent = transmitted_on.is_some() && !incoming;
        let facts = self.words(20);
        out.requests.push(Request {
            id: id.clone(),
            reference: format!("RFC-{year}-{number:05}"),
            direction: direction.code().into(),
            organ: organ.into(),
            on_behalf_of: on_behalf_of.into(),
            kind: if parent_id.is_some() { kind } else { "primary" }.into(),
            parent_id,
            partner_id: partner.clone(),
            title,
            purpose,
            facts,
            legal_basis: "Articles 86, 87 and 93 of the Rome Statute".into(),
            situation: situation.into(),
            case_name,
            persons: "[]".into(),
            urgency: urgency.into(),
            deadline,
            cost_allocation: "requested_state".into(),
            classification: if incoming && classification == "sealed" { "confidential" } else { classification }.into(),
            status: status.code().into(),
            resume_status: resume.map(|s| s.code().to_owned()),
            owner_unit_id: owner,
            acting_for_unit_id: acting_for,
            chamber_unit_id: chamber,
            transmitting_unit_id: transmitting,
            responsible_user_id: responsible,
            decision_reference,
            profile_id: None,
            channel: sent.then(|| "diplomatic".to_owned()),
            receiving_authority: None,
            language: None,
            national_reference,
            transmitted_on,
            first_response_on,
            executed_on,
            closed_on,
            provisional_arrest_on,
            imported_at: None,
            imported_by: None,
            created_by: if classification == "sealed" && self.chance(50) {
                "someone-else".into()
            } else {
                self.officer.clone()
            },
            version,
            created_at,
            updated_at,
        });
        out.events.extend(events);
        if !incoming {
            self.last_for_partner.insert(partner, id);
        }
    }

    /// The moves a request will make if time allows, each with the days since the previous.
    fn plan(&mut self, incoming: bool) -> Vec<(comity_domain::request::Move, u64)> {
        use comity_domain::request::Move as M;
        let mut p = Vec::new();
        if incoming {
            if self.chance(80) {
                p.push((M::StartReview, self.days(2, 30)));
            }
            if self.chance(8) {
                p.push((M::OpenConsultation, self.days(5, 40)));
                p.push((M::ConcludeConsultation, self.days(10, 90)));
            }
            let decided = match self.rng.below(100) {
                0..55 => Some(M::Grant),
                55..75 => Some(M::GrantInPart),
                75..85 => Some(M::Refuse),
                85..88 => {
                    p.push((M::Withdraw, self.days(10, 120)));
                    None
                }
                _ => None,
            };
            if let Some(m) = decided {
                p.push((m, self.days(10, 150)));
                if self.chance(85) {
                    p.push((M::Answer, self.days(3, 45)));
                }
            }
            return p;
        }
        if self.chance(25) {
            p.push((M::StartPreConsultation, self.days(1, 10)));
        }
        if self.chance(3) {
            p.push((M::Withdraw, self.days(5, 90)));
            return p;
        }
        p.push((M::Approve, self.days(2, 30)));
        p.push((M::Transmit, self.days(1, 14)));
        if self.chance(75) {
            p.push((M::Acknowledge, self.days(5, 60)));
        }
        if self.chance(8) {
            p.push((M::OpenConsultation, self.days(10, 60)));
            p.push((M::ConcludeConsultation, self.days(15, 120)));
        }
        if self.chance(4) {
            p.push((M::Postpone, self.days(10, 60)));
            p.push((M::Resume, self.days(30, 240)));
        }
        match self.rng.below(100) {
            0..55 => {
                p.push((M::StartExecution, self.days(10, 90)));
                if self.chance(25) {
                    p.push((M::RecordPartialExecution, self.days(20, 150)));
                }
                if self.chance(90) {
                    p.push((M::RecordExecution, self.days(20, 300)));
                }
            }
            55..65 => p.push((M::Refuse, self.days(20, 200))),
            65..70 => p.push((M::Withdraw, self.days(30, 300))),
            _ => {}
        }
        p
    }
}

// ---------------------------------------------------------------------------------------
// The requests workload: the load

/// What the clients draw their queries from.
struct QueryPlan {
    states: Vec<String>,
    vocabulary: Arc<Vec<&'static str>>,
    places: Arc<Vec<String>>,
    first_year: i32,
    today: NaiveDate,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    List,
    Search,
}

/// The queries of the mix: filtered lists (two draws in three) and searches (one in three).
const SHAPES: [(&str, Class); 9] = [
    ("status=S (one status)", Class::List),
    ("partner=ISO3", Class::List),
    ("line_type=T", Class::List),
    ("direction=D&from&to (a year)&sort=transmitted", Class::List),
    ("overdue=true&sort=deadline", Class::List),
    ("status=open ones&sort=deadline&order=asc", Class::List),
    ("page=21..60 (offset 1,000 to 3,000)", Class::List),
    ("q=one word", Class::Search),
    ("q=two words", Class::Search),
];

const LIST_STATUSES: &[&str] =
    &["transmitted", "acknowledged", "in_execution", "executed", "draft", "consultation", "received", "refused"];
const LIST_LINE_TYPES: &[&str] = &[
    "a93_1_b_take_evidence",
    "a93_1_i_records_documents",
    "a93_1_a_identify_locate",
    "notification_judicial_documents",
    "mission_support",
    "a93_1_k_assets_trace_freeze_seize",
    "arrest_surrender",
    "transit",
    "assistance_to_state",
];

impl QueryPlan {
    /// A search word: any of the vocabulary (so from most requests to few) or, one time in
    /// four, a place name (a few dozen requests).
    fn word(&self, rng: &mut Rng) -> String {
        if rng.below(4) == 0 {
            self.places[rng.below(self.places.len())].clone()
        } else {
            self.vocabulary[rng.below(self.vocabulary.len())].to_owned()
        }
    }

    /// The path and query of one draw of `shape`.
    fn url(&self, shape: usize, rng: &mut Rng) -> String {
        let years = (self.today.year() - self.first_year + 1).max(1) as usize;
        match shape {
            0 => format!("/api/v1/requests?status={}", LIST_STATUSES[rng.below(LIST_STATUSES.len())]),
            1 => format!("/api/v1/requests?partner={}", self.states[rng.below(self.states.len().min(60))]),
            2 => format!("/api/v1/requests?line_type={}", LIST_LINE_TYPES[rng.below(LIST_LINE_TYPES.len())]),
            3 => {
                let y = self.first_year + rng.below(years) as i32;
                let d = if rng.below(4) == 0 { "incoming" } else { "outgoing" };
                format!("/api/v1/requests?direction={d}&from={y}-01-01&to={y}-12-31&sort=transmitted&order=desc")
            }
            4 => "/api/v1/requests?overdue=true&sort=deadline".into(),
            5 => "/api/v1/requests?status=transmitted,acknowledged,in_execution,partially_executed,consultation,postponed\
                  &sort=deadline&order=asc"
                .into(),
            6 => format!("/api/v1/requests?page={}", 21 + rng.below(40)),
            7 => format!("/api/v1/requests?q={}", self.word(rng)),
            _ => {
                let (a, b) = (self.vocabulary[rng.below(self.vocabulary.len())], self.word(rng));
                format!("/api/v1/requests?q={a}+{b}")
            }
        }
    }
}

#[derive(Default)]
struct MixResult {
    clients: usize,
    measured: Duration,
    /// Latencies in microseconds, sorted, per shape.
    latencies: Vec<Vec<u32>>,
    errors: Vec<u64>,
    error_kinds: BTreeMap<String, u64>,
    server_cpu: Option<f64>,
    bench_cpu: Option<f64>,
    machine_cpu: Option<f64>,
}

impl MixResult {
    fn class(&self, class: Class) -> (Vec<u32>, u64) {
        let mut all = Vec::new();
        let mut errors = 0;
        for (i, (_, c)) in SHAPES.iter().enumerate() {
            if *c == class {
                all.extend_from_slice(&self.latencies[i]);
                errors += self.errors[i];
            }
        }
        all.sort_unstable();
        (all, errors)
    }

    fn rate(&self, n: usize) -> f64 {
        n as f64 / self.measured.as_secs_f64().max(1e-9)
    }
}

/// One request of each shape, sequentially on the quiet server: its latency alone and how
/// many requests it matches (the selectivity).
async fn probe_shapes(base: &str, token: &str, plan: &QueryPlan) -> Result<Vec<(usize, String, i64, f64)>> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let auth = format!("Bearer {token}");
    let me = client.get(format!("{base}/api/v1/me")).header("authorization", &auth).send().await?;
    if !me.status().is_success() {
        bail!("the benchmark token is refused: {} {}", me.status(), me.text().await.unwrap_or_default());
    }
    eprintln!("probes (one client, quiet server):");
    let mut rng = Rng::new(0x0bad_cafe);
    let mut out = Vec::new();
    for shape in 0..SHAPES.len() {
        for _ in 0..3 {
            let url = plan.url(shape, &mut rng);
            let started = Instant::now();
            let r = client.get(format!("{base}{url}")).header("authorization", &auth).send().await?;
            let status = r.status();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            if !status.is_success() {
                bail!("{url}: HTTP {status}: {body}");
            }
            let total = body.get("total").and_then(serde_json::Value::as_i64).unwrap_or(-1);
            eprintln!("  {ms:>8.1} ms  {total:>6} rows  {url}");
            out.push((shape, url, total, ms));
        }
    }
    Ok(out)
}

async fn run_requests_load(
    base: &str,
    token: &str,
    plan: Arc<QueryPlan>,
    args: &BenchArgs,
    server_pid: u32,
) -> Result<MixResult> {
    let clients = args.clients_for(Workload::Requests);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let auth = format!("Bearer {token}");
    eprintln!(
        "load: {clients} clients, {} s warm-up + {} s measured, lists and searches…",
        args.warmup_seconds, args.seconds
    );
    let warm_end = Instant::now() + Duration::from_secs(args.warmup_seconds);
    let end = warm_end + Duration::from_secs(args.seconds);
    let mut tasks = Vec::with_capacity(clients);
    for c in 0..clients {
        let (client, auth, base, plan) = (client.clone(), auth.clone(), base.to_owned(), plan.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(0x7e57 ^ (c as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let mut latencies = vec![Vec::new(); SHAPES.len()];
            let mut errors = vec![0u64; SHAPES.len()];
            let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
            loop {
                let started = Instant::now();
                if started >= end {
                    break;
                }
                // Two draws in three are lists, one is a search.
                let shape = if rng.below(3) < 2 { rng.below(7) } else { 7 + rng.below(2) };
                let url = format!("{base}{}", plan.url(shape, &mut rng));
                let outcome = fetch(&client, &url, &auth).await;
                let elapsed = started.elapsed();
                if started < warm_end {
                    continue;
                }
                latencies[shape].push(elapsed.as_micros().min(u32::MAX as u128) as u32);
                if let Err(kind) = outcome {
                    errors[shape] += 1;
                    *kinds.entry(kind).or_default() += 1;
                }
            }
            (latencies, errors, kinds)
        }));
    }
    tokio::time::sleep_until(warm_end.into()).await;
    let cpu_start = (proc_cpu_secs(&server_pid.to_string()), proc_cpu_secs("self"), machine_busy_secs());
    let measure_started = Instant::now();
    tokio::time::sleep_until(end.into()).await;
    let cpu_end = (proc_cpu_secs(&server_pid.to_string()), proc_cpu_secs("self"), machine_busy_secs());
    let measured = measure_started.elapsed();

    let mut result = MixResult {
        clients,
        measured,
        latencies: vec![Vec::new(); SHAPES.len()],
        errors: vec![0; SHAPES.len()],
        ..Default::default()
    };
    for t in tasks {
        let (latencies, errors, kinds) = t.await.context("a client task failed")?;
        for i in 0..SHAPES.len() {
            result.latencies[i].extend_from_slice(&latencies[i]);
            result.errors[i] += errors[i];
        }
        for (k, n) in kinds {
            *result.error_kinds.entry(k).or_default() += n;
        }
    }
    for l in &mut result.latencies {
        l.sort_unstable();
    }
    result.server_cpu = cpu_start.0.zip(cpu_end.0).map(|(a, b)| b - a);
    result.bench_cpu = cpu_start.1.zip(cpu_end.1).map(|(a, b)| b - a);
    result.machine_cpu = cpu_start.2.zip(cpu_end.2).map(|(a, b)| b - a);
    result.measured = result.measured.max(Duration::from_secs(args.seconds));
    Ok(result)
}

/// Sequential calls of the statistics of one period, through the API when it has the
/// endpoint, in-process against the same database otherwise. True means in-process.
async fn time_statistics(
    base: &str,
    token: &str,
    url: &str,
    actor: &Actor,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<(Vec<Duration>, bool)> {
    const CALLS: usize = 10;
    eprintln!("statistics {from} to {to}, {CALLS} sequential calls…");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build()?;
    let auth = format!("Bearer {token}");
    let endpoint = format!("{base}/api/v1/statistics/requests?from={from}&to={to}");
    let mut times = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        let r = client.get(&endpoint).header("authorization", &auth).send().await?;
        let status = r.status();
        let body = r.bytes().await?;
        let elapsed = started.elapsed();
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::METHOD_NOT_ALLOWED {
            break;
        }
        if !status.is_success() {
            bail!("GET /api/v1/statistics/requests: HTTP {status}: {}", String::from_utf8_lossy(&body));
        }
        times.push(elapsed);
    }
    if times.len() == CALLS {
        eprintln!("  median {:.0} ms", median_ms(&times));
        return Ok((times, false));
    }
    eprintln!("  the server has no /api/v1/statistics/requests yet: calling Comity::request_statistics in-process");
    let app = Comity::new(Db::connect(url).await?, Arc::new(SystemClock), Settings::default());
    let (from, to) = (from.to_string(), to.to_string());
    times.clear();
    for _ in 0..CALLS {
        let started = Instant::now();
        app.request_statistics(actor, &from, &to).await.map_err(app_error)?;
        times.push(started.elapsed());
    }
    app.db.close().await;
    Ok((times, true))
}

fn median_ms(times: &[Duration]) -> f64 {
    let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    match ms.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => ms[n / 2],
        n => (ms[n / 2 - 1] + ms[n / 2]) / 2.0,
    }
}

fn max_ms(times: &[Duration]) -> f64 {
    times.iter().map(|d| d.as_secs_f64() * 1000.0).fold(f64::NAN, f64::max)
}

// ---------------------------------------------------------------------------------------
// The requests workload: the report

fn print_requests_report(machine: &Machine, args: &BenchArgs, results: &[RequestsResult]) {
    let verdict = |ok: bool| if ok { "PASS" } else { "MISS" };
    println!();
    println!(
        "comity bench --workload requests — {}",
        comity_app::Clock::now(&SystemClock).format("%Y-%m-%d %H:%M UTC")
    );
    println!("machine: {machine}");
    if let Some(r) = results.first() {
        println!(
            "dataset: {} requests, {} lines, {} events over eight years; {} clients, {} s measured after {} s warm-up;",
            r.requests, r.lines, r.events, r.load.clients, args.seconds, args.warmup_seconds
        );
    }
    println!(
        "         two draws in three a filtered list, one a full-text search, as a Registry officer (bearer token)"
    );
    println!();
    println!(
        "{:<9} {:>8} {:>10} {:>9} | {:>7} {:>6} {:>6} {:>6} {:>6} {:>4} | {:>7} {:>6} {:>6} {:>6} {:>6} {:>4} | {:>13}",
        "engine",
        "load s",
        "requests/s",
        "events/s",
        "list n",
        "/s",
        "p50",
        "p95",
        "p99",
        "err",
        "search n",
        "/s",
        "p50",
        "p95",
        "p99",
        "err",
        "stats med/max"
    );
    for r in results {
        let (list, list_errors) = r.load.class(Class::List);
        let (search, search_errors) = r.load.class(Class::Search);
        println!(
            "{:<9} {:>8.2} {:>10.0} {:>9.0} | {:>7} {:>6.0} {:>6.1} {:>6.1} {:>6.1} {:>4} | {:>7} {:>6.0} {:>6.1} {:>6.1} {:>6.1} {:>4} | {:>13}",
            r.engine,
            r.load_time.as_secs_f64(),
            r.load_rate(r.requests),
            r.load_rate(r.events),
            list.len(),
            r.load.rate(list.len()),
            quantile_ms(&list, 0.50),
            quantile_ms(&list, 0.95),
            quantile_ms(&list, 0.99),
            list_errors,
            search.len(),
            r.load.rate(search.len()),
            quantile_ms(&search, 0.50),
            quantile_ms(&search, 0.95),
            quantile_ms(&search, 0.99),
            search_errors,
            format!("{:.0}/{:.0} ms", median_ms(&r.statistics), max_ms(&r.statistics)),
        );
    }
    println!();
    println!("per query (latencies in ms under load; 'rows' is what one probe on the quiet server matched):");
    println!(
        "{:<9} {:<50} {:>7} {:>7} {:>7} {:>7} {:>7} {:>5} {:>22}",
        "engine", "query", "n", "p50", "p95", "p99", "max", "err", "rows (probes)"
    );
    for r in results {
        for (i, (name, _)) in SHAPES.iter().enumerate() {
            let l = &r.load.latencies[i];
            let rows: Vec<String> = r.probes.iter().filter(|p| p.0 == i).map(|p| p.2.to_string()).collect::<Vec<_>>();
            println!(
                "{:<9} {:<50} {:>7} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>5} {:>22}",
                r.engine,
                name,
                l.len(),
                quantile_ms(l, 0.50),
                quantile_ms(l, 0.95),
                quantile_ms(l, 0.99),
                quantile_ms(l, 1.0),
                r.load.errors[i],
                rows.join(" / ")
            );
        }
    }
    println!();
    println!("details:");
    for r in results {
        let secs = r.load.measured.as_secs_f64().max(1e-9);
        let cpu = |c: Option<f64>| c.map_or("n/a".into(), |c| format!("{:.0}%", c / secs * 100.0));
        println!(
            "  {}: loaded {} requests, {} lines, {} events in {:.2} s{}; database {}; restart {} ms; idle RSS {}, peak {}",
            r.engine,
            r.requests,
            r.lines,
            r.events,
            r.load_time.as_secs_f64(),
            r.analyze_time.map_or(String::new(), |a| format!(" (then ANALYZE, {:.2} s)", a.as_secs_f64())),
            r.database_mb.map_or("n/a".into(), |m| format!("{m:.0} MB")),
            r.restart.as_millis(),
            fmt_kb(r.idle_rss_kb),
            fmt_kb(r.loaded_hwm_kb),
        );
        println!("    bulk load: {}", r.load_split);
        if let Some((file, n, took)) = &r.extra_sql {
            println!("    after the load: {n} statement(s) from {file}, {:.2} s", took.as_secs_f64());
        }
        println!(
            "    after the restart, the server's first reminder pass ({} reminders queued, {} run) was waited out: {:.1} s",
            r.reminder_pass.1,
            r.reminder_pass.2,
            r.reminder_pass.0.as_secs_f64()
        );
        println!(
            "    CPU during the load: server {}, load generator {}, other processes{} {} (of {}%)",
            cpu(r.load.server_cpu),
            cpu(r.load.bench_cpu),
            if r.engine == "postgres" { " (PostgreSQL included, if local)" } else { "" },
            cpu(r
                .load
                .machine_cpu
                .map(|m| (m - r.load.server_cpu.unwrap_or(0.0) - r.load.bench_cpu.unwrap_or(0.0)).max(0.0))),
            machine.cpus * 100,
        );
        println!(
            "    statistics {} to {}: {} calls {}: {}",
            r.statistics_period.0,
            r.statistics_period.1,
            r.statistics.len(),
            if r.statistics_in_process {
                "IN-PROCESS (Comity::request_statistics; the server has no endpoint yet)"
            } else {
                "through GET /api/v1/statistics/requests"
            },
            r.statistics.iter().map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0)).collect::<Vec<_>>().join(", ")
                + " ms"
        );
        for (kind, n) in &r.load.error_kinds {
            println!("    error: {kind} × {n}");
        }
    }
    println!();
    println!("targets ({} clients):", results.first().map_or(0, |r| r.load.clients));
    for r in results {
        let (list, _) = r.load.class(Class::List);
        let (search, _) = r.load.class(Class::Search);
        let (lp99, sp99) = (quantile_ms(&list, 0.99), quantile_ms(&search, 0.99));
        let stats = max_ms(&r.statistics);
        let rate = r.load_rate(r.requests);
        println!(
            "  {:<9} list p99 < {TARGET_REQUESTS_P99_MS:.0} ms: {lp99:.1} ms {} | search p99 < {TARGET_REQUESTS_P99_MS:.0} ms: {sp99:.1} ms {} | \
             one-year statistics < {TARGET_STATISTICS_MS:.0} ms: {stats:.0} ms (max) {} | load >= {TARGET_LOAD_REQUESTS_PER_SEC:.0} requests/s: {rate:.0} {}",
            r.engine,
            verdict(lp99 < TARGET_REQUESTS_P99_MS),
            verdict(sp99 < TARGET_REQUESTS_P99_MS),
            verdict(stats < TARGET_STATISTICS_MS),
            verdict(rate >= TARGET_LOAD_REQUESTS_PER_SEC),
        );
    }
}

// ---------------------------------------------------------------------------------------
// /proc

/// A `kB` field of `/proc/<pid>/status` (VmRSS, VmHWM…); None off Linux.
fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// User + system CPU seconds of a process (`self` or a pid), from `/proc/<pid>/stat`.
fn proc_cpu_secs(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; fields resume after its closing parenthesis.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 11 and 12 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / clock_ticks())
}

/// CPU seconds the machine has spent busy (all CPUs, everything but idle and I/O wait).
fn machine_busy_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal [guest guest_nice, already in user]
    let busy: u64 = ticks.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, t)| t).sum();
    Some(busy as f64 / clock_ticks())
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

fn fmt_kb(kb: Option<u64>) -> String {
    kb.map_or_else(|| "n/a".into(), |kb| format!("{:.1} MB", kb as f64 / 1024.0))
}

fn mb(kb: Option<u64>) -> Option<f64> {
    kb.map(|kb| kb as f64 / 1024.0)
}

// ---------------------------------------------------------------------------------------
// The machine

struct Machine {
    cpus: usize,
    model: String,
    memory_mb: Option<u64>,
}

impl Machine {
    fn detect() -> Self {
        let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| {
                c.lines().find_map(|l| {
                    l.strip_prefix("model name").map(|r| r.trim_start_matches([' ', '\t', ':']).to_owned())
                })
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let memory_mb = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
            m.lines().find_map(|l| l.strip_prefix("MemTotal:")?.split_whitespace().next()?.parse::<u64>().ok())
        });
        Self { cpus, model, memory_mb: memory_mb.map(|kb| kb / 1024) }
    }
}

impl std::fmt::Display for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} CPU(s), {}", self.cpus, self.model)?;
        if let Some(m) = self.memory_mb {
            write!(f, ", {m} MB RAM")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// The report

fn print_report(machine: &Machine, args: &BenchArgs, results: &[EngineResult]) {
    println!();
    println!("comity bench — {}", comity_app::Clock::now(&SystemClock).format("%Y-%m-%d %H:%M UTC"));
    println!("machine: {machine}");
    println!(
        "load: {} clients, {} s measured after {} s warm-up; equal mix of {} authenticated JSON read(s) (bearer token)",
        args.clients_for(Workload::Directory),
        args.seconds,
        args.warmup_seconds,
        args.mix.len()
    );
    println!(
        "NOTE: the load generator runs on the same machine as the server and competes with it for the {} CPU(s);",
        machine.cpus
    );
    println!("      throughput and latency are therefore a floor for the server alone (see the CPU split below).");
    println!();
    println!(
        "{:<9} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>13} {:>13} {:>9} {:>18}",
        "engine",
        "reads/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "errors",
        "start(first)",
        "start(again)",
        "idle RSS",
        "loaded RSS pk/end"
    );
    for r in results {
        let all = r.load.all();
        println!(
            "{:<9} {:>8.0} {:>7.2} {:>7.2} {:>7.2} {:>7.1} {:>7} {:>13} {:>13} {:>9} {:>18}",
            r.engine,
            r.load.rate(all.len()),
            quantile_ms(&all, 0.50),
            quantile_ms(&all, 0.90),
            quantile_ms(&all, 0.99),
            quantile_ms(&all, 1.0),
            r.load.errors(),
            format!("{} ms", r.first_start.as_millis()),
            format!("{} ms", r.restart.as_millis()),
            fmt_kb(r.idle_rss_kb),
            match (mb(r.loaded_hwm_kb), mb(r.loaded_rss_kb)) {
                (Some(peak), Some(end)) => format!("{peak:.1} / {end:.1} MB"),
                _ => "n/a".into(),
            },
        );
    }
    println!();
    println!("per endpoint:");
    println!(
        "{:<9} {:<54} {:>9} {:>8} {:>7} {:>7} {:>7} {:>7}",
        "engine", "endpoint", "requests", "reads/s", "p50 ms", "p90 ms", "p99 ms", "errors"
    );
    for r in results {
        for (i, name) in ENDPOINTS.iter().enumerate() {
            let l = &r.load.latencies[i];
            if l.is_empty() {
                continue;
            }
            println!(
                "{:<9} {:<54} {:>9} {:>8.0} {:>7.2} {:>7.2} {:>7.2} {:>7}",
                r.engine,
                name,
                l.len(),
                r.load.rate(l.len()),
                quantile_ms(l, 0.50),
                quantile_ms(l, 0.90),
                quantile_ms(l, 0.99),
                r.load.errors[i]
            );
        }
    }
    println!();
    println!("details:");
    for r in results {
        let secs = r.load.measured.as_secs_f64().max(1e-9);
        let cpu = |c: Option<f64>| c.map_or("n/a".into(), |c| format!("{:.0}%", c / secs * 100.0));
        println!(
            "  {}: {} States, {} focal points, {} profiles (loaded in {:.1} s); server's own ready time {} / {} ms; \
             stop {} ms; CPU during load: server {}, load generator {}, other processes{} {} (of {}%)",
            r.engine,
            r.states,
            r.focal_points,
            r.profiles,
            r.load_time.as_secs_f64(),
            r.first_ready_ms.map_or("?".into(), |v| v.to_string()),
            r.restart_ready_ms.map_or("?".into(), |v| v.to_string()),
            r.stop_time.as_millis(),
            cpu(r.load.server_cpu),
            cpu(r.load.bench_cpu),
            if r.engine == "postgres" { " (PostgreSQL included, if local)" } else { "" },
            cpu(r
                .load
                .machine_cpu
                .map(|m| (m - r.load.server_cpu.unwrap_or(0.0) - r.load.bench_cpu.unwrap_or(0.0)).max(0.0))),
            machine.cpus * 100,
        );
        println!("    {} requests from {} clients over {:.1} s", r.load.total(), r.load.clients, secs);
        for (kind, n) in &r.load.error_kinds {
            println!("    error: {kind} × {n}");
        }
    }
    if let Some(r) = results.iter().find(|r| r.engine == "sqlite") {
        let all = r.load.all();
        let rate = r.load.rate(all.len());
        let p99 = quantile_ms(&all, 0.99);
        let idle = mb(r.idle_rss_kb);
        let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
        println!();
        println!("targets (SQLite, {} clients):", r.load.clients);
        println!("  reads/s >= {TARGET_READS_PER_SEC:.0}: {rate:.0} ({})", verdict(rate >= TARGET_READS_PER_SEC));
        println!("  p99 < {TARGET_P99_MS:.0} ms: {p99:.2} ms ({})", verdict(p99 < TARGET_P99_MS));
        match idle {
            Some(m) => {
                println!("  idle RSS < {TARGET_IDLE_RSS_MB:.0} MB: {m:.1} MB ({})", verdict(m < TARGET_IDLE_RSS_MB))
            }
            None => println!("  idle RSS < {TARGET_IDLE_RSS_MB:.0} MB: not measurable here (no /proc)"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// A small deterministic generator (xorshift64*), enough for synthetic data and request mixes.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn seeded() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Self::new(nanos ^ (u64::from(std::process::id()) << 32))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h:5432", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
    }

    #[test]
    fn quantiles_use_nearest_rank() {
        let v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(quantile_ms(&v, 0.5), 50.0);
        assert_eq!(quantile_ms(&v, 0.99), 99.0);
        assert_eq!(quantile_ms(&v, 1.0), 100.0);
    }

    fn register(n: usize, events_per_request: usize) -> Batch {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            bench: BenchArgs,
        }
        let args = <Cli as clap::Parser>::parse_from([
            "bench".to_owned(),
            format!("--requests={n}"),
            format!("--events-per-request={events_per_request}"),
        ])
        .bench;
        let units = Units {
            registry: "u-registry".into(),
            otp: "u-otp".into(),
            chambers: "u-chambers".into(),
            victims: "u-victims".into(),
            defence: vec!["u-defence-1".into(), "u-defence-2".into()],
        };
        let states = ["KEN", "UGA", "COD", "FRA", "COL", "PHL"].map(String::from).to_vec();
        let mut g = Generator::new(states, units, "officer".into(), ymd(2026, 11, 28), &args);
        let mut all = g.batch(0..n / 2);
        let rest = g.batch(n / 2..n);
        all.requests.extend(rest.requests);
        all.lines.extend(rest.lines);
        all.events.extend(rest.events);
        all
    }

    #[test]
    fn the_synthetic_register_is_deterministic_and_consistent() {
        use comity_domain::request::Status;
        let a = register(2_000, 10);
        let b = register(2_000, 10);
        assert_eq!(a.requests, b.requests, "same seed, same day: same register");
        assert_eq!(a.events, b.events);
        assert_eq!(a.requests.len(), 2_000);
        assert_eq!(a.events.len(), 20_000, "ten events per request when no lifecycle is longer");
        let ids: std::collections::BTreeSet<&str> = a.requests.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 2_000);
        let references: std::collections::BTreeSet<&str> = a.requests.iter().map(|r| r.reference.as_str()).collect();
        assert_eq!(references.len(), 2_000);
        for r in &a.requests {
            let events: Vec<_> = a.events.iter().filter(|e| e.request_id == r.id).collect();
            let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
            assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>(), "{}", r.reference);
            assert!(events.windows(2).all(|w| w[0].effective_on <= w[1].effective_on), "{}", r.reference);
            assert_eq!(events.last().map(|e| e.to_status.as_str()), Some(r.status.as_str()), "{}", r.reference);
            if let Some(parent) = &r.parent_id {
                assert!(ids.contains(parent.as_str()), "{}: the parent is in the register", r.reference);
            }
            let status = Status::parse(&r.status).expect("a known status");
            assert_eq!(status.is_open(), r.closed_on.is_none(), "{}", r.reference);
            assert_eq!(r.executed_on.is_some(), status == Status::Executed, "{}", r.reference);
            if let (Some(t), Some(f)) = (r.transmitted_on, r.first_response_on) {
                assert!(t <= f, "{}", r.reference);
            }
            assert!(r.first_response_on.is_none() || r.transmitted_on.is_some(), "{}", r.reference);
            let lines = a.lines.iter().filter(|l| l.request_id == r.id).count();
            assert!((1..=3).contains(&lines), "{}", r.reference);
        }
        let share = |f: &dyn Fn(&comity_store::requests::Request) -> bool| {
            a.requests.iter().filter(|r| f(r)).count() * 100 / a.requests.len()
        };
        assert!((80..95).contains(&share(&|r| r.direction == "outgoing")), "mostly outgoing");
        assert!(share(&|r| r.classification == "public") >= 5);
        assert!(share(&|r| r.status == "executed") >= 20, "most old requests are closed");
    }
}
