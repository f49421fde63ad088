//! A test-only panic trigger, to prove the terminal is restored after a panic (issue 7).
//! Debug builds only: with `IDSCOPE_TEST_PANIC_KEY=P`, pressing `P` panics. Release builds
//! have no trigger at all.

use crossterm::event::Event;

/// Panics when `ev` is the key named by `IDSCOPE_TEST_PANIC_KEY` (debug builds only).
#[cfg(debug_assertions)]
pub fn check(ev: &Event) {
    use crossterm::event::{KeyCode, KeyEventKind};
    use std::sync::OnceLock;
    static KEY: OnceLock<Option<char>> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        let v = std::env::var("IDSCOPE_TEST_PANIC_KEY").ok()?;
        let mut chars = v.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    });
    if let (Some(want), Event::Key(k)) = (key, ev) {
        if k.kind != KeyEventKind::Release && k.code == KeyCode::Char(*want) {
            panic!("IDSCOPE_TEST_PANIC_KEY: test panic on key {want:?}");
        }
    }
}

/// Release builds: no trigger.
#[cfg(not(debug_assertions))]
pub fn check(_ev: &Event) {}
