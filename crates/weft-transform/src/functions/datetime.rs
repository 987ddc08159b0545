//! `$dtFromIso` and `$dtFromFormat`. Truto returns a Luxon `DateTime`; Weft returns
//! a plain object with the same scalar fields (`year`, `month`, `weekday`, `zone`...)
//! plus `iso`, in UTC.
//!
//! NOTE: Luxon's methods (`toFormat`, `plus`, `toISO`...) are not available, and
//! only the `UTC` zone is; times without an offset are read as UTC, where Luxon
//! reads them in the host's local zone.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde_json::{Map, Value, json};

use super::str_arg;

type Outcome = Result<Option<Value>, String>;

/// `$dtFromIso(text, zone?)`: the date-time of an ISO 8601 string.
pub(crate) fn dt_from_iso(args: &[Option<Value>]) -> Outcome {
    check_zone(str_arg(args, 1))?;
    Ok(Some(date_time_value(str_arg(args, 0).and_then(parse_iso))))
}

/// `$dtFromFormat(text, format)`: the date-time of `text` read with a Luxon format
/// (`dd-MM-yyyy HH:mm`), or one of `ISO`, `RFC2822` and `fromSeconds`.
pub(crate) fn dt_from_format(args: &[Option<Value>]) -> Outcome {
    let text = str_arg(args, 0).unwrap_or_default();
    let parsed = match str_arg(args, 1).unwrap_or_default() {
        "ISO" => parse_iso(text),
        "RFC2822" => DateTime::parse_from_rfc2822(text)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        "fromSeconds" => leading_integer(text).and_then(|s| DateTime::from_timestamp(s, 0)),
        format => parse_with_format(text, &luxon_to_strftime(format)),
    };
    Ok(Some(date_time_value(parsed)))
}

fn check_zone(zone: Option<&str>) -> Result<(), String> {
    match zone {
        None | Some("" | "UTC" | "utc" | "Etc/UTC" | "Z") => Ok(()),
        Some(other) => Err(format!(
            "$dtFromIso: time zone '{other}' is not supported in weft; use 'UTC'"
        )),
    }
}

fn leading_integer(text: &str) -> Option<i64> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
        .map_or(text.len(), |(i, _)| i);
    text[..end].parse().ok()
}

fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.with_timezone(&Utc));
    }
    let local_formats = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ];
    for format in local_formats {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(text, format) {
            return Some(parsed.and_utc());
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%:z"] {
        if let Ok(parsed) = DateTime::parse_from_str(text, format) {
            return Some(parsed.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%d", "%Y%m%d", "%Y-%m"] {
        if let Ok(parsed) = NaiveDate::parse_from_str(text, format) {
            return parsed.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        }
    }
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn parse_with_format(text: &str, format: &str) -> Option<DateTime<Utc>> {
    if let Ok(parsed) = DateTime::parse_from_str(text, format) {
        return Some(parsed.with_timezone(&Utc));
    }
    if let Ok(parsed) = NaiveDateTime::parse_from_str(text, format) {
        return Some(parsed.and_utc());
    }
    let date = NaiveDate::parse_from_str(text, format).ok()?;
    date.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
}

/// Luxon format tokens and the `chrono` specifiers that read them, longest first.
const TOKENS: &[(&str, &str)] = &[
    ("yyyy", "%Y"),
    ("yy", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("M", "%m"),
    ("dd", "%d"),
    ("d", "%d"),
    ("EEEE", "%A"),
    ("EEE", "%a"),
    ("HH", "%H"),
    ("H", "%H"),
    ("hh", "%I"),
    ("h", "%I"),
    ("mm", "%M"),
    ("m", "%M"),
    ("ss", "%S"),
    ("s", "%S"),
    ("SSS", "%3f"),
    ("a", "%p"),
    ("ZZ", "%:z"),
    ("Z", "%z"),
    ("X", "%s"),
];

fn luxon_to_strftime(format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if c == '\'' {
            let end = rest[1..].find('\'').map_or(rest.len(), |i| i + 2);
            out.push_str(&rest[1..end.saturating_sub(1).max(1)].replace('%', "%%"));
            rest = &rest[end.min(rest.len())..];
            continue;
        }
        if let Some((token, spec)) = TOKENS.iter().find(|(token, _)| rest.starts_with(token)) {
            out.push_str(spec);
            rest = &rest[token.len()..];
            continue;
        }
        if c == '%' {
            out.push('%');
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn date_time_value(parsed: Option<DateTime<Utc>>) -> Value {
    let Some(time) = parsed else {
        return json!({
            "year": null, "month": null, "day": null, "hour": null, "minute": null,
            "second": null, "millisecond": null, "isValid": false,
            "invalidReason": "unparsable", "zone": "UTC", "zoneName": "UTC",
        });
    };
    let date = time.date_naive();
    let month_name = MONTHS[date.month0() as usize];
    let weekday_name = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
    let leap = NaiveDate::from_ymd_opt(date.year(), 2, 29).is_some();
    let week = date.iso_week();
    let mut value = Map::new();
    let mut put = |key: &str, field: Value| {
        value.insert(key.to_string(), field);
    };
    put("year", date.year().into());
    put("quarter", (date.month0() / 3 + 1).into());
    put("month", date.month().into());
    put("day", date.day().into());
    put("hour", time.hour().into());
    put("minute", time.minute().into());
    put("second", time.second().into());
    put("millisecond", (time.timestamp_subsec_millis()).into());
    put("weekYear", week.year().into());
    put("weekNumber", week.week().into());
    put("weekday", date.weekday().number_from_monday().into());
    put("ordinal", date.ordinal().into());
    put("monthShort", month_name[..3].into());
    put("monthLong", month_name.into());
    put("weekdayShort", weekday_name[..3].into());
    put("weekdayLong", weekday_name.into());
    put("offset", 0.into());
    put("offsetNameShort", "UTC".into());
    put("offsetNameLong", "Coordinated Universal Time".into());
    put("zoneName", "UTC".into());
    put("daysInMonth", days_in_month(date).into());
    put("daysInYear", if leap { 366 } else { 365 }.into());
    put("isInLeapYear", leap.into());
    put("isInDST", false.into());
    put("isOffsetFixed", true.into());
    put("isValid", true.into());
    put("invalidReason", Value::Null);
    put("invalidExplanation", Value::Null);
    put("locale", "en-US".into());
    put("zone", "UTC".into());
    put(
        "iso",
        time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string().into(),
    );
    Value::Object(value)
}

fn days_in_month(date: NaiveDate) -> u32 {
    let (year, month) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|next| next.pred_opt())
        .map_or(31, |last| last.day())
}
