//! A small, exact JSON reader for response bodies.
//!
//! It checks a whole document against RFC 8259 and keeps, of the top-level
//! object, the members the card reads: strings and integers. Everything else
//! is checked and skipped. It replaces a general JSON library whose parser,
//! float reader and map type cost the widget more wasm than the rest of its
//! core; native property tests hold it to serde_json's answers.

use std::ops::Range;

/// A top-level member's value, as far as the card cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    Str(String),
    /// A number: `Some` when it is an integer literal that fits an `i64`.
    Num(Option<i64>),
    /// `null`, a boolean, an array or an object.
    Other,
}

/// The members of a top-level object, in document order, each with where
/// its value stands in the text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object(Vec<(String, Member, Range<usize>)>);

impl Object {
    fn find(&self, key: &str) -> Option<&(String, Member, Range<usize>)> {
        self.0.iter().rev().find(|(k, ..)| k == key)
    }

    /// The member named `key`; the last one when a key repeats.
    pub fn get(&self, key: &str) -> Option<&Member> {
        self.find(key).map(|(_, v, _)| v)
    }

    /// Where the value of `key` stands in the text that was read (any kind
    /// of value, nested ones included), to read it on its own.
    pub fn span(&self, key: &str) -> Option<Range<usize>> {
        self.find(key).map(|(.., span)| span.clone())
    }
}

/// Why a body could not be read as an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON; about where reading stopped (1-based line and column; the
    /// column may differ from other parsers' by one).
    Syntax { line: usize, column: usize },
    /// Valid JSON, but not an object.
    NotAnObject,
}

/// Nesting this deep (the outer object included) is refused, as serde_json
/// refuses it.
const MAX_DEPTH: usize = 128;

/// Reads `text`, which must be one JSON object.
pub fn parse_object(text: &str) -> Result<Object, JsonError> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    let syntax = |reader: &Reader| reader.error();
    reader.skip_ws();
    let object = if reader.peek() == Some(b'{') {
        Some(reader.object(true).map_err(|()| syntax(&reader))?)
    } else {
        reader.value().map_err(|()| syntax(&reader))?;
        None
    };
    reader.skip_ws();
    if reader.pos != reader.bytes.len() {
        return Err(syntax(&reader));
    }
    object.ok_or(JsonError::NotAnObject)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

type Step<T> = Result<T, ()>;

impl Reader<'_> {
    fn error(&self) -> JsonError {
        let before = &self.bytes[..self.pos.min(self.bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        JsonError::Syntax {
            line,
            column: self.pos - start + 1,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Step<u8> {
        let b = self.peek().ok_or(())?;
        self.pos += 1;
        Ok(b)
    }

    fn expect(&mut self, want: u8) -> Step<()> {
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(())
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn nest(&mut self) -> Step<()> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(());
        }
        Ok(())
    }

    /// Any value; the card's kinds kept, the rest checked and dropped.
    fn value(&mut self) -> Step<Member> {
        match self.peek().ok_or(())? {
            b'"' => self.string().map(Member::Str),
            b'-' | b'0'..=b'9' => self.number().map(Member::Num),
            b'{' => self.object(false).map(|_| Member::Other),
            b'[' => self.array().map(|()| Member::Other),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            _ => Err(()),
        }
    }

    fn word(&mut self, word: &[u8]) -> Step<Member> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(Member::Other)
        } else {
            Err(())
        }
    }

    /// An object; its members are kept only when `keep`.
    fn object(&mut self, keep: bool) -> Step<Object> {
        let mut members = Vec::new();
        self.list(b'{', b'}', |reader| {
            if reader.peek() != Some(b'"') {
                return Err(());
            }
            let key = reader.string()?;
            reader.skip_ws();
            reader.expect(b':')?;
            reader.skip_ws();
            let start = reader.pos;
            let value = reader.value()?;
            if keep {
                members.push((key, value, start..reader.pos));
            }
            Ok(())
        })?;
        Ok(Object(members))
    }

    fn array(&mut self) -> Step<()> {
        self.list(b'[', b']', |reader| reader.value().map(drop))
    }

    /// `open`, items separated by commas, `close`: the frame of objects and
    /// arrays, one nesting level deeper. `item` starts after any whitespace.
    fn list(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Step<()>,
    ) -> Step<()> {
        self.nest()?;
        self.expect(open)?;
        self.skip_ws();
        if self.peek() == Some(close) {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                item(self)?;
                self.skip_ws();
                match self.next()? {
                    b',' => continue,
                    b if b == close => break,
                    _ => {
                        self.pos -= 1;
                        return Err(());
                    }
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn string(&mut self) -> Step<String> {
        self.expect(b'"')?;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, escape or control byte.
            let start = self.pos;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            // Runs end at ASCII bytes, so they are whole UTF-8 sequences.
            out.push_str(std::str::from_utf8(&self.bytes[start..self.pos]).map_err(|_| ())?);
            match self.next()? {
                b'"' => return Ok(out),
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(()),
                    };
                    out.push(c);
                }
                _ => {
                    // A raw control character.
                    self.pos -= 1;
                    return Err(());
                }
            }
        }
    }

    fn hex4(&mut self) -> Step<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = (self.next()? as char).to_digit(16).ok_or(())?;
            n = n * 16 + digit;
        }
        Ok(n)
    }

    /// After `\u`: one code point, a surrogate pair taken whole.
    fn unicode_escape(&mut self) -> Step<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                self.expect(b'\\')?;
                self.expect(b'u')?;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(());
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(()),
            other => other,
        };
        char::from_u32(code).ok_or(())
    }

    /// A number: `Some(n)` for an integer literal that fits an `i64`.
    fn number(&mut self) -> Step<Option<i64>> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return Err(()),
        }
        let int_end = self.pos;
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.first_digit()?;
            integer = false;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.first_digit()?;
            integer = false;
        }
        if !integer {
            return Ok(None);
        }
        let literal = std::str::from_utf8(&self.bytes[start..int_end]).map_err(|_| ())?;
        // serde_json reads "-0" as the float -0.0: not an integer.
        if literal == "-0" {
            return Ok(None);
        }
        Ok(literal.parse::<i64>().ok())
    }

    fn first_digit(&mut self) -> Step<()> {
        match self.next()? {
            b'0'..=b'9' => {
                self.digits();
                Ok(())
            }
            _ => Err(()),
        }
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn members(text: &str) -> Vec<(String, Member)> {
        parse_object(text)
            .unwrap()
            .0
            .into_iter()
            .map(|(k, v, _)| (k, v))
            .collect()
    }

    #[test]
    fn reads_the_members_the_card_uses() {
        let m = members(
            r#" {"status": "RUNNING", "n": -42, "big": 9223372036854775807,
                "over": 9223372036854775808, "f": 1.5, "e": 1e3, "z": -0,
                "nested": {"a": [1, {"b": null}]}, "t": true, "esc": "a\"\\\/\u00e9\ud83d\ude00\n"} "#,
        );
        let get = |k: &str| m.iter().find(|(key, _)| key == k).unwrap().1.clone();
        assert_eq!(get("status"), Member::Str("RUNNING".into()));
        assert_eq!(get("n"), Member::Num(Some(-42)));
        assert_eq!(get("big"), Member::Num(Some(i64::MAX)));
        assert_eq!(get("over"), Member::Num(None));
        assert_eq!(get("f"), Member::Num(None));
        assert_eq!(get("e"), Member::Num(None));
        assert_eq!(get("z"), Member::Num(None));
        assert_eq!(get("nested"), Member::Other);
        assert_eq!(get("t"), Member::Other);
        assert_eq!(get("esc"), Member::Str("a\"\\/é😀\n".into()));
    }

    #[test]
    fn the_last_of_repeated_keys_wins() {
        let o = parse_object(r#"{"a": "1", "a": "2"}"#).unwrap();
        assert_eq!(o.get("a"), Some(&Member::Str("2".into())));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            "{",
            "{\"a\":}",
            "{\"a\":1,}",
            "{'a':1}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":-}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\udc00\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":tru}",
            "{} {}",
            "<html>",
        ] {
            assert!(
                matches!(parse_object(bad), Err(JsonError::Syntax { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(parse_object("[1]"), Err(JsonError::NotAnObject));
        assert_eq!(parse_object(" \"x\" "), Err(JsonError::NotAnObject));
    }

    #[test]
    fn reports_where_reading_stopped() {
        assert_eq!(
            parse_object("{\n  \"a\": x}"),
            Err(JsonError::Syntax { line: 2, column: 8 })
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_object(&deep).is_err());
        // serde_json's limit, exactly: 127 levels in all, the object included.
        for arrays in [125, 126, 127] {
            let text = format!("{{\"a\":{}{}}}", "[".repeat(arrays), "]".repeat(arrays));
            assert_eq!(
                parse_object(&text).is_ok(),
                serde_json::from_str::<Value>(&text).is_ok(),
                "{arrays} arrays"
            );
            assert_eq!(parse_object(&text).is_ok(), arrays < 127, "{arrays} arrays");
        }
    }

    /// What serde_json makes of the same text, in this module's terms;
    /// `Err` where serde_json refuses a number too large for an `f64`, which
    /// this reader takes as a number that is not an integer.
    fn reference(text: &str) -> Result<Option<Vec<(String, Member)>>, ()> {
        let map = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Err(e) if e.to_string().contains("number out of range") => return Err(()),
            _ => return Ok(None),
        };
        Ok(Some(
            map.into_iter()
                .map(|(k, v)| {
                    let m = match v {
                        Value::String(s) => Member::Str(s),
                        Value::Number(n) => Member::Num(n.as_i64()),
                        _ => Member::Other,
                    };
                    (k, m)
                })
                .collect(),
        ))
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn agree(text: &str) -> Result<(), TestCaseError> {
        let Ok(expected) = reference(text) else {
            return Ok(());
        };
        let parsed = parse_object(text).ok();
        if let (Some(o), Ok(Value::Object(map))) = (&parsed, serde_json::from_str::<Value>(text)) {
            // Each span holds exactly the value serde_json kept for its key.
            for (k, v) in &map {
                let span = o.span(k).unwrap();
                prop_assert_eq!(&serde_json::from_str::<Value>(&text[span]).unwrap(), v);
            }
        }
        let ours = parsed.map(|o| {
            // Compare as serde_json's map does: last key wins, sorted.
            let mut map = std::collections::BTreeMap::new();
            for (k, v, _) in o.0 {
                map.insert(k, v);
            }
            map.into_iter().collect::<Vec<_>>()
        });
        prop_assert_eq!(ours, expected, "{:?}", text);
        Ok(())
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json_on_valid_documents(
            members in prop::collection::vec((any::<String>(), json_value()), 0..8),
            pretty in any::<bool>(),
        ) {
            let object = Value::Object(members.into_iter().collect());
            let text = if pretty {
                serde_json::to_string_pretty(&object).unwrap()
            } else {
                serde_json::to_string(&object).unwrap()
            };
            agree(&text)?;
        }

        #[test]
        fn agrees_with_serde_json_on_damaged_documents(
            members in prop::collection::vec(("[a-z_]{1,8}", json_value()), 0..6),
            cut in any::<prop::sample::Index>(),
            insert in prop::sample::select(vec!["", ",", "}", "]", "\"", "\\", "-", "0", "e", ".", " ", "\u{1}", "\\u", "\\ud800"]),
        ) {
            let text = serde_json::to_string(&Value::Object(members.into_iter().collect())).unwrap();
            let mut at = cut.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            agree(&format!("{}{}{}", &text[..at], insert, &text[at..]))?;
            agree(&text[..at])?;
        }

        #[test]
        fn agrees_with_serde_json_on_numbers(
            number in "-?(0|[1-9][0-9]{0,22})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?|-?0[0-9]+|-|-\\.5",
        ) {
            agree(&format!("{{\"n\":{number}}}"))?;
        }

        #[test]
        fn agrees_with_serde_json_on_escapes(
            escapes in prop::collection::vec(
                prop_oneof![
                    "\\\\u[0-9a-fA-F]{4}",
                    "\\\\[\"\\\\/bfnrt]",
                    "\\\\u[dD][89abAB][0-9a-f]{2}\\\\u[dD][c-fC-F][0-9a-f]{2}",
                    "[a-zé😀 ]{0,3}",
                ],
                0..6,
            ),
        ) {
            agree(&format!("{{\"s\":\"{}\"}}", escapes.concat()))?;
        }
    }
}
