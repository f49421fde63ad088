//! Plain-English one-liners for verdicts ("device already belongs to alice; the event goes
//! to bob and nothing merges"), shared by the explorer and exports.
//!
//! The text is built from the [`Run`] alone (no replay) and names ids exactly as they are in
//! the data: callers that print it to a terminal must pass it through
//! [`crate::text::visible`].

use crate::model::{Effect, Endpoint, Mode};
use crate::resolver::{reason, Incoming};
use crate::rules::RuleId;
use crate::run::Run;

/// One line saying what happened to event `event` and whom it counts for once steps
/// `1..=until` have run (`until` matters under Original and Simplified, where attribution is
/// retroactive).
pub fn verdict(run: &Run, event: usize, until: usize) -> String {
    let Some(e) = run.events.get(event) else {
        return String::new();
    };
    let v = &e.verdict;
    let body = &e.payload.body;
    let inc = Incoming::from_value(event as u32, e.payload.endpoint, body);
    let ingest = run.ingest_id(event).unwrap_or("");
    let fin = run.final_id(event, until);
    let mode = run.mode();
    // Whom a stored event counts for, as a clause.
    let counts_for = || -> String {
        match fin {
            Some(f) if f != ingest => match mode {
                Mode::Legacy => format!("stored under {ingest} for good"),
                _ => {
                    format!("stored under {ingest}, which now belongs to {f}, so it counts for {f}")
                }
            },
            Some(_) => format!("it counts for {ingest}"),
            None => "it counts for no user".to_string(),
        }
    };
    let owner_now = |id: &str| -> Option<String> {
        // The canonical id of `id`'s cluster just after this event.
        let h = run.resolver().history();
        let r = h.lookup(id)?;
        Some(h.name(h.canonical_at(r, event as u32 + 1)).to_string())
    };
    let s = |o: &Option<std::borrow::Cow<'_, str>>| o.as_deref().unwrap_or("?").to_string();
    let anon = || s(&inc.anon_id.clone().or(inc.anon_distinct_id.clone()));
    let identified = || s(&inc.identified_id.clone().or(inc.distinct_id.clone()));

    let mut line = match (v.rule, v.effect, v.reason) {
        (RuleId::SdkPeople, _, _) => format!(
            "a profile update for {}; profiles never link or merge users",
            if ingest.is_empty() { "nobody" } else { ingest }
        ),
        (RuleId::GEmpty, _, _) => {
            "no distinct_id, $device_id or $user_id: the event counts for no user".to_string()
        }
        (RuleId::GInvalid, _, _) => format!(
            "/import refuses the placeholder distinct_id \"{}\"; the event is dropped",
            s(&inc.distinct_id)
        ),

        // Simplified
        (RuleId::SLink, Effect::Linked, _) => format!(
            "first event with both ids: $device:{} joins {ingest}, and its earlier events now count for {ingest}",
            device_name(&inc)
        ),
        (RuleId::SLink, Effect::Failed, Some(reason::ASSIGNED_ALREADY)) => {
            let owner = owner_now(&format!("$device:{}", device_name(&inc)))
                .unwrap_or_else(|| "another user".into());
            format!("device already belongs to {owner}; the event goes to {ingest} and nothing merges")
        }
        (RuleId::SLink, _, _) => format!(
            "device already linked to {ingest}; nothing changes and the event counts for {ingest}"
        ),
        (RuleId::SIgnore, _, _) => format!(
            "{} has no identity effect under Simplified (only ordinary events link); {}",
            event_label(&inc),
            counts_for()
        ),
        (RuleId::SDid, _, _) => {
            if inc.user_id.is_some() {
                format!("carries only $user_id: stored under user {ingest}; nothing links")
            } else if ingest.starts_with("$device:") {
                match fin {
                    Some(f) if f != ingest => format!(
                        "anonymous event of {ingest}, which is now linked to {f}, so it counts for {f}"
                    ),
                    _ => format!("anonymous event: stored under {ingest}; nothing links yet"),
                }
            } else {
                format!(
                    "no $device_id or $user_id: distinct_id \"{ingest}\" is read as a user id; nothing links"
                )
            }
        }

        // Original
        (RuleId::OEvent, _, _) => format!("ordinary event keyed by distinct_id; {}", counts_for()),
        (RuleId::OId, Effect::Merged, _) => {
            format!("$identify merges {} into {}: they are now one user", anon(), identified())
        }
        (RuleId::OId, Effect::None, None) => format!(
            "{} and {} are already one user; nothing changes",
            anon(),
            identified()
        ),
        (RuleId::OId, _, Some(reason::SAME_IDS)) => format!(
            "$anon_id and the identified id are both {}; nothing merges",
            identified()
        ),
        (RuleId::OId, _, Some(reason::NON_GUID)) => format!(
            "{} is not GUID-shaped, so $identify refuses to merge it into {}",
            anon(),
            identified()
        ),
        (RuleId::OId, _, Some(reason::ASSIGNED_ALREADY)) => {
            let a = anon();
            let owner = identified_owner(run, &a, event).unwrap_or_else(|| "another identified user".into());
            format!(
                "{a} already belongs to identified user {owner}; {} stays separate and nothing merges",
                identified()
            )
        }
        (RuleId::OId | RuleId::OAlias | RuleId::OMerge, _, Some(reason::MANY_IDS)) => format!(
            "the merged cluster would hold more than {} ids (O-LIMIT); nothing merges",
            run.config.knobs.max_cluster
        ),
        (RuleId::OAlias, Effect::Merged, _) => format!(
            "$create_alias merges {} into {}: they are now one user, reported as {}",
            s(&inc.alias),
            s(&inc.distinct_id),
            owner_now(&s(&inc.distinct_id)).unwrap_or_else(|| s(&inc.distinct_id))
        ),
        (RuleId::OAlias, _, Some(reason::ALIAS_EXISTS)) => format!(
            "{} was already used as an alias; nothing merges",
            s(&inc.alias)
        ),
        (RuleId::OAlias, Effect::None, None) => format!(
            "{} and {} are already one user; nothing changes",
            s(&inc.alias),
            s(&inc.distinct_id)
        ),
        (RuleId::OMerge, Effect::Ignored, _) => {
            "$merge only counts when sent to /import; ignored".to_string()
        }
        (RuleId::OMerge, Effect::Merged, _) => match &inc.merge_ids {
            Some([a, b]) => format!("$merge joins {a} and {b} into one user"),
            None => "$merge joins two ids into one user".to_string(),
        },
        (RuleId::OMerge, Effect::None, None) => {
            "the two ids are already one user; nothing changes".to_string()
        }

        // Legacy
        (RuleId::LEvent, _, _) => {
            let sent = inc.distinct_id.as_deref().unwrap_or("");
            if !sent.is_empty() && sent != ingest {
                format!(
                    "{sent} is an alias of {ingest}, so the event is stored under {ingest} (Legacy never re-attributes)"
                )
            } else {
                format!("stored under {ingest} for good (Legacy never re-attributes)")
            }
        }
        (RuleId::LIgnore, _, _) => format!(
            "{} has no identity effect under Legacy; stored under {ingest}",
            event_label(&inc)
        ),
        (RuleId::LAlias, Effect::Aliased, _) => {
            let a = s(&inc.alias);
            let target = owner_now(&a).unwrap_or_else(|| s(&inc.distinct_id));
            format!("{a} now points to {target}: later events sent as {a} are stored under {target}; earlier ones stay where they are")
        }
        (RuleId::LAlias, _, Some(reason::ALIAS_EXISTS)) => {
            let a = s(&inc.alias);
            match owner_now(&a) {
                Some(t) if t != a => format!("{a} already points to {t}; the new alias is refused"),
                _ => format!("{a} already has a target; the new alias is refused"),
            }
        }
        (RuleId::LAlias, _, Some(reason::ALIAS_CYCLE)) => format!(
            "{} → {} would make a loop in the alias table; refused",
            s(&inc.alias),
            s(&inc.distinct_id)
        ),

        // Refused by the endpoint before resolution.
        (RuleId::GWindow, _, _) => format!(
            "{} is older than 5 days when /track receives it: dropped (and /track still answers 1); it counts for no user",
            event_label(&inc)
        ),
        (RuleId::GImport, _, Some(reason::IMPORT_MISSING_DISTINCT_ID)) => {
            "no distinct_id: /import refuses the event (knob import.missing_distinct_id = reject); the rest of the request is ingested".to_string()
        }
        (RuleId::GImport, _, Some(reason::IMPORT_INVALID_TIME)) => {
            "/import needs a `time` in seconds after 1971-01-01: this event is refused; the rest of the request is ingested".to_string()
        }
        (RuleId::GImport, _, Some(reason::IMPORT_INVALID_INSERT_ID)) => {
            "/import needs an `$insert_id` of at most 36 letters, digits or '-', not a placeholder: this event is refused; the rest of the request is ingested".to_string()
        }
        (RuleId::GMissing, _, _) => format!(
            "no distinct_id: Mixpanel computes one from a hash of the sender's IP, so every such event of this sender is the synthetic user {ingest}; {}",
            counts_for()
        ),
        (_, _, Some(reason::INVALID_PAYLOAD)) => format!(
            "{} lacks an id it needs; nothing merges",
            event_label(&inc)
        ),
        (_, Effect::Failed, Some(r)) => format!("refused ({r}); nothing merges"),
        (_, Effect::Rejected, _) => "the event is rejected".to_string(),
        _ => counts_for(),
    };
    if v.warning == Some(reason::INVALID_DISTINCT_ID) && e.payload.endpoint != Endpoint::Import {
        line.push_str(&format!(
            " (warning: \"{}\" looks like a placeholder id; /import would refuse it)",
            s(&inc.distinct_id)
        ));
    }
    line
}

/// The rule book's **[choice]** a verdict rests on, if any, as "what (knob)". The UI labels
/// such results (identity-rules.md, introduction).
pub fn choice(run: &Run, event: usize) -> Option<String> {
    let e = run.events.get(event)?;
    let v = &e.verdict;
    let k = run.config.knobs;
    Some(match (v.rule, v.reason) {
        (RuleId::SIgnore, _)
            if e.payload.body.get("event").and_then(|n| n.as_str()) == Some("$identify") =>
        {
            format!(
                "$identify does not link (knob simplified.identify_links = {})",
                k.identify_links
            )
        }
        (RuleId::OId, Some(reason::NON_GUID)) => format!(
            "what counts as GUID-shaped (knob original.guid_check = {})",
            k.guid_check.as_str()
        ),
        (_, Some(reason::MANY_IDS)) => format!(
            "the cluster size limit (knob original.max_cluster = {})",
            k.max_cluster
        ),
        (RuleId::OId, None) if v.effect == Effect::None => {
            "already one cluster: no effect rather than a failure".to_string()
        }
        // A merge the defaults allow only by a choice: a lenient GUID, or a cluster that
        // reaches exactly the limit ("more than 500" vs "500 or more").
        (RuleId::OId, None) if v.effect == Effect::Merged && lenient_only(run, event) => format!(
            "accepted as GUID-shaped only by the lenient check (knob original.guid_check = {})",
            k.guid_check.as_str()
        ),
        (RuleId::OId | RuleId::OAlias | RuleId::OMerge, None)
            if v.effect == Effect::Merged && at_limit(run, event) =>
        {
            format!(
                "the cluster reaches exactly the limit, allowed as \"more than {0}\" fails (knob original.max_cluster = {0})",
                k.max_cluster
            )
        }
        (RuleId::GImport, Some(reason::IMPORT_MISSING_DISTINCT_ID)) => {
            "/import refuses a missing distinct_id (knob import.missing_distinct_id = reject)".to_string()
        }
        (RuleId::GMissing, _) if e.payload.endpoint == Endpoint::Import => {
            "/import hashes the IP for a missing distinct_id (knob import.missing_distinct_id = ip-hash)".to_string()
        }
        _ if v.warning == Some(reason::INVALID_DISTINCT_ID) => {
            "placeholder ids are accepted with a warning on /track".to_string()
        }
        _ => return None,
    })
}

/// Whether the `$anon_id` of a merging `$identify` passes only the lenient GUID check.
fn lenient_only(run: &Run, event: usize) -> bool {
    let e = &run.events[event];
    let inc = Incoming::from_value(event as u32, e.payload.endpoint, &e.payload.body);
    let anon = inc.anon_id.or(inc.anon_distinct_id);
    anon.is_some_and(|a| {
        run.config.knobs.guid_check == crate::model::GuidCheck::Lenient
            && !crate::resolver::guid_shaped(&a, crate::model::GuidCheck::StrictV4)
    })
}

/// Whether the cluster a merge made holds exactly `max_cluster` ids.
fn at_limit(run: &Run, event: usize) -> bool {
    let h = run.resolver().history();
    let Some(id) = run.events[event].verdict.ingest else {
        return false;
    };
    let t = event as u32 + 1;
    let root = h.find_at(id, t);
    let size = (0..h.len() as u32)
        .filter(|&m| h.born(m) < t && h.find_at(m, t) == root)
        .count();
    size as u64 == u64::from(run.config.knobs.max_cluster)
}

/// The identified user (the `I` of a successful `$identify`) in `id`'s cluster just after
/// `event`, if any.
fn identified_owner(run: &Run, id: &str, event: usize) -> Option<String> {
    let h = run.resolver().history();
    let a = h.lookup(id)?;
    let t = event as u32 + 1;
    let root = h.find_at(a, t);
    (0..h.len() as u32)
        .find(|&m| h.flags(m) & crate::resolver::flag::IDENTIFIED != 0 && h.find_at(m, t) == root)
        .map(|m| h.name(m).to_string())
}

fn device_name(inc: &Incoming) -> String {
    let d = inc.device_id.as_deref().unwrap_or("?");
    d.strip_prefix("$device:").unwrap_or(d).to_string()
}

fn event_label(inc: &Incoming) -> String {
    if inc.event.is_empty() {
        "the event".into()
    } else {
        inc.event.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Mode;
    use crate::run::RunConfig;

    fn run(mode: Mode, json: &str) -> Run {
        let s = crate::scenario::parse(json, "t.json").expect("valid scenario");
        Run::new(&s, RunConfig::new(mode))
    }

    const SHARED: &str = r#"{"name":"shared laptop","devices":{"web":{"device_id":"dev-1"}},
      "steps":[
        {"device":"web","visit":"Home"},
        {"device":"web","login":"alice"},
        {"device":"web","register":{"$user_id":"bob"}},
        {"device":"web","track":"Bought"}
      ]}"#;

    #[test]
    fn simplified_first_link_wins() {
        let r = run(Mode::Simplified, SHARED);
        let all: Vec<String> = (0..r.events.len()).map(|i| verdict(&r, i, 4)).collect();
        let last = all.last().unwrap();
        assert_eq!(
            last, "device already belongs to alice; the event goes to bob and nothing merges",
            "{all:#?}"
        );
        assert!(all[0].contains("now linked to alice"), "{all:#?}");
    }

    #[test]
    fn choices_are_named() {
        let r = run(Mode::Simplified, SHARED);
        let identify = (0..r.events.len())
            .find(|&i| r.event_name(i) == "$identify")
            .unwrap();
        assert_eq!(
            choice(&r, identify).as_deref(),
            Some("$identify does not link (knob simplified.identify_links = false)")
        );
        assert_eq!(choice(&r, 0), None);
    }

    #[test]
    fn every_event_gets_a_non_empty_line_in_every_mode() {
        for mode in Mode::ALL {
            let r = run(mode, SHARED);
            for i in 0..r.events.len() {
                assert!(!verdict(&r, i, r.steps.len()).is_empty());
            }
            assert_eq!(verdict(&r, 999, 1), "");
        }
    }
}
