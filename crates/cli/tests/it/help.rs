//! `--help` everywhere: every command explains itself and its options, and exits 0.

use crate::support::run;

/// Each command line, and what its help must mention.
const COMMANDS: &[(&[&str], &[&str])] = &[
    (&[], &["serve", "demo", "migrate", "user", "token", "audit", "backup", "config", "receipt", "--database-url"]),
    (&["serve"], &["--addr", "COMITY_ADDR", "--demo", "--database-url", "DATABASE_URL"]),
    (&["demo"], &["--addr", "--database-url"]),
    (&["migrate"], &["--database-url"]),
    (&["user"], &["add", "list", "disable", "reset-password"]),
    (&["user", "add"], &["--name", "--role", "--unit", "--display-name", "--email", "officer", "state:ISO3"]),
    (&["user", "list"], &["--database-url"]),
    (&["user", "disable"], &["--name", "--enable"]),
    (&["user", "reset-password"], &["--name"]),
    (&["token"], &["create", "list", "revoke"]),
    (&["token", "create"], &["--user", "--label", "--scope", "--expires-in-days"]),
    (&["token", "list"], &["--user"]),
    (&["token", "revoke"], &["--id"]),
    (&["audit"], &["verify"]),
    (&["audit", "verify"], &["--database-url"]),
    (&["backup"], &["--to", "pg_dump"]),
    (&["config"], &["check"]),
    (&["config", "check"], &["--addr", "--database-url"]),
    (&["bench"], &["--database-url"]),
    (&["receipt"], &["keygen", "keys", "verify"]),
    (&["receipt", "keygen"], &["--out", "COMITY_RECEIPT_KEY"]),
    (&["receipt", "keys"], &["--database-url"]),
    (&["receipt", "verify"], &["--keys", "FILE"]),
];

#[test]
fn every_command_has_help_naming_its_options() {
    for (command, mentions) in COMMANDS {
        let mut args = command.to_vec();
        args.push("--help");
        let out = run(None, &args).expect_ok(&format!("comity {}", args.join(" ")));
        assert!(out.stdout.contains("Usage: comity"), "comity {}\n{out}", args.join(" "));
        for m in *mentions {
            assert!(out.stdout.contains(m), "`comity {}` mentions {m}\n{out}", args.join(" "));
        }
    }
}

#[test]
fn version_and_usage_errors() {
    let out = run(None, &["--version"]).expect_ok("--version");
    assert_eq!(out.stdout.trim(), format!("comity {}", env!("CARGO_PKG_VERSION")));

    let out = run(None, &["frobnicate"]).expect_failure("unknown command");
    assert_eq!(out.status.code(), Some(2), "clap's usage error status\n{out}");
    assert!(out.stderr.contains("frobnicate"), "{out}");

    let out = run(None, &["user", "add", "--name", "x"]).expect_failure("missing options");
    assert!(out.stderr.contains("--role") && out.stderr.contains("--unit"), "names what is missing\n{out}");

    let out = run(None, &[]).expect_failure("no command");
    assert!(out.stderr.contains("serve"), "shows the commands\n{out}");
}
