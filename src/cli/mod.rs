//! The `idscope` command line (docs/scenario-format.md §2): argument parsing and dispatch. Data goes to
//! stdout, diagnostics to stderr; exit 0 ok, 1 a check failed, 2 invalid input or usage.

mod common;
mod diff_cmd;
mod export_cmds;
mod scenario_cmds;
mod user_cmd;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use common::{KnobArgs, EXIT_INVALID, EXIT_OK};
use idscope::clipboard::Setting;
use idscope_core::model::{Choice, Knobs};
use idscope_core::sdk::Profile;
use std::path::PathBuf;

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
    clipboard: Setting,
    #[command(flatten)]
    knobs: KnobArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Replay a scenario under one mode and print payloads, verdicts and clusters.
    Run(scenario_cmds::RunArgs),
    /// Verify each scenario's `expect`; exit 1 on any mismatch.
    Check {
        /// Scenario files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Export a run's payloads: for pasting into tickets, curl and code.
    Export(scenario_cmds::ExportArgs),
    /// Resolve a real Mixpanel export offline and summarise users, failures and suspects.
    Resolve(export_cmds::ResolveArgs),
    /// What moving a project from one identity mode to another would do to its users.
    Diff(diff_cmd::DiffArgs),
    /// Write a realistic synthetic export (deterministic per seed).
    Gen(export_cmds::GenArgs),
    /// Write one user of a real export as a scenario file, to open in the explorer.
    ExportUser(user_cmd::ExportUserArgs),
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

fn parse_clipboard(s: &str) -> Result<Setting, String> {
    Setting::parse(s)
        .ok_or_else(|| "expected auto, osc52, tmux, none or command:<program and args>".into())
}

/// `--version`: the version, and each emulated SDK with its version and how it is known.
fn long_version() -> String {
    let mut s = format!(
        "{}\nEmulated SDKs (a scenario device's `lib`):",
        env!("CARGO_PKG_VERSION")
    );
    for p in Profile::ALL {
        s.push_str(&format!(
            "\n  {:<6} {} — {}",
            p.name(),
            p.label(),
            p.evidence()
        ));
    }
    s
}

pub fn main() -> i32 {
    let command = Cli::command().long_version(long_version());
    let parsed = command
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_INVALID
            } else {
                EXIT_OK
            };
            common::print_clap_error(&e);
            return code;
        }
    };
    match cli.command {
        Some(Command::Run(args)) => scenario_cmds::run(args),
        Some(Command::Check { paths }) => scenario_cmds::check(&paths),
        Some(Command::Validate { paths }) => scenario_cmds::validate(&paths),
        Some(Command::Schema) => scenario_cmds::schema(),
        Some(Command::Export(args)) => scenario_cmds::export(args),
        Some(Command::Resolve(args)) => export_cmds::resolve(args),
        Some(Command::Diff(args)) => diff_cmd::diff(args),
        Some(Command::Gen(args)) => export_cmds::gen(args),
        Some(Command::ExportUser(args)) => user_cmd::export_user(args),
        Some(Command::New) => new_scenario(cli.mouse, cli.clipboard, cli.knobs.knobs()),
        None => explore(cli.path, cli.mouse, cli.clipboard, cli.knobs.knobs()),
    }
}

#[cfg(feature = "tui")]
fn explore(path: Option<PathBuf>, mouse: bool, clipboard: Setting, knobs: Knobs) -> i32 {
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
fn new_scenario(mouse: bool, clipboard: Setting, knobs: Knobs) -> i32 {
    idscope::tui::new_scenario(idscope::tui::ExploreOptions {
        mouse,
        knobs,
        clipboard,
    })
}

#[cfg(not(feature = "tui"))]
fn new_scenario(_mouse: bool, _clipboard: Setting, _knobs: Knobs) -> i32 {
    eprintln!(
        "This idscope was built without the `tui` feature, so the playground is not available."
    );
    EXIT_INVALID
}

#[cfg(not(feature = "tui"))]
fn explore(path: Option<PathBuf>, _mouse: bool, _clipboard: Setting, _knobs: Knobs) -> i32 {
    let path = path.unwrap_or_else(|| PathBuf::from("scenarios"));
    eprintln!(
        "This idscope was built without the `tui` feature, so the explorer is not available. Try:\n  idscope run {} --mode simplified --format table",
        idscope_core::text::visible(&path.display().to_string())
    );
    EXIT_INVALID
}
