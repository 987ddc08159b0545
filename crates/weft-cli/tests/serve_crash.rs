//! Durability of `weft serve` across SIGKILL. Client tasks create and change accounts
//! as fast as the server accepts them, and the server is killed at a random point, 50
//! times. Every acknowledged account change and every API token must survive, decrypt
//! and keep working.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, RandomState};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use weft::store::{REDACTED, Store, StoreOptions};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const KILLS: usize = 50;
const WRITERS: usize = 4;
/// The server is killed after this many acknowledged writes in a round, at most.
const MAX_ACKS_BEFORE_KILL: u64 = 60;
/// A new API token is created with the CLI after every this many kills.
const TOKEN_EVERY: usize = 5;
const ENVIRONMENT: &str = "crash";
/// Environment variable that replays a failed run with the seed it printed.
const SEED_ENV: &str = "WEFT_SERVE_CRASH_SEED";

/// The expected state of one account: the last `seq` the server acknowledged and the
/// last one sent. A request cut off by the kill may or may not have been
/// committed, so the stored `seq` must lie between the two.
#[derive(Debug, Clone)]
struct Tracked {
    id: String,
    acked: u64,
    sent: u64,
}

/// Every acknowledged account and every API token created so far.
#[derive(Default)]
struct Ledger {
    accounts: Vec<Tracked>,
    tokens: Vec<String>,
    creates: usize,
    patches: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_server_keeps_every_acknowledged_write() -> TestResult {
    let dir = tempfile::tempdir()?;
    let logs = tempfile::tempdir()?;
    let log = logs.path().join("serve.log");
    let mut random = Random::seeded()?;
    let mut ledger = Ledger::default();

    weft_ok(dir.path(), &["env", "create", ENVIRONMENT])?;
    ledger.tokens.push(create_token(dir.path(), "initial")?);

    for round in 0..KILLS {
        let server = Server::start(dir.path(), &log, round)?;
        check_via_api(&server.url, &ledger, round).await?;
        run_and_kill(server, &mut ledger, &mut random, round).await?;
        if round % TOKEN_EVERY == TOKEN_EVERY - 1 {
            let name = format!("round-{round}");
            ledger.tokens.push(create_token(dir.path(), &name)?);
        }
    }

    let server = Server::start(dir.path(), &log, KILLS)?;
    check_via_api(&server.url, &ledger, KILLS).await?;
    server.stop()?;
    let in_doubt = check_store(dir.path(), &ledger)?;

    println!(
        "serve crash test: {KILLS} kills, {} accounts created and {} changes acknowledged, \
         {} accounts and {} tokens checked, {in_doubt} changes cut off by a kill were kept",
        ledger.creates,
        ledger.patches,
        ledger.accounts.len(),
        ledger.tokens.len()
    );
    assert!(
        ledger.creates >= WRITERS,
        "only {} accounts",
        ledger.creates
    );
    assert!(ledger.patches > 0, "no account change was acknowledged");
    Ok(())
}

/// Runs writers against `server`, kills it with SIGKILL after a random number of
/// acknowledged writes, and merges what the writers saw acknowledged into `ledger`.
async fn run_and_kill(
    mut server: Server,
    ledger: &mut Ledger,
    random: &mut Random,
    round: usize,
) -> TestResult {
    let client = Client::builder().timeout(Duration::from_secs(10)).build()?;
    let killed = Arc::new(AtomicBool::new(false));
    let (acks, mut acked) = mpsc::unbounded_channel();
    let hands = deal(std::mem::take(&mut ledger.accounts), WRITERS);
    let mut tasks = Vec::new();
    for (index, accounts) in hands.into_iter().enumerate() {
        let writer = Writer {
            client: client.clone(),
            url: server.url.clone(),
            token: ledger.tokens[(index + round) % ledger.tokens.len()].clone(),
            accounts,
            random: Random(random.next() | 1),
            acks: acks.clone(),
            killed: killed.clone(),
            creates: 0,
            patches: 0,
        };
        tasks.push(tokio::spawn(writer.run()));
    }
    drop(acks);

    // The kill point is a count of acknowledged writes, not a time, so a slow disk
    // still gets writes in. `recv` returns `None` early only when every writer failed.
    let kill_after = random.below(MAX_ACKS_BEFORE_KILL + 1);
    for _ in 0..kill_after {
        if acked.recv().await.is_none() {
            break;
        }
    }
    killed.store(true, Ordering::SeqCst);
    server.kill()?;

    for task in tasks {
        let report = task
            .await?
            .map_err(|error| format!("round {round}: {error}"))?;
        ledger.accounts.extend(report.accounts);
        ledger.creates += report.creates;
        ledger.patches += report.patches;
    }
    Ok(())
}

/// Splits `accounts` into `hands` groups, so that each account has one writer per round
/// and its `seq` only grows.
fn deal(accounts: Vec<Tracked>, hands: usize) -> Vec<Vec<Tracked>> {
    let mut dealt = vec![Vec::new(); hands];
    for (index, account) in accounts.into_iter().enumerate() {
        dealt[index % hands].push(account);
    }
    dealt
}

/// One client task: creates accounts and changes its own ones until the server dies.
struct Writer {
    client: Client,
    url: String,
    token: String,
    accounts: Vec<Tracked>,
    random: Random,
    acks: mpsc::UnboundedSender<()>,
    killed: Arc<AtomicBool>,
    creates: usize,
    patches: usize,
}

/// What one writer leaves behind: its accounts and how many writes were acknowledged.
struct Report {
    accounts: Vec<Tracked>,
    creates: usize,
    patches: usize,
}

impl Writer {
    async fn run(mut self) -> TestResult<Report> {
        loop {
            let acknowledged = if self.accounts.is_empty() || self.random.below(3) == 0 {
                self.create().await?
            } else {
                let index = self.random.below(self.accounts.len() as u64) as usize;
                self.patch(index).await?
            };
            if !acknowledged {
                break;
            }
            let _ = self.acks.send(());
        }
        Ok(Report {
            accounts: self.accounts,
            creates: self.creates,
            patches: self.patches,
        })
    }

    /// Creates an account with `seq` 0; returns false when the kill cut the request off.
    async fn create(&mut self) -> TestResult<bool> {
        let body = json!({"connector": "notion", "context": context(0)});
        let url = format!("{}/integrated-account", self.url);
        let request = self.client.post(url).bearer_auth(&self.token).json(&body);
        let Some(account) = self.send(request, StatusCode::CREATED).await? else {
            return Ok(false);
        };
        let id = account["id"].as_str().ok_or("created account has no id")?;
        self.accounts.push(Tracked {
            id: id.to_owned(),
            acked: 0,
            sent: 0,
        });
        self.creates += 1;
        Ok(true)
    }

    /// Sets the next `seq` and its matching secret on one account; returns false when
    /// the kill cut the request off.
    async fn patch(&mut self, index: usize) -> TestResult<bool> {
        let tracked = &mut self.accounts[index];
        tracked.sent += 1;
        let seq = tracked.sent;
        let url = format!("{}/integrated-account/{}", self.url, tracked.id);
        let body = json!({ "context": context(seq) });
        let request = self.client.patch(url).bearer_auth(&self.token).json(&body);
        if self.send(request, StatusCode::OK).await?.is_none() {
            return Ok(false);
        }
        self.accounts[index].acked = seq;
        self.patches += 1;
        Ok(true)
    }

    /// Sends a request and returns its JSON body, or `None` when it failed after the
    /// kill. A failure before the kill or an unexpected status fails the test.
    async fn send(
        &self,
        request: RequestBuilder,
        expected: StatusCode,
    ) -> TestResult<Option<Value>> {
        let response = match request.send().await {
            Ok(response) => response,
            Err(_) if self.killed.load(Ordering::SeqCst) => return Ok(None),
            Err(error) => return Err(format!("request failed before the kill: {error}").into()),
        };
        let status = response.status();
        let body = match response.json::<Value>().await {
            Ok(body) => body,
            Err(_) if self.killed.load(Ordering::SeqCst) => return Ok(None),
            Err(error) => return Err(format!("unreadable answer before the kill: {error}").into()),
        };
        if status != expected {
            let message = format!("expected {expected}, got {status}: {}", body["message"]);
            return Err(message.into());
        }
        Ok(Some(body))
    }
}

/// The context written with `seq`: a plain field and a secret that must stay in step,
/// since both change in one transaction.
fn context(seq: u64) -> Value {
    json!({"access_token": secret(seq), "seq": seq})
}

fn secret(seq: u64) -> String {
    format!("crash-secret-{seq}")
}

/// Checks through a restarted server that every token authenticates and every
/// acknowledged account is listed with an acknowledged or later `seq`. A listing also
/// decrypts every account in the environment, or fails with 500.
async fn check_via_api(url: &str, ledger: &Ledger, round: usize) -> TestResult {
    let client = Client::builder().timeout(Duration::from_secs(10)).build()?;
    let mut listed = None;
    for (index, token) in ledger.tokens.iter().enumerate() {
        let response = client
            .get(format!("{url}/integrated-account"))
            .bearer_auth(token)
            .send()
            .await?;
        let status = response.status();
        assert_eq!(status, StatusCode::OK, "after kill {round}: token {index}");
        listed.get_or_insert(response.json::<Value>().await?);
    }
    let listed = listed.ok_or("no token to check with")?;
    let accounts = listed["result"].as_array().ok_or("listing has no result")?;
    for tracked in &ledger.accounts {
        let account = accounts
            .iter()
            .find(|account| account["id"] == tracked.id.as_str())
            .ok_or_else(|| format!("after kill {round}: account '{}' lost", tracked.id))?;
        let seq = check_seq(tracked, &account["context"], round)?;
        let token = &account["context"]["access_token"];
        assert_eq!(token, REDACTED, "account '{}' seq {seq}", tracked.id);
    }
    Ok(())
}

/// Opens the store after the last server stopped and checks every account's decrypted
/// secret and every token against the ledger. Returns how many accounts keep a change
/// whose request the kill cut off before the response arrived.
fn check_store(dir: &Path, ledger: &Ledger) -> TestResult<usize> {
    let store = Store::open_with(dir, &StoreOptions::key_file_only())?;
    assert!(store.list_accounts(None)?.len() >= ledger.accounts.len());
    let mut in_doubt = 0;
    for tracked in &ledger.accounts {
        let account = store
            .get_account(&tracked.id)?
            .ok_or_else(|| format!("account '{}' lost", tracked.id))?;
        let context = Value::Object(account.context);
        let seq = check_seq(tracked, &context, KILLS)?;
        // Compared without printing, because the store treats these values as credentials.
        let matches = context["access_token"] == secret(seq).as_str();
        assert!(
            matches,
            "account '{}': secret is not the one of seq {seq}",
            tracked.id
        );
        if seq > tracked.acked {
            in_doubt += 1;
        }
    }
    for (index, token) in ledger.tokens.iter().enumerate() {
        let environment = store.verify_api_token(token)?;
        assert_eq!(environment.as_deref(), Some(ENVIRONMENT), "token {index}");
    }
    Ok(in_doubt)
}

/// Returns the stored `seq` after checking it lies between the acknowledged and the
/// last sent one.
fn check_seq(tracked: &Tracked, context: &Value, round: usize) -> TestResult<u64> {
    let seq = context["seq"]
        .as_u64()
        .ok_or_else(|| format!("account '{}' has no seq", tracked.id))?;
    let range = tracked.acked..=tracked.sent;
    if !range.contains(&seq) {
        let message = format!(
            "after kill {round}: account '{}' has seq {seq}, expected {}..={}",
            tracked.id, tracked.acked, tracked.sent
        );
        return Err(message.into());
    }
    Ok(seq)
}

/// A running `weft serve`; killed and reaped on drop, so a failed test leaves no process.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts `weft serve` on a free port and waits for its `listening on` line. Its
    /// stderr goes to `log`, which a failed start quotes.
    fn start(dir: &Path, log: &Path, round: usize) -> TestResult<Server> {
        let stderr = OpenOptions::new().create(true).append(true).open(log)?;
        let mut child = weft_command(dir, &["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            child.kill()?;
            child.wait()?;
            let message = format!("start after kill {round} failed: {}", read_log(log)?);
            return Err(message.into());
        };
        Ok(Server {
            url: url.to_owned(),
            child,
        })
    }

    fn kill(&mut self) -> TestResult {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// Stops the server with SIGTERM and checks that it exits cleanly.
    fn stop(mut self) -> TestResult {
        let term = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        assert!(term.success());
        let status = self.child.wait()?;
        assert!(status.success(), "server exited with {status}");
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_log(log: &Path) -> TestResult<String> {
    let mut text = String::new();
    File::open(log)?.read_to_string(&mut text)?;
    let tail: Vec<&str> = text.lines().rev().take(20).collect();
    Ok(tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
}

/// Builds a command running the real binary with `args` on `dir`. The key goes to
/// `store.key`, so that the test can open the store.
fn weft_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weft"));
    command
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("WEFT_DATA_DIR")
        .env("WEFT_NO_KEYRING", "1");
    command
}

fn weft_ok(dir: &Path, args: &[&str]) -> TestResult<Output> {
    let output = weft_command(dir, args).output()?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("weft {} failed: {stderr}", args.join(" ")).into());
    }
    Ok(output)
}

/// Creates a token in the test environment with the CLI and returns its secret.
fn create_token(dir: &Path, name: &str) -> TestResult<String> {
    let output = weft_ok(
        dir,
        &["token", "create", "--env", ENVIRONMENT, "--name", name],
    )?;
    let token = String::from_utf8(output.stdout)?.trim().to_owned();
    if !token.starts_with("weft_") {
        return Err(format!("token '{name}' was not printed").into());
    }
    Ok(token)
}

/// xorshift64*, seeded from `WEFT_SERVE_CRASH_SEED` or at random. The seed is printed so
/// a failure's kill points can be replayed; the writers' interleaving still varies.
struct Random(u64);

impl Random {
    fn seeded() -> TestResult<Random> {
        let seed = match std::env::var(SEED_ENV) {
            Ok(text) => text.parse()?,
            Err(_) => RandomState::new().hash_one(std::time::SystemTime::now()) | 1,
        };
        println!("serve crash test seed {seed} (replay with {SEED_ENV}={seed})");
        Ok(Random(seed))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}
