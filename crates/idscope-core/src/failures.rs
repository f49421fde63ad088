//! One line per failure code and identity mode saying what the code means there, for
//! summaries a person reads (`resolve --format text`).
//!
//! A code alone misleads: `errAnonDistinctIdAssignedAlready` is a refused `$identify` under
//! Original but a device that stays with its first user under Simplified, and most codes
//! cannot happen at all under some modes. So every (code, mode) pair has its own line, which
//! names the rule that decides it (the rule book, `docs/identity-rules.md`) and says whose
//! name the code is: Mixpanel's own, or the simulator's where Mixpanel documents no code.
//!
//! Where each line rests (besides the rule it names):
//! - Original's five codes: the `$failure_reason` table of Mixpanel's 2021 identity guide
//!   (HIST-2021) and the `$identify` reference (REF-IDENTIFY).
//! - Simplified's `errAnonDistinctIdAssignedAlready`: the 2023 "Identifying Users" FAQ of
//!   mixpanel/docs (`pages/docs/tracking-methods/identifying-users.md`): written to
//!   `$identity_failure_reason` "if the `$device_id` passed was already linked to another
//!   `$user_id`. The `$device_id` will be ignored and the `$user_id` … will be used as the
//!   `distinct_id`"; the reserved-properties page (DOCS-RESERVED) lists that property as
//!   Simplified's.
//! - Legacy's `errAliasAlreadyExists`: the Legacy alias guide (LEGACY) says "An alias can
//!   only point to one Mixpanel distinct_id" but names no code; the simulator reuses
//!   Original's.
//! - Codes a mode never gives: the verbs that mode ignores (S-IGNORE, L-IGNORE; DOCS-MIGR,
//!   REF-IDENTIFY: `$identify` "has no functionality in other ID management systems").

use crate::model::Mode;
use crate::resolver::reason;

/// Every code the engine writes in a verdict's `reason`, in the order summaries explain
/// them: Mixpanel's identity codes, then the simulator's own, then the endpoints' refusals.
pub const ALL: [&str; 13] = [
    reason::ASSIGNED_ALREADY,
    reason::SAME_IDS,
    reason::NON_GUID,
    reason::MANY_IDS,
    reason::ALIAS_EXISTS,
    reason::ALIAS_CYCLE,
    reason::MERGE_REQUIRES_IMPORT,
    reason::INVALID_PAYLOAD,
    reason::INVALID_DISTINCT_ID,
    reason::TRACK_TOO_OLD,
    reason::IMPORT_INVALID_TIME,
    reason::IMPORT_INVALID_INSERT_ID,
    reason::IMPORT_MISSING_DISTINCT_ID,
];

/// What a code means under one mode: the line, and whether the mode can give the code at
/// all (a line for a code the mode never gives says why, so a reader comparing modes is not
/// left guessing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meaning {
    pub text: &'static str,
    pub happens: bool,
}

const fn can(text: &'static str) -> Meaning {
    Meaning {
        text,
        happens: true,
    }
}

const fn never(text: &'static str) -> Meaning {
    Meaning {
        text,
        happens: false,
    }
}

/// The one-line meaning of `code` under `mode`; it ends with the rule ID(s) that decide it,
/// in parentheses. An unknown code gets a line saying so.
pub fn meaning(code: &str, mode: Mode) -> &'static str {
    lookup(code, mode).map_or(
        "a code this version of idscope does not know (see docs/identity-rules.md)",
        |m| m.text,
    )
}

/// Whether `mode` (its resolver, or the endpoints before it) can give `code` at all.
pub fn happens(code: &str, mode: Mode) -> bool {
    lookup(code, mode).is_some_and(|m| m.happens)
}

/// The meaning of `code` under `mode`; None for a code the engine does not write.
pub fn lookup(code: &str, mode: Mode) -> Option<Meaning> {
    use Mode::{Legacy, Original, Simplified};
    Some(match (code, mode) {
        (reason::ASSIGNED_ALREADY, Legacy) => never(
            "not given under Legacy: $identify links nothing there and only $create_alias joins ids (L-IGNORE)",
        ),
        (reason::ASSIGNED_ALREADY, Original) => can(
            "$identify refused: its anon id is already merged with an id an earlier $identify identified (another user), a guardrail for shared devices; nothing merges (O-ID)",
        ),
        (reason::ASSIGNED_ALREADY, Simplified) => can(
            "the event's $device_id is already linked to another $user_id: the device is not re-linked (first link wins) and the event counts for its $user_id; Mixpanel writes this code to $identity_failure_reason (S-LINK)",
        ),

        (reason::SAME_IDS, Legacy) => never(
            "not given under Legacy: $identify has no identity effect there (L-IGNORE)",
        ),
        (reason::SAME_IDS, Original) => can(
            "$identify refused: its anon id and identified id are the same value; nothing merges (O-ID)",
        ),
        (reason::SAME_IDS, Simplified) => never(
            "not given under Simplified: $identify is ignored there, so its ids are never compared (S-IGNORE)",
        ),

        (reason::NON_GUID, Legacy) => never(
            "not given under Legacy: $identify has no identity effect there (L-IGNORE)",
        ),
        (reason::NON_GUID, Original) => can(
            "$identify refused: its anon id is not GUID-shaped (knob original.guid_check), a guardrail for shared devices; nothing merges (O-ID)",
        ),
        (reason::NON_GUID, Simplified) => never(
            "not given under Simplified: $identify is ignored there and no id's shape is checked (S-IGNORE, S-LINK)",
        ),

        (reason::MANY_IDS, Legacy) => never(
            "not given under Legacy: the rule book sets no size limit on alias chains (L-ALIAS)",
        ),
        (reason::MANY_IDS, Original) => can(
            "$identify, $create_alias or $merge refused: the merged cluster would exceed the size limit (knob original.max_cluster, 500 by default); nothing merges (O-LIMIT)",
        ),
        (reason::MANY_IDS, Simplified) => never(
            "not given under Simplified: a user's cluster takes any number of devices (S-CLUSTER)",
        ),

        (reason::ALIAS_EXISTS, Legacy) => can(
            "$create_alias refused: the alias already points to an id, and an alias points to one id only; Legacy's docs name no code, so Original's is used (L-ALIAS)",
        ),
        (reason::ALIAS_EXISTS, Original) => can(
            "$create_alias refused: the alias value was already used as an alias; nothing merges (O-ALIAS)",
        ),
        (reason::ALIAS_EXISTS, Simplified) => never(
            "not given under Simplified: $create_alias is ignored there (S-IGNORE)",
        ),

        (reason::ALIAS_CYCLE, Legacy) => can(
            "$create_alias refused: the alias equals its distinct_id or the link would make the alias table loop; the simulator's own code (L-ALIAS)",
        ),
        (reason::ALIAS_CYCLE, Original) => never(
            "not given under Original: $create_alias merges clusters there instead of chaining aliases, so nothing can loop (O-ALIAS)",
        ),
        (reason::ALIAS_CYCLE, Simplified) => never(
            "not given under Simplified: $create_alias is ignored there (S-IGNORE)",
        ),

        (reason::MERGE_REQUIRES_IMPORT, Legacy) => never(
            "not given under Legacy: $merge has no identity effect on any endpoint (L-IGNORE)",
        ),
        (reason::MERGE_REQUIRES_IMPORT, Original) => can(
            "$merge sent to /track: ignored, since $merge counts only through /import; the simulator's own code (O-MERGE)",
        ),
        (reason::MERGE_REQUIRES_IMPORT, Simplified) => never(
            "not given under Simplified: $merge is ignored on every endpoint (S-IGNORE)",
        ),

        (reason::INVALID_PAYLOAD, Legacy) => can(
            "$create_alias without its alias or distinct_id: nothing links; the simulator's own code (L-ALIAS)",
        ),
        (reason::INVALID_PAYLOAD, Original) => can(
            "$identify, $create_alias or $merge without the ids it needs (two for $merge): nothing merges; the simulator's own code (O-ID, O-ALIAS, O-MERGE)",
        ),
        (reason::INVALID_PAYLOAD, Simplified) => never(
            "not given under Simplified: identity verbs are ignored there whatever ids they carry (S-IGNORE)",
        ),

        (reason::INVALID_DISTINCT_ID, _) => can(
            "/import refused an event whose distinct_id is a placeholder such as \"undefined\" or \"null\" (/track takes it, with a warning); the simulator's name for Mixpanel's 400 (G-INVALID)",
        ),
        (reason::TRACK_TOO_OLD, _) => can(
            "/track dropped an event more than 5 days older than its sending, and still answered 1; it counts for no one; the simulator's own code (G-WINDOW)",
        ),
        (reason::IMPORT_INVALID_TIME, _) => can(
            "/import refused an event whose time is missing, not seconds (or milliseconds) since the epoch, or before 1971; the simulator's name for Mixpanel's 400 (G-IMPORT)",
        ),
        (reason::IMPORT_INVALID_INSERT_ID, _) => can(
            "/import refused an event whose $insert_id is missing, over 36 bytes, not letters, digits and '-', or a placeholder; the simulator's name for Mixpanel's 400 (G-IMPORT)",
        ),
        (reason::IMPORT_MISSING_DISTINCT_ID, Simplified) => can(
            "/import refused an event with no distinct_id, $device_id or $user_id (knob import.missing_distinct_id = reject); the simulator's name for Mixpanel's 400 (G-MISSING, G-IMPORT)",
        ),
        (reason::IMPORT_MISSING_DISTINCT_ID, _) => can(
            "/import refused an event without a distinct_id (knob import.missing_distinct_id = reject); the simulator's name for Mixpanel's 400 (G-MISSING, G-IMPORT)",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{self, RuleId};
    use std::collections::{BTreeMap, BTreeSet};

    /// The `reason` module's constants, `NAME → code`, read from its source, so a code added
    /// there without a meaning here fails a test.
    fn reason_constants() -> BTreeMap<String, String> {
        let src = include_str!("resolver/mod.rs");
        let module = src
            .split("pub mod reason {")
            .nth(1)
            .and_then(|rest| rest.split("\n}").next())
            .expect("resolver/mod.rs has `pub mod reason`");
        module
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub const "))
            .map(|l| {
                let (name, rest) = l.split_once(':').expect("pub const NAME: &str = \"…\";");
                let code = rest.split('"').nth(1).expect("a string constant");
                (name.trim().to_string(), code.to_string())
            })
            .collect()
    }

    /// The rule IDs in a meaning's closing parentheses.
    fn rules_named(text: &str) -> Vec<&str> {
        let inner = text
            .strip_suffix(')')
            .and_then(|t| t.rsplit_once('('))
            .map(|(_, ids)| ids)
            .unwrap_or("");
        inner.split(", ").filter(|s| !s.is_empty()).collect()
    }

    #[test]
    fn every_reason_constant_has_a_meaning_in_every_mode_naming_a_rule() {
        let constants = reason_constants();
        let codes: BTreeSet<&str> = constants.values().map(String::as_str).collect();
        assert_eq!(
            codes,
            ALL.iter().copied().collect::<BTreeSet<_>>(),
            "ALL lists exactly the reason constants"
        );
        for code in ALL {
            for mode in Mode::ALL {
                let m = lookup(code, mode).unwrap_or_else(|| panic!("{code} under {mode}"));
                assert!(!m.text.is_empty(), "{code} under {mode}");
                assert_eq!(meaning(code, mode), m.text);
                let named = rules_named(m.text);
                assert!(
                    !named.is_empty(),
                    "{code} under {mode} names no rule: {}",
                    m.text
                );
                for id in named {
                    let rule = RuleId::parse(id)
                        .unwrap_or_else(|| panic!("{code} under {mode}: {id} is no rule ID"));
                    assert!(
                        rules::lookup(rule.as_str()).is_some(),
                        "{id} is not in the rule book"
                    );
                }
            }
        }
    }

    /// What each mode's resolver file (and the shared checks before it) can return, read
    /// from the source: `happens` must agree, so a line never explains a code the mode
    /// cannot give as if it could, nor the reverse.
    #[test]
    fn meanings_agree_with_what_each_mode_really_gives() {
        let constants = reason_constants();
        let used = |src: &str| -> BTreeSet<String> {
            constants
                .iter()
                .filter(|(name, _)| src.contains(&format!("reason::{name}")))
                .map(|(_, code)| code.clone())
                .collect()
        };
        // The G-* checks every mode shares: the resolver's front door and the endpoints.
        let shared: BTreeSet<String> = used(include_str!("resolver/mod.rs"))
            .union(&used(include_str!("api.rs")))
            .cloned()
            .collect();
        for (mode, src) in [
            (Mode::Legacy, include_str!("resolver/legacy.rs")),
            (Mode::Original, include_str!("resolver/original.rs")),
            (Mode::Simplified, include_str!("resolver/simplified.rs")),
        ] {
            let gives: BTreeSet<String> = used(src).union(&shared).cloned().collect();
            for code in ALL {
                assert_eq!(
                    happens(code, mode),
                    gives.contains(code),
                    "{code} under {mode}: {}",
                    meaning(code, mode)
                );
                let text = meaning(code, mode);
                assert_eq!(
                    text.starts_with("not given"),
                    !happens(code, mode),
                    "a line for a code the mode never gives says so first: {text}"
                );
            }
        }
    }

    /// The case: under Simplified the code is S-LINK's refused device link, not
    /// Original's refused `$identify`.
    #[test]
    fn s_link_assigned_already_under_simplified_is_the_device_kept_by_its_first_user() {
        let s = meaning(reason::ASSIGNED_ALREADY, Mode::Simplified);
        assert!(
            s.contains("$device_id") && s.contains("not re-linked"),
            "{s}"
        );
        assert!(s.ends_with("(S-LINK)"), "{s}");
        let o = meaning(reason::ASSIGNED_ALREADY, Mode::Original);
        assert!(
            o.starts_with("$identify refused") && o.ends_with("(O-ID)"),
            "{o}"
        );
    }

    #[test]
    fn an_unknown_code_is_said_to_be_unknown() {
        assert!(lookup("errSomethingNew", Mode::Original).is_none());
        assert!(!happens("errSomethingNew", Mode::Original));
        assert!(meaning("errSomethingNew", Mode::Original).contains("does not know"));
    }
}
