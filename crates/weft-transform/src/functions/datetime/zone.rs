//! Zones of date-times: the host zone (UTC), fixed offsets and named IANA zones
//! from the time zone database that `chrono-tz` embeds, with the names Luxon gives
//! their offsets in the `en-US` locale.

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;

use super::zone_names::ZONE_NAMES;

/// The zone of a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone {
    /// The host zone, UTC; Luxon writes its offset as `+00:00` and calls it `UTC`.
    System,
    /// A fixed offset in minutes east of UTC (0 is Luxon's `UTC` zone, written `Z`).
    Fixed(i32),
    /// A named IANA zone such as `America/New_York`, whose offset depends on the date.
    Named(Tz),
}

impl Zone {
    /// Reads a Luxon zone specifier: `local`, `system`, `default`, `utc`, `gmt`,
    /// `UTC±H[:MM]` or an IANA name, all case-insensitively; `None` when Luxon would
    /// call the zone unsupported.
    pub(crate) fn parse(spec: &str) -> Option<Zone> {
        let lower = spec.to_ascii_lowercase();
        match lower.as_str() {
            "local" | "system" | "default" => Some(Zone::System),
            "utc" | "gmt" => Some(Zone::Fixed(0)),
            _ => parse_fixed_offset(&lower)
                .or_else(|| Tz::from_str_insensitive(spec).ok().map(Zone::Named)),
        }
    }

    /// The offset in minutes east of UTC at the instant `millis`.
    pub(crate) fn offset_at(self, millis: i64) -> i32 {
        match self {
            Zone::System => 0,
            Zone::Fixed(minutes) => minutes,
            Zone::Named(tz) => {
                let utc = DateTime::from_timestamp_millis(millis).unwrap_or_default();
                tz.offset_from_utc_datetime(&utc.naive_utc())
                    .fix()
                    .local_minus_utc()
                    / 60
            }
        }
    }

    /// Luxon's zone name: `UTC`, `UTC+5:30` for a fixed offset, or the IANA name.
    pub(crate) fn name(self) -> String {
        match self {
            Zone::System | Zone::Fixed(0) => "UTC".to_string(),
            Zone::Fixed(minutes) => format!("UTC{}", narrow_offset(minutes)),
            Zone::Named(tz) => tz.name().to_string(),
        }
    }

    /// Whether the instant is in daylight saving time: its offset is larger than the
    /// offset on the 1st of January or of May of its year, as Luxon's `isInDST` says.
    pub(crate) fn is_dst(self, millis: i64) -> bool {
        let Zone::Named(tz) = self else {
            return false;
        };
        let offset = self.offset_at(millis);
        let year = DateTime::from_timestamp_millis(millis)
            .map(|utc| utc.with_timezone(&tz).naive_local())
            .map_or(1970, |local| chrono::Datelike::year(&local));
        [1, 5].iter().any(|&month| {
            let first = chrono::NaiveDate::from_ymd_opt(year, month, 1)
                .and_then(|date| date.and_hms_opt(12, 0, 0))
                .map_or(0, |noon| noon.and_utc().timestamp_millis());
            offset > self.offset_at(first)
        })
    }

    /// Luxon's `offsetNameShort` (and `ZZZZ`): `EDT`, `GMT+5:30`, `UTC`.
    pub(crate) fn short_name(self, millis: i64) -> String {
        match self {
            Zone::System => "UTC".to_string(),
            Zone::Fixed(_) => self.name(),
            Zone::Named(_) => self
                .listed_name(millis, false)
                .unwrap_or_else(|| gmt_name(short_gmt_offset(self.offset_at(millis)))),
        }
    }

    /// Luxon's `offsetNameLong` (and `ZZZZZ`): `Eastern Daylight Time`, `GMT+05:30`.
    pub(crate) fn long_name(self, millis: i64) -> String {
        match self {
            Zone::System => "Coordinated Universal Time".to_string(),
            Zone::Fixed(_) => self.name(),
            Zone::Named(_) => self
                .listed_name(millis, true)
                .unwrap_or_else(|| gmt_name(padded_offset(self.offset_at(millis), ":"))),
        }
    }

    fn listed_name(self, millis: i64, long: bool) -> Option<String> {
        let Zone::Named(tz) = self else {
            return None;
        };
        let index = ZONE_NAMES
            .binary_search_by(|row| row.0.cmp(tz.name()))
            .ok()?;
        let (_, short_standard, short_daylight, long_standard, long_daylight) = ZONE_NAMES[index];
        let name = match (long, self.is_dst(millis)) {
            (false, false) => short_standard,
            (false, true) => short_daylight,
            (true, false) => long_standard,
            (true, true) => long_daylight,
        };
        Some(name.to_string()).filter(|name| !name.is_empty())
    }
}

/// `GMT` followed by an offset, or `GMT` alone for offset zero.
fn gmt_name(offset: String) -> String {
    match offset
        .trim_start_matches(['+', '-'])
        .trim_start_matches(['0', ':'])
    {
        "" => "GMT".to_string(),
        _ => format!("GMT{offset}"),
    }
}

fn parse_fixed_offset(lower: &str) -> Option<Zone> {
    let rest = lower.strip_prefix("utc")?;
    let sign = match rest.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let (hours, minutes) = rest[1..].split_once(':').unwrap_or((&rest[1..], "0"));
    let valid = (1..=2).contains(&hours.len()) && hours.bytes().all(|b| b.is_ascii_digit());
    let minutes_valid = minutes == "0" || minutes.len() == 2;
    if !valid || !minutes_valid {
        return None;
    }
    let total = hours.parse::<i32>().ok()? * 60 + minutes.parse::<i32>().ok()?;
    Some(Zone::Fixed(sign * total))
}

/// An offset as Luxon's narrow form: `+0`, `+5:30`, `-3`. Luxon 3.5 does not pad
/// the minutes, so 5 minutes is `+0:5`.
pub(crate) fn narrow_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let (hours, rest) = (minutes.abs() / 60, minutes.abs() % 60);
    match rest {
        0 => format!("{sign}{hours}"),
        _ => format!("{sign}{hours}:{rest}"),
    }
}

/// An offset as `Intl` writes it in a short `GMT` name: `+0`, `+5:30`, `+0:05`.
fn short_gmt_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let (hours, rest) = (minutes.abs() / 60, minutes.abs() % 60);
    match rest {
        0 => format!("{sign}{hours}"),
        _ => format!("{sign}{hours}:{rest:02}"),
    }
}

/// An offset as `+05:30` (`separator` ":") or `+0530` (`separator` "").
pub(crate) fn padded_offset(minutes: i32, separator: &str) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let (hours, rest) = (minutes.abs() / 60, minutes.abs() % 60);
    format!("{sign}{hours:02}{separator}{rest:02}")
}
