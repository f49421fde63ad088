//! What every command shares: exit codes, the knob flags, value lists built from the
//! engine's [`Choice`] types, and writing to stdout.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::Args;
use idscope_core::load::load_file;
use idscope_core::model::{Choice, GuidCheck, Knobs, MissingDistinctId, Mode, RunConfig};
use idscope_core::scenario::LoadError;
use idscope_core::text::visible;
use std::io::Write;

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

/// The rule book's **[choice]**s as flags.
#[derive(Args, Debug, Clone)]
pub struct KnobArgs {
    /// O-LIMIT: the largest cluster an Original merge may produce.
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    max_cluster: u32,
    /// O-ID check 2: what counts as a GUID-shaped $anon_id.
    #[arg(long, default_value = "lenient", value_parser = choice::<GuidCheck>())]
    guid_check: GuidCheck,
    /// S-IGNORE: let the JS $identify event link $device_id and $user_id under Simplified.
    #[arg(long)]
    identify_links: bool,
    /// G-MISSING: what /import does with an event that has no distinct_id.
    #[arg(long, default_value = "reject", value_parser = choice::<MissingDistinctId>())]
    missing_distinct_id: MissingDistinctId,
}

impl KnobArgs {
    pub fn knobs(&self) -> Knobs {
        Knobs {
            max_cluster: self.max_cluster,
            guid_check: self.guid_check,
            identify_links: self.identify_links,
            missing_distinct_id: self.missing_distinct_id,
        }
    }

    pub fn config(&self, mode: Mode, playbook: Option<Mode>) -> RunConfig {
        RunConfig {
            mode,
            playbook,
            knobs: self.knobs(),
        }
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
