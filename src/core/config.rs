//! The widget's options, declared once in [`OPTIONS`]: names (the snake
//! case name is the query key; the attribute is its kebab case, the JS key
//! its camel case), defaults, how each is read, and its documentation. The
//! declaration generates [`Config`]'s fields and drives parsing from pairs
//! and JS objects, validation, the custom element's observed attributes and
//! the README's options table (a test keeps it in step).
//!
//! Options arrive as text key/value pairs from a URL query or element
//! attributes, or as a JS object (`mount(element, { projectId: 'p1',
//! interval: 5 })`) that serde-wasm-bindgen hands to [`RawOptions`]'
//! `Deserialize`. Every spelling of a key is accepted (`projectId`,
//! `project_id`, `project-id`; `proxy` and `proxy-url`). Every problem is
//! reported, not just the first, and a configuration with any problem never
//! sends a request.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::core::lang::Lang;
use crate::core::policy::LOADING_DELAY;

/// One option, as [`OPTIONS`] declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    /// The snake case name: the demo page's query key.
    pub name: &'static str,
    /// Other accepted names, in snake case like `name` (`proxy` is also
    /// `proxy_url`, so `proxy-url` and `proxyUrl`).
    pub aliases: &'static [&'static str],
    /// The default, as text read like a given value; `None`: see
    /// [`OptionDoc::absent`].
    pub default: Option<&'static str>,
}

/// What the docs say of one option, in [`OPTIONS`]' order: a table of its
/// own, kept out of the one the widget reads at run time, so that the
/// release (which never shows these texts) does not carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionDoc {
    /// What an absent value means ("— (required)").
    pub absent: &'static str,
    /// The meaning (the declaration's doc comment).
    pub doc: &'static str,
}

impl OptionSpec {
    /// The custom element's attribute: `idle-interval`.
    pub fn attribute(&self) -> String {
        self.name.replace('_', "-")
    }

    /// The JS API's key: `idleInterval`.
    pub fn js_key(&self) -> String {
        let mut key = String::with_capacity(self.name.len());
        let mut upper = false;
        for c in self.name.chars() {
            match c {
                '_' => upper = true,
                c if upper => {
                    key.push(c.to_ascii_uppercase());
                    upper = false;
                }
                c => key.push(c),
            }
        }
        key
    }
}

/// How an option's value is read: a [`Parse`] per kind of value.
pub trait Parse {
    type Value;
    /// Reads `value`: the one given, or else the text of the default that
    /// [`OPTIONS`] declares (`None` when there is neither).
    fn parse(
        &self,
        name: &'static str,
        value: Option<&OptionValue>,
    ) -> Result<Self::Value, ConfigError>;
}

/// Declares the options: one entry each, in the order errors are listed.
///
/// ```text
/// /// Meaning (README).
/// name: FieldType = Parser, default Some("text") | None, absent "docs", aliases ["other-name"];
/// ```
macro_rules! options {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident : $ty:ty = $parser:expr,
            default $default:expr, absent $absent:literal, aliases [$($alias:literal),*];
    )+) => {
        /// Every option, declared once.
        pub const OPTIONS: &[OptionSpec] = &[$(
            OptionSpec {
                name: stringify!($name),
                aliases: &[$($alias),*],
                default: $default,
            },
        )+];

        /// Every option's documentation, in [`OPTIONS`]' order.
        pub const OPTION_DOCS: &[OptionDoc] = &[$(
            OptionDoc {
                absent: $absent,
                doc: concat!($($doc),+),
            },
        )+];

        /// A validated configuration: one field per option of [`OPTIONS`].
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $( $(#[doc = $doc])+ pub $name: $ty, )+
            /// How long the card stays hidden waiting for its first answer
            /// ([`LOADING_DELAY`]); not an option: zero for a card that
            /// replaces another in place, which shows its loading state at
            /// once.
            pub loading_delay: Duration,
        }

        /// The builder of [`SyncStatusOptions`]: a method per option.
        impl SyncStatusOptions {
            $(
                $(#[doc = $doc])+
                pub fn $name(mut self, value: impl Into<OptionValue>) -> Self {
                    self.0.set(stringify!($name), Some(value.into()));
                    self
                }
            )+
        }

        impl RawOptions {
            /// Each option read by its parser; every problem recorded.
            fn parse_each(&self, errors: &mut Vec<ConfigError>) -> Option<Config> {
                $(
                    // The declared default stands in for a value not given.
                    let default: Option<&str> = $default;
                    let default = default.map(OptionValue::from);
                    let given = self.value(stringify!($name)).or(default.as_ref());
                    let $name = keep(errors, $parser.parse(stringify!($name), given));
                )+
                Some(Config {
                    $( $name: $name?, )+
                    loading_delay: LOADING_DELAY,
                })
            }
        }
    };
}

options! {
    /// base URL of the proxy; relative URLs resolve against the page. The widget requests
    /// `{proxy}/v2/{project_id}/datasets/{dataset_id}/sync-data/status`. A value containing
    /// `{project_id}` or `{dataset_id}` is a template used as is, with the placeholders
    /// replaced. Only `http(s)` URLs.
    proxy: String = ProxyUrl, default Some("/api"), absent "", aliases ["proxy_url"];
    /// the project: a path segment, percent-encoded
    project_id: String = Id, default None, absent "— (required)", aliases [];
    /// the dataset: a path segment, percent-encoded
    dataset_id: String = Id, default None, absent "— (required)", aliases [];
    /// seconds between refreshes while a task is active (at least 1; fractions allowed)
    interval: Duration = Seconds(Bound::AtLeastOne), default Some("10"), absent "", aliases [];
    /// seconds between refreshes once the status is terminal (COMPLETED, FAILED, NOT_EXIST);
    /// never shorter than `interval`; 0 stops refreshing until the user refreshes
    idle_interval: Option<Duration> = IdleSeconds, default Some("60"), absent "", aliases [];
    /// seconds before a request is aborted and reported as timed out
    timeout: Duration = Seconds(Bound::Positive), default Some("15"), absent "", aliases [];
    /// the longest wait between retries after failures, in seconds (never below `interval`)
    max_backoff: Duration = Seconds(Bound::AtLeastOne), default Some("300"), absent "", aliases [];
    /// unit of `duration_time`: `ms` or `s` (the API does not document it)
    duration_unit: DurationUnit = Words::<DurationUnit>::NEW, default Some("ms"), absent "", aliases [];
    /// `en` or `zh-CN` for every text; dates and relative times use `Intl` for that locale;
    /// counts are grouped as `12,480` (as both locales do)
    lang: Option<Lang> = LangTag, default None, absent "the browser's", aliases [];
    /// `light`, `dark`, or `auto` (follows `prefers-color-scheme`)
    theme: Theme = Words::<Theme>::NEW, default Some("auto"), absent "", aliases [];
    /// `card`, or `compact`: one line, for tables
    variant: Variant = Words::<Variant>::NEW, default Some("card"), absent "", aliases [];
    /// `single`: one request per card, to the API path any proxy serves; `batch`: the cards of
    /// a page share requests through the reference proxy's batch path (see Embedding). Needs
    /// a base URL, not a template.
    requests: Requests = Words::<Requests>::NEW, default Some("single"), absent "", aliases [];
    /// whether the browser sends the viewer's cookies to the proxy, which asks the portal who
    /// may see the dataset (`--auth-url`): `same-origin` (a proxy on the page's origin),
    /// `include` (a proxy on another origin that allows this one), or `omit`
    credentials: Credentials = Words::<Credentials>::NEW, default Some("same-origin"), absent "", aliases [];
    /// `none`, or `sync`: a "Sync now" button while the task is not running, which starts a
    /// synchronization after a confirming second press (`POST {proxy}/v2/{project_id}/datasets/{dataset_id}/sync-data`;
    /// the proxy must allow it: see Starting a sync). Needs a base URL, not a template.
    actions: Actions = Words::<Actions>::NEW, default Some("none"), absent "", aliases [];
}

impl Config {
    /// The rules between options, after each was read on its own.
    fn finish(mut self, errors: &mut Vec<ConfigError>) -> Option<Self> {
        // Terminal tasks are refreshed no faster than active ones, and a
        // backoff cap below the interval would retry faster than the rhythm.
        self.idle_interval = self.idle_interval.map(|idle| idle.max(self.interval));
        self.max_backoff = self.max_backoff.max(self.interval);
        if self.requests == Requests::Batch && is_template(&self.proxy) {
            errors.push(ConfigError::InvalidProxy {
                value: shown(&self.proxy),
                problem: Problem::TemplateWithBatch,
            });
            return None;
        }
        if self.actions == Actions::Sync && is_template(&self.proxy) {
            errors.push(ConfigError::InvalidProxy {
                value: shown(&self.proxy),
                problem: Problem::TemplateWithSync,
            });
            return None;
        }
        Some(self)
    }
}

/// Options for a card in a Rust program (a Leptos app): [`Default`], and a
/// builder method per option of [`OPTIONS`], each taking what the option
/// means (text, a [`Duration`], a [`Theme`]...). Validated when the card
/// mounts: a value out of range shows on the card like any other
/// configuration problem.
///
/// ```
/// use std::time::Duration;
/// use modelarts_sync_status::core::config::{SyncStatusOptions, Theme};
///
/// let options = SyncStatusOptions::default()
///     .project_id("p1")
///     .dataset_id("d1")
///     .interval(Duration::from_secs(5))
///     .theme(Theme::Dark);
/// let config = options.validate().unwrap();
/// assert_eq!(config.interval, Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncStatusOptions(pub RawOptions);

impl SyncStatusOptions {
    /// Validates every option.
    pub fn validate(&self) -> Result<Config, ConfigErrors> {
        self.0.validate()
    }
}

impl From<RawOptions> for SyncStatusOptions {
    fn from(raw: RawOptions) -> Self {
        Self(raw)
    }
}

/// The names of every option's attributes, for the custom element's
/// `observedAttributes`.
pub fn attributes() -> Vec<String> {
    OPTIONS
        .iter()
        .flat_map(|o| std::iter::once(o.name).chain(o.aliases.iter().copied()))
        .map(|name| name.replace('_', "-"))
        .collect()
}

/// The README's options table, made from [`OPTIONS`].
pub fn options_table() -> String {
    let mut table = String::from(
        "| attribute | JS key | query key | default | meaning |\n|---|---|---|---|---|\n",
    );
    for (o, docs) in OPTIONS.iter().zip(OPTION_DOCS) {
        let also: String = o
            .aliases
            .iter()
            .map(|a| format!(" (or `{}`)", a.replace('_', "-")))
            .collect();
        let default = match o.default {
            Some(d) if d.bytes().all(|b| b.is_ascii_digit()) => d.to_owned(),
            Some(d) => format!("`{d}`"),
            None => docs.absent.to_owned(),
        };
        let doc = docs.doc.split_whitespace().collect::<Vec<_>>().join(" ");
        table.push_str(&format!(
            "| `{}`{also} | `{}` | `{}` | {default} | {doc} |\n",
            o.attribute(),
            o.js_key(),
            o.name
        ));
    }
    table
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

/// Whether the status requests carry the viewer's cookies (fetch's
/// `credentials`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Credentials {
    /// Never.
    Omit,
    /// To a proxy on the page's own origin (fetch's default).
    #[default]
    SameOrigin,
    /// To any proxy, which must answer CORS with
    /// `Access-Control-Allow-Credentials: true` for this origin.
    Include,
}

/// What the card lets its viewer do besides refreshing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Actions {
    /// Nothing: the card only shows the status.
    #[default]
    None,
    /// "Sync now": start a synchronization (`core::sync`).
    Sync,
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

impl Choice for Credentials {
    const WORDS: &'static [(&'static str, Self)] = &[
        ("omit", Self::Omit),
        ("same-origin", Self::SameOrigin),
        ("include", Self::Include),
    ];
}

impl Choice for Actions {
    const WORDS: &'static [(&'static str, Self)] = &[("none", Self::None), ("sync", Self::Sync)];
}

/// The unit of `duration_time`, which the API does not document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DurationUnit {
    #[default]
    Milliseconds,
    Seconds,
}

impl Choice for DurationUnit {
    const WORDS: &'static [(&'static str, Self)] =
        &[("ms", Self::Milliseconds), ("s", Self::Seconds)];
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

/// Longer values would overflow browser timers (2^31 ms) for no use.
const MAX_SECONDS: f64 = 86_400.0;
const MAX_ID_LEN: usize = 256;

/// One thing wrong with the options. Its words, in both languages, are in
/// `core::i18n` (`ConfigError::describe`); `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    Missing(&'static str),
    InvalidId {
        name: &'static str,
        value: String,
        problem: Problem,
    },
    NotANumber {
        name: &'static str,
        value: String,
    },
    OutOfRange {
        name: &'static str,
        value: String,
        rule: Rule,
    },
    InvalidProxy {
        value: String,
        problem: Problem,
    },
    InvalidLang(String),
    InvalidChoice {
        name: &'static str,
        value: String,
        /// The words allowed, quoted: `"light", "dark", "auto"`.
        allowed: String,
    },
    /// A JS option of a type the option cannot take (`interval: true`).
    WrongType {
        name: &'static str,
        expected: ValueKind,
        got: ValueKind,
    },
    /// What `mount()` was given is not an object of options (serde's
    /// message).
    NotAnObject(String),
}

/// Why an ID or a proxy URL is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Empty,
    TooLong,
    OnlyDots,
    ControlCharacters,
    NotHttp,
    NoHost,
    QueryInBaseUrl,
    TemplateWithBatch,
    TemplateWithSync,
}

/// The range a number of seconds must be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    AtLeastOne,
    ZeroOrAtLeastOne,
    Positive,
    AtMostADay,
}

/// The kind of a value an option takes, or was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    Seconds,
    Number,
    Boolean,
    List,
    Object,
}

/// All the problems of one configuration, in option order, and the
/// language to say them in (the `lang` option when it was valid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    pub errors: Vec<ConfigError>,
    pub lang: Option<Lang>,
}

impl ConfigErrors {
    /// One problem, said in the browser's language.
    pub fn one(error: ConfigError) -> Self {
        Self {
            errors: vec![error],
            lang: None,
        }
    }
}

/// An option's value as given: text (attributes, a URL query, a JS
/// string), a JS number, or a JS value of another type (its kind, for the
/// message).
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    Text(String),
    Number(f64),
    Other(ValueKind),
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

impl From<u32> for OptionValue {
    fn from(n: u32) -> Self {
        Self::Number(n.into())
    }
}

/// Seconds, for the options that take them.
impl From<Duration> for OptionValue {
    fn from(d: Duration) -> Self {
        Self::Number(d.as_secs_f64())
    }
}

impl From<Lang> for OptionValue {
    fn from(lang: Lang) -> Self {
        Self::Text(lang.tag().to_owned())
    }
}

macro_rules! choice_option_values {
    ($($t:ty),+) => {$(
        impl From<$t> for OptionValue {
            fn from(value: $t) -> Self {
                Self::Text(value.as_str().to_owned())
            }
        }
    )+};
}

choice_option_values!(Theme, Variant, Requests, DurationUnit, Credentials);

/// The raw, unvalidated options, in [`OPTIONS`]' order. Absent means "use
/// the default".
#[derive(Debug, Clone, PartialEq)]
pub struct RawOptions(Vec<Option<OptionValue>>);

impl Default for RawOptions {
    fn default() -> Self {
        Self(vec![None; OPTIONS.len()])
    }
}

impl RawOptions {
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

    /// Sets one option by any of its names (`projectId`, `project_id`,
    /// `Project-ID`); returns false for a name that is not an option.
    pub fn set(&mut self, key: &str, value: Option<OptionValue>) -> bool {
        let key = option_name(key);
        let named = |o: &OptionSpec| o.name == key || o.aliases.contains(&key.as_str());
        match OPTIONS.iter().position(named) {
            Some(i) => {
                self.0[i] = value;
                true
            }
            None => false,
        }
    }

    /// The value given for the option named `name` (exactly).
    fn value(&self, name: &str) -> Option<&OptionValue> {
        let i = OPTIONS.iter().position(|o| o.name == name)?;
        self.0.get(i)?.as_ref()
    }

    /// Validates every option.
    pub fn validate(&self) -> Result<Config, ConfigErrors> {
        let mut errors = Vec::new();
        let config = self
            .parse_each(&mut errors)
            .and_then(|config| config.finish(&mut errors));
        match config {
            Some(config) if errors.is_empty() => Ok(config),
            _ => Err(ConfigErrors {
                errors,
                // Problems are said in the card's language when it is known.
                lang: LangTag.parse("lang", self.value("lang")).ok().flatten(),
            }),
        }
    }
}

/// A proxy base URL or template.
pub struct ProxyUrl;

impl Parse for ProxyUrl {
    type Value = String;
    fn parse(
        &self,
        name: &'static str,
        value: Option<&OptionValue>,
    ) -> Result<String, ConfigError> {
        proxy(text(name, value)?.unwrap_or_default())
    }
}

/// A required ID: a path segment.
pub struct Id;

impl Parse for Id {
    type Value = String;
    fn parse(
        &self,
        name: &'static str,
        value: Option<&OptionValue>,
    ) -> Result<String, ConfigError> {
        id(name, text(name, value)?)
    }
}

/// Seconds, within a bound, to the nanosecond.
pub struct Seconds(pub Bound);

impl Parse for Seconds {
    type Value = Duration;
    fn parse(
        &self,
        name: &'static str,
        value: Option<&OptionValue>,
    ) -> Result<Duration, ConfigError> {
        seconds(name, value, self.0)
    }
}

/// Seconds, where 0 means never.
pub struct IdleSeconds;

impl Parse for IdleSeconds {
    type Value = Option<Duration>;
    fn parse(
        &self,
        name: &'static str,
        value: Option<&OptionValue>,
    ) -> Result<Option<Duration>, ConfigError> {
        let idle = Seconds(Bound::ZeroOrAtLeastOne).parse(name, value)?;
        Ok((!idle.is_zero()).then_some(idle))
    }
}

/// One of a [`Choice`]'s words, ignoring case; its default when absent.
pub struct Words<T>(PhantomData<T>);

impl<T> Words<T> {
    pub const NEW: Self = Self(PhantomData);
}

impl<T: Choice> Parse for Words<T> {
    type Value = T;
    fn parse(&self, name: &'static str, value: Option<&OptionValue>) -> Result<T, ConfigError> {
        choice(name, text(name, value)?)
    }
}

/// A language tag; `None` (the browser's language) when absent.
pub struct LangTag;

impl Parse for LangTag {
    type Value = Option<Lang>;
    fn parse(
        &self,
        name: &'static str,
        value: Option<&OptionValue>,
    ) -> Result<Option<Lang>, ConfigError> {
        lang(text(name, value)?)
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
                Ok(OptionValue::Other(ValueKind::Boolean))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OptionValue, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(OptionValue::Other(ValueKind::List))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OptionValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(OptionValue::Other(ValueKind::Object))
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

/// The kind of a value, for messages.
fn kind(value: &OptionValue) -> ValueKind {
    match value {
        OptionValue::Text(_) => ValueKind::Text,
        OptionValue::Number(_) => ValueKind::Number,
        OptionValue::Other(kind) => *kind,
    }
}

/// An option that takes text.
fn text<'a>(
    name: &'static str,
    value: Option<&'a OptionValue>,
) -> Result<Option<&'a str>, ConfigError> {
    match value {
        None => Ok(None),
        Some(OptionValue::Text(text)) => Ok(Some(text)),
        Some(other) => Err(ConfigError::WrongType {
            name,
            expected: ValueKind::Text,
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
    if let Some((scheme, _)) = trimmed.split_once(':') {
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
            let after_scheme = trimmed.split_once(':').map_or("", |(_, rest)| rest);
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

fn id(name: &'static str, value: Option<&str>) -> Result<String, ConfigError> {
    let value = value.map(str::trim).unwrap_or_default();
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

/// The range an option in seconds must be in.
#[derive(Debug, Clone, Copy)]
pub enum Bound {
    AtLeastOne,
    ZeroOrAtLeastOne,
    Positive,
}

fn seconds(
    name: &'static str,
    value: Option<&OptionValue>,
    bound: Bound,
) -> Result<Duration, ConfigError> {
    let (number, trimmed) = match value {
        // Only an option declared without a default.
        None => return Err(ConfigError::Missing(name)),
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
                expected: ValueKind::Seconds,
                got: kind(other),
            })
        }
    };
    let (ok, rule) = match bound {
        Bound::AtLeastOne => (number >= 1.0, Rule::AtLeastOne),
        Bound::ZeroOrAtLeastOne => (number == 0.0 || number >= 1.0, Rule::ZeroOrAtLeastOne),
        Bound::Positive => (number > 0.0, Rule::Positive),
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
        return Err(out_of_range(Rule::AtMostADay));
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
        assert_eq!(errors.errors.len(), 8, "{text}");
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
            assert!(
                matches!(err.errors[0], ConfigError::InvalidId { .. }),
                "{bad:?}"
            );
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
    fn credentials() {
        let c = parse(&[("project_id", "p"), ("dataset_id", "d")]).unwrap();
        assert_eq!(c.credentials, Credentials::SameOrigin);
        let c = parse(&[
            ("project_id", "p"),
            ("dataset_id", "d"),
            ("credentials", "Include"),
        ])
        .unwrap();
        assert_eq!(c.credentials, Credentials::Include);
        assert_eq!(Credentials::SameOrigin.as_str(), "same-origin");
        let err = parse(&[
            ("project_id", "p"),
            ("dataset_id", "d"),
            ("credentials", "always"),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "credentials must be one of \"omit\", \"same-origin\", \"include\", not \"always\"."
        );
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
    fn the_sync_action_is_off_by_default_and_needs_a_base_url() {
        let base = [("project_id", "p"), ("dataset_id", "d")];
        assert_eq!(parse(&base).unwrap().actions, Actions::None);
        let c = parse(&[base[0], base[1], ("actions", "SYNC")]).unwrap();
        assert_eq!(c.actions, Actions::Sync);
        let err = parse(&[
            base[0],
            base[1],
            ("actions", "sync"),
            ("proxy", "/s/{project_id}/{dataset_id}"),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "proxy \"/s/{project_id}/{dataset_id}\" is not usable: actions=\"sync\" needs a base URL, not a template."
        );
        let err = parse(&[base[0], base[1], ("actions", "delete")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "actions must be one of \"none\", \"sync\", not \"delete\"."
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
                (proptest::sample::select(attributes()), ".{0,30}"),
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
    fn every_option_has_one_spelling_per_place() {
        let interval = OPTIONS.iter().find(|o| o.name == "idle_interval").unwrap();
        assert_eq!(interval.attribute(), "idle-interval");
        assert_eq!(interval.js_key(), "idleInterval");
        assert!(attributes().contains(&"proxy-url".to_owned()));
        assert!(attributes().contains(&"project-id".to_owned()));
        assert_eq!(attributes().len(), OPTIONS.len() + 1);
        // Every name and alias reaches its option, in every spelling.
        for o in OPTIONS {
            for key in [o.name.to_owned(), o.attribute(), o.js_key()] {
                let mut raw = RawOptions::default();
                assert!(raw.set(&key, Some("x".into())), "{key}");
                assert_eq!(raw.value(o.name), Some(&OptionValue::from("x")), "{key}");
            }
        }
        assert!(!RawOptions::default().set("nonsense", None));
    }

    #[test]
    fn the_readme_options_table_is_the_declared_one() {
        let readme = include_str!("../../README.md");
        let table = options_table();
        assert!(
            readme.contains(&table),
            "README.md's options table differs from core::config::OPTIONS; put this in it:\n{table}"
        );
    }

    #[test]
    fn long_values_are_shortened_in_messages() {
        let long = "y".repeat(500);
        let err = parse(&[("project_id", "p"), ("dataset_id", "d"), ("lang", &long)]).unwrap_err();
        assert!(err.to_string().len() < 200);
    }
}
