//! `--out` files (issue 17): only regular files are replaced, through symlinks and keeping
//! their mode; the input file is never its own output; any legal name can be written; a
//! signal leaves no temp file behind; `gen --out` streams instead of holding the export.

use crate::common::idscope;
use std::path::{Path, PathBuf};

/// A fresh directory for one test, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(test: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("idscope-writes-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The names in the directory, sorted (temp files included: they start with a dot).
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

const SCENARIO: &str = r#"{"name": "Signup", "devices": {"web": {}}, "steps": [
    {"device": "web", "visit": "Home"},
    {"device": "web", "signup": "alice"}
]}"#;

/// `export SCENARIO --format curl --out OUT [--force]`: (exit code, stderr).
fn export_to(scenario: &Path, out: &Path, force: bool) -> (i32, String) {
    let mut args = vec![
        "export".to_string(),
        s(scenario),
        "--mode".into(),
        "simplified".into(),
        "--format".into(),
        "curl-track".into(),
        "--out".into(),
        s(out),
    ];
    if force {
        args.push("--force".into());
    }
    let (code, _, err) = idscope(&args, None);
    (code, err)
}

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", s(path));
}

#[test]
fn out_to_a_fifo_is_refused_and_the_fifo_stays() {
    use std::os::unix::fs::FileTypeExt;
    let d = Dir::new("fifo");
    let scenario = d.join("s.json");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let fifo = d.join("pipe");
    mkfifo(&fifo);
    let (code, err) = export_to(&scenario, &fifo, true);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("pipe") && err.contains("named pipe (FIFO), not a regular file"),
        "{err}"
    );
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced");
    assert_eq!(d.names(), ["pipe", "s.json"], "nothing else was left");
}

#[test]
fn out_to_a_symlink_to_a_device_is_refused_and_the_link_stays() {
    // A link we made to /dev/null: nothing is ever written to the device itself.
    let d = Dir::new("chardev");
    let scenario = d.join("s.json");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let link = d.join("null");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let (code, err) = export_to(&scenario, &link, true);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a character device"), "{err}");
    let kind = std::fs::symlink_metadata(&link).unwrap().file_type();
    assert!(kind.is_symlink(), "the link was replaced");
    assert_eq!(d.names(), ["null", "s.json"]);
}

#[test]
fn out_through_a_symlink_replaces_the_file_it_points_to_and_keeps_the_link() {
    let d = Dir::new("link");
    let scenario = d.join("s.json");
    std::fs::write(&scenario, SCENARIO).unwrap();
    std::fs::create_dir(d.join("real")).unwrap();
    let real = d.join("real/out.sh");
    std::fs::write(&real, "old").unwrap();
    let link = d.join("out.sh");
    std::os::unix::fs::symlink("real/out.sh", &link).unwrap();
    let (code, err) = export_to(&scenario, &link, true);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&real).unwrap().contains("curl"));
    assert_eq!(d.names(), ["out.sh", "real", "s.json"]);
    let in_real: Vec<_> = std::fs::read_dir(d.join("real")).unwrap().collect();
    assert_eq!(in_real.len(), 1, "no temp file left beside the real file");
}

#[test]
fn force_keeps_the_mode_of_the_file_it_replaces() {
    use std::os::unix::fs::PermissionsExt;
    let d = Dir::new("mode");
    let scenario = d.join("s.json");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = d.join("secret.sh");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (code, err) = export_to(&scenario, &out, true);
    assert_eq!(code, 0, "{err}");
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o600, "a private file stays private");
    assert!(std::fs::read_to_string(&out).unwrap().contains("curl"));
}

#[test]
fn force_refuses_a_file_with_other_hard_links() {
    let d = Dir::new("nlink");
    let scenario = d.join("s.json");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = d.join("a.sh");
    std::fs::write(&out, "old").unwrap();
    std::fs::hard_link(&out, d.join("b.sh")).unwrap();
    let (code, err) = export_to(&scenario, &out, true);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("has 2 hard links"), "{err}");
    assert_eq!(std::fs::read_to_string(d.join("b.sh")).unwrap(), "old");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
}

#[test]
fn a_240_byte_file_name_can_be_written() {
    let d = Dir::new("longname");
    let scenario = d.join("s.json");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let name = format!("{}.sh", "n".repeat(237));
    assert_eq!(name.len(), 240);
    let out = d.join(&name);
    let (code, err) = export_to(&scenario, &out, false);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&out).unwrap().contains("curl"));
    // And replacing it works too.
    let (code, err) = export_to(&scenario, &out, true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(d.names(), [name.as_str(), "s.json"]);
}

#[test]
fn out_the_same_as_the_input_is_refused_even_with_force() {
    let d = Dir::new("same");
    let scenario = d.join("s.json");
    std::fs::write(&scenario, SCENARIO).unwrap();
    std::os::unix::fs::symlink("s.json", d.join("alias.json")).unwrap();
    let dotted = d.0.join(".").join("s.json");
    for out in [scenario.clone(), dotted, d.join("alias.json")] {
        let (code, err) = export_to(&scenario, &out, true);
        assert_eq!(code, 2, "{}: {err}", s(&out));
        assert!(err.contains("is the input file"), "{err}");
        assert_eq!(std::fs::read_to_string(&scenario).unwrap(), SCENARIO);
    }
    // export-user: the export given as --out.
    let export = d.join("export.jsonl");
    let (code, _, err) = idscope(&["gen", "--events", "20", "--out", &s(&export)], None);
    assert_eq!(code, 0, "{err}");
    let before = std::fs::read(&export).unwrap();
    let (code, _, err) = idscope(
        &[
            "export-user",
            &s(&export),
            "--id",
            "whoever",
            "--mode",
            "simplified",
            "--out",
            &format!("{}/./export.jsonl", s(&d.0)),
            "--force",
        ],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is the input file"), "{err}");
    assert_eq!(std::fs::read(&export).unwrap(), before);
}

#[test]
fn out_to_dev_stdout_writes_through_to_stdout() {
    let (code, out, err) = idscope(&["gen", "--events", "5", "--out", "/dev/stdout"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 5, "{out}");
}

/// The peak resident memory of a running child (Linux: VmHWM), read until it exits.
fn peak_rss_kb(child: &mut std::process::Child) -> u64 {
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak = peak.max(hwm.unwrap_or(0));
        }
        if child.try_wait().ok().flatten().is_some() {
            return peak;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn gen_out_streams_so_memory_stays_flat() {
    // 100k events are a 46 MB export; held in memory it made the peak about 125 MB.
    let d = Dir::new("genmem");
    let out = d.join("big.jsonl");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_idscope"))
        .args(["gen", "--events", "100000", "--out", &s(&out)])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let peak = peak_rss_kb(&mut child);
    assert!(child.wait().unwrap().success());
    let size = std::fs::metadata(&out).unwrap().len();
    assert!(size > 40_000_000, "{size}");
    assert!(
        peak > 0 && peak < 90_000,
        "peak RSS {peak} kB for a {size}-byte export"
    );
}

#[test]
fn sigterm_during_gen_out_leaves_no_temp_file() {
    let d = Dir::new("sigterm");
    let out = d.join("big.jsonl");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_idscope"))
        .args(["gen", "--events", "2000000", "--out", &s(&out)])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the temp file, then end the process while it writes.
    let end = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !d.names().iter().any(|n| n.ends_with(".tmp")) {
        assert!(
            std::time::Instant::now() < end,
            "no temp file appeared: {:?}",
            d.names()
        );
        assert!(child.try_wait().unwrap().is_none(), "gen ended early");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15), "{status:?}");
    assert!(d.names().is_empty(), "left behind: {:?}", d.names());
}
