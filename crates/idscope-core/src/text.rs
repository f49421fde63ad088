//! Text helpers every output shares: text from files is untrusted, so [`visible`] makes it
//! safe to show in a terminal; CSV quoting, times and sizes are written one way everywhere.

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

/// One CSV field, quoted (RFC 4180) only when it must be.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// RFC 3339 (UTC, whole seconds) for seconds since the epoch; the number itself when out
/// of range.
pub fn rfc3339(t: f64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t.floor() as i64)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// `1234567` → `1,234,567`: counts a person reads.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count for people, in 1024-based units: "512 B", "200.0 KB", "333.3 MB". Every
/// message that states a size uses this one.
pub fn human_size(bytes: u64) -> String {
    const K: f64 = 1024.0;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KB", bytes as f64 / K)
    } else {
        format!("{:.1} MB", bytes as f64 / (K * K))
    }
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
    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

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
