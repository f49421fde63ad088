//! Reading JSONL on two cores: a parser thread cuts the input into blocks of whole lines and
//! parses them while the caller's thread hands the blocks to the [`Sink`] in file order
//! (resolution at the speed of parsing). Parsed fields are offsets into their block, so
//! nothing is copied or allocated per event. Input already in memory (a mapped file) is
//! parsed in place; a stream (stdin, gzip) is first read into recycled blocks by one more
//! thread.

use super::line::{describe_error, BadLine, Line};
use super::{Control, Event, Sink};
use crate::model::Endpoint;
use crate::resolver::{is_invalid_id, Incoming};
use std::borrow::Cow;
use std::io::Read;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

/// About this many bytes per block.
const BLOCK: usize = 1 << 20;

/// Blocks in flight at once (being parsed, waiting, or being resolved): bounds memory.
const IN_FLIGHT: usize = 6;

/// A block of whole lines to parse, with its sequence number and its offset in the input.
struct Job<'a> {
    seq: u64,
    offset: u64,
    chunk: Chunk<'a>,
}

enum Chunk<'a> {
    /// A slice of input held in memory by the caller.
    Borrowed(&'a [u8]),
    /// Read from a stream into a recycled buffer.
    Owned(Vec<u8>),
    /// Reading failed here.
    Failed(std::io::Error),
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
struct ParsedBlock<'a> {
    text: Text<'a>,
    items: Vec<Item>,
    owned: Vec<Box<str>>,
    /// Lines in the block (a last line without a newline counts).
    lines: usize,
    /// Where the block starts in the input.
    offset: u64,
    error: Option<std::io::Error>,
}

/// A block's text: checked as UTF-8 once when it is; raw bytes (checked per line) when not.
enum Text<'a> {
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
}

impl Text<'_> {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Str(s) => s.as_bytes(),
            Text::Bytes(b) => b,
        }
    }

    fn slice(&self, a: usize, b: usize) -> Option<&str> {
        match self {
            // Spans come from serde's borrowed strings: always on character boundaries.
            Text::Str(s) => s.get(a..b),
            Text::Bytes(bytes) => std::str::from_utf8(bytes.get(a..b)?).ok(),
        }
    }

    /// The buffer back, when it was read from a stream (so it can be reused).
    fn into_buffer(self) -> Option<Vec<u8>> {
        match self {
            Text::Str(Cow::Owned(s)) => Some(s.into_bytes()),
            Text::Bytes(Cow::Owned(b)) => Some(b),
            _ => None,
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
    /// Line number within the block (0-based).
    line: u32,
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
    /// A malformed line; its number is within the block (0-based).
    Bad(BadLine),
}

/// Byte ranges of the input that are delivered and will not be read again (a memory-mapped
/// file can drop them from memory).
pub type OnDone<'h> = Option<&'h mut dyn FnMut(Range<u64>)>;

/// Delivers every line of `bytes` (JSONL in memory, e.g. a mapped file) to `sink`, parsing
/// it in place. Returns false when the sink said stop.
pub fn feed_bytes(sink: &mut dyn Sink, bytes: &[u8], on_done: OnDone) -> bool {
    sink.expect_bytes(bytes.len() as u64);
    let blocks = bytes.len().div_ceil(BLOCK);
    let next = AtomicUsize::new(0);
    let take = || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < blocks).then(|| {
            let (a, b) = (
                line_start(bytes, i * BLOCK),
                line_start(bytes, (i + 1) * BLOCK),
            );
            Job {
                seq: i as u64,
                offset: a as u64,
                chunk: Chunk::Borrowed(&bytes[a..b]),
            }
        })
    };
    let (recycle_tx, _unused) = sync_channel(0);
    let jobs = Jobs {
        wait: &take,
        now: &take,
    };
    // Nothing here reads, so there is no read error to report.
    run(sink, jobs, on_done, recycle_tx).unwrap_or(false)
}

/// Where the first line starting at or after `pos` begins (`bytes.len()` when none does).
fn line_start(bytes: &[u8], pos: usize) -> usize {
    if pos == 0 || pos >= bytes.len() {
        return pos.min(bytes.len());
    }
    memchr::memchr(b'\n', &bytes[pos - 1..]).map_or(bytes.len(), |i| pos + i)
}

/// Delivers every line of `reader` to `sink`. Returns false when the sink said stop, and an
/// error when reading failed.
pub fn feed_reader(sink: &mut dyn Sink, reader: Box<dyn Read + Send>) -> std::io::Result<bool> {
    let (raw_tx, raw_rx) = sync_channel::<Job<'static>>(2);
    let (recycle_tx, recycle_rx) = sync_channel::<Vec<u8>>(IN_FLIGHT);
    let raw_rx = Mutex::new(Some(raw_rx));
    let wait = || raw_rx.lock().ok()?.as_ref()?.recv().ok();
    let now = || raw_rx.try_lock().ok()?.as_ref()?.try_recv().ok();
    std::thread::scope(|scope| {
        scope.spawn(move || read_blocks(reader, recycle_rx, raw_tx));
        let jobs = Jobs {
            wait: &wait,
            now: &now,
        };
        let result = run(sink, jobs, None, recycle_tx);
        // Stopped early or done: the reader's sends fail once the receiver is gone.
        if let Ok(mut rx) = raw_rx.lock() {
            rx.take();
        }
        result
    })
}

/// Where jobs come from: `wait` blocks until there is one (None: input ended); `now`
/// never blocks (None: none ready yet, or input ended).
struct Jobs<'j, 'a> {
    wait: &'j (dyn Fn() -> Option<Job<'a>> + Sync),
    now: &'j dyn Fn() -> Option<Job<'a>>,
}

/// The parser thread and the in-order resolution. The resolving thread parses a block itself
/// whenever the next one is not ready, so the two cores stay busy without a third thread
/// competing for them. Buffers of resolved blocks go back to the reader through `recycle`.
fn run<'a>(
    sink: &mut dyn Sink,
    jobs: Jobs<'_, 'a>,
    mut on_done: OnDone,
    recycle: SyncSender<Vec<u8>>,
) -> std::io::Result<bool> {
    let (parsed_tx, parsed_rx) = sync_channel::<(u64, ParsedBlock<'a>)>(IN_FLIGHT);
    // A parser takes a token (an empty item vector) before a job and gets it back once the
    // block is resolved: at most IN_FLIGHT blocks exist at once.
    let (token_tx, token_rx) = sync_channel::<Vec<Item>>(IN_FLIGHT);
    for _ in 0..IN_FLIGHT {
        token_tx
            .send(Vec::new())
            .expect("the channel holds them all");
    }
    let token_rx = Mutex::new(token_rx);
    let tokens = &token_rx;
    // `move`: returning drops `parsed_rx` and `token_tx`, which stops the parser thread
    // before the scope waits for it.
    std::thread::scope(move |scope| {
        let wait = jobs.wait;
        scope.spawn(move || parse_jobs(wait, tokens, parsed_tx));
        let mut pending = std::collections::BTreeMap::new();
        let mut next = 0u64;
        // Line number of the next block's first line.
        let mut first_line = 1usize;
        loop {
            let Some(block) = pending.remove(&next) else {
                if let Ok((seq, block)) = parsed_rx.try_recv() {
                    pending.insert(seq, block);
                } else if let Some((job, items)) = steal(&jobs, tokens, &token_tx) {
                    pending.insert(job.seq, parse_job(job, items));
                } else {
                    match parsed_rx.recv() {
                        Ok((seq, block)) => pending.insert(seq, block),
                        Err(_) => return Ok(true),
                    };
                }
                continue;
            };
            next += 1;
            let result = deliver_block(sink, &block, first_line);
            first_line += block.lines;
            let (offset, len) = (block.offset, block.text.as_bytes().len() as u64);
            let mut items = block.items;
            items.clear();
            let _ = token_tx.try_send(items);
            if let Some(buffer) = block.text.into_buffer() {
                let _ = recycle.try_send(buffer);
            }
            match result {
                Ok(Control::Continue) => {}
                Ok(Control::Stop) => return Ok(false),
                Err(e) => return Err(e),
            }
            if let Some(done) = on_done.as_mut() {
                done(offset..offset + len);
            }
        }
    })
}

/// A job and a token for the resolving thread, when both are there without waiting.
fn steal<'a>(
    jobs: &Jobs<'_, 'a>,
    tokens: &Mutex<Receiver<Vec<Item>>>,
    give_back: &SyncSender<Vec<Item>>,
) -> Option<(Job<'a>, Vec<Item>)> {
    let items = tokens.try_lock().ok()?.try_recv().ok()?;
    match (jobs.now)() {
        Some(job) => Some((job, items)),
        None => {
            // The channel has room: the token was just taken from it.
            let _ = give_back.try_send(items);
            None
        }
    }
}

fn parse_jobs<'a>(
    take: &(dyn Fn() -> Option<Job<'a>> + Sync),
    tokens: &Mutex<Receiver<Vec<Item>>>,
    parsed: SyncSender<(u64, ParsedBlock<'a>)>,
) {
    loop {
        let Ok(Ok(items)) = tokens.lock().map(|t| t.recv()) else {
            return;
        };
        let Some(job) = take() else {
            return;
        };
        let seq = job.seq;
        if parsed.send((seq, parse_job(job, items))).is_err() {
            return;
        }
    }
}

fn parse_job(job: Job<'_>, items: Vec<Item>) -> ParsedBlock<'_> {
    match job.chunk {
        Chunk::Failed(e) => ParsedBlock {
            text: Text::Bytes(Cow::Borrowed(&[])),
            items,
            owned: Vec::new(),
            lines: 0,
            offset: job.offset,
            error: Some(e),
        },
        Chunk::Borrowed(b) => parse_block(text_of(Cow::Borrowed(b)), job.offset, items),
        Chunk::Owned(b) => parse_block(text_of(Cow::Owned(b)), job.offset, items),
    }
}

/// One UTF-8 check per block; then lines parse as &str (serde skips re-checking strings).
fn text_of(bytes: Cow<'_, [u8]>) -> Text<'_> {
    match bytes {
        Cow::Borrowed(b) => match std::str::from_utf8(b) {
            Ok(s) => Text::Str(Cow::Borrowed(s)),
            Err(_) => Text::Bytes(Cow::Borrowed(b)),
        },
        Cow::Owned(b) => match String::from_utf8(b) {
            Ok(s) => Text::Str(Cow::Owned(s)),
            Err(e) => Text::Bytes(Cow::Owned(e.into_bytes())),
        },
    }
}

fn deliver_block(
    sink: &mut dyn Sink,
    block: &ParsedBlock,
    first_line: usize,
) -> std::io::Result<Control> {
    if let Some(e) = &block.error {
        return Err(std::io::Error::new(e.kind(), e.to_string()));
    }
    sink.progress(block.text.as_bytes().len() as u64);
    sink.lines(block.lines as u64);
    let b = block;
    for item in &block.items {
        let control = match item {
            Item::Bad(bad) => sink.bad(&BadLine {
                line: first_line + bad.line,
                message: bad.message.clone(),
            }),
            Item::Event(p) => {
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
                sink.event(Event {
                    line: first_line + p.line as usize,
                    offset: b.offset + u64::from(p.text.0),
                    text: b
                        .text
                        .slice(p.text.0 as usize, p.text.1 as usize)
                        .unwrap_or(""),
                    incoming,
                    time: p.time,
                    insert_id: insert_id.as_deref(),
                })
            }
        };
        if control == Control::Stop {
            return Ok(Control::Stop);
        }
    }
    Ok(Control::Continue)
}

/// Reads whole lines in blocks of about [`BLOCK`] bytes and sends them as jobs until the
/// input ends or the parsers are gone. Buffers come back through `recycled` once resolved,
/// so memory is reused, not re-faulted.
fn read_blocks(
    mut reader: Box<dyn Read + Send>,
    recycled: Receiver<Vec<u8>>,
    jobs: SyncSender<Job<'static>>,
) {
    let mut carry: Vec<u8> = Vec::new();
    let (mut seq, mut offset) = (0u64, 0u64);
    let mut send = |chunk: Chunk<'static>, len: usize| {
        let job = Job { seq, offset, chunk };
        seq += 1;
        offset += len as u64;
        jobs.send(job).is_ok()
    };
    loop {
        let mut bytes = recycled.try_recv().unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(&carry);
        carry.clear();
        bytes.reserve(BLOCK + 4096);
        let mut eof = false;
        // Read up to `target`, then cut after the last newline; a block without one (a line
        // longer than a block) reads on: the target grows by a block each time.
        let mut target = BLOCK;
        loop {
            while bytes.len() < target {
                let want = (target - bytes.len()) as u64;
                match (&mut reader).take(want).read_to_end(&mut bytes) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        send(Chunk::Failed(e), 0);
                        return;
                    }
                }
            }
            if eof {
                break;
            }
            match memchr::memrchr(b'\n', &bytes) {
                Some(end) => {
                    carry.extend_from_slice(&bytes[end + 1..]);
                    bytes.truncate(end + 1);
                    break;
                }
                None => target = bytes.len() + BLOCK,
            }
        }
        let len = bytes.len();
        if len > 0 && !send(Chunk::Owned(bytes), len) {
            return;
        }
        if eof {
            return;
        }
    }
}

fn parse_block<'a>(text: Text<'a>, offset: u64, mut items: Vec<Item>) -> ParsedBlock<'a> {
    items.clear();
    items.reserve(text.as_bytes().len() / 160 + 1);
    let mut owned = Vec::new();
    let bytes = text.as_bytes();
    let base = bytes.as_ptr() as usize;
    let newlines = memchr::memchr_iter(b'\n', bytes).count();
    let lines = newlines + usize::from(bytes.last().is_some_and(|&b| b != b'\n'));
    let mut start = 0;
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let ends = memchr::memchr_iter(b'\n', body).chain(std::iter::once(body.len()));
    for (this_line, end) in (0u32..).zip(ends) {
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
                    Ok(_) => describe_error(&e),
                };
                items.push(Item::Bad(BadLine {
                    line: this_line as usize,
                    message,
                }))
            }
            Ok(l) => {
                let p = l.properties.as_ref();
                let mut f = |v: Option<&Option<Cow<'_, str>>>| {
                    v.map_or(Field::None, |v| Field::of(v, base, &mut owned))
                };
                let merge =
                    p.and_then(|p| p.distinct_ids.as_ref())
                        .and_then(|ids| match ids.as_slice() {
                            [a @ Some(_), b @ Some(_)] => Some([f(Some(a)), f(Some(b))]),
                            _ => None,
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
    ParsedBlock {
        text,
        items,
        owned,
        lines,
        offset,
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_start_at_line_starts() {
        let b = b"ab\ncd\n\nef";
        assert_eq!(line_start(b, 0), 0);
        assert_eq!(line_start(b, 1), 3);
        assert_eq!(line_start(b, 3), 3);
        assert_eq!(line_start(b, 4), 6);
        assert_eq!(line_start(b, 7), 7);
        assert_eq!(line_start(b, 8), 9);
        assert_eq!(line_start(b, 99), 9);
    }
}
