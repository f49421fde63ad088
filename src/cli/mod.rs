//! The `idscope` command line (docs/scenario-format.md §2): argument parsing and dispatch. Data goes to
//! stdout, diagnostics to stderr; exit 0 ok, 1 a check failed, 2 invalid input or usage.

mod common;
mod diff_cmd;
mod export_cmds;
mod scenario_cmds;
mod user_cmd;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use common::{Context, KnobArgs, EXIT_INVALID, EXIT_OK};
use idscope::clipboard::Setting;
use idscope::config::Settings;
use idscope_core::model::Choice;
use idscope_core::sdk::Profile;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "idscope",
    version,
    about = "See how Mixpanel stitches events into users, under Legacy, Original and Simplified ID Merge.",
    after_help = "Knobs and explorer flags go before or after the command. Settings: `idscope config`."
)]
struct Cli {
    /// Open in the explorer: a scenario file or directory, or an export (.jsonl, .ndjson, .gz,
    /// a JSON array of events) [default: the bundled scenarios]. A file named like a command:
    /// ./new.
    path: Option<PathBuf>,
    #[command(flatten)]
    ui: UiArgs,
    #[command(flatten)]
    knobs: KnobArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

/// What only the explorer and the playground use; accepted before or after any command.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Explorer")]
struct UiArgs {
    /// Capture the mouse (wheel scrolls, click selects).
    #[arg(long, global = true, overrides_with = "no_mouse")]
    mouse: bool,
    /// Leave the mouse to the terminal (its own text selection), whatever the settings say.
    #[arg(long, global = true, overrides_with = "mouse")]
    no_mouse: bool,
    /// Where copies go: auto, osc52, tmux, none, or command:<program and args> [default: auto].
    #[arg(long, global = true, value_parser = parse_clipboard)]
    clipboard: Option<Setting>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Replay a scenario under one mode and print payloads, verdicts and clusters.
    Run(scenario_cmds::RunArgs),
    /// Verify each scenario's `expect`; exit 1 on any mismatch. Knobs given override every run.
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
    /// Print the effective settings (flags, the settings file, defaults) and where each comes from.
    Config,
    /// Print a shell completion script: `idscope completions bash > ~/.local/share/bash-completion/completions/idscope`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `idscope man | man -l -`.
    Man {
        /// A command's own page (e.g. resolve) instead of idscope's.
        command: Option<String>,
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
            "\n  {:<12} {} — {}",
            p.name(),
            p.label(),
            p.evidence()
        ));
    }
    s
}

/// The command definitions, for completions, the manual and tests.
fn command() -> clap::Command {
    Cli::command().long_version(long_version())
}

pub fn main() -> i32 {
    let parsed = command()
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
    if let (Some(path), Some(_)) = (&cli.path, &cli.command) {
        eprintln!(
            "error: {} and a command cannot go together: give the file to the command (a file named like a command: ./NAME)",
            idscope_core::text::visible(&idscope_core::text::path_text(path))
        );
        return EXIT_INVALID;
    }
    // Commands that take nothing from the settings work even when the file is broken.
    let uses_settings = !matches!(
        cli.command,
        Some(
            Command::Completions { .. }
                | Command::Man { .. }
                | Command::Schema
                | Command::Validate { .. }
                | Command::Gen(_)
        )
    );
    let settings = if uses_settings {
        match Settings::load() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}", idscope_core::text::visible(&e));
                return EXIT_INVALID;
            }
        }
    } else {
        Settings::defaults(None)
    };
    ignored_flags_note(&cli.command, &cli.ui, &cli.knobs);
    let ctx = Context {
        knobs: cli.knobs,
        settings,
    };
    match cli.command {
        Some(Command::Run(args)) => scenario_cmds::run(args, &ctx),
        Some(Command::Check { paths }) => scenario_cmds::check(&paths, &ctx),
        Some(Command::Validate { paths }) => scenario_cmds::validate(&paths),
        Some(Command::Schema) => scenario_cmds::schema(),
        Some(Command::Export(args)) => scenario_cmds::export(args, &ctx),
        Some(Command::Resolve(args)) => export_cmds::resolve(args, &ctx),
        Some(Command::Diff(args)) => diff_cmd::diff(args, &ctx),
        Some(Command::Gen(args)) => export_cmds::gen(args),
        Some(Command::ExportUser(args)) => user_cmd::export_user(args, &ctx),
        Some(Command::Config) => config(cli.ui, ctx),
        Some(Command::Completions { shell }) => completions(shell),
        Some(Command::Man { command }) => man(command.as_deref()),
        Some(Command::New) => new_scenario(explore_options(cli.ui, ctx)),
        None => explore(cli.path, explore_options(cli.ui, ctx)),
    }
}

/// Global flags are accepted everywhere, but say so where one changes nothing (`gen
/// --max-cluster 3`), rather than ignore it silently.
fn ignored_flags_note(command: &Option<Command>, ui: &UiArgs, knobs: &KnobArgs) {
    let Some(command) = command else { return };
    let name = command_name(command);
    let resolves = matches!(
        command,
        Command::Run(_)
            | Command::Check { .. }
            | Command::Export(_)
            | Command::Resolve(_)
            | Command::Diff(_)
            | Command::ExportUser(_)
            | Command::New
            | Command::Config
    );
    let given = knobs.given();
    if !resolves && !given.is_empty() {
        eprintln!("note: {given} changes nothing for `{name}`: it runs no resolver");
    }
    let explores = matches!(command, Command::New | Command::Config);
    let mut flags = Vec::new();
    if ui.mouse {
        flags.push("--mouse");
    }
    if ui.no_mouse {
        flags.push("--no-mouse");
    }
    if ui.clipboard.is_some() {
        flags.push("--clipboard");
    }
    if !explores && !flags.is_empty() {
        eprintln!(
            "note: {} changes nothing for `{name}`: only the explorer uses it",
            flags.join(" ")
        );
    }
}

/// The command as typed.
fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Run(_) => "run",
        Command::Check { .. } => "check",
        Command::Export(_) => "export",
        Command::Resolve(_) => "resolve",
        Command::Diff(_) => "diff",
        Command::Gen(_) => "gen",
        Command::ExportUser(_) => "export-user",
        Command::New => "new",
        Command::Schema => "schema",
        Command::Validate { .. } => "validate",
        Command::Config => "config",
        Command::Completions { .. } => "completions",
        Command::Man { .. } => "man",
    }
}

/// The settings with the flags given put over them.
fn effective(ui: UiArgs, mut settings: Settings) -> Settings {
    settings.clipboard.flag("--clipboard", ui.clipboard);
    settings.mouse.flag("--mouse", ui.mouse.then_some(true));
    settings
        .mouse
        .flag("--no-mouse", ui.no_mouse.then_some(false));
    settings
}

fn config(ui: UiArgs, ctx: Context) -> i32 {
    let settings = effective(ui, ctx.settings);
    let mut text = settings.describe();
    let knobs = ctx.knobs.given();
    if !knobs.is_empty() {
        text.push_str(&format!("# knobs given: {knobs}\n"));
    }
    common::write_stdout(&text)
}

fn completions(shell: clap_complete::Shell) -> i32 {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "idscope", &mut out);
    common::write_stdout(&String::from_utf8_lossy(&out))
}

fn man(name: Option<&str>) -> i32 {
    let mut cmd = command();
    cmd.build();
    let page = match name {
        None => cmd,
        Some(n) => match cmd.find_subcommand(n) {
            Some(sub) => sub.clone().name(format!("idscope-{n}")),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                eprintln!(
                    "error: no command {}: expected one of {}",
                    idscope_core::text::visible(n),
                    names.join(", ")
                );
                return EXIT_INVALID;
            }
        },
    };
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(page).render(&mut out) {
        eprintln!("error: cannot render the manual: {e}");
        return EXIT_INVALID;
    }
    common::write_stdout(&String::from_utf8_lossy(&out))
}

fn explore_options(ui: UiArgs, ctx: Context) -> ExploreOptions {
    let knobs = ctx.knobs.knobs();
    let s = effective(ui, ctx.settings);
    ExploreOptions {
        mouse: s.mouse.value,
        clipboard: s.clipboard.value,
        knobs,
        mono: s.theme.value.mono(),
        mode: s.mode.value,
        playbook: s.playbook.value,
    }
}

#[cfg(feature = "tui")]
use idscope::tui::ExploreOptions;

/// Without the explorer the options are read and validated all the same.
#[cfg(not(feature = "tui"))]
#[allow(dead_code)]
struct ExploreOptions {
    mouse: bool,
    clipboard: Setting,
    knobs: idscope_core::model::Knobs,
    mono: bool,
    mode: Option<idscope_core::model::Mode>,
    playbook: Option<idscope_core::model::Mode>,
}

#[cfg(feature = "tui")]
fn explore(path: Option<PathBuf>, opts: ExploreOptions) -> i32 {
    idscope::tui::explore(path.as_deref(), opts)
}

#[cfg(feature = "tui")]
fn new_scenario(opts: ExploreOptions) -> i32 {
    idscope::tui::new_scenario(opts)
}

#[cfg(not(feature = "tui"))]
fn new_scenario(_opts: ExploreOptions) -> i32 {
    eprintln!(
        "This idscope was built without the `tui` feature, so the playground is not available."
    );
    EXIT_INVALID
}

#[cfg(not(feature = "tui"))]
fn explore(path: Option<PathBuf>, _opts: ExploreOptions) -> i32 {
    let path = path.unwrap_or_else(|| PathBuf::from("scenarios"));
    eprintln!(
        "This idscope was built without the `tui` feature, so the explorer is not available. Try:\n  idscope run {} --mode simplified --format table",
        idscope_core::text::visible(&path.display().to_string())
    );
    EXIT_INVALID
}
