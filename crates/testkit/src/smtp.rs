//! A real, minimal SMTP server on the loopback interface, so tests exercise the same client
//! code, sockets and protocol as production, and can make the server refuse or vanish on
//! cue to test retries and at-most-once delivery.
//!
//! It speaks EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT and AUTH PLAIN (any
//! credentials), without TLS. Every accepted message is kept with its envelope.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// A message as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The `MAIL FROM` address, without angle brackets.
    pub from: String,
    /// The `RCPT TO` addresses, without angle brackets.
    pub to: Vec<String>,
    /// The content as sent after `DATA`, dot-stuffing undone, lines joined with CRLF.
    pub data: String,
}

impl ReceivedMail {
    /// The value of the first header with this name (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((key, rest)) = line.split_once(':') {
                if key.eq_ignore_ascii_case(name) {
                    value = Some(rest.trim().to_owned());
                }
            }
        }
        value
    }
}

/// Shared state between the test and the connections.
#[derive(Default)]
struct State {
    messages: Mutex<Vec<ReceivedMail>>,
    reject_data: AtomicUsize,
    drop_after_content: AtomicUsize,
}

/// A running server; stopped when dropped.
pub struct SmtpServer {
    pub addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl SmtpServer {
    /// Starts a server on `127.0.0.1` on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback SMTP port");
        let addr = listener.local_addr().expect("the SMTP server's address");
        let state = Arc::new(State::default());
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    // A client hanging up mid-session is part of what tests provoke.
                    let _ = session(stream, &state).await;
                });
            }
        });
        Self { addr, state, task }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.state.messages.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Answers the next `n` DATA commands with `451` (a transient refusal: nothing was
    /// handed over, so the client may try again).
    pub fn reject_next_data(&self, n: usize) {
        self.state.reject_data.store(n, Ordering::SeqCst);
    }

    /// For the next `n` messages, keeps the content and then closes the connection without
    /// answering, as a server that crashed after queueing would: the client cannot know
    /// whether the message was delivered.
    pub fn drop_after_next_content(&self, n: usize) {
        self.state.drop_after_content.store(n, Ordering::SeqCst);
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Takes one from a counter if it is above zero.
fn take_one(counter: &AtomicUsize) -> bool {
    counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
}

fn address(arg: &str) -> String {
    let arg = arg.trim();
    let inner = match (arg.find('<'), arg.find('>')) {
        (Some(a), Some(b)) if a < b => &arg[a + 1..b],
        _ => arg.split_whitespace().next().unwrap_or_default(),
    };
    inner.to_owned()
}

async fn session(stream: TcpStream, state: &State) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 comity-test ESMTP ready\r\n").await?;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, arg) = text.split_once(' ').unwrap_or((text, ""));
        let verb = verb.to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-comity-test greets you\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 AUTH PLAIN\r\n",
            "HELO" => b"250 comity-test\r\n",
            "AUTH" => b"235 2.7.0 Authentication successful\r\n",
            "MAIL" => match arg.split_once(':') {
                Some((key, value)) if key.trim().eq_ignore_ascii_case("FROM") => {
                    from = Some(address(value));
                    to.clear();
                    b"250 2.1.0 OK\r\n"
                }
                _ => b"501 5.5.4 syntax: MAIL FROM:<address>\r\n",
            },
            "RCPT" => match arg.split_once(':') {
                Some((key, value)) if key.trim().eq_ignore_ascii_case("TO") && from.is_some() => {
                    to.push(address(value));
                    b"250 2.1.5 OK\r\n"
                }
                _ => b"503 5.5.1 MAIL FROM first, then RCPT TO:<address>\r\n",
            },
            "DATA" if from.is_none() || to.is_empty() => b"503 5.5.1 no valid recipients\r\n",
            "DATA" if take_one(&state.reject_data) => {
                from = None;
                to.clear();
                b"451 4.3.0 try again later\r\n"
            }
            "DATA" => {
                write.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line).await? == 0 {
                        // The client went away before the final dot: nothing is kept.
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    // Undo dot-stuffing (RFC 5321, 4.5.2).
                    let content = if line.starts_with(b"..") { &line[1..] } else { &line[..] };
                    data.extend_from_slice(content);
                }
                let mail = ReceivedMail {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data: String::from_utf8_lossy(&data).trim_end_matches(['\r', '\n']).to_owned(),
                };
                state.messages.lock().unwrap_or_else(|p| p.into_inner()).push(mail);
                if take_one(&state.drop_after_content) {
                    return Ok(());
                }
                b"250 2.0.0 OK queued\r\n"
            }
            "RSET" => {
                from = None;
                to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 command not recognised\r\n",
        };
        write.write_all(reply).await?;
    }
}
