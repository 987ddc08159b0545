//! `$map` over a large array of records, split across threads.
//!
//! Mapping many records spends its time converting them to engine values, calling the
//! function once per record and converting the results back to JSON. Engine values
//! cannot cross threads, so each thread converts its own slice of the records, maps
//! it in its own evaluator and converts its results. The slices' results are then
//! joined in order.
//!
//! An expression is split only when splitting cannot change its result: the whole
//! expression is `$map(a.b.c, function($r) {...})` where `a.b.c` names fields of
//! objects and reaches an array of objects, and the function's body does not read the
//! evaluation's input. The body is checked without running it. It must not use `$`
//! or a bare field name where the input is the context, nor `$$`, `%`, `$now`,
//! `$millis` or `$eval`. It must not call a function with fewer arguments than it
//! needs, because JSONata then passes the input in their place. Nor may it name such
//! a function as a value, because a later call could give it any number of arguments.
//! Each thread evaluates with an empty object as its input, which the checked body
//! never reads.

use std::num::NonZero;
use std::thread;

use jsonata_core::ast::{AstNode, BinaryOp, PathStep, Stage};
use jsonata_core::evaluator::CancelToken;
use jsonata_core::value::{JArray, JValue};
use serde_json::{Map, Value};

use super::{Size, evaluation_error, evaluator, json_owned, parsed, to_engine};
use crate::transform::EvalResult;
use crate::{Limits, TransformError};

/// Name under which each thread binds its slice of the records.
const SLICE_VARIABLE: &str = "__weft_slice";

/// Prefix of the names [`SLICE_SOURCE`] binds; an expression that uses one is not split.
const RESERVED_PREFIX: &str = "__weft_";

/// The expression each thread evaluates, with the mapped function in place of the
/// first `0`. The slice ends with [`END_MARKS`] zeros that the wrapper returns as they
/// are, so the result always has several items and is never unwrapped to a single one.
/// The function is called in tail position, so its result is not unwrapped either,
/// as when `$map` calls it.
const SLICE_SOURCE: &str = "($__weft_function := 0; $map($__weft_slice, \
    function($__weft_record) { $__weft_record = 0 ? 0 : $__weft_function($__weft_record) }))";

/// How many zeros end each slice.
const END_MARKS: usize = 2;

/// Most threads one evaluation uses.
const MAX_THREADS: usize = 8;

/// Functions whose value is fixed for one evaluation (`$now`, `$millis`), or that
/// read the input (`$eval`), so that separate evaluators could differ.
const PER_EVALUATION: &[&str] = &["now", "millis", "eval"];

/// Built-ins whose first parameter accepts any value and defaults to the input, with
/// the number of arguments below which JSONata passes the input instead. An argument
/// that is present but undefined never does.
const ANY_FROM_INPUT: &[(&str, usize)] = &[
    ("boolean", 1),
    ("keys", 1),
    ("lookup", 2),
    ("not", 1),
    ("spread", 1),
    ("string", 1),
];

/// Functions whose first parameter takes an object and defaults to the input, with
/// their number of parameters: with fewer arguments, a non-object first argument
/// moves to the next parameter and the input takes its place.
const OBJECT_FROM_INPUT: &[(&str, usize)] = &[("each", 2), ("sift", 2)];

/// Evaluates `ast` split across threads, or returns `None` when the expression, the
/// input or the machine does not allow it.
pub(super) fn evaluate(
    ast: &AstNode,
    input: Option<&Value>,
    bindings: &Map<String, Value>,
    limits: &Limits,
    cancel: Option<&CancelToken>,
) -> Option<EvalResult> {
    let (path, function) = map_call(ast)?;
    let reserved = |name: &String| name == "map" || name.starts_with(RESERVED_PREFIX);
    if bindings.keys().any(reserved) {
        return None;
    }
    let records = follow(input?, &path)?;
    if records.len() < limits.parallel_min_items || !records.iter().all(Value::is_object) {
        return None;
    }
    // One thread fails on a sequence longer than the limit, where a slice with its end
    // marks might not. Such an evaluation runs on one thread, so it fails there.
    if records.len() + END_MARKS > limits.max_sequence_length {
        return None;
    }
    let threads = thread::available_parallelism()
        .map_or(1, NonZero::get)
        .min(MAX_THREADS)
        .min(records.len());
    if threads < 2 {
        return None;
    }
    let slice_ast = slice_ast(function)?;
    match map_split(&slice_ast, records, threads, bindings, limits, cancel) {
        // Each slice runs the function one or two levels deeper than `$map` alone
        // would, so a depth error may be the split's own. The same evaluation on one
        // thread gives the true outcome.
        Err(error) if matches!(error.code(), Some("D1011" | "U1001")) => None,
        outcome => Some(outcome),
    }
}

/// Returns [`SLICE_SOURCE`] with `function` in place.
fn slice_ast(function: &AstNode) -> Option<AstNode> {
    let mut ast = AstNode::clone(&*parsed(SLICE_SOURCE).ok()?);
    let AstNode::Block(items) = &mut ast else {
        return None;
    };
    let Some(AstNode::Binary {
        op: BinaryOp::ColonEqual,
        rhs,
        ..
    }) = items.first_mut()
    else {
        return None;
    };
    **rhs = function.clone();
    Some(ast)
}

/// Returns the field path and the function of `$map(path, function($x) {...})` when
/// the function's body does not read the input.
fn map_call(ast: &AstNode) -> Option<(Vec<&str>, &AstNode)> {
    let AstNode::Function { name, args, .. } = ast else {
        return None;
    };
    let [source, function] = args.as_slice() else {
        return None;
    };
    let AstNode::Lambda {
        params,
        body,
        signature: None,
        ..
    } = function
    else {
        return None;
    };
    let independent = name == "map" && params.len() == 1 && reads_no_input(body, true);
    independent.then_some((field_path(source)?, function))
}

/// Returns the field names of a path made only of plain field names.
fn field_path(node: &AstNode) -> Option<Vec<&str>> {
    let AstNode::Path { steps } = node else {
        return None;
    };
    let names = steps.iter().map(|step| match &step.node {
        AstNode::Name(name) if plain(step) && step.stages.is_empty() => Some(name.as_str()),
        _ => None,
    });
    names.collect()
}

/// Returns the array that `path` reaches from `input` through objects only.
fn follow<'a>(input: &'a Value, path: &[&str]) -> Option<&'a [Value]> {
    let mut current = input;
    for name in path {
        current = current.as_object()?.get(*name)?;
    }
    current.as_array().map(Vec::as_slice)
}

/// Checks that a path step binds nothing and is not part of a tuple stream.
fn plain(step: &PathStep) -> bool {
    step.focus.is_none()
        && step.index_var.is_none()
        && step.ancestor_label.is_none()
        && !step.is_tuple
        && !step.inner_tuple
}

/// Checks that evaluating `node` never reads the evaluation's input. `at_input` is
/// true where the context is the input (as in a function body) and false where it is
/// an item that a path step reached.
fn reads_no_input(node: &AstNode, at_input: bool) -> bool {
    let all = |nodes: &[AstNode]| nodes.iter().all(|node| reads_no_input(node, at_input));
    match node {
        AstNode::String(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Placeholder
        | AstNode::Regex { .. } => true,
        AstNode::Variable(name) => {
            !(name.is_empty() && at_input
                || name.starts_with(RESERVED_PREFIX)
                || reads_input_when_short(name))
        }
        AstNode::Name(_) | AstNode::Wildcard | AstNode::Descendant => !at_input,
        AstNode::Path { steps } => path_reads_no_input(steps, at_input),
        AstNode::Binary { op, lhs, rhs } => binary_reads_no_input(*op, lhs, rhs, at_input),
        AstNode::Unary { operand, .. } => reads_no_input(operand, at_input),
        AstNode::Function { name, args, .. } => {
            call_reads_no_input(name, given(args), at_input) && all(args)
        }
        AstNode::Call { procedure, args } => reads_no_input(procedure, at_input) && all(args),
        // A function's body runs with the context where the function was defined.
        AstNode::Lambda {
            body, signature, ..
        } => signature.is_none() && reads_no_input(body, at_input),
        AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => all(items),
        AstNode::Object(pairs) => pairs
            .iter()
            .all(|(key, value)| reads_no_input(key, at_input) && reads_no_input(value, at_input)),
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => {
            reads_no_input(condition, at_input)
                && reads_no_input(then_branch, at_input)
                && else_branch
                    .as_deref()
                    .is_none_or(|branch| reads_no_input(branch, at_input))
        }
        AstNode::FunctionApplication(inner) => reads_no_input(inner, at_input),
        AstNode::ParentVariable(_)
        | AstNode::Parent(_)
        | AstNode::ObjectTransform { .. }
        | AstNode::Sort { .. }
        | AstNode::Transform { .. } => false,
    }
}

/// Checks a path: its first step reads from the context, while later steps and all
/// predicates read from the items that the steps before them reached.
fn path_reads_no_input(steps: &[PathStep], at_input: bool) -> bool {
    let Some((first, rest)) = steps.split_first() else {
        return true;
    };
    let first_node = match &first.node {
        // A quoted first step may name a field of the context.
        AstNode::String(_) => !at_input,
        node => reads_no_input(node, at_input),
    };
    let step_ok = |step: &PathStep| {
        plain(step)
            && step.stages.iter().all(|stage| match stage {
                Stage::Filter(predicate) => reads_no_input(predicate, false),
                Stage::KeepArray | Stage::Index(_) => true,
            })
    };
    first_node
        && step_ok(first)
        && rest
            .iter()
            .all(|step| step_ok(step) && reads_no_input(&step.node, false))
}

/// `lhs ~> $f(args)` calls `$f` with `lhs` first, so the call has one more argument,
/// and `lhs ~> $f` calls it with `lhs` alone.
fn binary_reads_no_input(op: BinaryOp, lhs: &AstNode, rhs: &AstNode, at_input: bool) -> bool {
    let right = match (op, rhs) {
        (BinaryOp::ChainPipe, AstNode::Function { name, args, .. }) => {
            call_reads_no_input(name, given(args) + 1, at_input)
                && args.iter().all(|arg| reads_no_input(arg, at_input))
        }
        (BinaryOp::ChainPipe, AstNode::Variable(name)) if !name.is_empty() => {
            !name.starts_with(RESERVED_PREFIX) && call_reads_no_input(name, 1, at_input)
        }
        _ => reads_no_input(rhs, at_input),
    };
    right && reads_no_input(lhs, at_input)
}

/// Counts the arguments of a call that are given now: a `?` placeholder of a partial
/// application is filled later, by a call whose arguments the check cannot count.
fn given(args: &[AstNode]) -> usize {
    let placeholder = |arg: &&AstNode| matches!(arg, AstNode::Placeholder);
    args.iter().filter(|arg| !placeholder(arg)).count()
}

/// Checks whether `name` is a built-in that reads the input, always or when given
/// too few arguments. Named as a value (`$f := $keys`, `$r.($lookup)`) rather than
/// called by its name, such a function can be called anywhere with any number of
/// arguments, where the input is the context, so the check cannot clear it.
fn reads_input_when_short(name: &str) -> bool {
    PER_EVALUATION.contains(&name)
        || ANY_FROM_INPUT
            .iter()
            .chain(OBJECT_FROM_INPUT)
            .any(|(function, _)| *function == name)
}

/// Checks that calling the function `name` with `count` arguments leaves the input out.
fn call_reads_no_input(name: &str, count: usize, at_input: bool) -> bool {
    if PER_EVALUATION.contains(&name) {
        return false;
    }
    if !at_input {
        return true;
    }
    let needed = ANY_FROM_INPUT
        .iter()
        .chain(OBJECT_FROM_INPUT)
        .find(|(function, _)| *function == name)
        .map_or(0, |(_, needed)| *needed);
    count >= needed
}

/// The output of one thread: its results as JSON and the sizes it measured.
struct Slice {
    results: Vec<Value>,
    input_bytes: usize,
    output_bytes: usize,
}

/// Maps `records` in `threads` slices, the first on this thread, and joins the
/// results in order. The first failing slice's error is the outcome, as it would be
/// for the whole array.
fn map_split(
    slice_ast: &AstNode,
    records: &[Value],
    threads: usize,
    bindings: &Map<String, Value>,
    limits: &Limits,
    cancel: Option<&CancelToken>,
) -> EvalResult {
    let size = records.len().div_ceil(threads);
    let slices: Vec<Result<Slice, TransformError>> = thread::scope(|scope| {
        let mut chunks = records.chunks(size);
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks
            .map(|chunk| scope.spawn(|| map_slice(slice_ast, chunk, bindings, limits, cancel)))
            .collect();
        let mut slices = vec![map_slice(slice_ast, first, bindings, limits, cancel)];
        slices.extend(others.into_iter().map(|handle| {
            handle.join().unwrap_or_else(|payload| {
                Err(TransformError::EnginePanic {
                    message: crate::transform::panic_message(payload.as_ref()),
                })
            })
        }));
        slices
    });
    join(slices, records.len(), limits)
}

/// Converts `records`, maps them with `slice_ast` and converts the results.
fn map_slice(
    slice_ast: &AstNode,
    records: &[Value],
    bindings: &Map<String, Value>,
    limits: &Limits,
    cancel: Option<&CancelToken>,
) -> Result<Slice, TransformError> {
    let mut input_bytes = 0;
    let mut items: Vec<JValue> = records
        .iter()
        .map(|record| to_engine(record, &mut input_bytes))
        .collect();
    if input_bytes > limits.max_input_bytes {
        return Err(TransformError::InputTooLarge {
            size: input_bytes,
            limit: limits.max_input_bytes,
        });
    }

    items.extend(std::iter::repeat_n(JValue::Number(0.0), END_MARKS));
    let slice = JValue::Array(JArray::new_flat(items, true));
    let mut evaluator = evaluator(bindings, Some((SLICE_VARIABLE, slice)), limits, cancel)?;
    let empty = JValue::object(Default::default());
    let result = evaluator
        .evaluate(slice_ast, &empty)
        .map_err(evaluation_error)?;
    drop(evaluator);

    let JValue::Array(items) = result else {
        let message = "split $map returned no array of results".to_string();
        return Err(TransformError::EnginePanic { message });
    };
    let mut items = items.into_vec();
    items.truncate(items.len().saturating_sub(END_MARKS));

    let mut size = Size::within(limits.max_output_bytes);
    let results = items
        .into_iter()
        .map_while(|item| (!size.over()).then(|| json_owned(item, 1, &mut size)))
        .collect();
    if size.over() {
        return Err(TransformError::OutputTooLarge {
            limit: limits.max_output_bytes,
        });
    }
    let output_bytes = size.bytes();
    Ok(Slice {
        results,
        input_bytes,
        output_bytes,
    })
}

/// Joins the slices' results as `$map` over the whole array gives them: no value for
/// no results, the value itself for one, an array for more.
fn join(slices: Vec<Result<Slice, TransformError>>, records: usize, limits: &Limits) -> EvalResult {
    let slices = slices.into_iter().collect::<Result<Vec<_>, _>>()?;
    let item_bytes: usize = slices.iter().map(|slice| slice.input_bytes).sum();
    let input_bytes = 2 + records.saturating_sub(1) + item_bytes;
    if input_bytes > limits.max_input_bytes {
        return Err(TransformError::InputTooLarge {
            size: input_bytes,
            limit: limits.max_input_bytes,
        });
    }

    let count: usize = slices.iter().map(|slice| slice.results.len()).sum();
    let result_bytes: usize = slices.iter().map(|slice| slice.output_bytes).sum();
    // No result is no output, which one thread returns without measuring.
    let output_bytes = match count {
        0 => 0,
        1 => result_bytes,
        _ => 2 + count.saturating_sub(1) + result_bytes,
    };
    if output_bytes > limits.max_output_bytes {
        return Err(TransformError::OutputTooLarge {
            limit: limits.max_output_bytes,
        });
    }

    let mut results = Vec::with_capacity(count);
    for slice in slices {
        results.extend(slice.results);
    }
    Ok(match count {
        0 => None,
        1 => results.pop(),
        _ => Some(Value::Array(results)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, JsonataCore};
    use serde_json::json;

    /// Returns 40 records of mixed shapes, so that every slice contains several kinds.
    fn records() -> Value {
        let records: Vec<Value> = (0..40)
            .map(|n| {
                json!({
                    "id": n,
                    "name": format!("record {n}"),
                    "tags": (0..n % 4).map(|t| format!("t{t}")).collect::<Vec<_>>(),
                    "items": [{"name": "a", "price": n}, {"name": "b", "price": 20 - n}],
                    "flag": n % 3 == 0,
                    "note": if n % 5 == 0 { Value::Null } else { json!(format!("n{n}")) },
                })
            })
            .collect();
        json!({"name": "root", "data": {"records": records}})
    }

    /// Evaluates `source` split into slices and on one thread; the outcomes must
    /// be equal, and the split one must have been split.
    fn check_same(source: &str, bindings: &Map<String, Value>) {
        let input = records();
        let ast = parsed(source).expect("test expression parses");
        let split_limits = Limits {
            parallel_min_items: 2,
            ..Limits::default()
        };
        let split = evaluate(&ast, Some(&input), bindings, &split_limits, None)
            .unwrap_or_else(|| panic!("{source} was not split"));
        let single_limits = Limits {
            parallel_min_items: usize::MAX,
            ..Limits::default()
        };
        let single = JsonataCore::evaluate(source, Some(&input), bindings, &single_limits);
        match (&split, &single) {
            (Ok(split), Ok(single)) => assert_eq!(split, single, "{source}"),
            (Err(split), Err(single)) => {
                assert_eq!(split.to_string(), single.to_string(), "{source}")
            }
            _ => panic!("{source}: split gave {split:?}, one thread {single:?}"),
        }
    }

    #[test]
    fn split_results_match_one_thread() {
        let mut bindings = Map::new();
        bindings.insert("extra".to_string(), json!("x"));
        let sources = [
            "$map(data.records, function($r) {$merge([$r, {'label': $r.name & '!'}])})",
            "$map(data.records, function($r) { $r.tags })",
            "$map(data.records, function($r) { $r.tags[0] })",
            "$map(data.records, function($r) { [$r.id] })",
            "$map(data.records, function($r) { $r.id = 25 ? [$r.id, 'only'] : undefined })",
            "$map(data.records, function($r) { $r.id = 3 ? {'one': $r.name} })",
            "$map(data.records, function($r) { $r.nothing })",
            "$map(data.records, function($r) { $r.items[price > 10].(name & ':' & price) })",
            "$map(data.records, function($r) { $r ~> $sift(function($v) { $type($v) = 'string' }) })",
            "$map(data.records, function($r) { $string($r.id) & $lookup($r, 'name') & $extra })",
            "$map(data.records, function($r) { $each($r.items[0], function($v, $k) { $k }) })",
            "$map(data.records, function($r) { $r.flag ? $uppercase($r.name) : $count($r.tags) })",
            "$map(data.records, function($r) { $map($r.tags, function($t) { $t & '?' }) })",
            "$map(data.records, function($r) { $r.{ 'id': id, 'whole': $ } })",
            "$map(data.records, function($r) { $r.id / 4 })",
            "$map(data.records, function($r) { $r.id = 30 ? $error('stop at 30') : $r.id })",
            "$map(data.records, function($r) { $r.id >= 7 ? $error('stop at ' & $r.id) : $r.id })",
            "$map(data.records, function($r) { $r.note ~> $uppercase })",
            "$map(data.records, function($r) { $r.id & $r.missing.deeper })",
            "$map(data.records, function($r) { $sum($r.items.price) + $count($r.tags) })",
            "$map(data.records, function($r) { $join($r.tags, '-') })",
            "$map(data.records, function($r) { $keys($r) ~> $filter(function($k) { $length($k) > 4 }) })",
            "$map(data.records, function($r) { $spread($r.items[0]) })",
            "$map(data.records, function($r) { {$r.name: $r.id, 'tags': $r.tags} })",
            "$map(data.records, function($r) { $reduce($r.items, function($a, $i) { $a + $i.price }, 0) })",
            "$map(data.records, function($r) { $sort($r.items, function($a, $b) { $a.price > $b.price }).name })",
            "$map(data.records, function($r) { $replace($r.name, /(\\d+)/, '#$1') })",
            "$map(data.records, function($r) { $match($r.name, /\\d/).match })",
            "$map(data.records, function($r) { $firstNonEmpty($r.note, $r.name) })",
            "$map(data.records, function($r) { $dtFromIso('2024-03-10T12:00:00Z').plus({'days': $r.id}).toISO() })",
            "$map(data.records, function($r) { $r.items[0].price < 0 ? $number('x') : $r.id })",
            "$map(data.records, function($r) { $base64encode($r.name) })",
            "$map(data.records, function($r) { $r.tags[] })",
            "$map(data.records, function($r) { $r.items.name })",
            "$map(data.records, function($r) { $r.flag })",
        ];
        for source in sources {
            check_same(source, &bindings);
        }
    }

    #[test]
    fn split_keeps_size_limits() {
        let input = records();
        let source = "$map(data.records, function($r) { $r })";
        let ast = parsed(source).expect("test expression parses");
        let limits = Limits {
            parallel_min_items: 2,
            max_output_bytes: 100,
            ..Limits::default()
        };
        let outcome = evaluate(&ast, Some(&input), &Map::new(), &limits, None);
        assert!(matches!(
            outcome,
            Some(Err(TransformError::OutputTooLarge { .. }))
        ));
        let limits = Limits {
            parallel_min_items: 2,
            max_input_bytes: 100,
            ..Limits::default()
        };
        let outcome = evaluate(&ast, Some(&input), &Map::new(), &limits, None);
        assert!(matches!(
            outcome,
            Some(Err(TransformError::InputTooLarge { .. }))
        ));
    }

    #[test]
    fn short_or_mixed_arrays_not_split() {
        let source = "$map(data.records, function($r) { $r.id })";
        let ast = parsed(source).expect("test expression parses");
        let limits = Limits {
            parallel_min_items: 41,
            ..Limits::default()
        };
        assert!(evaluate(&ast, Some(&records()), &Map::new(), &limits, None).is_none());
        let limits = Limits {
            parallel_min_items: 2,
            ..Limits::default()
        };
        let mixed = json!({"data": {"records": [{"id": 1}, 2, {"id": 3}]}});
        assert!(evaluate(&ast, Some(&mixed), &Map::new(), &limits, None).is_none());
        let nested = json!({"data": [{"records": [{"id": 1}, {"id": 2}]}]});
        assert!(evaluate(&ast, Some(&nested), &Map::new(), &limits, None).is_none());
        let mut bindings = Map::new();
        bindings.insert("map".to_string(), json!(1));
        assert!(evaluate(&ast, Some(&records()), &bindings, &limits, None).is_none());
    }

    fn splits(source: &str) -> bool {
        let ast = jsonata_core::parser::parse(source).expect("test expression parses");
        map_call(&ast).is_some_and(|(_, function)| slice_ast(function).is_some())
    }

    #[test]
    fn record_only_functions_split() {
        let split = [
            "$map(records, function($r) {$merge([$r, {'full_name': $r.first_name & ' ' & $r.last_name}])})",
            "$map(data.records, function($r) { $r.tags[0] })",
            "$map(records, function($r) { $r.items[price > 10].(name & ':' & price) })",
            "$map(records, function($r) { $r ~> $sift(function($v) { $v }) })",
            "$map(records, function($r) { $string($r.id) & $lookup($r, 'a') })",
            "$map(records, function($r) { $each($r, function($v, $k) { $k }) })",
            "$map(records, function($r) { ($x := $r.a; $x ? $uppercase($x) : $count($r.tags)) })",
            "$map(records, function($r) { $map($r.tags, function($t) { $t & '!' }) })",
            "$map(records, function($r) { $r.{ 'id': id, 'n': $ } })",
            "$map(records, function($r) { $extra & $r.id })",
        ];
        for source in split {
            assert!(splits(source), "{source}");
        }
    }

    #[test]
    fn input_reading_functions_not_split() {
        let kept = [
            "$map(records, function($r) { $r.id & $ })",
            "$map(records, function($r) { $r.id & $$.name })",
            "$map(records, function($r) { name })",
            "$map(records, function($r) { $r.id & $string() })",
            "$map(records, function($r) { $lookup('name') })",
            "$map(records, function($r) { $sift(function($v) { $v }) })",
            "$map(records, function($r) { $each(function($v) { $v }) })",
            "$map(records, function($r) { $now() })",
            "$map(records, function($r) { $eval('name') })",
            "$map(records, function($r, $i) { $i })",
            "$map(records, function($r)<o:o> { $r })",
            "$map(records[0], function($r) { $r })",
            "$map(records, function($r) { $__weft_slice })",
            "$map(records, function($r) { $r^(id) })",
            "$count($map(records, function($r) { $r }))",
            "$map(records, function($r) { \"name\".x })",
            "$map(records, function($r) { $r.id @ $x })",
        ];
        for source in kept {
            assert!(!splits(source), "{source}");
        }
    }
}
