//! The facts a connector declares as data, read once when the connector loads. Functions
//! in the connector table are kept as [`FnRef`]s: their key path in that table.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The key path of a Lua function inside the table `connector.lua` returns, for example
/// `["resources", "blocks", "list", "parse"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FnRef(pub Vec<String>);

impl FnRef {
    pub(crate) fn describe(&self) -> String {
        self.0.join(".")
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Manifest {
    pub name: String,
    pub base_url: String,
    pub headers: Vec<(String, String)>,
    pub auth: Auth,
    pub secrets: Vec<String>,
    pub records: Option<String>,
    pub retryable_statuses: Vec<u16>,
    pub rate_limit: RateLimitHeaders,
    pub errors: ErrorMapping,
    pub error_body: ErrorBody,
    pub resources: BTreeMap<String, BTreeMap<String, Method>>,
    pub sign: Option<FnRef>,
    pub refresh: Option<FnRef>,
}

/// How the host authenticates requests to the connector's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Auth {
    None,
    /// `Authorization: Bearer <context[field]>`.
    Bearer {
        field: String,
    },
    /// `<name>: <prefix><context[field]>`.
    Header {
        name: String,
        field: String,
        prefix: String,
    },
    /// `?<name>=<context[field]>`.
    Query {
        name: String,
        field: String,
    },
    /// `Authorization: Basic base64(<context[username]>:<context[password]>)`.
    Basic {
        username: String,
        password: Option<String>,
    },
    /// `auth(request, account)` returns the request with credentials added.
    Function(FnRef),
}

/// Where a pagination parameter goes in the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    Query,
    Body,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pagination {
    None,
    /// The response holds the next cursor at `next`; the request sends it as `param`.
    Cursor {
        param: String,
        location: Location,
        next: String,
        has_more: Option<String>,
    },
    /// Page numbers from `start`, until a page has no records or `has_more` is false.
    Page {
        param: String,
        location: Location,
        start: i64,
        has_more: Option<String>,
    },
    /// Offsets counted in records, until a page is shorter than `limit_param` says.
    Offset {
        param: String,
        location: Location,
        limit_param: String,
    },
    /// The `Link` header's URL with the given `rel`.
    LinkHeader {
        rel: String,
    },
    /// `paginate(response, request)` returns the next request or nil.
    Function(FnRef),
}

/// Names of the response headers that report rate limits (lowercase).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// Requests left in the current window.
    pub remaining: Option<String>,
    /// When the window resets.
    pub reset: Option<String>,
    /// What the reset header holds.
    pub reset_unit: ResetUnit,
    /// Seconds to wait, usually `retry-after`.
    pub retry_after: Option<String>,
}

/// What a rate-limit reset header holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResetUnit {
    /// Seconds until the reset.
    #[default]
    Seconds,
    /// Unix time of the reset, in seconds.
    EpochSeconds,
    /// Unix time of the reset, in milliseconds.
    EpochMilliseconds,
}

/// Where a non-2xx response body holds the error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ErrorMapping {
    /// Dot paths tried in order; the first string found is the message.
    Paths(Vec<String>),
    /// `errors(response)` returns `{message = ...}` or nil.
    Function(FnRef),
}

/// How a 2xx response body is recognised as an error, and where its status is.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ErrorBody {
    /// Dot paths and the JSON values they must all hold (`errors.when`). `None` selects
    /// the default shape: a non-empty `errors` array without `data` or records.
    pub when: Option<Vec<(String, Value)>>,
    /// Dot path of the error's HTTP status in the body (`errors.status`).
    pub status: Option<String>,
}

/// One method of one resource.
#[derive(Debug, Clone)]
pub(crate) struct Method {
    pub http_method: String,
    /// Path below the base URL with `{name}` placeholders; `None` when `prepare` builds it.
    pub path: Option<String>,
    pub query: Map<String, Value>,
    pub body: Option<Value>,
    pub body_format: BodyFormat,
    pub headers: Vec<(String, String)>,
    pub records: Option<String>,
    pub pagination: Pagination,
    pub prepare: Option<FnRef>,
    pub parse: Option<FnRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFormat {
    Json,
    Form,
}

impl Manifest {
    /// Whether any call may need a Lua state: a function for auth, signing or errors.
    pub(crate) fn has_request_code(&self) -> bool {
        matches!(self.auth, Auth::Function(_)) || self.sign.is_some()
    }
}

impl Method {
    /// Whether parsing this method's responses runs connector code.
    pub(crate) fn has_parse_code(&self) -> bool {
        self.parse.is_some() || matches!(self.pagination, Pagination::Function(_))
    }
}
