//! The commands on scenario files: `run`, `export`, `check`, `validate`, `schema`.

use super::common::Syntax;
use super::common::{
    choice, load_or_report, report, write_out, write_stdout, Context, EXIT_CHECK_FAILED,
    EXIT_INVALID, EXIT_OK,
};
use clap::Args;
use idscope_core::export::{Format as ExportFormat, Region, Scope};
use idscope_core::ids::IdSource;
use idscope_core::load::{expand_paths, load_file};
use idscope_core::model::Mode;
use idscope_core::output::Format;
use idscope_core::run::Run;
use idscope_core::text::visible;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file.
    file: PathBuf,
    /// The project's identity mode [default: `mode` in the settings file].
    #[arg(long, value_parser = choice::<Mode>())]
    mode: Option<Mode>,
    /// The mode the tracking code was written for [default: the settings file's, else --mode].
    #[arg(long, value_parser = choice::<Mode>())]
    playbook: Option<Mode>,
    /// Stop after this step (1-based).
    #[arg(long, value_name = "STEP")]
    until: Option<usize>,
    /// json: the whole run, for scripts; table: for reading.
    #[arg(long, default_value = "json", value_parser = choice::<Format>())]
    format: Format,
    /// Truly random device ids and $insert_ids instead of deterministic ones.
    #[arg(long)]
    random_ids: bool,
    #[command(flatten)]
    clock: ClockArgs,
}

/// What a run's payloads carry that a real project needs to differ: its token and its clock.
#[derive(Args, Debug)]
pub struct ClockArgs {
    /// Shift the run's clock so its last step happens at WHEN: now, unix seconds or RFC 3339
    /// (2026-11-30T12:00:00Z); steps keep their spacing [default: the scenario's `start`].
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    time: Option<i64>,
    /// The project token in /track and /engage payloads and in js/python code [default: the
    /// variable named by `token_variable` in the settings ($MIXPANEL_TOKEN), else the scenario's
    /// token, "demo-token" unless it sets one].
    #[arg(long)]
    token: Option<String>,
}

impl ClockArgs {
    /// Puts the token and the clock into the scenario before it runs.
    fn apply(&self, scenario: &mut idscope_core::Scenario, ctx: &Context) {
        if let Some(end) = self.time {
            idscope_core::scenario::end_at(scenario, end);
        }
        let var = &ctx.settings.token_variable.value;
        let from_env = std::env::var(var).ok().filter(|t| !t.is_empty());
        if let Some(token) = self.token.clone().or(from_env) {
            scenario.token = token;
        }
    }
}

/// `--time`: `now`, unix seconds, or RFC 3339.
fn parse_when(s: &str) -> Result<i64, String> {
    if s == "now" {
        return Ok(now_seconds());
    }
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    idscope_core::scenario::parse_start(s)
        .ok_or_else(|| "expected now, unix seconds or RFC 3339 (2026-11-30T12:00:00Z)".to_string())
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The scenario file.
    file: PathBuf,
    /// The project's identity mode [default: `mode` in the settings file].
    #[arg(long, value_parser = choice::<Mode>())]
    mode: Option<Mode>,
    /// The mode the tracking code was written for [default: the settings file's, else --mode].
    #[arg(long, value_parser = choice::<Mode>())]
    playbook: Option<Mode>,
    /// What to write.
    #[arg(long, value_parser = choice::<ExportFormat>())]
    format: ExportFormat,
    /// event:N.k (the k-th payload of step N, as the explorer numbers them), event:N (0-based
    /// index in the run JSON), step:N, until:N or all.
    #[arg(long, default_value = "all", value_parser = parse_scope)]
    scope: Scope,
    /// Write to this file (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long, requires = "out")]
    force: bool,
    /// Data residency region: picks the API host.
    #[arg(long, default_value = "us", value_parser = choice::<Region>())]
    region: Region,
    /// Project id for /import URLs [default: the $MIXPANEL_PROJECT_ID shell variable].
    #[arg(long, value_name = "ID")]
    project_id: Option<String>,
    /// Leave out what the format's endpoint would refuse or drop (/import: events failing
    /// validation; /track: $merge, events older than 5 days; under Simplified: $identify,
    /// $create_alias, $merge); a warning says how many.
    #[arg(long)]
    drop_refused: bool,
    #[command(flatten)]
    clock: ClockArgs,
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    Scope::parse(s).ok_or_else(|| "expected event:N.k, event:N, step:N, until:N or all".to_string())
}

pub fn run(args: RunArgs, ctx: &Context) -> i32 {
    let Some(config) = ctx.config(args.mode, args.playbook) else {
        return EXIT_INVALID;
    };
    let Some(mut scenario) = load_or_report(&args.file) else {
        return EXIT_INVALID;
    };
    args.clock.apply(&mut scenario, ctx);
    let total = scenario.steps.len();
    let until = match args.until {
        None => total,
        Some(k) if k <= total => k,
        Some(k) => {
            eprintln!(
                "error: --until {k} is past the last step of {} ({total} steps)",
                visible(&args.file.display().to_string())
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
            match idscope_core::output::write_run_json(
                &run,
                until,
                super::common::stdout(Syntax::Json),
            ) {
                Ok(()) => EXIT_OK,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
                Err(e) => {
                    eprintln!("error: cannot write output: {e}");
                    EXIT_INVALID
                }
            }
        }
        Format::Table => write_stdout(&idscope_core::output::run_table(&run, until)),
    }
}

pub fn export(args: ExportArgs, ctx: &Context) -> i32 {
    let Some(config) = ctx.config(args.mode, args.playbook) else {
        return EXIT_INVALID;
    };
    let Some(mut scenario) = load_or_report(&args.file) else {
        return EXIT_INVALID;
    };
    args.clock.apply(&mut scenario, ctx);
    let run = Run::new(&scenario, config);
    let opts = idscope_core::export::Options {
        format: args.format,
        scope: args.scope,
        region: args.region,
        project_id: args.project_id,
        now: Some(now_seconds() as f64),
        drop_refused: args.drop_refused,
        token_note: true,
        token_variable: Some(ctx.settings.token_variable.value.clone()),
    };
    let export = match idscope_core::export::export(&run, &scenario, &opts) {
        Ok(x) => x,
        Err(e) => {
            eprintln!(
                "error: {}: {}",
                visible(&args.file.display().to_string()),
                visible(&e)
            );
            return EXIT_INVALID;
        }
    };
    for w in &export.warnings {
        eprintln!("warning: {}", visible(w));
    }
    match args.out {
        // On a terminal, escapes in the JSON the formats carry stay valid JSON.
        None => super::common::write_stdout_as(
            &export.text,
            match opts.format {
                ExportFormat::MappingCsv | ExportFormat::Mermaid | ExportFormat::Dot => {
                    Syntax::Text
                }
                _ => Syntax::Json,
            },
        ),
        Some(path) => {
            if !write_out(&args.file, &path, export.text.as_bytes(), args.force) {
                return EXIT_INVALID;
            }
            eprintln!(
                "wrote {} ({} bytes, {} item{})",
                visible(&path.display().to_string()),
                export.text.len(),
                export.items,
                if export.items == 1 { "" } else { "s" }
            );
            EXIT_OK
        }
    }
}

pub fn schema() -> i32 {
    if idscope::bundled::SCHEMA.is_empty() {
        eprintln!("error: this build has no scenario schema");
        return EXIT_INVALID;
    }
    let mut text = idscope::bundled::SCHEMA.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    super::common::write_stdout_json(&text)
}

pub fn validate(paths: &[PathBuf]) -> i32 {
    let mut code = EXIT_OK;
    let mut out = String::new();
    for item in expand_paths(paths) {
        match item.and_then(|p| load_file(&p).map(|s| (p, s))) {
            Ok((p, s)) => out.push_str(&format!(
                "ok  {}  ({})\n",
                visible(&p.display().to_string()),
                idscope_core::text::count(s.steps.len() as u64, "step", "steps")
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

pub fn check(paths: &[PathBuf], ctx: &Context) -> i32 {
    let mut invalid = false;
    let mut failed = 0usize;
    let mut passed = 0usize;
    let mut out = String::new();
    let given = ctx.knobs.given();
    if !given.is_empty() {
        out.push_str(&format!("knobs {given} in every run\n"));
    }
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
        let results = idscope_core::check::check_with(&scenario, |c| {
            c.knobs = ctx.knobs.over(c.knobs);
        });
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
