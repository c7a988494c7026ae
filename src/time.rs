//! Times and durations as IMS writes them and as people read them.

use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// Parses an IMS time: RFC 3339 (`2024-11-06T06:19:43.195Z`) or the older
/// `04-Jun-2015 18:11:06:586` (UTC, milliseconds after a colon). Empty → `None`.
#[must_use]
pub fn parse_api_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    parse_legacy(text)
}

fn parse_legacy(text: &str) -> Option<Timestamp> {
    // `DD-Mon-YYYY HH:MM:SS:mmm`: the last colon separates milliseconds.
    let (clock, millis) = match text.rsplit_once(':') {
        Some((head, tail)) if head.matches(':').count() == 2 => (head, Some(tail)),
        _ => (text, None),
    };
    let civil = DateTime::strptime("%d-%b-%Y %H:%M:%S", clock).ok()?;
    let mut ts = TimeZone::UTC.to_timestamp(civil).ok()?;
    if let Some(millis) = millis {
        if millis.is_empty() || millis.len() > 9 || !millis.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: i64 = millis.parse().ok()?;
        let nanos = value * 10_i64.pow(9 - u32::try_from(millis.len()).ok()?);
        ts = ts
            .checked_add(jiff::SignedDuration::from_nanos(nanos))
            .ok()?;
    }
    Some(ts)
}

/// `2024-11-06 06:19:43Z`: second precision, always UTC, so tables do not depend on where
/// they are printed.
#[must_use]
pub(crate) fn format_started(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M:%SZ").to_string()
}

/// Compact duration for tables and progress: `850ms`, `42s`, `3m42s`, `1h05m`, `2d3h`.
#[must_use]
pub(crate) fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs == 0 {
        return format!("{}ms", duration.as_millis());
    }
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        format!("{d}d{h}h")
    } else if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// Duration between two instants; zero when the clock or the API disagree on order.
#[must_use]
pub(crate) fn between(start: Timestamp, end: Timestamp) -> Duration {
    Duration::try_from(end.duration_since(start)).unwrap_or(Duration::ZERO)
}

/// Parses a user-supplied duration: `500ms`, `2s`, `10m`, `1h30m` (humantime), and a bare
/// number of seconds.
///
/// # Errors
/// A message naming the accepted forms.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(text).map_err(|_| {
        format!("`{text}` is not a duration: use forms like `500ms`, `2s`, `10m`, `1h30m`")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_parse() {
        let modern = parse_api_time("2024-11-06T06:19:43.195Z").expect("modern");
        assert_eq!(modern.to_string(), "2024-11-06T06:19:43.195Z");
        let legacy = parse_api_time("04-Jun-2015 18:11:06:586").expect("legacy");
        assert_eq!(legacy.to_string(), "2015-06-04T18:11:06.586Z");
        assert!(parse_api_time("").is_none());
        assert!(parse_api_time("yesterday").is_none());
        assert!(parse_api_time("04-Jun-2015 18:11:06:").is_none());
    }

    #[test]
    fn durations_read_compactly() {
        assert_eq!(format_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(format_duration(Duration::from_secs(42)), "42s");
        assert_eq!(format_duration(Duration::from_secs(222)), "3m42s");
        assert_eq!(format_duration(Duration::from_secs(3900)), "1h05m");
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("soon").is_err());
    }
}
