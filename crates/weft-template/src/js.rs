//! JavaScript conversions that the placeholder rules are defined in terms of:
//! `String(value)`, `parseInt` and `parseFloat`.

use serde_json::{Number, Value};

/// Converts a value to text as JavaScript's `String()` does: objects become
/// `[object Object]`, arrays join their elements with `,` (null elements as empty
/// text) and numbers use JavaScript's shortest form (`1`, `1.5`, `1e+21`).
pub fn to_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number_to_string(number),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Null => String::new(),
                other => to_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".to_owned(),
    }
}

fn number_to_string(number: &Number) -> String {
    if number.is_i64() || number.is_u64() {
        return number.to_string();
    }
    float_to_string(number.as_f64().unwrap_or(0.0))
}

/// Formats a finite float as JavaScript's `Number.prototype.toString()` does.
fn float_to_string(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits, the same digits JavaScript
    // picks; only the placement of the decimal point and exponent differs.
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let point: i64 = exponent.parse::<i64>().unwrap_or(0) + 1;
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}{}", place_point(&digits, point))
}

fn place_point(digits: &str, point: i64) -> String {
    let count = digits.len() as i64;
    if count <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - count) as usize))
    } else if 0 < point && point <= 21 {
        let (whole, fraction) = digits.split_at(point as usize);
        format!("{whole}.{fraction}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exponent = point - 1;
        let sign = if exponent < 0 { "-" } else { "+" };
        format!("{first}{fraction}e{sign}{}", exponent.abs())
    }
}

/// JavaScript's whitespace set for `trim` and the number parsers.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Parses a leading integer as JavaScript's `parseInt(text)` does (decimal, or
/// hexadecimal after `0x`). Returns `None` where JavaScript returns `NaN`, and also for
/// results too large for a float, which JavaScript turns into `Infinity`.
pub fn parse_int(text: &str) -> Option<Value> {
    let text = text.trim_start_matches(is_space);
    let (negative, rest) = split_sign(text);
    let (radix, rest) = match rest.get(..2) {
        Some("0x" | "0X") => (16, &rest[2..]),
        _ => (10, rest),
    };
    let end = rest
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(rest.len());
    let digits = &rest[..end];
    if digits.is_empty() {
        return None;
    }
    let magnitude = if radix == 10 {
        digits.parse::<f64>().ok()?
    } else {
        digits.chars().fold(0.0, |acc, c| {
            acc * 16.0 + f64::from(c.to_digit(16).unwrap_or(0))
        })
    };
    number_value(if negative { -magnitude } else { magnitude })
}

/// Parses a leading decimal literal as JavaScript's `parseFloat(text)` does. Returns
/// `None` where JavaScript returns `NaN` and for `Infinity`, which JSON cannot hold.
pub fn parse_float(text: &str) -> Option<Value> {
    let text = text.trim_start_matches(is_space);
    let literal = &text[..decimal_prefix_len(text)];
    number_value(literal.parse::<f64>().ok()?)
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// Length of the longest prefix of `text` that is a decimal literal
/// (`[+-]digits[.digits][e[+-]digits]`, with digits on at least one side of the point).
fn decimal_prefix_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let digits_from = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let start = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let mut end = digits_from(start);
    let mut has_digits = end > start;
    if bytes.get(end) == Some(&b'.') {
        let after = digits_from(end + 1);
        has_digits |= after > end + 1;
        end = after;
    }
    if !has_digits {
        return 0;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(end + 1), Some(b'+' | b'-')));
        let after = digits_from(end + 1 + sign);
        if after > end + 1 + sign {
            end = after;
        }
    }
    end
}

/// Converts a float to a JSON number, as an integer when it has no fraction (so `1`
/// stays `1`, not `1.0`). Non-finite values have no JSON form and return `None`.
pub fn number_value(value: f64) -> Option<Value> {
    if !value.is_finite() {
        return None;
    }
    const MAX_EXACT: f64 = 9_007_199_254_740_992.0;
    if value.fract() == 0.0 && value.abs() <= MAX_EXACT {
        return Some(Value::from(value as i64));
    }
    Number::from_f64(value).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_format_like_javascript() {
        let cases = [
            (1.5, "1.5"),
            (-0.25, "-0.25"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (123456.789, "123456.789"),
            (1e20, "100000000000000000000"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_to_string(value), expected, "formatting {value}");
        }
    }

    #[test]
    fn arrays_join_with_commas() {
        assert_eq!(to_string(&json!([1, null, "a", [2, 3]])), "1,,a,2,3");
        assert_eq!(to_string(&json!({"a": 1})), "[object Object]");
    }

    #[test]
    fn parse_int_follows_javascript() {
        assert_eq!(parse_int("  42px"), Some(json!(42)));
        assert_eq!(parse_int("-7.9"), Some(json!(-7)));
        assert_eq!(parse_int("0x1A"), Some(json!(26)));
        assert_eq!(parse_int("1e3"), Some(json!(1)));
        assert_eq!(parse_int("abc"), None);
        assert_eq!(parse_int("-"), None);
    }

    #[test]
    fn parse_float_follows_javascript() {
        assert_eq!(parse_float("1.25abc"), Some(json!(1.25)));
        assert_eq!(parse_float(".5"), Some(json!(0.5)));
        assert_eq!(parse_float("2e3"), Some(json!(2000)));
        assert_eq!(parse_float("2e"), Some(json!(2)));
        assert_eq!(parse_float("."), None);
        assert_eq!(parse_float("Infinity"), None);
        assert_eq!(parse_float("1e400"), None);
    }
}
