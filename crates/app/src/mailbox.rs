//! The travel-report mailbox: anyone may write to it about a suspect's travel, and Comity
//! polls it over IMAP so each report becomes a draft travel alert for an analyst to check.
//!
//! Reading is split in two so nothing is lost: [`fetch_unseen`] takes every message still
//! without the `\Seen` flag and changes nothing on the server; [`mark_seen`] sets the flag
//! only once the caller has committed the alerts. A crash in between makes the next poll read
//! the same messages again, which the caller recognises by their Message-ID.
//! [`parse_report`] turns the raw message into what a person wrote, as far as a machine can
//! tell.
//!
//! Connections are plain (`imap://`, for a server on the same host or in tests) or TLS from
//! the first byte (`imaps://`), verified against the Mozilla roots with rustls. Every network
//! step gives up after [`NETWORK_TIMEOUT`] without progress, so a hung server cannot stall
//! the poller. No error message ever carries the password.

use std::{
    fmt,
    future::Future,
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use async_imap::{
    imap_proto::{Response, Status},
    Client, Session,
};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mail_parser::{Address, MessageParser};
use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
    time::{Instant, Sleep},
};
use tokio_rustls::{
    rustls::{self, pki_types::ServerName},
    TlsConnector,
};

/// How long a connection attempt, or any read or write on an open connection, may go without
/// progress before the server is taken to be hung.
pub const NETWORK_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest report text kept, in characters; the rest is cut off.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// The folder read when the URL names none.
pub const DEFAULT_FOLDER: &str = "INBOX";

/// Where the travel-report mailbox is and how to sign in.
#[derive(Clone)]
pub struct MailboxConfig {
    pub host: String,
    pub port: u16,
    /// `true`: TLS from the first byte (`imaps://`); `false`: plain text (`imap://`).
    pub tls: bool,
    pub user: String,
    pub password: String,
    /// The folder to read, `INBOX` unless the URL names another.
    pub folder: String,
}

/// Shows everything but the password.
impl fmt::Debug for MailboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailboxConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &"[hidden]")
            .field("folder", &self.folder)
            .finish()
    }
}

impl MailboxConfig {
    /// Reads `imap://user:password@host:port/FOLDER` or `imaps://…`. The user and password
    /// are percent-decoded (write `@` as `%40`); the port defaults to 143 for `imap` and 993
    /// for `imaps`; the folder defaults to `INBOX`. Errors name what is wrong without
    /// repeating the URL, which holds the password.
    pub fn from_url(url: &str) -> Result<Self, MailboxError> {
        let bad = |what: &str| MailboxError::Config(format!("the mailbox URL {what}"));
        let url = url.trim();
        let Some((scheme, _)) = url.split_once("://") else {
            return Err(bad("must look like imaps://user:password@host/INBOX"));
        };
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "imap" => false,
            "imaps" => true,
            _ => return Err(bad("must start with imap:// or imaps://")),
        };
        let parsed = url::Url::parse(url).map_err(|e| bad(&format!("cannot be read: {e}")))?;
        let host = match parsed.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_ascii_lowercase(),
            _ => return Err(bad("names no server (imaps://user:password@HOST/INBOX)")),
        };
        let port = match parsed.port() {
            Some(0) => return Err(bad("has port 0, which no server listens on")),
            Some(p) => p,
            None if tls => 993,
            None => 143,
        };
        let decode = |s: &str, what: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| bad(&format!("has a {what} that is not valid UTF-8 once percent-decoded")))
        };
        let user = decode(parsed.username(), "user name")?;
        if user.is_empty() {
            return Err(bad("names no user (imaps://USER:password@host/INBOX)"));
        }
        let password = decode(parsed.password().unwrap_or_default(), "password")?;
        if password.is_empty() {
            return Err(bad("has no password (imaps://user:PASSWORD@host/INBOX)"));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(bad("has a '?' or '#' part, which means nothing here (write '?' as %3F)"));
        }
        let folder = decode(parsed.path().trim_start_matches('/'), "folder")?;
        let folder = if folder.trim().is_empty() { DEFAULT_FOLDER.to_owned() } else { folder };
        if user.contains(['\r', '\n']) || password.contains(['\r', '\n']) || folder.contains(['\r', '\n']) {
            return Err(bad("has a line break in the user, password or folder"));
        }
        Ok(Self { host, port, tls, user, password, folder })
    }

    /// `host:port`, as errors name the server.
    fn server(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The text with the password blotted out, for anything the server or a library says.
    fn scrub(&self, text: impl fmt::Display) -> String {
        let text = text.to_string();
        if self.password.is_empty() {
            text
        } else {
            text.replace(&self.password, "[password]")
        }
    }
}

/// What can go wrong with the mailbox or a message in it.
#[derive(Debug, thiserror::Error)]
pub enum MailboxError {
    /// The mailbox settings are unusable.
    #[error("mailbox configuration: {0}")]
    Config(String),
    /// The server could not be reached, TLS failed, the connection broke or went silent.
    #[error("cannot talk to the mailbox server {server}: {detail}")]
    Connection { server: String, detail: String },
    /// The server refused the user name and password.
    #[error("the mailbox server {server} refused the sign-in of user '{user}': {reply}")]
    SignInRefused { server: String, user: String, reply: String },
    /// The server refused another command, such as opening the folder.
    #[error("the mailbox server {server} refused to {action}: {reply}")]
    Refused { server: String, action: String, reply: String },
    /// The bytes are not an e-mail that can be read.
    #[error("the message cannot be read as an e-mail: {0}")]
    Unparseable(String),
}

/// One message not yet taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The message's IMAP UID in the folder, for [`mark_seen`].
    pub uid: u32,
    /// The whole message as stored on the server (RFC 5322).
    pub raw: Vec<u8>,
}

/// Connects, selects the folder, and returns every message without the `\Seen` flag, oldest
/// (lowest UID) first, leaving out those already flagged `\Deleted`. Reads with
/// `BODY.PEEK[]`, so nothing is marked seen.
pub async fn fetch_unseen(cfg: &MailboxConfig) -> Result<Vec<Fetched>, MailboxError> {
    let mut session = open(cfg).await?;
    let mut uids: Vec<u32> = session
        .uid_search("UNSEEN UNDELETED")
        .await
        .map_err(|e| command_error(cfg, "list the unread messages", e))?
        .into_iter()
        .collect();
    uids.sort_unstable();
    let mut fetched = Vec::with_capacity(uids.len());
    if !uids.is_empty() {
        let stream = session
            .uid_fetch(uid_set(&uids), "(UID BODY.PEEK[])")
            .await
            .map_err(|e| command_error(cfg, "send the unread messages", e))?;
        let answers: Vec<_> =
            stream.try_collect().await.map_err(|e| command_error(cfg, "send the unread messages", e))?;
        for answer in &answers {
            // A message expunged meanwhile, or a FLAGS update, comes without a body: skip it.
            if let (Some(uid), Some(raw)) = (answer.uid, answer.body()) {
                if uids.binary_search(&uid).is_ok() {
                    fetched.push(Fetched { uid, raw: raw.to_vec() });
                }
            }
        }
        fetched.sort_by_key(|f| f.uid);
        fetched.dedup_by_key(|f| f.uid);
    }
    close(session).await;
    Ok(fetched)
}

/// Marks these messages `\Seen`. Called only after their alerts were committed, so a crash
/// in between makes the next poll read them again (the caller de-duplicates by Message-ID).
/// UIDs no longer in the folder are ignored, as IMAP does.
pub async fn mark_seen(cfg: &MailboxConfig, uids: &[u32]) -> Result<(), MailboxError> {
    let mut uids = uids.to_vec();
    uids.sort_unstable();
    uids.dedup();
    if uids.is_empty() {
        return Ok(());
    }
    let mut session = open(cfg).await?;
    let action = "mark the messages as read";
    let stream =
        session.uid_store(uid_set(&uids), "+FLAGS.SILENT (\\Seen)").await.map_err(|e| command_error(cfg, action, e))?;
    let _: Vec<_> = stream.try_collect().await.map_err(|e| command_error(cfg, action, e))?;
    close(session).await;
    Ok(())
}

/// What a report says, as far as a machine can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedTravel {
    /// The Message-ID without `<>`; when the message has none, `sha256:` and the hex SHA-256
    /// of the raw message, so the same message always gets the same id.
    pub message_id: String,
    /// The sender as `Name <address>`, or the bare address; empty when the message names none.
    pub from: String,
    /// The subject, decoded; empty when there is none.
    pub subject: String,
    /// The `Date` header, when present and valid.
    pub sent_at: Option<DateTime<Utc>>,
    /// The plain-text body (the text/plain part preferred, else the HTML stripped of tags),
    /// with LF line ends, trimmed, at most [`MAX_TEXT_CHARS`] characters.
    pub text: String,
}

/// Reads a raw RFC 5322 message. Refuses bytes that are not an e-mail, and messages with
/// neither a subject nor any text, as nothing could be made of them.
pub fn parse_report(raw: &[u8]) -> Result<ReportedTravel, MailboxError> {
    let unparseable = |why: &str| MailboxError::Unparseable(why.to_owned());
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(unparseable("it is empty"));
    }
    if !starts_with_header(raw) {
        return Err(unparseable("it does not start with e-mail headers (RFC 5322)"));
    }
    let message = MessageParser::default().parse(raw).ok_or_else(|| unparseable("it has no e-mail headers"))?;
    let has_standard_header = ["From", "Date", "Message-ID", "Subject", "To", "Sender"]
        .iter()
        .any(|name| message.header_raw(*name).is_some_and(|v| !v.trim().is_empty()));
    if !has_standard_header {
        return Err(unparseable("it has none of the headers every e-mail has (From, Date, Subject, Message-ID)"));
    }

    let message_id = match message.message_id().map(|id| id.trim().trim_start_matches('<').trim_end_matches('>')) {
        Some(id) if !id.trim().is_empty() => id.trim().to_owned(),
        _ => format!("sha256:{}", hex::encode(Sha256::digest(raw))),
    };
    let from = message.from().map(sender).unwrap_or_default();
    let subject = message.subject().map(|s| one_line(s.trim())).unwrap_or_default();
    let sent_at =
        message.date().filter(|d| d.is_valid()).and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0));

    let mut text = String::new();
    for pos in 0..message.text_body_count() {
        if let Some(part) = message.body_text(pos) {
            let part = part.trim();
            if !part.is_empty() {
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(part);
            }
        }
    }
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((cut, _)) => text[..cut].trim_end().to_owned(),
        None => text.trim().to_owned(),
    };
    if text.is_empty() && subject.is_empty() {
        return Err(unparseable("it has neither a subject nor any text"));
    }
    Ok(ReportedTravel { message_id, from, subject, sent_at, text })
}

/// Whether the bytes open with a header line (`Name: value`, a printable ASCII name), as an
/// e-mail must; a parser that forgives everything would otherwise make mail out of noise.
fn starts_with_header(raw: &[u8]) -> bool {
    let start = raw.iter().position(|b| !matches!(b, b'\r' | b'\n')).unwrap_or(raw.len());
    let line = &raw[start..];
    let line = &line[..line.iter().position(|b| *b == b'\n').unwrap_or(line.len())];
    // The mbox separator some stores keep in front of the headers.
    if line.starts_with(b"From ") {
        return true;
    }
    match line.iter().position(|b| *b == b':') {
        // Obsolete syntax allows blanks between the name and the colon.
        Some(colon) => {
            let name = line[..colon].trim_ascii_end();
            !name.is_empty() && name.iter().all(u8::is_ascii_graphic)
        }
        None => false,
    }
}

/// `Name <address>` for the first sender, or the bare address or name.
fn sender(address: &Address<'_>) -> String {
    let Some(first) = address.first() else { return String::new() };
    let name = first.name().map(|n| one_line(n.trim())).filter(|n| !n.is_empty());
    let addr = first.address().map(str::trim).filter(|a| !a.is_empty());
    match (name, addr) {
        (Some(name), Some(addr)) => format!("{name} <{addr}>"),
        (None, Some(addr)) => addr.to_owned(),
        (Some(name), None) => name,
        (None, None) => String::new(),
    }
}

/// Folded header text on one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A folder name as IMAP writes it on the wire: modified UTF-7 (RFC 3501, 5.1.3), so that
/// `Déplacements` becomes `D&AOk-placements`.
fn imap_folder_name(folder: &str) -> String {
    use base64::Engine as _;
    // IMAP's variant of base64: ',' for '/', no padding.
    let encode = |run: &[u16], out: &mut String| {
        let bytes: Vec<u8> = run.iter().flat_map(|u| u.to_be_bytes()).collect();
        let b64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes);
        out.push('&');
        out.push_str(&b64.replace('/', ","));
        out.push('-');
    };
    let mut out = String::with_capacity(folder.len());
    let mut run: Vec<u16> = Vec::new();
    for c in folder.chars() {
        if (' '..='~').contains(&c) {
            if !run.is_empty() {
                encode(&run, &mut out);
                run.clear();
            }
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut units = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    if !run.is_empty() {
        encode(&run, &mut out);
    }
    out
}

/// A UID set for a command, runs written as ranges to keep the line short: `4:6,9`. The
/// UIDs must be sorted.
fn uid_set(uids: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end.saturating_add(1) {
            i += 1;
            end = uids[i];
        }
        parts.push(if end == start { start.to_string() } else { format!("{start}:{end}") });
        i += 1;
    }
    parts.join(",")
}

/// The byte stream under the IMAP client: TCP, or TLS over TCP.
trait Wire: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Wire for T {}

type ImapSession = Session<Box<dyn Wire>>;

/// Connects, checks the greeting, signs in and selects the folder.
async fn open(cfg: &MailboxConfig) -> Result<ImapSession, MailboxError> {
    let connection_error =
        |detail: String| MailboxError::Connection { server: cfg.server(), detail: cfg.scrub(detail) };
    let tcp = tokio::time::timeout(NETWORK_TIMEOUT, TcpStream::connect((cfg.host.as_str(), cfg.port)))
        .await
        .map_err(|_| connection_error(format!("no answer within {} s", NETWORK_TIMEOUT.as_secs())))?
        .map_err(|e| connection_error(e.to_string()))?;
    let _ = tcp.set_nodelay(true);
    let wire = Patient::new(tcp, NETWORK_TIMEOUT);
    let wire: Box<dyn Wire> = if cfg.tls {
        let name = ServerName::try_from(cfg.host.clone())
            .map_err(|_| MailboxError::Config(format!("'{}' is not a host name TLS can verify", cfg.host)))?;
        let tls = tls_connector()
            .map_err(|e| connection_error(format!("TLS cannot be set up: {e}")))?
            .connect(name, wire)
            .await
            .map_err(|e| connection_error(format!("TLS failed: {e}")))?;
        Box::new(tls)
    } else {
        Box::new(wire)
    };

    let mut client = Client::new(wire);
    let greeting = client
        .read_response()
        .await
        .map_err(|e| connection_error(e.to_string()))?
        .ok_or_else(|| connection_error("the server closed the connection before greeting".to_owned()))?;
    match greeting.parsed() {
        Response::Data { status: Status::Bye, outcome } => {
            let said = outcome.information.as_deref().unwrap_or("no reason given");
            return Err(connection_error(format!("the server turned the connection away: {said}")));
        }
        Response::Data { .. } => {}
        _ => return Err(connection_error("the server did not greet as an IMAP server does".to_owned())),
    }

    let mut session = client.login(&cfg.user, &cfg.password).await.map_err(|(e, _)| match e {
        async_imap::error::Error::No(reply) | async_imap::error::Error::Bad(reply) => {
            MailboxError::SignInRefused { server: cfg.server(), user: cfg.user.clone(), reply: cfg.scrub(reply.trim()) }
        }
        other => connection_error(other.to_string()),
    })?;
    session
        .select(imap_folder_name(&cfg.folder))
        .await
        .map_err(|e| command_error(cfg, &format!("open the folder '{}'", cfg.folder), e))?;
    Ok(session)
}

/// Signs out politely; the work is done, so a failure here changes nothing.
async fn close(mut session: ImapSession) {
    if let Err(e) = session.logout().await {
        tracing::debug!(error = %e, "the mailbox server did not take the LOGOUT");
    }
}

/// A refusal (`NO`/`BAD`) with the server's words, or a broken connection.
fn command_error(cfg: &MailboxConfig, action: &str, e: async_imap::error::Error) -> MailboxError {
    match e {
        async_imap::error::Error::No(reply) | async_imap::error::Error::Bad(reply) => {
            MailboxError::Refused { server: cfg.server(), action: action.to_owned(), reply: cfg.scrub(reply.trim()) }
        }
        other => MailboxError::Connection {
            server: cfg.server(),
            detail: cfg.scrub(format!("while trying to {action}: {other}")),
        },
    }
}

/// TLS verified against the Mozilla root certificates, with the aws-lc-rs provider named
/// explicitly so that no process-wide default has to be installed first.
fn tls_connector() -> Result<TlsConnector, rustls::Error> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// A stream that fails with `TimedOut` when a read or a write waits longer than `limit`
/// without progress, however long the whole exchange takes.
#[derive(Debug)]
struct Patient<S> {
    inner: S,
    limit: Duration,
    read_timer: Pin<Box<Sleep>>,
    reading: bool,
    write_timer: Pin<Box<Sleep>>,
    writing: bool,
}

impl<S> Patient<S> {
    fn new(inner: S, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            read_timer: Box::pin(tokio::time::sleep(limit)),
            reading: false,
            write_timer: Box::pin(tokio::time::sleep(limit)),
            writing: false,
        }
    }

    /// The answer to a poll that found the stream not ready: wait on, or give up.
    fn wait<T>(
        timer: &mut Pin<Box<Sleep>>,
        waiting: &mut bool,
        limit: Duration,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<T>> {
        if !*waiting {
            timer.as_mut().reset(Instant::now() + limit);
            *waiting = true;
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                *waiting = false;
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the server went silent for {} s", limit.as_secs()),
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn wrote<T>(&mut self, result: Poll<io::Result<T>>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match result {
            Poll::Ready(r) => {
                self.writing = false;
                // A new command: the answer gets the full time from now.
                self.reading = false;
                Poll::Ready(r)
            }
            Poll::Pending => Self::wait(&mut self.write_timer, &mut self.writing, self.limit, cx),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Patient<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.reading = false;
                Poll::Ready(r)
            }
            Poll::Pending => Self::wait(&mut this.read_timer, &mut this.reading, this.limit, cx),
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Patient<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.wrote(result, cx)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_flush(cx);
        this.wrote(result, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.wrote(result, cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_imaps_url_with_defaults() {
        let cfg = MailboxConfig::from_url("imaps://reports%40court.example:p%40ss%3Aw%2Frd@Mail.Court.Example")
            .expect("a valid URL");
        assert_eq!(cfg.host, "mail.court.example");
        assert_eq!(cfg.port, 993);
        assert!(cfg.tls);
        assert_eq!(cfg.user, "reports@court.example");
        assert_eq!(cfg.password, "p@ss:w/rd");
        assert_eq!(cfg.folder, "INBOX");
    }

    #[test]
    fn reads_an_imap_url_with_port_and_folder() {
        let cfg = MailboxConfig::from_url("imap://tips:secret@127.0.0.1:1143/Reports/Travel%20tips").expect("valid");
        assert_eq!((cfg.host.as_str(), cfg.port, cfg.tls), ("127.0.0.1", 1143, false));
        assert_eq!(cfg.folder, "Reports/Travel tips");
        let cfg = MailboxConfig::from_url("IMAP://tips:secret@[::1]/").expect("valid");
        assert_eq!((cfg.host.as_str(), cfg.port, cfg.folder.as_str()), ("::1", 143, "INBOX"));
        assert_eq!(cfg.server(), "[::1]:143");
    }

    #[test]
    fn refuses_bad_urls_naming_the_problem_and_never_the_password() {
        let cases = [
            ("https://u:hunter22@host/INBOX", "imap:// or imaps://"),
            ("mail.court.example", "must look like"),
            ("imaps://:hunter22@host/INBOX", "names no user"),
            ("imaps://user@host/INBOX", "no password"),
            ("imaps://user:hunter22@/INBOX", "empty host"),
            ("imaps://user:hunter22@host:99999/INBOX", "cannot be read"),
            ("imaps://user:hunter22@host:0/INBOX", "port 0"),
            ("imaps://user:hunter22@host/INBOX?x=1", "'?' or '#'"),
            ("imaps://user:hunter%0A22@host/INBOX", "line break"),
            ("imaps://user:hunter%FF22@host/INBOX", "not valid UTF-8"),
        ];
        for (url, expected) in cases {
            let e = MailboxConfig::from_url(url).expect_err(url);
            assert!(matches!(e, MailboxError::Config(_)), "{url}: {e:?}");
            let shown = e.to_string();
            assert!(shown.contains(expected), "{url}: {shown}");
            assert!(!shown.contains("hunter"), "{url} leaks the password: {shown}");
        }
    }

    #[test]
    fn writes_folder_names_in_modified_utf7() {
        assert_eq!(imap_folder_name("INBOX"), "INBOX");
        assert_eq!(imap_folder_name("Reports/Déplacements"), "Reports/D&AOk-placements");
        assert_eq!(imap_folder_name("R&D"), "R&-D");
        assert_eq!(imap_folder_name("~peter/mail/台北/日本語"), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    }

    #[tokio::test]
    async fn a_silent_peer_times_out_but_a_slow_one_does_not() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let limit = Duration::from_millis(200);

        let (ours, _theirs) = tokio::io::duplex(64);
        let mut silent = Patient::new(ours, limit);
        let started = Instant::now();
        let e = silent.read(&mut [0u8; 8]).await.expect_err("nothing ever comes");
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= limit, "{:?}", started.elapsed());

        // Five chunks, each well within the limit, the whole well beyond it.
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut slow = Patient::new(ours, limit);
        let sender = tokio::spawn(async move {
            for _ in 0..5 {
                tokio::time::sleep(limit / 2).await;
                theirs.write_all(b"x").await.expect("send a byte");
            }
        });
        let mut got = [0u8; 5];
        slow.read_exact(&mut got).await.expect("a slow but steady peer is waited for");
        assert_eq!(&got, b"xxxxx");
        sender.await.expect("the sender finished");
    }

    #[test]
    fn writes_uid_sets_with_ranges() {
        assert_eq!(uid_set(&[7]), "7");
        assert_eq!(uid_set(&[1, 2, 3, 5, 8, 9]), "1:3,5,8:9");
        assert_eq!(uid_set(&[u32::MAX - 1, u32::MAX]), format!("{}:{}", u32::MAX - 1, u32::MAX));
    }

    #[test]
    fn debug_hides_the_password() {
        let cfg = MailboxConfig::from_url("imaps://user:hunter22@host/INBOX").expect("valid");
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(shown.contains("user"), "{shown}");
    }

    #[test]
    fn scrubs_the_password_from_server_text() {
        let cfg = MailboxConfig::from_url("imaps://user:hunter22@host/INBOX").expect("valid");
        assert_eq!(cfg.scrub("LOGIN user hunter22 failed"), "LOGIN user [password] failed");
    }

    #[test]
    fn parses_a_plain_message() {
        let raw = b"Return-Path: <witness@example.org>\r\n\
From: Jean Martin <witness@example.org>\r\n\
To: travel-reports@court.example\r\n\
Subject: Suspect seen at the airport\r\n\
Date: Mon, 2 Mar 2026 09:15:00 +0100\r\n\
Message-ID: <abc.123@example.org>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
I saw him board flight XY 123 to Nairobi.\r\n\
Gate 12, 08:40.\r\n\r\n";
        let report = parse_report(raw).expect("a readable message");
        assert_eq!(
            report,
            ReportedTravel {
                message_id: "abc.123@example.org".into(),
                from: "Jean Martin <witness@example.org>".into(),
                subject: "Suspect seen at the airport".into(),
                sent_at: DateTime::from_timestamp(1_772_439_300, 0),
                text: "I saw him board flight XY 123 to Nairobi.\nGate 12, 08:40.".into(),
            }
        );
    }

    #[test]
    fn prefers_the_plain_part_of_an_alternative() {
        let raw = b"From: a@example.org\r\nSubject: both\r\nMessage-ID: <m@x>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain words\r\n\
--b\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>html words</p>\r\n--b--\r\n";
        assert_eq!(parse_report(raw).expect("readable").text, "plain words");
    }

    #[test]
    fn strips_the_tags_of_an_html_only_multipart() {
        let raw = b"From: <informant@example.net>\r\n\
Subject: Travel\r\n\
Message-ID: <html-only@example.net>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\
\r\n\
--XYZ\r\n\
Content-Type: text/html; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
<html><head><style>p { color: red }</style></head><body><p>He left for <b>Lom=C3=A9</b> by b=\r\n\
us.</p></body></html>\r\n\
--XYZ--\r\n";
        let report = parse_report(raw).expect("readable");
        assert_eq!(report.from, "informant@example.net");
        assert!(report.text.contains("He left for Lomé by bus."), "{:?}", report.text);
        assert!(!report.text.contains('<') && !report.text.contains("color"), "{:?}", report.text);
    }

    #[test]
    fn decodes_encoded_words_in_subject_and_names() {
        // "Déplacement à Genève" and the sender "نور الهدى" (Arabic), as mail clients encode them.
        let raw = "From: =?UTF-8?B?2YbZiNixINin2YTZh9iv2Yk=?= <nour@example.org>\r\n\
Subject: =?UTF-8?B?RMOpcGxhY2VtZW50IMOgIEdlbsOodmU=?=\r\n\
Message-ID: <enc@example.org>\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Il est arriv=E9 =E0 Gen=E8ve hier.\r\n";
        let report = parse_report(raw.as_bytes()).expect("readable");
        assert_eq!(report.subject, "Déplacement à Genève");
        assert_eq!(report.from, "نور الهدى <nour@example.org>");
        assert_eq!(report.text, "Il est arrivé à Genève hier.");
        assert_eq!(report.sent_at, None);
    }

    #[test]
    fn derives_a_stable_id_when_the_message_id_is_missing() {
        let raw = b"From: a@example.org\r\nSubject: no id\r\n\r\nSeen in Lisbon.\r\n";
        let first = parse_report(raw).expect("readable");
        assert!(first.message_id.starts_with("sha256:"), "{}", first.message_id);
        assert_eq!(first.message_id.len(), "sha256:".len() + 64);
        assert_eq!(parse_report(raw).expect("readable").message_id, first.message_id);
        let other = parse_report(b"From: a@example.org\r\nSubject: no id\r\n\r\nSeen in Porto.\r\n").expect("readable");
        assert_ne!(other.message_id, first.message_id);
    }

    #[test]
    fn cuts_long_text() {
        let raw = format!("From: a@example.org\r\nSubject: long\r\n\r\n{}\r\n", "é".repeat(MAX_TEXT_CHARS + 50));
        let report = parse_report(raw.as_bytes()).expect("readable");
        assert_eq!(report.text.chars().count(), MAX_TEXT_CHARS);
    }

    #[test]
    fn refuses_what_is_not_an_email() {
        let garbage: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let cases: [(&[u8], &str); 6] = [
            (&garbage, "headers"),
            (b"\x00\xff\xfe\x01binary\x00", "headers"),
            (b"", "empty"),
            (b" \r\n\r\n", "empty"),
            (b"just some words, no headers at all\r\n", "headers"),
            (b"X-Spam: yes\r\n\r\nhello\r\n", "From, Date"),
        ];
        for (raw, expected) in cases {
            match parse_report(raw) {
                Err(MailboxError::Unparseable(why)) => assert!(why.contains(expected), "{why}"),
                other => panic!("expected Unparseable for {:?}: {other:?}", String::from_utf8_lossy(raw)),
            }
        }
        match parse_report(b"From: a@example.org\r\nSubject:  \r\n\r\n \r\n") {
            Err(MailboxError::Unparseable(why)) => assert!(why.contains("neither a subject nor any text"), "{why}"),
            other => panic!("expected Unparseable: {other:?}"),
        }
    }
}
