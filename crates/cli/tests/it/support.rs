//! Runs the real `comity` binary: one-shot commands with their output, and servers that are
//! always stopped when the test ends, whether it passed or not.

use std::{
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{mpsc, Arc, Mutex},
    time::{Duration, Instant},
};

use sqlx::{Connection, PgConnection, SqliteConnection};

/// The binary under test, built by Cargo for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_comity");

/// How long a server may take to migrate, load reference data and listen. Generous: CI runs
/// many tests at once on two cores, and PostgreSQL databases are created on the fly.
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// A `comity` command line with a clean environment: no setting leaks in from the shell
/// that runs the tests, and the working directory is one under the target directory so
/// a default `sqlite://comity.db` can never land in the repository.
pub fn comity(database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(BIN);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name == "DATABASE_URL" || name.starts_with("COMITY_") {
            cmd.env_remove(&name);
        }
    }
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd.env("COMITY_LOG", "warn").current_dir(scratch_dir()).stdin(Stdio::null());
    cmd
}

/// The working directory of every command: a directory Cargo provides for integration
/// tests inside the target directory, never the repository.
pub fn scratch_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("comity-cli-cwd");
    std::fs::create_dir_all(&dir).expect("create the commands' working directory");
    dir
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.status.success()
    }

    /// Panics with everything the command printed unless it succeeded.
    #[track_caller]
    pub fn expect_ok(self, what: &str) -> Self {
        assert!(self.ok(), "{what}: expected success, got {}\n{self}", self.status);
        self
    }

    /// Panics unless the command failed.
    #[track_caller]
    pub fn expect_failure(self, what: &str) -> Self {
        assert!(!self.ok(), "{what}: expected failure, got success\n{self}");
        self
    }

    /// Everything printed, both streams.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--- stdout ---\n{}--- stderr ---\n{}", self.stdout, self.stderr)
    }
}

/// Runs `comity ARGS` against `database_url` and waits for it.
pub fn run(database_url: Option<&str>, args: &[&str]) -> Run {
    run_cmd(comity(database_url).args(args))
}

pub fn run_cmd(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap_or_else(|e| panic!("could not run {BIN}: {e}"));
    Run {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The text after the last ": " on the first line containing `marker`: how the binary prints
/// one-time secrets (`password: ...`, `(shown once): ...`).
pub fn value_after(text: &str, marker: &str) -> Option<String> {
    let line = text.lines().find(|l| l.contains(marker))?;
    let (_, value) = line.rsplit_once(": ")?;
    Some(value.trim().to_owned())
}

/// A running `comity serve`, killed on drop.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`, as the server announced it.
    pub base: String,
    /// The lines printed on stdout up to and including the "listening" line.
    pub banner: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

pub struct ServerBuilder {
    cmd: Command,
}

impl ServerBuilder {
    pub fn arg(mut self, arg: &str) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.cmd.env(name, value);
        self
    }

    /// Starts the server and waits until it says it is listening.
    pub fn start(mut self) -> Server {
        let mut child = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {BIN}: {e}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("stderr buffer").push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = mpsc::channel();
        let out_pipe = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            // Keep reading after the banner so the server never blocks on a full pipe.
            for line in BufReader::new(out_pipe).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    // Nobody listens any more; drain quietly.
                }
            }
        });
        let mut server = Server { child: Some(child), base: String::new(), banner: Vec::new(), stderr };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    let listening = line.find("Comity is listening on http://").map(|i| {
                        let rest = &line[i + "Comity is listening on ".len()..];
                        rest.split_whitespace().next().unwrap_or_default().to_owned()
                    });
                    server.banner.push(line);
                    if let Some(base) = listening {
                        server.base = base;
                        return server;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(status) = server.try_status() {
                        panic!("the server exited with {status} before listening\n{}", server.output());
                    }
                    if Instant::now() > deadline {
                        panic!("the server did not listen within {START_TIMEOUT:?}\n{}", server.output());
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = server.wait_exit(Duration::from_secs(30));
                    panic!("the server closed stdout ({status:?}) before listening\n{}", server.output());
                }
            }
        }
    }

    /// Starts the server expecting it to fail; returns what it printed.
    pub fn start_failing(mut self) -> Run {
        let mut child = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {BIN}: {e}"));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(_status) = child.try_wait().expect("poll the server") {
                let out = child.wait_with_output().expect("collect the server's output");
                return Run {
                    status: out.status,
                    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                };
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let out = child.wait_with_output().expect("collect the server's output");
                panic!(
                    "the server kept running although it should have failed\n--- stdout ---\n{}--- stderr ---\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Server {
    /// `comity serve --addr 127.0.0.1:0` on `database_url`: the system picks a free port and
    /// the server announces it, so tests running in parallel can never race for a port.
    pub fn builder(database_url: &str) -> ServerBuilder {
        let mut cmd = comity(Some(database_url));
        cmd.args(["serve", "--addr", "127.0.0.1:0"]);
        ServerBuilder { cmd }
    }

    /// A builder with no arguments after `comity`, for tests that choose them.
    pub fn custom(database_url: Option<&str>, args: &[&str]) -> ServerBuilder {
        let mut cmd = comity(database_url);
        cmd.args(args);
        ServerBuilder { cmd }
    }

    pub fn start(database_url: &str) -> Server {
        Self::builder(database_url).start()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The administrator password printed on a first start, if it was printed.
    pub fn admin_password(&self) -> Option<String> {
        let banner = self.banner.join("\n");
        if !banner.contains("login:    admin") {
            return None;
        }
        value_after(&banner, "password:")
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Banner and log, for failure messages.
    pub fn output(&self) -> String {
        format!("--- stdout ---\n{}\n--- stderr ---\n{}", self.banner.join("\n"), self.stderr())
    }

    fn try_status(&mut self) -> Option<ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(s) = self.try_status() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Asks the server to stop as an init system would (SIGTERM) and waits for it; returns
    /// its exit status and everything it logged.
    pub fn terminate(mut self) -> (ExitStatus, String) {
        let pid = self.child.as_ref().map(Child::id).expect("a running server");
        let sent = Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("run kill");
        assert!(sent.success(), "could not signal the server");
        let status = self.wait_exit(Duration::from_secs(60));
        let status = status.unwrap_or_else(|| panic!("the server did not stop on SIGTERM\n{}", self.output()));
        self.child = None;
        // Let the reader thread collect the last lines.
        std::thread::sleep(Duration::from_millis(100));
        (status, self.stderr())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An HTTP client that keeps cookies and does not follow redirects, so tests see them.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client")
}

/// Signs in through the login form as a browser would; returns the status of the answer
/// to the form (303 on success) and where it redirects.
pub async fn sign_in(client: &reqwest::Client, server: &Server, name: &str, password: &str) -> (u16, String) {
    let page = client.get(server.url("/login")).send().await.expect("GET /login");
    assert_eq!(page.status(), 200, "GET /login");
    let html = page.text().await.expect("login page");
    let csrf = hidden_input(&html, "csrf").expect("the login form carries a CSRF token");
    let res = client
        .post(server.url("/login"))
        .form(&[("name", name), ("password", password), ("csrf", csrf.as_str()), ("next", "/")])
        .send()
        .await
        .expect("POST /login");
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (res.status().as_u16(), location)
}

/// The value of `<input type="hidden" name="NAME" value="...">` in a page.
pub fn hidden_input(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + "name=\"\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// GET `path` with a bearer token; returns the status and the JSON body.
pub async fn get_json(server: &Server, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let mut req = http().get(server.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// Runs one statement directly on the database, behind Comity's back.
pub async fn execute(database_url: &str, sql: &str) -> u64 {
    if database_url.starts_with("sqlite:") {
        let mut c = SqliteConnection::connect(database_url).await.expect("open the SQLite database");
        sqlx::query(sql).execute(&mut c).await.unwrap_or_else(|e| panic!("{sql}: {e}")).rows_affected()
    } else {
        let mut c = PgConnection::connect(database_url).await.expect("connect to PostgreSQL");
        sqlx::query(sql).execute(&mut c).await.unwrap_or_else(|e| panic!("{sql}: {e}")).rows_affected()
    }
}

/// A single integer from the database (`SELECT COUNT(*) ...`).
pub async fn scalar(database_url: &str, sql: &str) -> i64 {
    if database_url.starts_with("sqlite:") {
        let mut c = SqliteConnection::connect(database_url).await.expect("open the SQLite database");
        sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    } else {
        let mut c = PgConnection::connect(database_url).await.expect("connect to PostgreSQL");
        sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

/// `sqlite://PATH` for a file.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Adds a user from the command line and returns the printed password.
pub fn add_user(database_url: &str, name: &str, role: &str, unit: &str) -> String {
    let out = run(Some(database_url), &["user", "add", "--name", name, "--role", role, "--unit", unit])
        .expect_ok("comity user add");
    value_after(&out.stdout, "password").unwrap_or_else(|| panic!("user add printed no password\n{out}"))
}

/// Creates a token from the command line; returns (id, secret).
pub fn create_token(database_url: &str, user: &str) -> (String, String) {
    let out = run(Some(database_url), &["token", "create", "--user", user]).expect_ok("comity token create");
    let secret = out.stdout.trim().to_owned();
    assert_eq!(secret.lines().count(), 1, "token create prints the token alone on stdout\n{out}");
    let id = out
        .stderr
        .split_whitespace()
        .skip_while(|w| *w != "token")
        .nth(1)
        .unwrap_or_else(|| panic!("token create names the token's id on stderr\n{out}"))
        .to_owned();
    (id, secret)
}
