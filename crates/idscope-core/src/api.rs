//! What Mixpanel's ingestion endpoints accept before identity resolution sees an event, and
//! what they answer (G-WINDOW, G-IMPORT, G-MISSING): `/track` keeps five days and answers
//! `1` whatever it drops; `/import` validates each event and ingests those that pass.
//! The run and the exports ask here, so what a run rejects is what an export warns about.

use crate::model::{Endpoint, Knobs, MissingDistinctId, Mode};
use crate::resolver::{is_identity_event, is_invalid_id, reason};
use crate::rules::RuleId;
use serde_json::{json, Value};

/// `/track` drops events older than this when they arrive [REF-TRACK: "Last 5 days only"].
pub const TRACK_WINDOW_S: f64 = 5.0 * 86_400.0;
/// `/import` refuses times before 1971-01-01 [REF-IMPORT].
pub const IMPORT_EARLIEST_S: f64 = 31_536_000.0;
/// `/import` overwrites times more than an hour ahead with the ingestion time [REF-IMPORT].
pub const IMPORT_FUTURE_S: f64 = 3_600.0;

/// What an endpoint does with one event before identity resolution.
#[derive(Debug, Clone, PartialEq)]
pub enum Admission {
    /// Taken. `distinct_id` replaces a missing one (G-MISSING: a hash of the sender's IP);
    /// `note` says what the endpoint changed (a future `time`).
    Accept {
        distinct_id: Option<String>,
        note: Option<String>,
    },
    /// Not taken: why, and the field a strict `/import` names in `failed_records`.
    Refuse {
        rule: RuleId,
        reason: &'static str,
        field: &'static str,
        message: String,
    },
}

/// The distinct id Mixpanel computes for an event without one: a hash of the request's IP
/// address, so every such event of one sender is one synthetic user (G-MISSING).
pub fn synthetic_id(sender: &str) -> String {
    format!("ip-hash:{sender}")
}

/// `time` in seconds (values above 10^11 are milliseconds, as the API reads them).
pub fn time_seconds(v: &Value) -> Option<f64> {
    let t = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    Some(if t.abs() > 1e11 { t / 1000.0 } else { t })
}

/// Whether the payload names an id Simplified can use instead of `distinct_id`.
fn has_simplified_ids(props: Option<&serde_json::Map<String, Value>>) -> bool {
    ["$device_id", "$user_id"].iter().any(|k| {
        props
            .and_then(|p| p.get(*k))
            .is_some_and(|v| crate::resolver::id_value(v).is_some())
    })
}

/// The ingestion checks for one event payload sent to `endpoint` at `sent_at` (seconds) by
/// `sender` (a device name, or "server" for raw sends). Profile records pass.
pub fn admit(
    mode: Mode,
    knobs: &Knobs,
    endpoint: Endpoint,
    body: &Value,
    sent_at: f64,
    sender: &str,
) -> Admission {
    if endpoint == Endpoint::Engage {
        return Admission::Accept {
            distinct_id: None,
            note: None,
        };
    }
    let props = body.get("properties").and_then(Value::as_object);
    let get = |k: &str| props.and_then(|p| p.get(k));
    // The identity verbs have their own required attributes [REF-MERGE: `$distinct_ids`
    // only; REF-IDENTIFY: distinct_id "inferred from $identified_id"]; the resolver checks them.
    let identity = body
        .get("event")
        .and_then(Value::as_str)
        .is_some_and(is_identity_event);
    // Absent or null: missing. The empty string is "no user" (G-EMPTY), not missing.
    let missing_id = !identity
        && matches!(get("distinct_id"), None | Some(Value::Null))
        && !(mode == Mode::Simplified && has_simplified_ids(props));
    let refuse = |rule, reason, field, message: String| Admission::Refuse {
        rule,
        reason,
        field,
        message,
    };
    let mut note = None;
    match endpoint {
        Endpoint::Track => {
            // A missing time is the arrival time [DOCS-RESERVED].
            if let Some(t) = get("time").and_then(time_seconds) {
                if t < sent_at - TRACK_WINDOW_S {
                    return refuse(
                        RuleId::GWindow,
                        reason::TRACK_TOO_OLD,
                        "properties.time",
                        format!(
                            "sent {} after its time: /track keeps the last 5 days only, drops it and still answers 1",
                            age(sent_at - t)
                        ),
                    );
                }
            }
        }
        Endpoint::Import if identity => {}
        Endpoint::Import => {
            if missing_id && knobs.missing_distinct_id == MissingDistinctId::Reject {
                return refuse(
                    RuleId::GImport,
                    reason::IMPORT_MISSING_DISTINCT_ID,
                    "properties.distinct_id",
                    "'properties.distinct_id' is missing: /import requires it (knob import.missing_distinct_id = reject)".into(),
                );
            }
            match get("time").and_then(time_seconds) {
                None => {
                    return refuse(
                        RuleId::GImport,
                        reason::IMPORT_INVALID_TIME,
                        "properties.time",
                        "'properties.time' is invalid: must be specified as seconds since epoch"
                            .into(),
                    )
                }
                Some(t) if t < IMPORT_EARLIEST_S => {
                    return refuse(
                        RuleId::GImport,
                        reason::IMPORT_INVALID_TIME,
                        "properties.time",
                        "'properties.time' is before 1971-01-01: /import refuses it".into(),
                    )
                }
                Some(t) if t > sent_at + IMPORT_FUTURE_S => {
                    note = Some(format!(
                        "time is {} in the future: /import stores it at the ingestion time",
                        age(t - sent_at)
                    ));
                }
                Some(_) => {}
            }
            let insert_id = get("$insert_id");
            let problem = match insert_id {
                None | Some(Value::Null) => Some("is missing: /import requires it"),
                Some(Value::String(s)) if s.is_empty() => Some("is empty"),
                Some(Value::String(s)) if s.len() > 36 => Some("is longer than 36 bytes"),
                Some(Value::String(s))
                    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
                {
                    Some("has a character other than letters, digits and '-'")
                }
                Some(Value::String(s)) if is_invalid_id(s) => {
                    Some("is a placeholder value /import refuses (as for distinct_id)")
                }
                Some(Value::String(_)) => None,
                Some(_) => Some("is not a string"),
            };
            if let Some(problem) = problem {
                return refuse(
                    RuleId::GImport,
                    reason::IMPORT_INVALID_INSERT_ID,
                    "properties.$insert_id",
                    format!("'properties.$insert_id' {problem}"),
                );
            }
        }
        Endpoint::Engage => unreachable!("profiles returned above"),
    }
    Admission::Accept {
        distinct_id: missing_id.then(|| synthetic_id(sender)),
        note,
    }
}

/// "6 days", "2 hours".
fn age(seconds: f64) -> String {
    let s = seconds.abs();
    if s >= 86_400.0 {
        format!("{:.0} days", (s / 86_400.0).floor())
    } else if s >= 3_600.0 {
        format!("{:.0} hours", (s / 3_600.0).floor())
    } else {
        format!("{:.0} seconds", s.floor())
    }
}

/// One refused record of an `/import` response: its place in the request and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Failed {
    pub index: usize,
    pub insert_id: Option<String>,
    pub field: &'static str,
    pub message: String,
}

/// The field and message `/import` gives for a refusal reason the resolver decides itself
/// (a placeholder distinct_id, G-INVALID).
pub fn refusal(reason: &str, distinct_id: &str) -> (&'static str, String) {
    match reason {
        reason::INVALID_DISTINCT_ID => (
            "properties.distinct_id",
            format!("'properties.distinct_id' is invalid: {distinct_id:?} is a placeholder value /import refuses"),
        ),
        _ => ("properties", "invalid".into()),
    }
}

/// The answer a request gets: `/track` answers `1` (even for what it drops); a strict
/// `/import` answers 200 with the count, or 400 listing the failed records while ingesting
/// the rest [REF-IMPORT]; `/engage` answers `1`.
pub fn response(endpoint: Endpoint, total: usize, failed: &[Failed]) -> Value {
    match endpoint {
        Endpoint::Import if failed.is_empty() => json!({
            "code": 200,
            "num_records_imported": total,
            "status": "OK",
        }),
        Endpoint::Import => json!({
            "code": 400,
            "error": "some data points in the request failed validation",
            "failed_records": failed.iter().map(|f| json!({
                "index": f.index,
                "insert_id": f.insert_id,
                "field": f.field,
                "message": f.message,
            })).collect::<Vec<_>>(),
            "num_records_imported": total - failed.len(),
            "status": "Bad Request",
        }),
        Endpoint::Track | Endpoint::Engage => json!(1),
    }
}
