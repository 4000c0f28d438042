//! The widget's options: names, defaults and validation (`docs` in
//! `shared/docs/contract.md`, the README's options table).
//!
//! Options arrive as text key/value pairs from a URL query or element
//! attributes, or as a JS object (`mount(element, { projectId: 'p1',
//! interval: 5 })`) that serde-wasm-bindgen hands to [`RawOptions`]'
//! `Deserialize`. Every spelling of a key is accepted (`projectId`,
//! `project_id`, `project-id`; `proxy` and `proxy-url`). Every problem is
//! reported, not just the first, and a configuration with any problem never
//! sends a request.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::core::i18n::Lang;
use crate::core::policy::LOADING_DELAY;

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Base URL of the proxy, or a template containing `{project_id}` /
    /// `{dataset_id}`.
    pub proxy: String,
    pub project_id: String,
    pub dataset_id: String,
    /// Between refreshes while the task is active.
    pub interval: Duration,
    /// Between refreshes once the status is terminal; `None` stops until the
    /// user refreshes.
    pub idle_interval: Option<Duration>,
    /// Before a request is aborted.
    pub timeout: Duration,
    /// The longest wait between retries after failures.
    pub max_backoff: Duration,
    pub duration_unit: DurationUnit,
    /// `None`: the browser's language.
    pub lang: Option<Lang>,
    pub theme: Theme,
    pub variant: Variant,
    pub requests: Requests,
    /// How long the card stays hidden waiting for its first answer
    /// ([`LOADING_DELAY`]); not an option: zero for a card that replaces
    /// another in place, which shows its loading state at once.
    pub loading_delay: Duration,
}

/// The card's colours: fixed, or following `prefers-color-scheme`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    Light,
    Dark,
    #[default]
    Auto,
}

/// The card's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    /// The full card.
    #[default]
    Card,
    /// One line, for tables.
    Compact,
}

/// How a card asks the proxy for its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Requests {
    /// One request per card: the API path, which any proxy serves.
    #[default]
    Single,
    /// The cards of a page that share a proxy and project share requests,
    /// through the reference proxy's batch path (`core::url::batch_url`).
    Batch,
}

/// An option whose value is one of a few words.
pub trait Choice: Sized + Default + Copy + 'static {
    /// (word, value) pairs; matching ignores case.
    const WORDS: &'static [(&'static str, Self)];

    /// The word for this value (used in class names and attributes).
    fn as_str(self) -> &'static str
    where
        Self: PartialEq,
    {
        Self::WORDS
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("", |(w, _)| w)
    }
}

impl Choice for Theme {
    const WORDS: &'static [(&'static str, Self)] = &[
        ("light", Self::Light),
        ("dark", Self::Dark),
        ("auto", Self::Auto),
    ];
}

impl Choice for Variant {
    const WORDS: &'static [(&'static str, Self)] =
        &[("card", Self::Card), ("compact", Self::Compact)];
}

impl Choice for Requests {
    const WORDS: &'static [(&'static str, Self)] =
        &[("single", Self::Single), ("batch", Self::Batch)];
}

/// The unit of `duration_time`, which the API does not document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DurationUnit {
    #[default]
    Milliseconds,
    Seconds,
}

impl DurationUnit {
    /// Converts a raw `duration_time` into a duration; negative values are
    /// not durations.
    pub fn to_duration(self, raw: i64) -> Option<Duration> {
        let raw = u64::try_from(raw).ok()?;
        Some(match self {
            Self::Milliseconds => Duration::from_millis(raw),
            Self::Seconds => Duration::from_secs(raw),
        })
    }
}

pub const DEFAULT_PROXY: &str = "/api";
pub const DEFAULT_INTERVAL_SECS: f64 = 10.0;
pub const DEFAULT_IDLE_INTERVAL_SECS: f64 = 60.0;
pub const DEFAULT_TIMEOUT_SECS: f64 = 15.0;
pub const DEFAULT_MAX_BACKOFF_SECS: f64 = 300.0;
/// Longer values would overflow browser timers (2^31 ms) for no use.
const MAX_SECONDS: f64 = 86_400.0;
const MAX_ID_LEN: usize = 256;

/// One thing wrong with the options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is required.")]
    Missing(&'static str),
    #[error("{name} \"{value}\" is not usable: {reason}.")]
    InvalidId {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("{name} must be a number of seconds, not \"{value}\".")]
    NotANumber { name: &'static str, value: String },
    #[error("{name} must be {rule} (got {value}).")]
    OutOfRange {
        name: &'static str,
        value: String,
        rule: &'static str,
    },
    #[error("proxy \"{value}\" is not usable: {reason}.")]
    InvalidProxy { value: String, reason: &'static str },
    #[error("duration_unit must be \"ms\" or \"s\", not \"{0}\".")]
    InvalidDurationUnit(String),
    #[error("lang must be \"en\" or \"zh-CN\", not \"{0}\".")]
    InvalidLang(String),
    #[error("{name} must be one of {allowed}, not \"{value}\".")]
    InvalidChoice {
        name: &'static str,
        value: String,
        allowed: String,
    },
    /// A JS option of a type the option cannot take (`interval: true`).
    #[error("{name} must be {expected}, not {got}.")]
    WrongType {
        name: &'static str,
        expected: &'static str,
        got: &'static str,
    },
    /// What `mount()` was given is not an object of options.
    #[error("the options must be an object ({0}).")]
    NotAnObject(String),
}

/// All the problems of one configuration, in option order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// An option's value as given: text (attributes, a URL query, a JS
/// string), a JS number, or a JS value of another type (its kind, for the
/// message).
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    Text(String),
    Number(f64),
    Other(&'static str),
}

impl From<&str> for OptionValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for OptionValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<f64> for OptionValue {
    fn from(n: f64) -> Self {
        Self::Number(n)
    }
}

/// The raw, unvalidated options. Absent means "use the default".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawOptions {
    pub proxy: Option<OptionValue>,
    pub project_id: Option<OptionValue>,
    pub dataset_id: Option<OptionValue>,
    pub interval: Option<OptionValue>,
    pub idle_interval: Option<OptionValue>,
    pub timeout: Option<OptionValue>,
    pub max_backoff: Option<OptionValue>,
    pub duration_unit: Option<OptionValue>,
    pub lang: Option<OptionValue>,
    pub theme: Option<OptionValue>,
    pub variant: Option<OptionValue>,
    pub requests: Option<OptionValue>,
}

impl RawOptions {
    /// Every accepted option name, in both spellings.
    pub const KEYS: &'static [&'static str] = &[
        "proxy",
        "proxy-url",
        "proxy_url",
        "project_id",
        "project-id",
        "dataset_id",
        "dataset-id",
        "interval",
        "idle_interval",
        "idle-interval",
        "timeout",
        "max_backoff",
        "max-backoff",
        "duration_unit",
        "duration-unit",
        "lang",
        "theme",
        "variant",
        "requests",
    ];

    /// Collects options from key/value pairs (a URL query, element
    /// attributes). Keys are matched as [`RawOptions::set`] matches them;
    /// unknown keys are ignored; a later duplicate wins.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<str>,
        V: Into<OptionValue>,
    {
        let mut raw = Self::default();
        for (key, value) in pairs {
            raw.set(key.as_ref(), Some(value.into()));
        }
        raw
    }

    /// Sets one option by any of its accepted names (`projectId`,
    /// `project_id`, `Project-ID`); returns false for a name that is not an
    /// option.
    pub fn set(&mut self, key: &str, value: Option<OptionValue>) -> bool {
        match self.slot(key) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    fn slot(&mut self, key: &str) -> Option<&mut Option<OptionValue>> {
        Some(match option_name(key).as_str() {
            "proxy" | "proxy_url" => &mut self.proxy,
            "project_id" => &mut self.project_id,
            "dataset_id" => &mut self.dataset_id,
            "interval" => &mut self.interval,
            "idle_interval" => &mut self.idle_interval,
            "timeout" => &mut self.timeout,
            "max_backoff" => &mut self.max_backoff,
            "duration_unit" => &mut self.duration_unit,
            "lang" => &mut self.lang,
            "theme" => &mut self.theme,
            "variant" => &mut self.variant,
            "requests" => &mut self.requests,
            _ => return None,
        })
    }

    /// Validates every option.
    pub fn validate(&self) -> Result<Config, ConfigErrors> {
        let mut errors = Vec::new();

        let proxy = keep(&mut errors, text("proxy", &self.proxy).and_then(proxy));
        let project_id = keep(
            &mut errors,
            text("project_id", &self.project_id).and_then(|v| id("project_id", v)),
        );
        let dataset_id = keep(
            &mut errors,
            text("dataset_id", &self.dataset_id).and_then(|v| id("dataset_id", v)),
        );
        let interval = keep(
            &mut errors,
            seconds(
                "interval",
                self.interval.as_ref(),
                DEFAULT_INTERVAL_SECS,
                Bound::AtLeastOne,
            ),
        );
        let idle_interval = keep(
            &mut errors,
            seconds(
                "idle_interval",
                self.idle_interval.as_ref(),
                DEFAULT_IDLE_INTERVAL_SECS,
                Bound::ZeroOrAtLeastOne,
            ),
        );
        let timeout = keep(
            &mut errors,
            seconds(
                "timeout",
                self.timeout.as_ref(),
                DEFAULT_TIMEOUT_SECS,
                Bound::Positive,
            ),
        );
        let max_backoff = keep(
            &mut errors,
            seconds(
                "max_backoff",
                self.max_backoff.as_ref(),
                DEFAULT_MAX_BACKOFF_SECS,
                Bound::AtLeastOne,
            ),
        );
        let duration_unit = keep(
            &mut errors,
            text("duration_unit", &self.duration_unit).and_then(duration_unit),
        );
        let lang = keep(&mut errors, text("lang", &self.lang).and_then(lang));

        let theme = keep(
            &mut errors,
            text("theme", &self.theme).and_then(|v| choice("theme", v)),
        );
        let variant = keep(
            &mut errors,
            text("variant", &self.variant).and_then(|v| choice("variant", v)),
        );
        let requests = keep(
            &mut errors,
            text("requests", &self.requests).and_then(|v| choice("requests", v)),
        );
        if let (Some(proxy), Some(Requests::Batch)) = (&proxy, requests) {
            if is_template(proxy) {
                errors.push(ConfigError::InvalidProxy {
                    value: shown(proxy),
                    reason: "requests=\"batch\" needs a base URL, not a template",
                });
            }
        }

        // Every value is Some exactly when it was valid.
        let config = (|| {
            let interval = interval?;
            let idle_interval = idle_interval?;
            Some(Config {
                proxy: proxy?,
                project_id: project_id?,
                dataset_id: dataset_id?,
                interval,
                // Terminal tasks are refreshed no faster than active ones.
                idle_interval: (!idle_interval.is_zero()).then_some(idle_interval.max(interval)),
                timeout: timeout?,
                // A cap below the interval would make backoff shorter than
                // the normal rhythm.
                max_backoff: max_backoff?.max(interval),
                duration_unit: duration_unit?,
                lang: lang?,
                theme: theme?,
                variant: variant?,
                requests: requests?,
                loading_delay: LOADING_DELAY,
            })
        })();
        match config {
            Some(config) if errors.is_empty() => Ok(config),
            _ => Err(ConfigErrors(errors)),
        }
    }
}

/// An option's name in snake case: `projectId` → `project_id`, `Project-ID`
/// → `project_id` (a name with `-` or `_` is only lowered).
fn option_name(key: &str) -> String {
    let key = key.trim();
    if key.contains(['-', '_']) {
        return key.to_ascii_lowercase().replace('-', "_");
    }
    let mut name = String::with_capacity(key.len() + 4);
    for (i, c) in key.char_indices() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

/// Any JS value (or JSON value, in tests): text and numbers as they are,
/// other kinds named for the message. `null`/`undefined` are not values:
/// see [`RawOptions`]' `Deserialize`.
impl<'de> Deserialize<'de> for OptionValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;

        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = OptionValue;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an option value")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<OptionValue, E> {
                Ok(OptionValue::Text(s.to_owned()))
            }

            fn visit_string<E: de::Error>(self, s: String) -> Result<OptionValue, E> {
                Ok(OptionValue::Text(s))
            }

            fn visit_f64<E: de::Error>(self, n: f64) -> Result<OptionValue, E> {
                Ok(OptionValue::Number(n))
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<OptionValue, E> {
                Ok(OptionValue::Number(n as f64))
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<OptionValue, E> {
                Ok(OptionValue::Number(n as f64))
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<OptionValue, E> {
                Ok(OptionValue::Other("a boolean"))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OptionValue, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(OptionValue::Other("a list"))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OptionValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(OptionValue::Other("an object"))
            }
        }

        deserializer.deserialize_any(ValueVisitor)
    }
}

/// An object of options, as `mount()` takes it: keys in any spelling,
/// `null` or `undefined` for "the default", unknown keys ignored.
impl<'de> Deserialize<'de> for RawOptions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OptionsVisitor;

        impl<'de> Visitor<'de> for OptionsVisitor {
            type Value = RawOptions;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of options")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawOptions, A::Error> {
                let mut raw = RawOptions::default();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value::<Option<OptionValue>>()?;
                    raw.set(&key, value);
                }
                Ok(raw)
            }
        }

        deserializer.deserialize_map(OptionsVisitor)
    }
}

/// Keeps a valid value, or records why it is not.
fn keep<T>(errors: &mut Vec<ConfigError>, result: Result<T, ConfigError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// What a JS value of another type is called in messages.
fn kind(value: &OptionValue) -> &'static str {
    match value {
        OptionValue::Text(_) => "text",
        OptionValue::Number(_) => "a number",
        OptionValue::Other(kind) => kind,
    }
}

/// An option that takes text.
fn text<'a>(
    name: &'static str,
    value: &'a Option<OptionValue>,
) -> Result<Option<&'a str>, ConfigError> {
    match value {
        None => Ok(None),
        Some(OptionValue::Text(text)) => Ok(Some(text)),
        Some(other) => Err(ConfigError::WrongType {
            name,
            expected: "text",
            got: kind(other),
        }),
    }
}

/// Shortens a user value for an error message.
fn shown(value: &str) -> String {
    const MAX: usize = 64;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let mut s: String = value.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

fn proxy(value: Option<&str>) -> Result<String, ConfigError> {
    let Some(value) = value else {
        return Ok(DEFAULT_PROXY.to_owned());
    };
    let trimmed = value.trim();
    let invalid = |reason| ConfigError::InvalidProxy {
        value: shown(value),
        reason,
    };
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid("it contains control characters"));
    }
    // A scheme, if any, must be http(s): no javascript:, data: or file:.
    if let Some((scheme, _)) = trimmed.split_once(':') {
        let looks_like_scheme = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && !scheme.contains('/');
        if looks_like_scheme && !trimmed.starts_with('/') {
            let scheme = scheme.to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Err(invalid("only http and https URLs are allowed"));
            }
            let after_scheme = trimmed.split_once(':').map_or("", |(_, rest)| rest);
            if !after_scheme.starts_with("//") {
                return Err(invalid("an absolute URL needs a host (http://host/...)"));
            }
        }
    }
    if trimmed.contains(['?', '#']) && !is_template(trimmed) {
        return Err(invalid(
            "a base URL cannot have a query or fragment (use a {project_id}/{dataset_id} template)",
        ));
    }
    Ok(trimmed.to_owned())
}

/// Whether a proxy value is a template rather than a base URL.
pub fn is_template(proxy: &str) -> bool {
    proxy.contains("{project_id}") || proxy.contains("{dataset_id}")
}

fn id(name: &'static str, value: Option<&str>) -> Result<String, ConfigError> {
    let value = value.map(str::trim).unwrap_or_default();
    let invalid = |reason| ConfigError::InvalidId {
        name,
        value: shown(value),
        reason,
    };
    if value.is_empty() {
        return Err(ConfigError::Missing(name));
    }
    if value.chars().count() > MAX_ID_LEN {
        return Err(invalid("it is longer than 256 characters"));
    }
    // "." and ".." would be normalised away by URL parsing, even encoded.
    if value.chars().all(|c| c == '.') {
        return Err(invalid("it cannot be made of dots only"));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid("it contains control characters"));
    }
    Ok(value.to_owned())
}

#[derive(Clone, Copy)]
enum Bound {
    AtLeastOne,
    ZeroOrAtLeastOne,
    Positive,
}

fn seconds(
    name: &'static str,
    value: Option<&OptionValue>,
    default: f64,
    bound: Bound,
) -> Result<Duration, ConfigError> {
    let (number, trimmed) = match value {
        None => return Ok(Duration::from_secs_f64(default)),
        Some(OptionValue::Text(value)) => {
            let trimmed = value.trim();
            let number = decimal(trimmed).ok_or_else(|| ConfigError::NotANumber {
                name,
                value: shown(value),
            })?;
            (number, trimmed.to_owned())
        }
        // NaN and infinities fail the bounds below.
        Some(OptionValue::Number(n)) => (*n, n.to_string()),
        Some(other) => {
            return Err(ConfigError::WrongType {
                name,
                expected: "a number of seconds",
                got: kind(other),
            })
        }
    };
    let (ok, rule) = match bound {
        Bound::AtLeastOne => (number >= 1.0, "at least 1 second"),
        Bound::ZeroOrAtLeastOne => (
            number == 0.0 || number >= 1.0,
            "0 (never) or at least 1 second",
        ),
        Bound::Positive => (number > 0.0, "more than 0 seconds"),
    };
    let out_of_range = |rule| ConfigError::OutOfRange {
        name,
        value: shown(&trimmed),
        rule,
    };
    if !ok {
        return Err(out_of_range(rule));
    }
    if number > MAX_SECONDS {
        return Err(out_of_range("at most 86400 seconds (a day)"));
    }
    Ok(Duration::from_secs_f64(number))
}

/// A plain decimal ("10", "1.5", ".5", "-1"), to the nanosecond. No
/// exponents, infinities or NaN: `str::parse::<f64>` accepts all of those,
/// and its tables cost the widget more wasm than every other option.
fn decimal(text: &str) -> Option<f64> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let value = |s: &str| s.bytes().fold(0.0, |n, b| n * 10.0 + f64::from(b - b'0'));
    let nanos = format!("{fraction:0<9}");
    Some(sign * (value(whole) + value(&nanos[..9]) / 1e9))
}

fn duration_unit(value: Option<&str>) -> Result<DurationUnit, ConfigError> {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("ms") => Ok(DurationUnit::Milliseconds),
        Some("s") => Ok(DurationUnit::Seconds),
        Some(_) => Err(ConfigError::InvalidDurationUnit(shown(
            value.unwrap_or_default(),
        ))),
    }
}

fn choice<T: Choice>(name: &'static str, value: Option<&str>) -> Result<T, ConfigError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(T::default());
    };
    T::WORDS
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(value))
        .map(|(_, v)| *v)
        .ok_or_else(|| ConfigError::InvalidChoice {
            name,
            value: shown(value),
            allowed: T::WORDS
                .iter()
                .map(|(w, _)| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

fn lang(value: Option<&str>) -> Result<Option<Lang>, ConfigError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(tag) => Lang::from_tag(tag)
            .map(Some)
            .ok_or_else(|| ConfigError::InvalidLang(shown(tag))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        RawOptions::from_pairs(pairs.iter().map(|&(k, v)| (k, v))).validate()
    }

    #[test]
    fn defaults_follow_the_contract() {
        let c = parse(&[("project_id", "p1"), ("dataset_id", "d1")]).unwrap();
        assert_eq!(c.proxy, "/api");
        assert_eq!(c.interval, Duration::from_secs(10));
        assert_eq!(c.idle_interval, Some(Duration::from_secs(60)));
        assert_eq!(c.timeout, Duration::from_secs(15));
        assert_eq!(c.max_backoff, Duration::from_secs(300));
        assert_eq!(c.duration_unit, DurationUnit::Milliseconds);
        assert_eq!(c.lang, None);
    }

    #[test]
    fn both_spellings_of_keys_are_accepted() {
        let c = parse(&[
            ("proxy-url", "http://127.0.0.1:9009"),
            ("project-id", "p1"),
            ("Dataset-ID", "d1"),
            ("idle-interval", "0"),
            ("duration-unit", "s"),
            ("lang", "zh-CN"),
            ("unrelated", "x"),
        ])
        .unwrap();
        assert_eq!(c.proxy, "http://127.0.0.1:9009");
        assert_eq!(c.dataset_id, "d1");
        assert_eq!(c.idle_interval, None);
        assert_eq!(c.duration_unit, DurationUnit::Seconds);
        assert_eq!(c.lang, Some(Lang::ZhCn));
    }

    #[test]
    fn fractions_are_allowed() {
        let c = parse(&[
            ("project_id", "p"),
            ("dataset_id", "d"),
            ("interval", "1.5"),
        ])
        .unwrap();
        assert_eq!(c.interval, Duration::from_millis(1500));
    }

    #[test]
    fn every_problem_is_reported() {
        let errors = parse(&[
            ("interval", "0.5"),
            ("timeout", "soon"),
            ("idle_interval", "0.2"),
            ("duration_unit", "h"),
            ("lang", "fr"),
            ("proxy", "javascript:alert(1)"),
        ])
        .unwrap_err();
        let text = errors.to_string();
        assert_eq!(errors.0.len(), 8, "{text}");
        for needle in [
            "project_id is required",
            "dataset_id is required",
            "interval must be at least 1 second",
            "timeout must be a number of seconds, not \"soon\"",
            "idle_interval must be 0 (never) or at least 1 second",
            "duration_unit must be",
            "lang must be",
            "only http and https",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in {text}");
        }
    }

    #[test]
    fn dangerous_ids_are_refused() {
        for bad in [".", "..", "...", "a\nb"] {
            let err = parse(&[("project_id", "p"), ("dataset_id", bad)]).unwrap_err();
            assert!(matches!(err.0[0], ConfigError::InvalidId { .. }), "{bad:?}");
        }
        let long = "x".repeat(300);
        assert!(parse(&[("project_id", &long), ("dataset_id", "d")]).is_err());
        // Whitespace around an ID is a copy-paste slip, not part of it.
        let c = parse(&[("project_id", " p "), ("dataset_id", "a/b?c")]).unwrap();
        assert_eq!(c.project_id, "p");
        assert_eq!(c.dataset_id, "a/b?c");
    }

    #[test]
    fn proxy_values() {
        let ok = |v: &str| parse(&[("proxy", v), ("project_id", "p"), ("dataset_id", "d")]);
        assert!(ok("/api").is_ok());
        assert!(ok("api/v").is_ok());
        assert!(ok("https://proxy.example/api").is_ok());
        assert!(ok("http://127.0.0.1:9009").is_ok());
        assert!(ok("/p/{project_id}/d/{dataset_id}?x=1").is_ok());
        assert!(ok("").is_err());
        assert!(ok("data:text/plain,hi").is_err());
        assert!(ok("http:foo").is_err());
        assert!(ok("/api?x=1").is_err());
    }

    #[test]
    fn seconds_are_plain_decimals() {
        assert_eq!(decimal("10"), Some(10.0));
        assert_eq!(decimal("1.5"), Some(1.5));
        assert_eq!(decimal(".5"), Some(0.5));
        assert_eq!(decimal("2."), Some(2.0));
        assert_eq!(decimal("+3"), Some(3.0));
        assert_eq!(decimal("-1"), Some(-1.0));
        assert_eq!(decimal("0.0000000019"), Some(0.000000001));
        for bad in [
            "", ".", "-", "1e3", "inf", "NaN", "1.2.3", " 1", "1_000", "١",
        ] {
            assert_eq!(decimal(bad), None, "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decimals_read_as_the_standard_parser_reads_them(
            text in "[+-]?[0-9]{0,6}(\\.[0-9]{0,9})?"
        ) {
            let ours = decimal(&text);
            let std = text.parse::<f64>().ok();
            proptest::prop_assert_eq!(ours.is_some(), std.is_some(), "{:?}", text);
            if let (Some(a), Some(b)) = (ours, std) {
                proptest::prop_assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{} {} {}", text, a, b);
            }
        }
    }

    #[test]
    fn huge_numbers_are_refused_not_overflowed() {
        for v in [
            "1e308",
            "1e3",
            "inf",
            "NaN",
            "-1",
            "86401",
            "",
            ".",
            "+",
            "1.2.3",
            "1,5",
            "99999999999999999999999",
        ] {
            assert!(
                parse(&[("project_id", "p"), ("dataset_id", "d"), ("timeout", v)]).is_err(),
                "{v}"
            );
        }
    }

    #[test]
    fn max_backoff_is_never_below_interval() {
        let c = parse(&[
            ("project_id", "p"),
            ("dataset_id", "d"),
            ("interval", "30"),
            ("max_backoff", "5"),
        ])
        .unwrap();
        assert_eq!(c.max_backoff, Duration::from_secs(30));
    }

    #[test]
    fn theme_and_variant() {
        let c = parse(&[("project_id", "p"), ("dataset_id", "d")]).unwrap();
        assert_eq!((c.theme, c.variant), (Theme::Auto, Variant::Card));
        let c = parse(&[
            ("project_id", "p"),
            ("dataset_id", "d"),
            ("theme", "Dark"),
            ("variant", "compact"),
        ])
        .unwrap();
        assert_eq!((c.theme, c.variant), (Theme::Dark, Variant::Compact));
        assert_eq!(Theme::Dark.as_str(), "dark");
        let err =
            parse(&[("project_id", "p"), ("dataset_id", "d"), ("theme", "neon")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "theme must be one of \"light\", \"dark\", \"auto\", not \"neon\"."
        );
    }

    #[test]
    fn batch_requests_need_a_base_url() {
        let base = [("project_id", "p"), ("dataset_id", "d")];
        assert_eq!(parse(&base).unwrap().requests, Requests::Single);
        let c = parse(&[base[0], base[1], ("requests", "Batch")]).unwrap();
        assert_eq!(c.requests, Requests::Batch);
        let err = parse(&[
            base[0],
            base[1],
            ("requests", "batch"),
            ("proxy", "/s/{project_id}/{dataset_id}"),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "proxy \"/s/{project_id}/{dataset_id}\" is not usable: requests=\"batch\" needs a base URL, not a template."
        );
        let err = parse(&[base[0], base[1], ("requests", "all")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "requests must be one of \"single\", \"batch\", not \"all\"."
        );
    }

    #[test]
    fn duration_units() {
        assert_eq!(
            DurationUnit::Seconds.to_duration(3),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            DurationUnit::Milliseconds.to_duration(3),
            Some(Duration::from_millis(3))
        );
        assert_eq!(DurationUnit::Milliseconds.to_duration(-1), None);
    }

    proptest::proptest! {
        /// Whatever a page puts in its query, validation answers; it never panics.
        #[test]
        fn any_text_validates_without_panicking(
            pairs in proptest::collection::vec(
                (proptest::sample::select(RawOptions::KEYS), ".{0,30}"),
                0..12,
            )
        ) {
            let _ = RawOptions::from_pairs(pairs).validate();
        }
    }

    /// `mount()`'s options as serde-wasm-bindgen hands them over; serde_json
    /// drives the same `Deserialize` here.
    fn from_object(json: &str) -> Result<Config, ConfigErrors> {
        serde_json::from_str::<RawOptions>(json).unwrap().validate()
    }

    #[test]
    fn js_objects_take_numbers_and_every_spelling() {
        let c = from_object(
            r#"{"projectId": "p1", "dataset-id": "d1", "proxyUrl": "/x", "interval": 2.5,
                "idleInterval": "0", "maxBackoff": 40, "durationUnit": "s", "lang": null,
                "somethingElse": [1, {"a": 2}], "theme": "dark"}"#,
        )
        .unwrap();
        assert_eq!((c.project_id.as_str(), c.dataset_id.as_str()), ("p1", "d1"));
        assert_eq!(c.proxy, "/x");
        assert_eq!(c.interval, Duration::from_millis(2500));
        assert_eq!(c.idle_interval, None);
        assert_eq!(c.max_backoff, Duration::from_secs(40));
        assert_eq!(c.duration_unit, DurationUnit::Seconds);
        assert_eq!(c.lang, None);
        assert_eq!(c.theme, Theme::Dark);
    }

    #[test]
    fn js_values_of_the_wrong_type_are_config_errors() {
        let err = from_object(
            r#"{"projectId": 5, "datasetId": "d", "interval": true, "timeout": [1],
                "theme": {"a": 1}, "maxBackoff": -1}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "project_id must be text, not a number. \
             interval must be a number of seconds, not a boolean. \
             timeout must be a number of seconds, not a list. \
             max_backoff must be at least 1 second (got -1). \
             theme must be text, not an object."
        );
        assert!(serde_json::from_str::<RawOptions>("\"p1\"").is_err());
        assert!(serde_json::from_str::<RawOptions>("[]").is_err());
    }

    #[test]
    fn option_names_in_every_spelling() {
        for key in [
            "projectId",
            "project_id",
            "project-id",
            "Project-ID",
            "PROJECT_ID",
        ] {
            assert_eq!(option_name(key), "project_id", "{key}");
        }
        assert_eq!(option_name("Interval"), "interval");
        assert_eq!(option_name("proxyUrl"), "proxy_url");
    }

    #[test]
    fn long_values_are_shortened_in_messages() {
        let long = "y".repeat(500);
        let err = parse(&[("project_id", "p"), ("dataset_id", "d"), ("lang", &long)]).unwrap_err();
        assert!(err.to_string().len() < 200);
    }
}
