//! The replay server over real loopback HTTP.

use std::error::Error;
use std::net::SocketAddr;

use serde_json::{Value, json};
use weft_replay::{Closest, Har, ReplayError, serve};

type TestResult = Result<(), Box<dyn Error>>;

const LOOPBACK: &str = "127.0.0.1:0";

fn entry(method: &str, url: &str, status: u16, body: Value) -> Value {
    json!({
        "request": { "method": method, "url": url, "headers": [] },
        "response": {
            "status": status,
            "statusText": "",
            "headers": [{ "name": "Content-Type", "value": "application/json" }],
            "content": { "mimeType": "application/json", "text": body.to_string() }
        }
    })
}

fn har(entries: Vec<Value>) -> Result<Har, ReplayError> {
    json!({ "log": { "version": "1.2", "entries": entries } })
        .to_string()
        .parse()
}

fn listen() -> SocketAddr {
    LOOPBACK.parse().expect("loopback address is valid")
}

async fn get_json(url: &str) -> Result<(u16, Value), reqwest::Error> {
    let response = reqwest::get(url).await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await?))
}

#[tokio::test]
async fn replays_status_headers_and_body() -> TestResult {
    let mut recorded = entry(
        "GET",
        "https://api.example.com/v1/users/7",
        201,
        json!({"id": 7}),
    );
    recorded["response"]["headers"] = json!([
        { "name": "Content-Type", "value": "application/json" },
        { "name": "X-Request-Id", "value": "req-1" },
        { "name": "Transfer-Encoding", "value": "chunked" },
        { "name": "Content-Encoding", "value": "gzip" },
        { "name": "Content-Length", "value": "999" }
    ]);
    let server = serve(har(vec![recorded])?, listen()).await?;

    let response = reqwest::get(format!("{}/v1/users/7", server.base_url())).await?;
    assert_eq!(response.status().as_u16(), 201);
    let headers = response.headers().clone();
    assert_eq!(headers["x-request-id"], "req-1");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["content-length"], "8");
    assert!(headers.get("content-encoding").is_none());
    assert_eq!(response.json::<Value>().await?, json!({"id": 7}));

    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn decodes_base64_content() -> TestResult {
    let mut recorded = entry("GET", "https://cdn.example.com/logo.png", 200, Value::Null);
    recorded["response"]["headers"] = json!([]);
    recorded["response"]["content"] = json!({
        "mimeType": "image/png", "text": "iVBORw0KGgo=", "encoding": "base64"
    });
    let server = serve(har(vec![recorded])?, listen()).await?;

    let response = reqwest::get(format!("{}/logo.png", server.base_url())).await?;
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await?.as_ref(), b"\x89PNG\r\n\x1a\n");
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn serves_pages_by_start_cursor() -> TestResult {
    let base = "https://api.notion.com/v1/blocks/p1/children?page_size=100";
    let entries = vec![
        entry("GET", base, 200, json!({"page": 1, "next_cursor": "c2"})),
        entry(
            "GET",
            &format!("{base}&start_cursor=c2"),
            200,
            json!({"page": 2}),
        ),
    ];
    let server = serve(har(entries)?, listen()).await?;
    let url = format!("{}/v1/blocks/p1/children?page_size=100", server.base_url());

    let (_, second) = get_json(&format!("{url}&start_cursor=c2")).await?;
    let (_, first) = get_json(&url).await?;
    assert_eq!(second["page"], 2);
    assert_eq!(first["page"], 1);
    assert_eq!(server.hit_counts(), vec![1, 1]);
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn serves_equal_entries_in_order_then_repeats_last() -> TestResult {
    let url = "https://api.example.com/v1/jobs/9";
    let entries = vec![
        entry("GET", url, 200, json!({"state": "running"})),
        entry("GET", "https://api.example.com/v1/other", 200, json!({})),
        entry("GET", url, 200, json!({"state": "done"})),
    ];
    let server = serve(har(entries)?, listen()).await?;
    let url = format!("{}/v1/jobs/9", server.base_url());

    let mut states = Vec::new();
    for _ in 0..3 {
        let (_, body) = get_json(&url).await?;
        states.push(body["state"].as_str().unwrap_or_default().to_string());
    }
    assert_eq!(states, ["running", "done", "done"]);
    assert_eq!(server.hit_counts(), vec![1, 0, 2]);
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn ignores_extra_query_params_scheme_and_host() -> TestResult {
    let entries = vec![entry(
        "GET",
        "http://other.host:8443/v1/users?limit=10",
        200,
        json!([1]),
    )];
    let server = serve(har(entries)?, listen()).await?;

    let url = format!("{}/v1/users?trace=1&limit=10", server.base_url());
    let (status, body) = get_json(&url).await?;
    assert_eq!(status, 200);
    assert_eq!(body, json!([1]));
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn matches_percent_encoded_path() -> TestResult {
    let entries = vec![entry(
        "GET",
        "https://api.example.com/v1/files/a%20b",
        200,
        json!(1),
    )];
    let server = serve(har(entries)?, listen()).await?;

    let (status, _) = get_json(&format!("{}/v1/files/a%20b", server.base_url())).await?;
    assert_eq!(status, 200);
    let (status, _) = get_json(&format!("{}/v1/%66iles/a%20b", server.base_url())).await?;
    assert_eq!(status, 200);
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn matches_json_body_keys() -> TestResult {
    let mut first = entry(
        "POST",
        "https://api.example.com/v1/search",
        200,
        json!({"hit": "a"}),
    );
    first["request"]["postData"] =
        json!({"mimeType": "application/json", "text": r#"{"query":"a"}"#});
    let mut second = entry(
        "POST",
        "https://api.example.com/v1/search",
        200,
        json!({"hit": "b"}),
    );
    second["request"]["postData"] =
        json!({"mimeType": "application/json", "text": r#"{"query":"b","sort":"asc"}"#});
    let server = serve(har(vec![first, second])?, listen()).await?;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/search", server.base_url());

    let body = json!({"sort": "asc", "query": "b", "page_size": 5});
    let response = client.post(&url).json(&body).send().await?;
    assert_eq!(response.json::<Value>().await?["hit"], "b");

    let response = client
        .post(&url)
        .json(&json!({"query": "a"}))
        .send()
        .await?;
    assert_eq!(response.json::<Value>().await?["hit"], "a");

    let response = client
        .post(&url)
        .json(&json!({"query": "c"}))
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 404);
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn unmatched_request_gets_404_naming_closest() -> TestResult {
    let entries = vec![
        entry("GET", "https://api.example.com/v1/teams", 200, json!([])),
        entry(
            "GET",
            "https://api.example.com/v1/users?cursor=c2",
            200,
            json!([]),
        ),
    ];
    let server = serve(har(entries)?, listen()).await?;

    let (status, body) = get_json(&format!("{}/v1/users?cursor=c3", server.base_url())).await?;
    assert_eq!(status, 404);
    assert_eq!(body["request"]["method"], "GET");
    assert_eq!(body["request"]["path"], "/v1/users");
    let closest: Vec<Closest> = serde_json::from_value(body["closest"].clone())?;
    assert_eq!(closest[0].entry, 1);
    assert_eq!(
        closest[0].differences,
        ["query parameter 'cursor' is 'c2' in the entry but 'c3' in the request"]
    );

    let unmatched = server.unmatched();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].query.as_deref(), Some("cursor=c3"));
    assert_eq!(server.hit_counts(), vec![0, 0]);
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn logs_requests_without_exposing_authorization() -> TestResult {
    let entries = vec![entry(
        "GET",
        "https://api.example.com/v1/me",
        200,
        json!({}),
    )];
    let server = serve(har(entries)?, listen()).await?;

    reqwest::Client::new()
        .get(format!("{}/v1/me?x=1", server.base_url()))
        .bearer_auth("secret-token-123")
        .header("Notion-Version", "2022-06-28")
        .send()
        .await?;
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].entry, Some(0));
    assert_eq!(requests[0].status.as_u16(), 200);
    assert_eq!(requests[0].path, "/v1/me");
    assert_eq!(requests[0].headers["notion-version"], "2022-06-28");
    assert_eq!(
        requests[0].headers["authorization"],
        "Bearer secret-token-123"
    );
    assert!(!format!("{:?}", requests[0]).contains("secret-token-123"));
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn skips_entries_without_response() -> TestResult {
    let entries = vec![entry(
        "GET",
        "https://api.example.com/v1/cancelled",
        0,
        json!(null),
    )];
    let server = serve(har(entries)?, listen()).await?;

    let (status, _) = get_json(&format!("{}/v1/cancelled", server.base_url())).await?;
    assert_eq!(status, 404);
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn shutdown_closes_listener() -> TestResult {
    let server = serve(har(vec![])?, listen()).await?;
    let addr = server.local_addr();
    assert_ne!(addr.port(), 0);
    server.shutdown().await?;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    Ok(())
}

#[tokio::test]
async fn rejects_address_in_use() -> TestResult {
    let first = serve(har(vec![])?, listen()).await?;
    let taken = first.local_addr();
    let error = serve(har(vec![])?, taken)
        .await
        .err()
        .ok_or("second bind succeeded")?;
    assert!(matches!(error, ReplayError::Bind { addr, .. } if addr == taken));
    assert_eq!(error.to_string(), format!("failed to listen on '{taken}'"));
    first.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn link_header_points_back_at_replay() -> TestResult {
    let mut recorded = entry(
        "GET",
        "https://api.example.com/v1/items",
        200,
        json!([{"id": 1}]),
    );
    recorded["response"]["headers"] = json!([
        { "name": "Content-Type", "value": "application/json" },
        { "name": "Link", "value": "<https://api.example.com/v1/items?page=2>; rel=\"next\", <https://other.example.org/x>; rel=\"help\"" }
    ]);
    let server = serve(har(vec![recorded])?, listen()).await?;

    let response = reqwest::get(format!("{}/v1/items", server.base_url())).await?;
    let link = response
        .headers()
        .get("link")
        .ok_or("no link header")?
        .to_str()?
        .to_string();
    let expected_next = format!("<{}/v1/items?page=2>; rel=\"next\"", server.base_url());
    assert!(link.contains(&expected_next), "link: {link}");
    assert!(!link.contains("api.example.com"), "link: {link}");
    assert!(
        link.contains("<https://other.example.org/x>"),
        "link: {link}"
    );
    server.shutdown().await?;
    Ok(())
}
