//! Reading the waits an API requests: `Retry-After` and the connector's rate-limit
//! headers (requests remaining in the window, and when the window resets).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use weft_connector::{RateLimitHeaders, ResetUnit};

/// Reads the connector's retry-after header (`Retry-After` unless it names another) as
/// seconds or as an HTTP date.
pub(crate) fn retry_after(
    limits: &RateLimitHeaders,
    headers: &[(String, String)],
) -> Option<Duration> {
    let name = limits.retry_after.as_deref().unwrap_or("retry-after");
    let value = header(headers, name)?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// When the remaining-requests header says 0, returns the time until the window
/// resets, as the reset header gives it.
pub(crate) fn window_exhausted(
    limits: &RateLimitHeaders,
    headers: &[(String, String)],
) -> Option<Duration> {
    let remaining: f64 = header(headers, limits.remaining.as_deref()?)?
        .parse()
        .ok()?;
    if remaining > 0.0 {
        return None;
    }
    let reset: f64 = header(headers, limits.reset.as_deref()?)?.parse().ok()?;
    if !reset.is_finite() || reset < 0.0 {
        return None;
    }
    let seconds = match limits.reset_unit {
        ResetUnit::Seconds => reset,
        ResetUnit::EpochSeconds => reset - unix_now(),
        ResetUnit::EpochMilliseconds => reset / 1000.0 - unix_now(),
    };
    Some(Duration::from_secs_f64(seconds.clamp(0.0, u32::MAX as f64)))
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let pairs = pairs.iter();
        pairs.map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn limits(unit: ResetUnit) -> RateLimitHeaders {
        RateLimitHeaders {
            remaining: Some("x-ratelimit-remaining".into()),
            reset: Some("x-ratelimit-reset".into()),
            reset_unit: unit,
            retry_after: Some("retry-after".into()),
        }
    }

    #[test]
    fn retry_after_reads_seconds() {
        let delay = retry_after(
            &limits(ResetUnit::Seconds),
            &headers(&[("Retry-After", "7")]),
        );
        assert_eq!(delay, Some(Duration::from_secs(7)));
    }

    #[test]
    fn retry_after_in_the_past_means_no_wait() {
        let past = headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]);
        let delay = retry_after(&limits(ResetUnit::Seconds), &past);
        assert_eq!(delay, Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_ignores_garbage() {
        let garbage = headers(&[("Retry-After", "soon")]);
        assert_eq!(retry_after(&limits(ResetUnit::Seconds), &garbage), None);
    }

    #[test]
    fn exhausted_window_waits_for_reset_seconds() {
        let response = headers(&[("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "30")]);
        let wait = window_exhausted(&limits(ResetUnit::Seconds), &response);
        assert_eq!(wait, Some(Duration::from_secs(30)));
    }

    #[test]
    fn exhausted_window_reads_epoch_reset() {
        let reset = (unix_now() as u64 + 100).to_string();
        let response = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &reset),
        ]);
        let wait = window_exhausted(&limits(ResetUnit::EpochSeconds), &response);
        let wait = wait.ok_or("no wait").map(|wait| wait.as_secs());
        assert!(matches!(wait, Ok(98..=100)), "{wait:?}");
    }

    #[test]
    fn remaining_requests_mean_no_wait() {
        let response = headers(&[("X-RateLimit-Remaining", "3"), ("X-RateLimit-Reset", "30")]);
        assert_eq!(
            window_exhausted(&limits(ResetUnit::Seconds), &response),
            None
        );
    }
}
