//! The scenarios shipped inside the binary (generated from `scenarios/` by `build.rs`).

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// Parses every bundled scenario; the file name stands for the path in errors.
pub fn scenarios() -> Vec<Result<idscope_core::Scenario, idscope_core::scenario::LoadError>> {
    BUNDLED
        .iter()
        .map(|(name, text)| idscope_core::scenario::parse(text, &format!("scenarios/{name}")))
        .collect()
}
