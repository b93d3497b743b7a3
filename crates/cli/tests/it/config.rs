//! `comity config check` and configuration errors: secrets stay out of the output, and a bad
//! setting is named before anything touches the database.

use crate::support::{comity, run, run_cmd, sqlite_url};

#[test]
fn config_check_redacts_the_database_password() {
    let out = run(Some("postgres://user:secret@host/db"), &["config", "check"]).expect_ok("config check");
    assert!(out.stdout.contains("database_url") && out.stdout.contains("postgres://user:***@host/db"), "{out}");
    assert!(out.stdout.lines().any(|l| l.starts_with("engine") && l.ends_with("postgres")), "{out}");
    assert!(!out.all().contains("secret"), "the password is never printed\n{out}");

    // The flag form, and the password as a query parameter (libpq style).
    for url in
        ["postgres://user:secret@host/db?sslmode=require", "postgres://user@host/db?password=secret&sslmode=disable"]
    {
        let out = run(None, &["--database-url", url, "config", "check"]).expect_ok("config check --database-url");
        assert!(out.stdout.contains("postgres://user"), "{out}");
        assert!(!out.all().contains("secret"), "the password is never printed: {url}\n{out}");
    }
}

#[test]
fn config_check_shows_the_effective_settings() {
    let out = run_cmd(
        comity(Some("sqlite://somewhere.db"))
            .args(["config", "check"])
            .env("COMITY_ADDR", "0.0.0.0:9090")
            .env("COMITY_SESSION_IDLE_MINUTES", "15")
            .env("COMITY_TOTP_REQUIRED_ROLES", "system_admin"),
    )
    .expect_ok("config check");
    for (key, value) in [
        ("database_url", "sqlite://somewhere.db"),
        ("engine", "sqlite"),
        ("addr", "0.0.0.0:9090"),
        ("session_idle_minutes", "15"),
        ("totp_required_roles", "system_admin"),
    ] {
        assert!(
            out.stdout.lines().any(|l| l.starts_with(key) && l.trim_end().ends_with(&format!("= {value}"))),
            "{key} = {value}\n{out}"
        );
    }
    assert!(out.stdout.contains("COMITY_ADDR"), "lists the environment variables\n{out}");
}

#[test]
fn an_invalid_address_is_named() {
    let out = run(None, &["config", "check", "--addr", "nonsense"]).expect_failure("--addr nonsense");
    assert!(out.stderr.contains("--addr") && out.stderr.contains("'nonsense'"), "{out}");

    let out = run_cmd(comity(None).args(["config", "check"]).env("COMITY_ADDR", "127.0.0.1:99999"))
        .expect_failure("COMITY_ADDR out of range");
    assert!(out.stderr.contains("COMITY_ADDR") && out.stderr.contains("127.0.0.1:99999"), "{out}");
}

#[test]
fn serve_refuses_a_bad_setting_before_touching_the_database() {
    let dir = tempfile::tempdir().expect("a directory");
    let db = dir.path().join("never.db");
    let url = sqlite_url(&db);
    let out = run(Some(&url), &["serve", "--addr", "127.0.0.1"]).expect_failure("no port");
    assert!(out.stderr.contains("--addr"), "{out}");

    let out =
        run_cmd(comity(Some(&url)).args(["serve", "--addr", "127.0.0.1:0"]).env("COMITY_SESSION_IDLE_MINUTES", "abc"))
            .expect_failure("bad number");
    assert!(out.stderr.contains("COMITY_SESSION_IDLE_MINUTES") && out.stderr.contains("'abc'"), "{out}");

    let out =
        run_cmd(comity(Some(&url)).args(["serve", "--addr", "127.0.0.1:0"]).env("COMITY_SECURE_COOKIES", "maybe"))
            .expect_failure("bad flag");
    assert!(out.stderr.contains("COMITY_SECURE_COOKIES"), "{out}");
    assert!(!db.exists(), "no database was created");
}

#[test]
fn an_unsupported_database_is_named() {
    let out = run(Some("mysql://user:secret@host/db"), &["config", "check"]).expect_failure("mysql");
    assert!(out.stderr.contains("sqlite://") && out.stderr.contains("postgres://"), "says what works\n{out}");
    assert!(!out.all().contains("secret"), "{out}");
}

#[test]
fn an_unreachable_database_is_reported_without_its_password() {
    // Port 1 on the loopback interface refuses connections at once.
    let out = run(Some("postgres://comity:secret@127.0.0.1:1/comity"), &["user", "list"]).expect_failure("unreachable");
    assert!(out.stderr.contains("127.0.0.1:1"), "names the server\n{out}");
    assert!(!out.all().contains("secret"), "{out}");
}
