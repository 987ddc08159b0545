//! The adapter between Weft and its JSONata engine, `jsonata-core`.
//!
//! Everything that names `jsonata-core` lives in this file: parsing, the thread-local
//! caches, value conversion and the registration of the extension functions from
//! [`crate::functions`], which are written against `serde_json::Value`. Swapping the
//! engine means writing another [`Engine`] here.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use jsonata_core::ast::AstNode;
use jsonata_core::evaluator::{CancelToken, Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::value::{JArray, JMap, JValue};
use serde_json::{Map, Value};

use crate::functions::{self, NativeFn};
use crate::transform::EvalResult;
use crate::{Limits, TransformError};

mod direct;
mod memory;
mod parallel;

/// What Weft needs from a JSONata engine.
pub(crate) trait Engine {
    /// Checks that `source` parses.
    fn check_syntax(source: &str) -> Result<(), TransformError>;

    /// Evaluates `source` against `input` (`None`: no input), with the extension functions and
    /// `bindings` in scope, under `limits`.
    fn evaluate(
        source: &str,
        input: Option<&Value>,
        bindings: &Map<String, Value>,
        limits: &Limits,
    ) -> EvalResult;
}

/// The engine in use.
pub(crate) type ActiveEngine = JsonataCore;

/// `jsonata-core` 2.2.13, evaluated with its tree-walking evaluator (the only one
/// that sees host functions and bindings).
pub(crate) struct JsonataCore;

/// Parsed expressions kept per thread; the cache is emptied when it reaches this size.
const MAX_CACHED_EXPRESSIONS: usize = 512;

/// Prefix of the name under which a native function that replaces a built-in
/// (`$join`, `$base64encode`...) is registered; the built-in's name is then bound to it.
const OVERRIDE_PREFIX: &str = "weft:";

thread_local! {
    static PARSED: RefCell<HashMap<String, Rc<AstNode>>> = RefCell::new(HashMap::new());
    static PRELUDE: OnceCell<Vec<(String, JValue)>> = const { OnceCell::new() };
}

impl Engine for JsonataCore {
    fn check_syntax(source: &str) -> Result<(), TransformError> {
        parsed(source).map(|_| ())
    }

    fn evaluate(
        source: &str,
        input: Option<&Value>,
        bindings: &Map<String, Value>,
        limits: &Limits,
    ) -> EvalResult {
        let ast = parsed(source)?;
        let watch = memory::Watch::start(limits.max_memory_bytes);
        let cancel = watch.as_ref().map(memory::Watch::token);
        let outcome = evaluate_parsed(&ast, input, bindings, limits, cancel.as_ref());
        match (outcome, &watch) {
            (Err(_), Some(watch)) if watch.exceeded() => Err(TransformError::MemoryLimit {
                limit: limits.max_memory_bytes,
            }),
            (outcome, _) => outcome,
        }
    }
}

/// Evaluates a parsed expression; `cancel` stops it from another thread.
fn evaluate_parsed(
    ast: &AstNode,
    input: Option<&Value>,
    bindings: &Map<String, Value>,
    limits: &Limits,
    cancel: Option<&CancelToken>,
) -> EvalResult {
    if let Some(outcome) = parallel::evaluate(ast, input, bindings, limits, cancel) {
        return outcome;
    }

    let mut input_size = 0;
    let input = input.map_or(JValue::Undefined, |input| to_engine(input, &mut input_size));
    if input_size > limits.max_input_bytes {
        return Err(TransformError::InputTooLarge {
            size: input_size,
            limit: limits.max_input_bytes,
        });
    }

    let mut evaluator = evaluator(bindings, None, limits, cancel)?;
    let result = evaluator.evaluate(ast, &input).map_err(evaluation_error)?;
    if result.is_undefined() {
        return Ok(None);
    }
    // Without the evaluator and the input, most of the result is held only by
    // `result`, so converting it can move its keys instead of copying them.
    drop(evaluator);
    drop(input);
    let mut size = Size::within(limits.max_output_bytes);
    let output = json_owned(result, 0, &mut size);
    if size.over() {
        return Err(TransformError::OutputTooLarge {
            limit: limits.max_output_bytes,
        });
    }
    Ok(Some(output))
}

/// Builds an evaluator with the extension functions, `bindings` and `extra` in scope,
/// under `limits`.
fn evaluator(
    bindings: &Map<String, Value>,
    extra: Option<(&str, JValue)>,
    limits: &Limits,
    cancel: Option<&CancelToken>,
) -> Result<Evaluator, TransformError> {
    let mut context = Context::new();
    bind_prelude(&mut context)?;
    for (name, value) in bindings {
        context.bind(name.clone(), to_engine(value, &mut 0));
    }
    if let Some((name, value)) = extra {
        context.bind(name.to_string(), value);
    }
    let options = EvaluatorOptions {
        timeout_ms: Some(u64::try_from(limits.timeout.as_millis()).unwrap_or(u64::MAX)),
        max_stack_depth: Some(limits.max_depth),
        max_sequence_length: Some(limits.max_sequence_length),
        cancel: cancel.cloned(),
    };
    let mut evaluator = Evaluator::with_options(context, options);
    register_natives(&mut evaluator, limits.max_output_bytes);
    Ok(evaluator)
}

fn evaluation_error(error: EvaluatorError) -> TransformError {
    TransformError::Evaluation {
        message: error.message().to_string(),
    }
}

/// Returns the parsed tree of `source`, parsing it on this thread's first use.
fn parsed(source: &str) -> Result<Rc<AstNode>, TransformError> {
    if let Some(ast) = PARSED.with_borrow(|cache| cache.get(source).cloned()) {
        return Ok(ast);
    }
    let ast = jsonata_core::parser::parse(source).map_err(|error| TransformError::Syntax {
        message: coded_syntax_message(error.to_string()),
    })?;
    let ast = Rc::new(ast);
    PARSED.with_borrow_mut(|cache| {
        if cache.len() >= MAX_CACHED_EXPRESSIONS {
            cache.clear();
        }
        cache.insert(source.to_string(), Rc::clone(&ast));
    });
    Ok(ast)
}

/// Syntax errors that `jsonata-core` reports without JSONata's code, with the code and
/// message jsonata-js gives.
const UNCODED_SYNTAX_ERRORS: &[(&str, &str)] =
    &[("Unclosed comment", "S0106: Comment has no closing tag")];

/// Returns the engine's syntax error message, replaced by JSONata's coded one where
/// the engine gives no code.
fn coded_syntax_message(message: String) -> String {
    UNCODED_SYNTAX_ERRORS
        .iter()
        .find(|(uncoded, _)| message == *uncoded)
        .map_or(message, |(_, coded)| coded.to_string())
}

/// Binds the extension functions written in JSONata (those that take a callback) and
/// the names of built-ins that a native function replaces.
fn bind_prelude(context: &mut Context) -> Result<(), TransformError> {
    let prelude = PRELUDE.with(|cell| {
        if let Some(prelude) = cell.get() {
            return Ok(prelude.clone());
        }
        let built = build_prelude()?;
        Ok(cell.get_or_init(|| built).clone())
    })?;
    for (name, value) in prelude {
        context.bind(name, value);
    }
    Ok(())
}

fn build_prelude() -> Result<Vec<(String, JValue)>, TransformError> {
    let mut prelude = Vec::new();
    for function in functions::PRELUDE {
        let ast = parsed(function.source)?;
        let lambda = Evaluator::new()
            .evaluate(&ast, &JValue::Null)
            .map_err(|error| TransformError::Evaluation {
                message: format!("prelude function ${} failed: {error}", function.name),
            })?;
        prelude.push((function.name.to_string(), lambda));
    }
    let replaced = functions::NATIVE
        .iter()
        .filter(|native| native.replaces_builtin)
        .map(|native| native.name)
        .chain(ENGINE_OVERRIDES.iter().map(|(name, _)| *name));
    for name in replaced {
        let target = JValue::builtin(format!("{OVERRIDE_PREFIX}{name}"));
        prelude.push((name.to_string(), target));
    }
    Ok(prelude)
}

/// Registers the native extension functions. `max_argument_bytes` bounds the JSON that
/// one call's arguments may convert to.
fn register_natives(evaluator: &mut Evaluator, max_argument_bytes: usize) {
    for native in functions::NATIVE {
        let call = native.call;
        let function = native.name;
        let name = if native.replaces_builtin {
            format!("{OVERRIDE_PREFIX}{}", native.name)
        } else {
            native.name.to_string()
        };
        // Functions whose arguments are whole pages or lists read them in place.
        let registered = match native.name {
            "sortNodes" => evaluator.register_fn(name, direct::sort_nodes),
            "convertNotionToMarkdown" => evaluator.register_fn(name, move |args: &[JValue]| {
                check_argument_size(function, args, max_argument_bytes)?;
                direct::notion_to_markdown(call, args)
            }),
            _ => evaluator.register_fn(name, move |args: &[JValue]| {
                call_native(function, call, args, max_argument_bytes)
            }),
        };
        // Names are fixed at build time and tested, so a clash is a bug in the
        // function table, not a runtime condition.
        registered.expect("native function name clashes with a JSONata built-in");
    }
    for (name, function) in ENGINE_OVERRIDES {
        let registered = evaluator.register_fn(format!("{OVERRIDE_PREFIX}{name}"), *function);
        registered.expect("engine override name clashes with a JSONata built-in");
    }
}

/// A function over engine values, registered with the evaluator as it is.
type EngineFn = fn(&[JValue]) -> Result<JValue, EvaluatorError>;

/// Built-ins replaced by a faster function with the same results and errors, which
/// reads and returns engine values.
const ENGINE_OVERRIDES: &[(&str, EngineFn)] = &[("merge", direct::merge)];

/// Fails when the arguments of `$function` would convert to more JSON than `limit`,
/// before any of it is built (see [`Size`]). For natives that convert only parts of
/// their arguments; [`call_native`] counts while it converts.
fn check_argument_size(
    function: &str,
    args: &[JValue],
    limit: usize,
) -> Result<(), EvaluatorError> {
    let mut counted = 0;
    if args
        .iter()
        .all(|arg| count_within(arg, limit, &mut counted))
    {
        return Ok(());
    }
    Err(arguments_too_large(function, limit))
}

fn arguments_too_large(function: &str, limit: usize) -> EvaluatorError {
    EvaluatorError::EvaluationError(format!(
        "${function}: arguments take more than {limit} bytes as JSON, the transform output limit"
    ))
}

/// Calls a native function with its arguments converted to JSON, failing once they
/// pass `limit` bytes together.
fn call_native(
    function: &str,
    call: NativeFn,
    args: &[JValue],
    limit: usize,
) -> Result<JValue, EvaluatorError> {
    let mut size = Size::within(limit);
    let converted: Vec<Option<Value>> = args
        .iter()
        .map_while(|arg| {
            let json = (!arg.is_undefined()).then(|| json_sized(arg, 0, &mut size));
            (!size.over()).then_some(json)
        })
        .collect();
    if size.over() {
        return Err(arguments_too_large(function, limit));
    }
    native_result(call(&converted))
}

/// Converts what a native function returned to the engine's result.
fn native_result(outcome: Result<Option<Value>, String>) -> Result<JValue, EvaluatorError> {
    match outcome {
        Ok(Some(value)) => Ok(JValue::from(value)),
        Ok(None) => Ok(JValue::Undefined),
        Err(message) => Err(EvaluatorError::EvaluationError(message)),
    }
}

/// Converts an engine value to JSON. Whole numbers become JSON integers (so `3.0`
/// is `3`); `undefined` at the top is `None` and inside arrays is `null`.
fn to_json(value: &JValue) -> Option<Value> {
    if value.is_undefined() {
        return None;
    }
    Some(json_from_engine(value, 0))
}

/// Nesting depth up to which [`json_from_engine`] walks a value itself. Deeper parts
/// go through the engine's serializer, which grows the stack as it needs.
const DIRECT_DEPTH: usize = 64;

/// Converts an engine value by walking it, without the serializer's intermediate
/// steps. Gives the same JSON as [`serialized`].
fn json_from_engine(value: &JValue, depth: usize) -> Value {
    json_sized(value, depth, &mut Size::unbounded())
}

/// Bytes of compact JSON counted while converting, and the count past which the
/// conversion stops.
///
/// The engine shares values, so a result that repeats one large value (`[1..20000].$$`)
/// is cheap to build but huge as JSON: converting it must stop at the limit.
pub(super) struct Size {
    bytes: usize,
    limit: usize,
}

impl Size {
    fn unbounded() -> Self {
        Size::within(usize::MAX)
    }

    pub(super) fn within(limit: usize) -> Self {
        Size { bytes: 0, limit }
    }

    /// Returns whether the count passed the limit; the converted value is then cut
    /// short and must not be used.
    pub(super) fn over(&self) -> bool {
        self.bytes > self.limit
    }

    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }
}

/// Converts like [`json_from_engine`] and adds the length of the result as compact
/// JSON to `size`, so that the size limit needs no second walk. Stops converting once
/// `size` is over its limit.
fn json_sized(value: &JValue, depth: usize, size: &mut Size) -> Value {
    let json = match value {
        JValue::Null | JValue::Undefined => Value::Null,
        JValue::Bool(flag) => Value::Bool(*flag),
        JValue::Number(number) => json_number(*number),
        JValue::String(text) => {
            size.bytes += string_size(text);
            return Value::String(text.to_string());
        }
        JValue::Array(items) if depth < DIRECT_DEPTH => {
            size.bytes += 2 + items.len().saturating_sub(1);
            let items = items
                .iter()
                .map_while(|item| (!size.over()).then(|| json_sized(item, depth + 1, size)));
            return Value::Array(items.collect());
        }
        JValue::Object(object) if depth < DIRECT_DEPTH => return json_object(object, depth, size),
        other => {
            // Counted first, so that a deep value over the limit is never built.
            let mut counted = 0;
            let remaining = size.limit.saturating_sub(size.bytes);
            if !count_within(other, remaining, &mut counted) {
                size.bytes = size.bytes.saturating_add(counted);
                return Value::Null;
            }
            let json = serialized(other);
            size.bytes += json_size(&json);
            return json;
        }
    };
    size.bytes += scalar_size(&json);
    json
}

/// Converts like [`json_sized`], taking the value: an object or array that nothing
/// else refers to gives up its keys and items instead of having them copied.
fn json_owned(value: JValue, depth: usize, size: &mut Size) -> Value {
    match value {
        JValue::Array(items) if depth < DIRECT_DEPTH => {
            size.bytes += 2 + items.len().saturating_sub(1);
            let items = items.into_vec().into_iter();
            Value::Array(
                items
                    .map_while(|item| (!size.over()).then(|| json_owned(item, depth + 1, size)))
                    .collect(),
            )
        }
        JValue::Object(object) if depth < DIRECT_DEPTH && date_time_text(&object).is_none() => {
            match Rc::try_unwrap(object) {
                Ok(object) => json_object_owned(object, depth, size),
                Err(shared) => json_object(&shared, depth, size),
            }
        }
        other => json_sized(&other, depth, size),
    }
}

fn json_object_owned(object: JMap, depth: usize, size: &mut Size) -> Value {
    size.bytes += 2 + object.len().saturating_sub(1);
    let fields = object.into_inner().into_iter().map_while(|(key, field)| {
        size.bytes += string_size(&key) + 1;
        (!size.over()).then(|| (key, json_owned(field, depth + 1, size)))
    });
    Value::Object(fields.collect())
}

/// Adds the length of `value` as compact JSON to `counted`, as [`json_sized`] does,
/// without building it, and returns false once `counted` passes `limit`. The count stops there, so it is a
/// lower bound of the size when false.
fn count_within(value: &JValue, limit: usize, counted: &mut usize) -> bool {
    *counted += match value {
        JValue::Null | JValue::Undefined | JValue::Bool(true) => 4,
        JValue::Bool(false) => 5,
        JValue::Number(number) => scalar_size(&json_number(*number)),
        JValue::String(text) => string_size(text),
        JValue::Array(items) => {
            *counted += 2 + items.len().saturating_sub(1);
            return items
                .iter()
                .all(|item| *counted <= limit && count_within(item, limit, counted))
                && *counted <= limit;
        }
        JValue::Object(object) => {
            if let Some(text) = date_time_text(object) {
                return count_within(text, limit, counted);
            }
            *counted += 2 + object.len().saturating_sub(1);
            return object.iter().all(|(key, field)| {
                *counted += string_size(key) + 1;
                *counted <= limit && count_within(field, limit, counted)
            }) && *counted <= limit;
        }
        // Functions and regular expressions serialise as `""`.
        _ => 2,
    };
    *counted <= limit
}

/// Converts a number: a whole number in the `i64` range becomes a JSON integer and a
/// non-finite number null, as in the engine's serializer. A larger whole number up to
/// `u64::MAX` is written as JavaScript writes it (see [`js_whole_number`]).
fn json_number(number: f64) -> Value {
    const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;
    let whole = number.fract() == 0.0;
    if whole && (-TWO_TO_63..TWO_TO_63).contains(&number) {
        return Value::from(number as i64);
    }
    if let Some(whole) = js_whole_number(number).filter(|_| whole) {
        return Value::from(whole);
    }
    serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
}

/// Returns a positive whole number as JavaScript prints it, its shortest round-trip
/// digits followed by zeros (`12345678901234567000` for 12345678901234567890), when
/// that fits in a `u64`.
fn js_whole_number(number: f64) -> Option<u64> {
    if number <= 0.0 {
        return None;
    }
    let scientific = format!("{number:e}");
    let (mantissa, exponent) = scientific.split_once('e')?;
    let exponent: usize = exponent.parse().ok()?;
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let zeros = (exponent + 1).checked_sub(digits.len())?;
    format!("{digits}{}", "0".repeat(zeros)).parse().ok()
}

fn json_object(object: &JMap, depth: usize, size: &mut Size) -> Value {
    if let Some(text) = date_time_text(object) {
        return json_sized(text, depth + 1, size);
    }
    size.bytes += 2 + object.len().saturating_sub(1);
    let fields = object.iter().map_while(|(key, field)| {
        size.bytes += string_size(key) + 1;
        (!size.over()).then(|| (key.clone(), json_sized(field, depth + 1, size)))
    });
    Value::Object(fields.collect())
}

/// Returns the `toJSON` text of a date-time object (see `functions::datetime`), which
/// stands for the object in JSON.
fn date_time_text(object: &JMap) -> Option<&JValue> {
    let is_date_time = match object.get("toISO") {
        Some(JValue::String(text)) => text.is_empty(),
        Some(JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. }) => true,
        _ => false,
    };
    object.get("toJSON").filter(|_| is_date_time)
}

/// Returns the fields of an object that converts to a JSON object, field by field
/// (not a date-time).
fn plain_object(value: &JValue) -> Option<&JMap> {
    match value {
        JValue::Object(object) if date_time_text(object).is_none() => Some(object),
        _ => None,
    }
}

/// Converts through the engine's serializer, which writes functions as `""`.
fn serialized(value: &JValue) -> Value {
    // JValue's serializer writes whole numbers as integers and non-finite numbers
    // as null, so it cannot fail on a value the engine produced.
    let mut json = serde_json::to_value(value).unwrap_or(Value::Null);
    replace_date_times(&mut json);
    json
}

/// Converts JSON to an engine value without cloning it first, and adds its length
/// as compact JSON to `size`.
fn to_engine(value: &Value, size: &mut usize) -> JValue {
    match value {
        Value::Array(items) => {
            *size += 2 + items.len().saturating_sub(1);
            let flat = !items.iter().any(Value::is_array);
            let items = items.iter().map(|item| to_engine(item, size));
            JValue::Array(JArray::new_flat(items.collect(), flat))
        }
        Value::Object(object) => {
            *size += 2 + object.len().saturating_sub(1);
            let fields = object.iter().map(|(key, field)| {
                *size += string_size(key) + 1;
                (key.clone(), to_engine(field, size))
            });
            JValue::Object(Rc::new(fields.collect()))
        }
        Value::String(text) => {
            *size += string_size(text);
            JValue::string(text.as_str())
        }
        scalar => {
            *size += scalar_size(scalar);
            match scalar {
                Value::Bool(flag) => JValue::Bool(*flag),
                Value::Number(number) => JValue::Number(number.as_f64().unwrap_or(0.0)),
                _ => JValue::Null,
            }
        }
    }
}

/// Returns the length of a string as compact JSON: quoted, with the escapes
/// `serde_json` writes.
fn string_size(text: &str) -> usize {
    let escapes: usize = text
        .bytes()
        .map(|byte| match byte {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
            0..0x20 => 5,
            _ => 0,
        })
        .sum();
    2 + text.len() + escapes
}

/// Returns the length of null, a boolean or a number as compact JSON (0 for an
/// array, object or string).
fn scalar_size(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(number) => number_size(number),
        _ => 0,
    }
}

fn number_size(number: &serde_json::Number) -> usize {
    let digits = |whole: u64| whole.checked_ilog10().map_or(1, |log| log as usize + 1);
    if let Some(whole) = number.as_u64() {
        digits(whole)
    } else if let Some(whole) = number.as_i64() {
        1 + digits(whole.unsigned_abs())
    } else {
        json_size(&Value::Number(number.clone()))
    }
}

/// Returns the length of `value` as compact JSON by writing it to a counter.
pub(crate) fn json_size(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Writing a Value to an infallible writer cannot fail.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

/// Replaces each date-time object (see `functions::datetime`) by its `toJSON` text, as
/// `JSON.stringify` does with a Luxon `DateTime`. Functions serialise as `""`, so a
/// date-time is an object with a `toJSON` field and an empty-string `toISO` method.
fn replace_date_times(value: &mut Value) {
    match value {
        Value::Object(object) => {
            let is_date_time = object.get("toISO") == Some(&Value::String(String::new()));
            if let (true, Some(text)) = (is_date_time, object.get("toJSON")) {
                *value = text.clone();
                return;
            }
            object.values_mut().for_each(replace_date_times);
        }
        Value::Array(items) => items.iter_mut().for_each(replace_date_times),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "text": "quote \" slash \\ tab \t bell \u{7} é ✓",
            "numbers": [0, 7, -12, 2.5, -0.125, 1e21, 12345678901234567890u64, i64::MIN],
            "nested": [{"a": null, "b": true, "c": false}, [], {}],
        })
    }

    #[test]
    fn input_size_matches_compact_text() {
        let value = sample();
        let mut size = 0;
        to_engine(&value, &mut size);
        assert_eq!(size, value.to_string().len());
    }

    /// Evaluates `source` with the engine alone, none of Weft's functions bound.
    fn builtin_outcome(source: &str, input: &Value) -> Result<Option<Value>, String> {
        let ast = jsonata_core::parser::parse(source).map_err(|error| error.to_string())?;
        let result = Evaluator::new()
            .evaluate(&ast, &to_engine(input, &mut 0))
            .map_err(|error| error.message().to_string())?;
        Ok(to_json(&result))
    }

    fn weft_outcome(source: &str, input: &Value) -> Result<Option<Value>, String> {
        let limits = Limits::default();
        JsonataCore::evaluate(source, Some(input), &Map::new(), &limits)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn merge_is_replaced_by_the_engine_override() {
        let prelude = build_prelude().expect("prelude builds");
        let bound = prelude.iter().find(|(name, _)| name == "merge");
        assert!(matches!(bound, Some((_, JValue::Builtin { name })) if &**name == "weft:merge"));
    }

    #[test]
    fn merge_override_matches_builtin() {
        let input = json!({
            "records": [{"id": 1, "a": "x", "b": {"c": [1, 2]}}, {"id": 2, "a": "y"}],
            "one": {"k": "v"},
            "nested": [[{"a": 1}], {"b": 2}],
            "mixed": [{"a": 1}, 2],
            "none": [],
        });
        let cases = [
            "$merge([{'a': 1}, {'b': 2, 'a': 3}, {'c': 4}])",
            "$merge({'a': 1})",
            "$merge(one)",
            "$merge(nothing)",
            "$merge([])",
            "$merge(none)",
            "$merge()",
            "$merge(null)",
            "$merge('x')",
            "$merge(1)",
            "$merge([1, {'a': 1}])",
            "$merge(mixed)",
            "$merge([{'a': 1}, null])",
            "$merge({'a': 1}, {'b': 2})",
            "$merge(nested)",
            "$merge([{'a': 1}, $uppercase])",
            "$merge(records)",
            "$merge(records.b)",
            "$merge([{'a': 1}, nothing, {'b': 2}])",
            "records.$merge([$, {'z': a}])",
            "$map(records, function($r) {$merge([$r, {'full': $r.a & '!'}])})",
            "$merge([records[0], records[1], one])",
            "$merge(records[0].b)",
        ];
        for source in cases {
            let weft = weft_outcome(source, &input);
            let builtin = builtin_outcome(source, &input);
            match (&weft, &builtin) {
                (Ok(weft), Ok(builtin)) => assert_eq!(weft, builtin, "{source}"),
                (Err(weft), Err(builtin)) => assert_eq!(weft, builtin, "{source}"),
                _ => panic!("{source}: weft gave {weft:?}, the built-in {builtin:?}"),
            }
        }
    }

    #[test]
    fn merge_override_keeps_key_order() {
        let source = "$merge([{'b': 1, 'a': 2}, {'c': 3, 'b': 4}])";
        let merged = weft_outcome(source, &Value::Null).expect("merge evaluates");
        let keys: Vec<String> = match merged {
            Some(Value::Object(object)) => object.keys().cloned().collect(),
            other => panic!("expected an object, got {other:?}"),
        };
        assert_eq!(keys, ["b", "a", "c"]);
    }

    #[test]
    fn whole_numbers_past_i64_print_as_javascript_does() {
        assert_eq!(
            json_number(12_345_678_901_234_567_890.0),
            json!(12_345_678_901_234_567_000u64)
        );
        assert_eq!(
            json_number(9_223_372_036_854_775_808.0),
            json!(9_223_372_036_854_776_000u64)
        );
        assert_eq!(json_number(-9_223_372_036_854_775_808.0), json!(i64::MIN));
        assert_eq!(json_number(1e20).to_string(), "1e+20");
        assert_eq!(json_number(2.5), json!(2.5));
    }

    #[test]
    fn output_count_matches_compact_text() {
        let value = to_engine(&sample(), &mut 0);
        let mut counted = 0;
        assert!(count_within(&value, usize::MAX, &mut counted));
        assert_eq!(counted, sample().to_string().len());
    }

    #[test]
    fn repeated_shared_value_is_rejected_quickly() {
        let limits = Limits {
            max_output_bytes: 1024 * 1024,
            ..Limits::default()
        };
        let input = json!({"text": "x".repeat(10_000)});
        let outcome = JsonataCore::evaluate("[1..1000000].$$", Some(&input), &Map::new(), &limits);
        assert!(
            matches!(outcome, Err(TransformError::OutputTooLarge { .. })),
            "{outcome:?}"
        );
    }

    #[test]
    fn huge_native_arguments_are_rejected_quickly() {
        let limits = Limits {
            max_output_bytes: 1024 * 1024,
            ..Limits::default()
        };
        let input = json!({"text": "x".repeat(10_000)});
        let source = "$jsonToCsv([1..1000000].$$)";
        let outcome = JsonataCore::evaluate(source, Some(&input), &Map::new(), &limits);
        let message = outcome
            .expect_err("the argument is over the limit")
            .to_string();
        assert!(
            message.contains("$jsonToCsv: arguments take more than"),
            "{message}"
        );
    }

    #[test]
    fn output_size_matches_compact_text() {
        let mut size = Size::unbounded();
        let json = json_sized(&to_engine(&sample(), &mut 0), 0, &mut size);
        assert_eq!(size.bytes(), json.to_string().len());
    }
}
