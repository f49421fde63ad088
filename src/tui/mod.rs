//! The interactive explorer (behind the default `tui` feature): step through a scenario,
//! switch merge modes with a keypress; or browse a real export.
//!
//! TEA-lite: each screen ([`app::App`], the scenario explorer; [`export_view::ExportApp`]) is
//! a model with an action vocabulary (keys, mouse and tests all speak it) and a pure
//! `update` that returns [`shell::Effect`]s. [`shell`] is the one event loop that carries
//! them out; [`views`] draw the explorer (`impl Widget for &App`); [`layout`] computes where
//! everything goes; [`keymap`] holds the key tables behind dispatch, hints and help.

pub mod app;
pub mod copy;
pub mod export_menu;
pub mod export_view;
pub mod keymap;
pub mod layout;
mod panic_key;
pub mod playground;
pub mod reload;
pub mod shell;
pub mod source;
pub mod step_clusters;
pub mod theme;
pub mod views;

use std::io::IsTerminal;
use std::path::Path;

/// Options of `idscope [FILE|DIR]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExploreOptions {
    /// Capture the mouse (wheel scrolls, click selects). Off by default: capture disables the
    /// terminal's own text selection.
    pub mouse: bool,
    /// The rule book's knobs (`--max-cluster`, `--guid-check`, `--identify-links`).
    pub knobs: idscope_core::model::Knobs,
    /// Where copies go (`--clipboard`); `auto` picks from the environment.
    pub clipboard: crate::clipboard::Setting,
    /// Draw without colour (`theme` in the settings, else `NO_COLOR`).
    pub mono: bool,
    /// The mode and playbook shown first (the settings file's `mode`, `playbook`).
    pub mode: Option<idscope_core::model::Mode>,
    pub playbook: Option<idscope_core::model::Mode>,
}

/// `idscope new`: the explorer on a new, empty scenario with one device (issue 8).
/// Exit codes as for [`explore`]: 0 after quitting, 2 when stdout is not a terminal or the
/// terminal fails.
pub fn new_scenario(opts: ExploreOptions) -> i32 {
    if !std::io::stdout().is_terminal() {
        eprintln!(
            "idscope: the playground needs a terminal, and stdout is not one.\n\
             For scripts and pipes, write a scenario file and use:\n  idscope run FILE --mode simplified --format table"
        );
        return 2;
    }
    let mut app = playground::new_app();
    app.mouse = opts.mouse;
    app.clipboard = crate::clipboard::choose(&crate::clipboard::Env::detect(), &opts.clipboard);
    app.set_knobs(opts.knobs);
    app.theme = theme::Theme::pick(opts.mono);
    app.start_in(opts.mode, opts.playbook);
    let _ = color_eyre::install();
    match shell::run(&mut app) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: the terminal failed: {e:?}");
            2
        }
    }
}

/// The explorer with explicit options. Exit codes: 0 after quitting; 2 when nothing can be
/// opened, when stdout is not a terminal (with a hint to use `idscope run`), or when the
/// terminal fails.
pub fn explore(path: Option<&Path>, opts: ExploreOptions) -> i32 {
    // A raw export (JSONL/NDJSON, gzip, an array of events) opens the export view.
    if let Some(p) = path.filter(|p| p.is_file() && export_view::load::is_export(p)) {
        return export_view::explore(p, &opts);
    }
    let entries = match source::load(path) {
        Ok(e) => e,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    if !std::io::stdout().is_terminal() {
        let file = match (
            path,
            entries
                .iter()
                .find_map(|e| e.scenario.as_ref().ok().map(|_| &e.origin)),
        ) {
            (Some(p), _) if p.is_file() => p.display().to_string(),
            (_, Some(origin)) if path.is_some() => origin.clone(),
            _ => "FILE".to_string(),
        };
        eprintln!(
            "idscope: the explorer needs a terminal, and stdout is not one.\n\
             For scripts and pipes use:\n  idscope run {} --mode simplified --format table",
            idscope_core::text::visible(&file)
        );
        return 2;
    }
    let several = entries.len() > 1;
    let mut app = match app::App::new(entries) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    app.mouse = opts.mouse;
    app.clipboard = crate::clipboard::choose(&crate::clipboard::Env::detect(), &opts.clipboard);
    app.set_knobs(opts.knobs);
    app.theme = theme::Theme::pick(opts.mono);
    app.start_in(opts.mode, opts.playbook);
    if several {
        app.overlay = Some(app::Overlay::Picker {
            selected: app.current,
        });
    }
    // color-eyre's hooks first, so ratatui's panic hook (installed by init) restores the
    // terminal before the report is printed. A second install (tests) is harmless.
    let _ = color_eyre::install();
    match shell::run(&mut app) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: the terminal failed: {e:?}");
            2
        }
    }
}
