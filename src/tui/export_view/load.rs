//! Reading a raw Mixpanel export for the explorer: JSONL/NDJSON (optionally gzipped) or a
//! JSON array of events. Events are parsed once here (their text kept), so switching modes
//! re-resolves from memory instead of re-reading the file.

use crate::stream::{describe_error, BadLine, Line};
use crate::text::visible;
use std::io::Read;
use std::path::Path;

/// One event of the export.
#[derive(Debug, Clone)]
pub struct Item {
    /// 1-based line number (array: element number).
    pub line: usize,
    pub text: Box<str>,
    pub event: Box<str>,
    /// Seconds since the epoch.
    pub time: Option<f64>,
}

/// A loaded export.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The file as given (for the header).
    pub name: String,
    pub items: Vec<Item>,
    /// The first malformed lines, with why.
    pub bad: Vec<BadLine>,
    /// Every malformed line.
    pub bad_count: u64,
}

const KEEP_BAD: usize = 100;

/// Whether `path` is an export rather than a scenario: `.jsonl`/`.ndjson`/`.gz`, a file
/// whose first non-space byte is `[`, or whose first line is an event object (`"event"` or
/// `"properties"` at the top).
pub fn is_export(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "jsonl" | "ndjson" | "gz") {
        return true;
    }
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = vec![0u8; 1 << 16];
    let n = f.read(&mut head).unwrap_or(0);
    head.truncate(n);
    if head.starts_with(&[0x1f, 0x8b]) {
        return true;
    }
    let body = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => true,
        Some(b'{') => {
            let start = body
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(0);
            let line = body[start..].split(|b| *b == b'\n').next().unwrap_or(&[]);
            match serde_json::from_slice::<serde_json::Value>(line) {
                Ok(serde_json::Value::Object(o)) => {
                    (o.contains_key("event") || o.contains_key("properties"))
                        && !o.contains_key("steps")
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Reads the whole export (gunzipping when needed).
pub fn load(path: &Path) -> Result<Input, String> {
    let name = visible(&path.display().to_string()).into_owned();
    let raw = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{name}: no such file"),
        _ => format!("{name}: cannot read: {e}"),
    })?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| format!("{name}: cannot gunzip: {e}"))?;
        out
    } else {
        raw
    };
    parse(name, &bytes)
}

/// Parses export bytes (JSONL or a JSON array).
pub fn parse(name: String, bytes: &[u8]) -> Result<Input, String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut input = Input {
        name,
        ..Input::default()
    };
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        let items: Vec<&serde_json::value::RawValue> =
            serde_json::from_slice(bytes).map_err(|e| {
                format!(
                    "{}:{}:{}: not a JSON array of events: {e}",
                    input.name,
                    e.line(),
                    e.column()
                )
            })?;
        for (i, item) in items.iter().enumerate() {
            add(&mut input, i + 1, item.get().as_bytes());
        }
    } else {
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            add(&mut input, i + 1, line);
        }
    }
    Ok(input)
}

fn add(input: &mut Input, line_no: usize, raw: &[u8]) {
    let trimmed = raw.trim_ascii();
    if trimmed.is_empty() {
        return;
    }
    let bad = |message: String| BadLine {
        line: line_no,
        message,
    };
    let result = std::str::from_utf8(trimmed)
        .map_err(|e| bad(format!("not UTF-8: {e}")))
        .and_then(|text| {
            Line::parse(text)
                .map(|l| {
                    let event = l.event.as_deref().unwrap_or("").into();
                    let time = l.time_seconds();
                    Item {
                        line: line_no,
                        text: text.into(),
                        event,
                        time,
                    }
                })
                .map_err(|e| bad(describe_error(&e)))
        });
    match result {
        Ok(item) => input.items.push(item),
        Err(b) => {
            input.bad_count += 1;
            if input.bad.len() < KEEP_BAD {
                input.bad.push(b);
            }
        }
    }
}
