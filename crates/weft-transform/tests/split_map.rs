//! Checks that splitting `$map(path, function($r) {...})` across threads never changes
//! the outcome. Random function bodies from a grammar of JSONata constructs run on
//! random records twice: with `parallel_min_items: 2` (split where the check allows)
//! and with `usize::MAX` (one thread). The results or error messages must be equal. Hand-written cases pin the bodies that once gave different outcomes.
//!
//! Whether an evaluation was split is seen through the input limit, which a split
//! evaluation applies to the records alone (see the transforms guide): with a limit
//! just below the whole input, only a split evaluation gets past it.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};
use weft_transform::{Limits, Transform, TransformError};

/// An evaluation's outcome, with errors as their messages.
type Outcome = Result<Option<Value>, String>;

/// Evaluates `source` against `input` with the given split threshold.
fn outcome(source: &str, input: &Value, parallel_min_items: usize) -> Outcome {
    let limits = Limits {
        parallel_min_items,
        ..Limits::default()
    };
    Transform::compile(source)
        .and_then(|transform| transform.evaluate_with(input, &Map::new(), &limits))
        .map_err(|error| error.to_string())
}

/// Returns the outcome split and on one thread, in that order.
fn both_ways(source: &str, input: &Value) -> (Outcome, Outcome) {
    (
        outcome(source, input, 2),
        outcome(source, input, usize::MAX),
    )
}

/// Checks whether evaluating `source` on `input` is split, by giving it an input
/// limit that only the records fit under.
fn is_split(source: &str, input: &Value) -> bool {
    let whole = input.to_string().len();
    let limits = Limits {
        parallel_min_items: 2,
        max_input_bytes: whole - 1,
        ..Limits::default()
    };
    let outcome = Transform::compile(source)
        .and_then(|transform| transform.evaluate_with(input, &Map::new(), &limits));
    !matches!(outcome, Err(TransformError::InputTooLarge { .. }))
}

/// Wraps `records` in an input whose other fields would show up in a result that
/// read the input. The top level has the records' field names, and a padding field
/// makes the records clearly smaller than the whole input.
fn document(records: Vec<Value>) -> Value {
    json!({
        "name": "root",
        "id": -1,
        "tags": ["top"],
        "items": [{"name": "top", "price": 1000}],
        "x": "top",
        "pad": "p".repeat(200),
        "data": {"records": records},
    })
}

/// Wraps a function body in the `$map` call that may be split.
fn map_over(body: &str) -> String {
    format!("$map(data.records, function($r) {{ {body} }})")
}

/// 40 records of mixed shapes, for the hand-written cases.
fn fixed_records() -> Value {
    let records = (0..40)
        .map(|n| {
            let mut record = json!({
                "id": n,
                "tags": (0..n % 4).map(|t| format!("t{t}")).collect::<Vec<_>>(),
                "items": [{"name": "a", "price": n}, {"name": "b", "price": 20 - n}],
                "flag": n % 3 == 0,
                "note": if n % 5 == 0 { Value::Null } else { json!(format!("n{n}")) },
            });
            if n % 7 != 0 {
                record["name"] = json!(format!("record {n}"));
            }
            record
        })
        .collect();
    document(records)
}

// ---------------------------------------------------------------------------
// Generated records

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-20i64..40).prop_map(Value::from),
        (-100.0f64..100.0).prop_map(|n| json!((n * 4.0).round() / 4.0)),
        "[a-c]{0,3}".prop_map(Value::from),
    ]
}

fn item() -> impl Strategy<Value = Value> {
    (
        prop::option::of("[a-c]{1,2}"),
        prop::option::of(scalar()),
        prop::option::of(prop::collection::vec(scalar(), 0..3)),
    )
        .prop_map(|(name, price, list)| {
            let mut item = Map::new();
            if let Some(name) = name {
                item.insert("name".into(), name.into());
            }
            if let Some(price) = price {
                item.insert("price".into(), price);
            }
            if let Some(list) = list {
                item.insert("list".into(), list.into());
            }
            Value::Object(item)
        })
}

/// Returns one record: every field may be missing, and most take several types.
fn record() -> impl Strategy<Value = Value> {
    let tags = prop::collection::vec("t[0-3]", 0..4).prop_map(Value::from);
    let items = prop::collection::vec(item(), 0..4).prop_map(Value::from);
    let nested = prop::collection::vec(prop::collection::vec(0i64..5, 0..3), 0..3)
        .prop_map(|rows| json!(rows));
    (
        prop::option::of(0i64..30),
        prop::option::of(prop_oneof!["record [0-9]".prop_map(Value::from), scalar()]),
        prop::option::of(prop_oneof![tags, scalar()]),
        prop::option::of(prop_oneof![4 => items, 1 => item(), 1 => scalar()]),
        prop::option::of(any::<bool>()),
        prop::option::of(nested),
        prop::option::of((item(), scalar())),
    )
        .prop_map(|(id, name, tags, items, flag, grid, obj)| {
            let mut record = Map::new();
            let fields = [
                ("id", id.map(Value::from)),
                ("name", name),
                ("tags", tags),
                ("items", items),
                ("flag", flag.map(Value::from)),
                ("grid", grid),
                (
                    "obj",
                    obj.map(|(inner, note)| json!({"inner": inner, "note": note})),
                ),
            ];
            for (key, value) in fields {
                if let Some(value) = value {
                    record.insert(key.into(), value);
                }
            }
            Value::Object(record)
        })
}

fn records() -> impl Strategy<Value = Value> {
    prop::collection::vec(record(), 2..60).prop_map(document)
}

// ---------------------------------------------------------------------------
// Generated function bodies

/// Field names of the records and their items, and some that never occur.
const FIELDS: &[&str] = &[
    "id", "name", "tags", "items", "flag", "grid", "obj", "inner", "note", "price", "list",
    "missing",
];

/// Variables: the record, the parameters of nested lambdas, block variables and
/// one never bound. An unbound variable is undefined in both evaluations.
const VARIABLES: &[&str] = &["$r", "$v", "$k", "$a", "$x", "$nothing"];

/// Functions called from the grammar with one argument and with two (the second
/// often a literal).
const UNARY: &[&str] = &[
    "$string",
    "$keys",
    "$count",
    "$sum",
    "$uppercase",
    "$exists",
    "$type",
    "$boolean",
    "$not",
    "$spread",
    "$length",
    "$number",
    "$reverse",
    "$distinct",
    "$lowercase",
    "$trim",
    "$max",
    "$abs",
    "$floor",
    "$values",
    "$flatten",
    "$compact",
];
const BINARY: &[&str] = &[
    "$lookup",
    "$merge",
    "$append",
    "$join",
    "$substring",
    "$contains",
    "$split",
    "$string",
    "$round",
    "$pad",
    "$zip",
    "$firstNonEmpty",
    "$pick",
    "$omit",
];

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(options).prop_map(str::to_string)
}

fn literal() -> BoxedStrategy<String> {
    prop_oneof![
        (-3i64..25).prop_map(|n| n.to_string()),
        Just("2.5".to_string()),
        "[a-c ]{0,3}".prop_map(|text| format!("'{text}'")),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("null".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("[1, 'two', null]".to_string()),
        Just("{'a': 1, 'b': [2, 3]}".to_string()),
    ]
    .boxed()
}

/// Returns paths from a variable: field names, then predicates, indexes and `[]`.
fn record_path() -> BoxedStrategy<String> {
    let stage = prop_oneof![
        6 => pick(FIELDS).prop_map(|name| format!(".{name}")),
        1 => (-2i64..3).prop_map(|n| format!("[{n}]")),
        1 => Just("[]".to_string()),
        1 => Just("[price > 5]".to_string()),
        1 => Just("[name = 'a']".to_string()),
        1 => Just("[$exists(price)]".to_string()),
        1 => Just("[$type($) = 'string']".to_string()),
        1 => Just("[0][0]".to_string()),
        1 => Just("[-1]".to_string()),
    ];
    let first = pick(FIELDS).prop_map(|name| format!(".{name}"));
    let start = prop_oneof![
        6 => first.prop_map(|field| format!("$r{field}")),
        1 => Just("$r".to_string()),
        2 => pick(VARIABLES),
    ];
    (start, prop::collection::vec(stage, 0..3))
        .prop_map(|(start, stages)| format!("{start}{}", stages.concat()))
        .boxed()
}

/// Expressions valid where the context is an item a path step reached: bare field
/// names, `$` and the steps' own predicates.
fn item_leaf() -> BoxedStrategy<String> {
    prop_oneof![
        pick(FIELDS),
        Just("$".to_string()),
        Just("$string($)".to_string()),
        Just("$keys()".to_string()),
        Just("$string()".to_string()),
        Just("$lookup('name')".to_string()),
        Just("items[price > 2].name".to_string()),
        Just("$count(tags)".to_string()),
        Just("name & ':' & price".to_string()),
    ]
    .boxed()
}

/// One level of the grammar: expressions where the context is the input (what a
/// function body may hold) and expressions where it is an item.
#[derive(Clone)]
struct Level {
    body: BoxedStrategy<String>,
    item: BoxedStrategy<String>,
}

fn leaves() -> Level {
    let body = prop_oneof![3 => record_path(), 1 => literal()].boxed();
    let item = prop_oneof![2 => item_leaf(), 1 => body.clone()].boxed();
    Level { body, item }
}

/// Returns the grammar one level deeper than `inner`.
fn deeper(inner: &Level) -> Level {
    let body = inner.body.clone();
    let item = inner.item.clone();
    let composite = prop_oneof![
        steps(&body, &item),
        calls(&body),
        higher_order(&body),
        control(&body),
    ];
    let body = prop_oneof![1 => inner.body.clone(), 3 => composite].boxed();
    let item = prop_oneof![
        2 => inner.item.clone(),
        1 => (item.clone(), body.clone()).prop_map(|(a, b)| format!("({a}) & ({b})")),
        1 => body.clone(),
    ]
    .boxed();
    Level { body, item }
}

/// `.`-steps from a path: blocks, objects and arrays evaluated per item.
fn steps(body: &BoxedStrategy<String>, item: &BoxedStrategy<String>) -> BoxedStrategy<String> {
    let path = record_path();
    prop_oneof![
        (path.clone(), item.clone()).prop_map(|(p, i)| format!("{p}.({i})")),
        (path.clone(), item.clone(), body.clone())
            .prop_map(|(p, i, b)| format!("{p}.{{'k': {i}, 'b': {b}}}")),
        (path.clone(), item.clone()).prop_map(|(p, i)| format!("{p}.[{i}, 1]")),
        (path.clone(), item.clone()).prop_map(|(p, i)| format!("{p}[{i}]")),
        (path.clone(), item.clone()).prop_map(|(p, i)| format!("{p}.{{name: {i}}}")),
        (path, item.clone()).prop_map(|(p, i)| format!("$r.items.(($x := {i}; {p}))")),
    ]
    .boxed()
}

/// Calls with one, two and three arguments, `~>` chains and operators.
fn calls(body: &BoxedStrategy<String>) -> BoxedStrategy<String> {
    let operator = pick(&[
        "+", "-", "*", "/", "%", "&", "=", "!=", "<", ">=", "and", "or", "in", "??", "?:",
    ]);
    prop_oneof![
        (pick(UNARY), body.clone()).prop_map(|(f, a)| format!("{f}({a})")),
        (pick(BINARY), body.clone(), body.clone()).prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
        (pick(BINARY), body.clone(), literal()).prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
        (body.clone(), pick(UNARY)).prop_map(|(a, f)| format!("{a} ~> {f}")),
        (body.clone(), pick(UNARY)).prop_map(|(a, f)| format!("{a} ~> {f}()")),
        (body.clone(), pick(BINARY), literal()).prop_map(|(a, f, b)| format!("{a} ~> {f}({b})")),
        (body.clone(), operator, body.clone()).prop_map(|(a, op, b)| format!("({a}) {op} ({b})")),
        (body.clone(), body.clone()).prop_map(|(a, b)| format!("[{a}, {b}]")),
        (body.clone(), body.clone()).prop_map(|(a, b)| format!("{{'one': {a}, 'two': {b}}}")),
        body.clone()
            .prop_map(|a| format!("$substring($string({a}), 1, 2)")),
        body.clone().prop_map(|a| format!("-({a})")),
    ]
    .boxed()
}

/// Higher-order functions with nested lambdas, whose bodies may use the record.
fn higher_order(body: &BoxedStrategy<String>) -> BoxedStrategy<String> {
    let list = prop_oneof![record_path(), body.clone()];
    prop_oneof![
        (list.clone(), body.clone())
            .prop_map(|(l, b)| format!("$map({l}, function($v) {{ {b} }})")),
        (list.clone(), body.clone())
            .prop_map(|(l, b)| format!("$map({l}, function($v, $k) {{ [$k, {b}] }})")),
        (list.clone(), body.clone())
            .prop_map(|(l, b)| format!("$filter({l}, function($v) {{ {b} }})")),
        (list.clone(), body.clone(), literal())
            .prop_map(|(l, b, s)| format!("$reduce({l}, function($a, $v) {{ {b} }}, {s})")),
        (list.clone(), body.clone())
            .prop_map(|(l, b)| format!("$reduce({l}, function($a, $v) {{ [$a, {b}] }})")),
        list.clone().prop_map(|l| format!("$sort({l})")),
        list.clone()
            .prop_map(|l| format!("$sort({l}, function($a, $v) {{ $a > $v }})")),
        (list.clone(), body.clone())
            .prop_map(|(l, b)| format!("$each({l}, function($v, $k) {{ $k & {b} }})")),
        (list.clone(), body.clone())
            .prop_map(|(l, b)| format!("$sift({l}, function($v) {{ {b} }})")),
        (list.clone(), body.clone())
            .prop_map(|(l, b)| format!("{l} ~> $sift(function($v, $k) {{ {b} }})")),
        (list.clone(), body.clone())
            .prop_map(|(l, b)| format!("{l} ~> $map(function($v) {{ {b} }})")),
        (list, body.clone()).prop_map(|(l, b)| format!("(function($v) {{ {b} }})({l})")),
        body.clone()
            .prop_map(|b| format!("($f := function($v) {{ {b} }}; $f($r) & $f($r.id))")),
    ]
    .boxed()
}

/// Conditionals, blocks with variables, errors on some records and undefined.
fn control(body: &BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop_oneof![
        (body.clone(), body.clone(), body.clone())
            .prop_map(|(c, a, b)| format!("({c}) ? ({a}) : ({b})")),
        (body.clone(), body.clone()).prop_map(|(c, a)| format!("({c}) ? ({a})")),
        (body.clone(), body.clone()).prop_map(|(x, b)| format!("($x := {x}; {b})")),
        (body.clone(), 2i64..9).prop_map(|(b, m)| {
            format!("$r.id % {m} = 1 ? $error('failed at ' & $r.id) : ({b})")
        }),
        body.clone()
            .prop_map(|b| format!("$exists($r.flag) ? ({b}) : $error()")),
        body.clone()
            .prop_map(|b| format!("$r.flag ? undefined : ({b})")),
        body.clone()
            .prop_map(|b| format!("$r.id > 20 ? [] : [({b})]")),
        body.clone().prop_map(|b| format!("$type({b})")),
    ]
    .boxed()
}

/// Function bodies that read only the record, in the main most of the time.
fn split_body() -> BoxedStrategy<String> {
    let mut level = leaves();
    for _ in 0..3 {
        level = deeper(&level);
    }
    level.body
}

/// Bodies that read the input, which must not be split.
fn input_body() -> BoxedStrategy<String> {
    let reader = pick(&[
        "$",
        "$.name",
        "$$",
        "$$.x",
        "name",
        "x",
        "$string()",
        "$keys()",
        "$lookup('x')",
        "$sift(function($v) { $v })",
        "$each(function($v, $k) { $k })",
        "$spread()",
        "($f := $keys; $f())",
        "($f := $lookup; $f('x'))",
        "($f := $r.($keys); $f())",
        "$map([1], function($v) { $keys() })",
        "'$$.x' ~> $eval",
    ]);
    (reader, split_body(), any::<bool>())
        .prop_map(|(reader, body, first)| match first {
            true => format!("[{reader}, {body}]"),
            false => format!("({body}) & $string({reader})"),
        })
        .boxed()
}

/// What a run of generated cases saw.
#[derive(Default)]
struct Tally {
    split: u32,
    values: u32,
    errors: u32,
}

/// Returns the cases per run of generated bodies; `SPLIT_MAP_CASES` sets another number.
fn case_count(default: u32) -> u32 {
    std::env::var("SPLIT_MAP_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default)
}

/// Runs `cases` random pairs of a body and records and checks that both ways give
/// the same outcome. With `expect_split`, also checks whether the body was split.
fn compare_generated(
    bodies: BoxedStrategy<String>,
    cases: u32,
    expect_split: Option<bool>,
) -> Result<Tally, String> {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let tally = std::cell::RefCell::new(Tally::default());
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&(bodies, records()), |(body, input)| {
        let source = map_over(&body);
        let (split_way, one_way) = both_ways(&source, &input);
        prop_assert_eq!(&split_way, &one_way, "{}", source);
        let was_split = is_split(&source, &input);
        if let Some(expected) = expect_split {
            prop_assert_eq!(was_split, expected, "split of {}", source);
        }
        let mut tally = tally.borrow_mut();
        tally.split += u32::from(was_split);
        tally.values += u32::from(matches!(one_way, Ok(Some(_))));
        tally.errors += u32::from(one_way.is_err());
        Ok(())
    });
    outcome.map_err(|error| error.to_string())?;
    Ok(tally.into_inner())
}

#[test]
fn split_bodies_match_one_thread() -> Result<(), String> {
    let cases = case_count(600);
    let tally = compare_generated(split_body(), cases, None)?;
    // The grammar stays inside the check and its bodies give values and errors;
    // otherwise the comparison would prove little.
    assert_eq!(tally.split, cases, "bodies of the grammar were not split");
    assert!(tally.values >= cases / 5, "only {} values", tally.values);
    assert!(tally.errors >= cases / 20, "only {} errors", tally.errors);
    Ok(())
}

#[test]
fn input_reading_bodies_are_not_split() -> Result<(), String> {
    compare_generated(input_body(), case_count(60), Some(false)).map(|_| ())
}

/// Bodies near the boundary of the check, each with the outcome it must keep.
#[test]
fn boundary_bodies_give_the_same_outcome() {
    let input = fixed_records();
    let bodies = [
        // Built-ins that read the input when called with too few arguments, called
        // through a variable, a path step or `~>` instead of by name.
        "($f := $keys; $f())",
        "($f := $string; $f())",
        "($k := $r.($keys); $k())",
        "($k := $r.($lookup); $k('x'))",
        "($k := $r.($each); $k(function($v, $k) { $k }))",
        "($s := $sift; $s(function($v) { $v }))",
        "$map([1], function($v) { ($f := $spread; $f()) })",
        "'$$.x' ~> $eval",
        "($e := $eval; $e('$$.x'))",
        "$r ~> $lookup",
        "($p := $keys(?); $p())",
        "($p := $lookup(?, 'x'); $p())",
        // Lambdas defined in a path step keep the item as their context.
        "($f := $r.items[0].(function() { $ }); $f())",
        "($f := $r.items[0].(function() { name }); $f())",
        "$map($r.tags, $r.items[0].(function($t) { $.name & $t }))",
        "$r.items[0].(function() { $keys() })()",
        "$r.items.(($f := function() { $ }); $f()).name",
        // Undefined arguments are passed, not replaced by the input.
        "$sift($r.missing, function($v) { $v })",
        "$each($r.missing, function($v, $k) { $k })",
        "$r.missing ~> $sift(function($v) { $v })",
        "$keys($r.missing)",
        "$lookup($r.missing, 'name')",
        "$r.missing ~> $lookup('name')",
        "$r.missing ~> $keys",
        "$string($r.missing, $r.missing)",
        // Errors that name no value.
        "$uppercase()",
        "$substring(3)",
        "$r.name + 1",
        "$r.id = 13 ? $error() : $r.id",
        "$r.id = 13 ? $r.name.$error() : $r.id",
        // Date-times and regular expressions.
        "$dtFromIso('2024-03-10T12:00:00Z').plus({'days': $r.id}).toISODate()",
        "($d := $dtFromIso('2024-03-10T12:00:00Z'); $r.items.($d.toISO()))",
        "$match($string($r.name), /\\d+/)",
        "$replace($string($r.name), /(\\d)/, function($m) { $m.groups[0] & '!' })",
        "$split($string($r.name), /\\s/)",
        "$contains($string($r.name), /1/)",
    ];
    let mut different = Vec::new();
    for body in bodies {
        let source = map_over(body);
        let (split_way, one_way) = both_ways(&source, &input);
        if split_way != one_way {
            let (split_way, one_way) = (short(&split_way), short(&one_way));
            different.push(format!(
                "{source}\n  split: {split_way}\n  one:   {one_way}"
            ));
        }
    }
    assert!(different.is_empty(), "{}", different.join("\n"));
}

/// Returns the start of an outcome, for failure messages.
fn short(outcome: &Outcome) -> String {
    let text = match outcome {
        Ok(value) => format!("{value:?}"),
        Err(message) => format!("error {message}"),
    };
    text.chars().take(160).collect()
}

/// Evaluates `source` on the hand-written records both ways under `limits`.
fn both_ways_under(source: &str, limits: &Limits) -> (Outcome, Outcome) {
    let input = fixed_records();
    let run = |parallel_min_items| {
        let limits = Limits {
            parallel_min_items,
            ..limits.clone()
        };
        Transform::compile(source)
            .and_then(|transform| transform.evaluate_with(&input, &Map::new(), &limits))
            .map_err(|error| error.to_string())
    };
    (run(2), run(usize::MAX))
}

#[test]
fn split_keeps_the_sequence_length_limit() {
    let source = map_over("$r.id");
    for max_sequence_length in [5, 30, 39, 40, 41, 42, 45] {
        let limits = Limits {
            max_sequence_length,
            ..Limits::default()
        };
        let (split_way, one_way) = both_ways_under(&source, &limits);
        assert_eq!(split_way, one_way, "sequence limit {max_sequence_length}");
    }
}

#[test]
fn split_keeps_tiny_output_limit() {
    for body in ["$r.missing", "$r.id = 3 ? 1", "$r.id = 3 ? [1, 2]", "$r.id"] {
        for max_output_bytes in [0, 1, 2, 3, 100] {
            let limits = Limits {
                max_output_bytes,
                ..Limits::default()
            };
            let (split_way, one_way) = both_ways_under(&map_over(body), &limits);
            assert_eq!(split_way, one_way, "{body} under {max_output_bytes} bytes");
        }
    }
}

// The wrapper each thread evaluates adds one or two levels of depth, depending on
// the body, so near `max_depth` a slice can fail where one thread does not. A depth
// error from a slice is then settled by evaluating on one thread.
#[test]
fn split_keeps_the_depth_limit() {
    let bodies = [
        "[[[[[[[[[[[[[[[[[[[[$r.id]]]]]]]]]]]]]]]]]]]]",
        "$r.items.(name & $string($r.tags.($ & '.')))",
        "($f := function($n) { $n <= 0 ? 0 : 1 + $f($n - 1) }; $f($r.id * 3))",
    ];
    for body in bodies {
        for max_depth in (5..30).chain(345..365) {
            let limits = Limits {
                max_depth,
                ..Limits::default()
            };
            let (split_way, one_way) = both_ways_under(&map_over(body), &limits);
            assert_eq!(split_way, one_way, "{body} at depth {max_depth}");
        }
    }
}
