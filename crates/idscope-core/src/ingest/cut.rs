//! Cutting JSONL input into jobs of whole lines for the parsers ([`super::blocks`]): input
//! in memory (a mapped file) by [`Cutter`], a stream by [`read_blocks`] on a thread of its
//! own. Every byte is searched for newlines a bounded number of times, so a line spanning
//! many blocks costs linear time. A line longer than the cap is cut out of memory input as a
//! job of its own (reported, never parsed); a stream stops at one still unended past the cap
//! (`/dev/zero` never ends it), holding at most the cap and a block or two for it.

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender};

/// About this many bytes per block.
pub(super) const BLOCK: usize = 1 << 20;

/// A block of whole lines to parse, with its sequence number and its offset in the input.
pub(super) struct Job<'a> {
    pub seq: u64,
    pub offset: u64,
    pub chunk: Chunk<'a>,
}

pub(super) enum Chunk<'a> {
    /// A slice of input held in memory by the caller.
    Borrowed(&'a [u8]),
    /// Read from a stream into a recycled buffer.
    Owned(Vec<u8>),
    /// Reading failed here.
    Failed(std::io::Error),
    /// A line of a mapped input over the cap: its length, and the job's (with its newline).
    OverCap { line: usize, job: usize },
    /// A stream's line went past the cap without ending: reading stops.
    Unended,
}

/// Cuts input in memory into jobs of whole lines, in order: about [`BLOCK`] bytes each,
/// and a line over the cap as a job of its own (reported, never parsed).
pub(super) struct Cutter<'a> {
    bytes: &'a [u8],
    /// Where the next job starts.
    pos: usize,
    seq: u64,
    cap: usize,
    /// A line over the cap, cut after the block before it.
    pending: Option<Job<'a>>,
}

impl<'a> Cutter<'a> {
    pub fn new(bytes: &'a [u8], cap: usize) -> Cutter<'a> {
        Cutter {
            bytes,
            pos: 0,
            seq: 0,
            cap,
            pending: None,
        }
    }

    /// The next job (None: the input is all cut).
    pub fn next(&mut self) -> Option<Job<'a>> {
        if let Some(job) = self.pending.take() {
            return Some(job);
        }
        let bytes = self.bytes;
        let a = self.pos;
        if a >= bytes.len() {
            return None;
        }
        // The search for the block's end starts a block on, where the last one stopped at
        // the latest: no byte is searched twice, however long the line.
        let b = line_start(bytes, a.saturating_add(BLOCK));
        self.pos = b;
        // The block's last line, [s, e): the only one that can be longer than a block.
        let e = if bytes[b - 1] == b'\n' { b - 1 } else { b };
        let s = memchr::memrchr(b'\n', &bytes[a..e.min(a + BLOCK)]).map_or(a, |i| a + i + 1);
        let mut job = |offset: usize, chunk: Chunk<'a>| {
            self.seq += 1;
            Job {
                seq: self.seq - 1,
                offset: offset as u64,
                chunk,
            }
        };
        if e - s <= self.cap {
            return Some(job(a, Chunk::Borrowed(&bytes[a..b])));
        }
        let over = Chunk::OverCap {
            line: e - s,
            job: b - s,
        };
        if s == a {
            return Some(job(s, over));
        }
        let before = job(a, Chunk::Borrowed(&bytes[a..s]));
        self.pending = Some(job(s, over));
        Some(before)
    }
}

/// Where the first line starting at or after `pos` begins (`bytes.len()` when none does).
fn line_start(bytes: &[u8], pos: usize) -> usize {
    if pos == 0 || pos >= bytes.len() {
        return pos.min(bytes.len());
    }
    memchr::memchr(b'\n', &bytes[pos - 1..]).map_or(bytes.len(), |i| pos + i)
}

/// Reads whole lines in blocks of about [`BLOCK`] bytes and sends them as jobs until the
/// input ends or the parsers are gone. Buffers come back through `recycled` once resolved,
/// so memory is reused, not re-faulted. A line still unended after `cap` bytes ends reading
/// (an [`Chunk::Unended`] job): at most `cap` plus a block is held for it.
pub(super) fn read_blocks(
    mut reader: Box<dyn Read + Send>,
    recycled: Receiver<Vec<u8>>,
    jobs: SyncSender<Job<'static>>,
    cap: usize,
) {
    let mut carry: Vec<u8> = Vec::new();
    let (mut seq, mut offset) = (0u64, 0u64);
    let mut send = |chunk: Chunk<'static>, len: usize| {
        let job = Job { seq, offset, chunk };
        seq += 1;
        offset += len as u64;
        jobs.send(job).is_ok()
    };
    // A line up to the cap, the block read after it, and room to spare.
    let ceiling = cap.saturating_add(2 * BLOCK);
    loop {
        let mut bytes = recycled.try_recv().unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(&carry);
        carry.clear();
        let mut eof = false;
        // Read up to `target`, then cut after the last newline; a block without one (a line
        // longer than a block) reads on: the target grows by a block each time, and only
        // the bytes read since are searched.
        let mut target = BLOCK;
        let mut searched = 0;
        loop {
            while bytes.len() < target {
                let want = target - bytes.len();
                let read = reserve(&mut bytes, want, ceiling)
                    .and_then(|()| (&mut reader).take(want as u64).read_to_end(&mut bytes));
                match read {
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
            match memchr::memrchr(b'\n', &bytes[searched..]) {
                Some(i) => {
                    let end = searched + i;
                    carry.extend_from_slice(&bytes[end + 1..]);
                    bytes.truncate(end + 1);
                    break;
                }
                // All of `bytes` is one line without its end yet.
                None if bytes.len() > cap => {
                    send(Chunk::Unended, 0);
                    return;
                }
                None => {
                    searched = bytes.len();
                    target = bytes.len() + BLOCK;
                }
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

/// Room for `more` bytes, never past `ceiling` (the cap plus a block or two). A buffer that
/// outgrows a block (a long line) asks for the ceiling at once: pages are only backed once
/// written, so memory follows the line, and there is no copy of the old buffer beside a new
/// one each time it grows. Should the system refuse that much address space, it doubles
/// instead (linear time still); an error when even that is refused.
fn reserve(bytes: &mut Vec<u8>, more: usize, ceiling: usize) -> std::io::Result<()> {
    let need = bytes.len() + more;
    if need <= bytes.capacity() {
        return Ok(());
    }
    let ceiling = ceiling.max(need);
    if bytes.capacity() > BLOCK && bytes.try_reserve_exact(ceiling - bytes.len()).is_ok() {
        return Ok(());
    }
    let room = need
        .max(bytes.capacity().saturating_mul(2))
        .max(BLOCK + 4096)
        .min(ceiling);
    bytes
        .try_reserve_exact(room - bytes.len())
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::OutOfMemory))
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
