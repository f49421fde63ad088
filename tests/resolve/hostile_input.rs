//! Issue 17, "Input": exports that try to hurt the reader. A line over the cap is malformed
//! (a stream stops at one that never ends: `/dev/zero`, a gzip bomb) with memory bounded by
//! the cap; a long line costs linear time; JSON that is no event object is malformed; file
//! names need not be UTF-8; a mapped file truncated under the reader is a clear error.

use crate::common::{idscope, temp_dir, temp_file};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn temp(name: &str, data: &[u8]) -> std::path::PathBuf {
    temp_file("hostile-input", name, data)
}

fn event(id: &str, time: u32) -> String {
    format!(r#"{{"event":"A","properties":{{"distinct_id":"{id}","time":{time}}}}}"#)
}

/// `resolve --format json`'s summary.
fn summary(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// How a child that was given a deadline ended.
struct Ended {
    code: Option<i32>,
    stderr: String,
    /// The largest peak resident memory seen while it ran, in KiB (`VmHWM`, sampled; the
    /// rusage of a child counts the test process's memory it was forked from).
    peak_kib: u64,
}

/// The peak resident memory of `pid` so far, in KiB (0 once it is gone).
fn vm_hwm(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// Runs `idscope args` with `stdin`, killing it (and failing) after `limit`, sampling its
/// peak memory as it runs.
fn run_limited(args: &[&str], stdin: Stdio, limit: Duration) -> Ended {
    let mut child = Command::new(env!("CARGO_BIN_EXE_idscope"))
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the idscope binary starts");
    let mut err = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let start = Instant::now();
    let mut peak_kib = 0;
    loop {
        peak_kib = peak_kib.max(vm_hwm(child.id()));
        if let Some(status) = child.try_wait().unwrap() {
            return Ended {
                code: status.code(),
                stderr: reader.join().unwrap(),
                peak_kib,
            };
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "idscope {args:?} did not stop within {limit:?} (peak {peak_kib} KiB); stderr: {}",
                reader.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn json_arrays_and_empty_objects_on_lines_are_not_events() {
    let data = [
        event("alice", 1),
        r#"["e",{"distinct_id":"x"}]"#.into(),
        "[]".into(),
        "{}".into(),
        r#"{"event":"B"}"#.into(),
        r#"{"properties":{"distinct_id":"y"}}"#.into(),
        r#"{"event":"C","properties":["z"]}"#.into(),
        event("bob", 2),
    ]
    .join("\n");
    let p = temp("not-events.jsonl", data.as_bytes());
    let (code, out, err) = idscope(
        &["resolve", p.to_str().unwrap(), "--mode", "simplified"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v = summary(&out);
    assert_eq!(v["events"], 2, "{out}");
    assert_eq!(v["malformed_lines"], 6, "{out}");
    for (line, why) in [
        (2, "a JSON array, not an event object"),
        (3, "a JSON array, not an event object"),
        (4, "an object without `event` and `properties`"),
        (5, "an object without `properties`"),
        (6, "an object without `event`"),
        (7, "an object whose `properties` is not an object"),
    ] {
        assert!(
            err.contains(&format!("not-events.jsonl:{line}: {why} (skipped)")),
            "line {line}: {err}"
        );
    }
    let (_, csv, _) = idscope(
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
    assert_eq!(
        csv, "distinct_id,resolved_distinct_id\nalice,alice\nbob,bob\n",
        "no id from a line that is no event"
    );
    // A file of nothing but such lines is no export.
    let p = temp(
        "only-arrays.jsonl",
        b"{}\n[]\n[\"e\",{\"distinct_id\":\"x\"}]\n",
    );
    let (code, _, err) = idscope(&["resolve", p.to_str().unwrap(), "--mode", "legacy"], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no line is an event"), "{err}");
}

#[test]
fn a_200_mb_line_resolves_whole_from_a_file_and_from_stdin() {
    let blob = 200 << 20;
    let mut data = Vec::with_capacity(blob + 1024);
    data.extend_from_slice(event("before", 1).as_bytes());
    data.extend_from_slice(b"\n{\"event\":\"Big\",\"properties\":{\"blob\":\"");
    data.resize(data.len() + blob, b'a');
    data.extend_from_slice(b"\",\"distinct_id\":\"big\",\"time\":2}}\n");
    data.extend_from_slice(event("after", 3).as_bytes());
    let p = temp("long-line.jsonl", &data);
    let path = p.to_str().unwrap();
    let cap = (300u64 << 20).to_string();
    let args = |input: &str| {
        [
            "resolve",
            input,
            "--mode",
            "original",
            "--format",
            "mapping-csv",
            "--max-line-bytes",
            &cap,
        ]
        .map(String::from)
    };
    let expected = "distinct_id,resolved_distinct_id\nafter,after\nbefore,before\nbig,big\n";
    let (code, out, err) = idscope(&args(path), None);
    assert_eq!((code, out.as_str()), (0, expected), "{err}");
    let (code, out, err) = idscope(&args("-"), Some(&data));
    assert_eq!((code, out.as_str()), (0, expected), "{err}");
    std::fs::remove_file(&p).unwrap();
}

#[test]
fn a_line_over_the_cap_is_malformed_and_reading_goes_on() {
    let long = format!(
        r#"{{"event":"Big","properties":{{"distinct_id":"big","blob":"{}"}}}}"#,
        "a".repeat(5000)
    );
    let data = [event("u1", 1), long.clone(), event("u2", 2)].join("\n");
    let p = temp("over-cap.jsonl", data.as_bytes());
    let args = |input: &str| {
        [
            "resolve",
            input,
            "--mode",
            "simplified",
            "--max-line-bytes",
            "1000",
        ]
        .map(String::from)
    };
    for (input, stdin, name) in [
        (p.to_str().unwrap(), None, "over-cap.jsonl"),
        ("-", Some(data.as_bytes()), "<stdin>"),
    ] {
        let (code, out, err) = idscope(&args(input), stdin);
        assert_eq!(code, 0, "{err}");
        let v = summary(&out);
        assert_eq!(
            (v["events"].as_u64(), v["malformed_lines"].as_u64()),
            (Some(2), Some(1))
        );
        assert!(
            err.contains(&format!(
                "{name}:2: {} bytes long, over the line cap of 1000 bytes; not read (skipped)",
                long.len()
            )),
            "{err}"
        );
    }
    // Under the default cap (64 MiB) the same line is an event.
    let (code, out, err) = idscope(&["resolve", p.to_str().unwrap(), "--mode", "legacy"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary(&out)["events"], 3);
}

#[test]
fn a_cap_past_what_the_parser_can_address_is_refused() {
    // Fields are 32-bit offsets: a line over 4 GiB could only be misread, so the cap stops
    // below it.
    let p = temp("cap.jsonl", event("u1", 1).as_bytes());
    let (code, out, err) = idscope(
        &[
            "resolve",
            p.to_str().unwrap(),
            "--mode",
            "legacy",
            "--max-line-bytes",
            "5000000000",
        ],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("--max-line-bytes") && err.contains("5000000000 is not in 1..=4292870143"),
        "{err}"
    );
    // The largest cap is taken.
    let (code, _, err) = idscope(
        &[
            "resolve",
            p.to_str().unwrap(),
            "--mode",
            "legacy",
            "--max-line-bytes",
            "4292870143",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn dev_zero_on_stdin_stops_at_the_cap_with_bounded_memory() {
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
    let ended = run_limited(
        &[
            "resolve",
            "-",
            "--mode",
            "simplified",
            "--max-line-bytes",
            "1048576",
        ],
        Stdio::from(zero),
        Duration::from_secs(60),
    );
    assert_eq!(ended.code, Some(2), "{}", ended.stderr);
    assert_eq!(
        ended.stderr,
        "error: <stdin>:1: line longer than the cap of 1048576 bytes, with no end in sight; \
         stopped reading (a stream cannot skip a line without reading all of it); raise the \
         cap with --max-line-bytes N\n"
    );
    assert!(
        ended.peak_kib < 150 << 10,
        "{} KiB for a 1 MiB cap",
        ended.peak_kib
    );
}

/// A gzip of `zeros` zero bytes (a few hundred bytes a megabyte).
fn gzip_bomb(zeros: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..zeros >> 20 {
        gz.write_all(&chunk).unwrap();
    }
    gz.finish().unwrap()
}

#[test]
fn a_gzip_bomb_stops_at_the_cap_with_bounded_memory() {
    let bomb = gzip_bomb(256 << 20);
    assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
    let p = temp("bomb.jsonl.gz", &bomb);
    for (input, stdin) in [
        (p.to_str().unwrap(), Stdio::null()),
        ("-", Stdio::from(std::fs::File::open(&p).unwrap())),
    ] {
        let ended = run_limited(
            &[
                "resolve",
                input,
                "--mode",
                "original",
                "--max-line-bytes",
                "1048576",
            ],
            stdin,
            Duration::from_secs(60),
        );
        assert_eq!(ended.code, Some(2), "{}", ended.stderr);
        assert!(
            ended
                .stderr
                .contains(":1: line longer than the cap of 1048576 bytes"),
            "{}",
            ended.stderr
        );
        assert!(
            ended.peak_kib < 150 << 10,
            "{} KiB for 256 MB of zeros under a 1 MiB cap",
            ended.peak_kib
        );
    }
}

/// A directory of this test with a file whose name is not UTF-8.
fn non_utf8_name(dir: &str, stem: &[u8], data: &[u8]) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let p = temp_dir(dir).join(std::ffi::OsStr::from_bytes(stem));
    std::fs::write(&p, data).unwrap();
    p
}

#[test]
fn a_file_whose_name_is_not_utf8_resolves_and_is_named_with_its_bytes() {
    let data = [event("u1", 1), "not json".into()].join("\n");
    let p = non_utf8_name("non-utf8", b"caf\xe9-\xff.jsonl", data.as_bytes());
    let args = |format: &str| {
        let mut a: Vec<std::ffi::OsString> = ["resolve"].map(Into::into).to_vec();
        a.push(p.clone().into_os_string());
        a.extend(["--mode", "simplified", "--format", format].map(Into::into));
        a
    };
    let (code, out, err) = idscope(&args("json"), None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary(&out)["events"], 1);
    assert!(
        err.contains("caf\\xe9-\\xff.jsonl:2: not JSON (found `n` at column 1)"),
        "{err}"
    );
    let (code, text, err) = idscope(&args("text"), None);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("caf\\xe9-\\xff.jsonl"), "{text}");
    // diff takes it too.
    let mut diff: Vec<std::ffi::OsString> = vec!["diff".into(), p.clone().into_os_string()];
    diff.extend(["--from", "legacy", "--to", "simplified", "--format", "json"].map(Into::into));
    let (code, _, err) = idscope(&diff, None);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_directory_scan_includes_json_files_whose_names_are_not_utf8() {
    let scenario = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/01-signup-one-device.json"),
    )
    .unwrap();
    let p = non_utf8_name("non-utf8-dir", b"signup-\xff.json", &scenario);
    let dir = p.parent().unwrap();
    let (code, out, err) = idscope(&["validate", dir.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("ok ") && out.contains("signup-") && out.contains("(4 steps)"),
        "{out}"
    );
    let (code, out, err) = idscope(&["check", dir.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().next().is_some_and(|l| l.starts_with("ok ")) && out.contains(" 0 failed"),
        "{out}"
    );
}

/// Waits until `pid` has `path` mapped (so `resolve` is reading it, its guard in place).
#[cfg(target_os = "linux")]
fn wait_until_mapped(pid: u32, path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    let needle = path.to_str().unwrap();
    while start.elapsed() < limit {
        match std::fs::read_to_string(format!("/proc/{pid}/maps")) {
            Ok(maps) if maps.contains(needle) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    false
}

/// Another process truncating the file `resolve` has mapped pulls its pages away (SIGBUS):
/// a clear error and exit 2, never a silent death by signal. The file is truncated the
/// moment it shows in the process's mappings; reading ~100 MB takes far longer than that,
/// but should a run finish first it is tried again (it must then have exited 0).
#[cfg(target_os = "linux")]
#[test]
fn truncating_the_file_while_it_is_read_is_a_clear_error() {
    let mut block = String::new();
    for l in crate::gen_lines(20_000, 5, idscope_core::gen::Shape::Realistic) {
        block.push_str(&l);
        block.push('\n');
    }
    let dir = temp_dir("truncate");
    let mut hit = false;
    for attempt in 0..3 {
        let p = dir.join(format!("export-{attempt}.jsonl"));
        {
            let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
            while f.get_ref().metadata().unwrap().len() < 100 << 20 {
                f.write_all(block.as_bytes()).unwrap();
                f.flush().unwrap();
            }
        }
        let child = Command::new(env!("CARGO_BIN_EXE_idscope"))
            .args(["resolve", p.to_str().unwrap(), "--mode", "simplified"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mapped = wait_until_mapped(child.id(), &p, Duration::from_secs(30));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(4096)
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.code().is_some(),
            "killed by a signal ({:?}); stderr: {err}",
            out.status
        );
        std::fs::remove_file(&p).unwrap();
        if mapped && out.status.code() == Some(2) {
            assert_eq!(
                err,
                format!(
                    "error: {} changed while being read (truncated?); expected it to stay as it was until read\n",
                    p.display()
                )
            );
            hit = true;
            break;
        }
        assert_eq!(out.status.code(), Some(0), "{err}");
    }
    assert!(hit, "the truncation never landed while the file was read");
}
