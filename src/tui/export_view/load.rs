//! A real export held for the explorer: read once through the shared reader
//! ([`idscope_core::ingest`]) into memory (a plain file stays memory-mapped), with where each
//! event is. Events are not decoded and kept: a mode switch re-reads the bytes, and a
//! timeline row parses its one line when it is drawn.

pub use idscope_core::ingest::is_export;
use idscope_core::ingest::{self, BadLine, Bytes, Control, Event, Line, Sink};
use idscope_core::model::{Knobs, Mode};
use idscope_core::stream::{Stream, StreamOptions};
use idscope_core::text::visible;
use std::path::Path;

/// Where one event is in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventAt {
    /// 1-based line number (a JSON array: the element's number).
    pub line: usize,
    offset: u64,
    len: u32,
}

/// A loaded export.
pub struct Input {
    /// The file as given (for the header).
    pub name: String,
    bytes: Bytes,
    /// Every event, in file order.
    pub events: Vec<EventAt>,
    /// The first malformed lines, with why.
    pub bad: Vec<BadLine>,
    /// Every malformed line.
    pub bad_count: u64,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("bytes", &self.bytes.len())
            .field("events", &self.events.len())
            .field("bad_count", &self.bad_count)
            .finish()
    }
}

const KEEP_BAD: usize = 100;

/// Reads the whole export (gunzipping when needed).
pub fn load(path: &Path) -> Result<Input, String> {
    let opened = ingest::open(path).map_err(|e| e.to_string())?;
    let name = visible(opened.name()).into_owned();
    let bytes = opened.into_bytes().map_err(|e| e.to_string())?;
    index(name, bytes)
}

/// Reads export bytes held in memory (JSONL or a JSON array).
pub fn parse(name: String, bytes: &[u8]) -> Result<Input, String> {
    index(name, Bytes::Owned(bytes.to_vec()))
}

/// Finds every event and malformed line.
fn index(name: String, bytes: Bytes) -> Result<Input, String> {
    let mut input = Input {
        name,
        bytes,
        events: Vec::new(),
        bad: Vec::new(),
        bad_count: 0,
    };
    let mut sink = Index {
        events: Vec::new(),
        bad: Vec::new(),
        bad_count: 0,
    };
    ingest::feed_bytes(&input.name, &input.bytes, &mut sink).map_err(|e| e.to_string())?;
    input.events = sink.events;
    input.bad = sink.bad;
    input.bad_count = sink.bad_count;
    Ok(input)
}

struct Index {
    events: Vec<EventAt>,
    bad: Vec<BadLine>,
    bad_count: u64,
}

impl Sink for Index {
    fn event(&mut self, e: Event<'_>) -> Control {
        self.events.push(EventAt {
            line: e.line,
            offset: e.offset,
            len: e.text.len() as u32,
        });
        Control::Continue
    }

    fn bad(&mut self, bad: &BadLine) -> Control {
        self.bad_count += 1;
        if self.bad.len() < KEEP_BAD {
            self.bad.push(bad.clone());
        }
        Control::Continue
    }

    fn expect_bytes(&mut self, bytes: u64) {
        // About 350 bytes an event in a raw export.
        self.events.reserve((bytes / 350) as usize);
    }
}

impl Input {
    /// Resolves the whole export in `mode`, keeping each event's verdict (in file order,
    /// one per event of [`Input::events`]).
    pub fn resolve(&self, mode: Mode, knobs: Knobs) -> Stream {
        let mut stream = Stream::new(StreamOptions {
            mode,
            knobs,
            dedupe: false,
            keep_verdicts: true,
        });
        // The bytes were read whole when indexed, so they read again.
        let _ = ingest::feed_bytes(&self.name, &self.bytes, &mut stream);
        stream
    }

    /// Event `i`'s text as it is in the file.
    pub fn text(&self, i: usize) -> &str {
        let Some(at) = self.events.get(i) else {
            return "";
        };
        let body = self
            .bytes
            .strip_prefix(b"\xef\xbb\xbf")
            .unwrap_or(&self.bytes);
        let start = at.offset as usize;
        body.get(start..start + at.len as usize)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// Event `i`'s name and time (Unix seconds), read from its line.
    pub fn event_and_time(&self, i: usize) -> (String, Option<f64>) {
        match Line::parse(self.text(i)) {
            Ok(l) => (
                l.event.as_deref().unwrap_or("").to_string(),
                l.time_seconds(),
            ),
            Err(_) => (String::new(), None),
        }
    }
}
