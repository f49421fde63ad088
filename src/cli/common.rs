//! What every command shares: exit codes, the knob flags, value lists built from the
//! engine's [`Choice`] types, writing to stdout, and `--out` files ([`OutFile`]).

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::Args;
use idscope_core::atomic::{AtomicFile, WriteError};
use idscope_core::load::load_file;
use idscope_core::model::{Choice, GuidCheck, Knobs, MissingDistinctId, Mode, RunConfig};
use idscope_core::scenario::LoadError;
use idscope_core::text::{json_for_terminal, visible, visible_lines};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const EXIT_OK: i32 = 0;
pub const EXIT_CHECK_FAILED: i32 = 1;
pub const EXIT_INVALID: i32 = 2;

/// A clap value parser for one of the engine's [`Choice`] types: the possible values and
/// their help come from [`Choice::ALL`], so no list is typed twice.
pub fn choice<T: Choice>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::ALL.iter().map(|c| {
        let value = PossibleValue::new(c.name());
        match c.help() {
            "" => value,
            help => value.help(help),
        }
    }))
    .map(|name| T::parse(&name).expect("clap accepts only the possible values"))
}

/// The rule book's **[choice]**s as flags, accepted before or after any command. Each one
/// given replaces that knob wherever the command runs the resolver (in `check`, in every run
/// the scenario's `expect` makes); the others keep their defaults (or a variant's values).
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Knobs (the rule book's open choices)")]
pub struct KnobArgs {
    /// O-LIMIT: the largest cluster an Original merge may produce [default: 500].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_cluster: Option<u32>,
    /// O-ID check 2: what counts as a GUID-shaped $anon_id [default: lenient].
    #[arg(long, global = true, value_parser = choice::<GuidCheck>())]
    guid_check: Option<GuidCheck>,
    /// S-IGNORE: let the JS $identify event link $device_id and $user_id under Simplified.
    #[arg(long, global = true)]
    identify_links: bool,
    /// G-MISSING: what /import does with an event that has no distinct_id [default: reject].
    #[arg(long, global = true, value_parser = choice::<MissingDistinctId>())]
    missing_distinct_id: Option<MissingDistinctId>,
}

impl KnobArgs {
    /// The defaults with the knobs given on the command line.
    pub fn knobs(&self) -> Knobs {
        self.over(Knobs::default())
    }

    /// `base` with the knobs given on the command line put over it.
    pub fn over(&self, base: Knobs) -> Knobs {
        Knobs {
            max_cluster: self.max_cluster.unwrap_or(base.max_cluster),
            guid_check: self.guid_check.unwrap_or(base.guid_check),
            identify_links: self.identify_links || base.identify_links,
            missing_distinct_id: self.missing_distinct_id.unwrap_or(base.missing_distinct_id),
        }
    }

    /// The flags given, as typed ("--max-cluster 4 --identify-links"); empty when none.
    pub fn given(&self) -> String {
        let mut flags = Vec::new();
        if let Some(n) = self.max_cluster {
            flags.push(format!("--max-cluster {n}"));
        }
        if let Some(g) = self.guid_check {
            flags.push(format!("--guid-check {}", g.name()));
        }
        if self.identify_links {
            flags.push("--identify-links".to_string());
        }
        if let Some(m) = self.missing_distinct_id {
            flags.push(format!("--missing-distinct-id {}", m.name()));
        }
        flags.join(" ")
    }

    pub fn config(&self, mode: Mode, playbook: Option<Mode>) -> RunConfig {
        RunConfig {
            mode,
            playbook,
            knobs: self.knobs(),
        }
    }
}

/// What every command may need besides its own arguments: the knobs given on the command line
/// and the settings file.
pub struct Context {
    pub knobs: KnobArgs,
    pub settings: idscope::config::Settings,
}

impl Context {
    /// The mode a command runs under (`--mode`, else the settings file), or the error said.
    pub fn mode(&self, flag: Option<Mode>) -> Option<Mode> {
        self.settings
            .mode_or(flag)
            .map_err(|e| eprintln!("error: {e}"))
            .ok()
    }

    /// The run configuration: mode as [`Context::mode`], playbook from the flag or the file.
    pub fn config(&self, mode: Option<Mode>, playbook: Option<Mode>) -> Option<RunConfig> {
        let mode = self.mode(mode)?;
        Some(
            self.knobs
                .config(mode, playbook.or(self.settings.playbook.value)),
        )
    }
}

/// Prints a refused scenario file on stderr.
pub fn report(e: &LoadError) {
    eprintln!("error: {}", visible(&e.to_string()));
}

/// Loads the scenario a command names, reporting a bad file (None: exit 2).
pub fn load_or_report(file: &std::path::Path) -> Option<idscope_core::Scenario> {
    load_file(file).map_err(|e| report(&e)).ok()
}

/// Writes text to stdout ([`stdout`]: escaped on a terminal, as is to a file or pipe).
pub fn write_stdout(text: &str) -> i32 {
    write_stdout_as(text, Syntax::Text)
}

/// Writes JSON (or NDJSON) to stdout: on a terminal the characters that could drive it
/// become `\uXXXX`, so it stays the same, valid JSON.
pub fn write_stdout_json(text: &str) -> i32 {
    write_stdout_as(text, Syntax::Json)
}

/// Writes `text` through [`stdout`]; a closed pipe (`| head`) is not an error worth a panic.
pub fn write_stdout_as(text: &str, syntax: Syntax) -> i32 {
    let mut out = stdout(syntax);
    finish_stdout(out.write_all(text.as_bytes()).and_then(|_| out.flush()))
}

/// The exit code after writing to stdout: a closed pipe is fine, any other error is not.
pub fn finish_stdout(result: std::io::Result<()>) -> i32 {
    match result {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            EXIT_INVALID
        }
    }
}

/// How an output is written, so its escapes on a terminal keep its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Text, CSV, code: `\x1b`, `\u{9b}` (newlines and tabs kept).
    Text,
    /// JSON and NDJSON: `\u001b`, `\u009b`, still valid JSON.
    Json,
}

/// The one way data reaches stdout. On a terminal every control character (C0, C1 such as
/// the one-byte CSI U+009B), bidi and other invisible format character (U+061C, tags
/// U+E0000–U+E007F) is escaped, so an id in the data can never set the title, write the
/// clipboard (OSC 52) or clear the screen; a file or pipe gets the bytes as they are (valid,
/// lossless CSV and JSON).
pub fn stdout(syntax: Syntax) -> Stdout {
    let out = std::io::stdout();
    Stdout {
        escape: out.is_terminal().then_some(syntax),
        out: out.lock(),
        pending: Vec::new(),
    }
}

/// stdout through [`stdout`]'s escaping. A character split across writes waits for its
/// other bytes.
pub struct Stdout {
    out: std::io::StdoutLock<'static>,
    escape: Option<Syntax>,
    /// The start of a UTF-8 sequence the last write ended in.
    pending: Vec<u8>,
}

impl Stdout {
    fn escaped(&mut self, bytes: &[u8], last: bool) -> std::io::Result<()> {
        let Some(syntax) = self.escape else {
            return self.out.write_all(bytes);
        };
        let mut rest = bytes;
        loop {
            let (text, invalid) = match std::str::from_utf8(rest) {
                Ok(text) => (text, None),
                Err(e) => {
                    let (ok, bad) = rest.split_at(e.valid_up_to());
                    // Checked by from_utf8 up to here.
                    let text = std::str::from_utf8(ok).unwrap_or_default();
                    (text, Some((bad, e.error_len())))
                }
            };
            let shown = match syntax {
                Syntax::Text => visible_lines(text),
                Syntax::Json => json_for_terminal(text),
            };
            self.out.write_all(shown.as_bytes())?;
            match invalid {
                None => {
                    self.pending.clear();
                    return Ok(());
                }
                // An unfinished character at the end: kept for the next write.
                Some((bad, None)) if !last => {
                    self.pending = bad.to_vec();
                    return Ok(());
                }
                Some((bad, n)) => {
                    let n = n.unwrap_or(bad.len());
                    for b in &bad[..n] {
                        write!(self.out, "\\x{b:02x}")?;
                    }
                    rest = &bad[n..];
                }
            }
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            self.escaped(buf, false)?;
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            self.escaped(&joined, false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl Drop for Stdout {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            let _ = self.escaped(&pending, true);
            let _ = self.out.flush();
        }
    }
}

/// Prints a command-line error (or help) as clap would, but with the user's values escaped
/// on stderr: clap writes an invalid `--mode` value raw, escape sequences and all.
pub fn print_clap_error(e: &clap::Error) {
    if e.use_stderr() {
        eprint!("{}", visible_lines(&e.render().to_string()));
    } else {
        let _ = e.print();
    }
}

/// Refuses an `--out` that is the input file itself (same device and inode, so through a
/// symlink, `./x` or a hard link too): with `--force` the input would be replaced by its
/// own output.
pub fn refuse_same_file(input: &Path, out: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(input), std::fs::metadata(out)) {
            if b.is_file() && a.dev() == b.dev() && a.ino() == b.ino() {
                return Err(format!(
                    "--out {} is the input file {}; not replacing the input with its own output (expected another path)",
                    visible(&idscope_core::text::path_text(out)),
                    visible(&idscope_core::text::path_text(input))
                ));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (input, out);
    Ok(())
}

/// Writes `data` to the `--out` file `path` (atomically, refusing the input file itself);
/// the error is printed. True when written.
pub fn write_out(input: &Path, path: &Path, data: &[u8], force: bool) -> bool {
    let written = refuse_same_file(input, path).and_then(|()| {
        let mut file = OutFile::create(path, force).map_err(|e| e.to_string())?;
        file.write_all(data).map_err(|e| {
            format!(
                "cannot write {}: {e}",
                visible(&idscope_core::text::path_text(path))
            )
        })?;
        file.commit().map_err(|e| e.to_string())
    });
    match written {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}

/// The temp file of the `--out` being written, for the signal handler to remove.
static TEMP: Mutex<Option<PathBuf>> = Mutex::new(None);

/// An `--out` file being written ([`AtomicFile`]): if TERM, INT, HUP or QUIT ends the
/// process before the commit, its temp file is removed and the exit code is 128 + signal,
/// so no hidden partial file is left in the user's directory.
pub struct OutFile {
    file: AtomicFile,
    _registered: TempRegistration,
}

/// Forgets the registered temp file when the `--out` file is committed or dropped
/// (`AtomicFile`'s own drop removes the temp file; then the handler has nothing to do).
struct TempRegistration;

impl Drop for TempRegistration {
    fn drop(&mut self) {
        forget_temp();
    }
}

impl OutFile {
    pub fn create(path: &Path, force: bool) -> Result<OutFile, WriteError> {
        let file = AtomicFile::create(path, force)?;
        if let Some(tmp) = file.temp_path() {
            watch_signals();
            *TEMP.lock().unwrap_or_else(|e| e.into_inner()) = Some(tmp.to_path_buf());
        }
        Ok(OutFile {
            file,
            _registered: TempRegistration,
        })
    }

    /// Puts the file in place.
    pub fn commit(self) -> Result<(), WriteError> {
        let OutFile { file, _registered } = self;
        file.commit()
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn forget_temp() {
    *TEMP.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Starts (once) the thread that removes the registered temp file on a signal and exits.
fn watch_signals() {
    use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let Ok(mut signals) =
            signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP, SIGQUIT])
        else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signo) = signals.forever().next() {
                if let Some(p) = TEMP.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                    let _ = std::fs::remove_file(p);
                }
                std::process::exit(128 + signo);
            }
        });
    });
}
