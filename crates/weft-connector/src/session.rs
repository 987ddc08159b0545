//! A Lua state for one connector call: the sandbox, the host libraries, the `http`
//! library bound to the call's account and client, and the connector table loaded afresh.

use std::sync::Arc;

use mlua::{Function, IntoLuaMulti, Lua, MultiValue, Table, Value};
use serde_json::Map;

use crate::connector::Definition;
use crate::log::LogTarget;
use crate::lua_lib::{self, from_lua, to_lua};
use crate::manifest::{Auth, FnRef};
use crate::redact::redact;
use crate::request::{apply_declared_auth, base_url, join_url, within_base};
use crate::sandbox::{self, Budget, script};
use crate::text::escaped;
use crate::{AccountContext, Call, ConnectorError, HttpRequest, HttpResponse, HttpSend};

const CONNECTOR_KEY: &str = "weft.connector";
const ACCOUNT_KEY: &str = "weft.account";

/// Wraps the host's send function so failures raise `{code, message}` tables.
const HTTP_WRAPPER: &str = r#"
local send, error = ...
return {
  request = function(request)
    local response, code, message = send(request)
    if response == nil then error({ code = code, message = message }, 2) end
    return response
  end,
}
"#;

/// A fresh state per call keeps accounts and calls apart: nothing a connector stores in a
/// global or an upvalue survives the call, and a call that hit a budget leaves no damaged
/// state behind. On a 2-core Xeon VM (release build, 500 calls), opening a session, running
/// the `echo` test fixture and one `prepare` with signing took about 440 µs per call.
/// Declared-only methods, such as all of Notion's, open no session and took about 1 µs.
// TODO: a pool of loaded states per connector would cut the 440 µs if many small pages make
// it show up next to HTTP latency; it then needs a reset of globals between accounts.
pub(crate) struct Session {
    lua: Lua,
    budget: Arc<Budget>,
    definition: Arc<Definition>,
    secrets: Vec<String>,
    log: LogTarget,
}

impl Session {
    /// Creates the state and runs `connector.lua` in it. `account` and `http` are absent
    /// while the registry loads the file.
    pub(crate) async fn open(
        definition: &Arc<Definition>,
        account: Option<&AccountContext>,
        http: Option<Arc<dyn HttpSend>>,
    ) -> Result<Session, ConnectorError> {
        let session = Session::create(definition, account, http.clone())?;
        if let (Some(account), Some(http)) = (account, http) {
            session
                .install_http(account, http)
                .map_err(|error| session.lua_failure(error))?;
        }
        sandbox::arm_memory(&session.lua, &session.budget)
            .map_err(|error| session.lua_failure(error))?;

        let chunk = session.chunk()?;
        let mut values = session.run(chunk, MultiValue::new()).await?;
        let Some(Value::Table(root)) = values.pop_front() else {
            return Err(session.fail("connector.lua did not return a table".into()));
        };
        session
            .lua
            .set_named_registry_value(CONNECTOR_KEY, root)
            .map_err(|error| session.lua_failure(error))?;
        Ok(session)
    }

    /// Creates the state without running the connector. Log lines also go to `http`.
    pub(crate) fn create(
        definition: &Arc<Definition>,
        account: Option<&AccountContext>,
        http: Option<Arc<dyn HttpSend>>,
    ) -> Result<Session, ConnectorError> {
        let name = definition.name.clone();
        let (lua, budget) = sandbox::new_state(&definition.limits)
            .map_err(|error| script(&name, error.to_string()))?;
        let secrets = account
            .map(|account| secret_values(definition, account))
            .unwrap_or_default();
        let log = LogTarget::new(
            name.clone(),
            account.map(|account| account.id.clone()),
            secrets.clone(),
            definition.log_sink.clone(),
            http,
        );
        lua_lib::install(&lua, log.clone()).map_err(|error| script(&name, error.to_string()))?;
        if let Some(account) = account {
            let table =
                account_to_lua(&lua, account).map_err(|error| script(&name, error.to_string()))?;
            lua.set_named_registry_value(ACCOUNT_KEY, table)
                .map_err(|error| script(&name, error.to_string()))?;
        }
        Ok(Session {
            lua,
            budget,
            definition: Arc::clone(definition),
            secrets,
            log,
        })
    }

    pub(crate) fn lua(&self) -> &Lua {
        &self.lua
    }

    /// Compiles `connector.lua`, named by its path so errors show `path:line`.
    pub(crate) fn chunk(&self) -> Result<Function, ConnectorError> {
        self.lua
            .load(self.definition.source.as_str())
            .set_name(format!("@{}", self.definition.chunk_name))
            .into_function()
            .map_err(|error| self.lua_failure(error))
    }

    /// Calls a Lua function under the budgets; failures have secrets redacted.
    pub(crate) async fn run(
        &self,
        function: Function,
        args: MultiValue,
    ) -> Result<MultiValue, ConnectorError> {
        let outcome = sandbox::call(
            &self.definition.name,
            &self.lua,
            &self.budget,
            function,
            args,
        )
        .await;
        self.log.finish_call(&self.budget.hook());
        outcome.map_err(|error| redact_error(error, &self.secrets))
    }

    /// Calls the connector function at `reference` with `args`.
    pub(crate) async fn call(
        &self,
        reference: &FnRef,
        args: impl IntoLuaMulti,
    ) -> Result<MultiValue, ConnectorError> {
        let function = self.function(reference)?;
        self.budget.set_hook(&reference.describe());
        let args = args
            .into_lua_multi(&self.lua)
            .map_err(|error| self.lua_failure(error))?;
        self.run(function, args).await
    }

    fn function(&self, reference: &FnRef) -> Result<Function, ConnectorError> {
        let root: Table = self
            .lua
            .named_registry_value(CONNECTOR_KEY)
            .map_err(|error| self.lua_failure(error))?;
        lookup_function(&root, reference).ok_or_else(|| {
            self.fail(format!(
                "'{}' is no longer a function",
                reference.describe()
            ))
        })
    }

    pub(crate) fn account(&self) -> Result<Table, ConnectorError> {
        self.lua
            .named_registry_value(ACCOUNT_KEY)
            .map_err(|error| self.lua_failure(error))
    }

    pub(crate) fn fail(&self, message: String) -> ConnectorError {
        script(&self.definition.name, redact(&message, &self.secrets))
    }

    pub(crate) fn lua_failure(&self, error: mlua::Error) -> ConnectorError {
        self.fail(error.to_string())
    }

    /// Applies function auth and the `sign` hook to a request that already has declared
    /// auth applied.
    pub(crate) async fn finish_request(
        &self,
        request: HttpRequest,
    ) -> Result<HttpRequest, ConnectorError> {
        let mut request = request;
        let steps = [
            auth_function(&self.definition),
            self.definition.manifest.sign.clone(),
        ];
        for reference in steps.into_iter().flatten() {
            let table =
                request_to_lua(&self.lua, &request).map_err(|error| self.lua_failure(error))?;
            let mut values = self
                .call(&reference, (table.clone(), self.account()?))
                .await?;
            let returned = match values.pop_front() {
                Some(Value::Table(returned)) => returned,
                _ => table,
            };
            request = request_from_lua(&self.lua, returned, &request.url).map_err(|message| {
                self.fail(format!("'{}' returned {message}", reference.describe()))
            })?;
        }
        Ok(request)
    }

    fn install_http(&self, account: &AccountContext, http: Arc<dyn HttpSend>) -> mlua::Result<()> {
        let definition = Arc::clone(&self.definition);
        let account = account.clone();
        let memory = self.budget.limits().memory_bytes;
        let send = self.lua.create_async_function(move |lua, table: Table| {
            let definition = Arc::clone(&definition);
            let account = account.clone();
            let http = Arc::clone(&http);
            async move {
                match send_from_lua(&lua, &definition, &account, http.as_ref(), table, memory).await
                {
                    Ok(response) => Ok((Value::Table(response), Value::Nil, Value::Nil)),
                    Err((code, message)) => {
                        let message = redact(&message, &secret_values(&definition, &account));
                        Ok((
                            Value::Nil,
                            Value::String(lua.create_string(code)?),
                            Value::String(lua.create_string(message)?),
                        ))
                    }
                }
            }
        })?;
        let error: Function = self.lua.globals().raw_get("error")?;
        let library: Table = self
            .lua
            .load(HTTP_WRAPPER)
            .set_name("=http")
            .call((send, error))?;
        self.lua.globals().raw_set("http", library)
    }
}

fn auth_function(definition: &Definition) -> Option<FnRef> {
    match &definition.manifest.auth {
        Auth::Function(reference) => Some(reference.clone()),
        _ => None,
    }
}

/// Sends a request built by connector code. Requests to the connector's own base URL get
/// the connector's headers, auth and signature unless the table sets `auth = false`, and
/// go out through [`HttpSend::send_authorized`], so the host signs their retries again.
async fn send_from_lua(
    lua: &Lua,
    definition: &Definition,
    account: &AccountContext,
    http: &dyn HttpSend,
    table: Table,
    memory: usize,
) -> Result<Table, (String, String)> {
    let invalid = |message: String| ("invalid_request".to_string(), message);
    let skip_auth = matches!(table.raw_get::<Value>("auth"), Ok(Value::Boolean(false)));
    let mut request = request_from_lua(lua, table, "")
        .map_err(|message| invalid(format!("http.request got {message}")))?;

    let base =
        base_url(&definition.manifest, account).map_err(|error| invalid(error.to_string()))?;
    let authorized = !skip_auth && within_base(&request.url, &base);
    if authorized {
        request = authorize_in_lua(lua, definition, account, request)
            .await
            .map_err(|error| invalid(error.to_string()))?;
    }

    let sent = match authorized {
        true => http.send_authorized(request, account).await,
        false => http.send(request).await,
    };
    let response = sent.map_err(|message| ("http_failed".to_string(), message))?;
    if response.body.len() > memory {
        let message = format!(
            "response body of {} bytes exceeds the memory limit of {memory} bytes",
            response.body.len()
        );
        return Err(("response_too_large".into(), message));
    }
    response_to_lua(lua, &response)
        .map_err(|error| ("invalid_response".to_string(), error.to_string()))
}

/// Applies headers, declared or function auth and the `sign` hook inside a running call.
async fn authorize_in_lua(
    lua: &Lua,
    definition: &Definition,
    account: &AccountContext,
    mut request: HttpRequest,
) -> mlua::Result<HttpRequest> {
    for (name, value) in &definition.manifest.headers {
        if request.header(name).is_none() {
            request.headers.push((name.clone(), value.clone()));
        }
    }
    apply_declared_auth(&definition.manifest, account, &mut request)
        .map_err(|error| mlua::Error::RuntimeError(error.to_string()))?;
    let root: Table = lua.named_registry_value(CONNECTOR_KEY)?;
    let account_table: Table = lua.named_registry_value(ACCOUNT_KEY)?;
    let steps = [auth_function(definition), definition.manifest.sign.clone()];
    for reference in steps.into_iter().flatten() {
        let Some(function) = lookup_function(&root, &reference) else {
            continue;
        };
        let table = request_to_lua(lua, &request)?;
        let returned = match function
            .call_async::<Value>((table.clone(), account_table.clone()))
            .await?
        {
            Value::Table(returned) => returned,
            _ => table,
        };
        request =
            request_from_lua(lua, returned, &request.url).map_err(mlua::Error::RuntimeError)?;
    }
    Ok(request)
}

fn lookup_function(root: &Table, reference: &FnRef) -> Option<Function> {
    let (last, parents) = reference.0.split_last()?;
    let mut table = root.clone();
    for key in parents {
        table = table.raw_get::<Table>(key.as_str()).ok()?;
    }
    table.raw_get::<Function>(last.as_str()).ok()
}

/// Collects the account's values of the connector's secret fields, for redaction.
pub(crate) fn secret_values(definition: &Definition, account: &AccountContext) -> Vec<String> {
    definition
        .manifest
        .secrets
        .iter()
        .filter_map(|field| account.context.get(field))
        .filter_map(|value| value.as_str().map(str::to_string))
        .collect()
}

fn redact_error(error: ConnectorError, secrets: &[String]) -> ConnectorError {
    match error {
        ConnectorError::Script { connector, message } => ConnectorError::Script {
            connector,
            message: redact(&message, secrets),
        },
        ConnectorError::Raised {
            connector,
            code,
            message,
        } => ConnectorError::Raised {
            connector,
            code,
            message: redact(&message, secrets),
        },
        other => other,
    }
}

pub(crate) fn call_to_lua(lua: &Lua, call: &Call) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("resource", call.resource.as_str())?;
    table.raw_set("method", call.method.as_str())?;
    table.raw_set("id", call.id.as_deref())?;
    table.raw_set(
        "query",
        to_lua(lua, &serde_json::Value::Object(call.query.clone()))?,
    )?;
    if let Some(body) = &call.body {
        table.raw_set("body", to_lua(lua, body)?)?;
    }
    Ok(table)
}

fn account_to_lua(lua: &Lua, account: &AccountContext) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("id", account.id.as_str())?;
    table.raw_set(
        "context",
        to_lua(lua, &serde_json::Value::Object(account.context.clone()))?,
    )?;
    table.raw_set("base_url", account.base_url.as_deref())?;
    Ok(table)
}

/// `{method, url, headers = {name = value}, body}`; headers keep their sent spelling.
pub(crate) fn request_to_lua(lua: &Lua, request: &HttpRequest) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("method", request.method.as_str())?;
    table.raw_set("url", request.url.as_str())?;
    let headers = lua.create_table()?;
    for (name, value) in &request.headers {
        headers.raw_set(name.as_str(), value.as_str())?;
    }
    table.raw_set("headers", headers)?;
    if let Some(body) = &request.body {
        table.raw_set("body", lua.create_string(body)?)?;
    }
    Ok(table)
}

/// `{status, headers = {lowercase name = value}, body}`; repeated headers are joined
/// with ", ".
pub(crate) fn response_to_lua(lua: &Lua, response: &HttpResponse) -> mlua::Result<Table> {
    let table = lua.create_table()?;
    table.raw_set("status", response.status)?;
    let headers = lua.create_table()?;
    for (name, value) in &response.headers {
        let name = name.to_ascii_lowercase();
        let joined = match headers.raw_get::<Option<String>>(name.as_str())? {
            Some(earlier) => format!("{earlier}, {value}"),
            None => value.clone(),
        };
        headers.raw_set(name, joined)?;
    }
    table.raw_set("headers", headers)?;
    table.raw_set("body", lua.create_string(&response.body)?)?;
    Ok(table)
}

/// Rejects a header name or value that HTTP cannot carry, such as one with CR or LF.
fn check_header(name: &str, value: &str) -> Result<(), String> {
    let shown_name = escaped(name, SHOWN_CHARS);
    let token = |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(format!(
            "a request with an invalid header name '{shown_name}'"
        ));
    }
    let control = |byte: u8| (byte < 0x20 && byte != b'\t') || byte == 0x7f;
    if value.bytes().any(control) {
        let shown = escaped(value, SHOWN_CHARS);
        return Err(format!(
            "a request whose header '{shown_name}' has an invalid value '{shown}': header \
             values cannot contain control characters such as CR, LF or NUL"
        ));
    }
    Ok(())
}

/// Reads a request table returned by connector code. `url` may be absolute, or `path`
/// (with `query`) is joined to `base`; `json` is encoded as the body.
pub(crate) fn request_from_lua(lua: &Lua, table: Table, base: &str) -> Result<HttpRequest, String> {
    let field = |key: &str| {
        table
            .raw_get::<Value>(key)
            .map_err(|error| error.to_string())
    };
    let method = match field("method")? {
        Value::Nil => "GET".to_string(),
        Value::String(method) => method.to_string_lossy().to_ascii_uppercase(),
        other => {
            return Err(format!(
                "a request whose 'method' is a {}",
                other.type_name()
            ));
        }
    };
    let query = match field("query")? {
        Value::Nil => Map::new(),
        value => match from_lua(lua, value) {
            Ok(serde_json::Value::Object(query)) => query,
            Ok(serde_json::Value::Array(items)) if items.is_empty() => Map::new(),
            _ => return Err("a request whose 'query' is not a table of values".into()),
        },
    };
    let url = request_url(field("url")?, field("path")?, base, &query)?;
    let mut request = HttpRequest {
        method,
        url,
        headers: read_headers(&table)?,
        body: None,
    };
    match (field("body")?, field("json")?) {
        (Value::String(body), _) => request.body = Some(body.as_bytes().to_vec()),
        (Value::Nil, Value::Nil) => {}
        (Value::Nil, json) => {
            let json = from_lua(lua, json)
                .map_err(|error| format!("a request whose 'json' cannot be encoded: {error}"))?;
            crate::request::set_body(&mut request, &json, crate::manifest::BodyFormat::Json);
        }
        (other, _) => return Err(format!("a request whose 'body' is a {}", other.type_name())),
    }
    Ok(request)
}

/// Maximum characters quoted of a value in a message about a bad request field.
const SHOWN_CHARS: usize = 200;

/// Builds the URL from `url`, or from `path` joined to `base`, and checks that it is an
/// `http` or `https` URL.
fn request_url(
    url: Value,
    path: Value,
    base: &str,
    query: &Map<String, serde_json::Value>,
) -> Result<String, String> {
    let joined = match (url, path) {
        (Value::String(url), _) => join_url(&url.to_string_lossy(), "", query),
        (Value::Nil, Value::String(path)) if !base.is_empty() => {
            let path = path.to_string_lossy();
            if !path.starts_with('/') {
                let shown = escaped(&path, SHOWN_CHARS);
                return Err(format!(
                    "a request whose 'path' '{shown}' does not start with '/'"
                ));
            }
            join_url(base, &path, query)
        }
        (Value::Nil, Value::Nil) => return Err("a request without a 'url' or 'path'".into()),
        (Value::Nil, Value::String(_)) => {
            return Err("a request with a 'path' where only an absolute 'url' is allowed".into());
        }
        (Value::Nil, other) => {
            return Err(format!(
                "a request whose 'path' is a {}, not a string",
                other.type_name()
            ));
        }
        (other, _) => {
            return Err(format!(
                "a request whose 'url' is a {}, not a string",
                other.type_name()
            ));
        }
    };
    let joined = joined
        .map_err(|message| format!("a request with an {}", escaped(&message, SHOWN_CHARS)))?;
    let scheme = joined.split(':').next().unwrap_or_default();
    if scheme != "http" && scheme != "https" {
        let shown = escaped(&joined, SHOWN_CHARS);
        return Err(format!(
            "a request whose 'url' '{shown}' is not an http or https URL"
        ));
    }
    Ok(joined)
}

fn read_headers(table: &Table) -> Result<Vec<(String, String)>, String> {
    let headers = match table
        .raw_get::<Value>("headers")
        .map_err(|error| error.to_string())?
    {
        Value::Nil => return Ok(Vec::new()),
        Value::Table(headers) => headers,
        other => {
            return Err(format!(
                "a request whose 'headers' is a {}",
                other.type_name()
            ));
        }
    };
    let mut pairs = Vec::new();
    for pair in headers.pairs::<String, Value>() {
        let (name, value) =
            pair.map_err(|error| format!("a request with a bad header: {error}"))?;
        let value = match value {
            Value::String(text) => text.to_string_lossy(),
            Value::Integer(number) => number.to_string(),
            Value::Number(number) => number.to_string(),
            other => {
                return Err(format!(
                    "a request whose header '{name}' is a {}",
                    other.type_name()
                ));
            }
        };
        check_header(&name, &value)?;
        pairs.push((name, value));
    }
    pairs.sort();
    Ok(pairs)
}
