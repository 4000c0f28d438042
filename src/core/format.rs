//! Turning values into the card's text, exactly and without a browser.
//!
//! Dates and relative times need the user's time zone and locale data, so the
//! browser layer hands them to `Intl`; what can be decided here (which unit,
//! whether a timestamp is representable) is decided here.

use std::time::Duration;

use crate::core::i18n::DurationUnits;

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
/// negative (past) as `Intl.RelativeTimeFormat` expects. Under five seconds
/// (and for clock skew into the future) it is "0 seconds", which `Intl` with
/// `numeric: "auto"` says as "now".
pub fn relative_age(age: Duration) -> (i64, RelUnit) {
    let s = age.as_secs() as i64;
    match s {
        0..=4 => (0, RelUnit::Second),
        5..=59 => (-s, RelUnit::Second),
        60..=3_599 => (-(s / 60), RelUnit::Minute),
        3_600..=86_399 => (-(s / 3_600), RelUnit::Hour),
        _ => (-(s / 86_400), RelUnit::Day),
    }
}

/// How often the "updated … ago" text must be recomputed for it to stay
/// right, given the age it shows now.
pub fn age_tick(age: Duration) -> Duration {
    match age.as_secs() {
        0..=59 => Duration::from_secs(1),
        60..=3_599 => Duration::from_secs(15),
        _ => Duration::from_secs(60),
    }
}

/// The wait for a clock tick `period` from now, ending on a whole second
/// of the wall clock (`wall_ms`). Every card of a page then ticks at the
/// same moments, and the browser lays out and paints their new texts once
/// instead of once per card. A text may lag by under a second.
pub fn on_the_second(period: Duration, wall_ms: f64) -> Duration {
    // Whole milliseconds: float remainder would pull `fmod` into the wasm.
    let into_second = if wall_ms.is_finite() && wall_ms > 0.0 {
        wall_ms as u64 % 1000
    } else {
        0
    };
    period.saturating_sub(Duration::from_millis(into_second))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::i18n::Lang;
    use proptest::prelude::*;

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
        assert_eq!(relative_age(Duration::from_secs(2)), (0, RelUnit::Second));
        assert_eq!(relative_age(Duration::from_secs(5)), (-5, RelUnit::Second));
        assert_eq!(
            relative_age(Duration::from_secs(125)),
            (-2, RelUnit::Minute)
        );
        assert_eq!(relative_age(Duration::from_secs(7300)), (-2, RelUnit::Hour));
        assert_eq!(
            relative_age(Duration::from_secs(200_000)),
            (-2, RelUnit::Day)
        );
        assert_eq!(age_tick(Duration::from_secs(3)), Duration::from_secs(1));
        assert_eq!(age_tick(Duration::from_secs(300)), Duration::from_secs(15));
    }

    #[test]
    fn dates_out_of_range_are_refused() {
        assert_eq!(date_ms(1_606_114_833_874), Some(1_606_114_833_874.0));
        assert_eq!(date_ms(i64::MAX), None);
        assert_eq!(date_ms(-MAX_DATE_MS - 1), None);
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
        let s = Duration::from_secs;
        assert_eq!(
            on_the_second(s(1), 1_700_000_000_250.0),
            Duration::from_millis(750)
        );
        assert_eq!(on_the_second(s(15), 1_700_000_000_000.0), s(15));
        assert_eq!(on_the_second(s(60), 999.5), Duration::from_millis(59_001));
        assert_eq!(on_the_second(s(1), f64::NAN), s(1));
        assert_eq!(on_the_second(Duration::ZERO, 10.0), Duration::ZERO);
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
