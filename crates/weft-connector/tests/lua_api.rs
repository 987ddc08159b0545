//! Host libraries and hooks as connector code uses them: json, codecs, http through the
//! engine's client, log, sign, refresh, custom parse and paginate, declared pagination.

mod common;

use std::sync::{Arc, Mutex};

use common::{Loopback, ReqwestSend, TestResult, body_json, fixtures, json_reply, response};
use serde_json::{Value, json};
use weft_connector::{
    AccountContext, Call, Connector, ConnectorError, HttpRequest, HttpResponse, LogRecord,
    Registry, RegistryOptions,
};

const API_KEY: &str = "key-abcdef-123456";

fn load(options: &RegistryOptions, name: &str) -> Arc<Connector> {
    let (registry, errors) = Registry::load_with(&[fixtures("good")], options);
    assert!(errors.is_empty(), "{errors:?}");
    registry.get(name).expect("connector")
}

fn echo() -> Arc<Connector> {
    load(&RegistryOptions::default(), "echo")
}

fn account(base_url: &str) -> AccountContext {
    let context = json!({"api_key": API_KEY, "signing_key": "sign-me", "refresh_token": "r-1",
                         "token_url": format!("{base_url}/oauth/token")});
    let Value::Object(context) = context else {
        unreachable!()
    };
    AccountContext {
        id: "acct-e".into(),
        context,
        base_url: Some(base_url.into()),
    }
}

fn call(resource: &str, method: &str, id: Option<&str>, body: Option<Value>) -> Call {
    Call {
        resource: resource.into(),
        method: method.into(),
        id: id.map(str::to_string),
        body,
        ..Default::default()
    }
}

fn expected_signature(request: &HttpRequest) -> String {
    use hmac::{Hmac, Mac};
    let body = String::from_utf8(request.body.clone().unwrap_or_default()).unwrap();
    let payload = format!("{}\n{}\n{}", request.method, request.url, body);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"sign-me").unwrap();
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn json_keeps_null_and_empty_arrays() -> TestResult {
    let text = r#"{"missing":null,"empty":[],"nested":{"list":[1,2],"none":{}},"flag":false}"#;
    let request = echo()
        .prepare(
            &account("https://echo.example.com"),
            &call("roundtrip", "create", None, Some(json!({"text": text}))),
            ReqwestSend::shared(),
        )
        .await?;
    assert_eq!(body_json(&request), serde_json::from_str::<Value>(text)?);
    assert!(String::from_utf8(request.body.unwrap())?.contains(r#""empty":[]"#));
    Ok(())
}

#[tokio::test]
async fn json_array_and_null_encode_as_json() -> TestResult {
    let request = echo()
        .prepare(
            &account("https://echo.example.com"),
            &call("arrays", "create", None, None),
            ReqwestSend::shared(),
        )
        .await?;
    assert_eq!(
        body_json(&request),
        json!({"empty": [], "object": {}, "nothing": null})
    );
    Ok(())
}

#[tokio::test]
async fn codec_helpers_match_known_vectors() -> TestResult {
    let request = echo()
        .prepare(
            &account("https://echo.example.com"),
            &call("codec", "get", None, None),
            ReqwestSend::shared(),
        )
        .await?;
    let body = body_json(&request);
    assert_eq!(body["base64"], "aGVsbG8=");
    assert_eq!(body["base64_back"], "hello");
    assert_eq!(body["hex"], "01ff");
    assert_eq!(body["url"], "a%20b%26c%2Fd");
    assert_eq!(
        body["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        body["hmac"],
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    );
    Ok(())
}

#[tokio::test]
async fn prepare_applies_auth_and_signature() -> TestResult {
    let request = echo()
        .prepare(
            &account("https://echo.example.com"),
            &call("notes", "get", Some("n1"), None),
            ReqwestSend::shared(),
        )
        .await?;
    assert_eq!(request.url, "https://echo.example.com/notes/n1");
    assert_eq!(request.header("x-api-key"), Some(API_KEY));
    assert_eq!(
        request.header("x-signature"),
        Some(expected_signature(&request).as_str())
    );
    Ok(())
}

#[tokio::test]
async fn lua_http_uses_host_client() -> TestResult {
    let server = Loopback::start(|request| match request.uri.as_str() {
        "/slugs/my%20note" => json_reply(200, json!({"note_id": "n-42"})),
        _ => json_reply(404, json!({"message": "no"})),
    })
    .await;
    let records = Arc::new(Mutex::new(Vec::<LogRecord>::new()));
    let sink_records = Arc::clone(&records);
    let options = RegistryOptions {
        log_sink: Some(Arc::new(move |record: &LogRecord| {
            sink_records.lock().unwrap().push(record.clone())
        })),
        ..Default::default()
    };
    let echo = load(&options, "echo");

    let request = echo
        .prepare(
            &account(&server.base_url),
            &call("lookup", "get", Some("my note"), None),
            ReqwestSend::shared(),
        )
        .await?;
    assert_eq!(
        request.url,
        format!("{}/notes/n-42?expand=all", server.base_url)
    );

    let received = server.requests();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].header("x-api-key"), Some(API_KEY));
    assert!(received[0].header("x-signature").is_some());

    let logged = records.lock().unwrap().clone();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].message, "resolved my note with key [redacted]");
    assert_eq!(logged[0].account_id.as_deref(), Some("acct-e"));
    Ok(())
}

#[tokio::test]
async fn refresh_hook_posts_without_connector_auth() -> TestResult {
    let server =
        Loopback::start(|_| json_reply(200, json!({"api_key": "new-key", "refresh_token": "r-2"})))
            .await;
    let echo = echo();
    assert!(echo.can_refresh());
    let fields = echo
        .refresh(&account(&server.base_url), ReqwestSend::shared())
        .await?;
    assert_eq!(
        Value::Object(fields),
        json!({"api_key": "new-key", "refresh_token": "r-2"})
    );

    let received = server.requests();
    assert_eq!(received[0].method, "POST");
    assert_eq!(received[0].uri, "/oauth/token");
    assert_eq!(received[0].header("x-api-key"), None);
    assert_eq!(
        serde_json::from_slice::<Value>(&received[0].body)?,
        json!({"refresh_token": "r-1"})
    );
    Ok(())
}

#[tokio::test]
async fn raised_error_table_keeps_code_and_message() {
    let error = echo()
        .prepare(
            &account("https://echo.example.com"),
            &call("failing", "get", Some("n9"), None),
            ReqwestSend::shared(),
        )
        .await
        .unwrap_err();
    match error {
        ConnectorError::Raised { code, message, .. } => {
            assert_eq!(code, "not_supported");
            assert_eq!(message, "notes cannot be fetched by 'n9'");
        }
        other => panic!("expected a raised error, got {other:?}"),
    }
}

#[tokio::test]
async fn secrets_are_redacted_from_script_errors() {
    let error = echo()
        .prepare(
            &account("https://echo.example.com"),
            &call("leaky", "get", None, None),
            ReqwestSend::shared(),
        )
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(!message.contains(API_KEY), "{message}");
    assert!(message.contains("token [redacted] rejected"), "{message}");
}

#[tokio::test]
async fn custom_parse_and_paginate_hooks() -> TestResult {
    let echo = echo();
    let account = account("https://echo.example.com");
    let get = call("notes", "get", Some("n1"), None);
    let request = echo.prepare(&account, &get, ReqwestSend::shared()).await?;
    let page = echo
        .parse(
            &account,
            &get,
            &request,
            &response(200, json!({"text": "hi"})),
            ReqwestSend::shared(),
        )
        .await?;
    assert_eq!(page.records, vec![json!({"id": "n1", "text": "HI"})]);

    let list = call("notes", "list", None, None);
    let request = echo.prepare(&account, &list, ReqwestSend::shared()).await?;
    let mut reply = response(200, json!({"notes": [{"id": 1}]}));
    reply.headers.push((
        "X-Next-Url".into(),
        "https://echo.example.com/notes?after=1".into(),
    ));
    let next = echo
        .parse(&account, &list, &request, &reply, ReqwestSend::shared())
        .await?
        .next
        .ok_or("no next")?;
    assert_eq!(next.url, "https://echo.example.com/notes?after=1");
    assert_eq!(
        next.header("x-signature"),
        Some(expected_signature(&next).as_str())
    );
    Ok(())
}

fn plain_account() -> AccountContext {
    let Value::Object(context) = json!({"user": "ann", "password": "pw-secret"}) else {
        unreachable!()
    };
    AccountContext {
        id: "acct-p".into(),
        context,
        base_url: None,
    }
}

async fn plain_next(
    resource: &str,
    reply: HttpResponse,
) -> Result<Option<HttpRequest>, ConnectorError> {
    let plain = load(&RegistryOptions::default(), "plain");
    let call = call(resource, "list", None, None);
    let request = plain
        .prepare(&plain_account(), &call, ReqwestSend::shared())
        .await?;
    Ok(plain
        .parse(
            &plain_account(),
            &call,
            &request,
            &reply,
            ReqwestSend::shared(),
        )
        .await?
        .next)
}

#[tokio::test]
async fn basic_auth_and_page_pagination() -> TestResult {
    let next = plain_next(
        "contacts",
        response(200, json!({"data": [{"id": 1}, {"id": 2}]})),
    )
    .await?
    .ok_or("no next")?;
    assert_eq!(
        next.url,
        "https://plain.example.com/api/contacts?per_page=2&page=2"
    );
    assert_eq!(
        next.header("authorization"),
        Some("Basic YW5uOnB3LXNlY3JldA==")
    );
    let last = plain_next("contacts", response(200, json!({"data": []}))).await?;
    assert_eq!(last, None);
    Ok(())
}

#[tokio::test]
async fn offset_pagination_stops_on_short_page() -> TestResult {
    let next = plain_next("events", response(200, json!([{"id": 1}, {"id": 2}])))
        .await?
        .ok_or("no next")?;
    assert_eq!(
        next.url,
        "https://plain.example.com/api/events?limit=2&offset=2"
    );
    let last = plain_next("events", response(200, json!([{"id": 3}]))).await?;
    assert_eq!(last, None);
    Ok(())
}

#[tokio::test]
async fn link_header_pagination() -> TestResult {
    let mut reply = response(200, json!([{"id": 1}]));
    reply.headers.push((
        "Link".into(),
        r#"<https://plain.example.com/api/issues?page=2>; rel="next""#.into(),
    ));
    let next = plain_next("issues", reply).await?.ok_or("no next")?;
    assert_eq!(next.url, "https://plain.example.com/api/issues?page=2");
    assert_eq!(plain_next("issues", response(200, json!([]))).await?, None);
    Ok(())
}

#[tokio::test]
async fn form_body_is_url_encoded() -> TestResult {
    let plain = load(&RegistryOptions::default(), "plain");
    let call = call(
        "forms",
        "create",
        None,
        Some(json!({"name": "A B", "count": 3})),
    );
    let request = plain
        .prepare(&plain_account(), &call, ReqwestSend::shared())
        .await?;
    assert_eq!(request.body.as_deref(), Some(&b"name=A+B&count=3"[..]));
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    Ok(())
}

#[tokio::test]
async fn next_page_on_another_host_gets_no_credentials() -> TestResult {
    let foreign = [
        "https://evil.example.net/api/issues?page=2",
        "https://plain.example.com.evil.net/api/issues?page=2",
        "https://plain.example.com:8443/api/issues?page=2",
        "http://plain.example.com/api/issues?page=2",
        "https://plain.example.com/apis/issues?page=2",
    ];
    for url in foreign {
        let mut reply = response(200, json!([{"id": 1}]));
        reply
            .headers
            .push(("Link".into(), format!(r#"<{url}>; rel="next""#)));
        let next = plain_next("issues", reply).await?.ok_or("no next")?;
        assert_eq!(next.url, url);
        assert_eq!(
            next.header("authorization"),
            None,
            "credentials sent to {url}"
        );
    }
    Ok(())
}
