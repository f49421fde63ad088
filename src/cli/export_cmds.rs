//! The commands on real exports: `resolve` (through the shared reader,
//! [`idscope_core::ingest`]) and `gen` (a synthetic export to try it on).

use super::common::{choice, write_stdout, KnobArgs, EXIT_INVALID, EXIT_OK};
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
    input: String,
    /// The project's identity mode.
    #[arg(long, value_parser = choice::<Mode>())]
    mode: Mode,
    #[arg(long, default_value = "json", value_parser = choice::<Format>())]
    format: Format,
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

#[derive(Args, Debug)]
pub struct GenArgs {
    /// How many events to write.
    #[arg(long)]
    events: usize,
    /// The seed: the same seed gives the same export.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The mix of traffic.
    #[arg(long, default_value = "realistic", value_parser = choice::<Shape>())]
    shape: Shape,
    /// Write to this file (atomically; refuses to overwrite without --force) instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, requires = "out")]
    force: bool,
}

pub fn gen(args: GenArgs) -> i32 {
    let mut buf: Vec<u8> = Vec::new();
    let stdout = std::io::stdout();
    let mut lock = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let to_file = args.out.is_some();
    let result = idscope_core::gen::generate(args.events, args.seed, args.shape, &mut |line| {
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
        if let Err(e) = idscope_core::atomic::write_atomic(&path, &buf, args.force) {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
        eprintln!(
            "wrote {} events to {} ({})",
            args.events,
            visible(&path.display().to_string()),
            human_size(buf.len() as u64)
        );
    }
    EXIT_OK
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

/// The resolver as `resolve` feeds it: bad lines reported (the first 20, or the first one
/// fatally with `--strict`), progress shown, lines kept for `resolved-jsonl`.
struct Resolving<'a> {
    stream: Stream,
    name: &'a str,
    strict: bool,
    /// Bad lines printed so far.
    shown: usize,
    bar: Option<indicatif::ProgressBar>,
    /// (line number, text) of every event, for `resolved-jsonl`.
    kept: Option<Vec<(usize, String)>>,
}

impl Sink for Resolving<'_> {
    fn event(&mut self, e: Event<'_>) -> Control {
        if let Some(kept) = &mut self.kept {
            kept.push((e.line, e.text.to_string()));
        }
        self.stream.event(e)
    }

    fn bad(&mut self, bad: &BadLine) -> Control {
        self.stream.bad(bad);
        let file = visible(self.name);
        if self.strict {
            eprintln!("error: {file}:{}: {}", bad.line, visible(&bad.message));
            return Control::Stop;
        }
        if self.shown < 20 {
            eprintln!(
                "warning: {file}:{}: {} (skipped)",
                bad.line,
                visible(&bad.message)
            );
            self.shown += 1;
        }
        Control::Continue
    }

    fn lines(&mut self, count: u64) {
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

pub fn resolve(args: ResolveArgs) -> i32 {
    let opened = if args.input == "-" {
        ingest::open_stdin()
    } else {
        ingest::open(args.input.as_ref())
    };
    let input = match opened {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let keep_lines = args.format == Format::ResolvedJsonl;
    let name = input.name().to_string();
    let mut sink = Resolving {
        stream: Stream::new(StreamOptions {
            mode: args.mode,
            knobs: args.knobs.knobs(),
            dedupe: args.dedupe,
            keep_verdicts: keep_lines,
        }),
        name: &name,
        strict: args.strict,
        shown: 0,
        bar: progress(input.size()),
        kept: keep_lines.then(Vec::new),
    };
    match input.feed(&mut sink) {
        Ok(true) => {}
        Ok(false) => return EXIT_INVALID,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    }
    if let Some(b) = sink.bar.take() {
        b.finish_and_clear();
    }
    let stream = sink.stream;
    if stream.bad_line_count as usize > sink.shown {
        eprintln!(
            "warning: {} malformed line(s) skipped in {} ({} shown)",
            stream.bad_line_count,
            visible(&name),
            sink.shown
        );
    }
    let text = match args.format {
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
    write_stdout(&text)
}
