//! Golden snapshots of `idscope run --format json` for every bundled scenario under every
//! mode (`tests/snapshots/golden__<file-stem>__<mode>.snap`). Each snapshot was read and
//! checked against the rule book before it was accepted; CI runs with `INSTA_UPDATE=no`, so a
//! changed output fails until someone reviews the new snapshot.

use idscope_core::model::Mode;
use idscope_core::output::run_json;
use idscope_core::run::{Run, RunConfig};

/// The text `idscope run FILE --mode MODE --format json` prints.
fn run_output(text: &str, file: &str, mode: Mode) -> String {
    let scenario = idscope_core::scenario::parse(text, file)
        .unwrap_or_else(|e| panic!("bundled scenario does not parse: {e}"));
    let run = Run::new(&scenario, RunConfig::new(mode));
    let mut out = serde_json::to_string_pretty(&run_json(&run, run.steps.len())).unwrap();
    out.push('\n');
    out
}

#[test]
fn golden_run_json_of_every_bundled_scenario_in_every_mode() {
    assert!(
        !idscope::bundled::BUNDLED.is_empty(),
        "no bundled scenarios: the golden tests would check nothing"
    );
    for (name, text) in idscope::bundled::BUNDLED {
        let stem = name.strip_suffix(".json").unwrap_or(name);
        for mode in Mode::ALL {
            let out = run_output(text, &format!("scenarios/{name}"), mode);
            insta::assert_snapshot!(format!("{stem}__{}", mode.as_str()), out);
        }
    }
}

#[test]
fn golden_output_matches_the_binary() {
    // The snapshots are of the library's JSON; this pins that it is what the CLI prints.
    let (name, text) = idscope::bundled::BUNDLED
        .first()
        .expect("at least one bundled scenario");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    for mode in Mode::ALL {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_idscope"))
            .args(["run", &path.display().to_string(), "--mode", mode.as_str()])
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            run_output(text, &format!("scenarios/{name}"), mode)
        );
    }
}
