//! Property test: rendering arbitrary templates against arbitrary contexts never
//! panics; it returns a value or a `TemplateError`.

use proptest::prelude::*;
use serde_json::{Map, Value};

/// Text rich in the characters the placeholder grammar cares about.
fn template_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{{".to_owned()),
        Just("}}".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("|".to_owned()),
        Just(":".to_owned()),
        Just("?:".to_owned()),
        Just(".".to_owned()),
        Just("-".to_owned()),
        Just(" ".to_owned()),
        Just("$truto_merge".to_owned()),
        prop::sample::select(vec![
            "int",
            "num",
            "bool",
            "json",
            "any",
            "null",
            "undefined",
            "str",
            "ignore-empty-str",
            "a",
            "b",
            "0",
            "-1",
            "12",
            "é",
            "\u{feff}",
            "$&",
        ])
        .prop_map(str::to_owned),
        "[a-c0-9]{1,3}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        template_text().prop_map(Value::String),
    ]
}

fn nested() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec!["a", "b", "0", "$truto_merge", "c-d", ""]);
    leaf().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..5).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn render_never_panics(template in nested(), context in nested()) {
        let _ = weft_template::render(&template, &context);
        let _ = weft_template::check(&template);
    }

    #[test]
    fn render_of_text_never_panics(text in template_text(), context in nested()) {
        let _ = weft_template::render(&Value::String(text), &context);
    }
}
