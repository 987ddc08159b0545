//! Connectors as sandboxed Lua plugins.
//!
//! A connector is a folder holding `connector.lua`, which returns one table: declared
//! facts (base URL, auth kind, pagination styles, records paths, retryable statuses,
//! rate-limit headers, error mapping) and resources whose methods are data or Lua
//! functions. `connectors/README.md` documents the format.
//!
//! [`Registry::load`] reads the connector folders into [`Connector`]s. For each page of
//! a call the engine asks [`Connector::prepare`] (or takes [`Page::next`]) for an
//! [`HttpRequest`], sends it with its own client, and hands the [`HttpResponse`] to
//! [`Connector::parse`], which returns the [`Page`]'s records and the next request.
//!
//! Declared methods and auth run in Rust. Connector code runs in a fresh Lua 5.4 state
//! per call with no `io`, `os` (beyond `time`, `clock` and `date`), `require`, `load` or
//! `debug`, under the memory, instruction and wall-clock budgets of [`ScriptLimits`]. It
//! gets `http` (through the engine's [`HttpSend`]), `json`, `log`, `base64`, `hex`, `url`
//! and `crypto`.

mod connector;
mod error;
mod http;
mod log;
mod lua_lib;
mod manifest;
mod pagination;
mod pattern;
mod read;
mod redact;
mod registry;
mod request;
mod sandbox;
mod session;
mod text;

pub use connector::{AccountContext, Call, Connector, Page};
pub use error::{ConnectorError, LoadError};
pub use http::{HttpRequest, HttpResponse, HttpSend, SendFuture};
pub use log::{LogLevel, LogRecord, LogSink};
pub use manifest::{RateLimitHeaders, ResetUnit};
pub use redact::{MIN_SECRET_LEN, redact};
pub use registry::{Registry, RegistryOptions};
pub use sandbox::ScriptLimits;
pub use text::escaped;
