//! `export-user`: one user of a real export as a scenario file, so a puzzling user can be
//! opened in the explorer (`idscope FILE.json`), stepped through, switched between modes
//! and edited. The engine side is [`idscope_core::user_scenario`].

use super::common::{
    choice, refuse_same_file, write_out, write_stdout_json, Context, EXIT_INVALID, EXIT_OK,
};
use clap::Args;
use idscope_core::export_index::{self, Source};
use idscope_core::model::Mode;
use idscope_core::text::{count, quoted, visible};
use idscope_core::user_scenario;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;

/// How many ids an unknown `--id` suggests.
const SUGGESTIONS: usize = 5;

#[derive(Args, Debug)]
pub struct ExportUserArgs {
    /// Raw-export JSONL, /import NDJSON or a JSON array; gzip is detected.
    export: PathBuf,
    /// Any id of the user, exactly as in the export (a member of their cluster).
    #[arg(long)]
    id: String,
    /// The project's identity mode: it decides who the user is [default: `mode` in the settings file].
    #[arg(long, value_parser = choice::<Mode>())]
    mode: Option<Mode>,
    /// Write to this file (atomically; refuses to overwrite without --force) instead of stdout.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long, requires = "out")]
    force: bool,
}

pub fn export_user(args: ExportUserArgs, ctx: &Context) -> i32 {
    let Some(mode) = ctx.mode(args.mode) else {
        return EXIT_INVALID;
    };
    // Before the work: reading a large export only to refuse its --out is slow.
    if let Some(out) = &args.out {
        if let Err(e) = refuse_same_file(&args.export, out) {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    }
    let source = match Source::open(&args.export) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let file = visible(source.name()).into_owned();
    // Held until the scenario is written: it reads the events from the mapped file.
    let _guard = idscope::truncation::TruncationGuard::install(source.name());
    let progress = AtomicU64::new(0);
    let (index, resolution) = match export_index::index(&source, mode, ctx.knobs.knobs(), &progress)
    {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    if index.bad_count > 0 {
        eprintln!(
            "warning: {} malformed line(s) skipped in {file} (the first at line {})",
            index.bad_count,
            index.bad.first().map_or(0, |b| b.line)
        );
    }
    let Some(user) = resolution.user_of_name(&args.id) else {
        eprintln!("error: {}", unknown_id(&file, &args.id, &resolution));
        return EXIT_INVALID;
    };
    let built = user_scenario::build(&source, &index, &resolution, user);
    let text = idscope_core::save::to_json(&built.scenario);
    let code = match &args.out {
        None => write_stdout_json(&text),
        Some(path) => {
            if !write_out(&args.export, path, text.as_bytes(), args.force) {
                return EXIT_INVALID;
            }
            let shown = visible(&path.display().to_string()).into_owned();
            eprintln!("wrote {shown}; open it with: idscope {shown}");
            EXIT_OK
        }
    };
    if code == EXIT_OK {
        eprintln!("{}", summary(&built, mode));
    }
    code
}

/// What an unknown `--id` message says: the file, the id, and ids that contain it.
fn unknown_id(file: &str, id: &str, resolution: &export_index::Resolution) -> String {
    let similar = user_scenario::similar_ids(resolution, id, SUGGESTIONS);
    let mut msg = format!(
        "{file}: no user in {} mode has the id {}; expected an exact id, any member of the user's cluster",
        resolution.mode(),
        quoted(id)
    );
    if !similar.is_empty() {
        let list: Vec<String> = similar.iter().map(|s| quoted(s)).collect();
        msg.push_str(&format!("; did you mean {}?", list.join(", ")));
    }
    msg
}

/// What went into the file, and whether its replay gives the user the export's cluster.
fn summary(b: &user_scenario::UserScenario, mode: Mode) -> String {
    let steps = format!(
        "{} for user {} ({} of their own, {} naming their ids, {} for failed merges)",
        count(b.scenario.steps.len() as u64, "step", "steps"),
        visible(&b.label),
        count(b.own as u64, "event", "events"),
        count(b.naming as u64, "event", "events"),
        count(b.for_failures as u64, "event", "events"),
    );
    if b.agrees() {
        format!(
            "{steps}; replayed in {mode} mode, the user's cluster is the export's ({})",
            count(b.cluster.len() as u64, "id", "ids")
        )
    } else {
        format!(
            "{steps}\nwarning: replayed in {mode} mode, the user's cluster has {}, the export's {}: it rests on events of other users the file leaves out",
            count(b.replayed.len() as u64, "id", "ids"),
            b.cluster.len()
        )
    }
}
