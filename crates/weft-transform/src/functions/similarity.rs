//! String similarity: `$diceCoefficient` and `$mostSimilar`, with the bigram Dice
//! coefficient of the npm `dice-coefficient` 2.1 package.

use serde_json::Value;

use super::core::number_value;
use super::{arg, str_arg};

type Outcome = Result<Option<Value>, String>;

/// Lowercases and keeps only ASCII letters and digits, as Truto does before comparing.
fn normalized(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn bigrams(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() == 1 {
        return vec![text.to_string()];
    }
    chars.windows(2).map(|pair| pair.iter().collect()).collect()
}

/// The Dice coefficient of two normalised strings; NaN when both are empty.
fn dice(left: &str, right: &str) -> f64 {
    let left = bigrams(left);
    let mut right: Vec<Option<String>> = bigrams(right).into_iter().map(Some).collect();
    let total = left.len() + right.len();
    let mut shared = 0;
    for pair in &left {
        if let Some(slot) = right.iter_mut().find(|slot| slot.as_ref() == Some(pair)) {
            *slot = None;
            shared += 1;
        }
    }
    (2 * shared) as f64 / total as f64
}

/// `$diceCoefficient(a, b)`: 1 for equal strings, otherwise the Dice coefficient of
/// their normalised bigrams.
pub(crate) fn dice_coefficient(args: &[Option<Value>]) -> Outcome {
    let (Some(left), Some(right)) = (str_arg(args, 0), str_arg(args, 1)) else {
        return Err("$diceCoefficient expects two strings".into());
    };
    if left == right {
        return Ok(Some(Value::from(1)));
    }
    Ok(Some(number_value(dice(
        &normalized(left),
        &normalized(right),
    ))))
}

/// `$mostSimilar(value, candidates, threshold?)`: the candidate most similar to
/// `value` when its coefficient reaches `threshold` (default 0.8), else `value`.
pub(crate) fn most_similar(args: &[Option<Value>]) -> Outcome {
    let Some(value) = str_arg(args, 0) else {
        return Err("$mostSimilar expects a string as its first argument".into());
    };
    let threshold = arg(args, 2).and_then(Value::as_f64).unwrap_or(0.8);
    let target = normalized(value);
    let mut best = (0.0, "");
    for candidate in arg(args, 1).and_then(Value::as_array).into_iter().flatten() {
        let Some(text) = candidate.as_str() else {
            return Err(format!(
                "$mostSimilar candidates must be strings, got {candidate}"
            ));
        };
        let similarity = dice(&target, &normalized(text));
        if similarity > best.0 {
            best = (similarity, text);
        }
    }
    let chosen = if best.0 >= threshold { best.1 } else { value };
    Ok(Some(Value::String(chosen.to_string())))
}
