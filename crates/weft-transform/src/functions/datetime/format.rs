//! Writing date-times: Luxon's `toFormat` tokens in the `en-US` locale and the fixed
//! renderings (`toISO`, `toSQL`, `toRFC2822`...).

use chrono::{Datelike, NaiveDate, Timelike};

use super::zone::{narrow_offset, padded_offset};
use super::{Moment, Zone};

pub(super) const MONTHS: [&str; 12] = [
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

pub(super) fn weekday_name(date: NaiveDate) -> &'static str {
    WEEKDAYS[date.weekday().num_days_from_monday() as usize]
}

/// Writes `moment` with a Luxon format: runs of one letter are tokens, text in single
/// quotes is literal, and a run that is not a token is written as it is.
pub(super) fn to_format(moment: &Moment, pattern: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c == '\'' {
            let close = chars[index + 1..].iter().position(|&q| q == '\'');
            let end = close.map_or(chars.len(), |offset| index + 1 + offset);
            out.extend(&chars[index + 1..end]);
            index = end + 1;
            continue;
        }
        let run = chars[index..].iter().take_while(|&&next| next == c).count();
        let token: String = chars[index..index + run].iter().collect();
        out.push_str(&token_text(moment, &token).unwrap_or(token));
        index += run;
    }
    out
}

fn token_text(moment: &Moment, token: &str) -> Option<String> {
    let local = moment.local();
    let date = local.date();
    let offset = moment.offset();
    let hour12 = match local.hour() % 12 {
        0 => 12,
        hour => hour,
    };
    let millis = local.nanosecond() / 1_000_000;
    let month = MONTHS[date.month0() as usize];
    let weekday = weekday_name(date);
    let text = match token {
        "S" => millis.to_string(),
        "SSS" | "u" => format!("{millis:03}"),
        "s" => local.second().to_string(),
        "ss" => format!("{:02}", local.second()),
        "m" => local.minute().to_string(),
        "mm" => format!("{:02}", local.minute()),
        "h" => hour12.to_string(),
        "hh" => format!("{hour12:02}"),
        "H" => local.hour().to_string(),
        "HH" => format!("{:02}", local.hour()),
        "Z" => narrow_offset(offset),
        "ZZ" => padded_offset(offset, ":"),
        "ZZZ" => padded_offset(offset, ""),
        "z" => moment.zone.name(),
        "ZZZZ" => moment.zone.short_name(moment.millis),
        "ZZZZZ" => moment.zone.long_name(moment.millis),
        "a" => if local.hour() < 12 { "AM" } else { "PM" }.to_string(),
        "d" => date.day().to_string(),
        "dd" => format!("{:02}", date.day()),
        "c" | "E" => date.weekday().number_from_monday().to_string(),
        "ccc" | "EEE" => weekday[..3].to_string(),
        "cccc" | "EEEE" => weekday.to_string(),
        "ccccc" | "EEEEE" => weekday[..1].to_string(),
        "L" | "M" => date.month().to_string(),
        "LL" | "MM" => format!("{:02}", date.month()),
        "LLL" | "MMM" => month[..3].to_string(),
        "LLLL" | "MMMM" => month.to_string(),
        "LLLLL" | "MMMMM" => month[..1].to_string(),
        "y" => date.year().to_string(),
        "yy" => format!("{:02}", date.year().rem_euclid(100)),
        "yyyy" => format!("{:04}", date.year()),
        "yyyyyy" => format!("{:06}", date.year()),
        "kk" => format!("{:02}", date.iso_week().year().rem_euclid(100)),
        "kkkk" => format!("{:04}", date.iso_week().year()),
        "W" => date.iso_week().week().to_string(),
        "WW" => format!("{:02}", date.iso_week().week()),
        "o" => date.ordinal().to_string(),
        "ooo" => format!("{:03}", date.ordinal()),
        "q" => (date.month0() / 3 + 1).to_string(),
        "qq" => format!("{:02}", date.month0() / 3 + 1),
        "X" => moment.millis.div_euclid(1000).to_string(),
        "x" => moment.millis.to_string(),
        macro_token => return macro_text(moment, macro_token),
    };
    Some(text)
}

/// Luxon's localised macro tokens, as `en-US` writes them.
fn macro_text(moment: &Moment, token: &str) -> Option<String> {
    let pattern = match token {
        "D" => "M/d/yyyy",
        "DD" => "MMM d, yyyy",
        "DDD" => "MMMM d, yyyy",
        "DDDD" => "EEEE, MMMM d, yyyy",
        "t" => "h:mm a",
        "tt" => "h:mm:ss a",
        "T" => "HH:mm",
        "TT" => "HH:mm:ss",
        "f" => "M/d/yyyy, h:mm a",
        "ff" => "MMM d, yyyy, h:mm a",
        "F" => "M/d/yyyy, h:mm:ss a",
        "FF" => "MMM d, yyyy, h:mm:ss a",
        _ => return None,
    };
    Some(to_format(moment, pattern))
}

/// The offset as `toISO` writes it: `Z` for Luxon's UTC zone, `+00:00` for the host
/// zone, `+05:30` otherwise.
fn iso_offset(moment: &Moment) -> String {
    match moment.zone {
        Zone::Fixed(0) => "Z".to_string(),
        _ => padded_offset(moment.offset(), ":"),
    }
}

/// One of the fixed renderings by name (`iso`, `isoDate`, `sql`...).
pub(super) fn fixed(moment: &Moment, kind: &str) -> Option<String> {
    let offset = iso_offset(moment);
    let text = match kind {
        "iso" => format!("{}{offset}", to_format(moment, "yyyy-MM-dd'T'HH:mm:ss.SSS")),
        "isoDate" | "sqlDate" => to_format(moment, "yyyy-MM-dd"),
        "isoTime" => format!("{}{offset}", to_format(moment, "HH:mm:ss.SSS")),
        "isoWeekDate" => to_format(moment, "kkkk-'W'WW-c"),
        "sql" => format!("{} {offset}", to_format(moment, "yyyy-MM-dd HH:mm:ss.SSS")),
        "sqlTime" => format!("{} {offset}", to_format(moment, "HH:mm:ss.SSS")),
        "rfc2822" => to_format(moment, "EEE, dd LLL yyyy HH:mm:ss ZZZ"),
        "http" => {
            let utc = Moment::new(moment.millis, Zone::Fixed(0));
            to_format(&utc, "EEE, dd LLL yyyy HH:mm:ss 'GMT'")
        }
        _ => return None,
    };
    Some(text)
}
