//! Configuration from flags and environment, shown back by `comity config check` with
//! secrets redacted; logging; and the small background duties of a running server.

use std::time::Duration;

use anyhow::{bail, Result};
use comity_app::{
    actor::parse_roles,
    mail::{MailSettings, MailTls, Mailer},
    Comity, Settings,
};
use comity_store::dialect::redact_url;
use comity_web::WebOptions;

use crate::ServeArgs;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://comity.db";
pub const DEMO_DATABASE_URL: &str = "sqlite://comity-demo.db";

/// Environment variables Comity reads, with what they mean (shown by `config check`).
pub const ENV: &[(&str, &str)] = &[
    ("DATABASE_URL", "database: sqlite://FILE or postgres://USER@HOST/DB"),
    ("COMITY_ADDR", "listen address (default 127.0.0.1:8080)"),
    ("COMITY_SECURE_COOKIES", "true when served over HTTPS: cookies get the Secure flag"),
    ("COMITY_SESSION_IDLE_MINUTES", "idle minutes before a session ends (default 30)"),
    ("COMITY_SESSION_MAX_HOURS", "hours after sign-in before a session ends (default 12)"),
    ("COMITY_TOTP_REQUIRED_ROLES", "roles that must use a second factor, comma-separated"),
    ("COMITY_SMTP_HOST", "SMTP server for reminder e-mails; unset turns e-mail off"),
    ("COMITY_SMTP_PORT", "SMTP port (default 587 for starttls, 465 for tls, 25 for none)"),
    ("COMITY_SMTP_FROM", "sender of reminder e-mails, e.g. Comity <comity@court.example>"),
    ("COMITY_SMTP_USERNAME", "SMTP user name, if the server requires one"),
    ("COMITY_SMTP_PASSWORD", "SMTP password (never printed)"),
    ("COMITY_SMTP_TLS", "starttls (default), tls, or none (only for a relay on this host)"),
    ("COMITY_REMINDER_INTERVAL_SECS", "seconds between deadline scans and reminder runs (default 300)"),
    ("COMITY_REMINDER_HORIZON_DAYS", "days ahead that a deadline counts as due soon (default 7)"),
    ("COMITY_PUBLIC_URL", "the address users reach Comity at, e.g. https://comity.court.example, for e-mail links"),
    (
        "COMITY_RECEIPT_KEY",
        "file with the Ed25519 key that signs receipts (comity receipt keygen); unset: a key kept in the database",
    ),
    (
        "COMITY_TRAVEL_MAILBOX",
        "the travel-report mailbox, imaps://user:password@host/INBOX; unset: no polling (password never printed)",
    ),
    ("COMITY_TRAVEL_MAILBOX_POLL_SECS", "seconds between polls of the travel mailbox (default 60)"),
    ("COMITY_TRAVEL_ALERT_UNIT", "the unit that triages reports from the mailbox (default: the first OTP unit)"),
    ("COMITY_OPEN_LETTER_REPLY_DAYS", "days a State has to answer the Assembly President's open letter (default 14)"),
    ("COMITY_LOG", "log filter, e.g. info or comity=debug (default info)"),
    ("COMITY_LOG_FORMAT", "text (default) or json"),
];

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: String,
    pub database_url: String,
    pub web: WebOptions,
    pub settings: Settings,
    /// How often the reminder worker scans deadlines and sends what is due.
    pub reminder_interval: Duration,
    pub mailbox_interval: Duration,
}

fn env_flag(name: &str) -> Result<bool> {
    match std::env::var(name).ok().as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(other) => bail!("{name}: expected true or false, got '{other}'"),
    }
}

fn env_number(name: &str, default: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64> {
    match std::env::var(name).ok().filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => bail!("{name}: expected a whole number from {} to {}, got '{v}'", range.start(), range.end()),
        },
    }
}

/// Application settings from the environment.
pub fn settings_from_env() -> Result<Settings> {
    let mut s = Settings {
        session_idle: chrono::Duration::minutes(env_number("COMITY_SESSION_IDLE_MINUTES", 30, 1..=24 * 60)?),
        session_max: chrono::Duration::hours(env_number("COMITY_SESSION_MAX_HOURS", 12, 1..=24 * 7)?),
        ..Settings::default()
    };
    if let Ok(roles) = std::env::var("COMITY_TOTP_REQUIRED_ROLES") {
        s.totp_required_roles = parse_roles(&roles).map_err(|e| anyhow::anyhow!("COMITY_TOTP_REQUIRED_ROLES: {e}"))?;
    }
    s.mail = mail_from_env()?;
    s.reminder_horizon_days = env_number("COMITY_REMINDER_HORIZON_DAYS", 7, 0..=365)?;
    s.travel_mailbox = match env_text("COMITY_TRAVEL_MAILBOX") {
        Some(url) => Some(
            comity_app::mailbox::MailboxConfig::from_url(&url)
                .map_err(|e| anyhow::anyhow!("COMITY_TRAVEL_MAILBOX: {e}"))?,
        ),
        None => None,
    };
    s.travel_alert_unit = env_text("COMITY_TRAVEL_ALERT_UNIT");
    s.open_letter_reply_days = env_number("COMITY_OPEN_LETTER_REPLY_DAYS", 14, 1..=180)?;
    s.public_url = match std::env::var("COMITY_PUBLIC_URL").ok().map(|u| u.trim().trim_end_matches('/').to_owned()) {
        None => None,
        Some(u) if u.is_empty() => None,
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => Some(u),
        Some(u) => bail!("COMITY_PUBLIC_URL: expected an address starting with https:// or http://, got '{u}'"),
    };
    s.receipt_key = match std::env::var("COMITY_RECEIPT_KEY").ok().filter(|p| !p.trim().is_empty()) {
        None => None,
        Some(path) => Some(crate::receipt::read_secret_key(std::path::Path::new(path.trim()))?),
    };
    Ok(s)
}

fn env_text(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// SMTP settings from the environment; none when no host is set. Checked here, so a server
/// with unusable mail settings refuses to start instead of failing at the first reminder.
fn mail_from_env() -> Result<Option<MailSettings>> {
    let Some(host) = env_text("COMITY_SMTP_HOST") else {
        return Ok(None);
    };
    let tls = match env_text("COMITY_SMTP_TLS") {
        None => MailTls::default(),
        Some(v) => v.parse().map_err(|e| anyhow::anyhow!("COMITY_SMTP_TLS: {e}"))?,
    };
    let Some(from) = env_text("COMITY_SMTP_FROM") else {
        bail!("COMITY_SMTP_FROM: required when COMITY_SMTP_HOST is set, e.g. Comity <comity@court.example>");
    };
    let port = env_number("COMITY_SMTP_PORT", i64::from(tls.default_port()), 1..=65535)?;
    let mail = MailSettings {
        port: u16::try_from(port)?,
        username: env_text("COMITY_SMTP_USERNAME"),
        // A password may legitimately begin or end with spaces: only an empty one is absent.
        password: std::env::var("COMITY_SMTP_PASSWORD").ok().filter(|p| !p.is_empty()),
        ..MailSettings::new(host, from, tls)
    };
    Mailer::new(Some(&mail)).map_err(|e| anyhow::anyhow!("SMTP settings (COMITY_SMTP_*): {e}"))?;
    Ok(Some(mail))
}

impl Config {
    pub fn resolve(database_url: &Option<String>, args: &ServeArgs) -> Result<Self> {
        let default = if args.demo { DEMO_DATABASE_URL } else { DEFAULT_DATABASE_URL };
        let database_url = database_url.clone().unwrap_or_else(|| default.to_owned());
        comity_store::Engine::from_url(&database_url)?;
        let host_and_port =
            args.addr.rsplit_once(':').is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !host_and_port {
            bail!("--addr / COMITY_ADDR: '{}' is not an address such as 127.0.0.1:8080 or localhost:8080", args.addr);
        }
        Ok(Self {
            addr: args.addr.clone(),
            database_url,
            web: WebOptions { secure_cookies: env_flag("COMITY_SECURE_COOKIES")? },
            settings: settings_from_env()?,
            reminder_interval: Duration::from_secs(
                env_number("COMITY_REMINDER_INTERVAL_SECS", 300, 10..=24 * 3600)?.unsigned_abs(),
            ),
            mailbox_interval: Duration::from_secs(
                env_number("COMITY_TRAVEL_MAILBOX_POLL_SECS", 60, 5..=24 * 3600)?.unsigned_abs(),
            ),
        })
    }

    /// The effective configuration, one setting a line, secrets redacted.
    pub fn describe(&self) -> String {
        let roles: Vec<_> = self.settings.totp_required_roles.iter().map(|r| r.code()).collect();
        let mut out = String::new();
        out.push_str(&format!("database_url          = {}\n", redact_url(&self.database_url)));
        out.push_str(&format!(
            "engine                = {}\n",
            comity_store::Engine::from_url(&self.database_url).map(|e| e.name()).unwrap_or("?")
        ));
        out.push_str(&format!("addr                  = {}\n", self.addr));
        out.push_str(&format!("secure_cookies        = {}\n", self.web.secure_cookies));
        out.push_str(&format!("session_idle_minutes  = {}\n", self.settings.session_idle.num_minutes()));
        out.push_str(&format!("session_max_hours     = {}\n", self.settings.session_max.num_hours()));
        out.push_str(&format!(
            "totp_required_roles   = {}\n",
            if roles.is_empty() { "(none)".into() } else { roles.join(",") }
        ));
        out.push_str(&format!(
            "login_throttle        = {} per account, {} per address, per {} minutes\n",
            self.settings.max_failures_per_account,
            self.settings.max_failures_per_address,
            self.settings.throttle_window.num_minutes()
        ));
        out.push_str(&format!("token_ttl_days        = {}\n", self.settings.token_ttl.num_days()));
        match &self.settings.mail {
            None => out.push_str("smtp                  = (off: reminders appear in the application only)\n"),
            Some(m) => {
                out.push_str(&format!("smtp_host             = {}\n", m.host));
                out.push_str(&format!("smtp_port             = {}\n", m.port));
                out.push_str(&format!("smtp_tls              = {}\n", m.tls.code()));
                out.push_str(&format!("smtp_from             = {}\n", m.from));
                out.push_str(&format!("smtp_username         = {}\n", m.username.as_deref().unwrap_or("(none)")));
                out.push_str(&format!(
                    "smtp_password         = {}\n",
                    if m.password.is_some() { "***" } else { "(none)" }
                ));
            }
        }
        out.push_str(&format!("reminder_interval_secs = {}\n", self.reminder_interval.as_secs()));
        let mailbox = self.settings.travel_mailbox.as_ref().map(|m| format!("{}:{} as {}", m.host, m.port, m.user));
        out.push_str(&format!("travel_mailbox = {}\n", mailbox.unwrap_or_else(|| "(none)".into())));
        out.push_str(&format!("reminder_horizon_days = {}\n", self.settings.reminder_horizon_days));
        out.push_str(&format!(
            "public_url            = {}\n",
            self.settings.public_url.as_deref().unwrap_or("(none: e-mails say to sign in, without a link)")
        ));
        match &self.settings.receipt_key {
            Some(k) => out.push_str(&format!(
                "receipt_key           = key {} (from COMITY_RECEIPT_KEY)\n",
                comity_domain::receipt::key_id(&k.verifying_key())
            )),
            None => {
                out.push_str("receipt_key           = (kept in the database: set COMITY_RECEIPT_KEY in production)\n")
            }
        }
        out.push_str("\nenvironment variables:\n");
        for (name, meaning) in ENV {
            out.push_str(&format!("  {name:<28} {meaning}\n"));
        }
        out
    }
}

pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("COMITY_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("COMITY_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}

/// Removes expired sessions every ten minutes.
pub async fn sweep_sessions(app: Comity) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(e) = app.purge_expired_sessions().await {
            tracing::warn!(error = %e, "could not purge expired sessions");
        }
    }
}

/// Resolves on Ctrl+C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
