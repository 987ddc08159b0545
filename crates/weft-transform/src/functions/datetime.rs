//! `$dtFromIso` and `$dtFromFormat`: date-times that behave like the Luxon `DateTime`
//! objects `@truto/truto-jsonata` 3.0.6 returns.
//!
//! Truto hands JSONata an object with Luxon's fields (`year`, `weekday`, `zoneName`...)
//! and its methods as functions. Weft builds the same object in the prelude: the
//! native `__dtFromIso` and `__dtFromFormat` return a [`Moment`] as plain data (epoch
//! milliseconds and a zone), and the prelude's `__dtWrap` turns a moment into the object,
//! whose methods (`plus`, `startOf`, `toFormat`, `toISO`...) are JSONata closures over
//! the moment that call the `__dt*` natives here. A method that returns a date-time
//! wraps the new moment again, so calls chain: `$dtFromIso(x).plus({'days': 1}).toISO()`.
//!
//! The object also contains `toJSON`, the ISO text, which the engine writes in place of the
//! whole object when a date-time reaches the output or a native function's arguments,
//! as Luxon's `toJSON` does.
//!
//! Zones: the host zone (`local`, `system`), which Weft fixes to UTC as Truto's
//! Cloudflare workers run in UTC, `UTC` itself and fixed offsets (`UTC+2`, `UTC-3:30`).
//! NOTE: named zones such as `Europe/Berlin` fail with an error naming the zone; they
//! need a time zone database (chrono-tz) to be read correctly.

mod calendar;
mod format;
mod parse;

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Map, Value, json};

use super::{arg, str_arg};

type Outcome = Result<Option<Value>, String>;

/// The zone of a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone {
    /// The host zone, UTC; Luxon writes its offset as `+00:00` and calls it `UTC`.
    System,
    /// A fixed offset in minutes east of UTC (0 is Luxon's `UTC` zone, written `Z`).
    Fixed(i32),
}

impl Zone {
    pub(crate) fn offset_minutes(self) -> i32 {
        match self {
            Zone::System => 0,
            Zone::Fixed(minutes) => minutes,
        }
    }

    /// Luxon's zone name: `UTC`, or `UTC+5:30` for a fixed offset.
    pub(crate) fn name(self) -> String {
        match self {
            Zone::System | Zone::Fixed(0) => "UTC".to_string(),
            Zone::Fixed(minutes) => format!("UTC{}", format::narrow_offset(minutes)),
        }
    }

    /// Reads a Luxon zone specifier: `local`, `system`, `default`, `utc`, `gmt` or
    /// `UTC±H[:MM]`, all case-insensitively.
    fn parse(spec: &str) -> Result<Zone, String> {
        let lower = spec.to_ascii_lowercase();
        match lower.as_str() {
            "local" | "system" | "default" => return Ok(Zone::System),
            "utc" | "gmt" => return Ok(Zone::Fixed(0)),
            _ => {}
        }
        parse_fixed_offset(&lower).ok_or_else(|| {
            format!(
                "time zone '{spec}' is not supported in weft; use 'UTC', 'local' or a fixed \
                 offset such as 'UTC+2'"
            )
        })
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

/// A point in time in a zone, or an invalid date-time with Luxon's reason.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Moment {
    pub millis: i64,
    pub zone: Zone,
    pub invalid: Option<Invalid>,
}

/// Why a date-time is invalid, in Luxon's words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invalid {
    pub reason: String,
    pub explanation: Option<String>,
}

impl Moment {
    pub(crate) fn new(millis: i64, zone: Zone) -> Moment {
        Moment {
            millis,
            zone,
            invalid: None,
        }
    }

    pub(crate) fn invalid(reason: &str, explanation: Option<String>) -> Moment {
        Moment {
            millis: 0,
            zone: Zone::System,
            invalid: Some(Invalid {
                reason: reason.to_string(),
                explanation,
            }),
        }
    }

    /// The wall-clock time in the moment's zone.
    pub(crate) fn local(&self) -> NaiveDateTime {
        let offset = i64::from(self.zone.offset_minutes()) * 60_000;
        DateTime::from_timestamp_millis(self.millis + offset)
            .unwrap_or_default()
            .naive_utc()
    }

    /// The moment whose wall-clock time in `zone` is `local`.
    pub(crate) fn from_local(local: NaiveDateTime, zone: Zone) -> Moment {
        let offset = i64::from(zone.offset_minutes()) * 60_000;
        Moment::new(local.and_utc().timestamp_millis() - offset, zone)
    }

    fn to_value(&self) -> Value {
        let zone = match self.zone {
            Zone::System => json!("system"),
            Zone::Fixed(minutes) => json!(minutes),
        };
        let invalid = self
            .invalid
            .as_ref()
            .map(|invalid| json!({"reason": invalid.reason, "explanation": invalid.explanation}));
        json!({"millis": self.millis, "zone": zone, "invalid": invalid})
    }

    fn from_value(value: Option<&Value>) -> Result<Moment, String> {
        let bad = || "date-time method called on a value that is not a date-time".to_string();
        let value = value.ok_or_else(bad)?;
        if let Some(invalid) = value.get("invalid").filter(|v| !v.is_null()) {
            let reason = invalid["reason"].as_str().unwrap_or_default();
            let explanation = invalid["explanation"].as_str().map(String::from);
            return Ok(Moment::invalid(reason, explanation));
        }
        let millis = value
            .get("millis")
            .and_then(Value::as_f64)
            .ok_or_else(bad)?;
        let zone = match value.get("zone") {
            Some(Value::Number(minutes)) => Zone::Fixed(minutes.as_i64().unwrap_or(0) as i32),
            _ => Zone::System,
        };
        Ok(Moment::new(millis as i64, zone))
    }
}

fn moment_arg(args: &[Option<Value>]) -> Result<Moment, String> {
    Moment::from_value(arg(args, 0))
}

fn done(moment: Moment) -> Outcome {
    Ok(Some(moment.to_value()))
}

/// `__dtFromIso(text, zone?)`: the moment of an ISO 8601 text, in `zone` when given.
pub(crate) fn from_iso(args: &[Option<Value>]) -> Outcome {
    let text = str_arg(args, 0).unwrap_or_default();
    let moment = parse::iso(text).map_or_else(
        || {
            let explanation = format!("the input \"{text}\" can't be parsed as ISO 8601");
            Moment::invalid("unparsable", Some(explanation))
        },
        |millis| Moment::new(millis, Zone::System),
    );
    match str_arg(args, 1).filter(|zone| !zone.is_empty()) {
        Some(zone) => done(with_zone(moment, zone).map_err(|e| format!("$dtFromIso: {e}"))?),
        None => done(moment),
    }
}

/// `__dtFromFormat(text, format)`: the moment of `text` read with a Luxon format, or
/// with one of the names `ISO`, `RFC2822` and `fromSeconds`.
pub(crate) fn from_format(args: &[Option<Value>]) -> Outcome {
    let text = str_arg(args, 0).unwrap_or_default();
    let format = str_arg(args, 1).unwrap_or_default();
    let (parsed, kind) = match format {
        "ISO" => (parse::iso(text), "ISO 8601".to_string()),
        "RFC2822" => (parse::rfc2822(text), "RFC 2822".to_string()),
        "fromSeconds" => {
            let seconds = parse::leading_integer(text).ok_or_else(|| {
                format!("$dtFromFormat: fromSeconds requires a numerical input, got '{text}'")
            })?;
            (Some(seconds * 1000), String::new())
        }
        format => (parse::with_format(text, format), format!("format {format}")),
    };
    done(parsed.map_or_else(
        || {
            let explanation = format!("the input \"{text}\" can't be parsed as {kind}");
            Moment::invalid("unparsable", Some(explanation))
        },
        |millis| Moment::new(millis, Zone::System),
    ))
}

fn with_zone(moment: Moment, spec: &str) -> Result<Moment, String> {
    let zone = Zone::parse(spec)?;
    Ok(match moment.invalid {
        Some(_) => moment,
        None => Moment::new(moment.millis, zone),
    })
}

/// `__dtSetZone(moment, zone)`: the same instant in another zone.
pub(crate) fn set_zone(args: &[Option<Value>]) -> Outcome {
    let moment = moment_arg(args)?;
    let spec = str_arg(args, 1).unwrap_or("local");
    done(with_zone(moment, spec).map_err(|e| format!("setZone: {e}"))?)
}

/// `__dtPlus(moment, duration, sign)`: the moment moved by a Luxon duration (an object
/// of units or a number of milliseconds), forwards for sign 1 and back for -1.
pub(crate) fn plus(args: &[Option<Value>]) -> Outcome {
    let moment = moment_arg(args)?;
    let sign = arg(args, 2).and_then(Value::as_i64).unwrap_or(1);
    let duration = arg(args, 1).unwrap_or(&Value::Null);
    done(calendar::plus(&moment, duration, sign)?)
}

/// `__dtSet(moment, values)`: the moment with some wall-clock fields replaced.
pub(crate) fn set(args: &[Option<Value>]) -> Outcome {
    let moment = moment_arg(args)?;
    done(calendar::set(
        &moment,
        arg(args, 1).unwrap_or(&Value::Null),
    )?)
}

/// `__dtStartOf(moment, unit, end)`: the start of the unit the moment is in, or its
/// last millisecond when `end` is true.
pub(crate) fn start_of(args: &[Option<Value>]) -> Outcome {
    let moment = moment_arg(args)?;
    let unit = str_arg(args, 1).unwrap_or_default();
    let end = arg(args, 2) == Some(&Value::Bool(true));
    done(calendar::start_of(&moment, unit, end)?)
}

/// `__dtFormat(moment, format)`: `toFormat` with Luxon's tokens in the `en-US` locale.
pub(crate) fn to_format(args: &[Option<Value>]) -> Outcome {
    let moment = moment_arg(args)?;
    if moment.invalid.is_some() {
        return Ok(Some("Invalid DateTime".into()));
    }
    let pattern = str_arg(args, 1).unwrap_or_default();
    Ok(Some(format::to_format(&moment, pattern).into()))
}

/// `__dtText(moment, kind)`: one of the fixed renderings (`toISO`, `toSQL`,
/// `toMillis`...); an invalid date-time gives null, as in Luxon.
pub(crate) fn text(args: &[Option<Value>]) -> Outcome {
    let moment = moment_arg(args)?;
    let kind = str_arg(args, 1).unwrap_or_default();
    if moment.invalid.is_some() {
        return Ok(Some(Value::Null));
    }
    let seconds = moment.millis as f64 / 1000.0;
    Ok(Some(match kind {
        "millis" => moment.millis.into(),
        "seconds" => super::core::number_value(seconds),
        "unix" => moment.millis.div_euclid(1000).into(),
        rendering => format::fixed(&moment, rendering)
            .ok_or_else(|| format!("unknown date-time rendering '{rendering}'"))?
            .into(),
    }))
}

/// `__dtHasSame(moment, otherMillis, unit)`: whether the other instant falls in the
/// same `unit` (year, month, day...) as the moment, in the moment's zone.
pub(crate) fn has_same(args: &[Option<Value>]) -> Outcome {
    let moment = moment_arg(args)?;
    let Some(other) = arg(args, 1).and_then(Value::as_f64) else {
        return Ok(Some(false.into()));
    };
    let unit = str_arg(args, 2).unwrap_or_default();
    let start = calendar::start_of(&moment, unit, false)?;
    let end = calendar::start_of(&moment, unit, true)?;
    let other = other as i64;
    Ok(Some((start.millis <= other && other <= end.millis).into()))
}

/// `__dtFields(moment)`: Luxon's getters as a JSON object, plus `toJSON` (the ISO
/// text), in the order Truto lists them.
pub(crate) fn fields(args: &[Option<Value>]) -> Outcome {
    let moment = moment_arg(args)?;
    let mut object = match &moment.invalid {
        Some(invalid) => invalid_fields(invalid),
        None => calendar::fields(&moment),
    };
    let iso = match moment.invalid {
        Some(_) => Value::Null,
        None => format::fixed(&moment, "iso").into(),
    };
    object.insert("toJSON".into(), iso);
    Ok(Some(Value::Object(object)))
}

/// The getters of an invalid date-time: numbers are NaN in Luxon, null in JSON.
fn invalid_fields(invalid: &Invalid) -> Map<String, Value> {
    let mut object = Map::new();
    for name in calendar::FIELD_NAMES {
        object.insert((*name).to_string(), Value::Null);
    }
    object.insert("isInLeapYear".into(), false.into());
    object.insert("isInDST".into(), false.into());
    object.insert("isValid".into(), false.into());
    object.insert("invalidReason".into(), invalid.reason.clone().into());
    let explanation = invalid.explanation.clone().map_or(Value::Null, Value::from);
    object.insert("invalidExplanation".into(), explanation);
    object.insert("zone".into(), Value::Null);
    object
}

/// The JSONata source of `$dtFromIso`, `$dtFromFormat` and the wrapper that turns a
/// moment into a date-time object with methods.
pub(crate) const WRAP_SOURCE: &str = "function($m) { $merge([$__dtFields($m), {
  'plus': function($d) { $__dtWrap($__dtPlus($m, $d, 1)) },
  'minus': function($d) { $__dtWrap($__dtPlus($m, $d, -1)) },
  'set': function($v) { $__dtWrap($__dtSet($m, $v)) },
  'startOf': function($u) { $__dtWrap($__dtStartOf($m, $u, false)) },
  'endOf': function($u) { $__dtWrap($__dtStartOf($m, $u, true)) },
  'setZone': function($z) { $__dtWrap($__dtSetZone($m, $z)) },
  'toUTC': function() { $__dtWrap($__dtSetZone($m, 'utc')) },
  'toLocal': function() { $__dtWrap($__dtSetZone($m, 'local')) },
  'toFormat': function($f) { $__dtFormat($m, $f) },
  'toISO': function() { $__dtText($m, 'iso') },
  'toISODate': function() { $__dtText($m, 'isoDate') },
  'toISOTime': function() { $__dtText($m, 'isoTime') },
  'toISOWeekDate': function() { $__dtText($m, 'isoWeekDate') },
  'toRFC2822': function() { $__dtText($m, 'rfc2822') },
  'toHTTP': function() { $__dtText($m, 'http') },
  'toSQL': function() { $__dtText($m, 'sql') },
  'toSQLDate': function() { $__dtText($m, 'sqlDate') },
  'toSQLTime': function() { $__dtText($m, 'sqlTime') },
  'toMillis': function() { $__dtText($m, 'millis') },
  'valueOf': function() { $__dtText($m, 'millis') },
  'toSeconds': function() { $__dtText($m, 'seconds') },
  'toUnixInteger': function() { $__dtText($m, 'unix') },
  'hasSame': function($o, $u) { $__dtHasSame($m, $o.toMillis(), $u) },
  'equals': function($o) { $o.toMillis() = $__dtText($m, 'millis') and $o.zoneName = $__dtFields($m).zoneName }
}]) }";

/// Luxon's `DateTime.fromISO(text).toFormat(format)`, or `.toISO()` without a format;
/// `Invalid DateTime` (or `null` for `toISO`) when the text is not ISO 8601.
pub(crate) fn reformat_iso(text: &str, format: Option<&str>) -> String {
    let moment = parse::iso(text).map(|millis| Moment::new(millis, Zone::System));
    match (moment, format) {
        (Some(moment), Some(pattern)) => format::to_format(&moment, pattern),
        (Some(moment), None) => format::fixed(&moment, "iso").unwrap_or_default(),
        (None, Some(_)) => "Invalid DateTime".to_string(),
        (None, None) => "null".to_string(),
    }
}
