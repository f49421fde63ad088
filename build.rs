//! Embeds every bundled scenario (`scenarios/*.json`, not the schema) in the binary, so an
//! installed idscope has them without the source tree.
//!
//! Also: some tests need a program — the end-to-end tests drive the real binary in tmux, the
//! DOT export tests parse with Graphviz's `dot`. Where one is missing its tests are marked
//! ignored (`cargo test` lists them as ignored, not passed; cfg `no_tmux`, `no_dot`), except
//! under CI (`CI` set), where they run and fail: a CI machine without them must not look green.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    bundle_scenarios();
    mark_tests_needing("tmux", "tmux");
    mark_tests_needing("dot", "graphviz");
}

fn bundle_scenarios() {
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

/// Sets cfg `no_PROGRAM` where `program` is not on PATH and CI is not set.
fn mark_tests_needing(program: &str, package: &str) {
    println!("cargo::rustc-check-cfg=cfg(no_{program})");
    println!("cargo::rerun-if-env-changed=CI");
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    match find(program) {
        // Removed later: look again.
        Some(path) => println!("cargo::rerun-if-changed={}", path.display()),
        None => {
            // Installed later: the PATH directories change, and this runs again.
            for dir in path_dirs() {
                println!("cargo::rerun-if-changed={}", dir.display());
            }
            if !ci {
                println!(
                    "cargo::warning={program} not found: the tests that need it are ignored (apt-get install {package})"
                );
                println!("cargo::rustc-cfg=no_{program}");
            }
        }
    }
}

fn path_dirs() -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).filter(|d| d.is_dir()).collect())
        .unwrap_or_default()
}

fn find(program: &str) -> Option<PathBuf> {
    path_dirs()
        .into_iter()
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}
