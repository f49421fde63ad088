//! The README is part of the interface: its Commands section lists exactly the commands and
//! flags `--help` has, its examples run as written, and the Rust it asks for builds every
//! locked dependency.

use crate::common::{idscope, isolated};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

/// The text of the README section `## title`, up to the next `## `.
fn section(readme: &str, title: &str) -> String {
    let start = readme
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("README has a `## {title}` section"));
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

/// The `--flags` a help text lists (its option lines, not its prose).
fn help_flags(help: &str) -> BTreeSet<String> {
    help.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("-h, ").unwrap_or(l);
            let l = l.strip_prefix("-V, ").unwrap_or(l);
            let flag = l.strip_prefix("--")?;
            let name: String = flag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (!name.is_empty()).then(|| format!("--{name}"))
        })
        .collect()
}

/// The commands `idscope --help` lists.
fn help_commands() -> Vec<String> {
    let (code, help, _) = idscope(&["--help"], None);
    assert_eq!(code, 0);
    let list = help
        .split("Commands:\n")
        .nth(1)
        .expect("--help lists commands");
    list.lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

/// `--flag` tokens in a text.
fn flags_in(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("--") {
        let before = rest[..i].chars().last();
        let after: String = rest[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        if !after.is_empty() && !before.is_some_and(|c| c.is_alphanumeric() || c == '-') {
            out.insert(format!("--{}", after.trim_end_matches('-')));
        }
        rest = &rest[i + 2..];
    }
    out
}

#[test]
fn every_command_and_flag_in_help_is_in_the_readme_commands_section_and_back() {
    let commands = section(&readme(), "Commands");
    let names = help_commands();
    assert!(names.len() >= 10, "{names:?}");
    let mut all_flags = BTreeSet::new();
    let (_, top, _) = idscope(&["--help"], None);
    all_flags.extend(help_flags(&top));
    let mut missing = Vec::new();
    for name in &names {
        if !commands.contains(&format!("idscope {name}")) {
            missing.push(format!("command `idscope {name}`"));
        }
        let (code, help, err) = idscope(&[name.as_str(), "--help"], None);
        assert_eq!(code, 0, "{name} --help: {err}");
        all_flags.extend(help_flags(&help));
    }
    all_flags.remove("--help");
    all_flags.remove("--version");
    let readme_flags = flags_in(&commands);
    for flag in &all_flags {
        if !readme_flags.contains(flag) {
            missing.push(format!("flag {flag}"));
        }
    }
    assert!(
        missing.is_empty(),
        "--help has these but README's Commands section does not: {missing:?}"
    );
    let unknown: Vec<&String> = readme_flags.difference(&all_flags).collect();
    assert!(
        unknown.is_empty(),
        "README's Commands section names flags no command has: {unknown:?}"
    );
    // And every `idscope WORD` in its synopsis is a command (or a path to open).
    for line in commands.lines().filter(|l| l.starts_with("idscope ")) {
        let word = line.split_whitespace().nth(1).unwrap_or("");
        let is_path_or_placeholder = word.starts_with('[')
            || word.starts_with('-')
            || word.contains(['.', '/'])
            || word.chars().any(|c| c.is_ascii_uppercase());
        assert!(
            is_path_or_placeholder || names.iter().any(|n| n == word),
            "README's Commands section shows `idscope {word}`, which is no command"
        );
    }
}

/// The README's ```sh blocks, as one script each.
fn sh_blocks(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = readme;
    while let Some(i) = rest.find("```sh\n") {
        let body = &rest[i + 6..];
        let end = body.find("```").expect("a closed ```sh block");
        blocks.push(body[..end].to_string());
        rest = &body[end..];
    }
    blocks
}

#[test]
fn the_readme_examples_run_as_written() {
    let blocks = sh_blocks(&readme());
    assert!(!blocks.is_empty(), "README has ```sh examples");
    let bin = Path::new(env!("CARGO_BIN_EXE_idscope"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    for (k, block) in blocks.iter().enumerate() {
        // A clean directory holding the project's scenarios, as after a clone.
        let dir = crate::common::temp_dir(&format!("readme-{k}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(root.join("scenarios"), dir.join("scenarios")).unwrap();
        let out = isolated(Command::new("bash"))
            .arg("-euo")
            .arg("pipefail")
            .arg("-c")
            .arg(block)
            .current_dir(&dir)
            .env("PATH", &path)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "README example failed:\n{block}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `rust-version` is the highest any locked dependency declares: an older toolchain would
/// fail in the middle of the build with an error about a dependency, not about idscope.
#[test]
fn rust_version_is_the_highest_of_the_locked_dependencies() {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let in_tree: BTreeSet<&str> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    let version = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    let mut highest: Option<(Vec<u32>, String)> = None;
    let mut ours = Vec::new();
    for p in meta["packages"].as_array().unwrap() {
        let Some(rv) = p["rust_version"].as_str() else {
            continue;
        };
        let name = p["name"].as_str().unwrap();
        if name.starts_with("idscope") {
            ours.push((name.to_string(), rv.to_string()));
            continue;
        }
        if !in_tree.contains(p["id"].as_str().unwrap()) {
            continue;
        }
        let v = version(rv);
        if highest.as_ref().is_none_or(|(h, _)| v > *h) {
            highest = Some((v, format!("{name} {} needs {rv}", p["version"])));
        }
    }
    let (highest, why) = highest.expect("dependencies declare rust-version");
    assert_eq!(ours.len(), 2, "{ours:?}");
    for (name, rv) in ours {
        let mut v = version(&rv);
        v.resize(3, 0);
        let mut h = highest.clone();
        h.resize(3, 0);
        assert_eq!(v, h, "{name} says rust-version {rv}, but {why}");
    }
    assert!(
        readme().contains(&format!("Rust {}.{} or newer", highest[0], highest[1])),
        "README names the Rust version ({why})"
    );
}
