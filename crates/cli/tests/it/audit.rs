//! `comity audit verify`: an acceptance criterion. Tampering with the audit log directly in
//! the database, behind Comity's back, must be detected and the first bad entry named.

use comity_testkit::{on_every_engine, TestDatabase};

use crate::support::{add_user, create_token, execute, run, scalar, Run};

/// A database with a few audit entries written the ordinary way, verified intact.
async fn with_history(t: &TestDatabase) -> i64 {
    add_user(&t.url, "auditor.one", "auditor", "Registry");
    let (id, _) = create_token(&t.url, "auditor.one");
    run(Some(&t.url), &["token", "revoke", "--id", &id]).expect_ok("token revoke");
    run(Some(&t.url), &["user", "reset-password", "--name", "auditor.one"]).expect_ok("reset-password");
    let entries = scalar(&t.url, "SELECT COUNT(*) FROM audit_log").await;
    assert!(entries >= 4, "every write is audited; got {entries} entries");

    let ok = verify(t).expect_ok("verify an untouched chain");
    assert!(ok.stdout.contains(&format!("audit trail intact: {entries} entries")), "{ok}");
    entries
}

fn verify(t: &TestDatabase) -> Run {
    run(Some(&t.url), &["audit", "verify"])
}

#[track_caller]
fn assert_broken(out: &Run, names: &str) {
    assert!(!out.ok(), "a tampered chain fails verification\n{out}");
    assert_eq!(out.status.code(), Some(2), "exit status 2 for a broken chain\n{out}");
    assert!(out.stdout.contains("audit trail BROKEN"), "{out}");
    assert!(out.stdout.contains(names), "names the first bad entry: {names:?}\n{out}");
}

#[tokio::test]
async fn an_altered_entry_is_named() {
    on_every_engine!(|t| {
        with_history(t).await;
        assert_eq!(execute(&t.url, "UPDATE audit_log SET detail = '{}' WHERE seq = 2").await, 1);
        let out = verify(t);
        assert_broken(&out, "entry 2:");
        assert!(out.stdout.contains("altered"), "{out}");
    });
}

#[tokio::test]
async fn an_altered_actor_in_a_later_entry_is_named() {
    on_every_engine!(|t| {
        let entries = with_history(t).await;
        let seq = entries - 1;
        execute(&t.url, &format!("UPDATE audit_log SET actor = 'someone-else' WHERE seq = {seq}")).await;
        assert_broken(&verify(t), &format!("entry {seq}:"));
    });
}

#[tokio::test]
async fn a_deleted_entry_is_named() {
    on_every_engine!(|t| {
        with_history(t).await;
        assert_eq!(execute(&t.url, "DELETE FROM audit_log WHERE seq = 2").await, 1);
        let out = verify(t);
        // The walk meets entry 3 where it expected entry 2.
        assert_broken(&out, "entry 3:");
        assert!(out.stdout.contains("expected sequence number 2"), "{out}");
    });
}

#[tokio::test]
async fn a_deleted_last_entry_is_named() {
    on_every_engine!(|t| {
        let entries = with_history(t).await;
        execute(&t.url, &format!("DELETE FROM audit_log WHERE seq = {entries}")).await;
        assert_broken(&verify(t), &format!("entry {entries}: missing"));
    });
}

#[tokio::test]
async fn a_rewritten_chain_does_not_pass_either() {
    on_every_engine!(|t| {
        with_history(t).await;
        // Copy entry 3's content into entry 2, hashes and all: the link to entry 1 breaks.
        execute(
            &t.url,
            "UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE seq = 3), \
             prev_hash = (SELECT prev_hash FROM audit_log WHERE seq = 3) WHERE seq = 2",
        )
        .await;
        assert_broken(&verify(t), "entry 2:");
    });
}
