//! Reading date-times: ISO 8601, RFC 2822 and Luxon formats. A text without an offset
//! is wall-clock time in the host zone, UTC. Each reader returns epoch milliseconds.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Reads the ISO 8601 forms Luxon's `fromISO` accepts in practice: a date, a date and
/// time (`T` between them) with or without seconds, fraction and offset, and the
/// basic forms `20240115` and `20240115T093000Z`.
pub(super) fn iso(text: &str) -> Option<i64> {
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.timestamp_millis());
    }
    let with_offset = [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M%#z",
        "%Y%m%dT%H%M%S%.f%#z",
    ];
    for format in with_offset {
        if let Ok(parsed) = DateTime::parse_from_str(text, format) {
            return Some(parsed.timestamp_millis());
        }
    }
    let local = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H",
        "%Y%m%dT%H%M%S%.f",
    ];
    for format in local {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(text, format) {
            return Some(parsed.and_utc().timestamp_millis());
        }
    }
    date_only(text)
}

fn date_only(text: &str) -> Option<i64> {
    let date = ["%Y-%m-%d", "%Y%m%d"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
        .or_else(|| NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok())
        .or_else(|| NaiveDate::parse_from_str(&format!("{text}-01-01"), "%Y-%m-%d").ok())?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// Reads an RFC 2822 date (`Mon, 15 Jan 2024 09:30:00 +0100`).
pub(super) fn rfc2822(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|parsed| parsed.timestamp_millis())
}

/// JavaScript's `parseInt` of a decimal text: the leading integer, if any.
pub(super) fn leading_integer(text: &str) -> Option<i64> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && matches!(c, '-' | '+'))))
        .map_or(text.len(), |(i, _)| i);
    text[..end].parse().ok()
}

/// Reads `text` with a Luxon format (`dd/MM/yyyy HH:mm`); the whole text must match.
pub(super) fn with_format(text: &str, format: &str) -> Option<i64> {
    let format = luxon_to_strftime(format);
    if let Ok(parsed) = DateTime::parse_from_str(text, &format) {
        return Some(parsed.timestamp_millis());
    }
    if let Ok(parsed) = NaiveDateTime::parse_from_str(text, &format) {
        return Some(parsed.and_utc().timestamp_millis());
    }
    let date = NaiveDate::parse_from_str(text, &format).ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// Luxon format tokens and the `chrono` specifiers that read them, longest first.
const TOKENS: &[(&str, &str)] = &[
    ("yyyy", "%Y"),
    ("yy", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("M", "%m"),
    ("LLLL", "%B"),
    ("LLL", "%b"),
    ("LL", "%m"),
    ("L", "%m"),
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
    ("ZZZ", "%z"),
    ("ZZ", "%:z"),
    ("Z", "%#z"),
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

/// For an ISO text shaped like `2024-13-10` or `2024-01-10T25:00` whose numbers are
/// out of range, the first such unit and its value, which Luxon reports as
/// "unit out of range" rather than "unparsable".
pub(super) fn iso_out_of_range(text: &str) -> Option<(&'static str, u32)> {
    let (date, time) = text.split_once('T').unwrap_or((text, ""));
    let number = |part: &str| -> Option<u32> {
        (part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse().ok())?
    };
    let mut fields = date.splitn(3, '-');
    let year: i32 = fields.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let month = number(fields.next()?)?;
    let day = number(fields.next()?)?;
    if !(1..=12).contains(&month) {
        return Some(("month", month));
    }
    if day < 1 || day > super::calendar::days_in_month(year, month) {
        return Some(("day", day));
    }
    let clock = time.get(..time.len().min(8)).unwrap_or_default();
    let limits = [("hour", 23), ("minute", 59), ("second", 59)];
    clock
        .split(':')
        .zip(limits)
        .find_map(|(part, (unit, max))| number(part).filter(|v| *v > max).map(|v| (unit, v)))
}
