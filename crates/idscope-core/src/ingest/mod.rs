//! The one reader of real exports (Mixpanel raw-export JSONL, `/import` NDJSON, a JSON array
//! of events), used by `idscope resolve`, the explorer's export view and the tests alike.
//!
//! [`open`] detects the source: a regular file is memory-mapped and parsed in place; gzip is
//! recognised by its magic bytes; stdin and anything that cannot be mapped are streamed. A
//! UTF-8 byte-order mark is skipped and a JSON array is told from JSONL by its first byte.
//! Every event goes to a [`Sink`] in file order with its line number, its place in the input
//! and its identity fields ([`line::Line`], the single field list).
//!
//! Lines are capped ([`DEFAULT_MAX_LINE`], [`Input::max_line_bytes`]): a longer line is
//! malformed and never parsed; a stream stops at one that is still unended past the cap, so
//! no input (`/dev/zero`, a gzip bomb) holds more than the cap and a block or two for a line.

mod blocks;
mod cut;
pub mod line;

pub use line::{describe_error, BadLine, IdList, Line, Props};

use crate::resolver::Incoming;
use crate::text::{path_text, visible};

/// The line cap unless one is given: far above any real event (Mixpanel refuses events
/// over 1 MB), far below what would exhaust memory.
pub const DEFAULT_MAX_LINE: u64 = 64 << 20;

/// The largest line cap (about 4 GiB): the parser's offsets are 32-bit.
pub const MAX_LINE_LIMIT: u64 = blocks::MAX_CAP;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// What a sink asks of the reader after a line: keep going or stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    Stop,
}

/// One event as read: where it is and the fields identity resolution needs.
#[derive(Debug)]
pub struct Event<'a> {
    /// 1-based line number (a JSON array: the element's number).
    pub line: usize,
    /// Byte offset of the line's text in the input (after a byte-order mark, if any).
    pub offset: u64,
    /// The line as read (without its newline).
    pub text: &'a str,
    pub incoming: Incoming<'a>,
    /// `time` in Unix seconds (milliseconds converted).
    pub time: Option<f64>,
    pub insert_id: Option<&'a str>,
}

/// Receives what the reader finds, in file order.
pub trait Sink {
    fn event(&mut self, event: Event<'_>) -> Control;
    /// A line that is not an event (not JSON, not UTF-8, …).
    fn bad(&mut self, bad: &BadLine) -> Control;
    /// Lines read, blank ones included.
    fn lines(&mut self, _count: u64) {}
    /// Bytes read so far, for a progress bar.
    fn progress(&mut self, _bytes: u64) {}
    /// The input's size when known up front, so tables can be sized once.
    fn expect_bytes(&mut self, _bytes: u64) {}
}

/// Why an export could not be read to the end. Messages name the input.
#[derive(Debug)]
pub enum Error {
    NotFound {
        name: String,
    },
    IsDirectory {
        name: String,
    },
    Read {
        name: String,
        error: std::io::Error,
    },
    NotAnArray {
        name: String,
        error: serde_json::Error,
    },
    /// A stream's line went past the cap without ending; reading stopped there.
    LineTooLong {
        name: String,
        line: usize,
        cap: usize,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NotFound { name } => write!(f, "{}: no such file", visible(name)),
            Error::IsDirectory { name } => {
                write!(
                    f,
                    "{}: is a directory; expected an export file",
                    visible(name)
                )
            }
            Error::Read { name, error } => write!(f, "{}: cannot read: {error}", visible(name)),
            Error::NotAnArray { name, error } => {
                let message = error.to_string();
                let message = message
                    .rfind(" at line ")
                    .map_or(&*message, |i| &message[..i]);
                write!(
                    f,
                    "{}:{}:{}: not a JSON array of events: {}",
                    visible(name),
                    error.line(),
                    error.column(),
                    line::syntax_words(message, "the file", &[], 0)
                )
            }
            Error::LineTooLong { name, line, cap } => write!(
                f,
                "{}:{line}: line longer than the cap of {cap} bytes, with no end in sight; \
                 stopped reading (a stream cannot skip a line without reading all of it)",
                visible(name)
            ),
        }
    }
}

impl std::error::Error for Error {}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BOM: &[u8] = b"\xef\xbb\xbf";

type Stream = BufReader<Box<dyn Read + Send>>;

/// An opened export, not read yet.
pub struct Input {
    name: String,
    body: Body,
    size: Option<u64>,
    /// Lines longer than this are malformed.
    max_line: usize,
}

enum Body {
    /// A regular file mapped into memory (parsed in place, no copy through a read buffer).
    Mapped(memmap2::Mmap),
    /// Stdin, gzip, or anything that cannot be mapped; a byte-order mark already skipped.
    Stream(Stream),
}

/// A whole export in memory: a mapped file, or what a stream decompressed to.
pub enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Bytes {
    /// Delivers every event (JSONL or a JSON array; a byte-order mark is skipped); `name`
    /// stands for the input in errors. A mapped file's pages are released as they are
    /// delivered, so a reader that goes over it again and again stays small in memory.
    pub fn feed(&self, name: &str, sink: &mut dyn Sink) -> Result<bool, Error> {
        match self {
            Bytes::Mapped(map) => feed_map(name, map, sink, cap(DEFAULT_MAX_LINE)),
            Bytes::Owned(v) => feed_bytes(name, v, sink),
        }
    }

    /// The text after a byte-order mark (offsets of [`Event::offset`] count from here).
    pub fn body(&self) -> &[u8] {
        body(self)
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// A mapped file's events; its pages are released as they are delivered.
fn feed_map(
    name: &str,
    map: &memmap2::Mmap,
    sink: &mut dyn Sink,
    max_line: usize,
) -> Result<bool, Error> {
    let skipped = (map.len() - body(map).len()) as u64;
    let mut release = Release { map, done: 0 };
    let mut on_done = |r: std::ops::Range<u64>| release.upto(r.end + skipped);
    feed_body(name, body(map), sink, Some(&mut on_done), max_line)
}

/// A cap as the parser takes it: at least one byte, at most [`MAX_LINE_LIMIT`].
fn cap(bytes: u64) -> usize {
    bytes
        .clamp(1, MAX_LINE_LIMIT)
        .try_into()
        .unwrap_or(usize::MAX)
}

/// Opens an export file, unwrapping gzip (detected by its magic bytes). Its name in
/// messages is the path, with bytes that are not UTF-8 shown as `\xff`.
pub fn open(path: &Path) -> Result<Input, Error> {
    let name = path_text(path);
    let f = std::fs::File::open(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound { name: name.clone() },
        _ => Error::Read {
            name: name.clone(),
            error,
        },
    })?;
    let meta = f.metadata().ok();
    if meta.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(Error::IsDirectory { name });
    }
    if let Some(map) = meta
        .as_ref()
        .filter(|m| m.is_file() && m.len() > 0)
        .and_then(|_| map(&f))
    {
        if !map.starts_with(&GZIP_MAGIC) {
            let size = map.len() as u64;
            return Ok(Input {
                name,
                body: Body::Mapped(map),
                size: Some(size),
                max_line: cap(DEFAULT_MAX_LINE),
            });
        }
    }
    let size = meta.map(|m| m.len());
    stream(name, Box::new(f), size)
}

/// Reads an export from standard input (named `<stdin>` in messages).
pub fn open_stdin() -> Result<Input, Error> {
    stream("<stdin>".into(), Box::new(std::io::stdin()), None)
}

/// Reads an export from any reader (gzip detected); `name` stands for it in messages.
pub fn open_reader(name: &str, reader: Box<dyn Read + Send>) -> Result<Input, Error> {
    stream(name.to_string(), reader, None)
}

fn stream(name: String, raw: Box<dyn Read + Send>, size: Option<u64>) -> Result<Input, Error> {
    let opened = (|| {
        let mut reader = BufReader::with_capacity(1 << 16, raw);
        if reader.fill_buf()?.starts_with(&GZIP_MAGIC) {
            let gz: Box<dyn Read + Send> = Box::new(flate2::bufread::MultiGzDecoder::new(reader));
            return Ok((skip_bom(BufReader::with_capacity(1 << 16, gz))?, None));
        }
        Ok((skip_bom(reader)?, size))
    })();
    match opened {
        Ok((reader, size)) => Ok(Input {
            name,
            body: Body::Stream(reader),
            size,
            max_line: cap(DEFAULT_MAX_LINE),
        }),
        Err(error) => Err(Error::Read { name, error }),
    }
}

/// Drops a leading UTF-8 byte-order mark (editors on Windows write one); it is not JSON.
fn skip_bom(mut r: Stream) -> std::io::Result<Stream> {
    if r.fill_buf()?.starts_with(BOM) {
        r.consume(BOM.len());
    }
    Ok(r)
}

/// Maps a regular file read-only; None when the system cannot (the caller then reads it).
/// The file must not be truncated while it is read (as with ripgrep's mmap; exports are
/// written once).
fn map(f: &std::fs::File) -> Option<memmap2::Mmap> {
    // SAFETY: a read-only shared mapping of a file we only read; see the note above on
    // truncation by another process.
    let map = unsafe { memmap2::Mmap::map(f) }.ok()?;
    let _ = map.advise(memmap2::Advice::Sequential);
    Some(map)
}

/// The text after a byte-order mark.
fn body(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

fn is_array(head: &[u8]) -> bool {
    head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

impl Input {
    /// The input as messages name it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The size in bytes when known before reading (plain files).
    pub fn size(&self) -> Option<u64> {
        self.size
    }

    /// Whether the input is a file mapped into memory (which another process truncating it
    /// would pull from under the reader).
    pub fn is_mapped(&self) -> bool {
        matches!(self.body, Body::Mapped(_))
    }

    /// Caps a line at `bytes` ([`DEFAULT_MAX_LINE`] unless set; clamped to 1 ..=
    /// [`MAX_LINE_LIMIT`]).
    pub fn max_line_bytes(mut self, bytes: u64) -> Input {
        self.max_line = cap(bytes);
        self
    }

    /// Reads the whole input, delivering every event to `sink`. Ok(false): the sink said
    /// stop. A mapped file's pages are released as they are delivered, so resident memory
    /// stays flat.
    pub fn feed(self, sink: &mut dyn Sink) -> Result<bool, Error> {
        let (name, max_line) = (self.name, self.max_line);
        match self.body {
            Body::Mapped(map) => feed_map(&name, &map, sink, max_line),
            Body::Stream(mut reader) => {
                let head = reader.fill_buf().map_err(|error| Error::Read {
                    name: name.clone(),
                    error,
                })?;
                if is_array(head) {
                    // A JSON array is read whole (its lines capped), then delivered element
                    // by element.
                    let buf = read_capped(&name, &mut reader, max_line)?;
                    feed_array(&name, &buf, sink, max_line)
                } else {
                    blocks::feed_reader(sink, Box::new(reader), max_line).map_err(|e| match e {
                        blocks::Stopped::Io(error) => Error::Read { name, error },
                        blocks::Stopped::LineTooLong { line, cap } => {
                            Error::LineTooLong { name, line, cap }
                        }
                    })
                }
            }
        }
    }

    /// The whole input in memory (a mapped file stays mapped), for a reader that goes over
    /// it more than once (the explorer resolves it once per mode).
    /// A stream is read whole, its lines capped as when it is fed.
    pub fn into_bytes(self) -> Result<Bytes, Error> {
        match self.body {
            Body::Mapped(map) => Ok(Bytes::Mapped(map)),
            Body::Stream(mut reader) => {
                read_capped(&self.name, &mut reader, self.max_line).map(Bytes::Owned)
            }
        }
    }
}

/// Reads a stream to its end, refusing a line still unended past `cap` bytes: a stream of
/// zeros or a gzip bomb stops there instead of filling memory.
fn read_capped(name: &str, reader: &mut Stream, cap: usize) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    // Where the current line starts, and its number.
    let (mut start, mut line) = (0usize, 1usize);
    loop {
        let before = buf.len();
        match reader.take(1 << 20).read_to_end(&mut buf) {
            Ok(0) => return Ok(buf),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => {
                return Err(Error::Read {
                    name: name.to_string(),
                    error,
                })
            }
        }
        let new = &buf[before..];
        if let Some(last) = memchr::memrchr(b'\n', new) {
            line += memchr::memchr_iter(b'\n', new).count();
            start = before + last + 1;
        }
        if buf.len() - start > cap {
            return Err(Error::LineTooLong {
                name: name.to_string(),
                line,
                cap,
            });
        }
    }
}

/// Delivers every event of an export held in memory (JSONL or a JSON array; a byte-order
/// mark is skipped). `name` stands for it in errors. Ok(false): the sink said stop.
pub fn feed_bytes(name: &str, bytes: &[u8], sink: &mut dyn Sink) -> Result<bool, Error> {
    feed_body(name, body(bytes), sink, None, cap(DEFAULT_MAX_LINE))
}

fn feed_body(
    name: &str,
    bytes: &[u8],
    sink: &mut dyn Sink,
    on_done: blocks::OnDone,
    max_line: usize,
) -> Result<bool, Error> {
    if is_array(bytes) {
        feed_array(name, bytes, sink, max_line)
    } else {
        Ok(blocks::feed_bytes(sink, bytes, on_done, max_line))
    }
}

/// Delivers a JSON array of events, element i as line i + 1; an element longer than
/// `max_line` is malformed, as a line would be.
fn feed_array(
    name: &str,
    bytes: &[u8],
    sink: &mut dyn Sink,
    max_line: usize,
) -> Result<bool, Error> {
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_slice(bytes).map_err(|error| Error::NotAnArray {
            name: name.to_string(),
            error,
        })?;
    let base = bytes.as_ptr() as usize;
    sink.lines(items.len() as u64);
    for (i, item) in items.iter().enumerate() {
        let text = item.get();
        let parsed = if text.len() > max_line {
            Err(format!(
                "array item {}: {} bytes long, over the line cap of {max_line} bytes; not read",
                i + 1,
                text.len()
            ))
        } else {
            Line::parse(text).map_err(|e| {
                format!(
                    "array item {}: {}",
                    i + 1,
                    describe_error(&e, text.as_bytes())
                )
            })
        };
        let control = match parsed {
            Ok(l) => {
                let p = l.properties.as_ref();
                sink.event(Event {
                    line: i + 1,
                    offset: (text.as_ptr() as usize - base) as u64,
                    text,
                    incoming: l.incoming(0),
                    time: l.time_seconds(),
                    insert_id: p.and_then(|p| p.insert_id.as_deref()),
                })
            }
            Err(message) => sink.bad(&BadLine {
                line: i + 1,
                message,
            }),
        };
        if control == Control::Stop {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Lets a mapped input drop the pages already delivered, so resident memory stays flat.
struct Release<'m> {
    map: &'m memmap2::Mmap,
    done: usize,
}

impl Release<'_> {
    /// Everything before `end` is delivered.
    fn upto(&mut self, end: u64) {
        // Whole 64 KiB runs only (a multiple of any page size), so no page still being
        // parsed is touched.
        let end = (end as usize) & !0xffff;
        if end > self.done {
            // SAFETY: the mapping is read-only and shared: MADV_DONTNEED drops our page-table
            // entries only, and a later read faults the same file contents back in. No borrow
            // of these bytes is used again (they are delivered).
            let _ = unsafe {
                self.map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    self.done,
                    end - self.done,
                )
            };
            self.done = end;
        }
    }
}

/// Whether `path` is an export rather than a scenario: `.jsonl`/`.ndjson`/`.gz`, gzip by its
/// magic bytes, a file whose first non-space byte is `[`, or whose first line is an event
/// object (`"event"` or `"properties"` at the top, no `"steps"`).
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
    if head.starts_with(&GZIP_MAGIC) {
        return true;
    }
    let text = body(&head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => true,
        Some(b'{') => {
            let start = text
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(0);
            let line = text[start..].split(|b| *b == b'\n').next().unwrap_or(&[]);
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
