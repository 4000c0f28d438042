//! The widget's options, declared once in [`OPTIONS`]: names (the snake
//! case name is the query key; the attribute is its kebab case, the JS key
//! its camel case), types, defaults, how each is read, and its
//! documentation. The declaration generates [`SyncStatusOptions`] (the typed
//! options of a Rust program) and [`Config`] (the checked ones), and drives
//! reading from pairs and JS objects, the custom element's observed
//! attributes and the README's options table (a test keeps it in step).
//!
//! Options arrive typed ([`SyncStatusOptions`], in a Leptos app), or as text
//! key/value pairs from a URL query or element attributes, or as a JS object
//! (`mount(element, { projectId: 'p1', interval: 5 })`) that
//! serde-wasm-bindgen hands to [`RawOptions`]' `Deserialize`. Every spelling
//! of a key is accepted (`projectId`, `project_id`, `project-id`; `proxy` and
//! `proxy-url`). Every problem is reported, not just the first, and a
//! configuration with any problem never sends a request.
//!
//! The files: `choices` (the options that are one of a few words), `raw`
//! (values as given), `rules` (how each is read and checked), `errors`
//! (what can be wrong).

mod choices;
mod errors;
mod raw;
mod rules;
#[cfg(test)]
mod tests;
pub mod typescript;

use std::time::Duration;

pub use choices::{Actions, Choice, Credentials, DurationUnit, Requests, Theme, Variant};
pub use errors::{ConfigError, ConfigErrors, Problem, Rule, ValueKind};
pub use raw::{OptionValue, RawOptions};
pub use rules::{is_template, Parse};

use crate::core::lang::Lang;
use rules::{shown, Id, IdleSeconds, LangTag, OneOf, ProxyUrl, Seconds};

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

        /// Every option's TypeScript type, in [`OPTIONS`]' order (what a
        /// page may give: `typescript::declarations`).
        fn ts_types() -> Vec<String> {
            vec![$( $parser.ts_type(), )+]
        }

        /// Every option's documentation, in [`OPTIONS`]' order.
        pub const OPTION_DOCS: &[OptionDoc] = &[$(
            OptionDoc {
                absent: $absent,
                doc: concat!($($doc),+),
            },
        )+];

        /// The options of a card in a Rust program (a Leptos app): a typed
        /// field per option of [`OPTIONS`], [`Default`] (the declared
        /// defaults), and a builder method per option taking its type.
        /// [`SyncStatusOptions::validate`] checks the values (an interval
        /// under a second, an empty ID) when the card mounts: a problem
        /// shows on the card like any other configuration problem.
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
        ///
        /// A value of the wrong type does not compile:
        ///
        /// ```compile_fail
        /// use std::time::Duration;
        /// use modelarts_sync_status::core::config::SyncStatusOptions;
        ///
        /// let options = SyncStatusOptions::default().theme(Duration::from_secs(5));
        /// ```
        #[derive(Debug, Clone, PartialEq)]
        pub struct SyncStatusOptions {
            $( $(#[doc = $doc])+ pub $name: $ty, )+
        }

        /// A checked configuration: what [`SyncStatusOptions::validate`]
        /// makes of the options, the field of each as the card uses it.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $( $(#[doc = $doc])+ pub $name: $ty, )+
        }

        impl Default for SyncStatusOptions {
            fn default() -> Self {
                Self { $( $name: declared_default(&$parser, stringify!($name), $default), )+ }
            }
        }

        impl SyncStatusOptions {
            $(
                $(#[doc = $doc])+
                pub fn $name(mut self, value: impl Into<$ty>) -> Self {
                    self.$name = value.into();
                    self
                }
            )+

            /// The options as they are, when each was read (and so checked)
            /// from what a page gave.
            fn checked_by_reading(self) -> Config {
                Config { $( $name: self.$name, )+ }
            }

            /// Each option checked; every problem recorded.
            fn check_each(&self, errors: &mut Vec<ConfigError>) -> Option<Config> {
                $( let $name = keep(errors, $parser.check(stringify!($name), &self.$name)); )+
                Some(Config { $( $name: $name?, )+ })
            }
        }

        impl RawOptions {
            /// Each option read by its parser (an absent one is its
            /// default: see [`read_absent`]); every problem recorded.
            fn read_each(&self, errors: &mut Vec<ConfigError>) -> Option<SyncStatusOptions> {
                $(
                    let $name = keep(errors, match self.value(stringify!($name)) {
                        Some(given) => $parser.read(stringify!($name), given),
                        None => read_absent(&$parser, stringify!($name), $default),
                    });
                )+
                Some(SyncStatusOptions { $( $name: $name?, )+ })
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
    interval: Duration = Seconds(Rule::AtLeastOne), default Some("10"), absent "", aliases [];
    /// seconds between refreshes once the status is terminal (COMPLETED, FAILED, NOT_EXIST);
    /// never shorter than `interval`; 0 stops refreshing until the user refreshes
    idle_interval: Option<Duration> = IdleSeconds, default Some("60"), absent "", aliases [];
    /// seconds before a request is aborted and reported as timed out
    timeout: Duration = Seconds(Rule::Positive), default Some("15"), absent "", aliases [];
    /// the longest wait between retries after failures, in seconds (never below `interval`)
    max_backoff: Duration = Seconds(Rule::AtLeastOne), default Some("300"), absent "", aliases [];
    /// unit of `duration_time`: `ms` or `s` (the API does not document it)
    duration_unit: DurationUnit = OneOf::<DurationUnit>::NEW, default Some("ms"), absent "", aliases [];
    /// `en` or `zh-CN` for every text; dates and relative times use `Intl` for that locale;
    /// counts are grouped as `12,480` (as both locales do)
    lang: Option<Lang> = LangTag, default None, absent "the browser's", aliases [];
    /// `light`, `dark`, or `auto` (follows `prefers-color-scheme`)
    theme: Theme = OneOf::<Theme>::NEW, default Some("auto"), absent "", aliases [];
    /// `card`, or `compact`: one line, for tables
    variant: Variant = OneOf::<Variant>::NEW, default Some("card"), absent "", aliases [];
    /// `single`: one request per card, to the API path any proxy serves; `batch`: the cards of
    /// a page share requests through the reference proxy's batch path (see Embedding). Needs
    /// a base URL, not a template.
    requests: Requests = OneOf::<Requests>::NEW, default Some("single"), absent "", aliases [];
    /// whether the browser sends the viewer's cookies to the proxy, which asks the portal who
    /// may see the dataset (`--auth-url`): `same-origin` (a proxy on the page's origin),
    /// `include` (a proxy on another origin that allows this one), or `omit`
    credentials: Credentials = OneOf::<Credentials>::NEW, default Some("same-origin"), absent "", aliases [];
    /// `none`, or `sync`: a "Sync now" button while the task is not running, which starts a
    /// synchronization after a confirming second press (`POST {proxy}/v2/{project_id}/datasets/{dataset_id}/sync-data`;
    /// the proxy must allow it: see Starting a sync). Needs a base URL, not a template.
    actions: Actions = OneOf::<Actions>::NEW, default Some("none"), absent "", aliases [];
}

/// The declared default of an option, read by its parser; the type's own
/// default where none is declared (an empty ID, which the check reports
/// as missing). A test reads every declared default.
fn declared_default<P: Parse>(parser: &P, name: &'static str, default: Option<&str>) -> P::Value
where
    P::Value: Default,
{
    read_absent(parser, name, default).unwrap_or_default()
}

/// An option not given: its declared default read as a given value is;
/// without one, the type's default is checked (an empty ID is reported as
/// missing). What [`SyncStatusOptions`]' `Default` holds, without reading
/// every other default too.
fn read_absent<P: Parse>(
    parser: &P,
    name: &'static str,
    default: Option<&str>,
) -> Result<P::Value, ConfigError>
where
    P::Value: Default,
{
    match default {
        Some(text) => parser.read(name, &OptionValue::from(text)),
        None => parser.check(name, &P::Value::default()),
    }
}

/// Keeps a valid value, or records why it is not.
fn keep<T>(errors: &mut Vec<ConfigError>, result: Result<T, ConfigError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

impl SyncStatusOptions {
    /// Checks every option and the rules between them.
    pub fn validate(&self) -> Result<Config, ConfigErrors> {
        let mut errors = Vec::new();
        let config = match self.check_each(&mut errors) {
            Some(config) => config.finish().map_err(|error| vec![error]),
            None => Err(errors),
        };
        config.map_err(|errors| ConfigErrors {
            errors,
            lang: self.lang,
        })
    }
}

impl RawOptions {
    /// Reads every option into the typed options; every problem reported.
    pub fn options(&self) -> Result<SyncStatusOptions, ConfigErrors> {
        let mut errors = Vec::new();
        match self.read_each(&mut errors) {
            Some(options) if errors.is_empty() => Ok(options),
            _ => Err(ConfigErrors {
                errors,
                // Problems are said in the card's language when it is known.
                lang: self
                    .value("lang")
                    .and_then(|given| LangTag.read("lang", given).ok())
                    .flatten(),
            }),
        }
    }

    /// Reads every option (reading checks each), then checks the rules
    /// between them, as [`SyncStatusOptions::validate`] does.
    pub fn validate(&self) -> Result<Config, ConfigErrors> {
        let options = self.options()?;
        let lang = options.lang;
        options
            .checked_by_reading()
            .finish()
            .map_err(|error| ConfigErrors {
                errors: vec![error],
                lang,
            })
    }
}

impl Config {
    /// The rules between options, after each was checked on its own (one
    /// problem at most: both concern the proxy).
    fn finish(mut self) -> Result<Self, ConfigError> {
        // Terminal tasks are refreshed no faster than active ones, and a
        // backoff cap below the interval would retry faster than the rhythm.
        self.idle_interval = self.idle_interval.map(|idle| idle.max(self.interval));
        self.max_backoff = self.max_backoff.max(self.interval);
        if self.requests == Requests::Batch && is_template(&self.proxy) {
            return Err(ConfigError::InvalidProxy {
                value: shown(&self.proxy),
                problem: Problem::TemplateWithBatch,
            });
        }
        if self.actions == Actions::Sync && is_template(&self.proxy) {
            return Err(ConfigError::InvalidProxy {
                value: shown(&self.proxy),
                problem: Problem::TemplateWithSync,
            });
        }
        Ok(self)
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

/// Options named as an attribute that every HTML element has, and whose
/// property `HTMLElement` defines (`el.lang` reads and writes `lang`).
pub const HTML_ELEMENT_REFLECTS: &[&str] = &["lang"];

/// The custom element's properties, one per option: its JS key and the
/// attributes it stands for (the option's first, then its aliases'). A
/// property reads and writes its attribute (`el.datasetId = 'd2'` is
/// `dataset-id="d2"`), as the attributes of built-in elements do. An option
/// that `HTMLElement` already reflects (`lang`) keeps the built-in property.
pub fn properties() -> Vec<(String, Vec<String>)> {
    OPTIONS
        .iter()
        .filter(|o| !HTML_ELEMENT_REFLECTS.contains(&o.name))
        .map(|o| {
            let names = std::iter::once(o.name).chain(o.aliases.iter().copied());
            (o.js_key(), names.map(|n| n.replace('_', "-")).collect())
        })
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
