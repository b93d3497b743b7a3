//! A real Dovecot IMAP server on the loopback interface, private to one test, so the mailbox
//! client is tested against the server software mail is actually read from.
//!
//! Each [`TestMailbox`] runs its own `dovecot -F` with every file (configuration, sockets,
//! state, log, the user's Maildir) in its own temporary directory and its own port, so tests
//! run in parallel without seeing each other. Messages arrive as a mail server delivers them:
//! written into the Maildir's `tmp/` and moved into `new/`, so the next IMAP session sees
//! them unread.
//!
//! Dovecot comes from Debian's `dovecot-imapd`. Without it the tests that need it skip,
//! unless [`IMAP_ENV`] is `1` (CI sets it), in which case they fail loudly.

use std::{
    fs,
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// The environment variable that makes a missing or broken Dovecot fail the tests instead of
/// skipping them.
pub const IMAP_ENV: &str = "COMITY_TEST_IMAP";

/// Where Debian installs the server.
const DOVECOT: &str = "/usr/sbin/dovecot";

/// How long the server may take to accept connections.
const STARTUP: Duration = Duration::from_secs(20);

/// A running Dovecot with one user and an empty INBOX; stopped and removed when dropped.
pub struct TestMailbox {
    child: Child,
    port: u16,
    user: String,
    password: String,
    /// The user's Maildir, where [`TestMailbox::deliver`] puts messages.
    maildir: PathBuf,
    /// The user and group that own the Maildir (Dovecot reads it as them).
    owner: (u32, u32),
    dir: tempfile::TempDir,
}

impl TestMailbox {
    /// Starts a private Dovecot on 127.0.0.1 at a free port with one user. Returns `None`
    /// when Dovecot is not installed (or cannot start) and [`IMAP_ENV`] is not `1`; panics
    /// with the reason when it is.
    pub async fn start() -> Option<TestMailbox> {
        let required = std::env::var(IMAP_ENV).is_ok_and(|v| v.trim() == "1");
        let Some(binary) = dovecot_binary() else {
            if required {
                panic!("{IMAP_ENV}=1 but Dovecot is not installed (apt-get install dovecot-imapd)");
            }
            return None;
        };
        match tokio::task::spawn_blocking(move || start_blocking(&binary)).await {
            Ok(Ok(mailbox)) => Some(mailbox),
            Ok(Err(why)) if required => panic!("{IMAP_ENV}=1 but the test Dovecot did not start: {why}"),
            Ok(Err(why)) => {
                eprintln!("skipping: the test Dovecot did not start ({why}); set {IMAP_ENV}=1 to fail instead");
                None
            }
            Err(e) => panic!("starting the test Dovecot panicked: {e}"),
        }
    }

    pub fn host(&self) -> &str {
        "127.0.0.1"
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn password(&self) -> &str {
        &self.password
    }

    /// `imap://user:password@127.0.0.1:port/INBOX` (the user and password need no escaping).
    pub fn url(&self) -> String {
        format!("imap://{}:{}@{}:{}/INBOX", self.user, self.password, self.host(), self.port)
    }

    /// The server's log, to explain a failure.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// Delivers a message into the INBOX as a mail server does: written whole into the
    /// Maildir's `tmp/`, then renamed into `new/`. The next IMAP session sees it unread.
    pub async fn deliver(&self, raw: &[u8]) {
        static DELIVERIES: AtomicU64 = AtomicU64::new(0);
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        // Names sort in delivery order, so Dovecot numbers the messages in that order too.
        let name = format!(
            "{}.M{:09}Q{:06}P{}.comity-test",
            since_epoch.as_secs(),
            since_epoch.subsec_nanos(),
            DELIVERIES.fetch_add(1, Ordering::Relaxed),
            std::process::id()
        );
        let tmp = self.maildir.join("tmp").join(&name);
        let new = self.maildir.join("new").join(&name);
        let raw = raw.to_vec();
        let owner = self.owner;
        tokio::task::spawn_blocking(move || {
            let mut file = fs::File::create(&tmp).expect("write a message into the Maildir's tmp/");
            file.write_all(&raw).expect("write a message into the Maildir's tmp/");
            file.sync_all().expect("flush a delivered message");
            std::os::unix::fs::chown(&tmp, Some(owner.0), Some(owner.1)).expect("give the message to the mail user");
            fs::rename(&tmp, &new).expect("move a delivered message into the Maildir's new/");
        })
        .await
        .expect("deliver a message");
    }
}

impl Drop for TestMailbox {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its helpers (auth, login, log) before it exits.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dovecot_binary() -> Option<PathBuf> {
    let packaged = PathBuf::from(DOVECOT);
    if packaged.is_file() {
        return Some(packaged);
    }
    std::env::var_os("PATH")?.to_str()?.split(':').map(|dir| Path::new(dir).join("dovecot")).find(|p| p.is_file())
}

/// The accounts Dovecot runs as: its own helpers, its login processes, and the mail user.
struct Accounts {
    internal_user: String,
    internal_group: String,
    login_user: String,
    mail_uid: u32,
    mail_gid: u32,
}

/// As root, the packaged `dovecot` and `dovenull` accounts (Dovecot refuses to read mail as
/// root) with the mail owned by `dovecot`; otherwise the current user for everything.
fn accounts(dir: &Path) -> Result<Accounts, String> {
    let me = fs::metadata(dir).map_err(|e| format!("stat {}: {e}", dir.display()))?;
    let passwd = fs::read_to_string("/etc/passwd").map_err(|e| format!("read /etc/passwd: {e}"))?;
    let entries: Vec<(String, u32, u32)> = passwd
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            Some((fields.first()?.to_string(), fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?))
        })
        .collect();
    let find = |name: &str| entries.iter().find(|(n, _, _)| n == name);
    let groups = fs::read_to_string("/etc/group").map_err(|e| format!("read /etc/group: {e}"))?;
    let group_name = |gid: u32| {
        groups.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.get(2)?.parse::<u32>().ok()? == gid).then(|| fields[0].to_owned())
        })
    };
    if me.uid() == 0 {
        let (internal_user, uid, gid) =
            find("dovecot").cloned().ok_or("running as root but there is no 'dovecot' account in /etc/passwd")?;
        let login_user = find("dovenull").map_or_else(|| internal_user.clone(), |(n, _, _)| n.clone());
        let internal_group = group_name(gid).ok_or_else(|| format!("no group name for gid {gid}"))?;
        Ok(Accounts { internal_user, internal_group, login_user, mail_uid: uid, mail_gid: gid })
    } else {
        let name = entries
            .iter()
            .find(|(_, uid, _)| *uid == me.uid())
            .map(|(n, _, _)| n.clone())
            .or_else(|| std::env::var("USER").ok())
            .ok_or_else(|| format!("no user name for uid {}", me.uid()))?;
        let internal_group = group_name(me.gid()).ok_or_else(|| format!("no group name for gid {}", me.gid()))?;
        Ok(Accounts {
            internal_user: name.clone(),
            internal_group,
            login_user: name,
            mail_uid: me.uid(),
            mail_gid: me.gid(),
        })
    }
}

fn start_blocking(binary: &Path) -> Result<TestMailbox, String> {
    let dir =
        tempfile::Builder::new().prefix("comity-imap-").tempdir().map_err(|e| format!("temporary directory: {e}"))?;
    let root = dir.path().to_path_buf();
    // Dovecot's helpers run as other users and must reach their files in here.
    fs::set_permissions(&root, fs::Permissions::from_mode(0o711)).map_err(|e| format!("chmod the directory: {e}"))?;
    let accounts = accounts(&root)?;

    let user = "reports".to_owned();
    let password = format!("pw-{}", uuid::Uuid::now_v7().simple());
    let home = root.join("home");
    let maildir = home.join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(maildir.join(sub)).map_err(|e| format!("create the Maildir: {e}"))?;
    }
    for path in [home.clone(), maildir.clone(), maildir.join("cur"), maildir.join("new"), maildir.join("tmp")] {
        std::os::unix::fs::chown(&path, Some(accounts.mail_uid), Some(accounts.mail_gid))
            .map_err(|e| format!("give {} to the mail user: {e}", path.display()))?;
    }
    let users = root.join("users");
    fs::write(
        &users,
        format!("{user}:{{PLAIN}}{password}:{}:{}::{}::\n", accounts.mail_uid, accounts.mail_gid, home.display()),
    )
    .map_err(|e| format!("write the user file: {e}"))?;
    fs::set_permissions(&users, fs::Permissions::from_mode(0o644)).map_err(|e| format!("chmod the user file: {e}"))?;

    // Another process may take the free port between our look and Dovecot's bind: try again.
    let mut last_failure = String::new();
    for _ in 0..5 {
        let port = free_port()?;
        let config = root.join("dovecot.conf");
        fs::write(&config, configuration(&root, port, &accounts, &users))
            .map_err(|e| format!("write the configuration: {e}"))?;
        let output = fs::File::create(root.join("dovecot.out")).map_err(|e| format!("create dovecot.out: {e}"))?;
        let errors = output.try_clone().map_err(|e| format!("dovecot.out: {e}"))?;
        let mut child = Command::new(binary)
            .arg("-F")
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .spawn()
            .map_err(|e| format!("run {}: {e}", binary.display()))?;
        match wait_until_ready(&mut child, port) {
            Ok(()) => {
                return Ok(TestMailbox {
                    child,
                    port,
                    user,
                    password,
                    maildir,
                    owner: (accounts.mail_uid, accounts.mail_gid),
                    dir,
                })
            }
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                let out = fs::read_to_string(root.join("dovecot.out")).unwrap_or_default();
                let log = fs::read_to_string(root.join("dovecot.log")).unwrap_or_default();
                last_failure = format!("{why}\n--- dovecot output:\n{out}\n--- dovecot.log:\n{log}");
                if !(out.contains("in use") || log.contains("in use")) {
                    break;
                }
                let _ = fs::remove_file(root.join("dovecot.log"));
            }
        }
    }
    Err(last_failure)
}

/// A port nobody listens on at the moment.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("find a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("find a free port: {e}"))
}

/// Waits for the IMAP greeting, or for Dovecot to give up.
fn wait_until_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + STARTUP;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("dovecot exited with {status}"));
        }
        if let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut greeting = [0u8; 64];
            if let Ok(n) = stream.read(&mut greeting) {
                if greeting[..n].starts_with(b"* OK") {
                    return Ok(());
                }
            }
        }
        if Instant::now() > deadline {
            return Err(format!("no IMAP greeting on {addr} within {} s", STARTUP.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A self-contained configuration: nothing from /etc/dovecot, everything under `root`.
fn configuration(root: &Path, port: u16, accounts: &Accounts, users: &Path) -> String {
    let root = root.display();
    let users = users.display();
    let Accounts { internal_user, internal_group, login_user, mail_uid, .. } = accounts;
    format!(
        r#"# A private Dovecot for one Comity test.
instance_name = comity-imap-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
debug_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
last_valid_uid = 0
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {users}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  # No penalty socket, so no growing delay after the failed sign-ins tests provoke.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"#
    )
}
