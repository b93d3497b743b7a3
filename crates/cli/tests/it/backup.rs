//! `comity backup --to FILE`: on SQLite a consistent copy that is itself a Comity database,
//! taken while the server runs; on PostgreSQL a clear pointer to pg_dump.

use crate::support::{add_user, get_json, run, scalar, sqlite_url, Server};

#[tokio::test]
async fn a_sqlite_backup_is_a_working_comity_database() {
    let t = comity_testkit::sqlite();
    let dir = tempfile::tempdir().expect("a directory for the backup");
    let server = Server::start(&t.url);
    add_user(&t.url, "kept.user", "officer", "Registry");
    let file = dir.path().join("copy.db");
    let target = file.to_str().expect("a UTF-8 path");

    // Taken while the server is running: a live backup.
    let out = run(Some(&t.url), &["backup", "--to", target]).expect_ok("backup");
    assert!(out.stdout.contains("backup written"), "{out}");
    assert!(file.is_file(), "the backup file exists");
    assert_eq!(get_json(&server, "/healthz", None).await.0, 200, "the server carries on");

    let copy = sqlite_url(&file);
    let partners = scalar(&copy, "SELECT COUNT(*) FROM partners").await;
    assert!(partners > 0, "the copy holds the partners");
    assert_eq!(partners, scalar(&t.url, "SELECT COUNT(*) FROM partners").await, "all of them");
    assert_eq!(scalar(&copy, "SELECT COUNT(*) FROM users WHERE name = 'kept.user'").await, 1);
    assert_eq!(
        scalar(&copy, "SELECT COUNT(*) FROM audit_log").await,
        scalar(&t.url, "SELECT COUNT(*) FROM audit_log").await
    );

    // Comity itself accepts the copy: the chain verifies and the server starts on it.
    let verified = run(Some(&copy), &["audit", "verify"]).expect_ok("verify the backup");
    assert!(verified.stdout.contains("intact"), "{verified}");
    drop(server);
    let restored = Server::start(&copy);
    assert!(restored.admin_password().is_none(), "a restored database keeps its administrator");
    assert_eq!(get_json(&restored, "/healthz", None).await.0, 200);
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file() {
    let t = comity_testkit::sqlite();
    add_user(&t.url, "someone", "viewer", "Registry");
    let dir = tempfile::tempdir().expect("a directory for the backup");
    let file = dir.path().join("precious.db");
    std::fs::write(&file, b"not to be overwritten").expect("write a file");
    let out =
        run(Some(&t.url), &["backup", "--to", file.to_str().expect("UTF-8 path")]).expect_failure("target exists");
    assert!(out.stderr.contains("already exists"), "says why\n{out}");
    assert!(out.stderr.contains("precious.db"), "names the file\n{out}");
    assert_eq!(std::fs::read(&file).expect("read the file"), b"not to be overwritten", "left untouched");
}

#[tokio::test]
async fn a_postgres_backup_points_to_pg_dump() {
    let Some(t) = comity_testkit::postgres().await else {
        eprintln!("skipped: set {} to run the PostgreSQL half", comity_testkit::POSTGRES_ENV);
        return;
    };
    add_user(&t.url, "someone", "viewer", "Registry");
    let dir = tempfile::tempdir().expect("a directory for the backup");
    let file = dir.path().join("copy.db");
    let out = run(Some(&t.url), &["backup", "--to", file.to_str().expect("UTF-8 path")]).expect_failure("postgres");
    assert!(out.stderr.contains("pg_dump"), "{out}");
    assert!(!file.exists(), "nothing written");
}
