//! The screenshots in `docs/screenshots/` (issue 18): the explorer, compare, the identity
//! graph and the export view drawn by the app's own code on a TestBackend and saved as SVG
//! (`screenshot_svg.rs`). The test fails when a picture no longer matches what the app
//! draws; `IDSCOPE_UPDATE_SCREENSHOTS=1 cargo test --test tui screenshots` rewrites them.
//!
//! Nothing here depends on the machine: bundled scenarios, a generated export held in
//! memory, a fixed size and the colour theme set explicitly (not from `NO_COLOR`).

use crate::screenshot_svg;
use idscope::tui::app::{update, Action, App};
use idscope::tui::export_view::{self, load::parse, ExportApp, XAction};
use idscope::tui::theme;
use idscope_core::gen::{generate, Shape};
use idscope_core::model::{Knobs, Mode};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::widgets::Widget;
use ratatui::Terminal;
use std::path::PathBuf;

const W: u16 = 120;
const H: u16 = 36;
const UPDATE: &str = "IDSCOPE_UPDATE_SCREENSHOTS";

/// The scenario the explorer screenshots show, and the step they stop at.
const SCENARIO: &str = "04-shared-device-no-reset.json";
const STEP: usize = 6;

fn draw<T>(app: &T) -> Buffer
where
    for<'a> &'a T: Widget,
{
    let mut t = Terminal::new(TestBackend::new(W, H)).expect("test backend");
    t.draw(|f| f.render_widget(app, f.area())).expect("draw");
    t.backend().buffer().clone()
}

/// The explorer as `idscope` with no argument opens it, on the bundled [`SCENARIO`] at
/// [`STEP`] (Bob's signup) under Simplified ID Merge.
fn explorer() -> App {
    let entries = idscope::tui::source::load(None).expect("bundled scenarios");
    let at = entries
        .iter()
        .position(|e| e.origin.contains(SCENARIO))
        .unwrap_or_else(|| panic!("{SCENARIO} is bundled"));
    let mut app = App::new(entries).expect("bundled scenarios open");
    app.open_entry_at(at);
    app.theme = &theme::COLOR;
    update(&mut app, Action::Resize(W, H));
    update(&mut app, Action::ModeSet(Mode::Simplified));
    update(&mut app, Action::StepFirst);
    for _ in 1..STEP {
        update(&mut app, Action::StepNext);
    }
    app
}

/// A synthetic export (`idscope gen --shape shared-devices`, fixed seed) resolved under
/// Simplified: the summary and the users list, as it opens.
fn export_view() -> ExportApp {
    let mut data = Vec::new();
    generate(3000, 18, Shape::SharedDevices, &mut |line| {
        data.extend_from_slice(line.as_bytes());
        data.push(b'\n');
        Ok(())
    })
    .expect("generated");
    let mut app = ExportApp::loaded(
        parse("export.jsonl", &data),
        Mode::Simplified,
        Knobs::default(),
    );
    app.theme = &theme::COLOR;
    app.finish_jobs();
    export_view::update(&mut app, XAction::Resize(W, H));
    app
}

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs/screenshots")
        .join(format!("{name}.svg"))
}

/// Writes the picture (under `IDSCOPE_UPDATE_SCREENSHOTS=1`) or says why the one in
/// `docs/` is not current.
fn check(name: &str, buf: &Buffer) -> Option<String> {
    let svg = screenshot_svg::render(buf);
    let p = path(name);
    if std::env::var_os(UPDATE).is_some_and(|v| v == "1") {
        std::fs::create_dir_all(p.parent().expect("docs/screenshots")).expect("mkdir");
        if std::fs::read(&p).ok().as_deref() != Some(svg.as_bytes()) {
            std::fs::write(&p, &svg).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        }
        return None;
    }
    let shown = format!("docs/screenshots/{name}.svg");
    match std::fs::read(&p) {
        Ok(old) if old == svg.as_bytes() => None,
        Ok(_) => Some(format!("{shown} does not match what the app draws now")),
        Err(e) => Some(format!("{shown} cannot be read ({e})")),
    }
}

#[test]
fn screenshots_in_docs_are_current() {
    let mut app = explorer();
    let explorer_screen = draw(&app);
    update(&mut app, Action::ToggleCompare);
    let compare_screen = draw(&app);
    update(&mut app, Action::ToggleCompare);
    update(&mut app, Action::ToggleGraph);
    update(&mut app, Action::GraphAll); // every cluster, not only the payload's
    let graph_screen = draw(&app);
    let export_screen = draw(&export_view());

    let stale: Vec<String> = [
        ("explorer", &explorer_screen),
        ("compare", &compare_screen),
        ("graph", &graph_screen),
        ("export-view", &export_screen),
    ]
    .into_iter()
    .filter_map(|(name, buf)| check(name, buf))
    .collect();
    assert!(
        stale.is_empty(),
        "screenshots out of date:\n  {}\nIf the change is intended, regenerate them with\n  \
         {UPDATE}=1 cargo test --test tui screenshots\nand commit docs/screenshots/.",
        stale.join("\n  ")
    );
}
