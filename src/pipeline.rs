//! Reading an export on two cores: one thread reads blocks of whole lines and a second
//! parses them, while the caller's thread resolves the previous block (issue 6's target:
//! resolution at the speed of parsing). Parsed fields are kept as offsets into the block,
//! so nothing is copied or allocated per event.

use crate::model::Endpoint;
use crate::resolver::{is_invalid_id, Incoming};
use crate::stream::{BadLine, Line, Stream};
use std::borrow::Cow;
use std::io::Read;
use std::ops::Range;
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
}

/// A field of a parsed line: where it is in the block, or its unescaped text.
#[derive(Debug, Default)]
enum Field {
    #[default]
    None,
    At(u32, u32),
    Owned(Box<str>),
}

impl Field {
    fn of(v: &Option<Cow<'_, str>>, base: usize) -> Field {
        match v {
            None => Field::None,
            Some(Cow::Borrowed(s)) => {
                let start = s.as_ptr() as usize - base;
                Field::At(start as u32, (start + s.len()) as u32)
            }
            Some(Cow::Owned(s)) => Field::Owned(s.clone().into_boxed_str()),
        }
    }

    fn get<'b>(&'b self, block: &'b [u8]) -> Option<Cow<'b, str>> {
        match self {
            Field::None => None,
            // The line was valid UTF-8 and the span is a whole JSON string: this cannot fail.
            Field::At(a, b) => std::str::from_utf8(&block[*a as usize..*b as usize])
                .ok()
                .map(Cow::Borrowed),
            Field::Owned(s) => Some(Cow::Borrowed(s)),
        }
    }
}

/// One line's identity fields, as offsets.
#[derive(Debug, Default)]
struct Parsed {
    line: usize,
    text: Range<usize>,
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
    let (raw_tx, raw_rx) = sync_channel::<std::io::Result<Block>>(2);
    let (parsed_tx, parsed_rx) = sync_channel::<(Block, Vec<Item>)>(2);
    std::thread::scope(|scope| {
        scope.spawn(move || read_blocks(reader, |b| raw_tx.send(b).is_ok()));
        scope.spawn(move || {
            for block in raw_rx {
                let msg = block.map(|b| {
                    let items = parse_block(&b);
                    (b, items)
                });
                match msg {
                    Ok(m) => {
                        if parsed_tx.send(m).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        // Forward the error as an empty block carrying it.
                        let _ = parsed_tx.send((
                            Block {
                                bytes: Vec::new(),
                                first_line: 0,
                                lines: 0,
                            },
                            vec![Item::Bad(BadLine {
                                line: 0,
                                message: format!("read error: {e}"),
                            })],
                        ));
                        return;
                    }
                }
            }
        });
        resolve_blocks(stream, parsed_rx, hooks)
    })
}

fn resolve_blocks(
    stream: &mut Stream,
    parsed_rx: std::sync::mpsc::Receiver<(Block, Vec<Item>)>,
    mut hooks: Hooks,
) -> std::io::Result<bool> {
    for (block, items) in parsed_rx {
        (hooks.on_bytes)(block.bytes.len() as u64);
        stream.add_lines(block.lines as u64);
        for item in items {
            match item {
                Item::Bad(bad) if bad.line == 0 => {
                    return Err(std::io::Error::other(bad.message));
                }
                Item::Bad(bad) => {
                    stream.bad_line_count += 1;
                    if (hooks.on_bad)(&bad) == Control::Stop {
                        return Ok(false);
                    }
                }
                Item::Event(p) => {
                    let b = &block.bytes[..];
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
                        merge_ids: p
                            .merge
                            .as_ref()
                            .and_then(|[x, y]| Some([x.get(b)?, y.get(b)?])),
                    };
                    let insert_id = p.insert_id.get(b);
                    stream.feed_incoming(p.line, incoming, p.time, insert_id.as_deref());
                    if let Some(f) = hooks.on_line.as_mut() {
                        if let Ok(text) = std::str::from_utf8(&b[p.text.clone()]) {
                            f(p.line, text);
                        }
                    }
                }
            }
        }
    }
    Ok(true)
}

/// Reads whole lines in blocks of about [`BLOCK`] bytes; `send` returns false to stop.
fn read_blocks(
    mut reader: Box<dyn Read + Send>,
    mut send: impl FnMut(std::io::Result<Block>) -> bool,
) {
    let mut carry: Vec<u8> = Vec::new();
    let mut line = 1usize;
    loop {
        let mut bytes = std::mem::take(&mut carry);
        bytes.reserve(BLOCK + 4096);
        let mut eof = false;
        while bytes.len() < BLOCK {
            let start = bytes.len();
            bytes.resize(start + 64 * 1024, 0);
            match reader.read(&mut bytes[start..]) {
                Ok(0) => {
                    bytes.truncate(start);
                    eof = true;
                    break;
                }
                Ok(n) => bytes.truncate(start + n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => bytes.truncate(start),
                Err(e) => {
                    send(Err(e));
                    return;
                }
            }
        }
        if !eof {
            match bytes.iter().rposition(|&b| b == b'\n') {
                Some(end) => carry = bytes.split_off(end + 1),
                // One line longer than a block: keep reading into it.
                None => {
                    carry = bytes;
                    continue;
                }
            }
        }
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
        let lines = newlines + usize::from(bytes.last().is_some_and(|&b| b != b'\n'));
        let first_line = line;
        line += newlines;
        if !bytes.is_empty()
            && !send(Ok(Block {
                bytes,
                first_line,
                lines,
            }))
        {
            return;
        }
        if eof {
            return;
        }
    }
}

fn parse_block(block: &Block) -> Vec<Item> {
    let base = block.bytes.as_ptr() as usize;
    let mut items = Vec::with_capacity(block.bytes.len() / 200);
    let mut start = 0;
    let body = block.bytes.strip_suffix(b"\n").unwrap_or(&block.bytes);
    for (this_line, raw) in (block.first_line..).zip(body.split(|&b| b == b'\n')) {
        let range = start..start + raw.len();
        start += raw.len() + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // serde_json validates UTF-8 inside strings and JSON syntax is ASCII, so parsing the
        // bytes checks the whole line without a separate pass.
        match Line::parse_bytes(raw) {
            Err(e) => {
                let message = match std::str::from_utf8(raw) {
                    Err(u) => format!("not UTF-8 (invalid byte at column {})", u.valid_up_to() + 1),
                    Ok(_) => crate::stream::describe_error(&e),
                };
                items.push(Item::Bad(BadLine {
                    line: this_line,
                    message,
                }))
            }
            Ok(l) => {
                let p = l.properties.as_ref();
                let f = |v: Option<&Option<Cow<'_, str>>>| {
                    v.map_or(Field::None, |v| Field::of(v, base))
                };
                let merge =
                    p.and_then(|p| p.distinct_ids.as_ref())
                        .and_then(|ids| match ids.as_slice() {
                            [a @ Some(_), b @ Some(_)] => {
                                Some([Field::of(a, base), Field::of(b, base)])
                            }
                            _ => None,
                        });
                items.push(Item::Event(Parsed {
                    line: this_line,
                    text: range,
                    event: Field::of(&l.event, base),
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
    items
}
