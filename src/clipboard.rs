//! Copying to the clipboard locally, over SSH and inside tmux (issue 4). The backend is
//! chosen by a pure function of the
//! environment; data always goes through stdin or the terminal, never through arguments.
//!
//! A copy has two halves (issue 17): OSC 52 is written to the terminal (the app does it on
//! its UI thread, between frames) and the programs (tmux, native tools) may wait, so they run
//! elsewhere, each stopped after [`COMMAND_TIMEOUT`].

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Above this size a file export is the better advice.
pub const LARGE: usize = 100 * 1024;

/// The most a copy sends through OSC 52 (data, before base64): terminals stall parsing a
/// huge escape sequence (78 MB froze one for 4 s) and many cap or drop it anyway.
pub const OSC52_MAX: usize = 1024 * 1024;

/// How long a clipboard program may run before it is killed: one that never exits (e.g.
/// waiting for a display that is not there) must not hold the copy forever.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// How often a running clipboard program is checked on.
const POLL: Duration = Duration::from_millis(5);

/// The `--clipboard` setting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Setting {
    #[default]
    Auto,
    Osc52,
    Tmux,
    /// A program and its arguments; the data goes to its stdin.
    Command(Vec<String>),
    None,
}

impl Setting {
    /// Parses `auto`, `osc52`, `tmux`, `none` or `command:<argv>` (split on spaces).
    pub fn parse(s: &str) -> Option<Setting> {
        match s {
            "auto" => Some(Setting::Auto),
            "osc52" => Some(Setting::Osc52),
            "tmux" => Some(Setting::Tmux),
            "none" => Some(Setting::None),
            _ => {
                let argv: Vec<String> = s
                    .strip_prefix("command:")?
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                (!argv.is_empty()).then_some(Setting::Command(argv))
            }
        }
    }
}

/// The facts about the environment that decide the backend.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    pub tmux: bool,
    pub ssh: bool,
    pub wayland: bool,
    pub x11: bool,
    pub macos: bool,
    pub wsl: bool,
    /// Programs found on PATH, of those we know.
    pub programs: Vec<String>,
}

impl Env {
    /// Reads the real environment.
    pub fn detect() -> Env {
        let var = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        let programs = ["wl-copy", "xclip", "xsel", "pbcopy", "clip.exe", "tmux"]
            .into_iter()
            .filter(|p| on_path(p))
            .map(str::to_string)
            .collect();
        Env {
            tmux: var("TMUX"),
            ssh: var("SSH_CONNECTION") || var("SSH_TTY") || var("SSH_CLIENT"),
            wayland: var("WAYLAND_DISPLAY"),
            x11: var("DISPLAY"),
            macos: cfg!(target_os = "macos"),
            wsl: var("WSL_DISTRO_NAME"),
            programs,
        }
    }

    fn has(&self, p: &str) -> bool {
        self.programs.iter().any(|x| x == p)
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// One way to reach a clipboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// `tmux load-buffer -w -`: tmux's buffer, and the outer clipboard when tmux allows.
    Tmux,
    /// The OSC 52 escape sequence written to the terminal; cannot be confirmed.
    Osc52,
    /// A native program reading stdin.
    Command(Vec<String>),
}

impl Backend {
    pub fn name(&self) -> String {
        match self {
            Backend::Tmux => "tmux buffer".into(),
            Backend::Osc52 => "OSC 52".into(),
            // Typed by the user, shown in the status bar: no control character goes raw.
            Backend::Command(argv) => idscope_core::text::visible(&argv.join(" ")).into_owned(),
        }
    }

    /// Whether the backend runs a program (which may wait) rather than writing to the terminal.
    pub fn runs_program(&self) -> bool {
        !matches!(self, Backend::Osc52)
    }
}

/// The backends to use, in order (all of them are tried). Empty: no clipboard here.
pub fn choose(env: &Env, setting: &Setting) -> Vec<Backend> {
    match setting {
        Setting::None => Vec::new(),
        Setting::Osc52 => vec![Backend::Osc52],
        Setting::Tmux => vec![Backend::Tmux],
        Setting::Command(argv) => vec![Backend::Command(argv.clone())],
        Setting::Auto if env.tmux => vec![Backend::Tmux],
        // Over SSH a local program would fill the remote machine's clipboard.
        Setting::Auto if env.ssh => vec![Backend::Osc52],
        Setting::Auto => {
            let native = native_command(env);
            let mut out: Vec<Backend> = native.into_iter().map(Backend::Command).collect();
            out.push(Backend::Osc52);
            out
        }
    }
}

fn native_command(env: &Env) -> Option<Vec<String>> {
    let argv = |a: &[&str]| Some(a.iter().map(|s| s.to_string()).collect());
    if env.macos && env.has("pbcopy") {
        return argv(&["pbcopy"]);
    }
    if env.wsl && env.has("clip.exe") {
        return argv(&["clip.exe"]);
    }
    if env.wayland && env.has("wl-copy") {
        return argv(&["wl-copy"]);
    }
    if env.x11 && env.has("xclip") {
        return argv(&["xclip", "-selection", "clipboard"]);
    }
    if env.x11 && env.has("xsel") {
        return argv(&["xsel", "--clipboard", "--input"]);
    }
    None
}

/// The OSC 52 sequence that asks the terminal to set the clipboard to `data`.
pub fn osc52(data: &[u8]) -> Vec<u8> {
    let mut out = b"\x1b]52;c;".to_vec();
    out.extend(base64(data).into_bytes());
    out.push(0x07);
    out
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// What happened when copying, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Backends that took the data.
    pub delivered: Vec<String>,
    /// Backends that failed, with why.
    pub failed: Vec<String>,
    /// Whether OSC 52 was among them (it cannot be confirmed).
    pub unconfirmed: bool,
}

impl Outcome {
    /// A one-line message: what, how big, by which path, and how sure we are.
    pub fn message(&self, what: &str, bytes: usize) -> String {
        let size = idscope_core::text::human_size(bytes as u64);
        let mut msg = if self.delivered.is_empty() {
            format!("could not copy {what} ({size}): no clipboard available — press x to write a file instead")
        } else {
            format!("copied {what} ({size}) via {}", self.delivered.join(" + "))
        };
        if self.unconfirmed && !self.delivered.is_empty() {
            msg.push_str(" (OSC 52 can't be confirmed; your terminal must allow it)");
        }
        if !self.failed.is_empty() {
            msg.push_str(&format!("; failed: {}", self.failed.join(", ")));
        }
        if bytes > LARGE {
            msg.push_str(" — large: consider writing a file (x)");
        }
        msg
    }

    /// Both halves of a copy in one: `self`'s backends first.
    pub fn merge(mut self, other: Outcome) -> Outcome {
        self.delivered.extend(other.delivered);
        self.failed.extend(other.failed);
        self.unconfirmed |= other.unconfirmed;
        self
    }
}

/// Sends `data` to every backend, on this thread: OSC 52 first, to `terminal` (the real
/// stdout in the app, a buffer in tests), then the programs.
pub fn copy(backends: &[Backend], data: &[u8], terminal: &mut dyn Write) -> Outcome {
    let to_programs = if backends.iter().any(Backend::runs_program) {
        copy_to_programs(backends, Arc::from(data))
    } else {
        Outcome::default()
    };
    copy_to_terminal(backends, data, terminal).merge(to_programs)
}

/// The terminal's half of a copy: OSC 52, when among `backends` and not over
/// [`OSC52_MAX`].
pub fn copy_to_terminal(backends: &[Backend], data: &[u8], terminal: &mut dyn Write) -> Outcome {
    let mut out = Outcome::default();
    if !backends.contains(&Backend::Osc52) {
        return out;
    }
    if data.len() > OSC52_MAX {
        out.failed.push(format!(
            "too large for OSC 52 ({}, over its {} MiB limit): use --clipboard command:<program>",
            idscope_core::text::human_size(data.len() as u64),
            OSC52_MAX >> 20
        ));
        return out;
    }
    match terminal
        .write_all(&osc52(data))
        .and_then(|_| terminal.flush())
    {
        Ok(()) => {
            out.unconfirmed = true;
            out.delivered.push(Backend::Osc52.name());
        }
        Err(e) => out.failed.push(format!("{} ({e})", Backend::Osc52.name())),
    }
    out
}

/// The programs' half of a copy (tmux, native tools), one after another, each killed after
/// [`COMMAND_TIMEOUT`]. It waits on them: the app runs it off its UI thread.
pub fn copy_to_programs(backends: &[Backend], data: Arc<[u8]>) -> Outcome {
    let mut out = Outcome::default();
    for b in backends {
        let result = match b {
            Backend::Osc52 => continue,
            Backend::Tmux => pipe_to(
                &["tmux".into(), "load-buffer".into(), "-w".into(), "-".into()],
                Arc::clone(&data),
                COMMAND_TIMEOUT,
            ),
            Backend::Command(argv) => pipe_to(argv, Arc::clone(&data), COMMAND_TIMEOUT),
        };
        match result {
            Ok(()) => out.delivered.push(b.name()),
            Err(e) => out.failed.push(format!("{} ({e})", b.name())),
        }
    }
    out
}

/// Runs a program with `data` on its stdin (its own output discarded) and waits for it, at
/// most `timeout`: then it is killed and the error says so.
pub fn pipe_to(argv: &[String], data: Arc<[u8]>, timeout: Duration) -> Result<(), String> {
    let (program, args) = argv.split_first().ok_or("empty command")?;
    let deadline = Instant::now() + timeout;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    // The data goes in from a thread of its own: past the pipe's buffer, a program that does
    // not read blocks the write as surely as the wait. Once the program is gone the write
    // fails and the thread ends.
    let (tx, written) = mpsc::channel();
    if let Some(mut stdin) = child.stdin.take() {
        let writer = std::thread::Builder::new()
            .name("clipboard-stdin".into())
            .spawn(move || {
                let _ = tx.send(stdin.write_all(&data).map_err(|e| e.to_string()));
            });
        if let Err(e) = writer {
            kill(&mut child);
            return Err(format!("cannot start a thread: {e}"));
        }
    }
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                kill(&mut child);
                return Err(format!(
                    "timed out after {} s; killed it",
                    timeout.as_secs_f32()
                ));
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => {
                kill(&mut child);
                return Err(e.to_string());
            }
        }
    };
    if !status.success() {
        return Err(format!("exited with {status}"));
    }
    // It exited, so the write is over — unless a program it started still holds the pipe.
    let left = deadline.saturating_duration_since(Instant::now());
    match written.recv_timeout(left.max(Duration::from_millis(100))) {
        Ok(Ok(())) | Err(mpsc::RecvTimeoutError::Disconnected) => Ok(()),
        Ok(Err(e)) => Err(e),
        Err(mpsc::RecvTimeoutError::Timeout) => Err("exited without reading its input".into()),
    }
}

/// Kills a clipboard program and reaps it (no zombie left behind).
fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }
}
