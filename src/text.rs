//! Text from files is untrusted: these helpers make it safe to show in a terminal.

/// Replaces control characters, escape sequences and bidi/invisible format characters with
/// visible escapes (`\x1b`, `\u{202e}`), so data can never drive the terminal.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            let n = c as u32;
            if n < 0x80 {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Characters that must not reach a terminal raw.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}'   // zero-width and LRM/RLM
            | '\u{2028}'..='\u{202e}' // separators and bidi embeddings/overrides
            | '\u{2060}'..='\u{2069}' // word joiner, bidi isolates
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}')
}

/// A value quoted for a message, escaped for the terminal and cut when very long.
pub fn quoted(s: &str) -> String {
    const MAX: usize = 80;
    let v = visible(s);
    if v.chars().count() > MAX {
        let cut: String = v.chars().take(MAX).collect();
        format!("\"{cut}…\" ({} bytes)", s.len())
    } else {
        format!("\"{v}\"")
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1) + 1;
    candidates
        .iter()
        .map(|c| (levenshtein(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_and_bidi() {
        assert_eq!(visible("a\u{1b}[31mb"), "a\\x1b[31mb");
        assert_eq!(visible("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(visible("tab\there"), "tab\\x09here");
        assert_eq!(visible("\u{9b}"), "\\u{9b}");
        assert_eq!(visible("plain ü"), "plain ü");
    }

    #[test]
    fn suggests_close_keys() {
        assert_eq!(closest("identfy", &["identify", "alias"]), Some("identify"));
        assert_eq!(closest("zzzzzz", &["identify", "alias"]), None);
    }

    #[test]
    fn long_values_are_cut() {
        let q = quoted(&"a".repeat(1000));
        assert!(q.len() < 120 && q.contains("1000 bytes"));
    }
}
