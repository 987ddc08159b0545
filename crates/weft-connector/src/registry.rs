//! Finds and loads `connector.lua` files.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mlua::{MultiValue, Value};

use crate::connector::{Connector, Definition};
use crate::log::{LogSink, LogTarget};
use crate::read::read_manifest;
use crate::sandbox::{self, ScriptLimits};
use crate::{ConnectorError, LoadError, lua_lib};

/// Options for running connectors: their budgets and the subscriber for their log lines.
#[derive(Clone, Default)]
pub struct RegistryOptions {
    pub limits: ScriptLimits,
    /// Receives every connector log line besides `tracing`.
    pub log_sink: Option<LogSink>,
}

/// The loaded connectors, by name.
#[derive(Debug, Default)]
pub struct Registry {
    connectors: BTreeMap<String, Arc<Connector>>,
}

impl Registry {
    /// Loads every `<dir>/<name>/connector.lua` with default options; later dirs override
    /// earlier ones by name. A broken connector is reported (path, line, message) and the
    /// rest still load. Dirs that do not exist are skipped.
    pub fn load(dirs: &[PathBuf]) -> (Registry, Vec<LoadError>) {
        Registry::load_with(dirs, &RegistryOptions::default())
    }

    /// [`Registry::load`] with budgets and a log subscriber.
    pub fn load_with(dirs: &[PathBuf], options: &RegistryOptions) -> (Registry, Vec<LoadError>) {
        let mut registry = Registry::default();
        let mut errors = Vec::new();
        for dir in dirs {
            for folder in connector_folders(dir, &mut errors) {
                match load_connector(&folder, options) {
                    Ok(connector) => {
                        tracing::debug!(connector = connector.name(), path = %connector.path().display(), "loaded connector");
                        registry
                            .connectors
                            .insert(connector.name().to_string(), Arc::new(connector));
                    }
                    Err(error) => {
                        tracing::warn!(%error, "connector failed to load");
                        errors.push(error);
                    }
                }
            }
        }
        (registry, errors)
    }

    pub fn get(&self, name: &str) -> Option<Arc<Connector>> {
        self.connectors.get(name).cloned()
    }

    /// Connector names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.connectors.keys().cloned().collect()
    }
}

/// The sub-folders of `dir`, sorted so loading order and error order are stable.
fn connector_folders(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<PathBuf> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(error) => {
            errors.push(LoadError {
                path: dir.to_path_buf(),
                line: None,
                message: format!("cannot read folder: {error}"),
            });
            return Vec::new();
        }
    };
    let mut folders: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    folders
}

fn load_connector(folder: &Path, options: &RegistryOptions) -> Result<Connector, LoadError> {
    let path = folder.join("connector.lua");
    let folder_name = folder
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fail = |line: Option<usize>, message: String| LoadError {
        path: path.clone(),
        line,
        message,
    };

    let source = fs::read_to_string(&path)
        .map_err(|error| fail(None, format!("cannot read connector.lua: {error}")))?;
    let chunk_name = format!("{folder_name}/connector.lua");
    let (lua, budget) =
        sandbox::new_state(&options.limits).map_err(|error| fail(None, error.to_string()))?;
    let log = LogTarget::new(
        folder_name.clone(),
        None,
        Vec::new(),
        options.log_sink.clone(),
        None,
    );
    lua_lib::install(&lua, log.clone()).map_err(|error| fail(None, error.to_string()))?;
    sandbox::arm_memory(&lua, &budget).map_err(|error| fail(None, error.to_string()))?;

    let chunk = lua
        .load(source.as_str())
        .set_name(format!("@{chunk_name}"))
        .into_function();
    let chunk = chunk.map_err(|error| {
        let message = match error {
            mlua::Error::SyntaxError { message, .. } => message,
            other => other.to_string(),
        };
        located(&chunk_name, message, &fail)
    })?;
    let outcome = sandbox::call_blocking(&folder_name, &lua, &budget, chunk, MultiValue::new());
    log.finish_call("connector.lua");
    let mut values = outcome.map_err(|error| located(&chunk_name, load_message(error), &fail))?;
    let table = match values.pop_front() {
        Some(Value::Table(table)) => table,
        other => {
            let kind = other.map_or("nothing", |value| value.type_name());
            return Err(fail(
                None,
                format!("connector.lua must return a table, not {kind}"),
            ));
        }
    };
    let manifest =
        read_manifest(&lua, table, &folder_name).map_err(|message| fail(None, message))?;

    Ok(Connector::new(Definition {
        name: manifest.name.clone(),
        manifest,
        source,
        chunk_name,
        path: path.clone(),
        limits: options.limits.clone(),
        log_sink: options.log_sink.clone(),
    }))
}

fn load_message(error: ConnectorError) -> String {
    match error {
        ConnectorError::Script { message, .. } | ConnectorError::LimitExceeded { message, .. } => {
            message
        }
        ConnectorError::Raised { code, message, .. } => format!("{code}: {message}"),
        other => other.to_string(),
    }
}

/// Splits `<chunk>:<line>: message` into the line and the rest of the message.
fn located(
    chunk_name: &str,
    message: String,
    fail: &impl Fn(Option<usize>, String) -> LoadError,
) -> LoadError {
    let prefix = format!("{chunk_name}:");
    if let Some(start) = message.find(&prefix) {
        let rest = &message[start + prefix.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let (Ok(line), Some(text)) = (digits.parse(), rest[digits.len()..].strip_prefix(": ")) {
            return fail(Some(line), text.to_string());
        }
    }
    fail(None, message)
}
