//! Crash safety: a writer killed with SIGKILL at random points loses no account that
//! it reported as created.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{TestResult, context, new_account, open};

/// Environment variable that turns `child_creates_accounts` into a real child process.
const CHILD_DIR: &str = "WEFT_STORE_TEST_CRASH_CHILD";
const KILLS: usize = 50;
const MAX_ACCOUNTS_BEFORE_KILL: u64 = 12;

#[test]
fn killed_writer_keeps_every_reported_account() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut random = Random::from_os()?;
    let mut reported = Vec::new();

    for round in 0..KILLS {
        let wait_for = random.below(MAX_ACCOUNTS_BEFORE_KILL + 1);
        let ids = run_and_kill(dir.path(), wait_for)?;
        assert!(
            ids.len() as u64 >= wait_for,
            "round {round}: child stopped early"
        );
        reported.extend(ids);
    }

    println!("{} accounts reported over {KILLS} kills", reported.len());
    let store = open(dir.path())?;
    for id in &reported {
        let account = store
            .get_account(id)?
            .ok_or(format!("account '{id}' lost"))?;
        assert_eq!(account.context, context(), "account '{id}'");
    }
    assert!(
        reported.len() >= KILLS,
        "only {} accounts reported",
        reported.len()
    );
    Ok(())
}

/// Starts a child that creates accounts in a loop, reads `wait_for` reported ids, then
/// kills it with SIGKILL (`Child::kill` on Unix) and returns every id it had printed.
fn run_and_kill(dir: &Path, wait_for: u64) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "child_creates_accounts",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();

    let mut ids = Vec::new();
    while (ids.len() as u64) < wait_for {
        let Some(line) = lines.next().transpose()? else {
            break;
        };
        if let Some(id) = line.strip_prefix("created ") {
            ids.push(id.to_owned());
        }
    }
    child.kill()?;
    child.wait()?;

    // Lines the child wrote before it died still count: it reported those accounts.
    for line in lines {
        if let Some(id) = line?.strip_prefix("created ") {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// Runs only as the child of `killed_writer_keeps_every_reported_account`.
#[test]
#[ignore = "helper process for killed_writer_keeps_every_reported_account"]
fn child_creates_accounts() -> TestResult {
    let dir = std::env::var_os(CHILD_DIR).expect("run by the parent test only");
    let store = open(Path::new(&dir))?;
    loop {
        let account = store.create_account(new_account("notion", "default"))?;
        println!("created {}", account.id);
    }
}

/// xorshift64*, seeded from the OS; the seed is printed so a failure can be replayed.
struct Random(u64);

impl Random {
    fn from_os() -> Result<Random, getrandom::Error> {
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed)?;
        let seed = u64::from_le_bytes(seed) | 1;
        println!("crash test seed {seed}");
        Ok(Random(seed))
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}
