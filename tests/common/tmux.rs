//! Driving the real binary in tmux: a server of our own (unique socket, no user config),
//! killed on drop; the screen is polled with a bounded timeout (IDSCOPE_E2E_TIMEOUT_MS,
//! default 10 s) instead of sleeping.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Fails the test when tmux is missing: an end-to-end test that skips would report a pass
/// it never earned (CI installs tmux; so should a developer).
pub fn require_tmux() {
    assert!(
        have_tmux(),
        "tmux is needed for the end-to-end tests: install it (apt-get install tmux)"
    );
}

pub fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn timeout() -> Duration {
    let ms = std::env::var("IDSCOPE_E2E_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    Duration::from_millis(ms)
}

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `cmd` in a `w`×`h` session; `tag` keeps parallel tests' sockets apart.
    pub fn start(tag: &str, cmd: &str, w: u16, h: u16) -> Option<Tmux> {
        let t = Tmux {
            socket: format!("idscope-{tag}-{}", std::process::id()),
        };
        let (w, h) = (w.to_string(), h.to_string());
        t.run(&["new-session", "-d", "-s", "t", "-x", &w, "-y", &h, cmd])
            .is_some_and(|o| o.status.success())
            .then_some(t)
    }

    pub fn run(&self, args: &[&str]) -> Option<Output> {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .ok()
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-t", "t", "-p"])
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Named keys (`Enter`, `Tab`, `C-u`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Literal text.
    pub fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
    }

    /// Polls the screen until `ok` accepts it.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + timeout();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if Instant::now() > end {
                panic!("timed out waiting for {what}; the screen was:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    pub fn wait_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}
