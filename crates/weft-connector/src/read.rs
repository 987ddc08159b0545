//! Reads and validates the table a `connector.lua` returns into a [`Manifest`]. Every
//! message names the field by its key path, for example `resources.blocks.get.path`.

use std::collections::BTreeMap;

use mlua::{Lua, Table, Value};
use serde_json::Map;

use crate::lua_lib::from_lua;
use crate::manifest::{
    Auth, BodyFormat, ErrorBody, ErrorMapping, FnRef, Location, Manifest, Method, Pagination,
    RateLimitHeaders, ResetUnit,
};

const DEFAULT_RETRYABLE: [u16; 5] = [429, 500, 502, 503, 504];
const DEFAULT_ERROR_PATHS: [&str; 5] = [
    "message",
    "error.message",
    "error_description",
    "error",
    "errors.0.message",
];
const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The fields of one Lua table, read by name; [`Fields::finish`] rejects keys never read.
struct Fields<'lua> {
    lua: &'lua Lua,
    table: Table,
    path: Vec<String>,
    read: Vec<String>,
}

impl<'lua> Fields<'lua> {
    fn new(lua: &'lua Lua, table: Table, path: Vec<String>) -> Fields<'lua> {
        Fields {
            lua,
            table,
            path,
            read: Vec::new(),
        }
    }

    fn key_path(&self, key: &str) -> Vec<String> {
        let mut path = self.path.clone();
        path.push(key.to_string());
        path
    }

    fn at(&self, key: &str) -> String {
        self.key_path(key).join(".")
    }

    fn get(&mut self, key: &str) -> Result<Value, String> {
        self.read.push(key.to_string());
        self.table
            .raw_get(key)
            .map_err(|error| format!("'{}': {error}", self.at(key)))
    }

    fn wrong_type(&self, key: &str, expected: &str, got: &Value) -> String {
        format!(
            "'{}' must be {expected}, not a {}",
            self.at(key),
            got.type_name()
        )
    }

    fn opt_string(&mut self, key: &str) -> Result<Option<String>, String> {
        match self.get(key)? {
            Value::Nil => Ok(None),
            Value::String(text) => Ok(Some(text.to_string_lossy())),
            other => Err(self.wrong_type(key, "a string", &other)),
        }
    }

    fn string(&mut self, key: &str) -> Result<String, String> {
        self.opt_string(key)?
            .ok_or_else(|| format!("missing field '{}'", self.at(key)))
    }

    fn strings(&mut self, key: &str) -> Result<Vec<String>, String> {
        let table = match self.get(key)? {
            Value::Nil => return Ok(Vec::new()),
            Value::Table(table) => table,
            other => return Err(self.wrong_type(key, "an array of strings", &other)),
        };
        let mut strings = Vec::new();
        for value in table.sequence_values::<Value>() {
            match value.map_err(|error| error.to_string())? {
                Value::String(text) => strings.push(text.to_string_lossy()),
                other => return Err(self.wrong_type(key, "an array of strings", &other)),
            }
        }
        Ok(strings)
    }

    fn opt_table(&mut self, key: &str) -> Result<Option<Table>, String> {
        match self.get(key)? {
            Value::Nil => Ok(None),
            Value::Table(table) => Ok(Some(table)),
            other => Err(self.wrong_type(key, "a table", &other)),
        }
    }

    fn opt_function(&mut self, key: &str) -> Result<Option<FnRef>, String> {
        match self.get(key)? {
            Value::Nil => Ok(None),
            Value::Function(_) => Ok(Some(FnRef(self.key_path(key)))),
            other => Err(self.wrong_type(key, "a function", &other)),
        }
    }

    fn child(&self, key: &str, table: Table) -> Fields<'lua> {
        Fields::new(self.lua, table, self.key_path(key))
    }

    fn finish(self) -> Result<(), String> {
        for pair in self.table.pairs::<Value, Value>() {
            let (key, _) = pair.map_err(|error| error.to_string())?;
            let name = match &key {
                Value::String(text) => text.to_string_lossy(),
                other => other
                    .to_string()
                    .unwrap_or_else(|_| other.type_name().to_string()),
            };
            if !self.read.contains(&name) {
                let place = if self.path.is_empty() {
                    "the connector table".to_string()
                } else {
                    format!("'{}'", self.path.join("."))
                };
                let hint = match suggest(&name, &self.read) {
                    Some(known) => format!(" (did you mean '{known}'?)"),
                    None => String::new(),
                };
                return Err(format!("unknown field '{name}' in {place}{hint}"));
            }
        }
        Ok(())
    }
}

/// Returns the known field closest to `word` when it is close enough to be a typo:
/// similar by Jaro-Winkler and at most a third of its characters apart. Spec validation
/// applies the same rule to unknown spec fields.
fn suggest(word: &str, known: &[String]) -> Option<String> {
    const MIN_SIMILARITY: f64 = 0.8;
    let max_edits = (word.chars().count() / 3).max(2);
    known
        .iter()
        .filter(|candidate| strsim::levenshtein(word, candidate) <= max_edits)
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score >= MIN_SIMILARITY)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.clone())
}

/// Reads the connector table. `folder` is the connector's folder name, which `name` must
/// equal so that the folder and the name in specs agree.
pub(crate) fn read_manifest(lua: &Lua, table: Table, folder: &str) -> Result<Manifest, String> {
    let mut fields = Fields::new(lua, table, Vec::new());
    let name = fields.string("name")?;
    check_name(&name, folder)?;
    fields.opt_string("description")?;
    let base_url = fields.string("base_url")?;
    check_base_url(&base_url)?;
    let headers = read_headers(&mut fields, "headers")?;
    let auth = read_auth(&mut fields)?;
    let mut secrets = fields.strings("secrets")?;
    add_auth_secrets(&auth, &mut secrets);
    let records = fields.opt_string("records")?;
    let retryable_statuses = read_statuses(&mut fields)?;
    let rate_limit = read_rate_limit(&mut fields)?;
    let (errors, error_body) = read_errors(&mut fields)?;
    let paginate = fields.opt_function("paginate")?;
    let paginations = read_paginations(&mut fields, paginate)?;
    let resources = read_resources(&mut fields, &paginations)?;
    let sign = fields.opt_function("sign")?;
    let refresh = fields.opt_function("refresh")?;
    fields.finish()?;

    Ok(Manifest {
        name,
        base_url,
        headers,
        auth,
        secrets,
        records,
        retryable_statuses,
        rate_limit,
        errors,
        error_body,
        resources,
        sign,
        refresh,
    })
}

fn check_name(name: &str, folder: &str) -> Result<(), String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(format!(
            "invalid name '{name}': use lowercase letters, digits, '-' and '_'"
        ));
    }
    if name != folder {
        return Err(format!(
            "name '{name}' does not match its folder '{folder}'"
        ));
    }
    Ok(())
}

fn check_base_url(base_url: &str) -> Result<(), String> {
    if base_url.starts_with("https://") || base_url.starts_with("http://") {
        Ok(())
    } else {
        Err(format!(
            "invalid base_url '{base_url}': it must start with https:// or http://"
        ))
    }
}

fn read_headers(fields: &mut Fields, key: &str) -> Result<Vec<(String, String)>, String> {
    let Some(table) = fields.opt_table(key)? else {
        return Ok(Vec::new());
    };
    let mut headers = Vec::new();
    for pair in table.pairs::<Value, Value>() {
        let (name, value) = pair.map_err(|error| error.to_string())?;
        match (name, value) {
            (Value::String(name), Value::String(value)) => {
                headers.push((name.to_string_lossy(), value.to_string_lossy()));
            }
            (name, _) => {
                let name = name.to_string().unwrap_or_default();
                return Err(format!(
                    "header '{name}' in '{}' must map a string to a string",
                    fields.at(key)
                ));
            }
        }
    }
    headers.sort();
    Ok(headers)
}

fn read_auth(fields: &mut Fields) -> Result<Auth, String> {
    let table = match fields.get("auth")? {
        Value::Nil => return Ok(Auth::None),
        Value::Function(_) => return Ok(Auth::Function(FnRef(fields.key_path("auth")))),
        Value::Table(table) => table,
        other => return Err(fields.wrong_type("auth", "a table or a function", &other)),
    };
    let mut auth = fields.child("auth", table);
    let kind = auth.string("kind")?;
    let parsed = match kind.as_str() {
        "none" => Auth::None,
        "bearer" => Auth::Bearer {
            field: auth.string("field")?,
        },
        "header" => Auth::Header {
            name: auth.string("name")?,
            field: auth.string("field")?,
            prefix: auth.opt_string("prefix")?.unwrap_or_default(),
        },
        "query" => Auth::Query {
            name: auth.string("name")?,
            field: auth.string("field")?,
        },
        "basic" => Auth::Basic {
            username: auth.string("username_field")?,
            password: auth.opt_string("password_field")?,
        },
        other => {
            return Err(format!(
                "unknown auth kind '{other}' in 'auth.kind': use bearer, header, query, basic or none"
            ));
        }
    };
    auth.finish()?;
    Ok(parsed)
}

/// Context fields that hold credentials are secret whether or not `secrets` lists them.
fn add_auth_secrets(auth: &Auth, secrets: &mut Vec<String>) {
    let field = match auth {
        Auth::Bearer { field } | Auth::Header { field, .. } | Auth::Query { field, .. } => field,
        Auth::Basic {
            password: Some(field),
            ..
        } => field,
        _ => return,
    };
    if !secrets.contains(field) {
        secrets.push(field.clone());
    }
}

fn read_statuses(fields: &mut Fields) -> Result<Vec<u16>, String> {
    let table = match fields.get("retryable_statuses")? {
        Value::Nil => return Ok(DEFAULT_RETRYABLE.to_vec()),
        Value::Table(table) => table,
        other => {
            return Err(fields.wrong_type("retryable_statuses", "an array of statuses", &other));
        }
    };
    let mut statuses = Vec::new();
    for value in table.sequence_values::<Value>() {
        let value = value.map_err(|error| error.to_string())?;
        match value {
            Value::Integer(status) if (100..=599).contains(&status) => statuses.push(status as u16),
            other => {
                let shown = other.to_string().unwrap_or_default();
                return Err(format!(
                    "invalid HTTP status '{shown}' in 'retryable_statuses'"
                ));
            }
        }
    }
    Ok(statuses)
}

fn read_rate_limit(fields: &mut Fields) -> Result<RateLimitHeaders, String> {
    let mut headers = RateLimitHeaders {
        retry_after: Some("retry-after".into()),
        ..Default::default()
    };
    let Some(table) = fields.opt_table("rate_limit")? else {
        return Ok(headers);
    };
    let mut rate = fields.child("rate_limit", table);
    headers.remaining = rate
        .opt_string("remaining")?
        .map(|name| name.to_ascii_lowercase());
    headers.reset = rate
        .opt_string("reset")?
        .map(|name| name.to_ascii_lowercase());
    if let Some(name) = rate.opt_string("retry_after")? {
        headers.retry_after = Some(name.to_ascii_lowercase());
    }
    headers.reset_unit = match rate.opt_string("reset_unit")?.as_deref() {
        None | Some("seconds") => ResetUnit::Seconds,
        Some("epoch_seconds") => ResetUnit::EpochSeconds,
        Some("epoch_milliseconds") => ResetUnit::EpochMilliseconds,
        Some(other) => {
            return Err(format!(
                "unknown reset_unit '{other}' in 'rate_limit': use seconds, epoch_seconds or epoch_milliseconds"
            ));
        }
    };
    rate.finish()?;
    Ok(headers)
}

fn read_errors(fields: &mut Fields) -> Result<(ErrorMapping, ErrorBody), String> {
    let table = match fields.get("errors")? {
        Value::Nil => {
            let mapping = ErrorMapping::Paths(default_error_paths());
            return Ok((mapping, ErrorBody::default()));
        }
        Value::Function(_) => {
            let mapping = ErrorMapping::Function(FnRef(fields.key_path("errors")));
            return Ok((mapping, ErrorBody::default()));
        }
        Value::Table(table) => table,
        other => return Err(fields.wrong_type("errors", "a table or a function", &other)),
    };
    let mut errors = fields.child("errors", table);
    let paths = match errors.get("message")? {
        Value::Nil => default_error_paths(),
        Value::String(path) => vec![path.to_string_lossy()],
        Value::Table(_) => {
            errors.read.pop();
            errors.strings("message")?
        }
        other => return Err(errors.wrong_type("message", "a path or an array of paths", &other)),
    };
    let when = match errors.opt_table("when")? {
        Some(_) => Some(read_error_match(&mut errors)?),
        None => None,
    };
    let status = errors.opt_string("status")?;
    errors.finish()?;
    Ok((ErrorMapping::Paths(paths), ErrorBody { when, status }))
}

/// Reads `errors.when`: dot paths and the values that mark a 2xx body as an error.
fn read_error_match(errors: &mut Fields) -> Result<Vec<(String, serde_json::Value)>, String> {
    let when = read_json_object(errors, "when")?;
    if when.is_empty() {
        return Err(format!(
            "'{}' must name at least one path",
            errors.at("when")
        ));
    }
    Ok(when.into_iter().collect())
}

fn default_error_paths() -> Vec<String> {
    DEFAULT_ERROR_PATHS
        .iter()
        .map(|path| path.to_string())
        .collect()
}

/// Reads the named pagination styles; `paginate` is the connector's custom hook, which
/// resources select with `pagination = "custom"`.
fn read_paginations(
    fields: &mut Fields,
    paginate: Option<FnRef>,
) -> Result<BTreeMap<String, Pagination>, String> {
    let mut named = BTreeMap::new();
    if let Some(paginate) = paginate {
        named.insert("custom".to_string(), Pagination::Function(paginate));
    }
    let Some(table) = fields.opt_table("pagination")? else {
        return Ok(named);
    };
    let mut styles = fields.child("pagination", table.clone());
    for pair in table.pairs::<String, Value>() {
        let (name, _) = pair.map_err(|error| format!("'pagination': {error}"))?;
        let pagination = read_pagination_value(&mut styles, &name, &named)?;
        named.insert(name, pagination);
    }
    Ok(named)
}

/// Reads a pagination value: a style name, a table describing a style, a function, or
/// `false` for none.
fn read_pagination_value(
    fields: &mut Fields,
    key: &str,
    named: &BTreeMap<String, Pagination>,
) -> Result<Pagination, String> {
    match fields.get(key)? {
        Value::Nil | Value::Boolean(false) => Ok(Pagination::None),
        Value::Function(_) => Ok(Pagination::Function(FnRef(fields.key_path(key)))),
        Value::String(name) => pagination_by_name(&name.to_string_lossy(), named, &fields.at(key)),
        Value::Table(table) => read_pagination_table(fields.child(key, table), key),
        other => Err(fields.wrong_type(key, "a style name, a table or a function", &other)),
    }
}

fn pagination_by_name(
    name: &str,
    named: &BTreeMap<String, Pagination>,
    at: &str,
) -> Result<Pagination, String> {
    if let Some(pagination) = named.get(name) {
        return Ok(pagination.clone());
    }
    match name {
        "none" => Ok(Pagination::None),
        "link_header" => Ok(Pagination::LinkHeader { rel: "next".into() }),
        "page" => Ok(Pagination::Page {
            param: "page".into(),
            location: Location::Query,
            start: 1,
            has_more: None,
        }),
        "offset" => Ok(Pagination::Offset {
            param: "offset".into(),
            location: Location::Query,
            limit_param: "limit".into(),
        }),
        "custom" => Err(format!(
            "'{at}' is 'custom' but the connector has no paginate function"
        )),
        other => Err(format!(
            "unknown pagination '{other}' in '{at}': declare it under 'pagination' or use none, page, offset or link_header"
        )),
    }
}

fn read_pagination_table(mut config: Fields, key: &str) -> Result<Pagination, String> {
    let style = match config.opt_string("style")? {
        Some(style) => style,
        None => key.to_string(),
    };
    let location = read_location(&mut config)?;
    let pagination = match style.as_str() {
        "cursor" => Pagination::Cursor {
            param: config.string("param")?,
            location,
            next: config.string("next")?,
            has_more: config.opt_string("has_more")?,
        },
        "page" => Pagination::Page {
            param: config.opt_string("param")?.unwrap_or_else(|| "page".into()),
            location,
            start: read_start(&mut config)?,
            has_more: config.opt_string("has_more")?,
        },
        "offset" => Pagination::Offset {
            param: config
                .opt_string("param")?
                .unwrap_or_else(|| "offset".into()),
            location,
            limit_param: config
                .opt_string("limit_param")?
                .unwrap_or_else(|| "limit".into()),
        },
        "link_header" => Pagination::LinkHeader {
            rel: config.opt_string("rel")?.unwrap_or_else(|| "next".into()),
        },
        other => {
            return Err(format!(
                "unknown pagination style '{other}' in '{}': use cursor, page, offset or link_header",
                config.path.join(".")
            ));
        }
    };
    config.finish()?;
    Ok(pagination)
}

fn read_location(config: &mut Fields) -> Result<Location, String> {
    match config.opt_string("location")?.as_deref() {
        None | Some("query") => Ok(Location::Query),
        Some("body") => Ok(Location::Body),
        Some(other) => Err(format!(
            "unknown location '{other}' in '{}': use query or body",
            config.at("location")
        )),
    }
}

fn read_start(config: &mut Fields) -> Result<i64, String> {
    match config.get("start")? {
        Value::Nil => Ok(1),
        Value::Integer(start) => Ok(start),
        other => Err(config.wrong_type("start", "an integer", &other)),
    }
}

fn read_resources(
    fields: &mut Fields,
    paginations: &BTreeMap<String, Pagination>,
) -> Result<BTreeMap<String, BTreeMap<String, Method>>, String> {
    let Some(table) = fields.opt_table("resources")? else {
        return Err("missing field 'resources'".to_string());
    };
    let mut resources = BTreeMap::new();
    for pair in table.pairs::<Value, Value>() {
        let (name, value) = pair.map_err(|error| error.to_string())?;
        let Value::String(name) = name else {
            return Err("resource names in 'resources' must be strings".to_string());
        };
        let name = name.to_string_lossy();
        let Value::Table(methods) = value else {
            return Err(format!("'resources.{name}' must be a table of methods"));
        };
        let resource = fields
            .child("resources", table.clone())
            .child(&name, methods);
        resources.insert(name, read_methods(resource, paginations)?);
    }
    Ok(resources)
}

fn read_methods(
    resource: Fields,
    paginations: &BTreeMap<String, Pagination>,
) -> Result<BTreeMap<String, Method>, String> {
    let mut methods = BTreeMap::new();
    for pair in resource.table.clone().pairs::<Value, Value>() {
        let (name, value) = pair.map_err(|error| error.to_string())?;
        let Value::String(name) = name else {
            return Err(format!(
                "method names in '{}' must be strings",
                resource.path.join(".")
            ));
        };
        let name = name.to_string_lossy();
        let method = match value {
            Value::Function(_) => function_method(&name, FnRef(resource.key_path(&name))),
            Value::Table(table) => read_method(resource.child(&name, table), &name, paginations)?,
            other => return Err(resource.wrong_type(&name, "a table or a function", &other)),
        };
        methods.insert(name, method);
    }
    Ok(methods)
}

fn function_method(name: &str, prepare: FnRef) -> Method {
    Method {
        http_method: default_http_method(name).unwrap_or("GET").to_string(),
        path: None,
        query: Map::new(),
        body: None,
        body_format: BodyFormat::Json,
        headers: Vec::new(),
        records: None,
        pagination: Pagination::None,
        prepare: Some(prepare),
        parse: None,
    }
}

fn default_http_method(method: &str) -> Option<&'static str> {
    match method {
        "list" | "get" => Some("GET"),
        "create" => Some("POST"),
        "update" => Some("PATCH"),
        "delete" => Some("DELETE"),
        _ => None,
    }
}

fn read_method(
    mut fields: Fields,
    name: &str,
    paginations: &BTreeMap<String, Pagination>,
) -> Result<Method, String> {
    let http_method = read_http_method(&mut fields, name)?;
    let path = fields.opt_string("path")?;
    if let Some(path) = path.as_ref().filter(|path| !path.starts_with('/')) {
        return Err(format!(
            "invalid path '{path}' in '{}': it must start with '/'",
            fields.at("path")
        ));
    }
    let query = read_json_object(&mut fields, "query")?;
    let body = match fields.get("body")? {
        Value::Nil => None,
        value => Some(
            from_lua(fields.lua, value)
                .map_err(|error| format!("'{}': {error}", fields.at("body")))?,
        ),
    };
    let body_format = match fields.opt_string("body_format")?.as_deref() {
        None | Some("json") => BodyFormat::Json,
        Some("form") => BodyFormat::Form,
        Some(other) => {
            return Err(format!(
                "unknown body_format '{other}' in '{}': use json or form",
                fields.at("body_format")
            ));
        }
    };
    let headers = read_headers(&mut fields, "headers")?;
    let records = fields.opt_string("records")?;
    let pagination = read_pagination_value(&mut fields, "pagination", paginations)?;
    let pagination = match pagination {
        Pagination::None if name == "list" => paginations
            .get("default")
            .cloned()
            .unwrap_or(Pagination::None),
        other => other,
    };
    let prepare = fields.opt_function("prepare")?;
    let parse = fields.opt_function("parse")?;
    if path.is_none() && prepare.is_none() {
        return Err(format!(
            "'{}' needs a 'path' or a 'prepare' function",
            fields.path.join(".")
        ));
    }
    fields.finish()?;
    Ok(Method {
        http_method,
        path,
        query,
        body,
        body_format,
        headers,
        records,
        pagination,
        prepare,
        parse,
    })
}

fn read_http_method(fields: &mut Fields, name: &str) -> Result<String, String> {
    let method = match fields.opt_string("method")? {
        Some(method) => method.to_ascii_uppercase(),
        None => match default_http_method(name) {
            Some(method) => method.to_string(),
            None => {
                return Err(format!(
                    "missing field '{}': custom methods need an HTTP method",
                    fields.at("method")
                ));
            }
        },
    };
    if !HTTP_METHODS.contains(&method.as_str()) {
        return Err(format!(
            "unknown HTTP method '{method}' in '{}'",
            fields.at("method")
        ));
    }
    Ok(method)
}

fn read_json_object(
    fields: &mut Fields,
    key: &str,
) -> Result<Map<String, serde_json::Value>, String> {
    let value = match fields.get(key)? {
        Value::Nil => return Ok(Map::new()),
        Value::Table(table) => Value::Table(table),
        other => return Err(fields.wrong_type(key, "a table", &other)),
    };
    match from_lua(fields.lua, value) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(serde_json::Value::Array(items)) if items.is_empty() => Ok(Map::new()),
        Ok(_) => Err(format!(
            "'{}' must be a table with string keys",
            fields.at(key)
        )),
        Err(error) => Err(format!("'{}': {error}", fields.at(key))),
    }
}
