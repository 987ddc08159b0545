//! `$convertQueryToSql`: a Truto filter query (`{"amount": {"gte": 100}, "stage":
//! ["won", "lost"]}`) as an SQL `WHERE` condition, as `@truto/truto-jsonata` 3.0.6
//! writes it. Values are quoted by their declared data type, not escaped: the result
//! is meant for APIs with SQL-like filters (SOQL, Snowflake), not for a database.

use serde_json::{Map, Value};

use super::{arg, core, datetime};

type Outcome = Result<Option<Value>, String>;

/// The options that change how a condition is written.
#[derive(Default)]
struct Options<'a> {
    conjunction: String,
    flags: Map<String, Value>,
    mapping: Option<&'a Map<String, Value>>,
    data_types: Option<&'a Map<String, Value>>,
    operators: Option<&'a Map<String, Value>>,
}

impl Options<'_> {
    fn flag(&self, name: &str) -> bool {
        self.flags.get(name).is_some_and(core::is_truthy)
    }
}

/// `$convertQueryToSql(query, keysToMap?, mapping?, dataTypes?, operators?, options?)`.
pub(crate) fn convert_query_to_sql(args: &[Option<Value>]) -> Outcome {
    let Some(Value::Object(query)) = arg(args, 0) else {
        return Err("$convertQueryToSql: the query must be an object".into());
    };
    let keys: Vec<String> = match arg(args, 1) {
        Some(Value::Array(keys)) if !keys.is_empty() => keys
            .iter()
            .filter_map(|k| k.as_str().map(String::from))
            .collect(),
        _ => query.keys().cloned().collect(),
    };
    let flags = arg(args, 5)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let conjunction = match flags.get("conjunction") {
        Some(Value::String(text)) if !text.is_empty() => text.clone(),
        _ => "AND".to_string(),
    };
    let options = Options {
        conjunction,
        flags,
        mapping: arg(args, 2).and_then(Value::as_object),
        data_types: arg(args, 3).and_then(Value::as_object),
        operators: arg(args, 4).and_then(Value::as_object),
    };
    let text = condition(query, &keys, &options).map_err(|e| format!("$convertQueryToSql: {e}"))?;
    Ok(Some(Value::String(text)))
}

fn condition(
    query: &Map<String, Value>,
    keys: &[String],
    options: &Options,
) -> Result<String, String> {
    let mut statements = Vec::new();
    for key in keys {
        let comparison = query.get(key).unwrap_or(&Value::Null);
        if key == "or" {
            let Value::Object(inner) = comparison else {
                return Err(format!("'or' must contain an object, got {comparison}"));
            };
            statements.push(format!("({})", condition(inner, keys, options)?));
            continue;
        }
        statements.extend(key_statements(key, comparison, options)?);
    }
    if options.flag("groupComparisonInBrackets") && !statements.is_empty() {
        let mut grouped = statements[0].clone();
        for statement in &statements[1..] {
            grouped = format!("({grouped} {} {statement})", options.conjunction);
        }
        return Ok(grouped);
    }
    Ok(statements.join(&format!(" {} ", options.conjunction)))
}

fn key_statements(key: &str, comparison: &Value, options: &Options) -> Result<Vec<String>, String> {
    let operators: Vec<String> = match comparison {
        Value::Array(_) => vec!["in".into()],
        Value::Object(object) => object.keys().cloned().collect(),
        _ => vec!["eq".into()],
    };
    let column = match options.mapping.and_then(|m| m.get(key)) {
        Some(Value::String(mapped)) if !mapped.is_empty() => mapped.clone(),
        _ => key.to_string(),
    };
    let space = if options.flag("noSpaceBetweenOperator") {
        ""
    } else {
        " "
    };
    let mut statements = Vec::new();
    for operator in operators {
        let comparator = comparator_for(&operator, options)
            .ok_or_else(|| format!("unknown operator '{operator}'"))?;
        let value = match comparison {
            Value::Object(object) => object.get(&operator).unwrap_or(&Value::Null),
            other => other,
        };
        if operator != "in" && operator != "nin" {
            if let Some(text) = typed_value(value, key, options)? {
                statements.push(format!("{column}{space}{comparator}{space}{text}"));
            }
            continue;
        }
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        if options.flag("useOrForIn") {
            let equals = comparator_for("eq", options).unwrap_or_else(|| "=".into());
            let mut alternatives = Vec::new();
            for item in items {
                if let Some(text) = typed_value(item, key, options)? {
                    alternatives.push(format!("{column}{space}{equals}{space}{text}"));
                }
            }
            statements.push(format!("({})", alternatives.join(" OR ")));
            continue;
        }
        let texts: Result<Vec<String>, String> = items
            .iter()
            .map(|item| Ok(typed_value(item, key, options)?.unwrap_or_default()))
            .collect();
        statements.push(format!(
            "{column}{space}{comparator}{space}({})",
            texts?.join(",")
        ));
    }
    Ok(statements)
}

fn comparator_for(operator: &str, options: &Options) -> Option<String> {
    if let Some(Value::String(custom)) = options.operators.and_then(|o| o.get(operator))
        && !custom.is_empty()
    {
        return Some(custom.clone());
    }
    let standard = match operator {
        "eq" => "=",
        "ne" => "<>",
        "gt" => ">",
        "gte" => ">=",
        "lt" => "<",
        "lte" => "<=",
        "in" => "in",
        "nin" => "not in",
        "like" => "like",
        _ => return None,
    };
    Some(standard.to_string())
}

/// A value as the query writes it for its data type; `None` for null.
fn typed_value(value: &Value, key: &str, options: &Options) -> Result<Option<String>, String> {
    if value.is_null() {
        return Ok(None);
    }
    let plain = plain_text(value);
    let data_type = options.data_types.and_then(|types| types.get(key));
    let text = match data_type {
        Some(Value::String(kind)) if kind == "string" => quote_string(&plain, options, true),
        Some(Value::String(kind)) if kind == "dotnetdate" => {
            format!(
                "DateTime({})",
                datetime::reformat_iso(&plain, Some("yyyy,MM,dd"))
            )
        }
        Some(Value::Object(_)) => {
            let mapped = core::map_values(&[Some(value.clone()), data_type.cloned()])?;
            match mapped {
                Some(Value::String(text)) => quote_string(&text, options, false),
                Some(other) => plain_text(&other),
                None => return Ok(None),
            }
        }
        Some(Value::String(kind)) if kind.starts_with("date") => {
            let date = datetime::reformat_iso(&plain, kind.split('|').nth(1));
            if options.flag("noQuotes") || options.flag("noQuotesForDate") {
                date
            } else {
                quote_string(&date, options, false)
            }
        }
        _ => plain,
    };
    Ok(Some(text))
}

fn quote_string(text: &str, options: &Options, may_escape: bool) -> String {
    if options.flag("noQuotes") {
        text.to_string()
    } else if options.flag("useDoubleQuotes") {
        format!("\"{text}\"")
    } else if may_escape && options.flag("escapeSingleQuotes") {
        format!("'{}'", text.replace('\'', "\\'"))
    } else {
        format!("'{text}'")
    }
}

/// A value as JavaScript's template literals write it.
fn plain_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => core::js_number_string(number.as_f64().unwrap_or(f64::NAN)),
        Value::Array(items) => items.iter().map(plain_text).collect::<Vec<_>>().join(","),
        Value::Object(_) => "[object Object]".to_string(),
        other => other.to_string(),
    }
}
