//! Issue 16 item 4: `idscope export-user` writes one user of a real export as a scenario
//! file. What makes it trustworthy: replaying the file in the same mode gives the user the
//! cluster the export gives them, and every step says which line it came from.

use crate::common;
use idscope_core::export_index::{self, Index, Resolution, Source, Suspect};
use idscope_core::model::{Effect, Knobs, Mode};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::OnceLock;

/// `idscope gen --events 3000 --seed 7`, written once by the binary for every test here.
fn export() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let path = common::temp_dir("export-user").join("export.jsonl");
        let (code, _, err) = common::idscope(
            &[
                "gen",
                "--events",
                "3000",
                "--seed",
                "7",
                "--out",
                path.to_str().unwrap(),
                "--force",
            ],
            None,
        );
        assert_eq!(code, 0, "{err}");
        path
    })
}

fn resolved(mode: Mode) -> (Source, Index, Resolution) {
    let source = Source::open(export()).unwrap();
    let (index, r) =
        export_index::index(&source, mode, Knobs::default(), &AtomicU64::new(0)).unwrap();
    (source, index, r)
}

fn members(r: &Resolution, u: usize) -> BTreeSet<String> {
    r.users[u]
        .members
        .iter()
        .map(|&m| r.name(m).to_string())
        .collect()
}

/// An id that names user `u` for `--id` (its label, checked to lead back to it).
fn id_of(r: &Resolution, u: usize) -> String {
    let id = r.label(u).to_string();
    assert_eq!(r.user_of_name(&id), Some(u), "{id}");
    id
}

/// The users worth looking at in `mode`: the largest cluster, the first with a failed
/// merge, the first phantom (when the mode has them).
fn picks(r: &Resolution) -> Vec<(&'static str, usize)> {
    let mut out = vec![("largest", 0)];
    if let Some(u) = (0..r.users.len()).find(|&u| r.marks(u).has_effect(Effect::Failed)) {
        out.push(("failed merge", u));
    }
    if let Some(u) = (0..r.users.len()).find(|&u| r.marks(u).is(Suspect::Phantom)) {
        out.push(("phantom", u));
    }
    out
}

fn cli(args: &[&str]) -> (i32, String, String) {
    common::idscope(args, None)
}

fn out_path(name: &str) -> PathBuf {
    let p = common::temp_dir("export-user").join(name);
    let _ = std::fs::remove_file(&p);
    p
}

/// The user's cluster in `run --format json` output: the one whose canonical id is the
/// export's (Legacy may also list it as an orphan user of its own), else the one holding it.
fn replayed_cluster(run: &serde_json::Value, canonical: &str) -> BTreeSet<String> {
    let clusters = run["clusters"].as_array().expect("clusters");
    let set = |c: &serde_json::Value| -> BTreeSet<String> {
        c["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_string())
            .collect()
    };
    clusters
        .iter()
        .find(|c| c["canonical"] == canonical)
        .or_else(|| clusters.iter().find(|c| set(c).contains(canonical)))
        .map(set)
        .unwrap_or_default()
}

/// S-LINK, O-ID, L-ALIAS: through the command line, the largest user, one with a failed
/// merge and a phantom in each mode come back from `run` with the export's cluster; the
/// file validates and each step's note names the line its payload is.
#[test]
fn s_link_o_id_exported_users_replay_to_their_export_cluster_in_every_mode() {
    let lines: Vec<String> = std::fs::read_to_string(export())
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut checked = Vec::new();
    for mode in Mode::ALL {
        let (_, _, r) = resolved(mode);
        let picks = picks(&r);
        if mode != Mode::Legacy {
            assert!(
                picks.iter().any(|(k, _)| *k == "failed merge"),
                "{mode}: gen makes failed merges"
            );
        }
        if mode == Mode::Simplified {
            assert!(picks.iter().any(|(k, _)| *k == "phantom"), "{mode}");
        }
        for (kind, u) in picks {
            let id = id_of(&r, u);
            let file = out_path(&format!("{mode}-{u}.json"));
            let (code, out, err) = cli(&[
                "export-user",
                export().to_str().unwrap(),
                "--id",
                &id,
                "--mode",
                mode.as_str(),
                "--out",
                file.to_str().unwrap(),
            ]);
            assert_eq!(code, 0, "{mode} {kind} {id}: {err}");
            assert!(out.is_empty(), "the file gets the scenario");
            assert!(
                err.contains("the user's cluster is the export's"),
                "{mode} {kind}: {err}"
            );
            let (code, out, err) = cli(&["validate", file.to_str().unwrap()]);
            assert_eq!(code, 0, "{out}{err}");
            let (code, out, err) = cli(&[
                "run",
                file.to_str().unwrap(),
                "--mode",
                mode.as_str(),
                "--format",
                "json",
            ]);
            assert_eq!(code, 0, "{err}");
            let run: serde_json::Value = serde_json::from_str(&out).unwrap();
            let canonical = r.name(r.users[u].canonical);
            assert_eq!(
                replayed_cluster(&run, canonical),
                members(&r, u),
                "{mode} {kind} user {id}"
            );
            // Every step's note names its line, and the payload is that line's object.
            let scenario: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            for step in scenario["steps"].as_array().unwrap() {
                let note = step["note"].as_str().unwrap();
                let n: usize = note
                    .strip_prefix("line ")
                    .and_then(|rest| rest.split(' ').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{note}"));
                assert!(note.contains(" of export.jsonl"), "{note}");
                assert_eq!(
                    serde_json::to_string(&step["send"]).unwrap(),
                    lines[n - 1],
                    "{note}"
                );
                assert_eq!(step["endpoint"], "import");
            }
            checked.push(format!("{mode} {kind}"));
        }
    }
    assert!(checked.len() >= 7, "{checked:?}");
}

/// The property behind the command, through the engine (not the binary, to keep it quick)
/// for every user with a failed merge or a phantom id and every fifth other user, in every
/// mode: the replayed cluster is the export's.
#[test]
fn s_link_o_id_users_replay_to_their_export_cluster_through_the_engine() {
    for mode in Mode::ALL {
        let (source, index, r) = resolved(mode);
        let mut checked = 0;
        let mut differ = Vec::new();
        for u in 0..r.users.len() {
            let m = r.marks(u);
            if !(m.has_effect(Effect::Failed) || m.is(Suspect::Phantom) || u.is_multiple_of(5)) {
                continue;
            }
            checked += 1;
            let b = idscope_core::user_scenario::build(&source, &index, &r, u);
            let want: Vec<String> = members(&r, u).into_iter().collect();
            if !b.agrees() || b.cluster != want {
                differ.push(r.label(u).to_string());
            }
        }
        assert!(
            differ.is_empty(),
            "{mode}: {} users differ: {differ:?}",
            differ.len()
        );
        assert!(checked > 60, "{mode}: {checked} users checked");
    }
}

#[test]
fn an_unknown_id_names_the_file_and_the_ids_that_contain_it() {
    let (code, out, err) = cli(&[
        "export-user",
        export().to_str().unwrap(),
        "--id",
        "user_1",
        "--mode",
        "simplified",
    ]);
    // "user_1" itself is an id; "ser_1" is not, but five ids contain it.
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with('{'));
    let (code, out, err) = cli(&[
        "export-user",
        export().to_str().unwrap(),
        "--id",
        "ser_1",
        "--mode",
        "simplified",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("export.jsonl"), "{err}");
    assert!(err.contains("\"ser_1\""), "{err}");
    let suggested = err.split("did you mean ").nth(1).expect("suggestions");
    let ids: Vec<&str> = suggested
        .trim_end()
        .trim_end_matches('?')
        .split(", ")
        .collect();
    assert_eq!(ids.len(), 5, "{err}");
    assert!(ids.iter().all(|i| i.contains("ser_1")), "{err}");
    let (code, _, err) = cli(&[
        "export-user",
        export().to_str().unwrap(),
        "--id",
        "nobody-at-all",
        "--mode",
        "legacy",
    ]);
    assert_eq!(code, 2);
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn out_refuses_an_existing_file_without_force() {
    let file = out_path("existing.json");
    std::fs::write(&file, "keep me").unwrap();
    let args = |force: bool| {
        let mut a = vec![
            "export-user".to_string(),
            export().display().to_string(),
            "--id".into(),
            "user_3".into(),
            "--mode".into(),
            "original".into(),
            "--out".into(),
            file.display().to_string(),
        ];
        if force {
            a.push("--force".into());
        }
        a
    };
    let (code, _, err) = common::idscope(&args(false), None);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    let (code, _, err) = common::idscope(&args(true), None);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&file).unwrap().contains("user_3"));
}

/// G-DETERMINISM: the same export, id and mode give the same bytes, on stdout and in a file.
#[test]
fn g_determinism_the_same_input_gives_byte_identical_files() {
    let args = [
        "export-user",
        export().to_str().unwrap(),
        "--id",
        "user_2",
        "--mode",
        "simplified",
    ];
    let (_, a, _) = common::idscope_raw(&args, None);
    let (_, b, _) = common::idscope_raw(&args, None);
    assert!(!a.is_empty());
    assert_eq!(a, b);
    let file = out_path("det.json");
    let mut with_out = args.to_vec();
    with_out.extend(["--out", file.to_str().unwrap()]);
    let (code, _, err) = common::idscope(&with_out, None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), a);
}
