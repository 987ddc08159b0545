//! Luxon's `Duration`, as `diff` returns it: amounts in some of Luxon's units, Luxon's
//! "casual" conversions between them (a year is 365 days, a month 30), `shiftTo`,
//! `as`, `toISO`; and the `diff` and `toRelative` of two date-times.
//!
//! In JSONata a duration is an object with the amounts as fields (`days`, `hours`...)
//! and its methods as functions, as Truto's wrapper builds it. Its plain data is
//! `{"values": {...}}`, or `{"invalid": reason}` for a diff of an invalid date-time.

use serde_json::{Map, Value, json};

use super::{Moment, calendar};
use crate::functions::core::{js_number_string, number_value};

/// Luxon's units, largest first.
pub(super) const UNITS: [&str; 9] = [
    "years",
    "quarters",
    "months",
    "weeks",
    "days",
    "hours",
    "minutes",
    "seconds",
    "milliseconds",
];

const DAYS: usize = 4;
const HOURS: usize = 5;
const MILLIS_PER_DAY: f64 = 86_400_000.0;

/// Returns how many of unit `low` make one of unit `high` (`high` is the larger unit).
fn conversion(high: usize, low: usize) -> f64 {
    const CALENDAR: [[f64; 4]; 4] = [
        [1.0, 4.0, 12.0, 52.0],
        [0.0, 1.0, 3.0, 13.0],
        [0.0, 0.0, 1.0, 4.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    const DAYS_IN: [f64; 5] = [365.0, 91.0, 30.0, 7.0, 1.0];
    const MILLIS_IN: [f64; 9] = [0.0, 0.0, 0.0, 0.0, 0.0, 3_600_000.0, 60_000.0, 1000.0, 1.0];
    if low < DAYS {
        return CALENDAR[high][low];
    }
    let millis = |unit: usize| match unit {
        0..=DAYS => DAYS_IN[unit] * MILLIS_PER_DAY,
        _ => MILLIS_IN[unit],
    };
    millis(high) / millis(low)
}

/// A Luxon duration: an amount for some units, or invalid.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Duration {
    values: [Option<f64>; 9],
    invalid: Option<String>,
}

/// The index of a Luxon unit, singular or plural, in any case.
pub(super) fn unit_index(unit: &str) -> Result<usize, String> {
    let lower = unit.to_ascii_lowercase();
    UNITS
        .iter()
        .position(|known| *known == lower || known.strip_suffix('s') == Some(lower.as_str()))
        .ok_or_else(|| format!("invalid unit '{unit}'"))
}

impl Duration {
    fn of(unit: usize, amount: f64) -> Duration {
        let mut duration = Duration::default();
        duration.values[unit] = Some(amount);
        duration
    }

    fn invalid(reason: &str) -> Duration {
        Duration {
            invalid: Some(reason.to_string()),
            ..Duration::default()
        }
    }

    fn get(&self, unit: usize) -> f64 {
        self.values[unit].unwrap_or(0.0)
    }

    /// The amounts as an object, largest unit first (Luxon's `toObject`).
    pub(super) fn to_object(&self) -> Map<String, Value> {
        UNITS
            .iter()
            .zip(self.values)
            .filter_map(|(unit, value)| Some(((*unit).to_string(), number_value(value?))))
            .collect()
    }

    pub(super) fn to_value(&self) -> Value {
        match &self.invalid {
            Some(reason) => json!({ "invalid": reason }),
            None => json!({ "values": self.to_object() }),
        }
    }

    pub(super) fn from_value(value: Option<&Value>) -> Result<Duration, String> {
        let value = value.ok_or("duration method called on a value that is not a duration")?;
        if let Some(reason) = value.get("invalid").and_then(Value::as_str) {
            return Ok(Duration::invalid(reason));
        }
        from_units(value.get("values").unwrap_or(value))
    }

    fn total_millis(&self) -> f64 {
        (0..UNITS.len())
            .filter_map(|unit| Some(self.values[unit]? * conversion_to_millis(unit)))
            .sum()
    }

    /// The same length in `units` only (Luxon's `shiftTo`): whole amounts in the larger
    /// units, the rest as a fraction of the smallest.
    pub(super) fn shift_to(&self, units: &[usize]) -> Duration {
        if self.invalid.is_some() || units.is_empty() {
            return self.clone();
        }
        let mut built = Duration::default();
        let mut carried: [Option<f64>; 9] = [None; 9];
        let mut last = units[0];
        for unit in 0..UNITS.len() {
            if units.contains(&unit) {
                last = unit;
                let mut own = 0.0;
                for (from, amount) in carried.iter_mut().enumerate() {
                    if let Some(value) = amount.take() {
                        own += conversion(from, unit) * value;
                        *amount = Some(0.0);
                    }
                }
                own += self.get(unit);
                let whole = own.trunc();
                built.values[unit] = Some(whole);
                carried[unit] = Some((own * 1000.0 - whole * 1000.0) / 1000.0);
            } else if let Some(value) = self.values[unit] {
                carried[unit] = Some(value);
            }
        }
        for (unit, amount) in carried.iter().enumerate() {
            let Some(amount) = amount.filter(|amount| *amount != 0.0) else {
                continue;
            };
            let share = if unit == last {
                amount
            } else {
                amount / conversion(last, unit)
            };
            built.values[last] = Some(built.get(last) + share);
        }
        built.normalize_values();
        built
    }

    /// Luxon's `normalizeValues`: carries whole amounts up to larger units, then moves
    /// fractions down to smaller ones, among the units present.
    fn normalize_values(&mut self) {
        let factor = if self.total_millis() < 0.0 { -1.0 } else { 1.0 };
        let present: Vec<usize> = (0..UNITS.len())
            .filter(|unit| self.values[*unit].is_some())
            .collect();
        for pair in present.windows(2).rev() {
            let (high, low) = (pair[0], pair[1]);
            let conv = conversion(high, low);
            let roll_up = (self.get(low) * factor / conv).floor();
            self.values[high] = Some(self.get(high) + roll_up * factor);
            self.values[low] = Some(self.get(low) - roll_up * conv * factor);
        }
        for pair in present.windows(2) {
            let (high, low) = (pair[0], pair[1]);
            let fraction = self.get(high) % 1.0;
            self.values[high] = Some(self.get(high) - fraction);
            self.values[low] = Some(self.get(low) + fraction * conversion(high, low));
        }
    }

    fn plus(&self, other: &Duration, sign: f64) -> Duration {
        if self.invalid.is_some() {
            return self.clone();
        }
        let mut sum = Duration::default();
        for unit in 0..UNITS.len() {
            if self.values[unit].is_some() || other.values[unit].is_some() {
                sum.values[unit] = Some(self.get(unit) + sign * other.get(unit));
            }
        }
        sum
    }

    fn negate(&self) -> Duration {
        let mut negated = self.clone();
        for value in negated.values.iter_mut().flatten() {
            if *value != 0.0 {
                *value = -*value;
            }
        }
        negated
    }

    /// Luxon's `toISO`: `P2M9DT3H`, `PT0S` for nothing.
    fn to_iso(&self) -> String {
        let mut date = String::from("P");
        let part = |text: &mut String, amount: f64, designator: char| {
            if amount != 0.0 {
                text.push_str(&js_number_string(amount));
                text.push(designator);
            }
        };
        part(&mut date, self.get(0), 'Y');
        part(&mut date, self.get(2) + self.get(1) * 3.0, 'M');
        part(&mut date, self.get(3), 'W');
        part(&mut date, self.get(DAYS), 'D');
        let mut time = String::new();
        part(&mut time, self.get(HOURS), 'H');
        part(&mut time, self.get(6), 'M');
        let seconds = self.get(7) + self.get(8) / 1000.0;
        part(&mut time, ((seconds * 1000.0) + 0.5).floor() / 1000.0, 'S');
        match (date.len(), time.is_empty()) {
            (1, true) => "PT0S".to_string(),
            (_, true) => date,
            _ => format!("{date}T{time}"),
        }
    }
}

fn conversion_to_millis(unit: usize) -> f64 {
    if unit == UNITS.len() - 1 {
        1.0
    } else {
        conversion(unit, UNITS.len() - 1)
    }
}

/// A duration from an object of units (`{'hours': 2}`) or a number of milliseconds.
fn from_units(value: &Value) -> Result<Duration, String> {
    match value {
        Value::Number(millis) => Ok(Duration::of(8, millis.as_f64().unwrap_or(0.0))),
        Value::Object(object) => {
            let mut duration = Duration::default();
            for (key, amount) in object {
                let unit = unit_index(key)?;
                let amount = amount
                    .as_f64()
                    .ok_or_else(|| format!("invalid duration value for '{key}': {amount}"))?;
                duration.values[unit] = Some(amount);
            }
            Ok(duration)
        }
        other => Err(format!("unknown duration argument {other}")),
    }
}

/// The units a `diff` or `shiftTo` names: one unit, a list, or none (milliseconds).
pub(super) fn units_arg(value: Option<&Value>) -> Result<Vec<usize>, String> {
    match value {
        None | Some(Value::Null) => Ok(vec![8]),
        Some(Value::String(unit)) => Ok(vec![unit_index(unit)?]),
        Some(Value::Array(units)) => units
            .iter()
            .map(|unit| unit_index(unit.as_str().unwrap_or_default()))
            .collect(),
        Some(other) => Err(format!("invalid unit {other}")),
    }
}

/// One duration method by name, on the duration's data and the method's arguments.
pub(super) fn method(kind: &str, data: Option<&Value>, a: Option<&Value>) -> Result<Value, String> {
    let duration = Duration::from_value(data)?;
    if duration.invalid.is_some() && !matches!(kind, "negate" | "shiftTo" | "normalize") {
        let empty = matches!(kind, "fields" | "toObject");
        return Ok(if empty { json!({}) } else { Value::Null });
    }
    Ok(match kind {
        "fields" | "toObject" => Value::Object(duration.to_object()),
        "as" => {
            let unit = unit_index(a.and_then(Value::as_str).unwrap_or_default())?;
            number_value(duration.shift_to(&[unit]).get(unit))
        }
        "get" => {
            number_value(duration.get(unit_index(a.and_then(Value::as_str).unwrap_or_default())?))
        }
        "toISO" => duration.to_iso().into(),
        "toMillis" => number_value(duration.total_millis()),
        "negate" => duration.negate().to_value(),
        "shiftTo" => duration.shift_to(&units_arg(a)?).to_value(),
        "normalize" => {
            let mut normalized = duration.clone();
            normalized.normalize_values();
            normalized.to_value()
        }
        "plus" | "minus" => {
            let other = from_units(a.unwrap_or(&Value::Null))?;
            let sign = if kind == "plus" { 1.0 } else { -1.0 };
            duration.plus(&other, sign).to_value()
        }
        other => return Err(format!("unknown duration method '{other}'")),
    })
}

/// Luxon's `diff`: the duration from `other` to `this` in `units`. Calendar units are
/// counted on the wall clock, the smallest one gets the rest as a fraction.
pub(super) fn diff(this: &Moment, other: &Moment, units: &[usize]) -> Result<Duration, String> {
    if this.invalid.is_some() || other.invalid.is_some() {
        return Ok(Duration::invalid("created by diffing an invalid DateTime"));
    }
    let other_is_later = other.millis > this.millis;
    let (earlier, later) = if other_is_later {
        (this, other)
    } else {
        (other, this)
    };
    let duration = diff_ordered(earlier, later, units)?;
    Ok(if other_is_later {
        duration.negate()
    } else {
        duration
    })
}

fn diff_ordered(earlier: &Moment, later: &Moment, units: &[usize]) -> Result<Duration, String> {
    let (cursor, mut results, high_water, lowest) = high_order_diffs(earlier, later, units)?;
    let remaining = (later.millis - cursor.millis) as f64;
    let lower: Vec<usize> = units.iter().copied().filter(|u| *u >= HOURS).collect();
    if lower.is_empty() {
        if let (Some(lowest), Some(mut high_water)) = (lowest, high_water) {
            if high_water.millis < later.millis {
                high_water = plus_units(&cursor, &Duration::of(lowest, 1.0))?;
            }
            let span = (high_water.millis - cursor.millis) as f64;
            if span != 0.0 {
                results.values[lowest] = Some(results.get(lowest) + remaining / span);
            }
        }
        return Ok(results);
    }
    Ok(Duration::of(8, remaining)
        .shift_to(&lower)
        .plus(&results, 1.0))
}

type HighOrder = (Moment, Duration, Option<Moment>, Option<usize>);

fn high_order_diffs(
    earlier: &Moment,
    later: &Moment,
    units: &[usize],
) -> Result<HighOrder, String> {
    let mut cursor = earlier.clone();
    let mut results = Duration::default();
    let (mut high_water, mut lowest) = (None, None);
    for unit in (0..=DAYS).filter(|unit| units.contains(unit)) {
        lowest = Some(unit);
        results.values[unit] = Some(calendar_difference(unit, &cursor, later));
        let mut high = plus_units(earlier, &results)?;
        if high.millis > later.millis {
            results.values[unit] = Some(results.get(unit) - 1.0);
            cursor = plus_units(earlier, &results)?;
            if cursor.millis > later.millis {
                high = cursor.clone();
                results.values[unit] = Some(results.get(unit) - 1.0);
                cursor = plus_units(earlier, &results)?;
            }
        } else {
            cursor = high.clone();
        }
        high_water = Some(high);
    }
    Ok((cursor, results, high_water, lowest))
}

fn plus_units(moment: &Moment, duration: &Duration) -> Result<Moment, String> {
    calendar::plus(moment, &Value::Object(duration.to_object()), 1)
}

/// The difference in one calendar unit between the wall-clock dates of two moments.
fn calendar_difference(unit: usize, a: &Moment, b: &Moment) -> f64 {
    use chrono::Datelike;
    let (a_local, b_local) = (a.local(), b.local());
    let years = f64::from(b_local.year() - a_local.year());
    let quarter = |month: u32| f64::from((month - 1) / 3);
    let days = || {
        let day_start =
            |local: chrono::NaiveDateTime| local.date().and_time(chrono::NaiveTime::MIN);
        let millis = (day_start(b_local) - day_start(a_local)).num_milliseconds();
        (millis as f64 / MILLIS_PER_DAY).floor()
    };
    match unit {
        0 => years,
        1 => quarter(b_local.month()) - quarter(a_local.month()) + years * 4.0,
        2 => f64::from(b_local.month()) - f64::from(a_local.month()) + years * 12.0,
        3 => (days() / 7.0).trunc(),
        _ => days(),
    }
}

/// Luxon's `toRelative`: the largest unit in which `moment` is at least one away from
/// `base`, written as `Intl.RelativeTimeFormat` does in `en-US` (`in 2 days`,
/// `3 hours ago`).
pub(super) fn relative(
    moment: &Moment,
    base: &Moment,
    options: &Value,
) -> Result<Option<String>, String> {
    if moment.invalid.is_some() {
        return Ok(None);
    }
    let units = relative_units(options)?;
    let single = matches!(options.get("unit"), Some(Value::String(_)));
    let digits = match options.get("round") {
        Some(Value::Bool(false)) => 100.0,
        _ => 1.0,
    };
    for unit in &units {
        let count = diff(moment, base, &[*unit])?.get(*unit);
        if single || count.abs() >= 1.0 {
            return Ok(Some(relative_text(
                (count * digits).trunc() / digits,
                *unit,
            )));
        }
    }
    let zero = if base.millis > moment.millis {
        -0.0
    } else {
        0.0
    };
    Ok(Some(relative_text(zero, *units.last().unwrap_or(&7))))
}

/// `toRelative` against a base that is not a valid date-time: Luxon finds no unit with
/// a count and writes zero of the last unit, "ago" when `base_is_later`.
pub(super) fn relative_zero(options: &Value, base_is_later: bool) -> Result<String, String> {
    let units = relative_units(options)?;
    let zero = if base_is_later { -0.0 } else { 0.0 };
    Ok(relative_text(zero, *units.last().unwrap_or(&7)))
}

fn relative_units(options: &Value) -> Result<Vec<usize>, String> {
    match options.get("unit") {
        Some(Value::Array(_)) | Some(Value::String(_)) => units_arg(options.get("unit")),
        _ => ["years", "months", "days", "hours", "minutes", "seconds"]
            .iter()
            .map(|unit| unit_index(unit))
            .collect(),
    }
}

fn relative_text(count: f64, unit: usize) -> String {
    let plural = UNITS[unit];
    let name = if count.abs() == 1.0 {
        plural.strip_suffix('s').unwrap_or(plural)
    } else {
        plural
    };
    let amount = grouped(count.abs());
    if count.is_sign_negative() {
        format!("{amount} {name} ago")
    } else {
        format!("in {amount} {name}")
    }
}

/// A number as `en-US` writes it: thousands grouped with commas, up to 3 decimals.
fn grouped(number: f64) -> String {
    let text = js_number_string((number * 1000.0).round() / 1000.0);
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{out}.{fraction}"),
        None => out,
    }
}
