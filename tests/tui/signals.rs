//! The terminal under pressure from outside (issue 17): a kill by signal, a suspend (Ctrl-Z,
//! or SIGTSTP from elsewhere) and `fg`, and a clipboard program that never exits — all in the
//! real binary in tmux. Each checks what the user would see: the shell's prompt on a sane
//! terminal, the app redrawn and answering keys.

use crate::common::temp_dir;
use crate::common::tmux::{require_tmux, Tmux};
use crate::support::SHARED;
use idscope::clipboard::{Backend, OSC52_MAX};
use idscope::tui::copy;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_idscope");

/// The tty modes raw mode turns off, as `stty -a` lists them, sorted: the line printed after
/// `MODES=` by [`MODES`]. A sane (cooked) terminal has them all on.
const SANE: &str = "MODES=echo icanon isig opost .";

/// A shell line printing the four modes raw mode changes, e.g. `MODES=-echo -icanon … .`.
const MODES: &str = "echo MODES=$(LC_ALL=C stty -a | tr ' ;' '\\n\\n' \
     | grep -xE -- '-?(echo|icanon|isig|opost)' | LC_ALL=C sort | tr '\\n' ' ').";

/// A scratch directory with the test scenario, and where the app's process id will be.
fn scratch(tag: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(&format!("signals-{tag}"));
    let file = dir.join("shared.json");
    std::fs::write(&file, SHARED).expect("write scenario");
    (file, dir.join("pid"))
}

/// A shell command that writes its process id to `pidfile`, then becomes `idscope ARGS`
/// (same process, so the id is the app's).
fn exec_with_pid(pidfile: &Path, args: &str) -> String {
    format!(
        "sh -c 'echo $$ > \"$0\"; exec \"$@\"' '{}' '{BIN}' {args}",
        pidfile.display()
    )
}

/// The app's process id, once the wrapper has written it.
fn pid(pidfile: &Path) -> String {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(s) = std::fs::read_to_string(pidfile) {
            if s.ends_with('\n') {
                return s.trim().to_string();
            }
        }
        assert!(Instant::now() < end, "the wrapper never wrote the pid");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill(signal: &str, pid: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), pid])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill -{signal} {pid} failed");
}

/// tmux's view of the pane: `#{…}` formats such as `alternate_on` or `cursor_flag`.
fn pane(t: &Tmux, format: &str) -> String {
    t.run(&["display-message", "-p", "-t", "t", format])
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// What [`MODES`] printed (waiting for it): `MODES=… .`, not the command line typed.
fn modes(t: &Tmux) -> String {
    let printed = |s: &str| {
        s.match_indices("MODES=")
            .map(|(i, _)| &s[i..])
            .filter(|rest| !rest.starts_with("MODES=$("))
            .find_map(|rest| rest.find(" .").map(|end| rest[..end + 2].to_string()))
    };
    let s = t.wait_for("the tty modes", |s| printed(s).is_some());
    printed(&s).unwrap_or_default()
}

/// The pane's mouse modes: standard, button, any motion, SGR.
const MOUSE_FLAGS: &str =
    "#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}#{mouse_sgr_flag}";

/// [`MOUSE_FLAGS`] under crossterm's capture (tmux keeps one of the three tracking modes,
/// the last set: any motion).
const CAPTURED: &str = "0011";

/// Sends `signal` to the explorer (the bundled scenarios) and checks what is left: the exit
/// status 128 + `signo`, cooked tty modes, the main screen, the cursor shown, and (with
/// `--mouse`) mouse capture off.
fn killed_by(signal: &str, signo: i32, mouse: bool) {
    require_tmux();
    let tag = signal.to_lowercase();
    let (_, pidfile) = scratch(&tag);
    let script = format!(
        "{}; echo EXIT=$?; {MODES}; echo DONE; sleep 30",
        exec_with_pid(&pidfile, if mouse { "--mouse" } else { "" })
    );
    let t = Tmux::start(&format!("sig-{tag}"), &script, 100, 30).expect("tmux session starts");
    t.wait_text("Open a scenario");
    if mouse {
        assert_eq!(
            pane(&t, MOUSE_FLAGS),
            CAPTURED,
            "--mouse captures the mouse"
        );
    }
    assert_eq!(pane(&t, "#{alternate_on}"), "1");
    kill(signal, &pid(&pidfile));
    let s = t.wait_text("DONE");
    assert!(s.contains(&format!("EXIT={}", 128 + signo)), "{s}");
    assert_eq!(modes(&t), SANE, "the tty was left raw:\n{s}");
    assert!(
        !s.contains("Open a scenario"),
        "still on the app's screen:\n{s}"
    );
    assert_eq!(
        pane(&t, "#{alternate_on}"),
        "0",
        "the alternate screen stayed on"
    );
    assert_eq!(pane(&t, "#{cursor_flag}"), "1", "the cursor stayed hidden");
    assert_eq!(pane(&t, MOUSE_FLAGS), "0000", "mouse capture stayed on");
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn sigterm_restores_the_terminal_and_exits_143() {
    killed_by("TERM", 15, false);
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn sighup_restores_the_terminal_and_mouse_and_exits_129() {
    killed_by("HUP", 1, true);
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn sigint_from_outside_restores_the_terminal_and_exits_130() {
    killed_by("INT", 2, false);
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn sigquit_restores_the_terminal_and_exits_131() {
    killed_by("QUIT", 3, false);
}

/// An interactive bash (job control, so `fg` works) in a pane, running the explorer on the
/// test scenario; returns the session and the app's pid file.
fn explorer_under_bash(tag: &str, args: &str) -> (Tmux, PathBuf) {
    require_tmux();
    let (file, pidfile) = scratch(tag);
    let t = Tmux::start(
        &format!("susp-{tag}"),
        "env PS1='$ ' bash --norc --noprofile -i",
        100,
        30,
    )
    .expect("tmux session starts");
    t.wait_for("the prompt", |s| s.lines().any(|l| l.trim_end() == "$"));
    let cmd = exec_with_pid(&pidfile, &format!("{args} '{}'", file.display()));
    t.text(&cmd);
    t.keys(&["Enter"]);
    t.wait_text("step 1/6");
    (t, pidfile)
}

/// After a stop: the shell has the terminal back, cooked, on the main screen; `fg` brings
/// the app back whole (nothing of the shell's lines left on it) and it answers keys; `q`
/// exits 0.
fn stopped_then_fg(t: &Tmux) {
    let s = t.wait_text("Stopped");
    assert_eq!(
        pane(t, "#{alternate_on}"),
        "0",
        "still on the app's screen:\n{s}"
    );
    assert_eq!(pane(t, "#{cursor_flag}"), "1", "the cursor stayed hidden");
    t.text(MODES);
    t.keys(&["Enter"]);
    assert_eq!(modes(t), SANE, "the tty was left raw");

    t.text("fg");
    t.keys(&["Enter"]);
    let s = t.wait_for("the app redrawn", |s| {
        s.contains("step 1/6") && !s.contains("MODES=") && !s.contains("Stopped")
    });
    assert!(s.contains("Payloads ·"), "not fully redrawn:\n{s}");
    assert_eq!(pane(t, "#{alternate_on}"), "1");
    // Raw again: a single key acts at once.
    t.keys(&["l"]);
    t.wait_text("step 2/6");
    t.keys(&["q"]);
    t.wait_for("the prompt", |s| !s.contains("step 2/6"));
    t.text("echo EXIT=$?");
    t.keys(&["Enter"]);
    t.wait_text("EXIT=0");
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn ctrl_z_suspends_to_the_shell_and_fg_redraws() {
    let (t, _) = explorer_under_bash("ctrlz", "");
    t.keys(&["C-z"]);
    stopped_then_fg(&t);
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn sigtstp_from_outside_suspends_and_fg_redraws() {
    let (t, pidfile) = explorer_under_bash("tstp", "--mouse");
    assert_eq!(pane(&t, MOUSE_FLAGS), CAPTURED);
    kill("TSTP", &pid(&pidfile));
    let s = t.wait_text("Stopped");
    assert_eq!(
        pane(&t, MOUSE_FLAGS),
        "0000",
        "mouse capture stayed on:\n{s}"
    );
    stopped_then_fg(&t);
}

/// A clipboard program that never exits: the UI keeps answering keys while it runs, and
/// the status bar says it timed out soon after the timeout.
#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn a_hung_clipboard_command_times_out_without_freezing_the_ui() {
    require_tmux();
    let (file, _) = scratch("hung");
    let cmd = format!(
        "'{BIN}' --clipboard 'command:sleep 100' '{}'; echo EXIT=$?; sleep 30",
        file.display()
    );
    let t = Tmux::start("hung", &cmd, 220, 30).expect("tmux session starts");
    t.wait_text("step 1/6");
    let copied = Instant::now();
    t.keys(&["y"]);
    t.keys(&["l"]);
    t.wait_text("step 2/6");
    let answered = copied.elapsed();
    assert!(
        answered < Duration::from_secs(1),
        "the UI froze for {answered:?} while the clipboard command ran"
    );
    let s = t.wait_text("timed out");
    let reported = copied.elapsed();
    assert!(
        reported < Duration::from_millis(3500),
        "the timeout was reported after {reported:?}"
    );
    assert!(s.contains("could not copy payload"), "{s}");
    assert!(s.contains("sleep 100"), "names the program:\n{s}");
    t.keys(&["q"]);
    t.wait_text("EXIT=0");
}

/// Above the cap nothing goes through OSC 52 (a huge escape sequence freezes terminals); the
/// message gives both sizes and the ways that work.
#[test]
fn a_copy_too_large_for_osc52_is_not_sent_and_says_why() {
    let big = vec![b'a'; OSC52_MAX + 1];
    let mut term = Vec::new();
    let msg = copy::execute(&[Backend::Osc52], "everything", &big, &mut term);
    assert!(term.is_empty(), "{} bytes of OSC 52 were sent", term.len());
    assert!(msg.contains("could not copy everything (1.0 MiB)"), "{msg}");
    assert!(
        msg.contains("too large for OSC 52 (1.0 MiB, over its 1 MiB limit)"),
        "{msg}"
    );
    assert!(msg.contains("--clipboard command:"), "{msg}");
    // At the cap it still goes.
    let at = vec![b'a'; OSC52_MAX];
    let msg = copy::execute(&[Backend::Osc52], "everything", &at, &mut term);
    assert!(term.starts_with(b"\x1b]52;c;"), "{msg}");
    assert!(
        msg.contains("copied everything (1.0 MiB) via OSC 52"),
        "{msg}"
    );
}

/// The timeout holds even when the program never reads a copy larger than the pipe's buffer
/// (the write would block as long as the wait): it is killed, and the message says so.
#[test]
fn a_clipboard_program_that_never_reads_is_killed_after_the_timeout() {
    let hung = [Backend::Command(vec!["sleep".into(), "100".into()])];
    let data = vec![b'a'; 1024 * 1024];
    let began = Instant::now();
    let msg = copy::execute(&hung, "everything", &data, &mut Vec::new());
    let took = began.elapsed();
    assert!(
        took >= idscope::clipboard::COMMAND_TIMEOUT && took < Duration::from_secs(4),
        "returned after {took:?}"
    );
    assert!(
        msg.contains("failed: sleep 100 (timed out after 2 s; killed it)"),
        "{msg}"
    );
}

/// The terminal going away (the window closed, tmux's session killed) ends the app: before,
/// crossterm's input poll spun on the hung-up tty at full CPU forever, deaf to SIGHUP.
#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn the_app_exits_when_its_terminal_goes_away() {
    require_tmux();
    for (tag, args) in [
        ("hup-scenarios", String::new()),
        ("hup-export", {
            let dir = temp_dir("signals-hup-export");
            let f = dir.join("e.jsonl");
            std::fs::write(
                &f,
                "{\"event\":\"A\",\"properties\":{\"distinct_id\":\"u\",\"time\":1}}\n",
            )
            .expect("write export");
            format!("'{}'", f.display())
        }),
    ] {
        let (_, pidfile) = scratch(tag);
        let t =
            Tmux::start(tag, &exec_with_pid(&pidfile, &args), 80, 24).expect("tmux session starts");
        let pid = pid(&pidfile);
        t.wait_for("the app's screen", |s| s.contains("idscope"));
        t.run(&["kill-server"]);
        let end = Instant::now() + Duration::from_secs(5);
        while std::path::Path::new(&format!("/proc/{pid}")).exists() {
            if Instant::now() > end {
                let _ = Command::new("kill").args(["-9", &pid]).status();
                panic!("{tag}: the app outlived its terminal by 5 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
