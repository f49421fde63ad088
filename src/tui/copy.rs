//! Copying from the explorer (issue 4): `y` the selected payload, `Y` everything up to the
//! cursor. `update` only builds the text and returns [`Effect::Copy`]; the terminal loop
//! carries it out with [`start`], so OSC 52 bytes reach the real terminal while `update`
//! stays pure, and a clipboard program that hangs never holds the screen (issue 17).

use super::app::{App, Effect, Overlay};
use super::shell::{Outcome, Task};
use crate::clipboard::{self, Backend};
use idscope_core::export::{self, Format, Options, Scope};
use std::io::Write;
use std::sync::Arc;

/// The payload `y` copies: the one the detail view shows, else the selected one.
pub fn target_event(app: &App) -> Option<usize> {
    match app.overlay {
        Some(Overlay::Detail { event, .. }) => Some(event),
        _ => app.selected_event(),
    }
}

/// `y`: the selected payload as pretty JSON, exactly as sent.
pub fn copy_selected(app: &mut App) -> Vec<Effect> {
    let Some(i) = target_event(app) else {
        app.message = Some("nothing to copy: this step sent no payload".into());
        return Vec::new();
    };
    let Some(record) = app.run().events.get(i) else {
        return Vec::new();
    };
    let mut text = serde_json::to_string_pretty(&record.payload.body).unwrap_or_default();
    text.push('\n');
    vec![Effect::Copy {
        what: format!(
            "payload {} ({})",
            app.run().event_ref(i),
            record.payload.endpoint.as_str()
        ),
        data: text.into_bytes(),
    }]
}

/// `Y`: every event up to the cursor as NDJSON (the `/import` body; profile records left
/// out, which the warning says).
pub fn copy_until(app: &mut App) -> Vec<Effect> {
    if app.cursor == 0 {
        app.message = Some("nothing to copy: the scenario has no steps".into());
        return Vec::new();
    }
    let opts = Options::new(Format::Ndjson, Scope::Until(app.cursor));
    match export::export(app.run(), &app.scenario, &opts) {
        Ok(e) if e.items == 0 => {
            app.message = Some(with_warnings(
                "nothing to copy: no events up to this step".into(),
                &e.warnings,
            ));
            Vec::new()
        }
        Ok(e) => {
            let what = format!(
                "{} event(s) up to step {} as NDJSON{}",
                e.items,
                app.cursor,
                warnings_suffix(&e.warnings)
            );
            vec![Effect::Copy {
                what,
                data: e.text.into_bytes(),
            }]
        }
        Err(err) => {
            app.message = Some(format!("cannot export: {err}"));
            Vec::new()
        }
    }
}

/// " [warning: …]" for a message, or nothing.
pub fn warnings_suffix(warnings: &[String]) -> String {
    match warnings {
        [] => String::new(),
        [w] => format!(" [warning: {w}]"),
        [w, rest @ ..] => format!(" [warning: {w}; +{} more]", rest.len()),
    }
}

fn with_warnings(msg: String, warnings: &[String]) -> String {
    msg + &warnings_suffix(warnings)
}

/// Carries out [`Effect::Copy`] on this thread, waiting for every backend (OSC 52 goes to
/// `terminal`), and returns the status message. Never fails.
pub fn execute(backends: &[Backend], what: &str, data: &[u8], terminal: &mut dyn Write) -> String {
    let outcome = clipboard::copy(backends, data, terminal);
    outcome.message(what, data.len())
}

/// A copy the loop has begun.
pub enum Started {
    /// Nothing left to wait for: the status message.
    Done(String),
    /// The clipboard programs' half, to run on a thread of its own; it ends in
    /// [`Outcome::Copied`].
    Waiting(Task),
}

/// Begins [`Effect::Copy`] on the UI thread: OSC 52 to `terminal` now (between frames, where
/// it cannot tear a frame), the programs — which may hang until their timeout — left as a
/// task.
pub fn start(
    backends: &[Backend],
    what: String,
    data: Vec<u8>,
    terminal: &mut dyn Write,
) -> Started {
    let now = clipboard::copy_to_terminal(backends, &data, terminal);
    if !backends.iter().any(Backend::runs_program) {
        return Started::Done(now.message(&what, data.len()));
    }
    let backends = backends.to_vec();
    Started::Waiting(Box::new(move || {
        let size = data.len();
        let later = clipboard::copy_to_programs(&backends, Arc::from(data));
        Outcome::Copied(now.merge(later).message(&what, size))
    }))
}
