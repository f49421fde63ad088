//! Embeds every bundled scenario (`scenarios/*.json`, not the schema) in the binary, so an
//! installed idscope has them without the source tree.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".json") && !n.ends_with(".schema.json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from("/// (file name, contents) of every bundled scenario, sorted by name.\npub const BUNDLED: &[(&str, &str)] = &[\n");
    for f in &files {
        let path = dir.join(f);
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            out,
            "    ({f:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let schema = dir.join("scenario.schema.json");
    println!("cargo:rerun-if-changed={}", schema.display());
    if schema.exists() {
        writeln!(out, "/// The JSON Schema of the scenario format.\npub const SCHEMA: &str = include_str!({:?});", schema.display().to_string()).unwrap();
    } else {
        out.push_str("/// The JSON Schema of the scenario format (missing from this build).\npub const SCHEMA: &str = \"\";\n");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("bundled.rs");
    std::fs::write(dest, out).unwrap();
}
