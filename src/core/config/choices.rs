//! The options that take one of a few words, and their words.

use std::time::Duration;

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
