//! `weft token`: issue, list and revoke API tokens for `weft serve`.

use std::process::ExitCode;

use anyhow::bail;
use chrono::{DateTime, Days, Utc};
use weft::store::{ApiToken, NewApiToken};

use crate::data_dir::DataDir;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a token for an environment and print it once.
    Create {
        /// Environment the token grants access to.
        #[arg(long, value_name = "NAME")]
        env: String,
        /// Name of the token, for people.
        #[arg(long, value_name = "N", default_value = "api")]
        name: String,
        /// Days until the token expires (default: never).
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36500))]
        expires_in: Option<u32>,
        #[command(flatten)]
        data_dir: DataDir,
    },
    /// List tokens (ids, never the tokens themselves).
    List {
        /// Only tokens of this environment.
        #[arg(long, value_name = "NAME")]
        env: Option<String>,
        #[command(flatten)]
        data_dir: DataDir,
    },
    /// Revoke a token by id.
    Revoke {
        /// Token id (`tok_…`).
        id: String,
        #[command(flatten)]
        data_dir: DataDir,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Create {
            env,
            name,
            expires_in,
            data_dir,
        } => {
            let expires_at = expires_in.map(chrono_days).transpose()?;
            let new = NewApiToken {
                environment: env,
                name,
                expires_at,
            };
            let issued = data_dir.open()?.create_api_token(new)?;
            eprintln!(
                "created token {} for environment '{}'; it is shown once:",
                issued.token.id, issued.token.environment
            );
            println!("{}", issued.secret);
        }
        Command::List { env, data_dir } => {
            for token in data_dir.open()?.list_api_tokens(env.as_deref())? {
                println!("{}", describe(&token));
            }
        }
        Command::Revoke { id, data_dir } => {
            if data_dir.open()?.revoke_api_token(&id)? {
                println!("revoked token {id}");
            } else {
                println!("token {id} was already revoked");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn chrono_days(days: u32) -> anyhow::Result<DateTime<Utc>> {
    let Some(at) = Utc::now().checked_add_days(Days::new(days.into())) else {
        bail!("--expires-in '{days}' is too far in the future");
    };
    Ok(at)
}

fn describe(token: &ApiToken) -> String {
    let state = match (&token.revoked_at, &token.expires_at) {
        (Some(at), _) => format!("revoked {at}"),
        (None, Some(at)) => format!("expires {at}"),
        (None, None) => "never expires".to_owned(),
    };
    format!(
        "{}\t{}\t{}\t{}",
        token.id, token.environment, token.name, state
    )
}
