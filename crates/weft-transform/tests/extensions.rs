//! Behaviour of extension functions that the recorded vectors do not cover: the
//! callback helpers written in JSONata, limits and errors.

use std::time::Duration;

use serde_json::{Map, Value, json};
use weft_transform::{Limits, Transform, TransformError};

fn eval(expression: &str, input: Value) -> Result<Option<Value>, TransformError> {
    Transform::compile(expression)?.evaluate(&input, &Map::new())
}

#[test]
fn group_by_accepts_path_and_callback() -> Result<(), TransformError> {
    let input = json!({"items": [{"t": "a", "n": 1}, {"t": "b", "n": 2}, {"t": "a", "n": 3}]});
    let by_path = eval("$groupBy(items, 't')", input.clone())?;
    assert_eq!(
        by_path,
        Some(json!({"a": [{"t": "a", "n": 1}, {"t": "a", "n": 3}], "b": [{"t": "b", "n": 2}]}))
    );
    let by_callback = eval("$groupBy(items, function($i) { $i.n > 1 }).`true`.n", input)?;
    assert_eq!(by_callback, Some(json!([2, 3])));
    Ok(())
}

#[test]
fn order_by_sorts_descending() -> Result<(), TransformError> {
    let input = json!([{"n": 2}, {"n": 1}, {"n": 3}]);
    assert_eq!(
        eval("$orderBy($, 'n', 'desc').n", input.clone())?,
        Some(json!([3, 2, 1]))
    );
    assert_eq!(
        eval("$orderBy($, function($i) { $i.n }).n", input)?,
        Some(json!([1, 2, 3]))
    );
    Ok(())
}

#[test]
fn find_and_lofilter_take_lodash_iteratees() -> Result<(), TransformError> {
    let input = json!([{"n": 2, "ok": true}, {"n": 1, "ok": false}]);
    assert_eq!(
        eval("$find($, {'n': 1})", input.clone())?,
        Some(json!({"n": 1, "ok": false}))
    );
    assert_eq!(eval("$lofilter($, 'ok').n", input.clone())?, Some(json!(2)));
    assert_eq!(eval("$find($, ['n', 3])", input)?, None);
    Ok(())
}

#[test]
fn each_and_sift_accept_undefined() -> Result<(), TransformError> {
    assert_eq!(
        eval("$each(missing, function($v) { $v })", json!({}))?,
        None
    );
    assert_eq!(
        eval("$sift(missing, function($v) { $v })", json!({}))?,
        None
    );
    let keys = eval(
        "$each({'a': 1, 'b': 2}, function($v, $k) { $k })",
        json!({}),
    )?;
    assert_eq!(keys, Some(json!(["a", "b"])));
    Ok(())
}

#[test]
fn remove_empty_drops_empty_object_values() -> Result<(), TransformError> {
    let input = json!({"a": null, "b": "", "c": [], "d": {}, "e": 0, "f": "x"});
    assert_eq!(
        eval("$removeEmpty($)", input)?,
        Some(json!({"e": 0, "f": "x"}))
    );
    Ok(())
}

#[test]
fn digest_and_sign_match_known_values() -> Result<(), TransformError> {
    let sha = eval("$digest('abc')", json!(null))?;
    let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(sha, Some(json!(expected)));
    // RFC 4231 test case 2.
    let hmac = eval(
        "$sign('what do ya want for nothing?', 'SHA-256', 'Jefe')",
        json!(null),
    )?;
    let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    assert_eq!(hmac, Some(json!(expected)));
    Ok(())
}

/// Expected values from @truto/truto-jsonata 3.0.6 on node, which hashes the string
/// form of a number or boolean.
#[test]
fn digest_and_sign_hash_numbers_as_text() -> Result<(), TransformError> {
    let number = eval("$digest(5)", json!(null))?;
    let expected = "ef2d127de37b942baad06145e54b0c619a1f22327b2ebbcfbec78f5564afe39d";
    assert_eq!(number, Some(json!(expected)));
    let flag = eval("$digest(true)", json!(null))?;
    let expected = "b5bea41b6c623f7c09f1bf24dcae58ebab3c0cdd90ad966bc43a45b44867e12b";
    assert_eq!(flag, Some(json!(expected)));
    let signed = eval("$sign(5, 'SHA-256', 'k')", json!(null))?;
    let expected = "ade187c99dc4d0393326a4fe0446db6348e71eacf6d5a29d14a4154ac426324c";
    assert_eq!(signed, Some(json!(expected)));
    Ok(())
}

#[test]
fn sign_error_quotes_algorithm_as_given() {
    let error = eval("$sign('a', 'b', 'c')", json!(null)).expect_err("algorithm 'b' fails");
    assert!(error.to_string().contains("'b'"), "{error}");
    assert!(
        error.to_string().contains("expected SHA-1, SHA-256"),
        "{error}"
    );
}

#[test]
fn unsupported_function_names_itself() {
    let error = eval("$parseDocument('x')", json!(null)).expect_err("parseDocument fails");
    assert!(error.to_string().contains("$parseDocument"), "{error}");
}

#[test]
fn timeout_stops_infinite_recursion() -> Result<(), TransformError> {
    let limits = Limits {
        timeout: Duration::from_millis(50),
        max_depth: 100_000,
        ..Limits::default()
    };
    let transform = Transform::compile("($f := function($n) { $f($n + 1) }; $f(0))")?;
    let error = transform
        .evaluate_with(&json!(null), &Map::new(), &limits)
        .expect_err("times out");
    assert_eq!(error.code(), Some("D1012"));
    Ok(())
}

#[test]
fn depth_limit_stops_deep_recursion() -> Result<(), TransformError> {
    let transform =
        Transform::compile("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))")?;
    let error = transform
        .evaluate(&json!(null), &Map::new())
        .expect_err("too deep");
    assert_eq!(error.code(), Some("D1011"));
    Ok(())
}

#[test]
fn input_and_output_caps_are_enforced() -> Result<(), TransformError> {
    let limits = Limits {
        max_input_bytes: 10,
        max_output_bytes: 10,
        ..Limits::default()
    };
    let transform = Transform::compile("$")?;
    let big = json!({"text": "more than ten bytes"});
    let input_error = transform
        .evaluate_with(&big, &Map::new(), &limits)
        .expect_err("input cap");
    assert!(matches!(input_error, TransformError::InputTooLarge { .. }));
    let grow = Transform::compile("$pad('', 100, 'x')")?;
    let output_error = grow
        .evaluate_with(&json!(1), &Map::new(), &limits)
        .expect_err("output cap");
    assert!(matches!(
        output_error,
        TransformError::OutputTooLarge { .. }
    ));
    Ok(())
}

#[test]
fn whole_numbers_come_back_as_integers() -> Result<(), TransformError> {
    let value = eval("a * 1.5", json!({"a": 2}))?;
    assert_eq!(value.map(|v| v.to_string()), Some("3".to_string()));
    Ok(())
}

#[test]
fn transform_evaluates_on_many_threads() -> Result<(), Box<dyn std::error::Error>> {
    let transform = Transform::compile("$sum(items)")?;
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let transform = transform.clone();
            std::thread::spawn(move || transform.evaluate(&json!({"items": [n, 1]}), &Map::new()))
        })
        .collect();
    for (n, handle) in handles.into_iter().enumerate() {
        let result = handle.join().map_err(|_| "thread panicked")??;
        assert_eq!(result, Some(json!(n + 1)));
    }
    Ok(())
}

#[test]
fn sequence_limit_stops_long_sequences() -> Result<(), TransformError> {
    let limits = Limits {
        max_sequence_length: 1_000,
        ..Limits::default()
    };
    let transform = Transform::compile("$count([1..100000].{'n': $})")?;
    let error = transform
        .evaluate_with(&json!(null), &Map::new(), &limits)
        .expect_err("the range is longer than the limit");
    assert_eq!(error.code(), Some("D2015"), "{error}");
    let short = Transform::compile("$count([1..1000])")?;
    let count = short.evaluate_with(&json!(null), &Map::new(), &limits)?;
    assert_eq!(count, Some(json!(1000)));
    Ok(())
}

#[test]
fn memory_limit_stops_runaway_evaluation() -> Result<(), TransformError> {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    let limits = Limits {
        timeout: Duration::from_secs(60),
        max_memory_bytes: 64 * 1024 * 1024,
        ..Limits::default()
    };
    let transform = Transform::compile("$count([1..10000000].{'n': $, 'text': 'x' & $})")?;
    let error = transform
        .evaluate_with(&json!(null), &Map::new(), &limits)
        .expect_err("ten million objects take more than 64 MiB");
    assert!(
        matches!(error, TransformError::MemoryLimit { limit } if limit == 64 * 1024 * 1024),
        "{error}"
    );
    let small = Transform::compile("$count([1..1000].{'n': $})")?;
    let count = small.evaluate_with(&json!(null), &Map::new(), &limits)?;
    assert_eq!(count, Some(json!(1000)));
    Ok(())
}

#[test]
fn sign_keys_a_number_secret_by_its_text() -> Result<(), TransformError> {
    let number = eval("$sign('abc', 'SHA-256', 42)", json!(null))?;
    let text = eval("$sign('abc', 'SHA-256', '42')", json!(null))?;
    let empty = eval("$sign('abc', 'SHA-256', '')", json!(null))?;
    assert_eq!(number, text);
    assert_ne!(number, empty);
    Ok(())
}

/// Values from @truto/truto-jsonata 3.0.6 (Luxon 3.5.0): comparing with a value that
/// is not a date-time gives false from `hasSame` and no value from `equals`.
#[test]
fn date_comparisons_with_non_date_times() -> Result<(), TransformError> {
    let date = "$dtFromIso('2024-03-12T12:00:00Z')";
    let has_same = eval(&format!("{date}.hasSame('2024-03-12', 'day')"), json!(null))?;
    assert_eq!(has_same, Some(json!(false)));
    assert_eq!(eval(&format!("{date}.equals('x')"), json!(null))?, None);
    let other = "$dtFromIso('2024-03-12T01:00:00Z')";
    let same_day = eval(&format!("{date}.hasSame({other}, 'day')"), json!(null))?;
    assert_eq!(same_day, Some(json!(true)));
    let equal = eval(&format!("{date}.equals({date})"), json!(null))?;
    assert_eq!(equal, Some(json!(true)));
    Ok(())
}
