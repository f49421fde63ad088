//! The commands on scenario files: `run`, `export`, `check`, `validate`, `schema`.

use super::common::Syntax;
use super::common::{
    choice, load_or_report, report, write_out, write_stdout, KnobArgs, EXIT_CHECK_FAILED,
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
    /// The project's identity mode.
    #[arg(long, value_parser = choice::<Mode>())]
    mode: Mode,
    /// The mode the tracking code was written for (default: --mode).
    #[arg(long, value_parser = choice::<Mode>())]
    playbook: Option<Mode>,
    /// Stop after this step (1-based).
    #[arg(long, value_name = "STEP")]
    until: Option<usize>,
    #[arg(long, default_value = "json", value_parser = choice::<Format>())]
    format: Format,
    #[command(flatten)]
    knobs: KnobArgs,
    /// Truly random device ids and $insert_ids instead of deterministic ones.
    #[arg(long)]
    random_ids: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The scenario file.
    file: PathBuf,
    /// The project's identity mode.
    #[arg(long, value_parser = choice::<Mode>())]
    mode: Mode,
    /// The mode the tracking code was written for (default: --mode).
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
    /// Project id for /import URLs (default: the $MIXPANEL_PROJECT_ID shell variable).
    #[arg(long)]
    project_id: Option<String>,
    #[command(flatten)]
    knobs: KnobArgs,
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    Scope::parse(s).ok_or_else(|| "expected event:N.k, event:N, step:N, until:N or all".to_string())
}

pub fn run(args: RunArgs) -> i32 {
    let Some(scenario) = load_or_report(&args.file) else {
        return EXIT_INVALID;
    };
    let config = args.knobs.config(args.mode, args.playbook);
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

pub fn export(args: ExportArgs) -> i32 {
    let Some(scenario) = load_or_report(&args.file) else {
        return EXIT_INVALID;
    };
    let config = args.knobs.config(args.mode, args.playbook);
    let run = Run::new(&scenario, config);
    let opts = idscope_core::export::Options {
        format: args.format,
        scope: args.scope,
        region: args.region,
        project_id: args.project_id,
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

pub fn check(paths: &[PathBuf]) -> i32 {
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
        let results = idscope_core::check::check(&scenario);
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
