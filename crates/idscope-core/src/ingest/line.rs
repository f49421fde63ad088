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
/// anything else (`[]`, `{}`, `["e",{…}]`) fails to parse with [`NOT_AN_EVENT`].
#[derive(Debug, Default)]
pub struct Line<'a> {
    /// Always Some after [`Line::parse`] (kept an Option for callers building one).
    pub event: Option<Cow<'a, str>>,
    pub properties: Option<Props<'a>>,
}

/// Why valid JSON that is not an event object is malformed.
pub const NOT_AN_EVENT: &str = "not an event: expected an object with \"event\" and \"properties\"";

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
            _ => Err(de::Error::custom(NOT_AN_EVENT)),
        }
    }
    // Any other JSON value is no event; consumed whole so the error says so, not "invalid
    // type".
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(de::Error::custom(NOT_AN_EVENT))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_EVENT))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_EVENT))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_EVENT))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_EVENT))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_EVENT))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(E::custom(NOT_AN_EVENT))
    }
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

/// A parse error as "column C: message"; valid JSON that is no event as [`NOT_AN_EVENT`]
/// alone (a column would point at its end, not at a mistake).
pub fn describe_error(e: &serde_json::Error) -> String {
    let message = strip_position(&e.to_string());
    if message == NOT_AN_EVENT {
        return message;
    }
    format!("column {}: {message}", e.column())
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

    #[test]
    fn only_objects_with_an_event_name_and_properties_are_events() {
        for text in [
            r#"["e",{"distinct_id":"x"}]"#,
            "[]",
            "{}",
            "null",
            "\"e\"",
            "7",
            r#"{"event":"A"}"#,
            r#"{"properties":{"distinct_id":"x"}}"#,
            r#"{"event":"A","properties":null}"#,
            r#"{"event":"A","properties":["x"]}"#,
            r#"{"event":"A","properties":"x"}"#,
            r#"{"event":7,"properties":{"distinct_id":"x"}}"#,
            r#"{"event":null,"properties":{}}"#,
            r#"{"event":["A"],"properties":{}}"#,
        ] {
            let e = Line::parse(text).expect_err(text);
            assert_eq!(describe_error(&e), NOT_AN_EVENT, "{text}");
        }
        let l = Line::parse(r#"{"properties":{},"x":[1,{"y":2}],"event":"A\u0042"}"#).unwrap();
        assert_eq!(l.event.as_deref(), Some("AB"));
        assert!(Line::parse(r#"{"event":"","properties":{}}"#).is_ok());
        let dup = Line::parse(r#"{"event":"A","event":"B","properties":{}}"#).unwrap_err();
        assert!(describe_error(&dup).contains("duplicate field `event`"));
        // A syntax error still names its column.
        let bad = Line::parse(r#"{"event":"A","properties":{]"#).unwrap_err();
        assert!(describe_error(&bad).starts_with("column 28: "), "{bad}");
    }

    #[test]
    fn non_id_values_are_none() {
        let l = Line::parse(r#"{"event":"A","properties":{"distinct_id":{"a":1},"$user_id":[1],"$device_id":true}}"#).unwrap();
        let p = l.properties.unwrap();
        assert!(p.distinct_id.is_none() && p.user_id.is_none() && p.device_id.is_none());
    }
}
