//! Helpers every test binary shares (`#[path = "../common/mod.rs"] mod common;`): running
//! the real binary, scratch files, a rendered buffer as text, and the tmux harness.
#![allow(dead_code)]

pub mod tmux;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Runs the `idscope` binary with `args` (and `stdin`, if any): (exit code, stdout, stderr).
pub fn idscope<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    stdin: Option<&[u8]>,
) -> (i32, String, String) {
    let (code, out, err) = idscope_raw(args, stdin);
    (code, String::from_utf8_lossy(&out).into_owned(), err)
}

/// [`idscope`] with stdout as bytes.
pub fn idscope_raw<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    stdin: Option<&[u8]>,
) -> (i32, Vec<u8>, String) {
    let mut child = isolated(Command::new(env!("CARGO_BIN_EXE_idscope")))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the idscope binary starts");
    if let Some(data) = stdin {
        // The binary may stop reading early (a fatal line); a broken pipe is fine then.
        let _ = child.stdin.take().expect("piped").write_all(data);
    }
    let out = child.wait_with_output().expect("the idscope binary runs");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The binary as a newcomer runs it: no settings file, no token in the environment (a
/// developer's own must not change what the tests see).
pub fn isolated(mut cmd: Command) -> Command {
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/idscope-tests")
        .env_remove("IDSCOPE_CONFIG")
        .env_remove("MIXPANEL_TOKEN");
    cmd
}

/// A scratch directory of this test process, `tag` keeping tests apart.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("idscope-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Writes `data` to `name` in the scratch directory `tag`.
pub fn temp_file(tag: &str, name: &str, data: &[u8]) -> PathBuf {
    let p = temp_dir(tag).join(name);
    std::fs::write(&p, data).expect("temp file");
    p
}

/// A rendered buffer as text, one line per row.
pub fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// A set of ids, for comparing clusters.
pub fn set(ids: &[&str]) -> std::collections::BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Every cluster's member set, from `run --format json` output.
pub fn member_sets(
    out: &serde_json::Value,
) -> std::collections::BTreeSet<std::collections::BTreeSet<String>> {
    out["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(|c| {
            c["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| m.as_str().expect("member id").to_string())
                .collect()
        })
        .collect()
}
