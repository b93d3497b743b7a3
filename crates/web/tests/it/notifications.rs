//! Deadline reminders as in-app notifications: over the API, each user sees and marks only
//! their own; in the browser, the notifications page lists them with links to their
//! requests and forms to mark them read, and the header counts the unread ones.

use comity_testkit::on_every_engine;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::{
    complete_request, expect_error, json,
    ui::{hidden_csrf, location, Browser},
    TestServer,
};

/// Drafts a request for the Registry with this deadline and returns its id.
async fn request_due(s: &TestServer, token: &str, title: &str, deadline: &str) -> String {
    let mut body = complete_request("registry", "ARG", title);
    body["deadline"] = json!(deadline);
    let (status, r) = json(s.post("/api/v1/requests", token, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    r["id"].as_str().expect("an id").to_owned()
}

async fn notifications(s: &TestServer, token: &str) -> Value {
    let (status, page) = json(s.get("/api/v1/me/notifications", token).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

async fn post_empty(s: &TestServer, path: &str, token: &str) -> Response {
    s.http.post(s.url(path)).bearer_auth(token).send().await.expect("POST")
}

/// The body of a page that must answer 200, with no inline code (the CSP forbids it).
async fn page(res: Response, what: &str) -> String {
    let status = res.status();
    let body = res.text().await.expect("a page");
    assert_eq!(status, StatusCode::OK, "{what}: unexpected status; page:\n{body}");
    for (i, _) in body.match_indices("<script") {
        let tag = &body[i..i + body[i..].find('>').expect("a closed script tag")];
        assert!(tag.contains(" src="), "{what}: inline script {tag}");
    }
    let lower = body.to_lowercase();
    for attr in [" onclick=", " onsubmit=", " style=", "javascript:"] {
        assert!(!lower.contains(attr), "{what}: inline code ({attr})");
    }
    body
}

#[tokio::test]
async fn each_user_sees_and_marks_only_their_own_notifications() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let officer = s.user_token("reg.officer", "Registry", "officer").await;
        let other = s.user_token("reg.other", "Registry", "officer").await;
        // The server's day is 2026-03-02: the first deadline is within the week, the second is not.
        let soon = request_due(&s, &officer, "Freezing of the Example Holdings accounts", "2026-03-05").await;
        request_due(&s, &officer, "Bank records", "2026-06-30").await;

        let page = notifications(&s, &officer).await;
        assert_eq!((page["total"].as_i64(), page["unread"].as_i64()), (Some(0), Some(0)), "{page}");
        let report = s.app.scan_deadlines().await.expect("scan the deadlines");
        assert_eq!(report.notified, 1, "{report:?}");

        let page = notifications(&s, &officer).await;
        assert_eq!((page["page"].as_i64(), page["per_page"].as_i64()), (Some(1), Some(50)), "{page}");
        assert_eq!((page["total"].as_i64(), page["unread"].as_i64()), (Some(1), Some(1)), "{page}");
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), 1, "{page}");
        let n = &items[0];
        assert_eq!(n["request_id"], soon.as_str());
        assert_eq!(n["kind"], "deadline_due_soon");
        assert_eq!((n["read"].as_bool(), n["read_at"].is_null()), (Some(false), true), "{n}");
        assert!(n["message"].as_str().is_some_and(|m| m.contains("is due on 2026-03-05")), "{n}");
        assert!(n.get("user_id").is_none() && n.get("dedupe_key").is_none(), "internal fields stay inside: {n}");
        let id = n["id"].as_str().expect("an id").to_owned();
        let read_path = format!("/api/v1/me/notifications/{id}/read");

        // Someone else sees nothing and cannot mark it: to them it does not exist.
        let theirs = notifications(&s, &other).await;
        assert_eq!(theirs["items"], json!([]));
        assert_eq!((theirs["total"].as_i64(), theirs["unread"].as_i64()), (Some(0), Some(0)), "{theirs}");
        expect_error(post_empty(&s, &read_path, &other).await, StatusCode::NOT_FOUND, "not_found").await;
        let res = post_empty(&s, "/api/v1/me/notifications/no-such-id/read", &officer).await;
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
        // A read-only token may look but not mark; a signed-out caller may do neither.
        let read_only = s.token_with("reg.officer", &["read"]).await;
        assert_eq!(notifications(&s, &read_only).await["unread"], 1);
        expect_error(post_empty(&s, &read_path, &read_only).await, StatusCode::FORBIDDEN, "forbidden").await;
        let res = post_empty(&s, "/api/v1/me/notifications/read", &read_only).await;
        expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = s.http.get(s.url("/api/v1/me/notifications")).send().await.expect("GET");
        expect_error(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        assert_eq!(notifications(&s, &officer).await["unread"], 1);

        let res = post_empty(&s, &read_path, &officer).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let res = post_empty(&s, &read_path, &officer).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "marking twice is harmless");
        let page = notifications(&s, &officer).await;
        assert_eq!((page["total"].as_i64(), page["unread"].as_i64()), (Some(1), Some(0)), "{page}");
        let n = &page["items"][0];
        assert_eq!(n["read"], true, "{n}");
        assert!(n["read_at"].as_str().is_some_and(|t| t.starts_with("2026-03-02")), "{n}");
        let (status, marked) = json(post_empty(&s, "/api/v1/me/notifications/read", &officer).await).await;
        assert_eq!((status, marked), (StatusCode::OK, json!({"marked": 0})));

        // Paging follows the usual parameters.
        let (status, page) = json(s.get("/api/v1/me/notifications?page=2&per_page=1", &officer).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!((page["items"].as_array().map(Vec::len), page["total"].as_i64()), (Some(0), Some(1)), "{page}");
        let res = s.get("/api/v1/me/notifications?page=first", &officer).await;
        expect_error(res, StatusCode::BAD_REQUEST, "invalid_query").await;
    });
}

#[tokio::test]
async fn the_notifications_page_lists_reminders_and_the_header_counts_them() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let password = s.user("reg.officer", "Registry", "officer").await;
        let token = s.token("reg.officer").await;
        let b = Browser::new(&s);
        assert_eq!(b.login("reg.officer", &password).await.status(), StatusCode::SEE_OTHER);

        let html = page(b.get("/notifications").await, "no notifications yet").await;
        assert!(html.contains("You have no notifications"), "{html}");
        assert!(html.contains(r#"href="/notifications""#), "the header links to the page");
        assert!(!html.contains("unread notification"), "nothing unread, no count");

        let first = request_due(&s, &token, "Freezing of the Example Holdings accounts", "2026-03-03").await;
        let second = request_due(&s, &token, "Service of the summons", "2026-03-06").await;
        assert_eq!(s.app.scan_deadlines().await.expect("scan").notified, 2);

        let home = page(b.get("/").await, "home").await;
        assert!(home.contains(r#"visually-hidden">2 unread notifications<"#), "the header counts them:\n{home}");

        let html = page(b.get("/notifications").await, "notifications").await;
        assert!(html.contains(r#"aria-current="page""#));
        for id in [&first, &second] {
            assert!(html.contains(&format!(r#"href="/requests/{id}""#)), "links to {id}:\n{html}");
        }
        assert!(html.contains("is due on 2026-03-03") && html.contains("is due on 2026-03-06"), "{html}");
        assert_eq!(html.matches(">Mark as read").count(), 2, "{html}");
        assert!(html.contains("Mark all as read"));
        assert!(html.contains("2 notifications · 2 unread notifications"), "{html}");
        let csrf = hidden_csrf(&html);

        let (_, api) = json(b.get("/api/v1/me/notifications").await).await;
        let ids: Vec<String> =
            api["items"].as_array().expect("items").iter().map(|n| n["id"].as_str().expect("id").to_owned()).collect();
        assert_eq!(ids.len(), 2, "{api}");
        let mark = format!("/notifications/{}/read", ids[0]);
        assert!(html.contains(&format!(r#"action="{mark}""#)), "{html}");

        // A form without the session's token is refused, and changes nothing.
        assert_eq!(b.post(&mark, &[("csrf", "forged")]).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(b.post(&mark, &[]).await.status(), StatusCode::FORBIDDEN);
        // Someone else's browser cannot mark it either.
        let other_password = s.user("reg.other", "Registry", "officer").await;
        let other = Browser::new(&s);
        assert_eq!(other.login("reg.other", &other_password).await.status(), StatusCode::SEE_OTHER);
        let other_html = page(other.get("/notifications").await, "someone else's notifications").await;
        assert!(other_html.contains("You have no notifications") && !other_html.contains(&first));
        let other_csrf = hidden_csrf(&other_html);
        assert_eq!(other.post(&mark, &[("csrf", &other_csrf)]).await.status(), StatusCode::NOT_FOUND);

        let res = b.post(&mark, &[("csrf", &csrf), ("page", "1")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/notifications?done=read");
        let html = page(b.get("/notifications?done=read").await, "after marking one").await;
        assert!(html.contains("The notification is marked as read."), "{html}");
        assert!(html.contains(r#"visually-hidden">1 unread notification<"#), "the header count drops:\n{html}");
        assert_eq!(html.matches(">Mark as read").count(), 1, "{html}");
        assert!(!html.contains(&format!(r#"action="{mark}""#)), "a read one has no form");

        // In French too.
        let fr = page(
            b.client.get(s.url("/notifications")).header("accept-language", "fr").send().await.expect("GET"),
            "fr",
        )
        .await;
        assert!(fr.contains("1 notification non lue") && fr.contains("Tout marquer comme lu"), "{fr}");

        let res = b.post("/notifications/read", &[("csrf", &csrf)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/notifications?done=all-read");
        let html = page(b.get("/notifications").await, "all read").await;
        assert!(!html.contains("unread notification") && !html.contains("Mark all as read"), "{html}");
        assert!(!html.contains(">Mark as read"), "{html}");
        assert!(html.contains(&format!(r#"href="/requests/{first}""#)), "read ones stay listed");
    });
}
