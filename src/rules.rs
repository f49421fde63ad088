//! The rule book (`identity-rules.md`, embedded) as data: each rule's full text and the
//! section it sits in, for the explorer's detail view and the rule-coverage test.

use std::sync::OnceLock;

/// The normative rule book, as shipped in the binary.
pub const RULE_BOOK: &str = include_str!("identity-rules.md");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// The rule's paragraph (or table row), as written in the rule book.
    pub text: String,
    /// The heading it sits under, which names its research source.
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
            && b.bytes().all(|c| c.is_ascii_uppercase())
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
        let link = lookup("S-LINK").unwrap();
        assert!(link.text.contains("errAnonDistinctIdAssignedAlready"));
        assert!(link.section.contains("Simplified"));
    }
}
