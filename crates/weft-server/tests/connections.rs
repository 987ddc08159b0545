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

/// Starts an upstream that responds to every request with a block list of about `size`
/// bytes.
async fn large_upstream(size: usize) -> TestResult<String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let text = "x".repeat(size);
    let body = serde_json::json!({"object": "list", "has_more": false, "next_cursor": null,
        "results": [{"object": "block", "id": "b1", "type": "paragraph", "text": text}]})
    .to_string();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                match socket.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(read) => request.extend_from_slice(&buffer[..read]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
        }
    });
    Ok(url)
}

/// Reads a response that starts with `start` until its body is complete or the server
/// closes the connection, and returns its content length and the body bytes received.
async fn read_response(stream: &mut TcpStream, start: &[u8]) -> TestResult<(usize, usize)> {
    let mut head = start.to_vec();
    let mut buffer = vec![0u8; 64 * 1024];
    let end = loop {
        if let Some(end) = head.windows(4).position(|window| window == b"\r\n\r\n") {
            break end;
        }
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            return Err("connection closed before the response head".into());
        }
        head.extend_from_slice(&buffer[..read]);
    };
    let length: usize = String::from_utf8_lossy(&head[..end])
        .lines()
        .find_map(|line| line.strip_prefix("content-length: ").map(str::to_owned))
        .ok_or("no content-length")?
        .parse()?;

    let mut received = head.len() - end - 4;
    while received < length {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => received += read,
        }
    }
    Ok((length, received))
}

#[tokio::test]
async fn closes_connection_whose_client_stops_reading() -> TestResult {
    let config = ServerConfig::default().with_write_timeout(Duration::from_millis(100));
    let harness = Harness::with_config(config).await?;
    // Larger than the kernel's send buffer (at most 4 MiB by default on Linux) plus the
    // client's small receive buffer, so the server's write blocks.
    let upstream = large_upstream(12 * 1024 * 1024).await?;
    let account = account_at(&harness.store, upstream)?;
    let body = one_request_batch(&account.id).to_string();

    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(4096)?;
    let mut stream = socket.connect(address(&harness)?.parse()?).await?;
    let head = format!(
        "POST /batch-request HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        harness.token,
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    let mut first = [0u8; 64];
    let read = timeout(PATIENCE, stream.read(&mut first)).await??;
    assert!(first[..read].starts_with(b"HTTP/1.1 200 OK"));

    // Stop reading for ten write timeouts, then read what the server sent before it
    // gave up on the connection.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (length, received) =
        timeout(PATIENCE, read_response(&mut stream, &first[..read])).await??;
    assert!(
        received < length,
        "client got all {length} body bytes after it stopped reading"
    );
    harness.stop().await
}
