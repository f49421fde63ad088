//! `idscope diff`: an export resolved under two identity modes and what moving from one to
//! the other would do to its users ([`idscope_core::diff`] does the work; this reads the
//! flags, shows progress and reports bad input).

use super::common::{choice, write_stdout, Context, EXIT_INVALID, EXIT_OK};
use clap::Args;
use idscope_core::diff::{self, Format};
use idscope_core::export_index::Source;
use idscope_core::ingest::{self, Bytes};
use idscope_core::model::Mode;
use idscope_core::text::visible;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Raw-export JSONL, /import NDJSON or a JSON array; gzip is detected; `-` reads stdin.
    #[arg(value_name = "EXPORT")]
    input: std::path::PathBuf,
    /// The identity mode the project has now.
    #[arg(long, value_name = "MODE", value_parser = choice::<Mode>())]
    from: Mode,
    /// The identity mode it would move to.
    #[arg(long, value_name = "MODE", value_parser = choice::<Mode>())]
    to: Mode,
    /// [default: text when stdout is a terminal, json otherwise]
    #[arg(long, value_parser = choice::<Format>())]
    format: Option<Format>,
    /// How many of the largest changes text and JSON show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
}

/// Bad lines reported one by one; the rest are counted.
const SHOW_BAD_LINES: usize = 20;

pub fn diff(args: DiffArgs, ctx: &Context) -> i32 {
    if args.from == args.to {
        eprintln!(
            "error: --from and --to are both {}; a diff compares two different modes (legacy, original, simplified)",
            args.from
        );
        return EXIT_INVALID;
    }
    let source = match open(&args.input) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    // Text for a person at a terminal; JSON for a pipe or a file, so scripts get data.
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Text
    } else {
        Format::Json
    });
    // A file truncated while mapped is a clear error, not a silent SIGBUS (issue 17).
    let _guard = idscope::truncation::TruncationGuard::install(source.name());
    let progress = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let result = std::thread::scope(|s| {
        let bar = std::io::stderr()
            .is_terminal()
            .then(|| s.spawn(|| show_progress(&progress, &done, source.len())));
        let r = diff::diff(&source, args.from, args.to, ctx.knobs.knobs(), &progress);
        done.store(true, Ordering::Relaxed);
        if let Some(bar) = bar {
            bar.thread().unpark();
        }
        r
    });
    let d = match result {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    if let Some(code) = report_bad_lines(&d) {
        return code;
    }
    let text = match format {
        Format::Text => diff::text(&d, args.top),
        Format::Json => return super::common::write_stdout_json(&diff::json(&d, args.top)),
        // Every change, row by row: the output can be large, so it is not built first.
        Format::Csv => return write_csv(&d),
    };
    write_stdout(&text)
}

/// Streams the CSV to stdout; a closed pipe (`| head`) ends it quietly, like `write_stdout`.
fn write_csv(d: &diff::Diff) -> i32 {
    let mut out = super::common::stdout(super::common::Syntax::Text);
    match diff::write_csv(d, &mut out) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            EXIT_INVALID
        }
    }
}

/// The export as one block of bytes: a file mapped, stdin (gzip or not) read whole.
fn open(input: &std::path::Path) -> Result<Source, ingest::Error> {
    if input.as_os_str() != "-" {
        return Source::open(input);
    }
    let opened = ingest::open_stdin()?;
    let name = opened.name().to_string();
    Ok(match opened.into_bytes()? {
        Bytes::Owned(v) => Source::from_bytes(&name, v),
        // Stdin is never mapped; were it, its bytes are copied once.
        Bytes::Mapped(m) => Source::from_bytes(&name, m.to_vec()),
    })
}

/// A progress bar on stderr while both modes are resolved; returns when `done` is set
/// (and the thread unparked).
fn show_progress(progress: &AtomicU64, done: &AtomicBool, total: u64) {
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(s) = indicatif::ProgressStyle::with_template(
        "{bar:30} {bytes}/{total_bytes} both modes, eta {eta}",
    ) {
        bar.set_style(s);
    }
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(10));
    while !done.load(Ordering::Relaxed) {
        bar.set_position(progress.load(Ordering::Relaxed));
        std::thread::park_timeout(std::time::Duration::from_millis(50));
    }
    bar.finish_and_clear();
}

/// Warns about malformed lines (the first ones, then a count). An input none of whose
/// lines is an event (the wrong file) is refused with exit 2 rather than compared as an
/// export of nobody; an input without lines is an empty export and fine.
fn report_bad_lines(d: &diff::Diff) -> Option<i32> {
    let stream = &d.from.stream;
    let first = stream.bad_lines.first()?;
    let file = visible(&d.input);
    let first = format!("first: line {}: {}", first.line, visible(&first.message));
    let lines = match stream.line_count() {
        1 => "1 line".to_string(),
        n => format!("{n} lines"),
    };
    if stream.event_count() == 0 {
        eprintln!(
            "error: {file}: no line is an event: {} of {lines} malformed; {first}",
            stream.bad_line_count
        );
        return Some(EXIT_INVALID);
    }
    for bad in stream.bad_lines.iter().take(SHOW_BAD_LINES) {
        eprintln!(
            "warning: {file}:{}: {} (skipped)",
            bad.line,
            visible(&bad.message)
        );
    }
    eprintln!(
        "warning: {file}: {} of {lines} malformed and skipped; {first}",
        stream.bad_line_count
    );
    None
}
