//! Reading JSONL on two cores: a parser thread takes blocks of whole lines ([`super::cut`])
//! and parses them while the caller's thread hands the blocks to the [`Sink`] in file order
//! (resolution at the speed of parsing). Parsed fields are offsets into their block, so
//! nothing is copied or allocated per event. Input already in memory (a mapped file) is
//! parsed in place; a stream (stdin, gzip) is first read into recycled blocks by one more
//! thread.
//!
//! A line longer than the cap is malformed and never parsed; in a mapped file reading goes
//! on after it, a stream stops there ([`Stopped::LineTooLong`]): its end may never come
//! (`/dev/zero`), and finding it would mean reading all of it.

use super::cut::{read_blocks, Chunk, Cutter, Job, BLOCK};
use super::line::{describe_error, BadLine, Line};
use super::{Control, Event, Sink};
use crate::model::Endpoint;
use crate::resolver::{is_invalid_id, Incoming};
use std::borrow::Cow;
use std::io::Read;
use std::ops::Range;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

/// Blocks in flight at once (being parsed, waiting, or being resolved): bounds memory.
const IN_FLIGHT: usize = 6;

/// The largest line cap: fields are 32-bit offsets into their block, and a block holds at
/// most a block's worth of lines plus one line up to the cap.
pub const MAX_CAP: u64 = u32::MAX as u64 - 2 * BLOCK as u64;

/// Why reading stopped before the end of the input.
#[derive(Debug)]
pub enum Stopped {
    Io(std::io::Error),
    /// A stream's line `line` grew past `cap` bytes without ending.
    LineTooLong {
        line: usize,
        cap: usize,
    },
}

/// The message of a line over the cap (a malformed line; it is not parsed).
fn over_cap(len: usize, cap: usize) -> String {
    format!("{len} bytes long, over the line cap of {cap} bytes; not read")
}

/// Why a block could not be parsed.
enum BlockError {
    Io(std::io::Error),
    Unended,
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
    /// Where the block starts in the input, and its length there.
    offset: u64,
    len: u64,
    error: Option<BlockError>,
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
/// it in place; lines over `cap` bytes are malformed. Returns false when the sink said stop.
pub fn feed_bytes(sink: &mut dyn Sink, bytes: &[u8], on_done: OnDone, cap: usize) -> bool {
    sink.expect_bytes(bytes.len() as u64);
    let cutter = Mutex::new(Cutter::new(bytes, cap));
    let wait = || cutter.lock().ok()?.next();
    // The resolving thread never waits for the cutter (it would rather wait for a block).
    let now = || cutter.try_lock().ok()?.next();
    let (recycle_tx, _unused) = sync_channel(0);
    let jobs = Jobs {
        wait: &wait,
        now: &now,
    };
    // Nothing here reads, and a line over the cap is skipped: nothing stops it early.
    run(sink, jobs, on_done, recycle_tx, cap).unwrap_or(false)
}

/// Delivers every line of `reader` to `sink`. Returns false when the sink said stop, and an
/// error when reading failed or a line went past `cap` bytes without ending.
pub fn feed_reader(
    sink: &mut dyn Sink,
    reader: Box<dyn Read + Send>,
    cap: usize,
) -> Result<bool, Stopped> {
    let (raw_tx, raw_rx) = sync_channel::<Job<'static>>(2);
    let (recycle_tx, recycle_rx) = sync_channel::<Vec<u8>>(IN_FLIGHT);
    let raw_rx = Mutex::new(Some(raw_rx));
    let wait = || raw_rx.lock().ok()?.as_ref()?.recv().ok();
    let now = || raw_rx.try_lock().ok()?.as_ref()?.try_recv().ok();
    std::thread::scope(|scope| {
        scope.spawn(move || read_blocks(reader, recycle_rx, raw_tx, cap));
        let jobs = Jobs {
            wait: &wait,
            now: &now,
        };
        let result = run(sink, jobs, None, recycle_tx, cap);
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
    cap: usize,
) -> Result<bool, Stopped> {
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
        scope.spawn(move || parse_jobs(wait, tokens, parsed_tx, cap));
        let mut pending = std::collections::BTreeMap::new();
        let mut next = 0u64;
        // Line number of the next block's first line.
        let mut first_line = 1usize;
        loop {
            let Some(block) = pending.remove(&next) else {
                if let Ok((seq, block)) = parsed_rx.try_recv() {
                    pending.insert(seq, block);
                } else if let Some((job, items)) = steal(&jobs, tokens, &token_tx) {
                    pending.insert(job.seq, parse_job(job, items, cap));
                } else {
                    match parsed_rx.recv() {
                        Ok((seq, block)) => pending.insert(seq, block),
                        Err(_) => return Ok(true),
                    };
                }
                continue;
            };
            next += 1;
            let result = deliver_block(sink, &block, first_line, cap);
            first_line += block.lines;
            let (offset, len) = (block.offset, block.len);
            let mut items = block.items;
            items.clear();
            let _ = token_tx.try_send(items);
            // A buffer grown for a long line is let go, not kept for a block of a megabyte.
            if let Some(buffer) = block.text.into_buffer() {
                if buffer.capacity() <= 4 * BLOCK {
                    let _ = recycle.try_send(buffer);
                }
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
    cap: usize,
) {
    loop {
        let Ok(Ok(items)) = tokens.lock().map(|t| t.recv()) else {
            return;
        };
        let Some(job) = take() else {
            return;
        };
        let seq = job.seq;
        if parsed.send((seq, parse_job(job, items, cap))).is_err() {
            return;
        }
    }
}

fn parse_job(job: Job<'_>, mut items: Vec<Item>, cap: usize) -> ParsedBlock<'_> {
    let empty = |items, lines, len, error| ParsedBlock {
        text: Text::Bytes(Cow::Borrowed(&[])),
        items,
        owned: Vec::new(),
        lines,
        offset: job.offset,
        len,
        error,
    };
    match job.chunk {
        Chunk::Failed(e) => empty(items, 0, 0, Some(BlockError::Io(e))),
        Chunk::Unended => empty(items, 0, 0, Some(BlockError::Unended)),
        Chunk::OverCap { line, job } => {
            items.clear();
            items.push(Item::Bad(BadLine {
                line: 0,
                message: over_cap(line, cap),
            }));
            empty(items, 1, job as u64, None)
        }
        Chunk::Borrowed(b) => parse_block(text_of(Cow::Borrowed(b)), job.offset, items, cap),
        Chunk::Owned(b) => parse_block(text_of(Cow::Owned(b)), job.offset, items, cap),
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
    cap: usize,
) -> Result<Control, Stopped> {
    match &block.error {
        Some(BlockError::Io(e)) => {
            return Err(Stopped::Io(std::io::Error::new(e.kind(), e.to_string())))
        }
        Some(BlockError::Unended) => {
            return Err(Stopped::LineTooLong {
                line: first_line,
                cap,
            })
        }
        None => {}
    }
    sink.progress(block.len);
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

fn parse_block<'a>(
    text: Text<'a>,
    offset: u64,
    mut items: Vec<Item>,
    cap: usize,
) -> ParsedBlock<'a> {
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
        let line_start = start;
        start = end + 1;
        // Offsets are 32-bit: a line past 4 GiB into its block is malformed, never misread
        // (the cap keeps blocks smaller; this holds whatever the cap).
        let (Some(range), true) = (
            u32::try_from(line_start).ok().zip(u32::try_from(end).ok()),
            raw.len() <= cap,
        ) else {
            items.push(Item::Bad(BadLine {
                line: this_line as usize,
                message: over_cap(raw.len(), cap.min(MAX_CAP as usize)),
            }));
            continue;
        };
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = match &text {
            Text::Str(s) => Line::parse(&s[line_start..line_start + raw.len()]),
            Text::Bytes(_) => Line::parse_bytes(raw),
        };
        match parsed {
            Err(e) => items.push(Item::Bad(BadLine {
                line: this_line as usize,
                message: describe_error(&e, raw),
            })),
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
        len: bytes.len() as u64,
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

    /// What a reader delivered: per line, the distinct_id or the malformed message.
    #[derive(Default, Debug, PartialEq)]
    struct Seen {
        items: Vec<(usize, Result<String, String>)>,
        lines: u64,
        bytes: u64,
    }

    impl Sink for Seen {
        fn event(&mut self, e: Event<'_>) -> Control {
            let id = e.incoming.distinct_id.as_deref().unwrap_or("").to_string();
            self.items.push((e.line, Ok(id)));
            Control::Continue
        }
        fn bad(&mut self, bad: &BadLine) -> Control {
            self.items.push((bad.line, Err(bad.message.clone())));
            Control::Continue
        }
        fn lines(&mut self, count: u64) {
            self.lines += count;
        }
        fn progress(&mut self, bytes: u64) {
            self.bytes += bytes;
        }
    }

    fn event(id: usize) -> String {
        format!(r#"{{"event":"A","properties":{{"distinct_id":"u{id}"}}}}"#)
    }

    /// Events, a 3 MiB line in the middle and a 2 MiB one last without its newline, around
    /// several blocks of short lines.
    fn input() -> (Vec<u8>, usize) {
        let long = format!(
            r#"{{"event":"A","properties":{{"distinct_id":"long","x":"{}"}}}}"#,
            "a".repeat(3 << 20)
        );
        let mut lines: Vec<String> = (0..40_000).map(event).collect();
        lines.insert(20_000, long);
        lines.push("b".repeat(2 << 20));
        (lines.join("\n").into_bytes(), lines.len())
    }

    fn from_memory(bytes: &[u8], cap: usize) -> (Seen, Vec<Range<u64>>) {
        let mut seen = Seen::default();
        let mut done = Vec::new();
        let mut on_done = |r: Range<u64>| done.push(r);
        assert!(feed_bytes(&mut seen, bytes, Some(&mut on_done), cap));
        (seen, done)
    }

    fn from_stream(bytes: &[u8], cap: usize) -> (Seen, Result<bool, Stopped>) {
        let mut seen = Seen::default();
        let reader = Box::new(std::io::Cursor::new(bytes.to_vec()));
        let result = feed_reader(&mut seen, reader, cap);
        (seen, result)
    }

    #[test]
    fn lines_over_the_cap_in_memory_are_malformed_and_reading_goes_on() {
        let (bytes, count) = input();
        let (seen, done) = from_memory(&bytes, 1 << 20);
        assert_eq!((seen.lines, seen.bytes), (count as u64, bytes.len() as u64));
        assert_eq!(seen.items.len(), count);
        let long =
            3 * (1 << 20) + r#"{"event":"A","properties":{"distinct_id":"long","x":""}}"#.len();
        assert_eq!(seen.items[20_000], (20_001, Err(over_cap(long, 1 << 20))));
        assert_eq!(seen.items[20_001], (20_002, Ok("u20000".into())));
        assert_eq!(
            seen.items[count - 1],
            (count, Err(over_cap(2 << 20, 1 << 20)))
        );
        assert_eq!(seen.items[count - 2], (count - 1, Ok("u39999".into())));
        // Every byte is handed back once, in order.
        assert!(done.windows(2).all(|w| w[0].end == w[1].start), "{done:?}");
        assert_eq!(
            (done[0].start, done.last().unwrap().end),
            (0, bytes.len() as u64)
        );
        // Under a larger cap the long line is an event.
        let (seen, _) = from_memory(&bytes, 4 << 20);
        assert_eq!(seen.items[20_000], (20_001, Ok("long".into())));
    }

    #[test]
    fn a_stream_reads_as_memory_does_and_stops_at_an_unended_line_over_the_cap() {
        let (bytes, _) = input();
        let (seen, result) = from_stream(&bytes, 4 << 20);
        assert!(matches!(result, Ok(true)));
        assert_eq!(seen, from_memory(&bytes, 4 << 20).0);
        // The 3 MiB line has not ended after 1 MiB: reading stops there.
        let (seen, result) = from_stream(&bytes, 1 << 20);
        assert!(
            matches!(
                result,
                Err(Stopped::LineTooLong {
                    line: 20_001,
                    cap: 0x10_0000
                })
            ),
            "{result:?}"
        );
        assert_eq!(seen.items.len(), 20_000);
        assert!(seen.items.iter().all(|(_, r)| r.is_ok()));
    }

    #[test]
    fn a_cap_below_a_block_holds_for_lines_inside_one() {
        let text = format!("{}\n{}\n{}\n", event(1), event(22_222), event(3));
        for seen in [
            from_memory(text.as_bytes(), 48).0,
            from_stream(text.as_bytes(), 48).0,
        ] {
            assert_eq!(
                seen.items,
                [
                    (1, Ok("u1".into())),
                    (2, Err(over_cap(51, 48))),
                    (3, Ok("u3".into()))
                ]
            );
        }
    }
}
