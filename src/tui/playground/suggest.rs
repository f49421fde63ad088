//! Suggestions: when the state at the cursor holds a known trap, the status bar says so and
//! the add-step prompt's `!` inserts the step that would show it.
//!
//! Shown only in the playground (after an edit, or on a new scenario), so that stepping
//! through a bundled scenario stays as quiet as before.

use super::make_step;
use crate::tui::app::App;
use idscope_core::model::Mode;
use idscope_core::scenario::{Action as StepAction, Step};
use idscope_core::sdk::SdkCall;
use std::collections::BTreeMap;

/// A trap at the cursor, and the step that would show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// What the trap is (already escaped for the terminal).
    pub text: String,
    /// The step `!` inserts after the cursor.
    pub step: Option<Step>,
}

/// A cluster this close to Original's limit (or closer) is "near" it.
pub fn near_limit(max: u32) -> usize {
    let max = max as usize;
    max.saturating_sub((max / 10).max(1)).max(1)
}

/// The first trap that holds at the cursor: an alias Simplified ignores, a cluster near the
/// Original limit, a device still identified as someone.
pub fn suggestion(app: &App) -> Option<Suggestion> {
    let upto = &app.scenario.steps[..app.cursor.min(app.total_steps())];
    let vis = |s: &str| idscope_core::text::visible(s).into_owned();
    // 1. An alias under Simplified: ignored (S-IGNORE); identify links instead.
    if app.mode == Mode::Simplified {
        if let Some((k, step, alias)) =
            upto.iter()
                .enumerate()
                .rev()
                .find_map(|(i, s)| match &s.action {
                    StepAction::Sdk(SdkCall::Alias { alias, .. }) => {
                        Some((i + 1, s, alias.clone()))
                    }
                    _ => None,
                })
        {
            let fix = make_step("identify", step.device.clone(), &alias);
            return Some(Suggestion {
                text: format!(
                    "the alias at step {k} is ignored under Simplified; a then ! adds {}",
                    super::describe(&fix)
                ),
                step: Some(fix),
            });
        }
    }
    // 2. A cluster near Original's limit: one more device's login would be refused.
    if app.mode == Mode::Original {
        let near = near_limit(app.knobs.max_cluster);
        if let Some(c) = app
            .clusters()
            .iter()
            .map(|d| &d.cluster)
            .find(|c| c.members.len() >= near)
        {
            let known = super::devices(&app.scenario);
            let device = (2..)
                .map(|i| format!("device{i}"))
                .find(|d| !known.contains(d))
                .unwrap_or_else(|| "device2".into());
            let fix = make_step("login", Some(device), &c.canonical);
            return Some(Suggestion {
                text: format!(
                    "cluster {} has {} of {} ids (the Original limit); a then ! adds {}",
                    idscope_core::text::quoted(&c.canonical),
                    c.members.len(),
                    app.knobs.max_cluster,
                    super::describe(&fix)
                ),
                step: Some(fix),
            });
        }
    }
    // 3. A device still identified as someone: the next person on it is counted as them.
    let mut who: BTreeMap<&str, &str> = BTreeMap::new();
    let mut users: Vec<&str> = Vec::new();
    for s in &app.scenario.steps {
        if let StepAction::Signup(u)
        | StepAction::Login(u)
        | StepAction::Sdk(SdkCall::Identify(u)) = &s.action
        {
            if !users.contains(&u.as_str()) {
                users.push(u);
            }
        }
    }
    for s in upto {
        let Some(d) = s.device.as_deref() else {
            continue;
        };
        match &s.action {
            StepAction::Signup(u)
            | StepAction::Login(u)
            | StepAction::Sdk(SdkCall::Identify(u)) => {
                who.insert(d, u);
            }
            StepAction::Logout | StepAction::Sdk(SdkCall::Reset { .. }) => {
                who.remove(d);
            }
            _ => {}
        }
    }
    // Prefer the device of the step under the cursor.
    let here = upto.last().and_then(|s| s.device.as_deref());
    let (device, user) = here
        .and_then(|d| who.get(d).map(|u| (d, *u)))
        .or_else(|| who.iter().next().map(|(d, u)| (*d, *u)))?;
    let other = users
        .iter()
        .find(|u| **u != user)
        .map(|u| u.to_string())
        .unwrap_or_else(|| if user == "bob" { "carol" } else { "bob" }.to_string());
    let fix = make_step("login", Some(device.to_string()), &other);
    Some(Suggestion {
        text: format!(
            "{} is still identified as {}; a then ! adds {} (no logout first)",
            vis(device),
            idscope_core::text::quoted(user),
            super::describe(&fix)
        ),
        step: Some(fix),
    })
}

/// The status bar's suggestion, when the playground is active.
pub fn status_text(app: &App) -> Option<String> {
    if !app.playground.active || app.playground.prompt.is_some() {
        return None;
    }
    suggestion(app).map(|s| format!("tip: {}", s.text))
}
