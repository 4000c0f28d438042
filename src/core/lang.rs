//! The languages the card speaks: a leaf that every module saying
//! something in a language may use (`config` reads the `lang` option,
//! `i18n` has the words, `web` hands the tag to `Intl`).

/// A supported label language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

impl Lang {
    /// Reads a BCP 47 tag: `en`, `en-GB`, `zh`, `zh-CN`, `zh-Hans`...
    /// Returns `None` for any other language.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Self::En),
            "zh" => Some(Self::ZhCn),
            _ => None,
        }
    }

    /// The first supported language of the browser's preference list,
    /// English when none is supported.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Self {
        preferred
            .into_iter()
            .find_map(Self::from_tag)
            .unwrap_or_default()
    }

    /// The BCP 47 tag handed to `Intl` and set as the card's `lang`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhCn => "zh-CN",
        }
    }
}
