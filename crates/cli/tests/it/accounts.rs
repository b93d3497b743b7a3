//! `comity user ...` and `comity token ...` against a running server: what an administrator
//! does from the command line must take effect on the live system at once.

use comity_testkit::on_every_engine;

use crate::support::{add_user, create_token, get_json, http, run, scalar, sign_in, value_after, Server};

const ROLES: &[&str] = &["viewer", "officer", "approver", "unit_admin", "system_admin", "auditor"];

#[tokio::test]
async fn an_added_user_signs_in_with_the_printed_password() {
    on_every_engine!(|t| {
        let server = Server::start(&t.url);
        let out = run(
            Some(&t.url),
            &["user", "add", "--name", "a.officer", "--role", "officer,approver", "--unit", "Registry"],
        )
        .expect_ok("user add");
        assert!(out.stdout.contains("created user 'a.officer' in Registry"), "{out}");
        let password = value_after(&out.stdout, "password").expect("a printed password");
        assert!(password.len() >= 12, "{password:?}");

        assert_eq!(sign_in(&http(), &server, "a.officer", &password).await, (303, "/".to_owned()));
        assert_eq!(sign_in(&http(), &server, "a.officer", "wrong-password-123").await.0, 401);

        let list = run(Some(&t.url), &["user", "list"]).expect_ok("user list");
        let row = list.stdout.lines().find(|l| l.starts_with("a.officer ")).expect("the user is listed");
        for word in ["Registry", "officer,approver", "active"] {
            assert!(row.contains(word), "{word} in {row:?}");
        }
        assert!(list.stdout.lines().any(|l| l.starts_with("admin ")), "{list}");
        assert!(!list.stdout.contains(&password), "list never shows secrets");

        let twice =
            run(Some(&t.url), &["user", "add", "--name", "a.officer", "--role", "viewer", "--unit", "Registry"])
                .expect_failure("a name is unique");
        assert!(twice.stderr.contains("--name") && twice.stderr.contains("already exists"), "{twice}");
    });
}

#[tokio::test]
async fn an_unknown_role_is_refused_naming_the_allowed_ones() {
    on_every_engine!(|t| {
        let out = run(Some(&t.url), &["user", "add", "--name", "bob", "--role", "wizard", "--unit", "Registry"])
            .expect_failure("bad role");
        assert!(out.stderr.contains("--role"), "names the option\n{out}");
        for role in ROLES {
            assert!(out.stderr.contains(role), "lists {role}\n{out}");
        }
        assert!(!out.stdout.contains("created user"), "{out}");
        assert_eq!(scalar(&t.url, "SELECT COUNT(*) FROM users WHERE name = 'bob'").await, 0, "nobody was created");
    });
}

#[tokio::test]
async fn an_unknown_unit_is_refused_listing_the_units() {
    on_every_engine!(|t| {
        let out = run(Some(&t.url), &["user", "add", "--name", "bob", "--role", "officer", "--unit", "Narnia"])
            .expect_failure("unknown unit");
        for word in ["--unit", "Narnia", "Registry", "Office of the Prosecutor", "Chambers", "state:ISO3"] {
            assert!(out.stderr.contains(word), "mentions {word}\n{out}");
        }
        assert_eq!(scalar(&t.url, "SELECT COUNT(*) FROM users WHERE name = 'bob'").await, 0);

        // The forms the help text promises do work.
        add_user(&t.url, "arg.focal", "officer", "state:ARG");
        add_user(&t.url, "otp.officer", "officer", "Office of the Prosecutor");
    });
}

#[tokio::test]
async fn a_token_authenticates_the_api_until_it_is_revoked() {
    on_every_engine!(|t| {
        let server = Server::start(&t.url);
        add_user(&t.url, "api.user", "officer", "Registry");
        let (id, token) = create_token(&t.url, "api.user");
        assert!(token.len() >= 32, "a long random token: {token:?}");

        let (status, me) = get_json(&server, "/api/v1/me", Some(&token)).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["name"], "api.user");
        assert_eq!(me["unit"], "Registry");
        assert!(me["roles"].as_array().is_some_and(|r| r.iter().any(|x| x == "officer")), "{me}");

        let (status, body) = get_json(&server, "/api/v1/me", None).await;
        assert_eq!(status, 401, "no token");
        assert!(body["error"]["code"].is_string(), "a JSON error with a code: {body}");
        assert_eq!(get_json(&server, "/api/v1/me", Some(&format!("{token}x"))).await.0, 401, "an altered token");

        let list = run(Some(&t.url), &["token", "list", "--user", "api.user"]).expect_ok("token list");
        let row =
            list.stdout.lines().find(|l| l.starts_with(&id)).unwrap_or_else(|| panic!("token {id} listed\n{list}"));
        assert!(row.contains("active") && row.contains("read,write"), "{row}");
        assert!(!list.stdout.contains(&token), "a token's secret is shown once only");

        let revoked = run(Some(&t.url), &["token", "revoke", "--id", &id]).expect_ok("token revoke");
        assert!(revoked.stdout.contains(&id), "{revoked}");
        let (status, body) = get_json(&server, "/api/v1/me", Some(&token)).await;
        assert_eq!(status, 401, "a revoked token no longer works on the running server: {body}");
        let list = run(Some(&t.url), &["token", "list"]).expect_ok("token list");
        assert!(list.stdout.lines().any(|l| l.starts_with(&id) && l.contains("revoked")), "{list}");

        run(Some(&t.url), &["token", "revoke", "--id", "no-such-token"]).expect_failure("unknown token id");
        run(Some(&t.url), &["token", "create", "--user", "nobody"]).expect_failure("unknown user");
        let scoped = run(Some(&t.url), &["token", "create", "--user", "api.user", "--scope", "admin"])
            .expect_failure("unknown scope");
        assert!(scoped.stdout.trim().is_empty(), "no token printed for a refused request\n{scoped}");
    });
}

#[tokio::test]
async fn a_disabled_user_is_locked_out_until_enabled() {
    on_every_engine!(|t| {
        let server = Server::start(&t.url);
        let password = add_user(&t.url, "leaving", "viewer", "Registry");
        let (_, token) = create_token(&t.url, "leaving");
        let client = http();
        assert_eq!(sign_in(&client, &server, "leaving", &password).await.0, 303);
        assert_eq!(client.get(server.url("/partners")).send().await.expect("GET /partners").status(), 200);

        run(Some(&t.url), &["user", "disable", "--name", "leaving"]).expect_ok("user disable");
        let list = run(Some(&t.url), &["user", "list"]).expect_ok("user list");
        assert!(list.stdout.lines().any(|l| l.starts_with("leaving ") && l.contains("disabled")), "{list}");
        assert_eq!(get_json(&server, "/api/v1/me", Some(&token)).await.0, 401, "the token stops working");
        let page = client.get(server.url("/partners")).send().await.expect("GET /partners");
        assert_ne!(page.status(), 200, "the open session has ended");
        assert_ne!(sign_in(&http(), &server, "leaving", &password).await.0, 303, "cannot sign in");

        run(Some(&t.url), &["user", "disable", "--name", "leaving", "--enable"]).expect_ok("user disable --enable");
        assert_eq!(get_json(&server, "/api/v1/me", Some(&token)).await.0, 200, "the token works again");
        assert_eq!(sign_in(&http(), &server, "leaving", &password).await.0, 303);

        let out = run(Some(&t.url), &["user", "disable", "--name", "nobody"]).expect_failure("unknown user");
        assert!(out.stderr.starts_with("error:"), "{out}");
    });
}

#[tokio::test]
async fn reset_password_replaces_the_password_and_ends_sessions_and_tokens() {
    on_every_engine!(|t| {
        let server = Server::start(&t.url);
        let old = add_user(&t.url, "forgetful", "officer", "Registry");
        let (_, token) = create_token(&t.url, "forgetful");
        let client = http();
        assert_eq!(sign_in(&client, &server, "forgetful", &old).await.0, 303);
        assert_eq!(get_json(&server, "/api/v1/me", Some(&token)).await.0, 200);

        let out = run(Some(&t.url), &["user", "reset-password", "--name", "forgetful"]).expect_ok("reset-password");
        let new = value_after(&out.stdout, "new password").expect("the new password is printed");
        assert_ne!(new, old);
        assert!(new.len() >= 12);

        assert_eq!(sign_in(&http(), &server, "forgetful", &old).await.0, 401, "the old password is gone");
        assert_eq!(sign_in(&http(), &server, "forgetful", &new).await.0, 303, "the new one works");
        let page = client.get(server.url("/partners")).send().await.expect("GET /partners");
        assert_ne!(page.status(), 200, "the session opened with the old password has ended");
        assert_eq!(get_json(&server, "/api/v1/me", Some(&token)).await.0, 401, "and so have the user's tokens");

        run(Some(&t.url), &["user", "reset-password", "--name", "nobody"]).expect_failure("unknown user");
    });
}

#[tokio::test]
async fn on_a_fresh_database_token_create_prints_only_the_token_on_stdout() {
    on_every_engine!(|t| {
        // The first command initialises the database; its notice must not pollute the
        // output that scripts capture (`TOKEN=$(comity token create --user admin)`).
        let out = run(Some(&t.url), &["token", "create", "--user", "admin"]).expect_ok("token create");
        let lines: Vec<_> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "stdout is the token alone: {out}");
        assert!(lines[0].starts_with("cmt_"), "{out}");
        assert!(out.stderr.contains("First start"), "the administrator's password still reaches the operator: {out}");

        let missing = run(Some(&t.url), &["user", "disable", "--name", "nobody"]).expect_failure("unknown user");
        assert!(missing.stderr.contains("no user named 'nobody'"), "{missing}");
    });
}
