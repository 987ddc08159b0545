//! The recorded Notion workspace in `examples/notion` replays completely when walked
//! the way the page-to-markdown batch walks it.

use std::error::Error;
use std::path::Path;

use serde_json::Value;
use weft_replay::{Har, ReplayServer, serve};

type TestResult = Result<(), Box<dyn Error>>;

const PAGE_ID: &str = "1a4ac512-f5a5-80d2-9c3e-e1f0a7b3c5d9";

/// Fetches every page of one block's children, following `next_cursor`.
async fn children(server: &ReplayServer, block_id: &str) -> Result<Vec<Value>, Box<dyn Error>> {
    let client = reqwest::Client::new();
    let url = format!("{}/v1/blocks/{block_id}/children", server.base_url());
    let mut results = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = client
            .get(&url)
            .header("Notion-Version", "2022-06-28")
            .query(&[("page_size", "100")]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("start_cursor", cursor)]);
        }
        let page: Value = request.send().await?.error_for_status()?.json().await?;
        results.extend(page["results"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(next) if page["has_more"] == true => cursor = Some(next.to_string()),
            _ => return Ok(results),
        }
    }
}

#[tokio::test]
async fn walks_every_recorded_block() -> TestResult {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/notion/workspace.har");
    let har = Har::from_path(path)?;
    let server = serve(har, "127.0.0.1:0".parse()?).await?;

    let mut pending = vec![(PAGE_ID.to_string(), 1)];
    let (mut blocks, mut max_level) = (0, 0);
    while let Some((id, level)) = pending.pop() {
        for block in children(&server, &id).await? {
            blocks += 1;
            max_level = max_level.max(level);
            if block["has_children"] == true {
                let child_id = block["id"].as_str().ok_or("block without id")?;
                pending.push((child_id.to_string(), level + 1));
            }
        }
    }

    assert_eq!(blocks, 156);
    assert_eq!(max_level, 4);
    assert!(server.unmatched().is_empty());
    assert!(
        server.hit_counts().iter().all(|&hits| hits == 1),
        "{:?}",
        server.hit_counts()
    );
    server.shutdown().await?;
    Ok(())
}
