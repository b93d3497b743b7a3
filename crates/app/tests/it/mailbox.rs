//! The travel-report mailbox client against a real Dovecot: reading unread mail leaves it
//! unread, marking it seen takes it out of the next poll, and failures say what went wrong
//! without the password.

use comity_app::mailbox::{self, MailboxConfig, MailboxError};
use comity_testkit::imap::TestMailbox;

const FIRST: &str = "From: Jean Martin <jean.martin@example.org>\r\n\
To: travel-reports@court.example\r\n\
Subject: =?UTF-8?B?RMOpcGxhY2VtZW50IMOgIEdlbsOodmU=?=\r\n\
Date: Mon, 2 Mar 2026 09:15:00 +0100\r\n\
Message-ID: <first@example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n\
Il a pris le train de 7 h 04 pour Genève.\r\n";

const SECOND: &str = "From: <informant@example.net>\r\n\
To: travel-reports@court.example\r\n\
Subject: Seen at the border\r\n\
Date: Tue, 3 Mar 2026 18:00:00 +0000\r\n\
Message-ID: <second@example.net>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=\"sep\"\r\n\
\r\n\
--sep\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<html><body><p>Crossed into <b>Uganda</b> at Malaba.</p></body></html>\r\n\
--sep--\r\n";

async fn server() -> Option<(TestMailbox, MailboxConfig)> {
    let server = TestMailbox::start().await?;
    let cfg = MailboxConfig::from_url(&server.url()).expect("the test server's URL is valid");
    Some((server, cfg))
}

#[tokio::test]
async fn reads_unread_reports_until_they_are_marked_seen() {
    let Some((server, cfg)) = server().await else { return };
    assert!(mailbox::fetch_unseen(&cfg).await.expect("read an empty INBOX").is_empty());

    server.deliver(FIRST.as_bytes()).await;
    server.deliver(SECOND.as_bytes()).await;

    let fetched = mailbox::fetch_unseen(&cfg).await.unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(fetched.len(), 2, "{fetched:?}");
    assert!(fetched[0].uid < fetched[1].uid, "oldest first");
    assert_eq!(fetched[0].raw, FIRST.as_bytes());
    assert_eq!(fetched[1].raw, SECOND.as_bytes());

    let first = mailbox::parse_report(&fetched[0].raw).expect("the first report is readable");
    assert_eq!(first.message_id, "first@example.org");
    assert_eq!(first.from, "Jean Martin <jean.martin@example.org>");
    assert_eq!(first.subject, "Déplacement à Genève");
    assert_eq!(first.text, "Il a pris le train de 7 h 04 pour Genève.");
    let second = mailbox::parse_report(&fetched[1].raw).expect("the second report is readable");
    assert_eq!(second.message_id, "second@example.net");
    assert_eq!(second.from, "informant@example.net");
    assert_eq!(second.subject, "Seen at the border");
    assert_eq!(second.text, "Crossed into Uganda at Malaba.");

    // Reading did not mark anything: a crash before the alerts are committed loses nothing.
    let again = mailbox::fetch_unseen(&cfg).await.expect("read the INBOX again");
    assert_eq!(again, fetched);

    mailbox::mark_seen(&cfg, &[fetched[0].uid]).await.expect("mark the first report seen");
    let left = mailbox::fetch_unseen(&cfg).await.expect("read the INBOX after marking");
    assert_eq!(left, vec![fetched[1].clone()]);

    // Marking nothing, or a message already seen or gone, is harmless.
    mailbox::mark_seen(&cfg, &[]).await.expect("mark nothing");
    mailbox::mark_seen(&cfg, &[fetched[0].uid, 9_999]).await.expect("mark a seen and a missing message");
    mailbox::mark_seen(&cfg, &[fetched[1].uid]).await.expect("mark the second report seen");
    assert!(mailbox::fetch_unseen(&cfg).await.expect("read the INBOX at the end").is_empty());
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_being_repeated() {
    let Some((_server, cfg)) = server().await else { return };
    let wrong = MailboxConfig { password: "not-the-Secret-42".into(), ..cfg };
    let e = mailbox::fetch_unseen(&wrong).await.expect_err("a wrong password is refused");
    assert!(matches!(e, MailboxError::SignInRefused { .. }), "{e:?}");
    let shown = e.to_string();
    assert!(shown.contains("refused the sign-in"), "{shown}");
    assert!(!shown.contains("not-the-Secret-42"), "the message shows the password: {shown}");
    assert!(!format!("{e:?}").contains("not-the-Secret-42"), "the debug form shows the password: {e:?}");
    let e = mailbox::mark_seen(&wrong, &[1]).await.expect_err("a wrong password is refused");
    assert!(matches!(e, MailboxError::SignInRefused { .. }), "{e:?}");
}

#[tokio::test]
async fn a_missing_folder_is_refused_by_name() {
    let Some((server, cfg)) = server().await else { return };
    let elsewhere = MailboxConfig { folder: "Déplacements".into(), ..cfg };
    let e = mailbox::fetch_unseen(&elsewhere).await.expect_err("the folder does not exist");
    assert!(matches!(e, MailboxError::Refused { .. }), "{e:?}");
    assert!(e.to_string().contains("open the folder 'Déplacements'"), "{e}");
    assert!(!e.to_string().contains(server.password()), "{e}");
}

#[tokio::test]
async fn a_closed_port_is_a_connection_error() {
    // A port that was free a moment ago: nothing listens there.
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("find a free port").port();
    let cfg = MailboxConfig::from_url(&format!("imap://reports:hunter22@127.0.0.1:{port}/INBOX")).expect("valid URL");
    let e = mailbox::fetch_unseen(&cfg).await.expect_err("nothing listens there");
    assert!(matches!(e, MailboxError::Connection { .. }), "{e:?}");
    let shown = e.to_string();
    assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    assert!(!shown.contains("hunter22"), "{shown}");
}

/// A pretend server on a free port that sends `greeting` to whoever connects, then waits.
async fn one_line_server(greeting: &'static [u8]) -> (u16, tokio::task::JoinHandle<()>) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let port = listener.local_addr().expect("the port").port();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.write_all(greeting).await;
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                drop(stream);
            });
        }
    });
    (port, task)
}

#[tokio::test]
async fn a_server_that_turns_us_away_is_a_connection_error() {
    let (port, task) = one_line_server(b"* BYE Too many connections from your IP\r\n").await;
    let cfg = MailboxConfig::from_url(&format!("imap://reports:hunter22@127.0.0.1:{port}")).expect("valid URL");
    let e = mailbox::fetch_unseen(&cfg).await.expect_err("the server says BYE");
    assert!(matches!(e, MailboxError::Connection { .. }), "{e:?}");
    assert!(e.to_string().contains("Too many connections"), "{e}");
    task.abort();
}

#[tokio::test]
async fn imaps_to_a_plain_server_fails_in_tls() {
    let (port, task) = one_line_server(b"* OK plain text, no TLS here\r\n").await;
    let cfg = MailboxConfig::from_url(&format!("imaps://reports:hunter22@localhost:{port}")).expect("valid URL");
    let e = mailbox::fetch_unseen(&cfg).await.expect_err("no TLS on the other side");
    assert!(matches!(e, MailboxError::Connection { .. }), "{e:?}");
    assert!(e.to_string().contains("TLS failed"), "{e}");
    assert!(!e.to_string().contains("hunter22"), "{e}");
    task.abort();
}
