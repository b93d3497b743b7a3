//! `comity bench`: measures the server as deployed.
//!
//! For each engine it creates a fresh database, starts this very binary as `comity serve`
//! in a child process (timing the first start, with migrations and reference data, and a
//! restart on the initialised database), loads a synthetic directory through the
//! application layer, reads the server's memory from `/proc`, drives a closed-loop load of
//! authenticated JSON reads from concurrent clients, and prints one table at the end.
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
use comity_app::{
    partners::{FocalPointInput, PartnerQuery, ProfileInput},
    users::UserInput,
    Actor, AppError, AuthMethod, Comity, Settings, SystemClock,
};
use comity_store::{dialect::redact_url, Db, Sql};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// The targets set for a small (2-core) server, checked for SQLite.
const TARGET_READS_PER_SEC: f64 = 3000.0;
const TARGET_P99_MS: f64 = 25.0;
const TARGET_IDLE_RSS_MB: f64 = 50.0;

/// Which engine(s) to measure.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(clap::Args, Clone, Debug)]
pub struct BenchArgs {
    /// Engine(s) to measure. Default: both when a PostgreSQL server is given (--postgres-url,
    /// COMITY_BENCH_POSTGRES_URL or COMITY_TEST_POSTGRES_URL), SQLite otherwise.
    #[arg(long, value_enum)]
    pub engine: Option<EngineChoice>,
    /// A PostgreSQL server on which the benchmark may create (and drop) a database
    /// comity_bench_<random>, e.g. postgres://postgres@127.0.0.1:5432/postgres. Falls back to
    /// COMITY_TEST_POSTGRES_URL.
    #[arg(long, env = "COMITY_BENCH_POSTGRES_URL")]
    pub postgres_url: Option<String>,
    /// Concurrent clients, each sending one request at a time.
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
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

pub async fn run(database_url: &Option<String>, args: BenchArgs) -> Result<ExitCode> {
    if args.clients == 0 || args.seconds == 0 {
        bail!("--clients and --seconds must be at least 1");
    }
    if args.mix.is_empty() {
        bail!("--mix must name at least one read");
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
    let engines: Vec<&str> = match engine {
        EngineChoice::Sqlite => vec!["sqlite"],
        EngineChoice::Postgres => vec!["postgres"],
        EngineChoice::Both => vec!["sqlite", "postgres"],
    };
    for name in engines {
        eprintln!();
        eprintln!("=== {name} ===");
        let scratch = match name {
            "sqlite" => Scratch::sqlite()?,
            _ => Scratch::postgres(postgres_url.as_deref().unwrap_or_default()).await?,
        };
        eprintln!("database: {}", redact_url(&scratch.url));
        let outcome = tokio::select! {
            r = bench_engine(&exe, name, &scratch.url, &args) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
        };
        // The child (kill_on_drop) and every pool are gone by now; remove the database.
        if let Err(e) = scratch.remove().await {
            eprintln!("warning: could not remove the benchmark database: {e:#}");
        }
        results.push(outcome.with_context(|| format!("benchmarking {name}"))?);
    }

    print_report(&machine, &args, &results);
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
    let registry = Actor::from_user(&officer, AuthMethod::Operator).map_err(app_error)?;

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

    Ok(Dataset { states, focal_points, profiles, token: token.token })
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
        .pool_max_idle_per_host(args.clients)
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

    eprintln!(
        "load: {} clients, {} s warm-up + {} s measured, mixing {} read(s)…",
        args.clients,
        args.warmup_seconds,
        args.seconds,
        args.mix.len()
    );
    let warm_end = Instant::now() + Duration::from_secs(args.warmup_seconds);
    let end = warm_end + Duration::from_secs(args.seconds);
    let states = Arc::new(states.to_vec());
    let mut tasks = Vec::with_capacity(args.clients);
    for c in 0..args.clients {
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
                let outcome = match client.get(&url).header("authorization", &auth).send().await {
                    Ok(r) => {
                        let status = r.status();
                        match r.bytes().await {
                            Ok(_) if status.is_success() => Ok(()),
                            Ok(_) => Err(format!("HTTP {}", status.as_u16())),
                            Err(e) => Err(format!("reading the body: {e}")),
                        }
                    }
                    Err(e) => {
                        Err(format!("transport: {}", if e.is_timeout() { "timeout".into() } else { e.to_string() }))
                    }
                };
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

    let mut result = LoadResult { clients: args.clients, measured, ..Default::default() };
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
fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1000.0
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
        args.clients,
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
}
