//! What can be wrong with the options. Their words, in both languages, are
//! in `core::i18n`.

use crate::core::lang::Lang;

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
