//! Issue 16 item 5: `idscope diff EXPORT --from MODE --to MODE`, what moving a project to
//! another identity mode would do to its users: counts that add up, the JSON and CSV of
//! docs/scenario-format.md §5, text within 80 columns, the same bytes every run, exit codes.

use crate::common::{idscope, temp_file};
use serde_json::Value;
use std::path::PathBuf;

fn temp(name: &str, data: &[u8]) -> PathBuf {
    temp_file("resolve-diff", name, data)
}

/// `idscope gen --events 5000` written by the binary itself, to a file of its own per
/// test (`name`), since tests run at once.
fn gen_export(name: &str) -> PathBuf {
    let p = temp_file("resolve-diff", name, b"");
    let (code, _, err) = idscope(
        &[
            "gen",
            "--events",
            "5000",
            "--out",
            p.to_str().unwrap(),
            "--force",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    p
}

fn diff(input: &str, from: &str, to: &str, format: &str) -> (i32, String, String) {
    idscope(
        &[
            "diff", input, "--from", from, "--to", to, "--format", format,
        ],
        None,
    )
}

const MODES: [&str; 3] = ["legacy", "original", "simplified"];
const KINDS: [&str; 6] = ["reshaped", "split", "merge", "reshuffle", "gone", "new"];

/// An RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks.
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "a quoted field is closed");
    assert!(
        field.is_empty() && row.is_empty(),
        "the last row ends with a newline"
    );
    rows
}

const CSV_COLUMNS: [&str; 13] = [
    "change",
    "kind",
    "from_user",
    "from_label",
    "from_ids",
    "from_events",
    "to_user",
    "to_label",
    "to_ids",
    "to_events",
    "events",
    "ids",
    "paired",
];

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

/// The documented shape of the JSON (§5), key order included.
fn assert_shape(j: &Value) {
    assert_eq!(
        keys(j),
        [
            "from",
            "to",
            "knobs",
            "events",
            "malformed_lines",
            "same_users",
            "changes",
            "events_moved",
            "stranded",
            "adopted",
            "largest_changes"
        ]
    );
    for side in ["from", "to"] {
        assert_eq!(keys(&j[side]), ["mode", "users", "events_with_user"]);
    }
    assert_eq!(keys(&j["changes"]), KINDS);
    for k in KINDS {
        assert_eq!(
            keys(&j["changes"][k]),
            ["changes", "from_users", "to_users", "events_moved"]
        );
    }
    assert_eq!(keys(&j["stranded"]), ["orphans", "phantoms", "events"]);
    assert_eq!(keys(&j["adopted"]), ["ids", "events"]);
    for c in j["largest_changes"].as_array().unwrap() {
        assert_eq!(
            keys(c),
            [
                "rank",
                "kind",
                "events",
                "events_moved",
                "events_stranded",
                "events_adopted",
                "from_users",
                "to_users",
                "from",
                "to",
                "orphans",
                "phantoms",
                "adopted_ids"
            ]
        );
        assert!(KINDS.contains(&c["kind"].as_str().unwrap()));
        for side in ["from", "to"] {
            for u in c[side].as_array().unwrap() {
                assert_eq!(
                    keys(u),
                    [
                        "user",
                        "canonical",
                        "ids",
                        "events",
                        "identified",
                        "paired_with",
                        "members_sample"
                    ]
                );
            }
        }
        assert_eq!(keys(&c["orphans"]), ["count", "sample"]);
    }
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

#[test]
fn diff_of_gen_output_adds_up_for_every_pair_of_modes_and_formats() {
    let p = gen_export("gen-all-pairs.jsonl");
    let input = p.to_str().unwrap();
    for from in MODES {
        for to in MODES.iter().copied().filter(|&m| m != from) {
            let (code, out, err) = diff(input, from, to, "json");
            assert_eq!(code, 0, "{from}→{to}: {err}");
            let j: Value = serde_json::from_str(&out).unwrap();
            assert_shape(&j);
            assert_eq!(j["from"]["mode"], from);
            assert_eq!(j["to"]["mode"], to);
            assert_eq!(n(&j["events"]), 5000);
            // The users are the clusters `resolve` counts in each mode.
            for side in ["from", "to"] {
                let mode = j[side]["mode"].as_str().unwrap();
                let (_, summary, _) = idscope(
                    &["resolve", input, "--mode", mode, "--format", "json"],
                    None,
                );
                let summary: Value = serde_json::from_str(&summary).unwrap();
                assert_eq!(j[side]["users"], summary["clusters"], "{side} {mode}");
            }
            // Every user is the same or in exactly one change, on each side.
            let same = n(&j["same_users"]);
            let sum =
                |field: &str| -> u64 { KINDS.iter().map(|k| n(&j["changes"][k][field])).sum() };
            assert_eq!(
                same + sum("from_users"),
                n(&j["from"]["users"]),
                "{from}→{to}"
            );
            assert_eq!(same + sum("to_users"), n(&j["to"]["users"]), "{from}→{to}");
            assert_eq!(sum("events_moved"), n(&j["events_moved"]));
            assert!(n(&j["events_moved"]) <= 5000);
            assert!(n(&j["stranded"]["events"]) + n(&j["adopted"]["events"]) <= 5000);
            // At most --top (10) examples, most events moved first, ranked from 1.
            let largest = j["largest_changes"].as_array().unwrap();
            assert!(largest.len() <= 10);
            let changes = sum("changes");
            assert_eq!(largest.len() as u64, changes.min(10));
            for (i, c) in largest.iter().enumerate() {
                assert_eq!(n(&c["rank"]), i as u64 + 1);
                assert!(n(&c["events_moved"]) <= n(&c["events"]));
                if i > 0 {
                    assert!(n(&c["events_moved"]) <= n(&largest[i - 1]["events_moved"]));
                }
            }
            // The CSV: one row per related pair of every change; unpaired rows' events are
            // the events moved.
            let (code, csv, err) = diff(input, from, to, "csv");
            assert_eq!(code, 0, "{err}");
            let rows = parse_csv(&csv);
            assert_eq!(rows[0], CSV_COLUMNS);
            let mut numbers = std::collections::BTreeSet::new();
            let mut moved = 0u64;
            for r in &rows[1..] {
                assert_eq!(r.len(), CSV_COLUMNS.len(), "{r:?}");
                numbers.insert(r[0].parse::<u64>().unwrap());
                assert!(KINDS.contains(&r[1].as_str()));
                assert!(!(r[2].is_empty() && r[6].is_empty()), "a row has a user");
                if r[12] == "false" {
                    moved += r[10].parse::<u64>().unwrap();
                }
            }
            assert_eq!(numbers.len() as u64, changes);
            assert_eq!(numbers.iter().copied().max().unwrap_or(0), changes);
            assert_eq!(moved, n(&j["events_moved"]), "{from}→{to}");
            // Text: within 80 columns.
            let (code, text, err) = diff(input, from, to, "text");
            assert_eq!(code, 0, "{err}");
            assert!(text.starts_with("idscope diff: "), "{text}");
            for line in text.lines() {
                assert!(line.chars().count() < 80, "too wide: {line:?}");
            }
            // The same bytes every time (G-DETERMINISM).
            for (format, first) in [("json", &out), ("csv", &csv), ("text", &text)] {
                let (_, again, _) = diff(input, from, to, format);
                assert_eq!(&again, first, "{from}→{to} {format}");
            }
        }
    }
}

#[test]
fn legacy_to_simplified_on_gen_output_merges_devices_into_their_users() {
    // Gen's traffic comes from mixpanel-js written for ID merge: it never sends
    // $create_alias, so Legacy keeps each device apart from the user that logs in on it
    // (L-IGNORE), while Simplified links them (S-LINK). Users merge; no one splits; the
    // devices are adopted (their history now reaches an identified user).
    let p = gen_export("gen-legacy.jsonl");
    let (code, out, err) = diff(p.to_str().unwrap(), "legacy", "simplified", "json");
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert!(n(&j["changes"]["merge"]["changes"]) > 0, "{out}");
    assert_eq!(n(&j["changes"]["split"]["changes"]), 0);
    assert!(n(&j["adopted"]["ids"]) > 0);
    assert!(n(&j["from"]["users"]) > n(&j["to"]["users"]));
    // The reverse: the same groups split, and the devices are orphans.
    let (_, back, _) = diff(p.to_str().unwrap(), "simplified", "legacy", "json");
    let b: Value = serde_json::from_str(&back).unwrap();
    assert_eq!(
        b["changes"]["split"]["changes"],
        j["changes"]["merge"]["changes"]
    );
    assert_eq!(b["stranded"]["orphans"], j["adopted"]["ids"]);
}

/// L-ALIAS vs S-IGNORE: a backend aliases alice to the device; Simplified ignores the alias.
const ALIASED: &str = concat!(
    r#"{"event":"Page View","properties":{"distinct_id":"$device:d1-0-0-0-1","$device_id":"d1-0-0-0-1","time":1700000000}}"#,
    "\n",
    r#"{"event":"$create_alias","properties":{"distinct_id":"$device:d1-0-0-0-1","alias":"alice","time":1700000001}}"#,
    "\n",
    r#"{"event":"Purchase","properties":{"distinct_id":"alice","time":1700000002}}"#,
    "\n",
);

#[test]
fn an_alias_merge_that_simplified_ignores_is_a_split_that_strands_the_device() {
    // Legacy: alice → the device (L-ALIAS), so the Purchase sent to alice is stored under
    // the device (L-EVENT): one user of two ids and three events. Simplified ignores the
    // alias (S-IGNORE) and no event carries both ids: the device (two events) and alice
    // (one) stay apart. alice is paired with alice (both identified), so the device's two
    // events move, and the device is an orphan.
    let p = temp("aliased.jsonl", ALIASED.as_bytes());
    let input = p.to_str().unwrap();
    let (code, out, err) = diff(input, "legacy", "simplified", "json");
    assert_eq!(code, 0, "{err}");
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["same_users"], 0);
    assert_eq!(j["changes"]["split"]["changes"], 1);
    assert_eq!(j["events_moved"], 2);
    assert_eq!(j["stranded"]["orphans"], 1);
    assert_eq!(j["stranded"]["events"], 2);
    let c = &j["largest_changes"][0];
    assert_eq!(c["kind"], "split");
    assert_eq!(c["from"][0]["user"], "alice");
    assert_eq!(c["from"][0]["canonical"], "$device:d1-0-0-0-1");
    assert_eq!(c["from"][0]["paired_with"], "alice");
    assert_eq!(c["orphans"]["sample"][0], "$device:d1-0-0-0-1");
    let (code, csv, _) = diff(input, "legacy", "simplified", "csv");
    assert_eq!(code, 0);
    assert_eq!(
        csv,
        concat!(
            "change,kind,from_user,from_label,from_ids,from_events,to_user,to_label,to_ids,to_events,events,ids,paired\n",
            "1,split,$device:d1-0-0-0-1,alice,2,3,$device:d1-0-0-0-1,$device:d1-0-0-0-1,1,2,2,1,false\n",
            "1,split,$device:d1-0-0-0-1,alice,2,3,alice,alice,1,1,1,1,true\n",
        )
    );
    let (code, text, _) = diff(input, "legacy", "simplified", "text");
    assert_eq!(code, 0);
    assert!(
        text.contains("1. split: 2 events moved, 1 orphan, 2 events stranded"),
        "{text}"
    );
    assert!(text.contains("orphans: $device:d1-0-0-0-1"), "{text}");
    // Stdin gives the same.
    let (code, piped, _) = idscope(
        &[
            "diff",
            "-",
            "--from",
            "legacy",
            "--to",
            "simplified",
            "--format",
            "json",
        ],
        Some(ALIASED.as_bytes()),
    );
    assert_eq!(code, 0);
    assert_eq!(piped, out);
}

#[test]
fn ids_from_the_export_are_escaped_in_text_and_quoted_in_csv() {
    // S-DID: a bare distinct_id is a user of its own under Simplified; under Original the
    // $identify merges it with the device (O-ID), so the two modes disagree about it.
    let evil = "mal\u{1b}[2Jlory, \"the\"\nuser";
    let lines = [
        serde_json::json!({"event": "Page View", "properties": {"distinct_id": "$device:d1-0-0-0-1", "$device_id": "d1-0-0-0-1"}}),
        serde_json::json!({"event": "$identify", "properties": {"distinct_id": evil, "$anon_id": "$device:d1-0-0-0-1"}}),
    ];
    let data: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let p = temp("evil.jsonl", data.as_bytes());
    let input = p.to_str().unwrap();
    let (code, text, err) = diff(input, "original", "simplified", "text");
    assert_eq!(code, 0, "{err}");
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("mal\\x1b[2Jlory"), "{text}");
    let (_, csv, _) = diff(input, "original", "simplified", "csv");
    let rows = parse_csv(&csv);
    assert!(
        rows.iter().any(|r| r.iter().any(|f| f == evil)),
        "the id survives CSV quoting: {csv:?}"
    );
    let (_, json, _) = diff(input, "original", "simplified", "json");
    let j: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(j["largest_changes"][0]["from"][0]["user"], evil);
}

#[test]
fn bad_usage_and_unreadable_input_exit_2_with_a_clear_message() {
    let p = temp("small.jsonl", ALIASED.as_bytes());
    let input = p.to_str().unwrap();
    let (code, out, err) = diff(input, "original", "original", "json");
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("--from and --to are both original"), "{err}");
    let (code, out, err) = diff("/nonexistent/x.jsonl", "original", "simplified", "json");
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("/nonexistent/x.jsonl: no such file"), "{err}");
    let junk = temp("junk.txt", b"not json\nat all\n");
    let (code, out, err) = diff(junk.to_str().unwrap(), "legacy", "original", "json");
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("no line is an event"), "{err}");
    let (code, _, err) = diff(input, "original", "simplified", "yaml");
    assert_eq!(code, 2, "{err}");
    // A malformed line among events is skipped with a warning, like `resolve`.
    let mixed = temp("mixed.jsonl", format!("{ALIASED}{{oops\n").as_bytes());
    let (code, out, err) = diff(mixed.to_str().unwrap(), "legacy", "simplified", "json");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("mixed.jsonl:4:") && err.contains("skipped"),
        "{err}"
    );
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["malformed_lines"], 1);
    assert_eq!(j["events"], 3);
}
