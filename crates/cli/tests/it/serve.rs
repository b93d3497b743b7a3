//! `comity serve`, `comity serve --demo` and `comity migrate`: first start, restart, the
//! health check, the listen address, and a clean stop.

use comity_testkit::on_every_engine;

use crate::support::{add_user, get_json, http, run, scalar, sign_in, Server};

#[tokio::test]
async fn the_first_start_prints_the_administrator_password_once() {
    on_every_engine!(|t| {
        let server = Server::start(&t.url);
        let password = server
            .admin_password()
            .unwrap_or_else(|| panic!("a first start prints the administrator's password\n{}", server.output()));
        assert!(password.len() >= 12, "a strong generated password, got {password:?}");
        assert!(server.banner.iter().any(|l| l.contains("user reset-password --name admin")), "{}", server.output());

        let (status, health) = get_json(&server, "/healthz", None).await;
        assert_eq!(status, 200, "GET /healthz");
        assert_eq!(health["status"], "ok");
        assert_eq!(health["database"], t.engine);

        let (status, openapi) = get_json(&server, "/api/v1/openapi.json", None).await;
        assert_eq!(status, 200, "GET /api/v1/openapi.json");
        assert!(
            openapi["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")),
            "OpenAPI 3.1: {}",
            openapi["openapi"]
        );

        let client = http();
        assert_eq!(sign_in(&client, &server, "admin", "not the password").await.0, 401, "a wrong password is refused");
        assert_eq!(sign_in(&client, &server, "admin", &password).await, (303, "/".to_owned()), "the printed password");
        let home = client.get(server.url("/")).send().await.expect("GET /");
        assert_eq!(home.status(), 200);
        assert!(home.text().await.expect("home page").contains("class=\"who\""), "signed in on the home page");

        let (status, log) = server.terminate();
        assert!(status.success(), "SIGTERM stops the server cleanly: {status}\n{log}");
        assert!(log.contains("Comity stopped."), "{log}");
        assert!(!log.contains(&password), "the password never reaches the log");

        let again = Server::start(&t.url);
        assert_eq!(again.admin_password(), None, "a second start does not print a password\n{}", again.output());
        assert!(!again.banner.join("\n").contains("password"), "{}", again.output());
        assert_eq!(get_json(&again, "/healthz", None).await.0, 200);
        assert_eq!(sign_in(&http(), &again, "admin", &password).await.0, 303, "the first password still works");
    });
}

#[tokio::test]
async fn commands_before_the_first_start_still_leave_the_password_to_serve() {
    on_every_engine!(|t| {
        let migrated = run(Some(&t.url), &["migrate"]).expect_ok("comity migrate");
        let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../store/migrations/sqlite"))
            .expect("the migrations folder")
            .count();
        assert!(migrated.stderr.contains(&format!("{shipped} migration(s) applied")), "{migrated}");
        assert!(migrated.stderr.contains(t.engine), "names the engine\n{migrated}");
        let again = run(Some(&t.url), &["migrate"]).expect_ok("comity migrate, twice");
        assert!(again.stderr.contains("0 migration(s) applied"), "{again}");

        // An administrator adding a colleague before anyone started the server.
        add_user(&t.url, "first.officer", "officer", "Registry");
        assert!(scalar(&t.url, "SELECT COUNT(*) FROM partners").await > 190, "reference data loaded by the CLI");

        let server = Server::start(&t.url);
        assert!(server.admin_password().is_none(), "the CLI already created the administrator");
        assert_eq!(get_json(&server, "/healthz", None).await.0, 200);
    });
}

#[tokio::test]
async fn serve_listens_where_comity_addr_says() {
    on_every_engine!(|t| {
        // Pick a free port, release it, and hand it to the server through the environment.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
            l.local_addr().expect("local address").port()
        };
        let addr = format!("127.0.0.1:{port}");
        let server = Server::custom(Some(&t.url), &["serve"]).env("COMITY_ADDR", &addr).start();
        assert_eq!(server.base, format!("http://{addr}"), "{}", server.output());
        assert_eq!(get_json(&server, "/healthz", None).await.0, 200);

        // --addr wins over the environment.
        drop(server);
        let server =
            Server::custom(Some(&t.url), &["serve", "--addr", "127.0.0.1:0"]).env("COMITY_ADDR", &addr).start();
        assert_ne!(server.base, format!("http://{addr}"), "--addr overrides COMITY_ADDR");
    });
}

#[tokio::test]
async fn a_taken_port_is_reported_by_address() {
    let t = comity_testkit::sqlite();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let addr = taken.local_addr().expect("local address").to_string();
    let out = Server::custom(Some(&t.url), &["serve", "--addr", &addr]).start_failing().expect_failure("port taken");
    assert!(out.stderr.contains(&format!("listening on {addr}")), "names the address\n{out}");
    drop(taken);
}

#[tokio::test]
async fn the_demo_workspace_signs_in_with_the_printed_logins() {
    on_every_engine!(|t| {
        let server = Server::builder(&t.url).arg("--demo").start();
        let banner = server.banner.join("\n");
        assert!(banner.contains("DEMONSTRATION WORKSPACE"), "{banner}");
        assert!(banner.contains("registry.officer") && banner.contains("demo-registry.officer"), "{banner}");

        let client = http();
        assert_eq!(sign_in(&client, &server, "registry.officer", "demo-registry.officer").await.0, 303);
        let home = client.get(server.url("/")).send().await.expect("GET /").text().await.expect("home page");
        assert!(home.contains("demo-banner"), "the demo is clearly labelled on every page");

        let profile = client.get(server.url("/partners/ARG")).send().await.expect("GET /partners/ARG");
        assert_eq!(profile.status(), 200);
        let profile = profile.text().await.expect("profile page");
        assert!(profile.contains("Directorate of International Cooperation (illustrative)"), "demo channels shown");

        // A restart keeps the demo as it is.
        drop(server);
        let again = Server::builder(&t.url).arg("--demo").start();
        assert!(again.banner.join("\n").contains("DEMONSTRATION WORKSPACE"), "{}", again.output());
        assert_eq!(sign_in(&http(), &again, "registry.officer", "demo-registry.officer").await.0, 303);
    });
}

#[tokio::test]
async fn the_demo_refuses_a_database_with_real_accounts() {
    on_every_engine!(|t| {
        add_user(&t.url, "real.person", "officer", "Registry");
        let out = Server::builder(&t.url).arg("--demo").start_failing().expect_failure("demo on real data");
        assert!(out.stderr.contains("already holds accounts"), "{out}");
        assert_eq!(scalar(&t.url, "SELECT COUNT(*) FROM users WHERE name = 'registry.officer'").await, 0);
    });
}
