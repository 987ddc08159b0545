//! Connection handling: slow clients, keep-alive and graceful shutdown.

mod common;

use std::time::Duration;

use common::{Harness, TestResult, account_at, held_upstream, one_request_batch};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use weft_server::ServerConfig;

/// Upper bound for events that should happen at once. Only a failing test reaches it.
const PATIENCE: Duration = Duration::from_secs(10);

fn address(harness: &Harness) -> TestResult<String> {
    let address = harness.url.strip_prefix("http://").ok_or("no http url")?;
    Ok(address.to_owned())
}

/// Reads until the server closes the connection. A reset counts as closed.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return received,
            Ok(read) => received.extend_from_slice(&buffer[..read]),
        }
    }
}

/// Reads one response to `GET /health`, whose body is `{"status":"ok"}`.
async fn read_health_response(stream: &mut TcpStream) -> TestResult<String> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    while !received.ends_with(br#"{"status":"ok"}"#) {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Err(format!(
                "connection closed after '{}'",
                String::from_utf8_lossy(&received)
            )
            .into());
        }
        received.extend_from_slice(&buffer[..read]);
    }
    Ok(String::from_utf8(received)?)
}

#[tokio::test]
async fn closes_half_sent_request() -> TestResult {
    let config = ServerConfig::default().with_header_timeout(Duration::from_millis(200));
    let harness = Harness::with_config(config).await?;
    let mut stream = TcpStream::connect(address(&harness)?).await?;
    stream
        .write_all(b"POST /batch-request HTTP/1.1\r\n")
        .await?;
    let closed = timeout(PATIENCE, read_until_closed(&mut stream)).await;
    assert!(
        closed.is_ok(),
        "half-sent request still open after {PATIENCE:?}"
    );
    harness.stop().await
}

#[tokio::test]
async fn closes_silent_connection() -> TestResult {
    let config = ServerConfig::default().with_header_timeout(Duration::from_millis(200));
    let harness = Harness::with_config(config).await?;
    let mut stream = TcpStream::connect(address(&harness)?).await?;
    let closed = timeout(PATIENCE, read_until_closed(&mut stream)).await;
    assert!(
        closed.is_ok(),
        "silent connection still open after {PATIENCE:?}"
    );
    harness.stop().await
}

#[tokio::test]
async fn keeps_connection_alive_between_requests() -> TestResult {
    let harness = Harness::start().await?;
    let mut stream = TcpStream::connect(address(&harness)?).await?;
    for _ in 0..3 {
        stream
            .write_all(b"GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n")
            .await?;
        let response = timeout(PATIENCE, read_health_response(&mut stream)).await??;
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    }
    harness.stop().await
}

#[tokio::test]
async fn running_batch_finishes_after_shutdown_starts() -> TestResult {
    let mut harness = Harness::start().await?;
    let (upstream, mut arrived, release) = held_upstream().await?;
    let account = account_at(&harness.store, upstream)?;
    let request = harness
        .client
        .post(format!("{}/batch-request", harness.url))
        .bearer_auth(&harness.token)
        .json(&one_request_batch(&account.id))
        .send();
    let answer = tokio::spawn(request);
    arrived.recv().await.ok_or("upstream closed")?;

    harness.begin_stop();
    // The test runtime has one thread: yielding lets the server act on the signal.
    tokio::task::yield_now().await;
    let connect = reqwest::get(format!("{}/health", harness.url)).await;
    assert!(connect.is_err(), "still accepting: {connect:?}");
    let _ = release.send(());
    let answer = timeout(PATIENCE, answer).await???;
    assert_eq!(answer.status().as_u16(), 200);
    timeout(PATIENCE, harness.stop()).await?
}

#[tokio::test]
async fn shutdown_ends_after_grace_period() -> TestResult {
    let config = ServerConfig::default().with_shutdown_grace(Duration::from_millis(100));
    let mut harness = Harness::with_config(config).await?;
    let (upstream, mut arrived, _release) = held_upstream().await?;
    let account = account_at(&harness.store, upstream)?;
    let request = harness
        .client
        .post(format!("{}/batch-request", harness.url))
        .bearer_auth(&harness.token)
        .json(&one_request_batch(&account.id))
        .send();
    let _answer = tokio::spawn(request);
    arrived.recv().await.ok_or("upstream closed")?;

    harness.begin_stop();
    let stopped = timeout(PATIENCE, harness.stop()).await;
    assert!(stopped.is_ok(), "server still waiting after {PATIENCE:?}");
    Ok(())
}

/// Sends complete headers announcing a 100-byte body, then only its first byte.
async fn send_partial_body(stream: &mut TcpStream, request: &str, token: &str) -> TestResult {
    let head = format!(
        "{request} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await?;
    Ok(())
}

/// Splits a response that ends with the connection into its status line and JSON body.
fn status_and_body(received: &[u8]) -> TestResult<(String, serde_json::Value)> {
    let text = String::from_utf8(received.to_vec())?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no complete response")?;
    let status = head.lines().next().unwrap_or_default().to_owned();
    Ok((status, serde_json::from_str(body)?))
}

#[tokio::test]
async fn rejects_bad_token_before_reading_body() -> TestResult {
    let config = ServerConfig::default()
        .with_header_timeout(Duration::from_secs(2))
        .with_body_timeout(Duration::from_secs(60));
    let harness = Harness::with_config(config).await?;
    for path in ["POST /batch-request", "POST /integrated-account"] {
        let mut stream = TcpStream::connect(address(&harness)?).await?;
        send_partial_body(&mut stream, path, "x").await?;
        let received = timeout(PATIENCE, read_until_closed(&mut stream))
            .await
            .map_err(|_| format!("no response from {path} after {PATIENCE:?}"))?;
        let (status, body) = status_and_body(&received)?;
        assert_eq!(status, "HTTP/1.1 401 Unauthorized", "{path}");
        assert_eq!(body["code"], "unauthorized", "{path}: {body}");
    }
    harness.stop().await
}

#[tokio::test]
async fn times_out_slow_body_with_408() -> TestResult {
    let config = ServerConfig::default().with_body_timeout(Duration::from_millis(300));
    let harness = Harness::with_config(config).await?;
    let requests = [
        "POST /batch-request".to_owned(),
        "POST /integrated-account".to_owned(),
        format!("PATCH /integrated-account/{}", harness.account.id),
    ];
    for path in requests {
        let mut stream = TcpStream::connect(address(&harness)?).await?;
        send_partial_body(&mut stream, &path, &harness.token).await?;
        let received = timeout(PATIENCE, read_until_closed(&mut stream))
            .await
            .map_err(|_| format!("slow body to {path} still open after {PATIENCE:?}"))?;
        let (status, body) = status_and_body(&received)?;
        assert_eq!(status, "HTTP/1.1 408 Request Timeout", "{path}");
        assert_eq!(body["statusCode"], 408, "{path}: {body}");
        assert_eq!(body["code"], "request_timeout", "{path}: {body}");
        assert_eq!(body["error"], "Request Timeout", "{path}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains("300ms"), "{path}: {message}");
    }
    harness.stop().await
}
