//! Load benchmark: many concurrent clients post small batches to a real server whose
//! Notion account points at a replay server, for a fixed time. Prints requests per
//! second, p50/p99 latency and the error count, and writes them into
//! `docs/benchmarks.md` between this bench's markers.
//!
//! `cargo bench -p weft-server --bench load`; `WEFT_BENCH_CLIENTS` (default 200) and
//! `WEFT_BENCH_SECONDS` (default 30) change the load.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use weft::Registry;
use weft::replay::Har;
use weft::store::{NewAccount, NewApiToken, Store, StoreOptions};
use weft_server::{Server, ServerConfig};

type BenchResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const START: &str = "<!-- weft-server load: start -->";
const END: &str = "<!-- weft-server load: end -->";
/// A block whose children come in one recorded page of seven blocks.
const BLOCK: &str = "1a4ac512-f5a5-8042-4239-a54b3c5de838";

struct Report {
    clients: usize,
    seconds: f64,
    ok: usize,
    errors: usize,
    p50: Duration,
    p99: Duration,
}

fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> BenchResult {
    let clients = env_number("WEFT_BENCH_CLIENTS", 200) as usize;
    let seconds = env_number("WEFT_BENCH_SECONDS", 30);
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(load(clients, Duration::from_secs(seconds)))?;
    let section = render(&report);
    println!("{section}");
    write_section(&section)?;
    if report.errors > 0 {
        return Err(format!("{} requests failed", report.errors).into());
    }
    Ok(())
}

async fn load(clients: usize, length: Duration) -> BenchResult<Report> {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(Store::open_with(
        dir.path(),
        &StoreOptions::key_file_only(),
    )?);
    let (registry, _) = Registry::load(&[repo_path("connectors")]);
    let har = Har::from_path(repo_path("examples/notion/workspace.har"))?;
    let replay = weft::replay::serve(har, ([127, 0, 0, 1], 0).into()).await?;
    let token = store
        .create_api_token(NewApiToken {
            environment: "default".into(),
            name: "bench".into(),
            expires_at: None,
        })?
        .secret;
    let mut context = Map::new();
    context.insert("access_token".into(), json!("bench-secret-token"));
    let mut account = NewAccount::new("notion", context);
    account.base_url = Some(replay.base_url());
    let account = store.create_account(account)?;

    let server = Server::new(store, Arc::new(registry), ServerConfig::default())?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://{}/batch-request", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(listener, async {
        let _ = stopped.await;
    }));

    let body = json!({
        "integrated_account_id": account.id,
        "resources": [{ "name": "children", "resource": "block-children", "method": "list",
                        "query": { "block_id": BLOCK, "page_size": 100 }, "persist": true }]
    });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let started = Instant::now();
    let deadline = started + length;
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            tokio::spawn(client_loop(
                client.clone(),
                url.clone(),
                token.clone(),
                body.clone(),
                deadline,
            ))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (times, failed) = worker.await?;
        latencies.extend(times);
        errors += failed;
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    task.await??;
    replay.shutdown().await?;
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(Report {
        clients,
        seconds,
        ok: latencies.len(),
        errors,
        p50: at(0.50),
        p99: at(0.99),
    })
}

/// Posts the batch until the deadline; returns the latencies of good answers and the
/// number of failures (transport errors, non-200 statuses, or `errors` in the body).
async fn client_loop(
    client: reqwest::Client,
    url: String,
    token: String,
    body: Value,
    deadline: Instant,
) -> (Vec<Duration>, usize) {
    let mut times = Vec::new();
    let mut failed = 0;
    while Instant::now() < deadline {
        let sent = Instant::now();
        let answer = client
            .post(&url)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await;
        let good = match answer {
            Ok(response) if response.status().is_success() => {
                response.json::<Value>().await.is_ok_and(|v| {
                    v["errors"] == json!({})
                        && v["result"]["children"]
                            .as_array()
                            .is_some_and(|r| r.len() == 7)
                })
            }
            _ => false,
        };
        if good {
            times.push(sent.elapsed());
        } else {
            failed += 1;
        }
    }
    (times, failed)
}

fn render(report: &Report) -> String {
    let rps = report.ok as f64 / report.seconds;
    let machine = format!(
        "{} cores ({}), {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    format!(
        "{START}\n## Server load (`cargo bench -p weft-server --bench load`)\n\n\
         {} concurrent clients post a one-node batch (list the seven children of one Notion\n\
         block, answered by the replay server) to `POST /batch-request` for {:.0} s. One API\n\
         token (per-token limit 16 batches at once, so clients queue), release build, server,\n\
         replay and clients in one process on {machine}. Every run is written to run\n\
         history (one durable redb commit per request).\n\n\
         | requests | errors | requests/s | p50 latency | p99 latency |\n\
         | ---: | ---: | ---: | ---: | ---: |\n\
         | {} | {} | {:.0} | {:.1} ms | {:.1} ms |\n{END}",
        report.clients,
        report.seconds,
        report.ok + report.errors,
        report.errors,
        rps,
        report.p50.as_secs_f64() * 1000.0,
        report.p99.as_secs_f64() * 1000.0,
    )
}

/// Replaces this bench's section of `docs/benchmarks.md`, or appends it.
fn write_section(section: &str) -> BenchResult {
    let path = repo_path("docs/benchmarks.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let updated = match (text.find(START), text.find(END)) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{section}{}", &text[..start], &text[end + END.len()..])
        }
        _ => format!(
            "{}\n{section}\n",
            text.trim_end_matches('\n').to_owned() + "\n"
        ),
    };
    std::fs::write(path, updated)?;
    Ok(())
}
