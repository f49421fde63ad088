//! Live reload against a hostile or busy disk (issue 17): a FIFO, a device or a huge file in
//! place of the open scenario never blocks the screen; a change that keeps mtime and size
//! is still seen; a deletion is said; and an external change is never lost to a save or
//! hidden by an undo.

use crate::common::tmux::{require_tmux, Tmux};
use crate::support::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use idscope::tui::app::{update, Action, App, Effect};
use idscope::tui::keymap::map_event;
use idscope::tui::playground::Prompt;
use idscope::tui::{reload, source};
use std::path::{Path, PathBuf};

const BIN: &str = env!("CARGO_BIN_EXE_idscope");

/// A fresh directory for one test.
fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("idscope-races-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The explorer on `path`, watching it (the first tick reads it).
fn watched(path: &Path) -> App {
    let mut app = App::new(source::load(Some(path)).unwrap()).unwrap();
    update(&mut app, Action::Resize(120, 30));
    act(&mut app, Action::Tick);
    app
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let ev = KeyEvent::new(code, KeyModifiers::NONE);
    match map_event(&Event::Key(ev), app) {
        Some(a) => act(app, a),
        None => Vec::new(),
    }
}

fn ch(app: &mut App, c: char) -> Vec<Effect> {
    press(app, KeyCode::Char(c))
}

/// The notice the status bar keeps about the file on disk.
fn notice(app: &App) -> String {
    reload::error(app).unwrap_or_default().to_string()
}

/// Another program's version of the scenario: step 4 renamed.
fn theirs() -> String {
    SHARED.replace("\"Bought\"", "\"Purchased\"")
}

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo works");
}

// ---- item 4: nothing but regular files is read, and not too much ----

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn a_fifo_in_place_of_the_open_file_leaves_q_working() {
    require_tmux();
    let d = dir("fifo-tmux");
    let file = d.join("shared.json");
    std::fs::write(&file, SHARED).unwrap();
    let cmd = format!("'{BIN}' '{}'; echo EXIT=$?; sleep 30", file.display());
    let t = Tmux::start("races-fifo", &cmd, 220, 40).expect("tmux session starts");
    t.wait_text("step 1/6");
    std::fs::remove_file(&file).unwrap();
    mkfifo(&file);
    t.wait_text("named pipe (FIFO)");
    t.keys(&["q"]);
    t.wait_text("EXIT=0");
}

#[test]
fn a_device_or_a_huge_file_in_place_of_the_open_file_is_not_read() {
    let d = dir("devzero");
    let file = d.join("shared.json");
    std::fs::write(&file, SHARED).unwrap();
    let mut app = watched(&file);
    // A link to /dev/zero would be read until memory runs out.
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &file).unwrap();
    act(&mut app, Action::Tick);
    assert!(
        notice(&app).contains("a character device"),
        "{}",
        notice(&app)
    );
    assert_eq!(app.total_steps(), 6, "the last good version stays");
    // A FIFO: never opened.
    std::fs::remove_file(&file).unwrap();
    mkfifo(&file);
    act(&mut app, Action::Tick);
    assert!(
        notice(&app).contains("named pipe (FIFO)"),
        "{}",
        notice(&app)
    );
    // A regular file over the cap (sparse: no disk used).
    std::fs::remove_file(&file).unwrap();
    let f = std::fs::File::create(&file).unwrap();
    f.set_len(reload::MAX_SCENARIO_BYTES + 1).unwrap();
    act(&mut app, Action::Tick);
    assert!(notice(&app).contains("is larger than"), "{}", notice(&app));
    assert!(screen(&draw(&mut app, 200, 30)).contains("larger than"));
    // Back to a scenario: reloaded.
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, theirs()).unwrap();
    act(&mut app, Action::Tick);
    assert_eq!(notice(&app), "");
    assert!(screen(&draw(&mut app, 120, 30)).contains("Purchased"));
}

// ---- item 5: an external change is never lost or hidden ----

#[test]
fn edit_then_external_change_then_undo_shows_the_file_on_disk() {
    let d = dir("undo");
    let file = d.join("shared.json");
    std::fs::write(&file, SHARED).unwrap();
    let mut app = watched(&file);
    ch(&mut app, 'd'); // an edit: step 1 deleted
    assert!(app.dirty);
    std::fs::write(&file, theirs()).unwrap();
    act(&mut app, Action::Tick);
    assert_eq!(app.total_steps(), 5, "not reloaded over the edit");
    assert!(notice(&app).contains("changed on disk"), "{}", notice(&app));
    update(&mut app, Action::StepNext);
    let s = screen(&draw(&mut app, 200, 30));
    assert!(
        s.contains("changed on disk"),
        "the status bar says so:\n{s}"
    );
    // Undo: no edits left, so the version on disk is shown now.
    ch(&mut app, 'u');
    act(&mut app, Action::Tick);
    assert!(!app.dirty);
    assert_eq!(app.total_steps(), 6);
    assert!(screen(&draw(&mut app, 120, 30)).contains("Purchased"));
    assert_eq!(notice(&app), "");
}

/// Edit, let another program change the file, then `s` Enter onto the open file.
fn conflict(tag: &str) -> (App, PathBuf) {
    let d = dir(tag);
    let file = d.join("shared.json");
    std::fs::write(&file, SHARED).unwrap();
    let mut app = watched(&file);
    ch(&mut app, 'd');
    std::fs::write(&file, theirs()).unwrap();
    act(&mut app, Action::Tick);
    ch(&mut app, 's');
    press(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.playground.prompt, Some(Prompt::Conflict { .. })),
        "{:?}",
        app.playground.prompt
    );
    let s = screen(&draw(&mut app, 120, 40));
    for offer in [
        "changed on disk",
        "r  reload",
        "k  keep mine",
        "e  save elsewhere",
    ] {
        assert!(s.contains(offer), "{offer}:\n{s}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), theirs());
    (app, file)
}

#[test]
fn saving_over_an_external_change_offers_reload_keep_or_elsewhere() {
    // r: their version is shown, the edits dropped, the file untouched.
    let (mut app, file) = conflict("conflict-r");
    ch(&mut app, 'r');
    assert!(app.playground.prompt.is_none());
    assert!(!app.dirty);
    assert_eq!(app.total_steps(), 6);
    assert!(screen(&draw(&mut app, 120, 30)).contains("Purchased"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), theirs());

    // e: saved beside it; their file untouched.
    let (mut app, file) = conflict("conflict-e");
    ch(&mut app, 'e');
    let Some(Prompt::Save { text, .. }) = &app.playground.prompt else {
        panic!("{:?}", app.playground.prompt);
    };
    assert!(text.ends_with("shared.mine.json"), "{text}");
    press(&mut app, KeyCode::Enter);
    assert!(app.playground.prompt.is_none(), "{:?}", app.message);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), theirs());
    let mine = std::fs::read_to_string(file.with_file_name("shared.mine.json")).unwrap();
    assert!(
        !mine.contains("\"Home\""),
        "my edit (step 1 deleted) is saved"
    );

    // k: mine replaces theirs, knowingly; no "changed on disk" afterwards.
    let (mut app, file) = conflict("conflict-k");
    ch(&mut app, 'k');
    assert!(app.playground.prompt.is_none());
    assert!(!app.dirty);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("Purchased") && !text.contains("\"Home\""),
        "{text}"
    );
    act(&mut app, Action::Tick);
    assert_eq!(notice(&app), "");
    assert_eq!(app.total_steps(), 5);

    // Esc: nothing saved.
    let (mut app, file) = conflict("conflict-esc");
    press(&mut app, KeyCode::Esc);
    assert!(app.dirty);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), theirs());
}

#[test]
fn a_change_made_after_the_overwrite_question_is_not_overwritten() {
    let d = dir("late");
    let file = d.join("shared.json");
    std::fs::write(&file, SHARED).unwrap();
    let mut app = watched(&file);
    ch(&mut app, 'd');
    ch(&mut app, 's');
    press(&mut app, KeyCode::Enter);
    assert!(matches!(
        app.playground.prompt,
        Some(Prompt::Overwrite { .. })
    ));
    // Written while the question is open, with no tick in between: the last look sees it.
    std::fs::write(&file, theirs()).unwrap();
    ch(&mut app, 'y');
    assert!(
        matches!(app.playground.prompt, Some(Prompt::Conflict { .. })),
        "{:?}",
        app.playground.prompt
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), theirs());
}

// ---- item 6: changes that keep the stamp, and deletions ----

#[test]
fn a_change_keeping_mtime_and_size_is_reloaded() {
    let d = dir("samestamp");
    let file = d.join("shared.json");
    std::fs::write(&file, SHARED).unwrap();
    let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
    let mut app = watched(&file);
    // What `cp -p` of a same-size file does: new bytes, the old mtime.
    let hall = SHARED.replace("\"Home\"", "\"Hall\"");
    assert_eq!(hall.len(), SHARED.len());
    std::fs::write(&file, &hall).unwrap();
    let f = std::fs::File::options().write(true).open(&file).unwrap();
    f.set_modified(mtime).unwrap();
    drop(f);
    for _ in 0..reload::RECHECK_TICKS {
        act(&mut app, Action::Tick);
    }
    assert!(
        app.message.as_deref().unwrap_or("").starts_with("reloaded"),
        "{:?}",
        app.message
    );
    assert!(screen(&draw(&mut app, 120, 30)).contains("Hall"));
}

#[test]
#[cfg_attr(no_tmux, ignore = "tmux is not installed")]
fn cp_p_over_the_open_file_is_reloaded_in_tmux() {
    require_tmux();
    let d = dir("cpp-tmux");
    let file = d.join("shared.json");
    std::fs::write(&file, SHARED).unwrap();
    let cmd = format!("'{BIN}' '{}'; echo EXIT=$?; sleep 30", file.display());
    let t = Tmux::start("races-cpp", &cmd, 160, 40).expect("tmux session starts");
    t.wait_text("step 1/6");
    // A first change, seen: the watch has read the file.
    std::fs::write(&file, theirs()).unwrap();
    t.wait_text("Purchased");
    // `cp -p` of a same-size file with the same mtime.
    let other = d.join("other.json");
    std::fs::write(&other, theirs().replace("\"Home\"", "\"Hall\"")).unwrap();
    let touched = std::process::Command::new("touch")
        .arg("-r")
        .args([&file, &other])
        .status();
    assert!(touched.is_ok_and(|s| s.success()));
    let copied = std::process::Command::new("cp")
        .arg("-p")
        .args([&other, &file])
        .status();
    assert!(copied.is_ok_and(|s| s.success()));
    t.wait_text("Hall");
    t.keys(&["q"]);
    t.wait_text("EXIT=0");
}

#[test]
fn a_deleted_file_is_said_and_saving_recreates_it() {
    let d = dir("deleted");
    let file = d.join("shared.json");
    std::fs::write(&file, SHARED).unwrap();
    let mut app = watched(&file);
    std::fs::remove_file(&file).unwrap();
    act(&mut app, Action::Tick);
    assert!(notice(&app).contains("deleted on disk"), "{}", notice(&app));
    assert_eq!(app.total_steps(), 6, "the scenario stays");
    update(&mut app, Action::StepNext);
    let s = screen(&draw(&mut app, 200, 30));
    assert!(s.contains("deleted on disk"), "{s}");
    // s Enter: written again, no question (there is nothing to overwrite).
    ch(&mut app, 's');
    press(&mut app, KeyCode::Enter);
    assert!(
        app.playground.prompt.is_none(),
        "{:?}",
        app.playground.prompt
    );
    let back = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        idscope_core::scenario::parse(&back, "x").unwrap(),
        app.scenario
    );
    act(&mut app, Action::Tick);
    assert_eq!(notice(&app), "");
}
