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
//! Cloudflare workers run in UTC, `UTC` itself, fixed offsets (`UTC+2`, `UTC-3:30`)
//! and IANA names (`Europe/Berlin`) from the database `chrono-tz` embeds. An unknown
//! zone gives an invalid date-time, as in Luxon.
//!
//! `diff` returns a Luxon `Duration` object built the same way (see [`duration`]).

mod calendar;
mod duration;
mod format;
mod parse;
mod zone;
mod zone_names;

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Map, Value, json};
pub(crate) use zone::Zone;

use super::core::is_truthy;
use super::{arg, str_arg};

type Outcome = Result<Option<Value>, String>;

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

    /// Returns the zone's offset at the moment, in minutes east of UTC.
    pub(crate) fn offset(&self) -> i32 {
        self.zone.offset_at(self.millis)
    }

    /// The wall-clock time in the moment's zone.
    pub(crate) fn local(&self) -> NaiveDateTime {
        let offset = i64::from(self.offset()) * 60_000;
        DateTime::from_timestamp_millis(self.millis + offset)
            .unwrap_or_default()
            .naive_utc()
    }

    /// Returns the moment whose wall-clock time in this moment's zone is `local`.
    /// Where the zone skips or repeats that time, Luxon's rule picks the instant: it
    /// tries this moment's offset first, then the offset found there.
    pub(crate) fn at_local(&self, local: NaiveDateTime) -> Moment {
        let local_millis = local.and_utc().timestamp_millis();
        let zone = self.zone;
        let minutes = |offset: i32| i64::from(offset) * 60_000;
        let hint = self.offset();
        let guess = local_millis - minutes(hint);
        let second = zone.offset_at(guess);
        if second == hint {
            return Moment::new(guess, zone);
        }
        let guess = guess - minutes(second - hint);
        let third = zone.offset_at(guess);
        if second == third {
            return Moment::new(guess, zone);
        }
        Moment::new(local_millis - minutes(second.min(third)), zone)
    }

    fn to_value(&self) -> Value {
        let zone = match self.zone {
            Zone::System => json!("system"),
            Zone::Fixed(minutes) => json!(minutes),
            Zone::Named(tz) => json!(tz.name()),
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
            Some(Value::String(name)) => Zone::parse(name).unwrap_or(Zone::System),
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
        || unparsable_iso(text),
        |millis| Moment::new(millis, Zone::System),
    );
    match arg(args, 1) {
        None | Some(Value::Null) => done(moment),
        Some(Value::String(zone)) if zone.is_empty() => done(moment),
        Some(Value::String(zone)) => done(with_zone(moment, zone)),
        Some(other) => Err(format!(
            "$dtFromIso: the zone must be a string such as 'America/New_York', got {other}"
        )),
    }
}

/// Builds the invalid date-time of a text that is not ISO 8601, with Luxon's reason.
fn unparsable_iso(text: &str) -> Moment {
    match parse::iso_out_of_range(text) {
        Some((unit, value)) => {
            let explanation =
                format!("you specified {value} (of type number) as a {unit}, which is invalid");
            Moment::invalid("unit out of range", Some(explanation))
        }
        None => {
            let explanation = format!("the input \"{text}\" can't be parsed as ISO 8601");
            Moment::invalid("unparsable", Some(explanation))
        }
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

/// The same instant in the zone `spec`, or an invalid date-time when Luxon does not
/// know the zone.
fn with_zone(moment: Moment, spec: &str) -> Moment {
    match (&moment.invalid, Zone::parse(spec)) {
        (Some(_), _) => moment,
        (None, Some(zone)) => Moment::new(moment.millis, zone),
        (None, None) => {
            let explanation = format!("the zone \"{spec}\" is not supported");
            Moment::invalid("unsupported zone", Some(explanation))
        }
    }
}

/// `__dtSetZone(moment, zone, options)`: the same instant in another zone, or with
/// `options.keepLocalTime` (or its alias `keepCalendarTime`) the same wall-clock time
/// in the other zone, as Luxon's `setZone` does.
pub(crate) fn set_zone(args: &[Option<Value>]) -> Outcome {
    let moment = moment_arg(args)?;
    let moved = match arg(args, 1) {
        None | Some(Value::Null) => with_zone(moment.clone(), "local"),
        Some(Value::String(spec)) => with_zone(moment.clone(), spec),
        Some(Value::Number(offset)) => {
            let minutes = offset.as_f64().unwrap_or(0.0) as i32;
            Moment::new(moment.millis, Zone::Fixed(minutes))
        }
        Some(other) => return Err(format!("setZone: unsupported zone {other}")),
    };
    let options = arg(args, 2);
    let keep_local = ["keepLocalTime", "keepCalendarTime"]
        .iter()
        .any(|name| options.and_then(|o| o.get(name)).is_some_and(is_truthy));
    if !keep_local || moved.invalid.is_some() || moment.invalid.is_some() {
        return done(moved);
    }
    done(moved.at_local(moment.local()))
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

/// `__dtText(subject, kind, a, b)`: one of the fixed renderings of a moment (`toISO`,
/// `toSQL`, `toMillis`...), where an invalid date-time gives null as in Luxon; or one
/// of the methods that take arguments (`diff`, `toRelative`...), or a method of a
/// duration (kinds `duration.*`, whose subject is the duration's data).
pub(crate) fn text(args: &[Option<Value>]) -> Outcome {
    let kind = str_arg(args, 1).unwrap_or_default();
    if let Some(method) = kind.strip_prefix("duration.") {
        return duration::method(method, arg(args, 0), arg(args, 2)).map(Some);
    }
    let moment = moment_arg(args)?;
    match kind {
        "diff" => return diff(&moment, &other_moment(arg(args, 2))?, arg(args, 3)),
        "diffNow" => return diff(&moment, &now(&moment), arg(args, 3)),
        "relative" => return relative(&moment, arg(args, 2), arg(args, 3)),
        _ => {}
    }
    if moment.invalid.is_some() {
        return Ok(Some(Value::Null));
    }
    let seconds = moment.millis as f64 / 1000.0;
    Ok(Some(match kind {
        "millis" => moment.millis.into(),
        "seconds" => super::core::number_value(seconds),
        "unix" => moment.millis.div_euclid(1000).into(),
        "jsDate" => format::fixed(&Moment::new(moment.millis, Zone::Fixed(0)), "iso").into(),
        "locale" => locale_text(&moment, arg(args, 2))?.into(),
        rendering => format::fixed(&moment, rendering)
            .ok_or_else(|| format!("unknown date-time rendering '{rendering}'"))?
            .into(),
    }))
}

/// The current instant in the moment's zone.
fn now(moment: &Moment) -> Moment {
    Moment::new(chrono::Utc::now().timestamp_millis(), moment.zone)
}

/// `diff(other, units)`: a duration, invalid when either date-time is invalid.
fn diff(moment: &Moment, other: &Moment, units: Option<&Value>) -> Outcome {
    let units = duration::units_arg(units).map_err(|e| format!("diff: {e}"))?;
    Ok(Some(duration::diff(moment, other, &units)?.to_value()))
}

/// Reads another date-time as the wrapper's `$ref` passes it: `{millis, zone, valid}`
/// for a date-time, or `{other}` for any other value. Luxon reads a value that is not
/// a date-time as an invalid one (so `diff('2024-03-10')` is an invalid duration),
/// but fails on a missing or null value, so that is an error here.
fn other_moment(value: Option<&Value>) -> Result<Moment, String> {
    let value = value.unwrap_or(&Value::Null);
    let millis = value.get("millis").and_then(Value::as_f64);
    match (value.get("valid"), millis) {
        (Some(Value::Bool(true)), Some(millis)) => {
            let zone = value.get("zone").and_then(Value::as_str).unwrap_or("local");
            Ok(Moment::new(
                millis as i64,
                Zone::parse(zone).unwrap_or(Zone::System),
            ))
        }
        (Some(_), _) => Ok(Moment::invalid("invalid input", None)),
        (None, _) => match value.get("other") {
            None | Some(Value::Null) => Err(
                "diff: the other date-time is missing; pass one such as $dtFromIso('2024-03-10')"
                    .to_string(),
            ),
            Some(other) => Ok(Moment::invalid(
                "invalid input",
                Some(format!("{other} is not a date-time")),
            )),
        },
    }
}

/// `toRelative(options, base)`: `base` is `options.base` as the wrapper's `$ref`
/// passes it. Like Luxon 3.5, an invalid date-time gives null, a missing or falsy base
/// counts from now, and a base that is not a valid date-time gives zero of the last
/// unit, "ago" when the base as a JavaScript number is later than the moment.
fn relative(moment: &Moment, options: Option<&Value>, base: Option<&Value>) -> Outcome {
    if moment.invalid.is_some() {
        return Ok(Some(Value::Null));
    }
    let options = options.cloned().unwrap_or(Value::Null);
    let base = base.unwrap_or(&Value::Null);
    let given = base.get("other");
    if base.get("valid").is_none() && !given.is_some_and(is_truthy) {
        return Ok(duration::relative(moment, &now(moment), &options)?.map(Value::from));
    }
    let base_number = match given {
        None => None,
        Some(Value::Number(number)) => number.as_f64(),
        Some(Value::Bool(flag)) => Some(f64::from(u8::from(*flag))),
        Some(Value::String(text)) => text.trim().parse::<f64>().ok(),
        Some(other) => return Err(format!("toRelative: base {other} is not a date-time")),
    };
    let base = match base_number {
        Some(number) => return Ok(Some(relative_zero(moment, &options, number)?)),
        None => other_moment(Some(base))?,
    };
    Ok(duration::relative(moment, &base, &options)?.map(Value::from))
}

fn relative_zero(moment: &Moment, options: &Value, base: f64) -> Result<Value, String> {
    let later = base > moment.millis as f64;
    Ok(duration::relative_zero(options, later)?.into())
}

/// `toLocaleString()`: the `en-US` short date (`7/10/2024`); formats given by options
/// are not supported.
fn locale_text(moment: &Moment, options: Option<&Value>) -> Result<String, String> {
    match options {
        None | Some(Value::Null) => Ok(format::to_format(moment, "D")),
        Some(other) => Err(format!(
            "toLocaleString: options {other} are not supported in weft; use toFormat"
        )),
    }
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

/// The JSONata source of the wrapper that turns a moment into a date-time object with
/// methods. `$dur` turns a duration's data into a duration object, and `$ref` turns
/// a method's argument into the data that [`other_moment`] reads.
pub(crate) const WRAP_SOURCE: &str = "function($m) { (
$dur := function($d) { $merge([$__dtText($d, 'duration.fields'), {
  'toObject': function() { $__dtText($d, 'duration.toObject') },
  'as': function($u) { $__dtText($d, 'duration.as', $u) },
  'get': function($u) { $__dtText($d, 'duration.get', $u) },
  'toISO': function() { $__dtText($d, 'duration.toISO') },
  'toMillis': function() { $__dtText($d, 'duration.toMillis') },
  'negate': function() { $dur($__dtText($d, 'duration.negate')) },
  'normalize': function() { $dur($__dtText($d, 'duration.normalize')) },
  'shiftTo': function($a, $b, $c, $e, $f, $g, $h, $i, $j) {
    $dur($__dtText($d, 'duration.shiftTo', [$a, $b, $c, $e, $f, $g, $h, $i, $j])) },
  'plus': function($o) { $dur($__dtText($d, 'duration.plus', $o)) },
  'minus': function($o) { $dur($__dtText($d, 'duration.minus', $o)) },
  'toJSON': $__dtText($d, 'duration.toISO')
}]) };
$ref := function($o) { $type($o.toMillis) = 'function'
  ? {'millis': $o.toMillis(), 'zone': $o.zoneName, 'valid': $o.isValid = true}
  : {'other': $o} };
$merge([$__dtFields($m), {
  'plus': function($d) { $__dtWrap($__dtPlus($m, $d, 1)) },
  'minus': function($d) { $__dtWrap($__dtPlus($m, $d, -1)) },
  'set': function($v) { $__dtWrap($__dtSet($m, $v)) },
  'startOf': function($u) { $__dtWrap($__dtStartOf($m, $u, false)) },
  'endOf': function($u) { $__dtWrap($__dtStartOf($m, $u, true)) },
  'setZone': function($z, $o) { $__dtWrap($__dtSetZone($m, $z, $o)) },
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
  'toJSDate': function() { $__dtText($m, 'jsDate') },
  'toMillis': function() { $__dtText($m, 'millis') },
  'valueOf': function() { $__dtText($m, 'millis') },
  'toSeconds': function() { $__dtText($m, 'seconds') },
  'toUnixInteger': function() { $__dtText($m, 'unix') },
  'toLocaleString': function($o) { $__dtText($m, 'locale', $o) },
  'toRelative': function($o) { $__dtText($m, 'relative', $o, $ref($o.base)) },
  'diff': function($o, $u) { $dur($__dtText($m, 'diff', $ref($o), $u)) },
  'diffNow': function($u) { $dur($__dtText($m, 'diffNow', null, $u)) },
  'hasSame': function($o, $u) { $type($o.toMillis) = 'function'
    ? $__dtHasSame($m, $o.toMillis(), $u) : false },
  'equals': function($o) { $type($o.toMillis) = 'function'
    ? ($o.toMillis() = $__dtText($m, 'millis') and $o.zoneName = $__dtFields($m).zoneName) }
}])
) }";

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
