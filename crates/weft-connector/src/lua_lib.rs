//! Host libraries available to connector code: `json`, `log` (and `print`), `base64`,
//! `hex`, `url` and `crypto`. `http` lives in `session.rs` because it needs the call.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use mlua::{Lua, LuaSerdeExt, MultiValue, Table, Value};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};
use sha2::{Digest, Sha256};

use crate::log::{LogLevel, LogTarget};

/// Characters `url.encode` escapes: everything except RFC 3986 unreserved characters.
pub(crate) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Installs every host library except `http` as globals.
pub(crate) fn install(lua: &Lua, log: LogTarget) -> mlua::Result<()> {
    let globals = lua.globals();
    globals.raw_set("json", json_library(lua)?)?;
    globals.raw_set("base64", base64_library(lua)?)?;
    globals.raw_set("hex", hex_library(lua)?)?;
    globals.raw_set("url", url_library(lua)?)?;
    globals.raw_set("crypto", crypto_library(lua)?)?;
    install_log(lua, log)
}

/// Converts JSON into Lua: `null` becomes `json.null`, arrays carry the array metatable
/// so that an empty array encodes back as `[]`.
pub(crate) fn to_lua(lua: &Lua, value: &serde_json::Value) -> mlua::Result<Value> {
    let options = mlua::serde::ser::Options::new()
        .set_array_metatable(true)
        .serialize_none_to_null(true)
        .serialize_unit_to_null(true);
    lua.to_value_with(value, options)
}

/// Converts a Lua value into JSON. Keys are sorted so the output is stable; functions and
/// other non-data values are rejected.
pub(crate) fn from_lua(lua: &Lua, value: Value) -> mlua::Result<serde_json::Value> {
    let options = mlua::serde::de::Options::new()
        .deny_unsupported_types(true)
        .sort_keys(true);
    lua.from_value_with(value, options)
}

fn json_library(lua: &Lua) -> mlua::Result<Table> {
    let json = lua.create_table()?;
    json.raw_set("null", lua.null())?;
    json.raw_set(
        "encode",
        lua.create_function(|lua, value: Value| {
            let value = from_lua(lua, value)?;
            Ok(value.to_string())
        })?,
    )?;
    json.raw_set(
        "decode",
        lua.create_function(|lua, text: mlua::LuaString| {
            let value: serde_json::Value = serde_json::from_slice(&text.as_bytes())
                .map_err(|error| mlua::Error::RuntimeError(format!("invalid JSON: {error}")))?;
            to_lua(lua, &value)
        })?,
    )?;
    json.raw_set(
        "array",
        lua.create_function(|lua, table: Option<Table>| {
            let table = match table {
                Some(table) => table,
                None => lua.create_table()?,
            };
            table.set_metatable(Some(lua.array_metatable()))?;
            Ok(table)
        })?,
    )?;
    Ok(json)
}

fn base64_library(lua: &Lua) -> mlua::Result<Table> {
    let library = lua.create_table()?;
    library.raw_set(
        "encode",
        lua.create_function(|_, data: mlua::LuaString| Ok(STANDARD.encode(data.as_bytes())))?,
    )?;
    library.raw_set(
        "encode_url",
        lua.create_function(
            |_, data: mlua::LuaString| Ok(URL_SAFE_NO_PAD.encode(data.as_bytes())),
        )?,
    )?;
    library.raw_set(
        "decode",
        lua.create_function(|lua, text: mlua::LuaString| {
            let bytes = STANDARD
                .decode(text.as_bytes())
                .or_else(|_| URL_SAFE_NO_PAD.decode(text.as_bytes()))
                .map_err(|error| mlua::Error::RuntimeError(format!("invalid base64: {error}")))?;
            lua.create_string(bytes)
        })?,
    )?;
    Ok(library)
}

fn hex_library(lua: &Lua) -> mlua::Result<Table> {
    let library = lua.create_table()?;
    library.raw_set(
        "encode",
        lua.create_function(|_, data: mlua::LuaString| Ok(hex::encode(data.as_bytes())))?,
    )?;
    library.raw_set(
        "decode",
        lua.create_function(|lua, text: mlua::LuaString| {
            let bytes = hex::decode(text.as_bytes())
                .map_err(|error| mlua::Error::RuntimeError(format!("invalid hex: {error}")))?;
            lua.create_string(bytes)
        })?,
    )?;
    Ok(library)
}

fn url_library(lua: &Lua) -> mlua::Result<Table> {
    let library = lua.create_table()?;
    library.raw_set(
        "encode",
        lua.create_function(|_, text: mlua::LuaString| {
            Ok(utf8_percent_encode(&text.to_string_lossy(), COMPONENT).to_string())
        })?,
    )?;
    library.raw_set(
        "decode",
        lua.create_function(|lua, text: mlua::LuaString| {
            let bytes: Vec<u8> = percent_decode(&text.as_bytes()).collect();
            lua.create_string(bytes)
        })?,
    )?;
    Ok(library)
}

fn crypto_library(lua: &Lua) -> mlua::Result<Table> {
    let library = lua.create_table()?;
    library.raw_set(
        "sha256",
        lua.create_function(|lua, data: mlua::LuaString| {
            lua.create_string(Sha256::digest(data.as_bytes()))
        })?,
    )?;
    library.raw_set(
        "hmac_sha256",
        lua.create_function(|lua, (key, data): (mlua::LuaString, mlua::LuaString)| {
            let mut mac = Hmac::<Sha256>::new_from_slice(&key.as_bytes())
                .map_err(|error| mlua::Error::RuntimeError(error.to_string()))?;
            mac.update(&data.as_bytes());
            lua.create_string(mac.finalize().into_bytes())
        })?,
    )?;
    Ok(library)
}

fn install_log(lua: &Lua, target: LogTarget) -> mlua::Result<()> {
    let log = lua.create_table()?;
    let levels = [
        ("debug", LogLevel::Debug),
        ("info", LogLevel::Info),
        ("warn", LogLevel::Warn),
        ("error", LogLevel::Error),
    ];
    for (name, level) in levels {
        let target = target.clone();
        let function = lua.create_function(move |lua, values: MultiValue| {
            target.emit(level, &join_for_log(lua, values));
            Ok(())
        })?;
        log.raw_set(name, function)?;
    }
    lua.globals()
        .raw_set("print", log.raw_get::<Value>("info")?)?;
    lua.globals().raw_set("log", log)
}

/// Joins log arguments with spaces; tables are written as JSON.
fn join_for_log(lua: &Lua, values: MultiValue) -> String {
    let parts: Vec<String> = values
        .into_iter()
        .map(|value| match value {
            Value::String(text) => text.to_string_lossy(),
            Value::Table(_) => match from_lua(lua, value) {
                Ok(json) => json.to_string(),
                Err(_) => "<table>".to_string(),
            },
            other => other
                .to_string()
                .unwrap_or_else(|_| format!("<{}>", other.type_name())),
        })
        .collect();
    parts.join(" ")
}
