//! How each option is read and checked: a [`Parse`] per kind of value,
//! and the rules each applies.

use std::marker::PhantomData;
use std::time::Duration;

use super::{Choice, ConfigError, Lang, OptionValue, Problem, Rule, ValueKind};

/// Longer values would overflow browser timers (2^31 ms) for no use.
const MAX_SECONDS: f64 = 86_400.0;
const MAX_ID_LEN: usize = 256;

/// How an option's value is read from what a page gives (text or a JS
/// number), and checked when a Rust program gives it typed.
pub trait Parse {
    type Value;
    /// Reads a value as given, with every rule of [`Parse::check`].
    fn read(&self, name: &'static str, given: &OptionValue) -> Result<Self::Value, ConfigError>;
    /// Checks a typed value; returns the one the card uses (an ID
    /// trimmed, an idle interval of zero as "never").
    fn check(&self, name: &'static str, value: &Self::Value) -> Result<Self::Value, ConfigError>;
    /// The TypeScript type of what a page may give (the declarations of
    /// `config::typescript`).
    fn ts_type(&self) -> String;
}

/// A proxy base URL or template.
pub struct ProxyUrl;

impl Parse for ProxyUrl {
    type Value = String;
    fn read(&self, name: &'static str, given: &OptionValue) -> Result<String, ConfigError> {
        proxy(text(name, given)?)
    }
    fn check(&self, _: &'static str, value: &String) -> Result<String, ConfigError> {
        proxy(value)
    }
    fn ts_type(&self) -> String {
        "string".into()
    }
}

/// A required ID: a path segment.
pub struct Id;

impl Parse for Id {
    type Value = String;
    fn read(&self, name: &'static str, given: &OptionValue) -> Result<String, ConfigError> {
        id(name, text(name, given)?)
    }
    fn check(&self, name: &'static str, value: &String) -> Result<String, ConfigError> {
        id(name, value)
    }
    fn ts_type(&self) -> String {
        "string".into()
    }
}

/// Seconds within a [`Rule`] (and at most a day), to the nanosecond.
pub struct Seconds(pub Rule);

impl Parse for Seconds {
    type Value = Duration;
    fn read(&self, name: &'static str, given: &OptionValue) -> Result<Duration, ConfigError> {
        let (number, shown_as) = match given {
            OptionValue::Text(value) => {
                let trimmed = value.trim();
                let number = decimal(trimmed).ok_or_else(|| ConfigError::NotANumber {
                    name,
                    value: shown(value),
                })?;
                (number, trimmed.to_owned())
            }
            // NaN and infinities fail the rules.
            OptionValue::Number(n) => (*n, n.to_string()),
            OptionValue::Other(got) => {
                return Err(ConfigError::WrongType {
                    name,
                    expected: ValueKind::Seconds,
                    got: *got,
                })
            }
        };
        seconds(name, number, &shown_as, self.0)
    }
    fn check(&self, name: &'static str, value: &Duration) -> Result<Duration, ConfigError> {
        let number = value.as_secs_f64();
        seconds(name, number, &number.to_string(), self.0)
    }
    fn ts_type(&self) -> String {
        "number | string".into()
    }
}

/// Seconds, where 0 means never (`None`).
pub struct IdleSeconds;

impl Parse for IdleSeconds {
    type Value = Option<Duration>;
    fn read(
        &self,
        name: &'static str,
        given: &OptionValue,
    ) -> Result<Option<Duration>, ConfigError> {
        let idle = Seconds(Rule::ZeroOrAtLeastOne).read(name, given)?;
        Ok((!idle.is_zero()).then_some(idle))
    }
    fn check(
        &self,
        name: &'static str,
        value: &Option<Duration>,
    ) -> Result<Option<Duration>, ConfigError> {
        let Some(idle) = value else { return Ok(None) };
        let idle = Seconds(Rule::ZeroOrAtLeastOne).check(name, idle)?;
        Ok((!idle.is_zero()).then_some(idle))
    }
    fn ts_type(&self) -> String {
        "number | string".into()
    }
}

/// One of a [`Choice`]'s words, ignoring case; its default when empty.
pub struct OneOf<T>(PhantomData<T>);

impl<T> OneOf<T> {
    pub const NEW: Self = Self(PhantomData);
}

impl<T: Choice> Parse for OneOf<T> {
    type Value = T;
    fn read(&self, name: &'static str, given: &OptionValue) -> Result<T, ConfigError> {
        choice(name, text(name, given)?)
    }
    fn check(&self, _: &'static str, value: &T) -> Result<T, ConfigError> {
        Ok(*value)
    }
    fn ts_type(&self) -> String {
        let words: Vec<String> = T::WORDS.iter().map(|(w, _)| format!("'{w}'")).collect();
        words.join(" | ")
    }
}

/// A language tag; `None` (the browser's language) when empty.
pub struct LangTag;

impl Parse for LangTag {
    type Value = Option<Lang>;
    fn read(&self, name: &'static str, given: &OptionValue) -> Result<Option<Lang>, ConfigError> {
        lang(text(name, given)?)
    }
    fn check(&self, _: &'static str, value: &Option<Lang>) -> Result<Option<Lang>, ConfigError> {
        Ok(*value)
    }
    /// Any `en-*` or `zh-*` tag is read.
    fn ts_type(&self) -> String {
        "string".into()
    }
}

/// An option that takes text.
fn text<'a>(name: &'static str, given: &'a OptionValue) -> Result<&'a str, ConfigError> {
    match given {
        OptionValue::Text(text) => Ok(text),
        OptionValue::Number(_) => Err(ConfigError::WrongType {
            name,
            expected: ValueKind::Text,
            got: ValueKind::Number,
        }),
        OptionValue::Other(got) => Err(ConfigError::WrongType {
            name,
            expected: ValueKind::Text,
            got: *got,
        }),
    }
}

/// Shortens a user value for an error message.
pub(super) fn shown(value: &str) -> String {
    const MAX: usize = 64;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let mut s: String = value.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

fn proxy(value: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim();
    let invalid = |reason| ConfigError::InvalidProxy {
        value: shown(value),
        problem: reason,
    };
    if trimmed.is_empty() {
        return Err(invalid(Problem::Empty));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid(Problem::ControlCharacters));
    }
    // A scheme, if any, must be http(s): no javascript:, data: or file:.
    if let Some((scheme, after_scheme)) = trimmed.split_once(':') {
        let looks_like_scheme = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && !scheme.contains('/');
        if looks_like_scheme && !trimmed.starts_with('/') {
            let scheme = scheme.to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return Err(invalid(Problem::NotHttp));
            }
            if !after_scheme.starts_with("//") {
                return Err(invalid(Problem::NoHost));
            }
        }
    }
    if trimmed.contains(['?', '#']) && !is_template(trimmed) {
        return Err(invalid(Problem::QueryInBaseUrl));
    }
    Ok(trimmed.to_owned())
}

/// Whether a proxy value is a template rather than a base URL.
pub fn is_template(proxy: &str) -> bool {
    proxy.contains("{project_id}") || proxy.contains("{dataset_id}")
}

fn id(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let value = value.trim();
    let invalid = |reason| ConfigError::InvalidId {
        name,
        value: shown(value),
        problem: reason,
    };
    if value.is_empty() {
        return Err(ConfigError::Missing(name));
    }
    if value.chars().count() > MAX_ID_LEN {
        return Err(invalid(Problem::TooLong));
    }
    // "." and ".." would be normalised away by URL parsing, even encoded.
    if value.chars().all(|c| c == '.') {
        return Err(invalid(Problem::OnlyDots));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(Problem::ControlCharacters));
    }
    Ok(value.to_owned())
}

/// `number` seconds as a duration, if `rule` allows it and it is at most
/// a day; `shown_as` is the value for the message.
fn seconds(
    name: &'static str,
    number: f64,
    shown_as: &str,
    rule: Rule,
) -> Result<Duration, ConfigError> {
    let out_of_range = |rule| ConfigError::OutOfRange {
        name,
        value: shown(shown_as),
        rule,
    };
    if !rule.allows(number) {
        return Err(out_of_range(rule));
    }
    if !Rule::AtMostADay.allows(number) {
        return Err(out_of_range(Rule::AtMostADay));
    }
    Ok(Duration::from_secs_f64(number))
}

impl Rule {
    /// Whether a number of seconds is in this range (NaN never is).
    pub fn allows(self, seconds: f64) -> bool {
        match self {
            Self::AtLeastOne => seconds >= 1.0,
            Self::ZeroOrAtLeastOne => seconds == 0.0 || seconds >= 1.0,
            Self::Positive => seconds > 0.0,
            Self::AtMostADay => seconds <= MAX_SECONDS,
        }
    }
}

/// A plain decimal ("10", "1.5", ".5", "-1"), to the nanosecond. No
/// exponents, infinities or NaN: `str::parse::<f64>` accepts all of those,
/// and its tables cost the widget more wasm than every other option.
pub(super) fn decimal(text: &str) -> Option<f64> {
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

fn choice<T: Choice>(name: &'static str, value: &str) -> Result<T, ConfigError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(T::default());
    }
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

fn lang(value: &str) -> Result<Option<Lang>, ConfigError> {
    match value.trim() {
        "" => Ok(None),
        tag => Lang::from_tag(tag)
            .map(Some)
            .ok_or_else(|| ConfigError::InvalidLang(shown(tag))),
    }
}
