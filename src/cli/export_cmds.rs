//! The commands on real exports: `resolve` (through the shared reader,
//! [`idscope_core::ingest`]) and `gen` (a synthetic export to try it on).

use super::common::{choice, write_stdout, Context, OutFile, EXIT_INVALID, EXIT_OK};
use clap::Args;
use idscope_core::gen::Shape;
use idscope_core::ingest::{self, BadLine, Control, Event, Sink};
use idscope_core::model::Mode;
use idscope_core::stream::{Format, Stream, StreamOptions};
use idscope_core::text::{human_size, visible};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ResolveArgs {
    /// Raw-export JSONL, /import NDJSON or a JSON array; gzip is detected; `-` reads stdin.
    /// Any file name the system allows (not only UTF-8).
    #[arg(value_name = "EXPORT")]
    input: PathBuf,
    /// The project's identity mode [default: `mode` in the settings file].
    #[arg(long, value_parser = choice::<Mode>())]
    mode: Option<Mode>,
    /// What to print [default: text when stdout is a terminal, json otherwise].
    #[arg(long, value_parser = choice::<Format>())]
    format: Option<Format>,
    /// A line longer than this is malformed and not read; a stream (stdin, gzip) stops at a
    /// line still unended past it (exit 2). Bounds the memory one line takes.
    #[arg(
        long,
        value_name = "N",
        default_value_t = ingest::DEFAULT_MAX_LINE,
        value_parser = clap::value_parser!(u64).range(1..=ingest::MAX_LINE_LIMIT)
    )]
    max_line_bytes: u64,
    /// Drop repeats of (event, time, distinct_id, $insert_id), as Mixpanel does at query time.
    #[arg(long)]
    dedupe: bool,
    /// Stop at the first malformed line (exit 2) instead of skipping it.
    #[arg(long)]
    strict: bool,
    /// How many of the largest clusters the summary lists.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
}

#[derive(Args, Debug)]
pub struct GenArgs {
    /// How many events to write.
    #[arg(long, value_name = "N")]
    events: usize,
    /// The seed: the same seed gives the same export.
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// The mix of traffic.
    #[arg(long, default_value = "realistic", value_parser = choice::<Shape>())]
    shape: Shape,
    /// Write to this file (atomically; refuses to overwrite without --force) instead of stdout.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long, requires = "out")]
    force: bool,
}

/// `gen`: the lines are streamed, to stdout or to `--out`'s temp file (put in place once
/// complete), so memory stays flat however many events are asked for.
pub fn gen(args: GenArgs) -> i32 {
    let Some(path) = &args.out else {
        return match write_events(&args, std::io::stdout().lock()) {
            Ok(_) => EXIT_OK,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
            Err(e) => {
                eprintln!("error: cannot write: {e}");
                EXIT_INVALID
            }
        };
    };
    let shown = visible(&idscope_core::text::path_text(path)).into_owned();
    // Before the work: an existing file without --force is refused at once.
    let file = match OutFile::create(path, args.force) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let (file, bytes) = match write_events(&args, file) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: cannot write {shown}: {e}");
            return EXIT_INVALID;
        }
    };
    if let Err(e) = file.commit() {
        eprintln!("error: {e}");
        return EXIT_INVALID;
    }
    eprintln!(
        "wrote {} events to {shown} ({})",
        args.events,
        human_size(bytes)
    );
    EXIT_OK
}

/// Writes `gen`'s lines to `sink` through a buffer; gives the sink back with the bytes
/// written.
fn write_events<W: Write>(args: &GenArgs, sink: W) -> std::io::Result<(W, u64)> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, sink);
    let mut bytes = 0u64;
    idscope_core::gen::generate(args.events, args.seed, args.shape, &mut |line| {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        bytes += line.len() as u64 + 1;
        Ok(())
    })?;
    out.flush()?;
    let sink = out.into_inner().map_err(|e| e.into_error())?;
    Ok((sink, bytes))
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

/// Bad lines reported one by one; the rest are counted.
const SHOW_BAD_LINES: usize = 20;

/// The resolver as `resolve` feeds it: bad lines kept for the report (the first 20, or the
/// first one fatally with `--strict`), progress shown, lines kept for `resolved-jsonl`.
struct Resolving<'a> {
    stream: Stream,
    name: &'a str,
    strict: bool,
    /// Warnings for the first bad lines, printed once reading is over (not under the
    /// progress bar, and not at all when no line was an event: one error says it then).
    warnings: Vec<String>,
    /// Lines of the input, events read from them (before `--dedupe`) and bad lines.
    lines: u64,
    events: u64,
    bad: u64,
    /// The first bad line (line number, message), for the closing count.
    first_bad: Option<(usize, String)>,
    bar: Option<indicatif::ProgressBar>,
    /// (line number, text) of every event, for `resolved-jsonl`.
    kept: Option<Vec<(usize, String)>>,
}

impl Sink for Resolving<'_> {
    fn event(&mut self, e: Event<'_>) -> Control {
        if let Some(kept) = &mut self.kept {
            kept.push((e.line, e.text.to_string()));
        }
        self.events += 1;
        self.stream.event(e)
    }

    fn bad(&mut self, bad: &BadLine) -> Control {
        self.stream.bad(bad);
        self.bad += 1;
        if self.first_bad.is_none() {
            self.first_bad = Some((bad.line, bad.message.clone()));
        }
        let file = visible(self.name);
        if self.strict {
            eprintln!("error: {file}:{}: {}", bad.line, visible(&bad.message));
            return Control::Stop;
        }
        if self.warnings.len() < SHOW_BAD_LINES {
            self.warnings.push(format!(
                "warning: {file}:{}: {} (skipped)",
                bad.line,
                visible(&bad.message)
            ));
        }
        Control::Continue
    }

    fn lines(&mut self, count: u64) {
        self.lines += count;
        self.stream.lines(count);
    }

    fn progress(&mut self, bytes: u64) {
        if let Some(b) = &self.bar {
            b.inc(bytes);
        }
    }

    fn expect_bytes(&mut self, bytes: u64) {
        self.stream.expect_bytes(bytes);
    }
}

/// Says how many lines were malformed, with the first one's message. An input whose lines
/// were all malformed (not JSON at all: the wrong file, binary data) is refused with exit 2
/// rather than summarised as an export of nobody; an input without lines is an empty
/// export and fine.
fn report_bad_lines(sink: &Resolving<'_>) -> Option<i32> {
    let (line, message) = sink.first_bad.as_ref()?;
    let file = visible(sink.name);
    let first = format!("first: line {line}: {}", visible(message));
    if sink.events == 0 {
        eprintln!(
            "error: {file}: no line is an event: {} of {} malformed; {first}",
            sink.bad,
            plural(sink.lines, "line", "lines")
        );
        return Some(EXIT_INVALID);
    }
    for w in &sink.warnings {
        eprintln!("{w}");
    }
    eprintln!(
        "warning: {file}: {} of {} malformed and skipped; {first}",
        sink.bad,
        plural(sink.lines, "line", "lines")
    );
    None
}

/// "1 line", "3 lines".
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn resolve(args: ResolveArgs, ctx: &Context) -> i32 {
    let Some(mode) = ctx.mode(args.mode) else {
        return EXIT_INVALID;
    };
    let opened = if args.input.as_os_str() == "-" {
        ingest::open_stdin()
    } else {
        ingest::open(&args.input)
    };
    let input = match opened {
        Ok(x) => x.max_line_bytes(args.max_line_bytes),
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    // Text for a person at a terminal; JSON for a pipe or a file, so scripts keep working.
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Text
    } else {
        Format::Json
    });
    let keep_lines = format == Format::ResolvedJsonl;
    let name = input.name().to_string();
    let mut sink = Resolving {
        stream: Stream::new(StreamOptions {
            mode,
            knobs: ctx.knobs.knobs(),
            dedupe: args.dedupe,
            keep_verdicts: keep_lines,
        }),
        name: &name,
        strict: args.strict,
        warnings: Vec::new(),
        lines: 0,
        events: 0,
        bad: 0,
        first_bad: None,
        bar: progress(input.size()),
        kept: keep_lines.then(Vec::new),
    };
    // A mapped file truncated by another process while it is read: a clear error, not a
    // silent death by SIGBUS.
    let guard = input
        .is_mapped()
        .then(|| idscope::truncation::TruncationGuard::install(&name));
    let fed = input.feed(&mut sink);
    drop(guard);
    match fed {
        Ok(true) => {}
        Ok(false) => return EXIT_INVALID,
        Err(e) => {
            if let Some(b) = sink.bar.take() {
                b.finish_and_clear();
            }
            let hint = match e {
                ingest::Error::LineTooLong { .. } => "; raise the cap with --max-line-bytes N",
                _ => "",
            };
            eprintln!("error: {e}{hint}");
            return EXIT_INVALID;
        }
    }
    if let Some(b) = sink.bar.take() {
        b.finish_and_clear();
    }
    if let Some(code) = report_bad_lines(&sink) {
        return code;
    }
    let stream = sink.stream;
    let text = match format {
        Format::Text => idscope_core::report::summary_text(&stream.summary(args.top), &name),
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&stream.summary(args.top)).expect("JSON serializes");
            s.push('\n');
            s
        }
        Format::MappingCsv => stream.mapping_csv(),
        Format::ResolvedJsonl => {
            let mut s = String::new();
            let kept = sink.kept.unwrap_or_default();
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
    match format {
        Format::Json | Format::ResolvedJsonl => super::common::write_stdout_json(&text),
        Format::Text | Format::MappingCsv => write_stdout(&text),
    }
}
