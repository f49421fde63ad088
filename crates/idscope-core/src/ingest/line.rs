//! One export line's identity fields: the single field list every reader of real exports
//! uses. Each line is parsed straight into these fields (borrowed, everything else skipped
//! unparsed), so no DOM is built per event.

use crate::model::Endpoint;
use crate::resolver::{is_invalid_id, Incoming};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// `$distinct_ids`: each item an id or None.
pub type IdList<'a> = Option<Vec<Option<Cow<'a, str>>>>;

/// One export line's identity fields. Only an object with an `event` string and a
/// `properties` object is an event (Mixpanel's raw export and `/import` both have the two);
/// anything else (`[]`, `{}`, `["e",{…}]`) fails to parse with a message saying what it is
/// instead ("a JSON array, not an event object"; see [`describe_error`]).
#[derive(Debug, Default)]
pub struct Line<'a> {
    /// Always Some after [`Line::parse`] (kept an Option for callers building one).
    pub event: Option<Cow<'a, str>>,
    pub properties: Option<Props<'a>>,
}

impl<'de> Deserialize<'de> for Line<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LineVisitor)
    }
}

/// An event object's top-level keys; the others are skipped unparsed.
enum Key {
    Event,
    Properties,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "event" => Key::Event,
                    "properties" => Key::Properties,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

struct LineVisitor;

impl<'de> Visitor<'de> for LineVisitor {
    type Value = Line<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut event: Option<Option<Cow<'de, str>>> = None;
        let mut properties: Option<Option<Props<'de>>> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Event if event.is_some() => return Err(de::Error::duplicate_field("event")),
                Key::Event => event = Some(map.next_value::<EventName>()?.0),
                Key::Properties if properties.is_some() => {
                    return Err(de::Error::duplicate_field("properties"))
                }
                Key::Properties => properties = Some(map.next_value::<PropsObject>()?.0),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (event, properties) {
            (Some(Some(event)), Some(Some(properties))) => Ok(Line {
                event: Some(event),
                properties: Some(properties),
            }),
            (event, properties) => Err(de::Error::custom(object_not_an_event(
                event.map(|e| e.is_some()),
                properties.map(|p| p.is_some()),
            ))),
        }
    }
    // Any other JSON value is no event; consumed whole so the error says what it is, not
    // "invalid type".
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(not_an_event("a JSON array"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(not_an_event("a JSON string"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(not_an_event("a JSON number"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(not_an_event("a JSON number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(not_an_event("a JSON number"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(not_an_event("a JSON boolean"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(not_an_event("JSON null"))
    }
}

/// Valid JSON that is no object: "a JSON array, not an event object".
fn not_an_event<E: de::Error>(what: &str) -> E {
    E::custom(format_args!("{what}, not an event object"))
}

/// An object that is no event, by its two fields (None: absent; Some(false): not a string
/// or not an object): "an object without `event` and `properties`", "an object whose
/// `properties` is not an object", ….
fn object_not_an_event(event: Option<bool>, properties: Option<bool>) -> String {
    if event.is_none() && properties.is_none() {
        return "an object without `event` and `properties`".into();
    }
    let event = match event {
        None => Some("without `event`"),
        Some(false) => Some("whose `event` is not a string"),
        Some(true) => None,
    };
    let properties = match properties {
        None => Some("without `properties`"),
        Some(false) => Some("whose `properties` is not an object"),
        Some(true) => None,
    };
    let parts: Vec<&str> = event.into_iter().chain(properties).collect();
    format!("an object {}", parts.join(" and "))
}

/// The visitor methods of a field that takes one kind of value: numbers, booleans and null
/// are read as None (the line is then no event) rather than failing with "invalid type".
macro_rules! scalars_are_none {
    () => {
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    };
}

/// `event`: a string (borrowed when unescaped), else None.
struct EventName<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for EventName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Cow<'de, str>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(None)
            }
            scalars_are_none!();
        }
        d.deserialize_any(V).map(EventName)
    }
}

/// `properties`: an object, else None. (A derived struct would also take an array, its
/// items read as the fields in order.)
struct PropsObject<'a>(Option<Props<'a>>);

impl<'de> Deserialize<'de> for PropsObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Props<'de>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of properties")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Props::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(None)
            }
            scalars_are_none!();
        }
        d.deserialize_any(V).map(PropsObject)
    }
}

/// The properties identity resolution reads; everything else is skipped unparsed.
#[derive(Debug, Default, Deserialize)]
pub struct Props<'a> {
    #[serde(borrow, default, deserialize_with = "id_field")]
    pub distinct_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "$device_id", deserialize_with = "id_field")]
    pub device_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "$user_id", deserialize_with = "id_field")]
    pub user_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "$anon_id", deserialize_with = "id_field")]
    pub anon_id: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "$anon_distinct_id",
        deserialize_with = "id_field"
    )]
    pub anon_distinct_id: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "$identified_id",
        deserialize_with = "id_field"
    )]
    pub identified_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "id_field")]
    pub alias: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        rename = "$distinct_ids",
        deserialize_with = "id_list"
    )]
    pub distinct_ids: IdList<'a>,
    #[serde(borrow, default, rename = "$insert_id", deserialize_with = "id_field")]
    pub insert_id: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "number_field")]
    pub time: Option<f64>,
}

/// An id: a string (borrowed when unescaped) or a number's text; anything else is None.
fn id_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    d.deserialize_any(IdVisitor)
}

struct IdVisitor;

impl<'de> Visitor<'de> for IdVisitor {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an id")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then_some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then(|| Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then_some(Cow::Owned(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(
            serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()),
        )))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<IdList<'de>, D::Error> {
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = IdList<'de>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of ids")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(Wrapped(v)) = seq.next_element::<Wrapped<'de>>()? {
                out.push(v);
            }
            Ok(Some(out))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    struct Wrapped<'de>(Option<Cow<'de, str>>);
    impl<'de> Deserialize<'de> for Wrapped<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(IdVisitor).map(Wrapped)
        }
    }
    d.deserialize_any(ListVisitor)
}

fn number_field<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

impl<'a> Line<'a> {
    /// Parses one line of an export.
    pub fn parse(text: &'a str) -> Result<Line<'a>, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Parses one line given as bytes (UTF-8 is checked as it parses).
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<Line<'a>, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The resolver's view of this line as event `index`, arriving through `/import`.
    pub fn incoming(&'a self, index: u32) -> Incoming<'a> {
        let p = self.properties.as_ref();
        let field = |f: fn(&'a Props<'a>) -> &'a Option<Cow<'a, str>>| {
            p.and_then(|p| f(p).as_deref()).map(Cow::Borrowed)
        };
        let merge_ids =
            p.and_then(|p| p.distinct_ids.as_ref())
                .and_then(|ids| match ids.as_slice() {
                    [Some(a), Some(b)] => Some([Cow::Borrowed(&**a), Cow::Borrowed(&**b)]),
                    _ => None,
                });
        let distinct_id = field(|p| &p.distinct_id);
        Incoming {
            index,
            endpoint: Endpoint::Import,
            event: Cow::Borrowed(self.event.as_deref().unwrap_or("")),
            invalid_distinct_id: distinct_id.as_deref().is_some_and(is_invalid_id),
            distinct_id,
            device_id: field(|p| &p.device_id),
            user_id: field(|p| &p.user_id),
            anon_id: field(|p| &p.anon_id),
            anon_distinct_id: field(|p| &p.anon_distinct_id),
            identified_id: field(|p| &p.identified_id),
            alias: field(|p| &p.alias),
            merge_ids,
        }
    }

    /// `time` in Unix seconds: values above 10^11 are taken as milliseconds.
    pub fn time_seconds(&self) -> Option<f64> {
        let t = self.properties.as_ref()?.time?;
        Some(if t.abs() > 1e11 { t / 1000.0 } else { t })
    }
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// Why `line` is not an event, in words a person reads, from the error parsing it gave
/// (every reader's malformed-line message is made here):
///
/// - not JSON at all (it does not start with `{` or `[`): "not JSON (found `n` at column 1)";
/// - not UTF-8: "not UTF-8 (invalid byte `\xff` at column 12)";
/// - a syntax error: "invalid JSON at column 14: expected `,` or `}`", or where the line
///   ends too early "invalid JSON: the line ends inside an object";
/// - valid JSON that is no event: "a JSON array, not an event object", "an object without
///   `event` and `properties`", "the key `event` appears twice".
///
/// Columns count characters, from 1 (an invalid byte counts as one).
pub fn describe_error(e: &serde_json::Error, line: &[u8]) -> String {
    use serde_json::error::Category;
    // The event parser stops at the end of the value; whether anything follows decides
    // between "valid JSON that is no event" and a syntax error.
    let reparsed;
    let syntax = if e.classify() == Category::Data {
        reparsed = serde_json::from_slice::<IgnoredAny>(line).err();
        reparsed.as_ref()
    } else {
        Some(e)
    };
    let Some(start) = line.iter().position(|b| !b.is_ascii_whitespace()) else {
        return "an empty line, not an event object".into();
    };
    if syntax.is_some() && !matches!(line[start], b'{' | b'[') {
        return format!(
            "not JSON (found `{}` at column {})",
            first_char(&line[start..]),
            char_column(line, start)
        );
    }
    let at = syntax.map_or(line.len(), |s| byte_index(line, s));
    if let Err(u) = std::str::from_utf8(line) {
        // The first mistake: a byte before the syntax error (or in a valid line).
        if u.valid_up_to() <= at {
            return format!(
                "not UTF-8 (invalid byte `{}` at column {})",
                first_char(&line[u.valid_up_to()..]),
                char_column(line, u.valid_up_to())
            );
        }
    }
    let Some(syntax) = syntax else {
        return data_words(&strip_position(&e.to_string()));
    };
    match syntax_words(&strip_position(&syntax.to_string()), "the line", line, at) {
        Words::At(words) => format!("invalid JSON at column {}: {words}", char_column(line, at)),
        Words::AtEnd(words) => format!("invalid JSON: {words}"),
    }
}

/// A syntax error's words, and whether a column means anything (not where the text ended).
pub(crate) enum Words {
    At(String),
    AtEnd(String),
}

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Words::At(words) | Words::AtEnd(words) => f.write_str(words),
        }
    }
}

/// serde_json's syntax message (position stripped) in short words. `subject` is what ends
/// too early ("the line", "the file"); `text[at]` is the byte the error points at (when
/// known: an empty `text` does).
pub(crate) fn syntax_words(message: &str, subject: &str, text: &[u8], at: usize) -> Words {
    // `[1,]` and `{"a":1,}`: the comma is the mistake, not the bracket after it.
    let trailing_comma = matches!(text.get(at), Some(b']' | b'}'))
        && text[..at].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b',');
    let w = |words: &str| Words::At(words.to_string());
    match message {
        "EOF while parsing a list" => Words::AtEnd(format!("{subject} ends inside an array")),
        "EOF while parsing an object" => Words::AtEnd(format!("{subject} ends inside an object")),
        "EOF while parsing a string" => Words::AtEnd("unterminated string".into()),
        "EOF while parsing a value" => {
            Words::AtEnd(format!("{subject} ends where a value should be"))
        }
        "expected value" | "key must be a string" if trailing_comma => w("trailing comma"),
        "expected `:`" => w("expected `:` after the key"),
        "expected ident" => w("expected `true`, `false` or `null`"),
        "expected value" => w("expected a value"),
        "key must be a string" | "expected `\"`" => w("expected a key in double quotes"),
        "invalid unicode code point"
        | "unexpected end of hex escape"
        | "lone leading surrogate in hex escape" => w("invalid `\\u` escape"),
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            w("control character inside a string (it must be escaped)")
        }
        "trailing characters" => w("trailing characters after the value"),
        "recursion limit exceeded" => w("nested more than 128 levels deep"),
        // "expected `,` or `}`", "invalid escape", "invalid number", "trailing comma", …
        // say it already.
        other => w(other),
    }
}

/// Valid JSON that is no event, in words: the visitor's own messages as they are.
fn data_words(message: &str) -> String {
    match message
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        Some(key @ ("event" | "properties")) => format!("the key `{key}` appears twice"),
        Some(key) => format!("the key `{key}` appears twice in `properties`"),
        None => message.to_string(),
    }
}

/// The first character of `bytes`, safe to show: control and invisible characters escaped
/// (`\x1b`, `\u{feff}`), a byte that is not UTF-8 as `\xff`.
fn first_char(bytes: &[u8]) -> String {
    let Some(chunk) = bytes
        .get(..bytes.len().min(4))
        .and_then(|b| b.utf8_chunks().next())
    else {
        return String::new();
    };
    match chunk.valid().chars().next() {
        Some('`') => "\\x60".into(),
        Some(c) => crate::text::visible(c.encode_utf8(&mut [0; 4])).into_owned(),
        None => chunk
            .invalid()
            .first()
            .map_or_else(String::new, |b| format!("\\x{b:02x}")),
    }
}

/// The 1-based character column of byte `at` in its line of `text` (a byte that is not
/// UTF-8 counts as one character).
fn char_column(text: &[u8], at: usize) -> usize {
    let at = at.min(text.len());
    let line_start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
    String::from_utf8_lossy(&text[line_start..at])
        .chars()
        .count()
        + 1
}

/// The byte a serde_json error points at: its line and (1-based, byte) column in `text`.
fn byte_index(text: &[u8], e: &serde_json::Error) -> usize {
    let line_start = match e.line() {
        0 | 1 => 0,
        n => memchr::memchr_iter(b'\n', text)
            .nth(n - 2)
            .map_or(text.len(), |i| i + 1),
    };
    (line_start + e.column().saturating_sub(1)).min(text.len())
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_reads_identity_fields_and_skips_the_rest() {
        let l = Line::parse(r#"{"event":"A","properties":{"distinct_id":42,"$device_id":"d1","big":{"x":[1,2,3]},"$distinct_ids":["a","b"],"time":1700000000123}}"#).unwrap();
        let p = l.properties.as_ref().unwrap();
        assert_eq!(p.distinct_id.as_deref(), Some("42"));
        assert_eq!(p.device_id.as_deref(), Some("d1"));
        assert_eq!(l.time_seconds(), Some(1_700_000_000.123));
        let inc = l.incoming(0);
        assert_eq!(
            inc.merge_ids.as_ref().map(|m| [&*m[0], &*m[1]]),
            Some(["a", "b"])
        );
        assert_eq!(inc.endpoint, Endpoint::Import);
    }

    /// What `describe_error` says of `text` parsed as a line.
    fn why(text: &[u8]) -> String {
        let e = Line::parse_bytes(text).expect_err(&String::from_utf8_lossy(text));
        describe_error(&e, text)
    }

    #[test]
    fn only_objects_with_an_event_name_and_properties_are_events() {
        for (text, message) in [
            (
                r#"["e",{"distinct_id":"x"}]"#,
                "a JSON array, not an event object",
            ),
            ("[]", "a JSON array, not an event object"),
            ("null", "JSON null, not an event object"),
            ("\"e\"", "a JSON string, not an event object"),
            ("7", "a JSON number, not an event object"),
            ("-1.5e3", "a JSON number, not an event object"),
            ("true", "a JSON boolean, not an event object"),
            ("{}", "an object without `event` and `properties`"),
            (r#"{"event":"A"}"#, "an object without `properties`"),
            (
                r#"{"properties":{"distinct_id":"x"}}"#,
                "an object without `event`",
            ),
            (
                r#"{"event":"A","properties":null}"#,
                "an object whose `properties` is not an object",
            ),
            (
                r#"{"event":"A","properties":["x"]}"#,
                "an object whose `properties` is not an object",
            ),
            (
                r#"{"event":"A","properties":"x"}"#,
                "an object whose `properties` is not an object",
            ),
            (
                r#"{"event":7,"properties":{"distinct_id":"x"}}"#,
                "an object whose `event` is not a string",
            ),
            (
                r#"{"event":null,"properties":{}}"#,
                "an object whose `event` is not a string",
            ),
            (
                r#"{"event":["A"],"properties":{}}"#,
                "an object whose `event` is not a string",
            ),
            (
                r#"{"event":["A"]}"#,
                "an object whose `event` is not a string and without `properties`",
            ),
            (
                r#"{"event":"A","event":"B","properties":{}}"#,
                "the key `event` appears twice",
            ),
            (
                r#"{"event":"A","properties":{"distinct_id":"a","distinct_id":"b"}}"#,
                "the key `distinct_id` appears twice in `properties`",
            ),
        ] {
            assert_eq!(why(text.as_bytes()), message, "{text}");
        }
        let l = Line::parse(r#"{"properties":{},"x":[1,{"y":2}],"event":"A\u0042"}"#).unwrap();
        assert_eq!(l.event.as_deref(), Some("AB"));
        assert!(Line::parse(r#"{"event":"","properties":{}}"#).is_ok());
    }

    #[test]
    fn a_line_that_is_not_json_names_its_first_character() {
        for (text, message) in [
            (&b"not json"[..], "not JSON (found `n` at column 1)"),
            (b"   hello {", "not JSON (found `h` at column 4)"),
            (b"\tevent=A", "not JSON (found `e` at column 2)"),
            (b"\x1b[31mred", "not JSON (found `\\x1b` at column 1)"),
            (b"\xff\xfe{}", "not JSON (found `\\xff` at column 1)"),
            (
                b"\xef\xbb\xbf{}",
                "not JSON (found `\\u{feff}` at column 1)",
            ),
            ("é{}".as_bytes(), "not JSON (found `é` at column 1)"),
            (b"`x`", "not JSON (found `\\x60` at column 1)"),
            (b"\"unterminated", "not JSON (found `\"` at column 1)"),
            (b"7 8", "not JSON (found `7` at column 1)"),
            (b"nul", "not JSON (found `n` at column 1)"),
        ] {
            assert_eq!(why(text), message, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn syntax_errors_say_what_was_expected_and_where() {
        for (text, message) in [
            (
                r#"{"event":"A" "properties":{}}"#,
                "invalid JSON at column 14: expected `,` or `}`",
            ),
            (
                r#"{"event":"A","properties":{]"#,
                "invalid JSON at column 28: expected a key in double quotes",
            ),
            (
                r#"{"event":"A","x":[1 2]}"#,
                "invalid JSON at column 21: expected `,` or `]`",
            ),
            (
                r#"{"event" "A"}"#,
                "invalid JSON at column 10: expected `:` after the key",
            ),
            (
                r#"{event:"A"}"#,
                "invalid JSON at column 2: expected a key in double quotes",
            ),
            (
                r#"{"event":"A",}"#,
                "invalid JSON at column 14: trailing comma",
            ),
            (
                r#"{"event":"A","x":[1,]}"#,
                "invalid JSON at column 21: trailing comma",
            ),
            (
                r#"{"event":"A","x":[1,,2]}"#,
                "invalid JSON at column 21: expected a value",
            ),
            (
                r#"{"event":"A","x":tru}"#,
                "invalid JSON at column 21: expected `true`, `false` or `null`",
            ),
            (
                r#"{"event":"A","x":01}"#,
                "invalid JSON at column 19: invalid number",
            ),
            (
                r#"{"event":"A\q"}"#,
                "invalid JSON at column 13: invalid escape",
            ),
            (
                r#"{"event":"A\u12"}"#,
                "invalid JSON at column 17: invalid escape",
            ),
            (
                "{\"event\":\"A\tB\"}",
                "invalid JSON at column 12: control character inside a string (it must be escaped)",
            ),
            (
                r#"{"event":"A","properties":{}} x"#,
                "invalid JSON at column 31: trailing characters after the value",
            ),
            (
                r#"{"event":"A","properties":{}}}"#,
                "invalid JSON at column 30: trailing characters after the value",
            ),
            (
                r#"[1] [2]"#,
                "invalid JSON at column 5: trailing characters after the value",
            ),
            (
                "{}x",
                "invalid JSON at column 3: trailing characters after the value",
            ),
            // Columns count characters, not bytes.
            (
                r#"{"event":"café" "properties":{}}"#,
                "invalid JSON at column 17: expected `,` or `}`",
            ),
            (
                r#"{"event":"A","#,
                "invalid JSON: the line ends where a value should be",
            ),
            (
                r#"{"event":"A""#,
                "invalid JSON: the line ends inside an object",
            ),
            (
                r#"{"event":"A","x":[1,2"#,
                "invalid JSON: the line ends inside an array",
            ),
            (r#"{"event":"A"#, "invalid JSON: unterminated string"),
        ] {
            assert_eq!(why(text.as_bytes()), message, "{text}");
        }
        // Skipped values have no depth limit: deep nesting is still valid JSON.
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(why(deep.as_bytes()), "a JSON array, not an event object");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_named_where_they_come_first() {
        assert_eq!(
            why(b"{\"event\":\"caf\xe9\",\"properties\":{}}"),
            "not UTF-8 (invalid byte `\\xe9` at column 14)"
        );
        assert_eq!(
            why(b"{\"event\":\"\xc3\xa9\xff\"}"),
            "not UTF-8 (invalid byte `\\xff` at column 12)"
        );
        // A syntax error before the byte is the first mistake.
        assert_eq!(
            why(b"{\"event\" \"caf\xe9\"}"),
            "invalid JSON at column 10: expected `:` after the key"
        );
    }

    #[test]
    fn non_id_values_are_none() {
        let l = Line::parse(r#"{"event":"A","properties":{"distinct_id":{"a":1},"$user_id":[1],"$device_id":true}}"#).unwrap();
        let p = l.properties.unwrap();
        assert!(p.distinct_id.is_none() && p.user_id.is_none() && p.device_id.is_none());
    }
}
