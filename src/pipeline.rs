//! Reading an export on two cores: one thread reads blocks of whole lines and a second
//! parses them, while the caller's thread resolves the previous block (issue 6's target:
//! resolution at the speed of parsing). Parsed fields are kept as offsets into the block,
//! so nothing is copied or allocated per event.

use crate::model::Endpoint;
use crate::resolver::{is_invalid_id, Incoming};
use crate::stream::{BadLine, Line, Stream};
use std::borrow::Cow;
use std::io::Read;
use std::sync::mpsc::sync_channel;

/// About this many bytes per block.
const BLOCK: usize = 1 << 20;

/// Whole lines read from the input.
struct Block {
    bytes: Vec<u8>,
    /// Line number of the first line (1-based).
    first_line: usize,
    /// Lines in the block (a last line without a newline counts).
    lines: usize,
    /// A recycled vector for the parsed lines (large: reusing it avoids fresh pages).
    spare: Vec<Item>,
}

/// A field of a parsed line: where it is in the block, or which unescaped string it is.
#[derive(Debug, Default, Clone, Copy)]
enum Field {
    #[default]
    None,
    At(u32, u32),
    /// Index into the block's unescaped strings (ids with JSON escapes; rare).
    Owned(u32),
}

/// A parsed block: its text, its lines' fields, and the unescaped strings they refer to.
struct ParsedBlock {
    text: Text,
    items: Vec<Item>,
    owned: Vec<Box<str>>,
    lines: usize,
}

/// A block's text: checked as UTF-8 once when it is; raw bytes (checked per line) when not.
enum Text {
    Str(String),
    Bytes(Vec<u8>),
}

impl Text {
    fn len(&self) -> usize {
        match self {
            Text::Str(s) => s.len(),
            Text::Bytes(b) => b.len(),
        }
    }

    fn slice(&self, a: usize, b: usize) -> Option<&str> {
        match self {
            // Spans come from serde's borrowed strings: always on character boundaries.
            Text::Str(s) => s.get(a..b),
            Text::Bytes(bytes) => std::str::from_utf8(bytes.get(a..b)?).ok(),
        }
    }
}

impl Field {
    fn of(v: &Option<Cow<'_, str>>, base: usize, owned: &mut Vec<Box<str>>) -> Field {
        match v {
            None => Field::None,
            Some(Cow::Borrowed(s)) => {
                let start = s.as_ptr() as usize - base;
                Field::At(start as u32, (start + s.len()) as u32)
            }
            Some(Cow::Owned(s)) => {
                owned.push(s.clone().into_boxed_str());
                Field::Owned(owned.len() as u32 - 1)
            }
        }
    }

    fn get<'b>(self, block: &'b ParsedBlock) -> Option<Cow<'b, str>> {
        match self {
            Field::None => None,
            Field::At(a, b) => block.text.slice(a as usize, b as usize).map(Cow::Borrowed),
            Field::Owned(i) => block.owned.get(i as usize).map(|s| Cow::Borrowed(&**s)),
        }
    }
}

/// One line's identity fields, as offsets.
#[derive(Debug, Default)]
struct Parsed {
    line: usize,
    text: (u32, u32),
    event: Field,
    distinct_id: Field,
    device_id: Field,
    user_id: Field,
    anon_id: Field,
    anon_distinct_id: Field,
    identified_id: Field,
    alias: Field,
    merge: Option<[Field; 2]>,
    insert_id: Field,
    time: Option<f64>,
}

// One Vec of items per block: boxing the large variant would cost an allocation per line.
#[allow(clippy::large_enum_variant)]
enum Item {
    Event(Parsed),
    Bad(BadLine),
}

/// What the caller does with a bad line: keep going or stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    Stop,
}

/// Receives each event line's number and text.
pub type LineSink<'h> = &'h mut dyn FnMut(usize, &str);

/// Callbacks of [`feed_reader`].
pub struct Hooks<'h> {
    pub on_bad: &'h mut dyn FnMut(&BadLine) -> Control,
    /// Bytes read so far (for a progress bar).
    pub on_bytes: &'h mut dyn FnMut(u64),
    /// Each event line's text, when the caller keeps them (resolved-jsonl).
    pub on_line: Option<LineSink<'h>>,
}

/// Reads every line of `reader` into `stream`. Returns false when a hook said stop, and an
/// error when reading failed.
pub fn feed_reader(
    stream: &mut Stream,
    reader: Box<dyn Read + Send>,
    hooks: Hooks,
) -> std::io::Result<bool> {
    let (raw_tx, raw_rx) = sync_channel::<(u64, std::io::Result<Block>)>(PARSERS);
    let (parsed_tx, parsed_rx) = sync_channel::<(u64, ParsedBlock)>(2 * PARSERS);
    let (recycle_tx, recycle_rx) = sync_channel::<Recycled>(4 * PARSERS);
    // Shared by the parsers only: when they all stop, the reader's sends fail and it stops too.
    let raw_rx = std::sync::Arc::new(std::sync::Mutex::new(raw_rx));
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut seq = 0u64;
            read_blocks(reader, recycle_rx, |b| {
                seq += 1;
                raw_tx.send((seq - 1, b)).is_ok()
            })
        });
        for _ in 0..PARSERS {
            let (raw_rx, parsed_tx) = (raw_rx.clone(), parsed_tx.clone());
            scope.spawn(move || loop {
                let next = raw_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((seq, block))) = next else {
                    return;
                };
                let parsed = match block {
                    Ok(b) => parse_block(b),
                    // Forward the error as an empty block carrying it.
                    Err(e) => ParsedBlock {
                        text: Text::Bytes(Vec::new()),
                        items: vec![Item::Bad(BadLine {
                            line: 0,
                            message: format!("read error: {e}"),
                        })],
                        owned: Vec::new(),
                        lines: 0,
                    },
                };
                if parsed_tx.send((seq, parsed)).is_err() {
                    return;
                }
            });
        }
        drop((parsed_tx, raw_rx));
        // Blocks arrive out of order from the parsers; resolve them in file order.
        let mut pending = std::collections::BTreeMap::new();
        let mut next = 0u64;
        // The iterator owns the receiver: stopping early (a bad line under --strict) drops it,
        // which stops the parsers.
        let in_order = std::iter::from_fn(move || loop {
            if let Some(block) = pending.remove(&next) {
                next += 1;
                return Some(block);
            }
            let (seq, block) = parsed_rx.recv().ok()?;
            pending.insert(seq, block);
        });
        resolve_blocks(stream, in_order, hooks, &recycle_tx)
    })
}

/// A resolved block's buffers, on their way back to the reader.
type Recycled = (Vec<u8>, Vec<Item>);

/// Hands a resolved block's buffers back to the reader.
struct RecycledOnDrop<'r> {
    block: Option<ParsedBlock>,
    recycle: &'r std::sync::mpsc::SyncSender<Recycled>,
}

impl Drop for RecycledOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.block.take() {
            let bytes = match b.text {
                Text::Str(s) => s.into_bytes(),
                Text::Bytes(b) => b,
            };
            let mut items = b.items;
            items.clear();
            let _ = self.recycle.try_send((bytes, items));
        }
    }
}

/// Parser threads: with the reader and the resolving thread, they keep both cores busy.
const PARSERS: usize = 2;

fn resolve_blocks(
    stream: &mut Stream,
    blocks: impl Iterator<Item = ParsedBlock>,
    mut hooks: Hooks,
    recycle: &std::sync::mpsc::SyncSender<Recycled>,
) -> std::io::Result<bool> {
    for block in blocks {
        let block = RecycledOnDrop {
            block: Some(block),
            recycle,
        };
        let block = block.block.as_ref().expect("present until dropped");
        (hooks.on_bytes)(block.text.len() as u64);
        stream.add_lines(block.lines as u64);
        for item in &block.items {
            match item {
                Item::Bad(bad) if bad.line == 0 => {
                    return Err(std::io::Error::other(bad.message.clone()));
                }
                Item::Bad(bad) => {
                    stream.bad_line_count += 1;
                    if (hooks.on_bad)(bad) == Control::Stop {
                        return Ok(false);
                    }
                }
                Item::Event(p) => {
                    let b = &block;
                    let distinct_id = p.distinct_id.get(b);
                    let incoming = Incoming {
                        index: 0,
                        endpoint: Endpoint::Import,
                        event: p.event.get(b).unwrap_or(Cow::Borrowed("")),
                        invalid_distinct_id: distinct_id.as_deref().is_some_and(is_invalid_id),
                        distinct_id,
                        device_id: p.device_id.get(b),
                        user_id: p.user_id.get(b),
                        anon_id: p.anon_id.get(b),
                        anon_distinct_id: p.anon_distinct_id.get(b),
                        identified_id: p.identified_id.get(b),
                        alias: p.alias.get(b),
                        merge_ids: p.merge.and_then(|[x, y]| Some([x.get(b)?, y.get(b)?])),
                    };
                    let insert_id = p.insert_id.get(b);
                    stream.feed_incoming(p.line, incoming, p.time, insert_id.as_deref());
                    if let Some(f) = hooks.on_line.as_mut() {
                        if let Some(text) = block.text.slice(p.text.0 as usize, p.text.1 as usize) {
                            f(p.line, text);
                        }
                    }
                }
            }
        }
    }
    Ok(true)
}

/// Reads whole lines in blocks of about [`BLOCK`] bytes; `send` returns false to stop. Block
/// buffers come back through `recycled` once resolved, so memory is reused, not re-faulted.
fn read_blocks(
    mut reader: Box<dyn Read + Send>,
    recycled: std::sync::mpsc::Receiver<Recycled>,
    mut send: impl FnMut(std::io::Result<Block>) -> bool,
) {
    let mut carry: Vec<u8> = Vec::new();
    let mut line = 1usize;
    loop {
        let (mut bytes, spare) = recycled.try_recv().unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(&carry);
        carry.clear();
        bytes.reserve(BLOCK + 4096);
        let mut eof = false;
        while bytes.len() < BLOCK {
            let want = (BLOCK - bytes.len()) as u64;
            match (&mut reader).take(want).read_to_end(&mut bytes) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    send(Err(e));
                    return;
                }
            }
        }
        if !eof {
            match memchr::memrchr(b'\n', &bytes) {
                Some(end) => {
                    carry.extend_from_slice(&bytes[end + 1..]);
                    bytes.truncate(end + 1);
                }
                // One line longer than a block: keep reading into it.
                None => {
                    carry = bytes;
                    continue;
                }
            }
        }
        let newlines = memchr::memchr_iter(b'\n', &bytes).count();
        let lines = newlines + usize::from(bytes.last().is_some_and(|&b| b != b'\n'));
        let first_line = line;
        line += newlines;
        if !bytes.is_empty()
            && !send(Ok(Block {
                bytes,
                first_line,
                lines,
                spare,
            }))
        {
            return;
        }
        if eof {
            return;
        }
    }
}

fn parse_block(block: Block) -> ParsedBlock {
    let (first_line, lines) = (block.first_line, block.lines);
    let mut items = block.spare;
    items.clear();
    // One UTF-8 check per block; then lines parse as &str (serde skips re-checking strings).
    let text = match String::from_utf8(block.bytes) {
        Ok(s) => Text::Str(s),
        Err(e) => Text::Bytes(e.into_bytes()),
    };
    items.reserve(text.len() / 160 + 1);
    let mut owned = Vec::new();
    {
        let bytes: &[u8] = match &text {
            Text::Str(s) => s.as_bytes(),
            Text::Bytes(b) => b,
        };
        let base = bytes.as_ptr() as usize;
        let mut start = 0;
        let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let ends = memchr::memchr_iter(b'\n', body).chain(std::iter::once(body.len()));
        for (this_line, end) in (first_line..).zip(ends) {
            let raw = &body[start..end];
            let range = (start as u32, end as u32);
            let line_start = start;
            start = end + 1;
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let parsed = match &text {
                Text::Str(s) => Line::parse(&s[line_start..line_start + raw.len()]),
                Text::Bytes(_) => Line::parse_bytes(raw),
            };
            match parsed {
                Err(e) => {
                    let message = match std::str::from_utf8(raw) {
                        Err(u) => {
                            format!("not UTF-8 (invalid byte at column {})", u.valid_up_to() + 1)
                        }
                        Ok(_) => crate::stream::describe_error(&e),
                    };
                    items.push(Item::Bad(BadLine {
                        line: this_line,
                        message,
                    }))
                }
                Ok(l) => {
                    let p = l.properties.as_ref();
                    let mut f = |v: Option<&Option<Cow<'_, str>>>| {
                        v.map_or(Field::None, |v| Field::of(v, base, &mut owned))
                    };
                    let merge = p.and_then(|p| p.distinct_ids.as_ref()).and_then(|ids| {
                        match ids.as_slice() {
                            [a @ Some(_), b @ Some(_)] => Some([f(Some(a)), f(Some(b))]),
                            _ => None,
                        }
                    });
                    items.push(Item::Event(Parsed {
                        line: this_line,
                        text: range,
                        event: f(Some(&l.event)),
                        distinct_id: f(p.map(|p| &p.distinct_id)),
                        device_id: f(p.map(|p| &p.device_id)),
                        user_id: f(p.map(|p| &p.user_id)),
                        anon_id: f(p.map(|p| &p.anon_id)),
                        anon_distinct_id: f(p.map(|p| &p.anon_distinct_id)),
                        identified_id: f(p.map(|p| &p.identified_id)),
                        alias: f(p.map(|p| &p.alias)),
                        merge,
                        insert_id: f(p.map(|p| &p.insert_id)),
                        time: l.time_seconds(),
                    }));
                }
            }
        }
    }
    ParsedBlock {
        text,
        items,
        owned,
        lines,
    }
}
