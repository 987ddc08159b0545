//! `$jsonToCsv`: JSON rows to CSV text with the rules of `@json2csv/plainjs` 7.0.6, which
//! `@truto/truto-jsonata` 3.0.6 calls with the caller's options.
//!
//! Quoting depends on the JSON type of each value, not on its text: every string is
//! quoted (`"` doubled inside), numbers and booleans are not, objects and arrays are
//! printed as compact JSON and then quoted like strings, and null or a missing value is
//! an empty cell. The `csv` crate decides quoting from the text alone, so it cannot
//! write the string `"42"` quoted and the number `42` bare; the cells are written here.

use serde_json::{Map, Value};

use super::core::js_number_string;

/// Errors from `$jsonToCsv`.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum CsvError {
    /// A row is not an object and no `fields` option says which columns to write.
    #[error("jsonToCsv rows must be objects when no 'fields' option is given, got {value}")]
    RowNotObject { value: String },

    /// An option has a value of the wrong type.
    #[error("invalid jsonToCsv option '{option}': {value}")]
    InvalidOption { option: String, value: String },

    /// An option that takes JavaScript functions (`transforms`, `formatters`).
    #[error("jsonToCsv option '{option}' takes JavaScript functions and is not supported")]
    UnsupportedOption { option: String },
}

/// One CSV column: its header label and the dotted path of its value in each row.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    label: String,
    path: String,
    default: Option<Value>,
}

/// Options of `@json2csv/plainjs` that take data rather than functions.
#[derive(Debug, Clone, PartialEq)]
struct CsvOptions {
    fields: Option<Vec<Field>>,
    default_value: Option<Value>,
    delimiter: String,
    eol: String,
    header: bool,
    include_empty_rows: bool,
    with_bom: bool,
}

/// `$jsonToCsv(json, options)`: writes `json` (one row or an array of rows) as CSV.
///
/// Null, `false`, `0` and empty-string rows are dropped first, and no rows at all give
/// the empty string. Without a `fields` option the columns are the keys of all rows in
/// order of first appearance. Supported options: `fields` (strings or
/// `{label, value, default}` with a dotted path as `value`), `defaultValue`,
/// `delimiter` (`,`), `eol` (`\n`), `header` (true), `includeEmptyRows` (false) and
/// `withBOM` (false). Fails on a non-object row without `fields`, on an option of the
/// wrong type and on the function-valued options `transforms` and `formatters`.
pub fn json_to_csv(json: &Value, options: Option<&Value>) -> Result<String, CsvError> {
    let rows = compact_rows(json);
    if rows.is_empty() {
        return Ok(String::new());
    }
    let options = parse_options(options)?;
    let fields = match options.fields.clone() {
        Some(fields) => fields,
        None => fields_from_rows(&rows, options.default_value.as_ref())?,
    };

    let header = options.header.then(|| {
        let labels = fields.iter().map(|field| quote_string(&field.label));
        labels.collect::<Vec<_>>().join(&options.delimiter)
    });
    let lines: Vec<String> = rows
        .iter()
        .filter_map(|row| format_row(row, &fields, &options))
        .collect();
    let body = lines.join(&options.eol);

    let mut csv = String::new();
    if options.with_bom {
        csv.push('\u{feff}');
    }
    let header = header.unwrap_or_default();
    csv.push_str(&header);
    if !header.is_empty() && !body.is_empty() {
        csv.push_str(&options.eol);
    }
    csv.push_str(&body);
    Ok(csv)
}

/// lodash `compact(castArray(json))`: the rows without JavaScript's falsy values.
fn compact_rows(json: &Value) -> Vec<&Value> {
    let rows: Vec<&Value> = match json {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    rows.into_iter().filter(|row| !is_falsy(row)).collect()
}

fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(flag) => !flag,
        Value::Number(number) => number.as_f64() == Some(0.0),
        Value::String(text) => text.is_empty(),
        Value::Array(_) | Value::Object(_) => false,
    }
}

fn parse_options(options: Option<&Value>) -> Result<CsvOptions, CsvError> {
    let empty = Map::new();
    let options = match options {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(options)) => options,
        Some(other) => return Err(invalid("options", other)),
    };
    for option in ["transforms", "formatters"] {
        if options.contains_key(option) {
            let option = option.to_string();
            return Err(CsvError::UnsupportedOption { option });
        }
    }
    let default_value = options
        .get("defaultValue")
        .filter(|v| !v.is_null())
        .cloned();
    let fields = match options.get("fields") {
        None | Some(Value::Null) => None,
        Some(Value::Array(fields)) => Some(parse_fields(fields, default_value.as_ref())?),
        Some(other) => return Err(invalid("fields", other)),
    };
    Ok(CsvOptions {
        fields,
        delimiter: text_option(options, "delimiter", ",")?,
        eol: text_option(options, "eol", "\n")?,
        header: !matches!(options.get("header"), Some(Value::Bool(false))),
        include_empty_rows: matches!(options.get("includeEmptyRows"), Some(Value::Bool(true))),
        with_bom: matches!(options.get("withBOM"), Some(Value::Bool(true))),
        default_value,
    })
}

/// A string option; like json2csv, an empty string falls back to the default.
fn text_option(
    options: &Map<String, Value>,
    name: &str,
    default: &str,
) -> Result<String, CsvError> {
    match options.get(name) {
        None | Some(Value::Null) => Ok(default.to_string()),
        Some(Value::String(text)) if text.is_empty() => Ok(default.to_string()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(other) => Err(invalid(name, other)),
    }
}

fn parse_fields(fields: &[Value], default: Option<&Value>) -> Result<Vec<Field>, CsvError> {
    fields
        .iter()
        .map(|field| match field {
            Value::String(path) => Ok(Field {
                label: path.clone(),
                path: path.clone(),
                default: default.cloned(),
            }),
            Value::Object(info) => {
                let Some(Value::String(path)) = info.get("value") else {
                    return Err(invalid("fields", field));
                };
                let label = match info.get("label") {
                    Some(Value::String(label)) if !label.is_empty() => label.clone(),
                    _ => path.clone(),
                };
                let default = match info.get("default") {
                    Some(value) => Some(value.clone()),
                    None => default.cloned(),
                };
                let path = path.clone();
                Ok(Field {
                    label,
                    path,
                    default,
                })
            }
            other => Err(invalid("fields", other)),
        })
        .collect()
}

fn fields_from_rows(rows: &[&Value], default: Option<&Value>) -> Result<Vec<Field>, CsvError> {
    let Some(Value::Object(_)) = rows.first() else {
        let value = rows.first().map(|row| row.to_string()).unwrap_or_default();
        return Err(CsvError::RowNotObject { value });
    };
    let mut keys: Vec<&String> = Vec::new();
    for row in rows {
        for key in row.as_object().into_iter().flat_map(Map::keys) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    let fields = keys.into_iter().map(|key| Field {
        label: key.clone(),
        path: key.clone(),
        default: default.cloned(),
    });
    Ok(fields.collect())
}

/// One CSV line, or `None` when every cell is empty and empty rows are not kept.
fn format_row(row: &Value, fields: &[Field], options: &CsvOptions) -> Option<String> {
    let cells: Vec<String> = fields
        .iter()
        .map(|field| match lookup(row, &field.path) {
            Some(value) => format_cell(value),
            None => field.default.as_ref().map(format_cell).unwrap_or_default(),
        })
        .collect();
    if !options.include_empty_rows && cells.iter().all(String::is_empty) {
        return None;
    }
    Some(cells.join(&options.delimiter))
}

/// The value at `path`: the key itself when the row has it, else the dotted path with
/// `[n]` indexes. `None` is JavaScript's undefined; null stays a value.
fn lookup<'a>(row: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(value) = row.get(path) {
        return Some(value);
    }
    let keys = path.split(['.', '[', ']']).filter(|key| !key.is_empty());
    let mut current = row;
    for key in keys {
        current = match current {
            Value::Object(map) => map.get(key)?,
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn format_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number_text(number),
        Value::String(text) => quote_string(text),
        Value::Array(_) | Value::Object(_) => quote_string(&js_json(value)),
    }
}

fn quote_string(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn number_text(number: &serde_json::Number) -> String {
    match number.as_i64() {
        Some(integer) => integer.to_string(),
        None => js_number_string(number.as_f64().unwrap_or(f64::NAN)),
    }
}

/// `JSON.stringify(value)`: compact, with whole floats written as integers as
/// JavaScript writes them (`1.0` becomes `1`).
fn js_json(value: &Value) -> String {
    serde_json::to_string(&whole_floats_as_integers(value)).unwrap_or_default()
}

fn whole_floats_as_integers(value: &Value) -> Value {
    match value {
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            if float.fract() == 0.0 && float.abs() < 9_007_199_254_740_992.0 {
                Value::from(float as i64)
            } else {
                value.clone()
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(whole_floats_as_integers).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| (key.clone(), whole_floats_as_integers(item)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn invalid(option: &str, value: &Value) -> CsvError {
    CsvError::InvalidOption {
        option: option.to_string(),
        value: value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lookup_follows_dots_and_indexes() {
        let row = json!({"a": {"b": [10, {"c": 3}]}});
        assert_eq!(lookup(&row, "a.b[1].c"), Some(&json!(3)));
        assert_eq!(lookup(&row, "a.x"), None);
    }

    #[test]
    fn whole_float_prints_as_integer_in_json_cells() {
        assert_eq!(format_cell(&json!({"n": 2.0})), "\"{\"\"n\"\":2}\"");
    }
}
