//! Argument parsing and the headless commands: `run`, `check`, `validate`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use idscope::ids::IdSource;
use idscope::load::{expand_paths, load_file};
use idscope::model::{GuidCheck, Knobs, Mode};
use idscope::run::{Run, RunConfig};
use idscope::scenario::LoadError;
use idscope::text::visible;
use std::io::Write;
use std::path::PathBuf;

pub const EXIT_OK: i32 = 0;
pub const EXIT_CHECK_FAILED: i32 = 1;
pub const EXIT_INVALID: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "idscope",
    version,
    about = "See how Mixpanel stitches events into users, under Legacy, Original and Simplified ID Merge.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Scenario file or directory to explore (default: the bundled scenarios).
    path: Option<PathBuf>,
    /// Explorer: capture the mouse (wheel scrolls, click selects).
    #[arg(long)]
    mouse: bool,
    /// Explorer: where copies go: auto, osc52, tmux, none, or command:<program and args>.
    #[arg(long, default_value = "auto", value_parser = parse_clipboard)]
    clipboard: String,
    #[command(flatten)]
    knobs: KnobArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Replay a scenario under one mode and print payloads, verdicts and clusters.
    Run(RunArgs),
    /// Verify each scenario's `expect`; exit 1 on any mismatch.
    Check {
        /// Scenario files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Export a run's payloads: json, ndjson, curl-import, curl-track, curl-engage, js, python,
    /// resolved-jsonl or mapping-csv.
    Export(ExportArgs),
    /// Resolve a real Mixpanel export offline and summarise users, failures and suspects.
    Resolve(crate::resolve_cmd::ResolveArgs),
    /// Write a realistic synthetic export (deterministic per seed).
    Gen(crate::resolve_cmd::GenArgs),
    /// Start the explorer on a new, empty scenario with one device (the playground).
    New,
    /// Print the JSON Schema of the scenario format (also shipped as scenarios/scenario.schema.json).
    Schema,
    /// Parse and validate only; exit 2 on invalid input.
    Validate {
        /// Scenario files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The scenario file.
    file: PathBuf,
    /// The project's identity mode.
    #[arg(long, value_enum)]
    mode: ModeArg,
    /// The mode the tracking code was written for (default: --mode).
    #[arg(long, value_enum)]
    playbook: Option<ModeArg>,
    /// Stop after this step (1-based).
    #[arg(long, value_name = "STEP")]
    until: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    #[command(flatten)]
    knobs: KnobArgs,
    /// Truly random device ids and $insert_ids instead of deterministic ones.
    #[arg(long)]
    random_ids: bool,
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// The scenario file.
    file: PathBuf,
    #[arg(long, value_enum)]
    mode: ModeArg,
    #[arg(long, value_enum)]
    playbook: Option<ModeArg>,
    /// json, ndjson, curl-import, curl-track, curl-engage, js, python, resolved-jsonl, mapping-csv.
    #[arg(long, value_parser = parse_format)]
    format: idscope::export::Format,
    /// event:N (0-based payload index), step:N, until:N or all.
    #[arg(long, default_value = "all", value_parser = parse_scope)]
    scope: idscope::export::Scope,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long, requires = "out")]
    force: bool,
    /// Data residency region: picks the API host (us, eu, in).
    #[arg(long, default_value = "us", value_parser = parse_region)]
    region: idscope::export::Region,
    /// Project id for /import URLs (default: the $MIXPANEL_PROJECT_ID shell variable).
    #[arg(long)]
    project_id: Option<String>,
    #[command(flatten)]
    knobs: KnobArgs,
}

/// Checks `--clipboard` (kept as text so the flag exists without the `tui` feature too).
fn parse_clipboard(s: &str) -> Result<String, String> {
    let ok = matches!(s, "auto" | "osc52" | "tmux" | "none")
        || s.strip_prefix("command:")
            .is_some_and(|c| !c.trim().is_empty());
    if ok {
        Ok(s.to_string())
    } else {
        Err("expected auto, osc52, tmux, none or command:<program and args>".into())
    }
}

fn parse_format(s: &str) -> Result<idscope::export::Format, String> {
    idscope::export::Format::parse(s).ok_or_else(|| {
        let all: Vec<&str> = idscope::export::Format::ALL
            .iter()
            .map(|f| f.as_str())
            .collect();
        format!("expected one of {}", all.join(", "))
    })
}

fn parse_scope(s: &str) -> Result<idscope::export::Scope, String> {
    idscope::export::Scope::parse(s)
        .ok_or_else(|| "expected event:N, step:N, until:N or all".to_string())
}

fn parse_region(s: &str) -> Result<idscope::export::Region, String> {
    idscope::export::Region::parse(s).ok_or_else(|| "expected us, eu or in".to_string())
}

#[derive(Args, Debug, Clone)]
pub struct KnobArgs {
    /// O-LIMIT: the largest cluster an Original merge may produce.
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    max_cluster: u32,
    /// O-ID check 2: what counts as a GUID-shaped $anon_id.
    #[arg(long, value_enum, default_value_t = GuidArg::Lenient)]
    guid_check: GuidArg,
    /// S-IGNORE: let the JS $identify event link $device_id and $user_id under Simplified.
    #[arg(long)]
    identify_links: bool,
}

impl KnobArgs {
    pub fn knobs(&self) -> Knobs {
        Knobs {
            max_cluster: self.max_cluster,
            guid_check: match self.guid_check {
                GuidArg::Lenient => GuidCheck::Lenient,
                GuidArg::StrictV4 => GuidCheck::StrictV4,
                GuidArg::Off => GuidCheck::Off,
            },
            identify_links: self.identify_links,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ModeArg {
    Legacy,
    Original,
    Simplified,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Legacy => Mode::Legacy,
            ModeArg::Original => Mode::Original,
            ModeArg::Simplified => Mode::Simplified,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum GuidArg {
    Lenient,
    #[value(name = "strict-v4")]
    StrictV4,
    Off,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Table,
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_INVALID
            } else {
                EXIT_OK
            };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Some(Command::Run(args)) => run(args),
        Some(Command::Check { paths }) => check(&paths),
        Some(Command::Validate { paths }) => validate(&paths),
        Some(Command::Schema) => schema(),
        Some(Command::New) => new_scenario(cli.mouse, &cli.clipboard, cli.knobs.knobs()),
        Some(Command::Export(args)) => export(args),
        Some(Command::Resolve(args)) => crate::resolve_cmd::resolve(args),
        Some(Command::Gen(args)) => crate::resolve_cmd::gen(args),
        None => explore(cli.path, cli.mouse, &cli.clipboard, cli.knobs.knobs()),
    }
}

fn report(e: &LoadError) {
    eprintln!("error: {}", visible(&e.to_string()));
}

/// Loads the scenario a command names, reporting a bad file (None: exit 2).
fn load_or_report(file: &std::path::Path) -> Option<idscope::Scenario> {
    load_file(file).map_err(|e| report(&e)).ok()
}

fn config(mode: ModeArg, playbook: Option<ModeArg>, knobs: &KnobArgs) -> RunConfig {
    RunConfig {
        mode: mode.into(),
        playbook: playbook.map(Mode::from),
        knobs: knobs.knobs(),
    }
}

fn run(args: RunArgs) -> i32 {
    let Some(scenario) = load_or_report(&args.file) else {
        return EXIT_INVALID;
    };
    let config = config(args.mode, args.playbook, &args.knobs);
    let total = scenario.steps.len();
    let until = match args.until {
        None => total,
        Some(k) if k <= total => k,
        Some(k) => {
            eprintln!(
                "error: --until {k} is past the last step of {} ({total} steps)",
                args.file.display()
            );
            return EXIT_INVALID;
        }
    };
    let ids = if args.random_ids {
        IdSource::Random(Box::new(|| *uuid::Uuid::new_v4().as_bytes()))
    } else {
        IdSource::deterministic(&scenario.name)
    };
    let run = Run::with_ids(&scenario, config, ids);
    match args.format {
        Format::Json => {
            match idscope::output::write_run_json(&run, until, std::io::stdout().lock()) {
                Ok(()) => EXIT_OK,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
                Err(e) => {
                    eprintln!("error: cannot write output: {e}");
                    EXIT_INVALID
                }
            }
        }
        Format::Table => write_stdout(&idscope::output::run_table(&run, until)),
    }
}

/// Writes data to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub fn write_stdout(text: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            EXIT_INVALID
        }
    }
}

fn export(args: ExportArgs) -> i32 {
    let Some(scenario) = load_or_report(&args.file) else {
        return EXIT_INVALID;
    };
    let config = config(args.mode, args.playbook, &args.knobs);
    let run = Run::new(&scenario, config);
    let opts = idscope::export::Options {
        format: args.format,
        scope: args.scope,
        region: args.region,
        project_id: args.project_id,
    };
    let export = match idscope::export::export(&run, &scenario, &opts) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {}: {}", args.file.display(), visible(&e));
            return EXIT_INVALID;
        }
    };
    for w in &export.warnings {
        eprintln!("warning: {}", visible(w));
    }
    match args.out {
        None => write_stdout(&export.text),
        Some(path) => {
            match idscope::atomic::write_atomic(&path, export.text.as_bytes(), args.force) {
                Ok(()) => {
                    eprintln!(
                        "wrote {} ({} bytes, {} item{})",
                        visible(&path.display().to_string()),
                        export.text.len(),
                        export.items,
                        if export.items == 1 { "" } else { "s" }
                    );
                    EXIT_OK
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    EXIT_INVALID
                }
            }
        }
    }
}

fn schema() -> i32 {
    if idscope::bundled::SCHEMA.is_empty() {
        eprintln!("error: this build has no scenario schema");
        return EXIT_INVALID;
    }
    let mut text = idscope::bundled::SCHEMA.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    write_stdout(&text)
}

fn validate(paths: &[PathBuf]) -> i32 {
    let mut code = EXIT_OK;
    let mut out = String::new();
    for item in expand_paths(paths) {
        match item.and_then(|p| load_file(&p).map(|s| (p, s))) {
            Ok((p, s)) => out.push_str(&format!(
                "ok  {}  ({} steps)\n",
                visible(&p.display().to_string()),
                s.steps.len()
            )),
            Err(e) => {
                report(&e);
                code = EXIT_INVALID;
            }
        }
    }
    let w = write_stdout(&out);
    code.max(w)
}

fn check(paths: &[PathBuf]) -> i32 {
    let mut invalid = false;
    let mut failed = 0usize;
    let mut passed = 0usize;
    let mut out = String::new();
    for item in expand_paths(paths) {
        let (path, scenario) = match item.and_then(|p| load_file(&p).map(|s| (p, s))) {
            Ok(x) => x,
            Err(e) => {
                report(&e);
                invalid = true;
                continue;
            }
        };
        let file = visible(&path.display().to_string()).into_owned();
        let results = idscope::expect::check(&scenario);
        if results.is_empty() {
            out.push_str(&format!("skip  {file}: no `expect` block\n"));
            continue;
        }
        for r in results {
            if r.problems.is_empty() {
                passed += 1;
                out.push_str(&format!("ok    {file}  {}\n", r.label));
            } else {
                failed += 1;
                out.push_str(&format!("FAIL  {file}  {}\n", r.label));
                for p in r.problems {
                    out.push_str(&format!("      {}\n", visible(&p)));
                }
            }
        }
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    let w = write_stdout(&out);
    if invalid {
        EXIT_INVALID
    } else if failed > 0 {
        EXIT_CHECK_FAILED
    } else {
        w
    }
}

#[cfg(feature = "tui")]
fn explore(path: Option<PathBuf>, mouse: bool, clipboard: &str, knobs: Knobs) -> i32 {
    let clipboard = idscope::clipboard::Setting::parse(clipboard).unwrap_or_default();
    idscope::tui::explore(
        path.as_deref(),
        idscope::tui::ExploreOptions {
            mouse,
            knobs,
            clipboard,
        },
    )
}

#[cfg(feature = "tui")]
fn new_scenario(mouse: bool, clipboard: &str, knobs: Knobs) -> i32 {
    let clipboard = idscope::clipboard::Setting::parse(clipboard).unwrap_or_default();
    idscope::tui::new_scenario(idscope::tui::ExploreOptions {
        mouse,
        knobs,
        clipboard,
    })
}

#[cfg(not(feature = "tui"))]
fn new_scenario(_mouse: bool, _clipboard: &str, _knobs: Knobs) -> i32 {
    eprintln!(
        "This idscope was built without the `tui` feature, so the playground is not available."
    );
    EXIT_INVALID
}

#[cfg(not(feature = "tui"))]
fn explore(path: Option<PathBuf>, _mouse: bool, _clipboard: &str, _knobs: Knobs) -> i32 {
    let path = path.unwrap_or_else(|| PathBuf::from("scenarios"));
    eprintln!(
        "This idscope was built without the `tui` feature, so the explorer is not available. Try:\n  idscope run {} --mode simplified --format table",
        visible(&path.display().to_string())
    );
    EXIT_INVALID
}
