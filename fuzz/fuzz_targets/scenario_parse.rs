//! Any bytes through the scenario parser, and valid scenarios through every mode: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(scenario) = idscope_core::scenario::parse(text, "fuzz.json") {
        if scenario.steps.len() > 2_000 {
            return;
        }
        for mode in idscope_core::model::Mode::ALL {
            let run = idscope_core::run::Run::new(&scenario, idscope_core::run::RunConfig::new(mode));
            let _ = idscope_core::output::run_table(&run, run.steps.len());
            let _ = idscope_core::output::run_json(&run, run.steps.len());
        }
    }
});
