//! A loaded connector and the two calls the engine makes per page: [`Connector::prepare`]
//! and [`Connector::parse`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mlua::Value as LuaValue;
use serde_json::{Map, Value};

use crate::log::LogSink;
use crate::lua_lib::from_lua;
use crate::manifest::{ErrorMapping, Manifest, Method, Pagination};
use crate::pagination::next_request;
use crate::request::{self, apply_declared_auth, lookup, upstream_query, within_base};
use crate::sandbox::ScriptLimits;
use crate::session::{Session, call_to_lua, request_from_lua, request_to_lua, response_to_lua};
use crate::{ConnectorError, HttpRequest, HttpResponse, HttpSend, RateLimitHeaders};

/// Everything the host needs to make one resource call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Call {
    /// Proxy resource name, for example `block-children`.
    pub resource: String,
    /// `list`, `get`, `create`, `update`, `delete` or a custom method.
    pub method: String,
    pub id: Option<String>,
    /// Query parameters; keys starting with `truto_` are never sent upstream.
    pub query: Map<String, Value>,
    pub body: Option<Value>,
}

/// Account data handed to the connector: context (secrets included) and base URL override.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountContext {
    pub id: String,
    pub context: Map<String, Value>,
    pub base_url: Option<String>,
}

/// One parsed page: its records and the request for the next page, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Value>,
    /// Already authorized, like the request [`Connector::prepare`] returns.
    pub next: Option<HttpRequest>,
}

/// A connector's declared facts plus what running its code needs.
pub(crate) struct Definition {
    pub name: String,
    pub manifest: Manifest,
    pub source: String,
    /// Name Lua uses in messages, `<folder>/connector.lua`.
    pub chunk_name: String,
    pub path: PathBuf,
    pub limits: ScriptLimits,
    pub log_sink: Option<LogSink>,
}

/// A loaded connector. Data-only methods and declared auth run in Rust; connector code
/// (method functions, hooks) runs in a fresh sandboxed Lua state per call.
pub struct Connector {
    definition: Arc<Definition>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Connector")
            .field("name", &self.definition.name)
            .finish()
    }
}

impl Connector {
    pub(crate) fn new(definition: Definition) -> Connector {
        Connector {
            definition: Arc::new(definition),
        }
    }

    pub fn name(&self) -> &str {
        &self.definition.name
    }

    /// The `connector.lua` file this connector came from.
    pub fn path(&self) -> &Path {
        &self.definition.path
    }

    /// Context fields to encrypt and redact: the declared `secrets` plus the auth field.
    pub fn secret_fields(&self) -> &[String] {
        &self.manifest().secrets
    }

    /// Statuses the engine retries; default 429, 500, 502, 503 and 504.
    pub fn retryable_statuses(&self) -> &[u16] {
        &self.manifest().retryable_statuses
    }

    /// Names of the headers that report rate limits.
    pub fn rate_limit_headers(&self) -> &RateLimitHeaders {
        &self.manifest().rate_limit
    }

    /// Whether the connector declares a `refresh` hook.
    pub fn can_refresh(&self) -> bool {
        self.manifest().refresh.is_some()
    }

    /// Each resource with its method names, sorted.
    pub fn resources(&self) -> Vec<(String, Vec<String>)> {
        let resources = &self.manifest().resources;
        resources
            .iter()
            .map(|(name, methods)| (name.clone(), methods.keys().cloned().collect()))
            .collect()
    }

    fn manifest(&self) -> &Manifest {
        &self.definition.manifest
    }

    fn method(&self, call: &Call) -> Result<&Method, ConnectorError> {
        let method = self
            .manifest()
            .resources
            .get(&call.resource)
            .and_then(|methods| methods.get(&call.method));
        method.ok_or_else(|| ConnectorError::UnknownResource {
            connector: self.definition.name.clone(),
            resource: call.resource.clone(),
            method: call.method.clone(),
        })
    }

    async fn session(
        &self,
        account: &AccountContext,
        http: Arc<dyn HttpSend>,
    ) -> Result<Session, ConnectorError> {
        Session::open(&self.definition, Some(account), Some(http)).await
    }

    /// Builds the first HTTP request of a call, with the connector's headers, auth and
    /// signature applied.
    ///
    /// Fails when the resource or method is unknown, a path placeholder has no value, a
    /// credential is missing from the context, or connector code fails.
    pub async fn prepare(
        &self,
        account: &AccountContext,
        call: &Call,
        http: Arc<dyn HttpSend>,
    ) -> Result<HttpRequest, ConnectorError> {
        let method = self.method(call)?;
        let needs_code = method.prepare.is_some() || self.manifest().has_request_code();
        let session = match needs_code {
            true => Some(self.session(account, http).await?),
            false => None,
        };
        let request = match (&method.prepare, &session) {
            (Some(prepare), Some(session)) => {
                self.prepare_in_lua(session, account, call, prepare).await?
            }
            _ => request::build(self.manifest(), account, call, method)?,
        };
        self.authorize_with(session.as_ref(), account, request)
            .await
    }

    async fn prepare_in_lua(
        &self,
        session: &Session,
        account: &AccountContext,
        call: &Call,
        prepare: &crate::manifest::FnRef,
    ) -> Result<HttpRequest, ConnectorError> {
        let upstream = Call {
            query: upstream_query(&call.query),
            ..call.clone()
        };
        let call_table =
            call_to_lua(session.lua(), &upstream).map_err(|error| session.lua_failure(error))?;
        let mut values = session
            .call(prepare, (call_table, session.account()?))
            .await?;
        let Some(LuaValue::Table(table)) = values.pop_front() else {
            return Err(session.fail(format!(
                "'{}' must return a request table",
                prepare.describe()
            )));
        };
        let base = request::base_url(self.manifest(), account)?;
        request_from_lua(session.lua(), table, &base)
            .map_err(|message| session.fail(format!("'{}' returned {message}", prepare.describe())))
    }

    /// Applies the connector's headers (where the request lacks them), auth and signature
    /// to `request`, replacing earlier credentials. The engine calls this again after a
    /// credential refresh. A request outside the base URL is returned unchanged.
    pub async fn authorize(
        &self,
        account: &AccountContext,
        request: HttpRequest,
        http: Arc<dyn HttpSend>,
    ) -> Result<HttpRequest, ConnectorError> {
        let session = match self.manifest().has_request_code() {
            true => Some(self.session(account, http).await?),
            false => None,
        };
        self.authorize_with(session.as_ref(), account, request)
            .await
    }

    async fn authorize_with(
        &self,
        session: Option<&Session>,
        account: &AccountContext,
        mut request: HttpRequest,
    ) -> Result<HttpRequest, ConnectorError> {
        let base = request::base_url(self.manifest(), account)?;
        if !within_base(&request.url, &base) {
            return Ok(request);
        }
        for (name, value) in &self.manifest().headers {
            if request.header(name).is_none() {
                request.headers.push((name.clone(), value.clone()));
            }
        }
        apply_declared_auth(self.manifest(), account, &mut request)?;
        match session {
            Some(session) => session.finish_request(request).await,
            None => Ok(request),
        }
    }

    /// Parses one response into the page's records and the request for the next page.
    ///
    /// Non-2xx responses become [`ConnectorError::Remote`] with the status, the message
    /// from the connector's error mapping and the raw body. So does a 2xx body that the
    /// connector classifies as an error (`errors.when`, the default `errors` shape, or
    /// `error` from a `parse` hook). A 2xx body that is not JSON, or an empty body for a
    /// `list` or `get` call, is [`ConnectorError::InvalidResponse`].
    pub async fn parse(
        &self,
        account: &AccountContext,
        call: &Call,
        request: &HttpRequest,
        response: &HttpResponse,
        http: Arc<dyn HttpSend>,
    ) -> Result<Page, ConnectorError> {
        let method = self.method(call)?;
        let error_code =
            !response.is_success() && matches!(self.manifest().errors, ErrorMapping::Function(_));
        let needs_code =
            error_code || method.has_parse_code() || self.manifest().has_request_code();
        let mut session = match needs_code {
            true => Some(self.session(account, http.clone()).await?),
            false => None,
        };
        if !response.is_success() {
            let raw = parse_json_body(&response.body).unwrap_or_else(|_| body_text(response));
            let status = response.status;
            return Err(self
                .remote_error(session.as_ref(), response, status, raw)
                .await);
        }
        if let Some((status, body)) = self.error_in_body(method, call, response) {
            if session.is_none() && matches!(self.manifest().errors, ErrorMapping::Function(_)) {
                session = Some(self.session(account, http).await?);
            }
            return Err(self
                .remote_error(session.as_ref(), response, status, body)
                .await);
        }

        let (records, next) = match (&method.parse, &session) {
            (Some(_), Some(session)) => {
                self.parse_in_lua(session, method, call, request, response)
                    .await?
            }
            _ => {
                self.parse_declared(session.as_ref(), method, call, request, response)
                    .await?
            }
        };
        let next = match next {
            Some(next) => {
                let next = self.outside_base_stripped(account, next)?;
                Some(self.authorize_with(session.as_ref(), account, next).await?)
            }
            None => None,
        };
        Ok(Page { records, next })
    }

    /// The status and parsed body of a 2xx JSON body that reports an error: one that
    /// contains every value of `errors.when`, or without it, one with a non-empty `errors`
    /// array, only error-like keys beside it and no records. The status comes from the body (at
    /// `errors.status`, else `status`) when it is 400 to 599, else it is 502.
    fn error_in_body(
        &self,
        method: &Method,
        call: &Call,
        response: &HttpResponse,
    ) -> Option<(u16, Value)> {
        let body: Value = serde_json::from_slice(&response.body).ok()?;
        let error_body = &self.manifest().error_body;
        let is_error = match &error_body.when {
            Some(when) => when
                .iter()
                .all(|(path, expected)| lookup(&body, path) == Some(expected)),
            None => has_default_error_shape(&body, self.records_path(method, call)),
        };
        if !is_error {
            return None;
        }
        let status_path = error_body.status.as_deref().unwrap_or("status");
        let status = lookup(&body, status_path)
            .and_then(Value::as_u64)
            .filter(|status| (400..600).contains(status))
            .map_or(502, |status| status as u16);
        Some((status, body))
    }

    /// Drops the headers a next-page request outside the base URL (a `Link` header
    /// pointing elsewhere) inherited from the previous page, which carry the account's
    /// credentials. Only `Content-Type` stays.
    fn outside_base_stripped(
        &self,
        account: &AccountContext,
        mut next: HttpRequest,
    ) -> Result<HttpRequest, ConnectorError> {
        let base = request::base_url(self.manifest(), account)?;
        if !within_base(&next.url, &base) {
            next.headers
                .retain(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        }
        Ok(next)
    }

    async fn parse_declared(
        &self,
        session: Option<&Session>,
        method: &Method,
        call: &Call,
        request: &HttpRequest,
        response: &HttpResponse,
    ) -> Result<(Vec<Value>, Option<HttpRequest>), ConnectorError> {
        let body = self.declared_body(call, response)?;
        let records = self.records(method, call, &body);
        let next = match (&method.pagination, session) {
            (Pagination::Function(paginate), Some(session)) => {
                paginate_in_lua(session, paginate, request, response).await?
            }
            (pagination, _) => next_request(pagination, request, response, &body, &records)
                .map_err(|message| self.invalid_response(message))?,
        };
        Ok((records, next))
    }

    async fn parse_in_lua(
        &self,
        session: &Session,
        method: &Method,
        call: &Call,
        request: &HttpRequest,
        response: &HttpResponse,
    ) -> Result<(Vec<Value>, Option<HttpRequest>), ConnectorError> {
        let parse = method.parse.as_ref().expect("checked by the caller");
        let lua = session.lua();
        let args = (
            response_to_lua(lua, response).map_err(|error| session.lua_failure(error))?,
            request_to_lua(lua, request).map_err(|error| session.lua_failure(error))?,
            call_to_lua(lua, call).map_err(|error| session.lua_failure(error))?,
        );
        let mut values = session.call(parse, args).await?;
        let Some(LuaValue::Table(page)) = values.pop_front() else {
            return Err(session.fail(format!(
                "'{}' must return {{records = ..., next = ...}}",
                parse.describe()
            )));
        };
        if let Some(error) = hook_error(session, parse, &page, response)? {
            return Err(error);
        }
        let records = match page
            .raw_get::<LuaValue>("records")
            .map_err(|error| session.lua_failure(error))?
        {
            LuaValue::Nil => Vec::new(),
            value => match from_lua(lua, value) {
                Ok(Value::Array(records)) => records,
                Ok(Value::Object(map)) if map.is_empty() => Vec::new(),
                _ => {
                    return Err(session.fail(format!(
                        "'{}' returned records that are not an array",
                        parse.describe()
                    )));
                }
            },
        };
        let next = match page
            .raw_get::<LuaValue>("next")
            .map_err(|error| session.lua_failure(error))?
        {
            LuaValue::Table(next) => Some(request_from_lua(lua, next, "").map_err(|message| {
                session.fail(format!("'{}' returned {message}", parse.describe()))
            })?),
            _ => None,
        };
        Ok((records, next))
    }

    /// The records of a parsed body: the value at the method's records path; an array
    /// gives its elements, a missing or null value gives none, anything else is one record.
    fn records(&self, method: &Method, call: &Call, body: &Value) -> Vec<Value> {
        let path = self.records_path(method, call);
        match path.map_or(Some(body), |path| lookup(body, path)) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(records)) => records.clone(),
            Some(record) => vec![record.clone()],
        }
    }

    /// The method's `records` path; for `list`, the connector's default path applies too.
    /// `None` means the whole body.
    fn records_path<'a>(&'a self, method: &'a Method, call: &Call) -> Option<&'a str> {
        match (&method.records, call.method.as_str()) {
            (Some(path), _) => Some(path.as_str()),
            (None, "list") => self.manifest().records.as_deref(),
            (None, _) => None,
        }
    }

    /// The JSON body of a 2xx response to a declared method. 204 and 205 carry no body,
    /// and an empty body is no records, except for `list` and `get`, whose records must
    /// come from the body.
    fn declared_body(&self, call: &Call, response: &HttpResponse) -> Result<Value, ConnectorError> {
        if matches!(response.status, 204 | 205) {
            return Ok(Value::Null);
        }
        let empty = response.body.iter().all(u8::is_ascii_whitespace);
        match (empty, call.method.as_str()) {
            (true, "list" | "get") => Err(self.invalid_response("response body is empty".into())),
            (true, _) => Ok(Value::Null),
            (false, _) => serde_json::from_slice(&response.body).map_err(|error| {
                self.invalid_response(format!("response body is not JSON ({error})"))
            }),
        }
    }

    async fn remote_error(
        &self,
        session: Option<&Session>,
        response: &HttpResponse,
        status: u16,
        raw: Value,
    ) -> ConnectorError {
        let message = match (&self.manifest().errors, session) {
            (ErrorMapping::Paths(paths), _) => paths.iter().find_map(|path| text_at(&raw, path)),
            (ErrorMapping::Function(errors), Some(session)) => {
                error_message_in_lua(session, errors, response).await
            }
            (ErrorMapping::Function(_), None) => None,
        };
        let message = message.unwrap_or_else(|| match response.is_success() {
            true => format!("response with status {} reports an error", response.status),
            false => format!("request failed with status {}", response.status),
        });
        ConnectorError::Remote {
            status,
            message,
            raw,
        }
    }

    /// Calls the `refresh(account)` hook and returns the context fields it returned, which
    /// the engine merges into the account's context and saves.
    ///
    /// Fails with [`ConnectorError::NoRefresh`] when the connector declares no hook.
    pub async fn refresh(
        &self,
        account: &AccountContext,
        http: Arc<dyn HttpSend>,
    ) -> Result<Map<String, Value>, ConnectorError> {
        let Some(refresh) = &self.manifest().refresh else {
            return Err(ConnectorError::NoRefresh {
                connector: self.definition.name.clone(),
            });
        };
        let session = self.session(account, http).await?;
        let mut values = session.call(refresh, session.account()?).await?;
        match from_lua(session.lua(), values.pop_front().unwrap_or(LuaValue::Nil)) {
            Ok(Value::Object(fields)) => Ok(fields),
            _ => Err(session.fail("'refresh' must return a table of context fields".into())),
        }
    }

    fn invalid_response(&self, message: String) -> ConnectorError {
        ConnectorError::InvalidResponse {
            connector: self.definition.name.clone(),
            message,
        }
    }
}

/// Reads `error = {message = ..., status = ...}` from the table a `parse` hook returned:
/// the hook classified a 2xx body as an upstream error. The status defaults to 502.
fn hook_error(
    session: &Session,
    parse: &crate::manifest::FnRef,
    page: &mlua::Table,
    response: &HttpResponse,
) -> Result<Option<ConnectorError>, ConnectorError> {
    let invalid =
        |what: &str| session.fail(format!("'{}' returned an error {what}", parse.describe()));
    let error = match page.raw_get::<LuaValue>("error") {
        Ok(LuaValue::Nil) => return Ok(None),
        Ok(LuaValue::Table(error)) => error,
        Ok(_) => return Err(invalid("that is not a table")),
        Err(error) => return Err(session.lua_failure(error)),
    };
    let message = match error.raw_get::<LuaValue>("message") {
        Ok(LuaValue::String(message)) => message.to_string_lossy(),
        _ => return Err(invalid("without a string 'message'")),
    };
    let status = match error.raw_get::<LuaValue>("status") {
        Ok(LuaValue::Integer(status)) if (400..600).contains(&status) => status as u16,
        Ok(LuaValue::Nil) => 502,
        _ => return Err(invalid("whose 'status' is not a number from 400 to 599")),
    };
    let raw = serde_json::from_slice(&response.body).unwrap_or_else(|_| body_text(response));
    Ok(Some(ConnectorError::Remote {
        status,
        message,
        raw,
    }))
}

async fn paginate_in_lua(
    session: &Session,
    paginate: &crate::manifest::FnRef,
    request: &HttpRequest,
    response: &HttpResponse,
) -> Result<Option<HttpRequest>, ConnectorError> {
    let lua = session.lua();
    let args = (
        response_to_lua(lua, response).map_err(|error| session.lua_failure(error))?,
        request_to_lua(lua, request).map_err(|error| session.lua_failure(error))?,
    );
    let mut values = session.call(paginate, args).await?;
    match values.pop_front() {
        Some(LuaValue::Table(next)) => {
            request_from_lua(lua, next, "")
                .map(Some)
                .map_err(|message| {
                    session.fail(format!("'{}' returned {message}", paginate.describe()))
                })
        }
        _ => Ok(None),
    }
}

async fn error_message_in_lua(
    session: &Session,
    errors: &crate::manifest::FnRef,
    response: &HttpResponse,
) -> Option<String> {
    let response = response_to_lua(session.lua(), response).ok()?;
    let mut values = session.call(errors, response).await.ok()?;
    match values.pop_front()? {
        LuaValue::Table(table) => table.raw_get::<Option<String>>("message").ok().flatten(),
        LuaValue::String(message) => Some(message.to_string_lossy()),
        _ => None,
    }
}

/// Parses an error response's body; an empty body is null.
fn parse_json_body(body: &[u8]) -> Result<Value, serde_json::Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body)
}

fn body_text(response: &HttpResponse) -> Value {
    Value::String(String::from_utf8_lossy(&response.body).into_owned())
}

/// Keys an error body may have beside `errors`. A body with any other key, such as a
/// record's `id`, is data that happens to have an `errors` field.
const ERROR_BODY_KEYS: [&str; 16] = [
    "errors",
    "error",
    "message",
    "code",
    "status",
    "status_code",
    "statusCode",
    "type",
    "title",
    "detail",
    "request_id",
    "requestId",
    "trace_id",
    "traceId",
    "documentation_url",
    "success",
];

/// The default error shape of a 2xx body: an object with a non-empty `errors` array,
/// only keys from [`ERROR_BODY_KEYS`] (so no `data`), and nothing at the records path
/// (when the method has one).
fn has_default_error_shape(body: &Value, records_path: Option<&str>) -> bool {
    let Some(object) = body.as_object() else {
        return false;
    };
    if !object
        .keys()
        .all(|key| ERROR_BODY_KEYS.contains(&key.as_str()))
    {
        return false;
    }
    let has_errors = body
        .get("errors")
        .and_then(Value::as_array)
        .is_some_and(|errors| !errors.is_empty());
    let has_records = records_path
        .and_then(|path| lookup(body, path))
        .is_some_and(|records| match records {
            Value::Null => false,
            Value::Array(records) => !records.is_empty(),
            _ => true,
        });
    has_errors && body.get("data").is_none() && !has_records
}

fn text_at(body: &Value, path: &str) -> Option<String> {
    match lookup(body, path)? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        _ => None,
    }
}
