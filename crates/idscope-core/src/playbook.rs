//! Playbooks (P-*): how a person's intent becomes SDK calls, per the mode the code was
//! written for. The playbook defaults to the project's mode but can be set apart from it.

use crate::model::Mode;
use crate::rules::RuleId;
use crate::scenario::Action;
use crate::sdk::{Device, Kind, SdkCall};
use serde_json::{Map, Value};

/// The rule ID behind an action's expansion.
pub fn rule_for(action: &Action) -> Option<RuleId> {
    match action {
        Action::Visit(_) => Some(RuleId::PVisit),
        Action::Signup(_) => Some(RuleId::PSignup),
        Action::Login(_) => Some(RuleId::PLogin),
        Action::Logout => Some(RuleId::PLogout),
        _ => None,
    }
}

/// Expands a step's action into SDK calls. `device` is the state before the step (P-SIGNUP
/// under Original looks at it). `Send` has no SDK calls.
pub fn expand(action: &Action, playbook: Mode, device: Option<&dyn Device>) -> Vec<SdkCall> {
    let track = |event: &str| SdkCall::Track {
        event: event.to_string(),
        properties: Map::new(),
    };
    if let Some(d) = device.filter(|d| d.profile().kind() == Kind::Server) {
        if let Some(calls) = expand_server(action, playbook, d) {
            return calls;
        }
    }
    match action {
        Action::Sdk(call) => vec![call.clone()],
        Action::Visit(page) => {
            let mut properties = Map::new();
            properties.insert("page".into(), Value::String(page.clone()));
            vec![SdkCall::Track {
                event: "Page View".into(),
                properties,
            }]
        }
        // P-SIGNUP
        Action::Signup(user) => match playbook {
            Mode::Legacy => vec![
                SdkCall::Alias {
                    alias: user.clone(),
                    original: None,
                },
                track("Sign Up"),
            ],
            Mode::Original => {
                let identified = device.is_some_and(|d| d.user_id().is_some());
                let mut calls = Vec::new();
                if identified {
                    calls.push(SdkCall::Reset { device_id: None });
                }
                calls.push(SdkCall::Identify(user.clone()));
                calls.push(track("Sign Up"));
                calls
            }
            Mode::Simplified => vec![SdkCall::Identify(user.clone()), track("Sign Up")],
        },
        // P-LOGIN: the same under every playbook.
        Action::Login(user) => vec![SdkCall::Identify(user.clone()), track("Log In")],
        // P-LOGOUT: Original advises against reset (the 500-id limit).
        Action::Logout => match playbook {
            Mode::Original => Vec::new(),
            Mode::Legacy | Mode::Simplified => vec![SdkCall::Reset { device_id: None }],
        },
        Action::Send { .. } => Vec::new(),
    }
}

/// P-SERVER: the intents on a server device, as each mode's server-side recipe writes them.
/// The code keeps an anonymous id in a cookie (a UUID it generates) and the user who logged
/// in; the session steps (`session.user_id = U`, a new anonymous id at logout) send nothing.
/// - Simplified [DOCS-SIMPL "Server-side Identity Management"]: no distinct_id of its own
///   (Python's positional one is `""`, as the docs' example); `$device_id` = the cookie, and
///   `$user_id` once logged in; logout generates a new anonymous id.
/// - Original [DOCS-ORIG, REF-IDENTIFY]: distinct_id = the cookie until login; at login an
///   `$identify` event with `$identified_id` = U and `$anon_id` = the cookie; then
///   distinct_id = U.
/// - Legacy [LEGACY]: distinct_id = the cookie until signup; at signup `alias(U, cookie)`
///   (`$create_alias`); then distinct_id = U.
fn expand_server(action: &Action, playbook: Mode, device: &dyn Device) -> Option<Vec<SdkCall>> {
    let anon = device.device_ids().last().cloned().unwrap_or_default();
    let user = device.user_id();
    let string = |s: &str| Value::String(s.to_string());
    // An event as the recipe sends it, for `user` (None: anonymous).
    let event = |name: &str, mut properties: Map<String, Value>, user: Option<&str>| {
        match playbook {
            Mode::Simplified => {
                properties.insert("$device_id".into(), string(&anon));
                if let Some(u) = user {
                    properties.insert("$user_id".into(), string(u));
                }
            }
            Mode::Original | Mode::Legacy => {
                properties.insert("distinct_id".into(), string(user.unwrap_or(&anon)));
            }
        }
        SdkCall::Track {
            event: name.to_string(),
            properties,
        }
    };
    let identified = |u: &str, then: &str| -> Vec<SdkCall> {
        let mut calls = vec![SdkCall::Identify(u.to_string())];
        if playbook == Mode::Original {
            let mut p = Map::new();
            p.insert("$identified_id".into(), string(u));
            p.insert("$anon_id".into(), string(&anon));
            calls.push(event("$identify", p, Some(u)));
        }
        calls.push(event(then, Map::new(), Some(u)));
        calls
    };
    Some(match action {
        Action::Visit(page) => {
            let mut p = Map::new();
            p.insert("page".into(), string(page));
            vec![event("Page View", p, user.as_deref())]
        }
        Action::Signup(u) if playbook == Mode::Legacy => vec![
            SdkCall::Identify(u.clone()),
            SdkCall::Alias {
                alias: u.clone(),
                original: Some(anon.clone()),
            },
            event("Sign Up", Map::new(), Some(u)),
        ],
        Action::Signup(u) => identified(u, "Sign Up"),
        Action::Login(u) if playbook == Mode::Legacy => {
            vec![
                SdkCall::Identify(u.clone()),
                event("Log In", Map::new(), Some(u)),
            ]
        }
        Action::Login(u) => identified(u, "Log In"),
        Action::Logout => vec![SdkCall::Reset { device_id: None }],
        Action::Sdk(_) | Action::Send { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::mixpanel_js::Device as Browser;

    fn calls(action: Action, mode: Mode, device: Option<&dyn Device>) -> Vec<String> {
        expand(&action, mode, device)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn p_visit_tracks_page_view_in_every_mode() {
        for m in Mode::ALL {
            assert_eq!(
                calls(Action::Visit("Pricing".into()), m, None),
                [r#"track("Page View", {"page":"Pricing"})"#]
            );
        }
    }

    #[test]
    fn p_signup_per_playbook() {
        let s = || Action::Signup("alice".into());
        assert_eq!(
            calls(s(), Mode::Legacy, None),
            [r#"alias("alice")"#, r#"track("Sign Up")"#]
        );
        assert_eq!(
            calls(s(), Mode::Simplified, None),
            [r#"identify("alice")"#, r#"track("Sign Up")"#]
        );
        let anon = Browser::new("web", "d1".into(), &Default::default());
        assert_eq!(
            calls(s(), Mode::Original, Some(&anon)),
            [r#"identify("alice")"#, r#"track("Sign Up")"#]
        );
        let mut known = anon.clone();
        let mut ids = crate::ids::IdSource::deterministic("t");
        let mut ctx = crate::sdk::Context {
            token: "t",
            time_ms: 0,
            ids: &mut ids,
            next_index: 0,
        };
        known.call(&SdkCall::Identify("bob".into()), &mut ctx);
        assert_eq!(
            calls(s(), Mode::Original, Some(&known)),
            ["reset()", r#"identify("alice")"#, r#"track("Sign Up")"#],
            "Original resets an identified device before a new signup"
        );
    }

    #[test]
    fn p_login_identifies_then_tracks() {
        for m in Mode::ALL {
            assert_eq!(
                calls(Action::Login("bob".into()), m, None),
                [r#"identify("bob")"#, r#"track("Log In")"#]
            );
        }
    }

    #[test]
    fn p_logout_resets_except_under_original() {
        assert_eq!(calls(Action::Logout, Mode::Legacy, None), ["reset()"]);
        assert_eq!(calls(Action::Logout, Mode::Simplified, None), ["reset()"]);
        assert!(calls(Action::Logout, Mode::Original, None).is_empty());
    }
}
