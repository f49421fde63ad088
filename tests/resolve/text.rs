//! Issue 16: `resolve --format text`, the summary for a person at a terminal (the default
//! there; JSON stays the default for a pipe), with what each failure code means in the mode;
//! and inputs that are not exports at all (every line malformed) refused with exit 2.

use crate::common::tmux::{require_tmux, Tmux};
use crate::common::{idscope, temp_file};
use idscope_core::failures;
use idscope_core::model::Mode;
use std::collections::BTreeSet;

const BIN: &str = env!("CARGO_BIN_EXE_idscope");

fn temp(name: &str, data: &[u8]) -> std::path::PathBuf {
    temp_file("resolve-text", name, data)
}

/// One export that makes each mode give every failure code `resolve` can meet (all but the
/// `/track`-only and G-IMPORT ones: an export is read as `/import`, G-INVALID only).
const TROUBLE: &str = concat!(
    // O-ID: merged, then the same anon id for another user, then the limit (--max-cluster 3).
    r#"{"event":"$identify","properties":{"distinct_id":"alice","$anon_id":"a-b-c-d-e1","time":1700000000}}"#,
    "\n",
    r#"{"event":"$identify","properties":{"distinct_id":"bob","$anon_id":"a-b-c-d-e1","time":1700000001}}"#,
    "\n",
    r#"{"event":"$identify","properties":{"distinct_id":"alice","$anon_id":"a-b-c-d-e2","time":1700000002}}"#,
    "\n",
    r#"{"event":"$identify","properties":{"distinct_id":"alice","$anon_id":"a-b-c-d-e3","time":1700000003}}"#,
    "\n",
    r#"{"event":"$identify","properties":{"distinct_id":"u1","$anon_id":"u1","time":1700000004}}"#,
    "\n",
    r#"{"event":"$identify","properties":{"distinct_id":"u2","$anon_id":"not-a-uuid","time":1700000005}}"#,
    "\n",
    // O-ALIAS / L-ALIAS: an alias used twice, one without its alias, one onto itself.
    r#"{"event":"$create_alias","properties":{"distinct_id":"carol","alias":"al1","time":1700000006}}"#,
    "\n",
    r#"{"event":"$create_alias","properties":{"distinct_id":"dave","alias":"al1","time":1700000007}}"#,
    "\n",
    r#"{"event":"$create_alias","properties":{"distinct_id":"erin","time":1700000008}}"#,
    "\n",
    r#"{"event":"$create_alias","properties":{"distinct_id":"x1","alias":"x1","time":1700000009}}"#,
    "\n",
    // G-INVALID.
    r#"{"event":"Junk","properties":{"distinct_id":"undefined","time":1700000010}}"#,
    "\n",
    // S-LINK: d1 is alice's, then bob logs in on it.
    r#"{"event":"Page View","properties":{"distinct_id":"$device:d1","$device_id":"d1","time":1700000011}}"#,
    "\n",
    r#"{"event":"Sign Up","properties":{"distinct_id":"alice","$device_id":"d1","$user_id":"alice","time":1700000012}}"#,
    "\n",
    r#"{"event":"Log In","properties":{"distinct_id":"bob","$device_id":"d1","$user_id":"bob","time":1700000013}}"#,
    "\n",
);

fn resolve(file: &std::path::Path, mode: Mode, format: &str) -> (i32, String, String) {
    let file = file.to_str().expect("utf-8 temp path");
    idscope(
        &[
            "resolve",
            file,
            "--mode",
            mode.as_str(),
            "--max-cluster",
            "3",
            "--format",
            format,
        ],
        None,
    )
}

/// Runs of whitespace as one space, so a wrapped line reads as the sentence it is.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn text_is_the_default_on_a_terminal() {
    require_tmux();
    let p = temp("tty.jsonl", TROUBLE.as_bytes());
    let cmd = format!(
        "'{BIN}' resolve '{}' --mode simplified; echo EXIT=$?; sleep 30",
        p.display()
    );
    let t = Tmux::start("resolve-text", &cmd, 100, 80).expect("tmux session starts");
    let screen = t.wait_text("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        screen.contains("idscope resolve:") && screen.contains("Failures, and what each code"),
        "text on a terminal: {screen}"
    );
    assert!(
        !screen.contains("\"failures\""),
        "not JSON on a terminal: {screen}"
    );
}

#[test]
fn json_stays_the_default_when_piped() {
    let p = temp("piped.jsonl", TROUBLE.as_bytes());
    let path = p.to_str().unwrap();
    let (code, default, err) = idscope(&["resolve", path, "--mode", "simplified"], None);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&default).expect("JSON on a pipe");
    assert_eq!(v["events"], 14);
    let (_, explicit, _) = idscope(
        &["resolve", path, "--mode", "simplified", "--format", "json"],
        None,
    );
    assert_eq!(default, explicit);
}

/// Every failure code each mode gave is listed with its count and the line saying what it
/// means in that mode (O-ID, O-ALIAS, O-LIMIT, L-ALIAS, S-LINK, G-INVALID).
#[test]
fn o_id_o_alias_o_limit_l_alias_s_link_g_invalid_codes_are_explained_per_mode() {
    let p = temp("trouble.jsonl", TROUBLE.as_bytes());
    let expected = [
        (
            Mode::Legacy,
            &[
                "errAliasAlreadyExists",
                "errAliasCycle",
                "invalidPayload",
                "invalidDistinctId",
            ][..],
        ),
        (
            Mode::Original,
            &[
                "errSameIDs",
                "errAnonDistinctIdNonGUIDForm",
                "errAnonDistinctIdAssignedAlready",
                "errManyIDs",
                "errAliasAlreadyExists",
                "invalidPayload",
                "invalidDistinctId",
            ][..],
        ),
        (
            Mode::Simplified,
            &["errAnonDistinctIdAssignedAlready", "invalidDistinctId"][..],
        ),
    ];
    for (mode, codes) in expected {
        let (code, json, err) = resolve(&p, mode, "json");
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let failures = v["failures"].as_object().unwrap();
        let got: BTreeSet<&str> = failures.keys().map(String::as_str).collect();
        assert_eq!(got, codes.iter().copied().collect(), "{mode}: {json}");
        let (code, text, err) = resolve(&p, mode, "text");
        assert_eq!(code, 0, "{err}");
        let flat_text = flat(&text);
        for (failure, n) in failures {
            let row = format!("{failure} {}", n.as_u64().unwrap());
            assert!(flat_text.contains(&row), "{mode}: {row} in\n{text}");
            let meaning = failures::meaning(failure, mode);
            assert!(
                flat_text.contains(&flat(meaning)),
                "{mode}: the meaning of {failure} ({meaning}) in\n{text}"
            );
        }
        assert!(
            text.contains(mode.title()),
            "{mode}: the mode is named\n{text}"
        );
    }
}

/// The issue's case: under Simplified `errAnonDistinctIdAssignedAlready` is S-LINK's device
/// kept by its first user, and the summary says so rather than Original's `$identify` text.
#[test]
fn s_link_assigned_already_is_explained_as_simplified_means_it() {
    let p = temp("s-link.jsonl", TROUBLE.as_bytes());
    let (_, text, _) = resolve(&p, Mode::Simplified, "text");
    let text = flat(&text);
    let simplified = failures::meaning("errAnonDistinctIdAssignedAlready", Mode::Simplified);
    let original = failures::meaning("errAnonDistinctIdAssignedAlready", Mode::Original);
    assert!(text.contains(&flat(simplified)), "{text}");
    assert!(!text.contains(&flat(original)), "{text}");
    assert!(text.contains("not re-linked"), "{text}");
}

#[test]
fn text_shows_the_input_counts_histogram_clusters_and_suspects() {
    let data = format!(
        "{TROUBLE}{}\n{}\nnot json\n",
        // S-DID: a device id sent as distinct_id is a phantom user.
        r#"{"event":"Server","properties":{"distinct_id":"d1","time":1700000020}}"#,
        r#"{"event":"Server","properties":{"distinct_id":"d1","time":1700000020}}"#,
    );
    let p = temp("sections.jsonl", data.as_bytes());
    let (code, text, err) = idscope(
        &[
            "resolve",
            p.to_str().unwrap(),
            "--mode",
            "simplified",
            "--format",
            "text",
            "--dedupe",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    for part in [
        "idscope resolve: ",
        "sections.jsonl",
        "mode      simplified (Simplified ID Merge)",
        "original.max_cluster=500",
        "17 lines: 15 events, 1 malformed, 1 dropped as duplicates",
        "2023-11-14T22:13:20Z to 2023-11-14T22:13:40Z",
        "Effects",
        "linked",
        "Cluster sizes",
        "█",
        "Largest clusters",
        "alice",
        "$device:d1",
        "phantom users: 1",
        "d1",
        "\"undefined\": 1 event",
    ] {
        assert!(text.contains(part), "{part:?} in\n{text}");
    }
    assert!(
        !text.contains("clusters at the limit"),
        "O-LIMIT suspects are Original's only:\n{text}"
    );
    assert!(
        text.lines().all(|l| l.chars().count() <= 80),
        "fits 80 columns:\n{text}"
    );
}

/// G-DETERMINISM: the same input and flags print the same bytes.
#[test]
fn g_determinism_the_text_summary_is_byte_identical_across_runs() {
    let p = temp("same.jsonl", TROUBLE.as_bytes());
    for mode in Mode::ALL {
        let (_, a, _) = resolve(&p, mode, "text");
        let (_, b, _) = resolve(&p, mode, "text");
        assert!(!a.is_empty());
        assert_eq!(a, b, "{mode}");
    }
}

/// Ids are untrusted: an id holding ESC [ 2 J (clear screen) or the one-byte CSI U+009B is
/// written escaped, wherever it appears (a cluster, a phantom user, the input's name).
#[test]
fn hostile_ids_never_reach_the_terminal_raw() {
    let data = concat!(
        r#"{"event":"A","properties":{"distinct_id":"evil\u001b[2J\u009bx","time":1}}"#,
        "\n",
        r#"{"event":"B","properties":{"distinct_id":"p\u009b1","time":2}}"#,
        "\n",
        r#"{"event":"C","properties":{"$device_id":"p\u009b1","time":3}}"#,
        "\n",
        "not json \u{1b}[2J\n",
    );
    let p = temp("hostile-\u{1b}[2J.jsonl", data.as_bytes());
    for mode in Mode::ALL {
        let (code, text, err) = idscope(
            &[
                "resolve",
                p.to_str().unwrap(),
                "--mode",
                mode.as_str(),
                "--format",
                "text",
            ],
            None,
        );
        assert_eq!(code, 0, "{err}");
        for out in [&text, &err] {
            assert!(
                !out.contains('\u{1b}') && !out.contains('\u{9b}'),
                "{mode}: raw control characters in\n{out}"
            );
        }
        assert!(text.contains("evil\\x1b[2J\\u{9b}x"), "{mode}:\n{text}");
        assert!(text.contains("hostile-\\x1b[2J.jsonl"), "{mode}:\n{text}");
    }
    let (_, text, _) = idscope(
        &[
            "resolve",
            p.to_str().unwrap(),
            "--mode",
            "simplified",
            "--format",
            "text",
        ],
        None,
    );
    assert!(
        text.contains("p\\u{9b}1"),
        "the phantom user, escaped:\n{text}"
    );
}

#[test]
fn an_input_with_no_readable_line_exits_2_naming_the_file_count_and_first_line() {
    let p = temp("not-json.jsonl", b"not json\nnor this\n\n{\"event\":\n");
    for format in ["json", "text"] {
        let (code, out, err) = idscope(
            &[
                "resolve",
                p.to_str().unwrap(),
                "--mode",
                "original",
                "--format",
                format,
            ],
            None,
        );
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty(), "no summary of nobody: {out}");
        assert!(
            err.starts_with("error: ")
                && err.contains("not-json.jsonl")
                && err.contains("3 of 4 lines malformed")
                && err.contains("first: line 1: not JSON (found `n` at column 1)"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "one clear error: {err}");
    }
}

/// Bytes from a xorshift generator: the same "random" file on every run.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut v: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    // Not gzip's magic, nor a JSON array's bracket: read as lines.
    v[0] = b'x';
    v
}

#[test]
fn random_bytes_exit_2_from_a_file_and_from_stdin() {
    let data = noise(6 << 20);
    let p = temp("random.bin", &data);
    let (code, out, err) = idscope(
        &["resolve", p.to_str().unwrap(), "--mode", "simplified"],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("random.bin: no line is an event") && err.contains("first: line 1:"),
        "{err}"
    );
    let (code, out, err) = idscope(&["resolve", "-", "--mode", "legacy"], Some(&data));
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("<stdin>: no line is an event"), "{err}");
}

#[test]
fn a_partly_malformed_input_exits_0_and_counts_the_bad_lines() {
    let data = format!(
        "{}\nnot json\n{}\n[1,2\n",
        TROUBLE.lines().next().unwrap(),
        TROUBLE.lines().nth(1).unwrap()
    );
    let p = temp("partly.jsonl", data.as_bytes());
    let (code, out, err) = idscope(
        &["resolve", p.to_str().unwrap(), "--mode", "original"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["malformed_lines"], 2);
    assert!(
        err.contains("partly.jsonl: 2 of 4 lines malformed and skipped; first: line 2: not JSON (found `n` at column 1)"),
        "{err}"
    );
}

#[test]
fn an_empty_input_is_an_empty_export_not_an_error() {
    let p = temp("empty.jsonl", b"");
    let (code, out, err) = idscope(
        &["resolve", p.to_str().unwrap(), "--mode", "simplified"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["events"], 0);
    let (code, text, err) = idscope(
        &[
            "resolve",
            p.to_str().unwrap(),
            "--mode",
            "simplified",
            "--format",
            "text",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("0 lines: 0 events"), "{text}");
}
