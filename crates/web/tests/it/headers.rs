//! Security headers on every kind of response, and the request id that ties an error to the log.

use comity_testkit::on_every_engine;
use reqwest::{Response, StatusCode};

use crate::{expect_error, TestServer};

fn header(res: &Response, name: &str) -> String {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("missing header {name}")).to_owned()
}

fn assert_hardened(res: &Response, what: &str) {
    let csp = header(res, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(header(res, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(res, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(res, "referrer-policy"), "no-referrer", "{what}");
    assert_eq!(header(res, "cache-control"), "no-store", "{what}: confidential answers are never cached");
    assert_eq!(header(res, "x-request-id").len(), 32, "{what}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_a_request_id() {
    on_every_engine!(|t| {
        let s = TestServer::start(t).await;
        let token = s.token("admin").await;

        let page = s.http.get(s.url("/login")).send().await.expect("GET /login");
        assert_eq!(page.status(), StatusCode::OK);
        assert!(header(&page, "content-type").starts_with("text/html"));
        assert_hardened(&page, "a page");

        let api = s.get("/api/v1/partners/ARG", &token).await;
        assert_eq!(api.status(), StatusCode::OK);
        assert_hardened(&api, "an API answer");
        let other = s.get("/api/v1/partners/ARG", &token).await;
        assert_ne!(header(&api, "x-request-id"), header(&other, "x-request-id"), "each request has its own id");

        // An error names the same request id in its header and its body.
        for res in [
            s.http.get(s.url("/api/v1/partners")).send().await.expect("GET"),
            s.get("/api/v1/partners/XXX", &token).await,
            s.get("/api/v1/partners?per_page=abc", &token).await,
        ] {
            assert_hardened(&res, "an API error");
            let id = header(&res, "x-request-id");
            let status = res.status();
            let (_, body) = crate::json(res).await;
            assert_eq!(body["error"]["request_id"], id.as_str(), "{status}: {body}");
        }
        let missing = s.get("/api/v1/partners/XXX", &token).await;
        let id = header(&missing, "x-request-id");
        let body = expect_error(missing, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(body["error"]["request_id"], id.as_str());

        // An error page shows the request id to quote.
        let page = s.http.get(s.url("/no-such-page")).send().await.expect("GET");
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        assert_hardened(&page, "an error page");
        let id = header(&page, "x-request-id");
        assert!(page.text().await.expect("a body").contains(&id), "the error page names its request id");

        // Static assets are hardened too, and may be cached.
        let asset = s.http.get(s.url("/assets/comity.css")).send().await.expect("GET an asset");
        assert_eq!(asset.status(), StatusCode::OK);
        assert!(header(&asset, "content-security-policy").contains("frame-ancestors 'none'"));
        assert_eq!(header(&asset, "x-content-type-options"), "nosniff");
    });
}
