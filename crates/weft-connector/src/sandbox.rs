//! The sandboxed Lua state: which standard libraries stay, the budgets every call runs
//! under, and how Lua failures become [`ConnectorError`]s.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};
use tokio::time::Instant;

use crate::{ConnectorError, pattern};

/// How many VM instructions run between two budget checks.
const HOOK_INTERVAL: u32 = 1_000;

/// Budgets for one connector call: every `prepare`, `parse`, hook and load runs in a fresh
/// Lua state limited by these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptLimits {
    /// Bytes the Lua state may allocate beyond the host libraries.
    pub memory_bytes: usize,
    /// VM instructions one call may execute, counted in steps of 1,000.
    pub instructions: u64,
    /// Wall-clock time one call may take, time spent waiting on `http.request` included.
    pub wall_clock: Duration,
}

impl Default for ScriptLimits {
    /// 64 MiB, 50 million instructions and 30 seconds.
    fn default() -> Self {
        ScriptLimits {
            memory_bytes: 64 * 1024 * 1024,
            instructions: 50_000_000,
            wall_clock: Duration::from_secs(30),
        }
    }
}

/// The running budget of one Lua state. The hook records the first exceeded limit in
/// `fault`. From then on every check fails again, so connector code that catches the
/// error with `pcall` cannot keep running.
pub(crate) struct Budget {
    limits: ScriptLimits,
    instructions_left: Mutex<i64>,
    deadline: Mutex<Instant>,
    fault: Mutex<Option<String>>,
    /// The connector function running now, named in pattern rejections.
    hook: Mutex<String>,
}

impl Budget {
    fn new(limits: ScriptLimits) -> Budget {
        Budget {
            instructions_left: Mutex::new(i64::try_from(limits.instructions).unwrap_or(i64::MAX)),
            deadline: Mutex::new(Instant::now() + limits.wall_clock),
            fault: Mutex::new(None),
            hook: Mutex::new("connector.lua".into()),
            limits,
        }
    }

    /// Starts the budgets afresh; called when a state starts a new top-level call.
    pub(crate) fn reset(&self) {
        *lock(&self.instructions_left) =
            i64::try_from(self.limits.instructions).unwrap_or(i64::MAX);
        *lock(&self.deadline) = Instant::now() + self.limits.wall_clock;
    }

    /// Names the connector function that runs next, such as `resources.pages.get`.
    pub(crate) fn set_hook(&self, hook: &str) {
        *lock(&self.hook) = hook.to_string();
    }

    /// Returns the name [`Budget::set_hook`] set last.
    pub(crate) fn hook(&self) -> String {
        lock(&self.hook).clone()
    }

    pub(crate) fn limits(&self) -> &ScriptLimits {
        &self.limits
    }

    /// Returns the message of the first exceeded limit, if any.
    pub(crate) fn fault(&self) -> Option<String> {
        lock(&self.fault).clone()
    }

    pub(crate) fn record_fault(&self, message: String) -> String {
        lock(&self.fault).get_or_insert(message).clone()
    }

    pub(crate) fn wall_clock_message(&self) -> String {
        format!("wall-clock budget of {:?} exceeded", self.limits.wall_clock)
    }

    fn check(&self) -> Result<(), String> {
        if let Some(fault) = self.fault() {
            return Err(fault);
        }
        let mut left = lock(&self.instructions_left);
        *left -= i64::from(HOOK_INTERVAL);
        if *left < 0 {
            let message = format!(
                "instruction budget of {} exceeded",
                self.limits.instructions
            );
            return Err(self.record_fault(message));
        }
        if Instant::now() > *lock(&self.deadline) {
            return Err(self.record_fault(self.wall_clock_message()));
        }
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Lua that replaces unsafe or budget-breaking base functions. It receives the host's
/// `fault` function, which returns the exceeded-budget message or nil.
const PRELUDE: &str = r#"
local fault = ...
local raw_pcall, raw_xpcall, raw_setmetatable = pcall, xpcall, setmetatable
local raw_collectgarbage, error, rawget, type = collectgarbage, error, rawget, type

local function pass(ok, ...)
  if not ok then
    local message = fault()
    if message then error(message, 0) end
  end
  return ok, ...
end

pcall = function(f, ...) return pass(raw_pcall(f, ...)) end
xpcall = function(f, handler, ...) return pass(raw_xpcall(f, handler, ...)) end

-- Finalizers run with hooks disabled, so a __gc loop would escape every budget.
setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not allowed in connectors", 2)
  end
  return raw_setmetatable(t, mt)
end

collectgarbage = function(option)
  if option == "count" then return raw_collectgarbage("count") end
  error("collectgarbage supports only 'count' in connectors", 2)
end
"#;

/// Lua that puts a cost check in front of the pattern functions, which match in C where
/// the budget hook never fires. It receives the host's check, which returns a rejection
/// message or nil. `string` is also the strings' metatable index, so `s:find` is covered.
const PATTERN_GUARD: &str = r#"
local check, error = ...
local find, match, gmatch, gsub = string.find, string.match, string.gmatch, string.gsub

local function guard(name, subject, pattern)
  local message = check(name, subject, pattern)
  if message then error(message, 3) end
end

string.find = function(subject, pattern, init, plain)
  if not plain then guard("find", subject, pattern) end
  return find(subject, pattern, init, plain)
end
string.match = function(subject, pattern, init)
  guard("match", subject, pattern)
  return match(subject, pattern, init)
end
string.gmatch = function(subject, pattern, init)
  guard("gmatch", subject, pattern)
  return gmatch(subject, pattern, init)
end
string.gsub = function(subject, pattern, replacement, limit)
  guard("gsub", subject, pattern)
  return gsub(subject, pattern, replacement, limit)
end
"#;

/// Globals removed after the prelude ran.
const REMOVED_GLOBALS: &[&str] = &[
    "io",
    "require",
    "load",
    "loadstring",
    "dofile",
    "loadfile",
    "package",
    "debug",
    "module",
    "print",
];

/// Creates a Lua 5.4 state with only `string`, `table`, `math`, `utf8` and
/// `os.time/clock/date`, the replaced base functions and the budget hook. The memory limit
/// is set by [`Sandbox::arm`] once the host libraries are installed.
pub(crate) fn new_state(limits: &ScriptLimits) -> mlua::Result<(Lua, Arc<Budget>)> {
    let libs = StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::UTF8 | StdLib::OS;
    let lua = Lua::new_with(libs, LuaOptions::default())?;
    let budget = Arc::new(Budget::new(limits.clone()));

    let hook_budget = Arc::clone(&budget);
    let triggers = HookTriggers::new().every_nth_instruction(HOOK_INTERVAL);
    lua.set_global_hook(triggers, move |_, _| match hook_budget.check() {
        Ok(()) => Ok(VmState::Continue),
        Err(message) => Err(mlua::Error::RuntimeError(message)),
    })?;

    keep_raw_pcall(&lua)?;
    let fault_budget = Arc::clone(&budget);
    let fault = lua.create_function(move |_, ()| Ok(fault_budget.fault()))?;
    lua.load(PRELUDE).set_name("=prelude").call::<()>(fault)?;
    install_pattern_guard(&lua, &budget)?;
    strip_globals(&lua)?;
    Ok((lua, budget))
}

fn install_pattern_guard(lua: &Lua, budget: &Arc<Budget>) -> mlua::Result<()> {
    let budget = Arc::clone(budget);
    let check =
        lua.create_function(move |_, (name, subject, pattern): (String, Value, Value)| {
            Ok(pattern_rejection(&budget, &name, &subject, &pattern))
        })?;
    let error: Function = lua.globals().raw_get("error")?;
    lua.load(PATTERN_GUARD)
        .set_name("=pattern guard")
        .call::<()>((check, error))
}

/// Explains why `string.<name>(subject, pattern)` is rejected, or returns `None` when its
/// estimated cost is within [`pattern::MAX_STEPS`]. Arguments that are not strings or
/// numbers pass, so Lua reports them itself.
fn pattern_rejection(
    budget: &Budget,
    name: &str,
    subject: &Value,
    pattern: &Value,
) -> Option<String> {
    let length = match subject {
        Value::String(text) => text.as_bytes().len(),
        other => coerced_bytes(other)?.len(),
    };
    let pattern = coerced_bytes(pattern)?;
    let usage = match name {
        "gmatch" => pattern::Use::Iterated,
        _ => pattern::Use::Anchorable,
    };
    let steps = pattern::estimate(&pattern, length, usage);
    if steps <= pattern::MAX_STEPS {
        return None;
    }
    let shown = crate::text::escaped(&String::from_utf8_lossy(&pattern), 80);
    Some(format!(
        "string.{name} in '{}' rejected the pattern '{shown}' on a subject of {} bytes: \
         it may backtrack about {steps:.0e} steps, more than the limit of {:.0e}; use fewer \
         '*', '+' and '-' items over characters that the next item can also match, anchor \
         the pattern with '^', or match a shorter string",
        lock(&budget.hook),
        length,
        pattern::MAX_STEPS,
    ))
}

fn coerced_bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::String(text) => Some(text.as_bytes().to_vec()),
        Value::Integer(number) => Some(number.to_string().into_bytes()),
        Value::Number(number) => Some(number.to_string().into_bytes()),
        _ => None,
    }
}

fn strip_globals(lua: &Lua) -> mlua::Result<()> {
    let globals = lua.globals();
    for name in REMOVED_GLOBALS {
        globals.raw_set(*name, Value::Nil)?;
    }
    globals
        .raw_get::<Table>("string")?
        .raw_set("dump", Value::Nil)?;

    let os: Table = globals.raw_get("os")?;
    let kept = lua.create_table()?;
    for name in ["time", "clock", "date"] {
        kept.raw_set(name, os.raw_get::<Value>(name)?)?;
    }
    globals.raw_set("os", kept)
}

/// Sets the memory limit to what the state uses now plus the call's allowance.
pub(crate) fn arm_memory(lua: &Lua, budget: &Budget) -> mlua::Result<()> {
    let limit = lua.used_memory() + budget.limits().memory_bytes;
    lua.set_memory_limit(limit).map(|_| ())
}

/// Calls `function` through the original `pcall`, so errors raised as tables keep their
/// fields, and turns any failure into a [`ConnectorError`].
pub(crate) async fn call(
    connector: &str,
    lua: &Lua,
    budget: &Budget,
    function: Function,
    args: MultiValue,
) -> Result<MultiValue, ConnectorError> {
    budget.reset();
    let protected = protected_call(lua, function, args)?;
    let outcome = tokio::time::timeout(budget.limits().wall_clock, protected).await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(_) => Err(mlua::Error::RuntimeError(
            budget.record_fault(budget.wall_clock_message()),
        )),
    };
    settle(connector, budget, outcome)
}

/// Calls `function` synchronously like [`call`], for loading a connector file. `http.request` fails
/// here because it can only run inside an async call.
pub(crate) fn call_blocking(
    connector: &str,
    lua: &Lua,
    budget: &Budget,
    function: Function,
    args: MultiValue,
) -> Result<MultiValue, ConnectorError> {
    budget.reset();
    let pcall = raw_pcall(lua)?;
    let mut all = MultiValue::new();
    all.push_back(Value::Function(function));
    all.extend(args);
    settle(connector, budget, pcall.call::<MultiValue>(all))
}

fn protected_call(
    lua: &Lua,
    function: Function,
    args: MultiValue,
) -> Result<mlua::function::AsyncCallFuture<MultiValue>, ConnectorError> {
    let pcall = raw_pcall(lua)?;
    let mut all = MultiValue::new();
    all.push_back(Value::Function(function));
    all.extend(args);
    Ok(pcall.call_async::<MultiValue>(all))
}

/// Returns the unreplaced `pcall`, kept in the registry because the global one re-raises faults.
fn raw_pcall(lua: &Lua) -> Result<Function, ConnectorError> {
    lua.named_registry_value::<Function>("weft.pcall")
        .map_err(|error| script("", error.to_string()))
}

/// Stores the original `pcall` before the prelude replaces it.
fn keep_raw_pcall(lua: &Lua) -> mlua::Result<()> {
    let pcall: Function = lua.globals().raw_get("pcall")?;
    lua.set_named_registry_value("weft.pcall", pcall)
}

fn settle(
    connector: &str,
    budget: &Budget,
    outcome: mlua::Result<MultiValue>,
) -> Result<MultiValue, ConnectorError> {
    if let Some(message) = budget.fault() {
        return Err(ConnectorError::LimitExceeded {
            connector: connector.to_string(),
            message,
        });
    }
    let mut values = outcome.map_err(|error| from_lua_error(connector, budget, &error))?;
    match values.pop_front() {
        Some(Value::Boolean(true)) => Ok(values),
        _ => Err(from_raised(
            connector,
            budget,
            values.pop_front().unwrap_or(Value::Nil),
        )),
    }
}

/// Turns the value a connector raised with `error(...)` into a [`ConnectorError`].
fn from_raised(connector: &str, budget: &Budget, raised: Value) -> ConnectorError {
    match raised {
        Value::Table(table) => from_error_table(connector, &table),
        Value::String(text) => from_message(connector, budget, text.to_string_lossy()),
        Value::Error(error) => from_lua_error(connector, budget, &error),
        Value::Nil => script(connector, "error raised with nil".to_string()),
        other => script(
            connector,
            format!("error raised with a {}", other.type_name()),
        ),
    }
}

fn from_error_table(connector: &str, table: &Table) -> ConnectorError {
    let code = table.raw_get::<Option<String>>("code").ok().flatten();
    let message = table.raw_get::<Option<String>>("message").ok().flatten();
    match (code, message) {
        (Some(code), message) => ConnectorError::Raised {
            connector: connector.to_string(),
            code,
            message: message.unwrap_or_default(),
        },
        (None, Some(message)) => script(connector, message),
        (None, None) => script(
            connector,
            "error table has no 'code' or 'message' field".into(),
        ),
    }
}

fn from_message(connector: &str, budget: &Budget, message: String) -> ConnectorError {
    if message == "not enough memory" {
        return memory_exceeded(connector, budget);
    }
    script(connector, message)
}

fn from_lua_error(connector: &str, budget: &Budget, error: &mlua::Error) -> ConnectorError {
    match error {
        mlua::Error::MemoryError(_) => memory_exceeded(connector, budget),
        mlua::Error::CallbackError { cause, .. } => from_lua_error(connector, budget, cause),
        mlua::Error::WithContext { cause, .. } => from_lua_error(connector, budget, cause),
        mlua::Error::RuntimeError(message) => from_message(connector, budget, message.clone()),
        other => script(connector, other.to_string()),
    }
}

fn memory_exceeded(connector: &str, budget: &Budget) -> ConnectorError {
    ConnectorError::LimitExceeded {
        connector: connector.to_string(),
        message: format!(
            "memory limit of {} bytes exceeded",
            budget.limits().memory_bytes
        ),
    }
}

pub(crate) fn script(connector: &str, message: String) -> ConnectorError {
    ConnectorError::Script {
        connector: connector.to_string(),
        message,
    }
}
