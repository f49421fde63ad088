//! `R`: renaming the scenario or one of its devices. A small prompt: pick what to rename
//! (the scenario, or a device by name), then type the new name (filled in with the old).
//!
//! A device is renamed in `devices`, in every step, and in the `{device}` placeholders of
//! `expect`. Generated device ids derive from the scenario's name and the device's name
//! (`ids.rs`), so a rename changes them unless the device pins `device_id`: the message
//! says so when it happens.

use super::{devices, edit, edit_text, Prompt};
use crate::tui::app::{App, Effect};
use crossterm::event::{KeyCode, KeyEvent};
use idscope_core::expect::Expect;
use idscope_core::model::Mode;
use idscope_core::scenario::Scenario;
use idscope_core::text::{quoted, visible};
use std::collections::BTreeMap;

/// What is being renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Scenario,
    Device(String),
}

/// The rename prompt: first [`RenamePrompt::target`] is None and `row` picks (0 is the
/// scenario, then each device in [`devices`] order); then the new name is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenamePrompt {
    pub row: usize,
    pub target: Option<Target>,
    pub text: String,
    pub error: Option<String>,
}

/// `R`: the rename prompt, on the device of the step under the cursor when there is one.
pub fn open(app: &mut App) -> Vec<Effect> {
    let list = devices(&app.scenario);
    let here = app
        .cursor
        .checked_sub(1)
        .and_then(|i| app.scenario.steps.get(i))
        .and_then(|s| s.device.as_ref());
    let row = here
        .and_then(|d| list.iter().position(|x| x == d))
        .map_or(0, |i| i + 1);
    app.playground.prompt = Some(Prompt::Rename(RenamePrompt {
        row,
        target: None,
        text: String::new(),
        error: None,
    }));
    Vec::new()
}

/// Why `name` cannot name a device, if it cannot: the scenario format refuses an empty
/// `device`, and `expect` names a device's ids as `{device}` / `{device#n}`, so the name
/// must not hold `{`, `}` or `#`.
pub fn device_name_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("type a device name, such as phone".into());
    }
    if name.contains(['{', '}', '#']) {
        return Some(format!(
            "{} cannot name a device: expect writes a device's ids as {{device}} or {{device#n}}, so {{, }} and # are not allowed",
            quoted(name)
        ));
    }
    None
}

/// A key while the rename prompt is open.
pub fn key(app: &mut App, mut p: RenamePrompt, ev: KeyEvent) -> Vec<Effect> {
    let list = devices(&app.scenario);
    let rows = list.len() + 1;
    p.error = None;
    let pick = |row: usize| -> Target {
        match row {
            0 => Target::Scenario,
            i => Target::Device(list[i - 1].clone()),
        }
    };
    match &p.target {
        None => match ev.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Down | KeyCode::Char('j') => p.row = (p.row + 1) % rows,
            KeyCode::Up | KeyCode::Char('k') => p.row = (p.row + rows - 1) % rows,
            KeyCode::Char('s') => choose(app, &mut p, Target::Scenario),
            KeyCode::Char(c @ '1'..='9') => {
                let i = c as usize - '0' as usize;
                if i < rows {
                    p.row = i;
                    choose(app, &mut p, pick(i));
                }
            }
            KeyCode::Enter => {
                let target = pick(p.row.min(rows - 1));
                choose(app, &mut p, target);
            }
            _ => {}
        },
        Some(target) => match ev.code {
            KeyCode::Esc => {
                p.target = None;
                p.text.clear();
            }
            KeyCode::Enter => {
                let target = target.clone();
                match apply(app, &target, p.text.trim()) {
                    Ok(()) => return Vec::new(),
                    Err(e) => p.error = Some(e),
                }
            }
            _ => {
                edit_text(&mut p.text, &ev);
            }
        },
    }
    app.playground.prompt = Some(Prompt::Rename(p));
    Vec::new()
}

fn choose(app: &App, p: &mut RenamePrompt, target: Target) {
    p.text = match &target {
        Target::Scenario => app.scenario.name.clone(),
        Target::Device(d) => d.clone(),
    };
    p.target = Some(target);
}

/// Every id each device has in the three runs shown (to tell whether a rename changed any).
fn ids_now(app: &App) -> [BTreeMap<String, Vec<String>>; 3] {
    Mode::ALL.map(|m| app.run_for(m).device_ids.clone())
}

/// Renames; Err says why not (the prompt stays open and shows it).
fn apply(app: &mut App, target: &Target, name: &str) -> Result<(), String> {
    match target {
        Target::Scenario => {
            if name.is_empty() {
                return Err("type a name: a scenario needs a short title".into());
            }
            if name == app.scenario.name {
                app.message = Some("the scenario's name is unchanged".into());
                return Ok(());
            }
            let before = ids_now(app);
            let new = name.to_string();
            let what = format!("renamed the scenario to {}", quoted(name));
            let cursor = app.cursor;
            edit(app, &what, None, move |s| {
                s.name = new;
                cursor
            });
            let after = ids_now(app);
            let changed = before
                .iter()
                .zip(&after)
                .any(|(b, a)| b.iter().any(|(d, ids)| a.get(d) != Some(ids)));
            if changed {
                app.message = Some(format!(
                    "{what}: generated device ids change (pin device_id to keep them)"
                ));
            }
            Ok(())
        }
        Target::Device(old) => {
            if let Some(problem) = device_name_problem(name) {
                return Err(problem);
            }
            if name == old {
                app.message = Some(format!("device {} is unchanged", visible(old)));
                return Ok(());
            }
            if devices(&app.scenario).iter().any(|d| d == name) {
                return Err(format!(
                    "a device named {} already exists; choose another name",
                    quoted(name)
                ));
            }
            let before = ids_now(app);
            let pinned = app
                .scenario
                .devices
                .get(old)
                .is_some_and(|spec| spec.device_id.is_some());
            let (from, to) = (old.clone(), name.to_string());
            let label = format!("device {} → {}", visible(old), visible(name));
            let cursor = app.cursor;
            edit(app, &label, None, move |s| {
                rename_device(s, &from, &to);
                cursor
            });
            let after = ids_now(app);
            let changed = before
                .iter()
                .zip(&after)
                .any(|(b, a)| b.get(old) != a.get(name));
            app.message = Some(match (changed, pinned) {
                (false, _) => label,
                (true, false) => {
                    format!("{label}: its generated ids change (pin device_id to keep them)")
                }
                (true, true) => format!(
                    "{label}: its ids after a reset change (they are generated from the name)"
                ),
            });
            Ok(())
        }
    }
}

/// Renames device `from` to `to` in `devices`, in every step and in `expect`'s
/// `{from}` / `{from#n}` placeholders.
pub fn rename_device(s: &mut Scenario, from: &str, to: &str) {
    if let Some(spec) = s.devices.remove(from) {
        s.devices.insert(to.to_string(), spec);
    }
    for step in &mut s.steps {
        if step.device.as_deref() == Some(from) {
            step.device = Some(to.to_string());
        }
    }
    if let Some(expect) = &mut s.expect {
        rename_in_expect(expect, from, to);
    }
}

fn rename_in_expect(e: &mut Expect, from: &str, to: &str) {
    let plain = format!("{{{from}}}");
    let numbered = format!("{{{from}#");
    let fix = |clusters: &mut Option<Vec<Vec<String>>>| {
        for member in clusters.iter_mut().flatten().flatten() {
            if member.contains(&plain) || member.contains(&numbered) {
                *member = member
                    .replace(&plain, &format!("{{{to}}}"))
                    .replace(&numbered, &format!("{{{to}#"));
            }
        }
    };
    for o in [&mut e.legacy, &mut e.original, &mut e.simplified]
        .into_iter()
        .flatten()
    {
        fix(&mut o.clusters);
    }
    for v in &mut e.variants {
        fix(&mut v.clusters);
    }
}
