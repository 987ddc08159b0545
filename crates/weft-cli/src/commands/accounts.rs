//! `weft accounts`: create, list, show, update and delete integrated accounts in the
//! local store. Output is JSON with secret context values replaced by "[redacted]".

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};
use weft::Registry;
use weft::store::{Account, AccountStatus, AccountUpdate, DEFAULT_ENVIRONMENT, NewAccount, Store};

use crate::data_dir;

/// The `--data-dir` option shared by every accounts subcommand.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// Folder of the local store (default: WEFT_DATA_DIR, else the platform's data folder).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create an account and print it with its new id.
    Create(CreateArgs),
    /// List accounts, oldest first.
    List {
        /// Only accounts in this environment.
        #[arg(long = "env", value_name = "NAME")]
        environment: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print one account.
    Get {
        /// Account id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Change an account's context, base URL or status, then print it.
    Update(UpdateArgs),
    /// Delete an account.
    Delete {
        /// Account id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print an account's status and last error.
    Status {
        /// Account id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// Connector name, for example `notion`.
    #[arg(long, value_name = "NAME")]
    connector: String,
    /// Environment of the account.
    #[arg(long = "env", value_name = "NAME", default_value = DEFAULT_ENVIRONMENT)]
    environment: String,
    /// Credentials and settings as a JSON object, or `@FILE` to read them from a file.
    #[arg(long, value_name = "JSON|@FILE")]
    context: Option<String>,
    /// Base URL that replaces the connector's default.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Extra context field (name or dot path) to encrypt and redact; repeatable. The
    /// connector's declared secret fields and the defaults always apply.
    #[arg(long = "secret-field", value_name = "NAME")]
    secret_fields: Vec<String>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// Account id.
    id: String,
    /// JSON merge patch for the context (`null` removes a key), or `@FILE`.
    #[arg(long, value_name = "JSON|@FILE")]
    context: Option<String>,
    /// New base URL.
    #[arg(long, value_name = "URL", conflicts_with = "clear_base_url")]
    base_url: Option<String>,
    /// Remove the base URL override.
    #[arg(long)]
    clear_base_url: bool,
    /// New status: active, needs_reauth, connecting, validation_error or post_install_error.
    #[arg(long, value_name = "STATUS")]
    status: Option<AccountStatus>,
    /// New last error message; an empty string clears it.
    #[arg(long, value_name = "TEXT")]
    last_error: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

/// Runs one subcommand. Exits with 1 when the account does not exist.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Create(args) => create(args),
        Command::List { environment, store } => {
            let accounts = open(store)?.list_accounts(environment.as_deref())?;
            let redacted: Vec<Value> = accounts.iter().map(Account::redacted).collect();
            print_json(&Value::Array(redacted))
        }
        Command::Get { id, store } => {
            let account = open(store)?.get_account(&id)?;
            with_account(&id, account, |account| print_json(&account.redacted()))
        }
        Command::Update(args) => update(args),
        Command::Delete { id, store } => {
            if !open(store)?.delete_account(&id)? {
                return not_found(&id);
            }
            print_json(&json!({"id": id, "deleted": true}))
        }
        Command::Status { id, store } => {
            let account = open(store)?.get_account(&id)?;
            with_account(&id, account, |account| {
                print_json(&json!({
                    "id": account.id,
                    "status": account.status,
                    "last_error": account.last_error,
                }))
            })
        }
    }
}

fn create(args: CreateArgs) -> anyhow::Result<ExitCode> {
    let context = match &args.context {
        Some(argument) => read_object(argument)?,
        None => Map::new(),
    };
    let dir = data_dir::resolve(args.store.data_dir)?;
    let mut secret_fields = declared_secret_fields(&dir, &args.connector);
    secret_fields.extend(args.secret_fields);

    let store = open_dir(&dir)?;
    let account = store.create_account(NewAccount {
        environment: args.environment,
        connector: args.connector,
        context,
        base_url: args.base_url,
        secret_fields,
    })?;
    print_json(&account.redacted())
}

fn update(args: UpdateArgs) -> anyhow::Result<ExitCode> {
    let context = args.context.as_deref().map(read_object).transpose()?;
    let base_url = match (args.base_url, args.clear_base_url) {
        (Some(url), _) => Some(Some(url)),
        (None, true) => Some(None),
        (None, false) => None,
    };
    let last_error = args
        .last_error
        .map(|text| Some(text).filter(|text| !text.is_empty()));
    let update = AccountUpdate {
        context,
        base_url,
        status: args.status,
        last_error,
        ..AccountUpdate::default()
    };

    let store = open(args.store)?;
    match store.update_account(&args.id, update) {
        Ok(account) => print_json(&account.redacted()),
        Err(weft::store::StoreError::AccountNotFound { .. }) => not_found(&args.id),
        Err(error) => Err(error.into()),
    }
}

/// Returns the secret fields the connector declares, or none (with a warning) when the
/// connector is not installed, so accounts can be created before their connector.
fn declared_secret_fields(data_dir: &std::path::Path, connector: &str) -> Vec<String> {
    let (registry, _errors) = Registry::load(&data_dir::connector_dirs(data_dir));
    match registry.get(connector) {
        Some(found) => found.secret_fields().to_vec(),
        None => {
            eprintln!(
                "warning: connector '{connector}' is not installed; only the default secret fields are encrypted"
            );
            Vec::new()
        }
    }
}

fn open(store: StoreArgs) -> anyhow::Result<Store> {
    open_dir(&data_dir::resolve(store.data_dir)?)
}

fn open_dir(dir: &std::path::Path) -> anyhow::Result<Store> {
    Store::open(dir).with_context(|| format!("failed to open the store in '{}'", dir.display()))
}

/// Parses a JSON object given inline or as `@FILE`. Errors never quote the text,
/// because it usually contains credentials.
fn read_object(argument: &str) -> anyhow::Result<Map<String, Value>> {
    let text = match argument.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("failed to read context file '{path}'"))?,
        None => argument.to_owned(),
    };
    let value: Value = serde_json::from_str(&text).context("--context is not valid JSON")?;
    match value {
        Value::Object(object) => Ok(object),
        other => bail!("--context must be a JSON object, got {}", kind(&other)),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn with_account(
    id: &str,
    account: Option<Account>,
    print: impl FnOnce(&Account) -> anyhow::Result<ExitCode>,
) -> anyhow::Result<ExitCode> {
    match account {
        Some(account) => print(&account),
        None => not_found(id),
    }
}

fn not_found(id: &str) -> anyhow::Result<ExitCode> {
    eprintln!("error: account '{id}' not found");
    Ok(ExitCode::from(1))
}

/// Prints pretty JSON on stdout. A closed pipe (`weft accounts list | head`) ends the
/// output quietly instead of failing.
fn print_json(value: &Value) -> anyhow::Result<ExitCode> {
    let text = serde_json::to_string_pretty(value)?;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context(crate::output::WRITE_FAILED)
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}
