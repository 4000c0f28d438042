//! Turning values into the card's text, exactly and without a browser.
//!
//! Dates and relative times need the user's time zone and locale data, so the
//! browser layer hands them to `Intl`; what can be decided here (which unit,
//! whether a timestamp is representable) is decided here.

use std::time::Duration;

/// Groups digits by three with `,` (the separator of both supported locales):
/// exact for every `i64`, unlike a trip through a JavaScript number.
pub fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 h 2 min 3 s": every non-zero unit from days to seconds; below one
/// second, milliseconds.
pub fn format_duration(d: Duration, units: &DurationUnits) -> String {
    let total = d.as_secs();
    if total == 0 {
        return format!("{} {}", d.subsec_millis(), units.millisecond);
    }
    let parts = [
        (total / 86_400, units.day),
        (total / 3_600 % 24, units.hour),
        (total / 60 % 60, units.minute),
        (total % 60, units.second),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The largest instant a JavaScript `Date` can hold, in ms from the epoch.
const MAX_DATE_MS: i64 = 8_640_000_000_000_000;

/// Epoch milliseconds a `Date` can show, as an `f64` (exact in this range).
pub fn date_ms(epoch_ms: i64) -> Option<f64> {
    (-MAX_DATE_MS..=MAX_DATE_MS)
        .contains(&epoch_ms)
        .then_some(epoch_ms as f64)
}

/// `Date.prototype.toISOString` of epoch milliseconds, in wasm (a call to
/// JS per card and render costs more): `2020-11-23T07:00:33.874Z`, years
/// outside 0–9999 as `+010000`/`-000001`. `None` outside `Date`'s range.
pub fn iso_utc(epoch_ms: i64) -> Option<String> {
    date_ms(epoch_ms)?;
    let (days, ms) = (
        epoch_ms.div_euclid(86_400_000),
        epoch_ms.rem_euclid(86_400_000),
    );
    // Days to a civil date (H. Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let year = if (0..=9_999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{}{:06}", if year < 0 { '-' } else { '+' }, year.abs())
    };
    Some(format!(
        "{year}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1_000 % 60,
        ms % 1_000
    ))
}

/// A unit for `Intl.RelativeTimeFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelUnit {
    Second,
    Minute,
    Hour,
    Day,
}

impl RelUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Second => "second",
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Day => "day",
        }
    }
}

/// How long ago something happened, in the largest whole unit: the value is
/// negative (past) as `Intl.RelativeTimeFormat` expects. Seconds go in steps
/// of ten: a card that refreshes every few seconds says "now" rather than
/// redrawing a count every second. Under ten seconds (and for clock skew
/// into the future) it is "0 seconds", which `Intl` with `numeric: "auto"`
/// says as "now".
pub fn relative_age(age: Duration) -> (i64, RelUnit) {
    let s = age.as_secs() as i64;
    match s {
        0..=59 => (-(s / 10 * 10), RelUnit::Second),
        60..=3_599 => (-(s / 60), RelUnit::Minute),
        3_600..=86_399 => (-(s / 3_600), RelUnit::Hour),
        _ => (-(s / 86_400), RelUnit::Day),
    }
}

/// How long until the "updated … ago" text for `age` changes: the next
/// boundary of the step [`relative_age`] shows.
pub fn age_tick(age: Duration) -> Duration {
    let ms = whole_ms(age);
    let step: u64 = match ms / 1000 {
        0..=59 => 10_000,
        60..=3_599 => 60_000,
        3_600..=86_399 => 3_600_000,
        _ => 86_400_000,
    };
    Duration::from_millis(step - ms % step)
}

/// `wait`, lengthened by under a second so that it ends on a whole second
/// of the wall clock (`wall_ms`). Every card of a page then ticks at the
/// same moments, and the browser lays out and paints their new texts once
/// instead of once per card. A text may lag by under a second.
pub fn on_a_whole_second(wait: Duration, wall_ms: f64) -> Duration {
    let into_second = into_second(wall_ms);
    let end = into_second.saturating_add(whole_ms(wait));
    Duration::from_millis(end.div_ceil(1000).saturating_mul(1000) - into_second)
}

/// `wait`, moved by at most half a second so that it ends on a whole
/// second of the wall clock (`wall_ms`), and never below zero. Cards that
/// share requests (`requests="batch"`) refresh at such moments, so the
/// refreshes of a page fall due together and go out as one request; the
/// nearest second (not the next) keeps their rhythm at `interval`.
pub fn to_a_whole_second(wait: Duration, wall_ms: f64) -> Duration {
    let into_second = into_second(wall_ms);
    let end = into_second
        .saturating_add(whole_ms(wait))
        .saturating_add(500);
    Duration::from_millis((end - end % 1000).saturating_sub(into_second))
}

/// The milliseconds of `wall_ms` into its second (0 for readings that are
/// not usable).
fn into_second(wall_ms: f64) -> u64 {
    if wall_ms.is_finite() && wall_ms > 0.0 {
        wall_ms as u64 % 1000
    } else {
        0
    }
}

/// The time from `from_ms` to `to_ms` (browser clock readings in ms), never
/// negative: clocks can step back. Non-finite readings count as zero.
pub fn ms_between(from_ms: f64, to_ms: f64) -> Duration {
    let ms = to_ms - from_ms;
    if ms.is_finite() && ms > 0.0 {
        // Capped (about 31 years) far below from_secs_f64's overflow.
        Duration::from_secs_f64(ms.min(1e12) / 1000.0)
    } else {
        Duration::ZERO
    }
}

/// Whole milliseconds, saturating (no 128-bit arithmetic, which costs wasm).
pub fn whole_ms(d: Duration) -> u64 {
    d.as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(d.subsec_millis()))
}

/// Seconds as a short whole number for "retrying in 40 s".
pub fn whole_seconds(d: Duration) -> u64 {
    // Round up so "in 0 s" is never shown while a wait remains.
    d.as_secs() + u64::from(d.subsec_millis() > 0)
}

/// Unit symbols for "1 h 2 min 3 s".
#[derive(Debug)]
pub struct DurationUnits {
    pub day: &'static str,
    pub hour: &'static str,
    pub minute: &'static str,
    pub second: &'static str,
    pub millisecond: &'static str,
}

/// "15", "1.5", "0.25": seconds without float formatting (which would cost
/// wasm size) and without trailing zeros.
pub fn format_seconds(d: Duration) -> String {
    let whole = d.as_secs();
    let millis = d.subsec_millis();
    if millis == 0 {
        return whole.to_string();
    }
    let fraction = format!("{millis:03}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// The standard reason phrase of the codes this API and its gateways use.
/// (Browsers give an empty `statusText` over HTTP/2.)
pub fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::lang::Lang;
    use proptest::prelude::*;

    #[test]
    fn seconds_are_written_briefly() {
        assert_eq!(format_seconds(Duration::from_secs(15)), "15");
        assert_eq!(format_seconds(Duration::from_millis(1500)), "1.5");
        assert_eq!(format_seconds(Duration::from_millis(250)), "0.25");
        assert_eq!(format_seconds(Duration::from_millis(1001)), "1.001");
    }

    #[test]
    fn grouping() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(-1234567), "-1,234,567");
        assert_eq!(group_digits(9_007_199_254_740_993), "9,007,199,254,740,993");
        assert_eq!(group_digits(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn durations() {
        let en = &Lang::En.text().units;
        assert_eq!(
            format_duration(Duration::from_secs(3723), en),
            "1 h 2 min 3 s"
        );
        assert_eq!(format_duration(Duration::from_secs(60), en), "1 min");
        assert_eq!(
            format_duration(Duration::from_secs(90_061), en),
            "1 d 1 h 1 min 1 s"
        );
        assert_eq!(format_duration(Duration::from_millis(850), en), "850 ms");
        assert_eq!(format_duration(Duration::ZERO, en), "0 ms");
        let zh = &Lang::ZhCn.text().units;
        assert_eq!(
            format_duration(Duration::from_secs(3723), zh),
            "1 小时 2 分 3 秒"
        );
    }

    #[test]
    fn relative_ages() {
        let s = Duration::from_secs;
        assert_eq!(relative_age(s(2)), (0, RelUnit::Second));
        assert_eq!(relative_age(s(9)), (0, RelUnit::Second));
        assert_eq!(relative_age(s(10)), (-10, RelUnit::Second));
        assert_eq!(relative_age(s(59)), (-50, RelUnit::Second));
        assert_eq!(relative_age(s(125)), (-2, RelUnit::Minute));
        assert_eq!(relative_age(s(7300)), (-2, RelUnit::Hour));
        assert_eq!(relative_age(s(200_000)), (-2, RelUnit::Day));
        let ms = Duration::from_millis;
        assert_eq!(age_tick(ms(3_250)), ms(6_750));
        assert_eq!(age_tick(ms(10_000)), ms(10_000));
        assert_eq!(age_tick(ms(55_000)), ms(5_000));
        assert_eq!(age_tick(s(300)), s(60));
        assert_eq!(age_tick(s(3_600)), s(3_600));
        assert_eq!(
            age_tick(Duration::MAX),
            ms(86_400_000 - u64::MAX % 86_400_000)
        );
    }

    proptest! {
        #[test]
        fn the_text_changes_exactly_when_the_tick_comes(age in 0u64..200_000_000) {
            let age = Duration::from_millis(age);
            let tick = age_tick(age);
            prop_assert!(tick > Duration::ZERO);
            let before = relative_age(age + tick - Duration::from_millis(1));
            prop_assert_eq!(before, relative_age(age));
            prop_assert_ne!(relative_age(age + tick), relative_age(age));
        }
    }

    #[test]
    fn dates_out_of_range_are_refused() {
        assert_eq!(date_ms(1_606_114_833_874), Some(1_606_114_833_874.0));
        assert_eq!(date_ms(i64::MAX), None);
        assert_eq!(date_ms(-MAX_DATE_MS - 1), None);
    }

    #[test]
    fn iso_dates_are_those_of_javascript() {
        // Each as `new Date(ms).toISOString()` gives it.
        for (ms, iso) in [
            (0, "1970-01-01T00:00:00.000Z"),
            (1_606_114_833_874, "2020-11-23T07:00:33.874Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (253_402_300_800_000, "+010000-01-01T00:00:00.000Z"),
            (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
            (-62_135_596_800_001, "0000-12-31T23:59:59.999Z"),
            (8_640_000_000_000_000, "+275760-09-13T00:00:00.000Z"),
            (-8_640_000_000_000_000, "-271821-04-20T00:00:00.000Z"),
        ] {
            assert_eq!(iso_utc(ms).as_deref(), Some(iso), "{ms}");
        }
        assert_eq!(iso_utc(8_640_000_000_000_001), None);
    }

    proptest! {
        #[test]
        fn iso_dates_count_days_one_by_one(ms in -MAX_DATE_MS..MAX_DATE_MS - 86_400_000) {
            // The next day's date is the day after (or the 1st of the next
            // month or year), at the same time.
            let (a, b) = (iso_utc(ms).unwrap(), iso_utc(ms + 86_400_000).unwrap());
            let split = |s: &str| {
                let (date, time) = s.split_once('T').unwrap();
                let mut parts = date.rsplitn(3, '-');
                let d: u32 = parts.next().unwrap().parse().unwrap();
                let m: u32 = parts.next().unwrap().parse().unwrap();
                let y: i64 = parts.next().unwrap().replace('+', "").parse().unwrap();
                (y, m, d, time.to_owned())
            };
            let ((y1, m1, d1, t1), (y2, m2, d2, t2)) = (split(&a), split(&b));
            prop_assert_eq!(t1, t2);
            let next = if d2 == 1 {
                if m2 == 1 { (y1 + 1, 1) == (y2, m2) && (m1, d1) == (12, 31) } else { y1 == y2 && m1 + 1 == m2 && d1 >= 28 }
            } else {
                (y1, m1, d1 + 1) == (y2, m2, d2)
            };
            prop_assert!(next, "{} → {}", a, b);
        }
    }

    #[test]
    fn ms_between_never_goes_negative_or_panics() {
        assert_eq!(ms_between(1_000.0, 3_500.0), Duration::from_millis(2_500));
        assert_eq!(ms_between(3_500.0, 1_000.0), Duration::ZERO);
        assert_eq!(ms_between(0.0, f64::NAN), Duration::ZERO);
        assert_eq!(ms_between(0.0, f64::INFINITY), Duration::ZERO);
        assert_eq!(ms_between(0.0, 1e300), Duration::from_secs(1_000_000_000));
    }

    #[test]
    fn ticks_land_on_whole_seconds() {
        let ms = Duration::from_millis;
        assert_eq!(on_a_whole_second(ms(6_750), 1_700_000_000_250.0), ms(6_750));
        assert_eq!(on_a_whole_second(ms(6_800), 1_700_000_000_250.0), ms(7_750));
        assert_eq!(
            on_a_whole_second(ms(15_000), 1_700_000_000_000.0),
            ms(15_000)
        );
        assert_eq!(on_a_whole_second(ms(1), f64::NAN), ms(1_000));
        assert_eq!(on_a_whole_second(Duration::ZERO, 10.0), ms(990));
        assert!(on_a_whole_second(Duration::MAX, 10.0) >= Duration::from_secs(1 << 40));
    }

    #[test]
    fn refreshes_fall_on_whole_seconds() {
        let ms = Duration::from_millis;
        let at = 1_700_000_000_250.0;
        assert_eq!(to_a_whole_second(ms(10_000), at), ms(9_750));
        assert_eq!(to_a_whole_second(ms(10_300), at), ms(10_750));
        assert_eq!(
            to_a_whole_second(ms(10_000), 1_700_000_000_000.0),
            ms(10_000)
        );
        assert_eq!(to_a_whole_second(ms(100), at), ms(0));
        assert_eq!(to_a_whole_second(ms(1_500), f64::NAN), ms(2_000));
        assert!(to_a_whole_second(Duration::MAX, 10.0) >= Duration::from_secs(1 << 40));
    }

    proptest! {
        #[test]
        fn whole_seconds_are_at_most_half_a_second_away(
            wait in 0u64..100_000_000,
            wall in 0u64..4_000_000_000_000,
        ) {
            let moved = whole_ms(to_a_whole_second(Duration::from_millis(wait), wall as f64));
            prop_assert!((wall + moved).is_multiple_of(1000) || moved == 0);
            prop_assert!(moved.abs_diff(wait) <= 500, "{} → {}", wait, moved);
        }
    }

    #[test]
    fn whole_ms_saturates() {
        assert_eq!(whole_ms(Duration::from_micros(1_999)), 1);
        assert_eq!(whole_ms(Duration::from_secs(86_400)), 86_400_000);
        assert_eq!(whole_ms(Duration::MAX), u64::MAX);
    }

    #[test]
    fn whole_seconds_round_up() {
        assert_eq!(whole_seconds(Duration::from_millis(39_001)), 40);
        assert_eq!(whole_seconds(Duration::from_millis(40_000)), 40);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
    }

    proptest! {
        #[test]
        fn grouping_keeps_every_digit(n in any::<i64>()) {
            let grouped = group_digits(n);
            prop_assert_eq!(grouped.replace(',', "").parse::<i64>().unwrap(), n);
            for (i, part) in grouped.trim_start_matches('-').split(',').enumerate() {
                let ok = if i == 0 { (1..=3).contains(&part.len()) } else { part.len() == 3 };
                prop_assert!(ok, "bad group {:?} in {}", part, grouped);
            }
        }

        #[test]
        fn durations_never_panic(ms in any::<u64>()) {
            let text = format_duration(Duration::from_millis(ms), &Lang::En.text().units);
            prop_assert!(!text.is_empty());
        }
    }
}
