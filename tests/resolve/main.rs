//! Issue 6: resolving exports offline (`idscope resolve`) and synthetic exports (`idscope gen`).

#[path = "../common/mod.rs"]
mod common;
mod diff;
mod export_user;
mod hostile_input;
mod text;

use idscope_core::model::{Knobs, Mode};
use idscope_core::run::{Run, RunConfig};
use idscope_core::stream::{Stream, StreamOptions};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

fn gen_lines(n: usize, seed: u64, shape: idscope_core::gen::Shape) -> Vec<String> {
    let mut out = Vec::new();
    idscope_core::gen::generate(n, seed, shape, &mut |l| {
        out.push(l.to_string());
        Ok(())
    })
    .unwrap();
    out
}

/// The lines resolved through the shared reader (as `idscope resolve` reads a file).
fn stream_of(lines: &[String], mode: Mode) -> Stream {
    stream_with(lines, mode, Knobs::default())
}

fn stream_with(lines: &[String], mode: Mode, knobs: Knobs) -> Stream {
    let mut s = Stream::new(StreamOptions {
        mode,
        knobs,
        dedupe: false,
        keep_verdicts: false,
    });
    let joined = lines.join("\n");
    assert!(idscope_core::ingest::feed_bytes("test.jsonl", joined.as_bytes(), &mut s).unwrap());
    assert_eq!(s.bad_line_count, 0, "every line is an event");
    s
}

/// The summary as `resolve --format json` prints it.
fn summary_json(s: &Stream, largest: usize) -> serde_json::Value {
    serde_json::to_value(s.summary(largest)).unwrap()
}

/// The same events as a scenario of raw `/import` sends, for the step-wise engine.
fn as_scenario(lines: &[String]) -> idscope_core::Scenario {
    let steps: Vec<String> = lines
        .iter()
        .map(|l| format!(r#"{{"send":{l},"endpoint":"import"}}"#))
        .collect();
    let text = format!(r#"{{"name":"gen","steps":[{}]}}"#, steps.join(","));
    idscope_core::scenario::parse(&text, "gen.json").unwrap()
}

#[test]
fn resolving_gen_output_equals_the_step_wise_engine() {
    for shape in [
        idscope_core::gen::Shape::Realistic,
        idscope_core::gen::Shape::SharedDevices,
        idscope_core::gen::Shape::ServerHeavy,
    ] {
        let lines = gen_lines(1500, 11, shape);
        let scenario = as_scenario(&lines);
        for mode in Mode::ALL {
            let stream = stream_of(&lines, mode);
            let run = Run::new(&scenario, RunConfig::new(mode));
            // Same clusters (members and event counts).
            let h = stream.resolver().history();
            let from_stream: Vec<(Vec<String>, u64)> = {
                let mut v: Vec<(Vec<String>, u64)> = stream
                    .clusters()
                    .into_iter()
                    .map(|c| {
                        let mut names: Vec<String> =
                            c.members.iter().map(|&i| h.name(i).to_string()).collect();
                        names.sort();
                        (names, c.events)
                    })
                    .collect();
                v.sort();
                v
            };
            let mut from_run: Vec<(Vec<String>, u64)> = run
                .clusters(run.steps.len())
                .into_iter()
                .map(|c| (c.members, c.events))
                .collect();
            from_run.sort();
            assert_eq!(from_stream, from_run, "{shape:?} {mode}");
            // Same failures.
            let mut failures: BTreeMap<String, u64> = BTreeMap::new();
            for e in &run.events {
                if let Some(r) = e.verdict.reason {
                    *failures.entry(r.to_string()).or_default() += 1;
                }
            }
            let summary = summary_json(&stream, 5);
            let got: BTreeMap<String, u64> =
                serde_json::from_value(summary["failures"].clone()).unwrap();
            assert_eq!(got, failures, "{shape:?} {mode}");
            assert_eq!(summary["events"], 1500);
        }
    }
}

#[test]
fn gen_output_exercises_every_kind_of_trouble() {
    let lines = gen_lines(5000, 3, idscope_core::gen::Shape::Realistic);
    let s = summary_json(&stream_of(&lines, Mode::Simplified), 3);
    let failures = &s["failures"];
    assert!(
        failures["errAnonDistinctIdAssignedAlready"]
            .as_u64()
            .unwrap()
            > 0,
        "shared devices without reset: {s}"
    );
    assert!(
        failures["invalidDistinctId"].as_u64().unwrap() > 0,
        "junk ids"
    );
    assert!(
        s["suspects"]["phantom_users"]["count"].as_u64().unwrap() > 0,
        "phantom users"
    );
    assert!(s["effects"]["linked"].as_u64().unwrap() > 0);
    let o = summary_json(&stream_of(&lines, Mode::Original), 3);
    assert!(
        o["failures"]["errAnonDistinctIdNonGUIDForm"]
            .as_u64()
            .unwrap()
            > 0,
        "identify on an identified device"
    );
}

fn cli(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    common::idscope(args, stdin)
}

fn temp(name: &str, data: &[u8]) -> std::path::PathBuf {
    common::temp_file("resolve", name, data)
}

const SMALL: &str = concat!(
    r#"{"event":"Page View","properties":{"distinct_id":"$device:d1","$device_id":"d1","time":1700000000,"$insert_id":"a1"}}"#,
    "\n",
    r#"{"event":"Sign Up","properties":{"distinct_id":"alice","$device_id":"d1","$user_id":"alice","time":1700000001,"$insert_id":"a2"}}"#,
    "\n",
    "\n",
    r#"{"event":"Log In","properties":{"distinct_id":"bob","$device_id":"d1","$user_id":"bob","time":1700000002000,"$insert_id":"a3"}}"#,
    "\n",
    r#"{"event":"Server","properties":{"distinct_id":"d2","time":1700000003,"$insert_id":"a4"}}"#,
    "\n",
    r#"{"event":"Page View","properties":{"distinct_id":"$device:d2","$device_id":"d2","time":1700000004,"$insert_id":"a5"}}"#,
    "\n",
    r#"{"event":"Junk","properties":{"distinct_id":"undefined","time":1700000005,"$insert_id":"a6"}}"#,
    "\n",
    r#"{"event":"Sign Up","properties":{"distinct_id":"alice","$device_id":"d1","$user_id":"alice","time":1700000001,"$insert_id":"a2"}}"#,
    "\n",
);

#[test]
fn golden_summary_of_a_small_export_simplified() {
    let p = temp("small.jsonl", SMALL.as_bytes());
    let (code, out, err) = cli(
        &[
            "resolve",
            p.to_str().unwrap(),
            "--mode",
            "simplified",
            "--dedupe",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    // S-LINK: d1 → alice; bob's login on d1 fails (device already alice's).
    assert_eq!(s["failures"]["errAnonDistinctIdAssignedAlready"], 1);
    // G-INVALID on /import: "undefined" is rejected.
    assert_eq!(s["failures"]["invalidDistinctId"], 1);
    // The repeated Sign Up (same event, time, distinct_id, $insert_id) is dropped.
    assert_eq!(s["duplicates_dropped"], 1);
    assert_eq!(s["events"], 6);
    // Clusters: {alice, $device:d1}, {bob}, {d2} (a phantom user: S-DID reads it as a user id), {$device:d2}.
    assert_eq!(s["clusters"], 4);
    assert_eq!(
        s["suspects"]["phantom_users"]["sample"],
        serde_json::json!(["d2"])
    );
    assert_eq!(s["suspects"]["junk_ids"]["undefined"], 1);
    // Milliseconds (the third event) are detected.
    assert_eq!(s["time_range"]["last"], "2023-11-14T22:13:25Z");
    assert_eq!(s["largest_clusters"][0]["canonical"], "alice");
    assert_eq!(s["largest_clusters"][0]["size"], 2);
    assert_eq!(
        s["cluster_size_histogram"],
        serde_json::json!({"1": 3, "2": 1})
    );
}

#[test]
fn mapping_csv_and_resolved_jsonl() {
    let p = temp("small2.jsonl", SMALL.as_bytes());
    let (code, out, _) = cli(
        &[
            "resolve",
            p.to_str().unwrap(),
            "--mode",
            "simplified",
            "--format",
            "mapping-csv",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(out.starts_with("distinct_id,resolved_distinct_id\n"));
    assert!(out.contains("$device:d1,alice\n"), "{out}");
    let (code, out, _) = cli(
        &[
            "resolve",
            p.to_str().unwrap(),
            "--mode",
            "simplified",
            "--format",
            "resolved-jsonl",
        ],
        None,
    );
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 7, "every event line, blank lines skipped");
    // The anonymous page view is attributed to alice retroactively.
    assert_eq!(rows[0]["properties"]["distinct_id"], "alice");
    assert_eq!(
        rows[0]["properties"]["$distinct_id_before_identity"],
        "$device:d1"
    );
    assert_eq!(
        rows[2]["idscope"]["reason"],
        "errAnonDistinctIdAssignedAlready"
    );
}

#[test]
fn malformed_lines_are_skipped_with_their_line_number_or_fatal_with_strict() {
    let data = format!(
        "{}\nnot json\n{{\"event\":\"x\",\"properties\":{{\"distinct_id\":\"u\"}}}}\n",
        SMALL.lines().next().unwrap()
    );
    let p = temp("bad.jsonl", data.as_bytes());
    let (code, out, err) = cli(
        &["resolve", p.to_str().unwrap(), "--mode", "original"],
        None,
    );
    assert_eq!(code, 0);
    assert!(
        err.contains("bad.jsonl:2: not JSON (found `n` at column 1)"),
        "{err}"
    );
    assert!(err.contains("skipped"));
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["malformed_lines"], 1);
    assert_eq!(s["events"], 2);
    let (code, out, err) = cli(
        &[
            "resolve",
            p.to_str().unwrap(),
            "--mode",
            "original",
            "--strict",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("error:") && err.contains("bad.jsonl:2:"),
        "{err}"
    );
}

#[test]
fn gzip_stdin_and_json_array_inputs_agree() {
    let p = temp("plain.jsonl", SMALL.as_bytes());
    let (_, plain, _) = cli(
        &["resolve", p.to_str().unwrap(), "--mode", "original"],
        None,
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(SMALL.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let pg = temp("plain.jsonl.gz", &gz);
    let (code, zipped, err) = cli(
        &["resolve", pg.to_str().unwrap(), "--mode", "original"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(zipped, plain);
    let (_, piped, _) = cli(
        &["resolve", "-", "--mode", "original"],
        Some(SMALL.as_bytes()),
    );
    assert_eq!(piped, plain);
    let (_, piped_gz, _) = cli(&["resolve", "-", "--mode", "original"], Some(&gz));
    assert_eq!(piped_gz, plain);
    let array = format!(
        "[{}]",
        SMALL
            .lines()
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(",\n")
    );
    let (code, arr, err) = cli(
        &["resolve", "-", "--mode", "original"],
        Some(array.as_bytes()),
    );
    assert_eq!(code, 0, "{err}");
    // The same except `lines`: the array has 7 items, the file 8 lines (one blank).
    let mut arr: serde_json::Value = serde_json::from_str(&arr).unwrap();
    let mut plain: serde_json::Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(plain["lines"], 8);
    assert_eq!(arr["lines"], 7);
    arr["lines"] = 0.into();
    plain["lines"] = 0.into();
    assert_eq!(arr, plain);
}

#[test]
fn missing_input_is_a_clear_error() {
    let (code, out, err) = cli(
        &["resolve", "/nonexistent/x.jsonl", "--mode", "legacy"],
        None,
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("/nonexistent/x.jsonl: no such file"), "{err}");
}

#[test]
fn gen_cli_is_deterministic_and_refuses_to_overwrite() {
    let (c1, a, _) = cli(&["gen", "--events", "300", "--seed", "9"], None);
    let (_, b, _) = cli(&["gen", "--events", "300", "--seed", "9"], None);
    assert_eq!(c1, 0);
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 300);
    let p = temp("gen-out.jsonl", b"keep me");
    let (code, _, err) = cli(
        &["gen", "--events", "10", "--out", p.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&p).unwrap(), b"keep me");
    let (code, _, _) = cli(
        &[
            "gen",
            "--events",
            "10",
            "--out",
            p.to_str().unwrap(),
            "--force",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&p).unwrap().lines().count(), 10);
}

#[test]
fn strict_stops_early_on_a_large_input_without_hanging() {
    // Many 1 MB blocks are in flight when the bad line is found: every thread must stop,
    // for a file (mapped, parsed in place) and for stdin (read by a reader thread).
    let mut data = String::from("{\"event\":\"a\",\"properties\":{}}\nnot json\n");
    for l in gen_lines(60_000, 2, idscope_core::gen::Shape::Realistic) {
        data.push_str(&l);
        data.push('\n');
    }
    let p = temp("strict-big.jsonl", data.as_bytes());
    strict_stops(&[p.to_str().unwrap()], None, "strict-big.jsonl:2:");
    strict_stops(&["-"], Some(data.into_bytes()), "<stdin>:2:");
}

fn strict_stops(input: &[&str], stdin: Option<Vec<u8>>, expected: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_idscope"))
        .arg("resolve")
        .args(input)
        .args(["--mode", "simplified", "--strict"])
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The child stops reading early: a failed write (broken pipe) is expected.
    let feeder = stdin.map(|data| {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("resolve --strict did not stop");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains(expected), "{err}");
    if let Some(f) = feeder {
        f.join().unwrap();
    }
}

#[test]
fn a_mapped_file_and_stdin_agree_across_blocks() {
    // About 7 MB: several 1 MB blocks, parsed in place from the mapped file and copied
    // through the reader thread from stdin. Bad lines sit in the first block, deep inside a
    // later one, and last (without a newline), so line numbers must carry across blocks.
    let mut lines = gen_lines(30_000, 3, idscope_core::gen::Shape::SharedDevices);
    lines.insert(1, "not json".into());
    lines.insert(25_000, "{\"event\":".into());
    lines.push("[1,2".into());
    let data = lines.join("\n");
    assert!(data.len() > 5 << 20, "{} bytes", data.len());
    let p = temp("blocks.jsonl", data.as_bytes());
    let args = |input: &str| {
        [
            "resolve",
            input,
            "--mode",
            "original",
            "--format",
            "mapping-csv",
        ]
        .map(String::from)
        .to_vec()
    };
    let file_args = args(p.to_str().unwrap());
    let file_args: Vec<&str> = file_args.iter().map(String::as_str).collect();
    let (code, from_file, file_err) = cli(&file_args, None);
    assert_eq!(code, 0, "{file_err}");
    let stdin_args = args("-");
    let stdin_args: Vec<&str> = stdin_args.iter().map(String::as_str).collect();
    let (code, from_stdin, stdin_err) = cli(&stdin_args, Some(data.as_bytes()));
    assert_eq!(code, 0, "{stdin_err}");
    assert_eq!(from_file, from_stdin);
    for (line, why) in [
        (2, "not JSON (found `n` at column 1)"),
        (
            25_001,
            "invalid JSON: the line ends where a value should be",
        ),
        (30_003, "invalid JSON: the line ends inside an array"),
    ] {
        assert!(
            file_err.contains(&format!("blocks.jsonl:{line}: {why}")),
            "{file_err}"
        );
        assert!(
            stdin_err.contains(&format!("<stdin>:{line}: {why}")),
            "{stdin_err}"
        );
    }
    // The same as the step-wise engine on the good lines, in order.
    let good: Vec<String> = lines
        .iter()
        .filter(|l| idscope_core::ingest::Line::parse(l).is_ok())
        .cloned()
        .collect();
    let s = stream_of(&good, Mode::Original);
    assert_eq!(from_file, s.mapping_csv());
}

#[test]
fn clusters_at_the_original_limit_are_suspects() {
    // O-LIMIT with max_cluster 3: {d1, alice, d2} is full; a third device is refused.
    let lines: Vec<String> = [
        r#"{"event":"$identify","properties":{"distinct_id":"alice","$anon_id":"a-b-c-d-e1"}}"#,
        r#"{"event":"$identify","properties":{"distinct_id":"alice","$anon_id":"a-b-c-d-e2"}}"#,
        r#"{"event":"$identify","properties":{"distinct_id":"alice","$anon_id":"a-b-c-d-e3"}}"#,
        r#"{"event":"$identify","properties":{"distinct_id":"bob","$anon_id":"a-b-c-d-e4"}}"#,
    ]
    .map(String::from)
    .to_vec();
    let s = stream_with(
        &lines,
        Mode::Original,
        Knobs {
            max_cluster: 3,
            ..Knobs::default()
        },
    );
    let summary = summary_json(&s, 10);
    assert_eq!(summary["failures"]["errManyIDs"], 1);
    let full = summary["suspects"]["clusters_at_limit"].as_array().unwrap();
    assert_eq!(full.len(), 1, "{summary}");
    assert_eq!(full[0]["size"], 3);
    assert_eq!(summary["largest_clusters"][0]["size"], 3);
    assert_eq!(
        summary["largest_clusters"][1]["size"], 2,
        "then {{a-b-c-d-e4, bob}}"
    );
}

#[test]
fn a_line_longer_than_a_block_is_read_whole() {
    // Blocks are about 1 MB: a 3 MB line spans several, from a file and from stdin alike.
    let big = "x".repeat(3 << 20);
    let data = format!(
        "{}\n{{\"event\":\"Big\",\"properties\":{{\"distinct_id\":\"u1\",\"blob\":\"{big}\"}}}}\nnot json\n{}\n",
        SMALL.lines().next().unwrap(),
        SMALL.lines().nth(1).unwrap(),
    );
    let p = temp("long-line.jsonl", data.as_bytes());
    let (code, from_file, err) = cli(
        &["resolve", p.to_str().unwrap(), "--mode", "simplified"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("long-line.jsonl:3: not JSON (found `n` at column 1)"),
        "{err}"
    );
    let (code, from_stdin, err) = cli(
        &["resolve", "-", "--mode", "simplified"],
        Some(data.as_bytes()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("<stdin>:3: not JSON (found `n` at column 1)"),
        "{err}"
    );
    assert_eq!(from_file, from_stdin);
    let s: serde_json::Value = serde_json::from_str(&from_file).unwrap();
    assert_eq!(s["lines"], 4);
    assert_eq!(s["events"], 3);
    assert_eq!(s["malformed_lines"], 1);
}

#[test]
fn a_byte_order_mark_is_skipped_on_every_path() {
    // Issue 12: a UTF-8 BOM (Windows editors write one) lost the first event of a JSONL
    // file and every event of a JSON array. The shared reader skips it everywhere.
    let lines = concat!(
        r#"{"event":"Page View","properties":{"distinct_id":"$device:d1","$device_id":"d1","time":1}}"#,
        "\n",
        r#"{"event":"Sign Up","properties":{"distinct_id":"alice","$device_id":"d1","$user_id":"alice","time":2}}"#,
        "\n",
    );
    let array = format!(
        "[{}]",
        lines.trim_end().split('\n').collect::<Vec<_>>().join(",")
    );
    let bom = |s: &str| [b"\xef\xbb\xbf".as_slice(), s.as_bytes()].concat();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&bom(lines)).unwrap();
    let gz = gz.finish().unwrap();
    let jsonl = temp("bom.jsonl", &bom(lines));
    let arr = temp("bom-array.json", &bom(&array));
    let gzipped = temp("bom.jsonl.gz", &gz);
    let runs = [
        cli(
            &["resolve", jsonl.to_str().unwrap(), "--mode", "simplified"],
            None,
        ),
        cli(
            &["resolve", arr.to_str().unwrap(), "--mode", "simplified"],
            None,
        ),
        cli(
            &["resolve", gzipped.to_str().unwrap(), "--mode", "simplified"],
            None,
        ),
        cli(&["resolve", "-", "--mode", "simplified"], Some(&bom(lines))),
        cli(
            &["resolve", "-", "--mode", "simplified"],
            Some(&bom(&array)),
        ),
    ];
    for (i, (code, out, err)) in runs.iter().enumerate() {
        assert_eq!(*code, 0, "run {i}: {err}");
        assert!(err.is_empty(), "run {i}: no line is malformed: {err}");
        let s: serde_json::Value = serde_json::from_str(out).unwrap();
        assert_eq!(s["events"], 2, "run {i}: both events resolve: {out}");
        assert_eq!(s["malformed_lines"], 0, "run {i}");
        assert_eq!(s["clusters"], 1, "run {i}: the device joins alice");
    }
}

/// G-BEFORE: `resolve` writes `$distinct_id_before_identity` only in the ID-merge modes, only
/// where identity merging changed the distinct_id, and keeps a value the export already has.
#[test]
fn g_before_identity_in_resolved_jsonl_follows_the_rule_book() {
    let data = concat!(
        r#"{"event":"Page View","properties":{"distinct_id":"$device:d1","$device_id":"d1","time":1}}"#,
        "\n",
        r#"{"event":"Sign Up","properties":{"distinct_id":"alice","$device_id":"d1","$user_id":"alice","time":2}}"#,
        "\n",
        r#"{"event":"Old","properties":{"distinct_id":"$device:d1","$distinct_id_before_identity":"from-mixpanel","time":3}}"#,
        "\n",
    );
    let p = temp("before.jsonl", data.as_bytes());
    let rows = |mode: &str| -> Vec<serde_json::Value> {
        let (code, out, err) = cli(
            &[
                "resolve",
                p.to_str().unwrap(),
                "--mode",
                mode,
                "--format",
                "resolved-jsonl",
            ],
            None,
        );
        assert_eq!(code, 0, "{err}");
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let before =
        |r: &serde_json::Value| r["properties"].get("$distinct_id_before_identity").cloned();
    let s = rows("simplified");
    assert_eq!(before(&s[0]), Some(serde_json::json!("$device:d1")));
    assert_eq!(before(&s[1]), None, "alice stays alice");
    assert_eq!(
        before(&s[2]),
        Some(serde_json::json!("from-mixpanel")),
        "kept"
    );
    let l = rows("legacy");
    assert_eq!(before(&l[0]), None, "no ID merge under Legacy");
    assert_eq!(before(&l[1]), None);
    assert_eq!(
        before(&l[2]),
        Some(serde_json::json!("from-mixpanel")),
        "kept as sent"
    );
}
