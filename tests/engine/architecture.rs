//! The layout ARCHITECTURE.md promises, checked: the engine crate depends on no terminal,
//! CLI, progress-bar or allocator crate, and its top-level modules form no cycle (data flows
//! one way).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn core_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/idscope-core")
}

#[test]
fn the_engine_crate_has_no_terminal_cli_progress_or_allocator_dependency() {
    let manifest = std::fs::read_to_string(core_dir().join("Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("a [dependencies] table");
    for banned in [
        "ratatui",
        "crossterm",
        "clap",
        "indicatif",
        "mimalloc",
        "color-eyre",
    ] {
        assert!(
            !deps.contains(banned),
            "idscope-core depends on {banned}:\n{deps}"
        );
    }
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The engine's top-level modules and the ones each refers to (`crate::m`).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = core_dir().join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" {
            continue;
        }
        // Code only: a doc link to another module is not a dependency.
        let text: String = std::fs::read_to_string(&f)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let uses = graph.entry(module.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // Only modules (lowercase); `crate::Scenario` and the like are re-exports.
            if name.starts_with(|c: char| c.is_ascii_lowercase()) && name != module {
                uses.insert(name);
            }
        }
    }
    graph
}

#[test]
fn the_engine_modules_form_no_cycle() {
    let graph = module_graph();
    assert!(graph.len() >= 15, "found the modules: {graph:?}");
    // Depth-first search for a back edge, reporting the cycle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(i) = path.iter().position(|p| *p == m) {
            panic!("module cycle: {} → {m}", path[i..].join(" → "));
        }
        path.push(m);
        for next in graph.get(m).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
}
