//! Calendar arithmetic on wall-clock time: Luxon's getters, `plus`, `set` and
//! `startOf`. Calendar units move the wall clock and keep it where a zone changes its
//! offset; time units move the instant.

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, Timelike};
use serde_json::{Map, Value};

use super::{Moment, Zone, format};

/// Luxon's getters in the order Truto copies them, then `zone`.
pub(super) const FIELD_NAMES: &[&str] = &[
    "year",
    "quarter",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "millisecond",
    "weekYear",
    "weekNumber",
    "weekday",
    "ordinal",
    "monthShort",
    "monthLong",
    "weekdayShort",
    "weekdayLong",
    "offset",
    "offsetNameShort",
    "offsetNameLong",
    "zoneName",
    "daysInMonth",
    "daysInYear",
    "weeksInWeekYear",
    "isInLeapYear",
    "isInDST",
    "isOffsetFixed",
    "isValid",
    "invalidReason",
    "invalidExplanation",
    "locale",
    "numberingSystem",
    "outputCalendar",
];

/// The getters of a valid moment.
pub(super) fn fields(moment: &Moment) -> Map<String, Value> {
    let local = moment.local();
    let date = local.date();
    let week = date.iso_week();
    let leap = NaiveDate::from_ymd_opt(date.year(), 2, 29).is_some();
    let values: [Value; 32] = [
        date.year().into(),
        (date.month0() / 3 + 1).into(),
        date.month().into(),
        date.day().into(),
        local.hour().into(),
        local.minute().into(),
        local.second().into(),
        (local.nanosecond() / 1_000_000).into(),
        week.year().into(),
        week.week().into(),
        date.weekday().number_from_monday().into(),
        date.ordinal().into(),
        format::MONTHS[date.month0() as usize][..3].into(),
        format::MONTHS[date.month0() as usize].into(),
        format::weekday_name(date)[..3].into(),
        format::weekday_name(date).into(),
        moment.offset().into(),
        moment.zone.short_name(moment.millis).into(),
        moment.zone.long_name(moment.millis).into(),
        moment.zone.name().into(),
        days_in_month(date.year(), date.month()).into(),
        if leap { 366 } else { 365 }.into(),
        weeks_in_year(week.year()).into(),
        leap.into(),
        moment.zone.is_dst(moment.millis).into(),
        matches!(moment.zone, Zone::Fixed(_)).into(),
        true.into(),
        Value::Null,
        Value::Null,
        "en-US".into(),
        Value::Null,
        Value::Null,
    ];
    let mut object: Map<String, Value> = FIELD_NAMES
        .iter()
        .map(|name| (*name).to_string())
        .zip(values)
        .collect();
    object.insert("zone".into(), moment.zone.name().into());
    object
}

pub(super) fn days_in_month(year: i32, month: u32) -> u32 {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .and_then(|next| next.pred_opt())
        .map_or(31, |last| last.day())
}

fn weeks_in_year(iso_year: i32) -> u32 {
    NaiveDate::from_ymd_opt(iso_year, 12, 28).map_or(52, |day| day.iso_week().week())
}

/// Luxon's unit name for a singular or plural unit (`day`, `days` -> `days`).
fn unit_name(unit: &str) -> Option<&'static str> {
    let lower = unit.to_ascii_lowercase();
    super::duration::UNITS
        .iter()
        .find(|known| **known == lower || known.strip_suffix('s') == Some(lower.as_str()))
        .copied()
}

/// Moves the moment by a duration: calendar units on the wall clock (months clamp to
/// the month's last day), then time units as elapsed milliseconds.
pub(super) fn plus(moment: &Moment, duration: &Value, sign: i64) -> Result<Moment, String> {
    if moment.invalid.is_some() {
        return Ok(moment.clone());
    }
    let units = duration_units(duration)?;
    let amount = |name: &str| {
        units
            .iter()
            .find(|(unit, _)| *unit == name)
            .map_or(0.0, |u| u.1)
    };
    let sign_f = sign as f64;

    let months = sign_f * (amount("years") * 12.0 + amount("quarters") * 3.0 + amount("months"));
    let days = sign_f * (amount("weeks") * 7.0 + amount("days"));
    let local = add_months(moment.local(), months.trunc() as i32)
        .ok_or("date-time out of range after plus")?;
    let local = local + Duration::milliseconds((days * 86_400_000.0).round() as i64);
    let millis = sign_f
        * (amount("hours") * 3_600_000.0
            + amount("minutes") * 60_000.0
            + amount("seconds") * 1000.0
            + amount("milliseconds"));
    let moved = moment.at_local(local);
    Ok(Moment::new(
        moved.millis + millis.round() as i64,
        moment.zone,
    ))
}

fn duration_units(duration: &Value) -> Result<Vec<(&'static str, f64)>, String> {
    match duration {
        Value::Number(millis) => Ok(vec![("milliseconds", millis.as_f64().unwrap_or(0.0))]),
        Value::Object(object) => object
            .iter()
            .map(|(key, value)| {
                let unit =
                    unit_name(key).ok_or_else(|| format!("invalid duration unit '{key}'"))?;
                let amount = value
                    .as_f64()
                    .ok_or_else(|| format!("invalid duration value for '{key}': {value}"))?;
                Ok((unit, amount))
            })
            .collect(),
        other => Err(format!("invalid duration: {other}")),
    }
}

fn add_months(local: NaiveDateTime, months: i32) -> Option<NaiveDateTime> {
    if months >= 0 {
        local.checked_add_months(Months::new(months.unsigned_abs()))
    } else {
        local.checked_sub_months(Months::new(months.unsigned_abs()))
    }
}

/// Replaces wall-clock fields (`year`, `month`, `day`, `hour`, `minute`, `second`,
/// `millisecond`); the day is clamped to the new month's length unless it is set.
pub(super) fn set(moment: &Moment, values: &Value) -> Result<Moment, String> {
    if moment.invalid.is_some() {
        return Ok(moment.clone());
    }
    let Value::Object(values) = values else {
        return Err(format!("set expects an object of units, got {values}"));
    };
    let local = moment.local();
    let mut parts = [
        i64::from(local.year()),
        i64::from(local.month()),
        i64::from(local.day()),
        i64::from(local.hour()),
        i64::from(local.minute()),
        i64::from(local.second()),
        i64::from(local.nanosecond() / 1_000_000),
    ];
    let names = [
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "millisecond",
    ];
    for (key, value) in values {
        let singular = key.strip_suffix('s').unwrap_or(key);
        let index = names
            .iter()
            .position(|name| *name == singular)
            .ok_or_else(|| format!("set: unsupported unit '{key}'"))?;
        parts[index] = value
            .as_f64()
            .ok_or_else(|| format!("set: invalid value for '{key}': {value}"))?
            as i64;
    }
    if !values.contains_key("day") && !values.contains_key("days") {
        let last = days_in_month(parts[0] as i32, parts[1].clamp(1, 12) as u32);
        parts[2] = parts[2].min(i64::from(last));
    }
    let local = wall_clock(parts).ok_or("set: the values give no valid date-time")?;
    Ok(moment.at_local(local))
}

fn wall_clock(parts: [i64; 7]) -> Option<NaiveDateTime> {
    let date = NaiveDate::from_ymd_opt(parts[0] as i32, parts[1] as u32, parts[2] as u32)?;
    let time = date.and_hms_milli_opt(parts[3] as u32, parts[4] as u32, parts[5] as u32, 0)?;
    Some(time + Duration::milliseconds(parts[6]))
}

/// The first millisecond of the unit (`year`, `quarter`, `month`, `week` from Monday,
/// `day`, `hour`, `minute`, `second`) that holds the moment, or the last one if `end`.
pub(super) fn start_of(moment: &Moment, unit: &str, end: bool) -> Result<Moment, String> {
    if moment.invalid.is_some() {
        return Ok(moment.clone());
    }
    let name = unit_name(unit).ok_or_else(|| format!("invalid unit '{unit}'"))?;
    let local = moment.local();
    let date = local.date();
    let day_start = |date: NaiveDate| date.and_hms_opt(0, 0, 0).unwrap_or_default();
    let start = match name {
        "years" => day_start(date.with_ordinal(1).unwrap_or(date)),
        "quarters" => day_start(first_of_month(date, date.month0() / 3 * 3 + 1)),
        "months" => day_start(first_of_month(date, date.month())),
        "weeks" => {
            day_start(date - Duration::days(i64::from(date.weekday().num_days_from_monday())))
        }
        "days" => day_start(date),
        "hours" => local
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .unwrap_or(local),
        "minutes" => local.with_second(0).unwrap_or(local),
        _ => local,
    };
    let start = match name {
        "milliseconds" => start,
        _ => start.with_nanosecond(0).unwrap_or(start),
    };
    let start = moment.at_local(start);
    if !end {
        return Ok(start);
    }
    let next = plus(&start, &serde_json::json!({ name: 1 }), 1)?;
    Ok(Moment::new(next.millis - 1, moment.zone))
}

fn first_of_month(date: NaiveDate, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(date.year(), month, 1).unwrap_or(date)
}
