//! Options as they arrive: text pairs (a URL query, element attributes) or
//! a JS object (`mount()`), before they are read.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{OptionSpec, ValueKind, OPTIONS};

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
    pub(super) fn value(&self, name: &str) -> Option<&OptionValue> {
        let i = OPTIONS.iter().position(|o| o.name == name)?;
        self.0.get(i)?.as_ref()
    }
}

/// An option's name in snake case: `projectId` → `project_id`, `Project-ID`
/// → `project_id` (a name with `-` or `_` is only lowered).
pub(super) fn option_name(key: &str) -> String {
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
