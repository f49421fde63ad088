//! The rule book (`docs/identity-rules.md`, embedded) as data: every rule ID as a
//! [`RuleId`], and each rule's full text and the section it sits in, for the explorer's
//! detail view and the rule-coverage test.

use std::sync::OnceLock;

/// The normative rule book, as shipped in the binary.
pub const RULE_BOOK: &str = include_str!("../../../docs/identity-rules.md");

/// Every rule ID of the rule book, so code names a rule by value rather than by a string
/// compared here and there. The text of each is in `docs/identity-rules.md` ([`RuleId::rule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleId {
    SdkInit,
    SdkTrack,
    SdkIdentify,
    SdkAlias,
    SdkReset,
    SdkRegister,
    SdkPeople,
    SdkTick,
    SdkBatch,
    SdkPersist,
    SdkPageview,
    SdkOptout,
    SdkIosId,
    SdkIosTrack,
    SdkIosIdentify,
    SdkIosAlias,
    SdkIosReset,
    SdkIosProfile,
    SdkIosOptout,
    SdkIosFlush,
    SdkIosPersist,
    SdkAndroidId,
    SdkAndroidTrack,
    SdkAndroidIdentify,
    SdkAndroidAlias,
    SdkAndroidReset,
    SdkAndroidProfile,
    SdkAndroidOptout,
    SdkAndroidFlush,
    SdkAndroidPersist,
    SdkRnId,
    SdkRnTrack,
    SdkRnIdentify,
    SdkRnAlias,
    SdkRnReset,
    SdkRnProfile,
    SdkRnOptout,
    SdkRnFlush,
    PVisit,
    PSignup,
    PLogin,
    PLogout,
    SDid,
    SLink,
    SCluster,
    SIgnore,
    OEvent,
    OId,
    OAlias,
    OMerge,
    OLimit,
    OCanon,
    LEvent,
    LAlias,
    LIgnore,
    LUsers,
    GInvalid,
    GEmpty,
    GWindow,
    GImport,
    GMissing,
    GBefore,
    GIrreversible,
    GDeterminism,
    PServer,
    SdkServer,
    SdkNodeTrack,
    SdkNodeImport,
    SdkNodeAlias,
    SdkNodePeople,
    SdkPyTrack,
    SdkPyImport,
    SdkPyAlias,
    SdkPyPeople,
}

impl RuleId {
    pub const ALL: &'static [RuleId] = &[
        RuleId::SdkInit,
        RuleId::SdkTrack,
        RuleId::SdkIdentify,
        RuleId::SdkAlias,
        RuleId::SdkReset,
        RuleId::SdkRegister,
        RuleId::SdkPeople,
        RuleId::SdkTick,
        RuleId::SdkBatch,
        RuleId::SdkPersist,
        RuleId::SdkPageview,
        RuleId::SdkOptout,
        RuleId::SdkIosId,
        RuleId::SdkIosTrack,
        RuleId::SdkIosIdentify,
        RuleId::SdkIosAlias,
        RuleId::SdkIosReset,
        RuleId::SdkIosProfile,
        RuleId::SdkIosOptout,
        RuleId::SdkIosFlush,
        RuleId::SdkIosPersist,
        RuleId::SdkAndroidId,
        RuleId::SdkAndroidTrack,
        RuleId::SdkAndroidIdentify,
        RuleId::SdkAndroidAlias,
        RuleId::SdkAndroidReset,
        RuleId::SdkAndroidProfile,
        RuleId::SdkAndroidOptout,
        RuleId::SdkAndroidFlush,
        RuleId::SdkAndroidPersist,
        RuleId::SdkRnId,
        RuleId::SdkRnTrack,
        RuleId::SdkRnIdentify,
        RuleId::SdkRnAlias,
        RuleId::SdkRnReset,
        RuleId::SdkRnProfile,
        RuleId::SdkRnOptout,
        RuleId::SdkRnFlush,
        RuleId::PVisit,
        RuleId::PSignup,
        RuleId::PLogin,
        RuleId::PLogout,
        RuleId::SDid,
        RuleId::SLink,
        RuleId::SCluster,
        RuleId::SIgnore,
        RuleId::OEvent,
        RuleId::OId,
        RuleId::OAlias,
        RuleId::OMerge,
        RuleId::OLimit,
        RuleId::OCanon,
        RuleId::LEvent,
        RuleId::LAlias,
        RuleId::LIgnore,
        RuleId::LUsers,
        RuleId::GInvalid,
        RuleId::GEmpty,
        RuleId::GWindow,
        RuleId::GImport,
        RuleId::GMissing,
        RuleId::GBefore,
        RuleId::GIrreversible,
        RuleId::GDeterminism,
        RuleId::SdkPyPeople,
        RuleId::SdkPyAlias,
        RuleId::SdkPyImport,
        RuleId::SdkPyTrack,
        RuleId::SdkNodePeople,
        RuleId::SdkNodeAlias,
        RuleId::SdkNodeImport,
        RuleId::SdkNodeTrack,
        RuleId::SdkServer,
        RuleId::PServer,
    ];

    /// The ID as the rule book, the output and the tests write it (`S-LINK`).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::SdkInit => "SDK-INIT",
            RuleId::SdkTrack => "SDK-TRACK",
            RuleId::SdkIdentify => "SDK-IDENTIFY",
            RuleId::SdkAlias => "SDK-ALIAS",
            RuleId::SdkReset => "SDK-RESET",
            RuleId::SdkRegister => "SDK-REGISTER",
            RuleId::SdkPeople => "SDK-PEOPLE",
            RuleId::SdkTick => "SDK-TICK",
            RuleId::SdkBatch => "SDK-BATCH",
            RuleId::SdkPersist => "SDK-PERSIST",
            RuleId::SdkPageview => "SDK-PAGEVIEW",
            RuleId::SdkOptout => "SDK-OPTOUT",
            RuleId::SdkIosId => "SDK-IOS-ID",
            RuleId::SdkIosTrack => "SDK-IOS-TRACK",
            RuleId::SdkIosIdentify => "SDK-IOS-IDENTIFY",
            RuleId::SdkIosAlias => "SDK-IOS-ALIAS",
            RuleId::SdkIosReset => "SDK-IOS-RESET",
            RuleId::SdkIosProfile => "SDK-IOS-PROFILE",
            RuleId::SdkIosOptout => "SDK-IOS-OPTOUT",
            RuleId::SdkIosFlush => "SDK-IOS-FLUSH",
            RuleId::SdkIosPersist => "SDK-IOS-PERSIST",
            RuleId::SdkAndroidId => "SDK-ANDROID-ID",
            RuleId::SdkAndroidTrack => "SDK-ANDROID-TRACK",
            RuleId::SdkAndroidIdentify => "SDK-ANDROID-IDENTIFY",
            RuleId::SdkAndroidAlias => "SDK-ANDROID-ALIAS",
            RuleId::SdkAndroidReset => "SDK-ANDROID-RESET",
            RuleId::SdkAndroidProfile => "SDK-ANDROID-PROFILE",
            RuleId::SdkAndroidOptout => "SDK-ANDROID-OPTOUT",
            RuleId::SdkAndroidFlush => "SDK-ANDROID-FLUSH",
            RuleId::SdkAndroidPersist => "SDK-ANDROID-PERSIST",
            RuleId::SdkRnId => "SDK-RN-ID",
            RuleId::SdkRnTrack => "SDK-RN-TRACK",
            RuleId::SdkRnIdentify => "SDK-RN-IDENTIFY",
            RuleId::SdkRnAlias => "SDK-RN-ALIAS",
            RuleId::SdkRnReset => "SDK-RN-RESET",
            RuleId::SdkRnProfile => "SDK-RN-PROFILE",
            RuleId::SdkRnOptout => "SDK-RN-OPTOUT",
            RuleId::SdkRnFlush => "SDK-RN-FLUSH",
            RuleId::PVisit => "P-VISIT",
            RuleId::PSignup => "P-SIGNUP",
            RuleId::PLogin => "P-LOGIN",
            RuleId::PLogout => "P-LOGOUT",
            RuleId::SDid => "S-DID",
            RuleId::SLink => "S-LINK",
            RuleId::SCluster => "S-CLUSTER",
            RuleId::SIgnore => "S-IGNORE",
            RuleId::OEvent => "O-EVENT",
            RuleId::OId => "O-ID",
            RuleId::OAlias => "O-ALIAS",
            RuleId::OMerge => "O-MERGE",
            RuleId::OLimit => "O-LIMIT",
            RuleId::OCanon => "O-CANON",
            RuleId::LEvent => "L-EVENT",
            RuleId::LAlias => "L-ALIAS",
            RuleId::LIgnore => "L-IGNORE",
            RuleId::LUsers => "L-USERS",
            RuleId::GInvalid => "G-INVALID",
            RuleId::GEmpty => "G-EMPTY",
            RuleId::GWindow => "G-WINDOW",
            RuleId::GImport => "G-IMPORT",
            RuleId::GMissing => "G-MISSING",
            RuleId::GBefore => "G-BEFORE",
            RuleId::GIrreversible => "G-IRREVERSIBLE",
            RuleId::GDeterminism => "G-DETERMINISM",
            RuleId::SdkPyPeople => "SDK-PY-PEOPLE",
            RuleId::SdkPyAlias => "SDK-PY-ALIAS",
            RuleId::SdkPyImport => "SDK-PY-IMPORT",
            RuleId::SdkPyTrack => "SDK-PY-TRACK",
            RuleId::SdkNodePeople => "SDK-NODE-PEOPLE",
            RuleId::SdkNodeAlias => "SDK-NODE-ALIAS",
            RuleId::SdkNodeImport => "SDK-NODE-IMPORT",
            RuleId::SdkNodeTrack => "SDK-NODE-TRACK",
            RuleId::SdkServer => "SDK-SERVER",
            RuleId::PServer => "P-SERVER",
        }
    }

    pub fn parse(s: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// The rule's text and section in the rule book.
    pub fn rule(self) -> Option<&'static Rule> {
        lookup(self.as_str())
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// The rule's paragraph (or table row), as written in the rule book.
    pub text: String,
    /// The heading it sits under, which names its sources.
    pub section: &'static str,
}

/// Every rule in the rule book, in order.
pub fn all() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| parse(RULE_BOOK))
}

pub fn lookup(id: &str) -> Option<&'static Rule> {
    all().iter().find(|r| r.id == id)
}

fn rule_id_at(line: &'static str) -> Option<&'static str> {
    let start = line.find("**")? + 2;
    let len = line[start..].find("**")?;
    let id = &line[start..start + len];
    let shaped = id.split_once('-').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_uppercase())
            && b.bytes().all(|c| c.is_ascii_uppercase() || c == b'-')
            && !b.ends_with('-')
    });
    shaped.then_some(id)
}

fn parse(book: &'static str) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    let mut section = "";
    let mut open = false;
    for line in book.lines() {
        let trimmed = line.trim_start();
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim();
            open = false;
            continue;
        }
        let starts_rule = (trimmed.starts_with("- **") || trimmed.starts_with("| **"))
            && rule_id_at(trimmed).is_some();
        if starts_rule {
            let id = rule_id_at(trimmed).expect("checked");
            rules.push(Rule {
                id,
                text: trimmed.trim_start_matches("- ").to_string(),
                section,
            });
            open = trimmed.starts_with("- ");
        } else if open && line.starts_with("  ") && !trimmed.is_empty() {
            let r = rules.last_mut().expect("open rule");
            r.text.push('\n');
            r.text.push_str(line);
        } else {
            open = false;
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_id_is_in_the_book_and_every_book_rule_has_an_id() {
        let book: Vec<&str> = all().iter().map(|r| r.id).collect();
        for id in RuleId::ALL {
            assert!(book.contains(&id.as_str()), "{id} is not in the rule book");
            assert_eq!(RuleId::parse(id.as_str()), Some(*id));
        }
        for id in &book {
            assert!(RuleId::parse(id).is_some(), "the book's {id} has no RuleId");
        }
    }

    #[test]
    fn the_rule_book_parses_into_every_family() {
        let ids: Vec<&str> = all().iter().map(|r| r.id).collect();
        for id in [
            "SDK-IDENTIFY",
            "P-SIGNUP",
            "S-LINK",
            "O-ID",
            "O-LIMIT",
            "L-ALIAS",
            "G-INVALID",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        let link = RuleId::SLink.rule().unwrap();
        assert!(link.text.contains("errAnonDistinctIdAssignedAlready"));
        assert!(link.section.contains("Simplified"));
    }
}
