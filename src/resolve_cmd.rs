//! `idscope resolve` and `idscope gen`: real exports, offline (issue 6).

use crate::cli::{KnobArgs, ModeArg, EXIT_INVALID, EXIT_OK};
use clap::{Args, ValueEnum};
use idscope::pipeline::{feed_bytes, feed_reader, Control, Hooks};
use idscope::stream::{Stream, StreamOptions};
use idscope::text::visible;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ResolveArgs {
    /// Raw-export JSONL, /import NDJSON or a JSON array; gzip is detected; `-` reads stdin.
    input: String,
    #[arg(long, value_enum)]
    mode: ModeArg,
    #[arg(long, value_enum, default_value_t = ResolveFormat::Json)]
    format: ResolveFormat,
    /// Drop repeats of (event, time, distinct_id, $insert_id), as Mixpanel does at query time.
    #[arg(long)]
    dedupe: bool,
    /// Stop at the first malformed line (exit 2) instead of skipping it.
    #[arg(long)]
    strict: bool,
    /// How many of the largest clusters the summary lists.
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[command(flatten)]
    knobs: KnobArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ResolveFormat {
    Json,
    MappingCsv,
    ResolvedJsonl,
}

#[derive(Args, Debug)]
pub struct GenArgs {
    /// How many events to write.
    #[arg(long)]
    events: usize,
    /// The seed: the same seed gives the same export.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// realistic, shared-devices or server-heavy.
    #[arg(long, default_value = "realistic", value_parser = parse_shape)]
    shape: idscope::gen::Shape,
    /// Write to this file (atomically; refuses to overwrite without --force) instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, requires = "out")]
    force: bool,
}

fn parse_shape(s: &str) -> Result<idscope::gen::Shape, String> {
    idscope::gen::Shape::parse(s)
        .ok_or_else(|| "expected realistic, shared-devices or server-heavy".into())
}

pub fn gen(args: GenArgs) -> i32 {
    let mut buf: Vec<u8> = Vec::new();
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let to_file = args.out.is_some();
    let result = idscope::gen::generate(args.events, args.seed, args.shape, &mut |line| {
        let sink: &mut dyn Write = if to_file { &mut buf } else { &mut lock };
        sink.write_all(line.as_bytes())?;
        sink.write_all(b"\n")
    });
    let result = result.and_then(|_| lock.flush());
    drop(lock);
    if let Err(e) = result {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return EXIT_OK;
        }
        eprintln!("error: cannot write: {e}");
        return EXIT_INVALID;
    }
    if let Some(path) = args.out {
        if let Err(e) = idscope::atomic::write_atomic(&path, &buf, args.force) {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
        eprintln!(
            "wrote {} events to {} ({})",
            args.events,
            visible(&path.display().to_string()),
            human(buf.len() as u64)
        );
    }
    EXIT_OK
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / f64::from(1u32 << 20))
    } else {
        format!("{bytes} bytes")
    }
}

type Input = BufReader<Box<dyn Read + Send>>;

/// Where the export comes from: a regular file mapped into memory (parsed in place, no copy
/// through a read buffer), or a stream (stdin, gzip, anything that cannot be mapped).
enum Source {
    Mapped(memmap2::Mmap),
    Stream(Input),
}

/// Opens the input, unwrapping gzip (detected by its magic bytes); returns its size when known.
fn open(input: &str) -> Result<(Source, Option<u64>), String> {
    let cannot_read = |e: std::io::Error| format!("{}: cannot read: {e}", visible(input));
    let (raw, size): (Box<dyn Read + Send>, Option<u64>) = if input == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        let f = std::fs::File::open(input).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{}: no such file", visible(input)),
            _ => cannot_read(e),
        })?;
        let meta = f.metadata().ok();
        if meta.as_ref().is_some_and(|m| m.is_dir()) {
            return Err(format!(
                "{}: is a directory; expected an export file",
                visible(input)
            ));
        }
        if let Some(map) = meta
            .filter(|m| m.is_file() && m.len() > 0)
            .and_then(|_| map(&f))
        {
            if !map.starts_with(&GZIP_MAGIC) {
                let size = map.len() as u64;
                return Ok((Source::Mapped(map), Some(size)));
            }
        }
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(f), size)
    };
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let head = reader.fill_buf().map_err(cannot_read)?;
    if head.starts_with(&GZIP_MAGIC) {
        let gz: Box<dyn Read + Send> = Box::new(flate2::bufread::MultiGzDecoder::new(reader));
        Ok((Source::Stream(BufReader::with_capacity(1 << 16, gz)), None))
    } else {
        Ok((Source::Stream(reader), size))
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

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

/// Lets a mapped input drop the pages already resolved, so resident memory stays flat.
struct Release<'m> {
    map: &'m memmap2::Mmap,
    done: usize,
}

impl Release<'_> {
    /// Everything before `end` is resolved.
    fn upto(&mut self, end: u64) {
        // Whole 64 KiB runs only (a multiple of any page size), so no page still being
        // parsed is touched.
        let end = (end as usize) & !0xffff;
        if end > self.done {
            // SAFETY: the mapping is read-only and shared: MADV_DONTNEED drops our page-table
            // entries only, and a later read faults the same file contents back in. No borrow
            // of these bytes is used again (they are resolved).
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

fn progress(total: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = match total {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    let style = if total.is_some() {
        "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}"
    } else {
        "{spinner} {bytes} read, {binary_bytes_per_sec}"
    };
    if let Ok(s) = indicatif::ProgressStyle::with_template(style) {
        bar.set_style(s);
    }
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(10));
    Some(bar)
}

pub fn resolve(args: ResolveArgs) -> i32 {
    let name = if args.input == "-" {
        "<stdin>".to_string()
    } else {
        args.input.clone()
    };
    let (source, size) = match open(&args.input) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let opts = StreamOptions {
        mode: args.mode.into(),
        knobs: args.knobs.knobs(),
        dedupe: args.dedupe,
        keep_verdicts: args.format == ResolveFormat::ResolvedJsonl,
    };
    let mut stream = Stream::new(opts);
    let bar = progress(size);
    let keep_lines = args.format == ResolveFormat::ResolvedJsonl;
    let mut kept: Vec<(usize, String)> = Vec::new();
    let mut shown = 0usize;
    let strict = args.strict;
    let mut on_bad = |bad: &idscope::stream::BadLine| {
        if bad_line(&name, bad.line, &bad.message, strict, &mut shown) {
            Control::Continue
        } else {
            Control::Stop
        }
    };
    let mut on_bytes = |n: u64| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    };
    let mut keep = |n: usize, line: &str| kept.push((n, line.to_string()));
    let is_array = |head: &[u8]| head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let fed = match source {
        Source::Mapped(map) if is_array(&map) => {
            feed_array(&mut stream, &map, &mut on_bad, &mut keep, keep_lines)
        }
        Source::Mapped(map) => {
            let mut release = Release { map: &map, done: 0 };
            let mut on_done = |r: std::ops::Range<u64>| release.upto(r.end);
            let hooks = Hooks {
                on_bad: &mut on_bad,
                on_bytes: &mut on_bytes,
                on_line: if keep_lines { Some(&mut keep) } else { None },
                on_done: Some(&mut on_done),
            };
            Ok(feed_bytes(&mut stream, &map, hooks))
        }
        Source::Stream(mut reader) => match reader.fill_buf().map(is_array) {
            Err(e) => Err(Failure::Read(e)),
            Ok(true) => {
                // A JSON array is read whole, then fed element by element.
                let mut buf = Vec::new();
                match reader.read_to_end(&mut buf) {
                    Ok(_) => feed_array(&mut stream, &buf, &mut on_bad, &mut keep, keep_lines),
                    Err(e) => Err(Failure::Read(e)),
                }
            }
            Ok(false) => {
                let hooks = Hooks {
                    on_bad: &mut on_bad,
                    on_bytes: &mut on_bytes,
                    on_line: if keep_lines { Some(&mut keep) } else { None },
                    on_done: None,
                };
                feed_reader(&mut stream, Box::new(reader), hooks).map_err(Failure::Read)
            }
        },
    };
    match fed {
        Ok(true) => {}
        Ok(false) => return EXIT_INVALID,
        Err(Failure::Read(e)) => {
            eprintln!("error: {}: cannot read: {e}", visible(&name));
            return EXIT_INVALID;
        }
        Err(Failure::NotAnArray(e)) => {
            eprintln!(
                "error: {}:{}:{}: not a JSON array of events: {e}",
                visible(&name),
                e.line(),
                e.column()
            );
            return EXIT_INVALID;
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if stream.bad_line_count as usize > shown {
        eprintln!(
            "warning: {} malformed line(s) skipped in {} ({} shown)",
            stream.bad_line_count,
            visible(&name),
            shown
        );
    }
    let text = match args.format {
        ResolveFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&stream.summary(args.top)).expect("JSON serializes");
            s.push('\n');
            s
        }
        ResolveFormat::MappingCsv => stream.mapping_csv(),
        ResolveFormat::ResolvedJsonl => {
            let mut s = String::new();
            // Match verdicts to their lines by line number (dedupe drops some events).
            let mut lines = kept.iter().peekable();
            for (line_no, verdict) in &stream.verdicts {
                while lines.next_if(|(n, _)| n < line_no).is_some() {}
                let Some((_, line)) = lines.next_if(|(n, _)| n == line_no) else {
                    continue;
                };
                if let Some(row) = stream.resolved_row(verdict, line) {
                    s.push_str(&row);
                    s.push('\n');
                }
            }
            s
        }
    };
    crate::cli::write_stdout(&text)
}

/// Why an export could not be read to the end.
enum Failure {
    Read(std::io::Error),
    NotAnArray(serde_json::Error),
}

/// Feeds a JSON array of events, element i reported as line i + 1. Returns false when a hook
/// said stop.
fn feed_array(
    stream: &mut Stream,
    bytes: &[u8],
    on_bad: &mut dyn FnMut(&idscope::stream::BadLine) -> Control,
    keep: &mut dyn FnMut(usize, &str),
    keep_lines: bool,
) -> Result<bool, Failure> {
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_slice(bytes).map_err(Failure::NotAnArray)?;
    for (i, item) in items.iter().enumerate() {
        if let Err(mut bad) = stream.feed(i + 1, item.get()) {
            bad.message = format!("array item {}: {}", i + 1, bad.message);
            if on_bad(&bad) == Control::Stop {
                return Ok(false);
            }
        } else if keep_lines {
            keep(i + 1, item.get());
        }
    }
    Ok(true)
}

/// Reports a malformed line; returns false when it is fatal (`--strict`).
fn bad_line(file: &str, line: usize, message: &str, strict: bool, shown: &mut usize) -> bool {
    if strict {
        eprintln!("error: {}:{line}: {}", visible(file), visible(message));
        return false;
    }
    if *shown < 20 {
        eprintln!(
            "warning: {}:{line}: {} (skipped)",
            visible(file),
            visible(message)
        );
        *shown += 1;
    }
    true
}
