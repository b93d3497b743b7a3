//! Sending e-mail over SMTP, in two steps so the caller can record the point of no return.
//!
//! [`Mailer::prepare`] connects, negotiates TLS, authenticates and gets the server to say
//! it will take the message (`MAIL FROM`, `RCPT TO`, `DATA`). Nothing has been delivered
//! yet: any failure up to here is safe to retry. [`Prepared::deliver`] sends the content;
//! once it starts, a lost connection leaves it unknown whether the server kept the message.
//! The reminder worker writes that boundary to the database between the two steps, so a
//! crash can never make it send the same reminder twice.

use std::{fmt, time::Duration};

use chrono::{DateTime, Utc};
use lettre::{
    message::{header::ContentType, Mailbox},
    transport::smtp::{
        authentication::{Credentials, DEFAULT_MECHANISMS},
        client::{AsyncSmtpConnection, TlsParameters},
        commands::{Data, Mail, Rcpt},
        extension::{ClientId, MailParameter},
        Error as SmtpError,
    },
    Message,
};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MailTls {
    /// Plain text: only for a relay on the same host or a test server.
    None,
    /// Upgrade with STARTTLS, and refuse to go on without it (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl MailTls {
    pub fn code(self) -> &'static str {
        match self {
            MailTls::None => "none",
            MailTls::StartTls => "starttls",
            MailTls::Tls => "tls",
        }
    }

    /// The usual port for this mode.
    pub fn default_port(self) -> u16 {
        match self {
            MailTls::None => 25,
            MailTls::StartTls => 587,
            MailTls::Tls => 465,
        }
    }
}

impl std::str::FromStr for MailTls {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "off" | "plain" => Ok(MailTls::None),
            "starttls" => Ok(MailTls::StartTls),
            "tls" | "ssl" | "smtps" => Ok(MailTls::Tls),
            other => Err(format!("expected none, starttls or tls, got '{other}'")),
        }
    }
}

/// Where and how to send e-mail. No settings at all means e-mail is off.
#[derive(Clone, PartialEq, Eq)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    /// The sender, e.g. `Comity <comity@court.example>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: MailTls,
    /// Limit for each exchange with the server. It must stay well inside the worker's lease.
    pub timeout: Duration,
}

impl MailSettings {
    /// Settings for `host` with the mode's usual port and no credentials.
    pub fn new(host: impl Into<String>, from: impl Into<String>, tls: MailTls) -> Self {
        Self {
            host: host.into(),
            port: tls.default_port(),
            from: from.into(),
            username: None,
            password: None,
            tls,
            timeout: Duration::from_secs(30),
        }
    }
}

// Written by hand so a password never reaches a log through `{:?}`.
impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("tls", &self.tls)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// One e-mail to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Without angle brackets; the same for every attempt, so a receiving server that
    /// deduplicates by Message-ID drops a copy it already has.
    pub message_id: String,
    pub date: DateTime<Utc>,
}

/// Why an e-mail was not (or may not have been) delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The server never took the message: the connection failed or the server refused.
    /// `permanent` when trying again cannot help (a 5xx reply, a malformed address).
    #[error("not sent: {reason}")]
    NotSent { permanent: bool, reason: String },
    /// The content went out but no clear answer came back: it may have been delivered.
    #[error("outcome unknown: {0}")]
    Unknown(String),
}

impl SendError {
    /// An error reply or failure at a point where the server holds no complete message.
    fn from_smtp(e: &SmtpError) -> Self {
        SendError::NotSent { permanent: e.is_permanent(), reason: e.to_string() }
    }
}

/// Sends e-mail, or says that e-mail is off.
#[derive(Clone)]
pub struct Mailer {
    smtp: Option<Smtp>,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer").field("settings", &self.smtp.as_ref().map(|s| &s.settings)).finish()
    }
}

#[derive(Clone)]
struct Smtp {
    settings: MailSettings,
    from: Mailbox,
    tls: Option<TlsParameters>,
}

impl Mailer {
    /// A mailer for the settings, or a disabled one when there are none. Refuses a sender
    /// address that is not one, and TLS for a host name TLS cannot check.
    pub fn new(settings: Option<&MailSettings>) -> Result<Self, String> {
        let Some(s) = settings else {
            return Ok(Self::disabled());
        };
        if s.host.trim().is_empty() {
            return Err("the SMTP host is empty".into());
        }
        let from: Mailbox = s.from.parse().map_err(|e| format!("the sender '{}' is not an address: {e}", s.from))?;
        if s.username.is_some() != s.password.is_some() {
            return Err("give both an SMTP username and a password, or neither".into());
        }
        let tls = match s.tls {
            MailTls::None => None,
            MailTls::StartTls | MailTls::Tls => Some(
                TlsParameters::new(s.host.clone()).map_err(|e| format!("TLS for the SMTP host '{}': {e}", s.host))?,
            ),
        };
        Ok(Self { smtp: Some(Smtp { settings: s.clone(), from, tls }) })
    }

    pub fn disabled() -> Self {
        Self { smtp: None }
    }

    pub fn is_enabled(&self) -> bool {
        self.smtp.is_some()
    }

    /// The domain of the sender address, for Message-IDs.
    pub fn sender_domain(&self) -> Option<String> {
        self.smtp.as_ref().map(|s| s.from.email.domain().to_owned())
    }

    /// Connects and gets the server ready to take the message. Failures here are always
    /// [`SendError::NotSent`]: the server has no content to deliver.
    pub async fn prepare(&self, mail: &Outgoing) -> Result<Prepared, SendError> {
        let smtp = self
            .smtp
            .as_ref()
            .ok_or_else(|| SendError::NotSent { permanent: true, reason: "e-mail is not configured".into() })?;
        let to: Mailbox = mail.to.parse().map_err(|e| SendError::NotSent {
            permanent: true,
            reason: format!("the recipient '{}' is not an address: {e}", mail.to),
        })?;
        let message = Message::builder()
            .from(smtp.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}>", mail.message_id)))
            .date(mail.date.into())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| SendError::NotSent { permanent: true, reason: format!("building the message: {e}") })?;
        let s = &smtp.settings;
        let hello = ClientId::default();
        let wrapper = if s.tls == MailTls::Tls { smtp.tls.clone() } else { None };
        let t = s.timeout;
        let mut conn =
            step(t, AsyncSmtpConnection::connect_tokio1((s.host.as_str(), s.port), Some(t), &hello, wrapper, None))
                .await?;
        // From here on a failure drops the connection: a server discards a transaction that
        // was never completed with the content's final dot.
        if s.tls == MailTls::StartTls {
            let params = smtp.tls.clone().ok_or_else(|| SendError::NotSent {
                permanent: true,
                reason: "STARTTLS without TLS parameters".into(),
            })?;
            step(t, conn.starttls(params, &hello)).await?;
        }
        if let (Some(user), Some(password)) = (&s.username, &s.password) {
            step(t, conn.auth(DEFAULT_MECHANISMS, &Credentials::new(user.clone(), password.clone()))).await?;
        }
        let envelope = message.envelope();
        let mut options = Vec::new();
        if !envelope.to().iter().chain(envelope.from()).all(|a| AsRef::<str>::as_ref(a).is_ascii()) {
            options.push(MailParameter::SmtpUtfEight);
        }
        step(t, conn.command(Mail::new(envelope.from().cloned(), options))).await?;
        for rcpt in envelope.to() {
            step(t, conn.command(Rcpt::new(rcpt.clone(), Vec::new()))).await?;
        }
        step(t, conn.command(Data)).await?;
        Ok(Prepared { conn, content: message.formatted(), timeout: t })
    }
}

/// One exchange before the content, within the time limit. lettre bounds only the
/// connection itself; a server that stops answering must not hold the worker past its lease.
async fn step<T>(
    limit: Duration,
    exchange: impl std::future::Future<Output = Result<T, SmtpError>>,
) -> Result<T, SendError> {
    match tokio::time::timeout(limit, exchange).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(SendError::from_smtp(&e)),
        Err(_) => Err(SendError::NotSent { permanent: false, reason: format!("no answer within {limit:?}") }),
    }
}

/// A server waiting for a message's content.
pub struct Prepared {
    conn: AsyncSmtpConnection,
    content: Vec<u8>,
    timeout: Duration,
}

impl Prepared {
    /// Sends the content and waits for the server's answer. A refusal in reply to the
    /// content is a clear "not delivered"; anything else that goes wrong from here is
    /// [`SendError::Unknown`].
    pub async fn deliver(mut self) -> Result<(), SendError> {
        let answer = match tokio::time::timeout(self.timeout, self.conn.message(&self.content)).await {
            Ok(answer) => answer,
            Err(_) => return Err(SendError::Unknown(format!("no answer to the content within {:?}", self.timeout))),
        };
        match answer {
            Ok(_) => {
                // The server has taken the message; a failed goodbye changes nothing.
                let _ = tokio::time::timeout(self.timeout, self.conn.quit()).await;
                Ok(())
            }
            Err(e) if e.is_transient() || e.is_permanent() => {
                let _ = tokio::time::timeout(self.timeout, self.conn.abort()).await;
                Err(SendError::from_smtp(&e))
            }
            Err(e) => Err(SendError::Unknown(e.to_string())),
        }
    }

    /// Gives up before sending the content; the server keeps nothing.
    pub async fn abandon(self) {
        // Dropping the connection mid-DATA is the one way to cancel: RSET would be read
        // as part of the message.
        drop(self.conn);
    }
}
