//! Text helpers every output shares: text from files is untrusted, so [`visible`] makes it
//! safe to show in a terminal; CSV quoting, times and sizes are written one way everywhere.

/// Replaces control characters, escape sequences and bidi/invisible format characters with
/// visible escapes (`\x1b`, `\u{202e}`), so data can never drive the terminal.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    escape_with(s, needs_escape, push_visible)
}

/// [`visible`] for a whole output of many lines: newlines and tabs stay as they are (they
/// lay the output out); every other character [`needs_escape`] names is escaped.
pub fn visible_lines(s: &str) -> std::borrow::Cow<'_, str> {
    escape_with(
        s,
        |c| !matches!(c, '\n' | '\t') && needs_escape(c),
        push_visible,
    )
}

/// JSON text made safe for a terminal and still valid, equal JSON: the characters
/// [`needs_escape`] names become `\uXXXX` (a surrogate pair above U+FFFF). serde_json leaves
/// C1, DEL and the format characters raw, and they can only sit inside strings, where the
/// escape means the same character. Whitespace between values (newline, tab, CR) stays.
pub fn json_for_terminal(s: &str) -> std::borrow::Cow<'_, str> {
    escape_with(
        s,
        |c| !matches!(c, '\n' | '\t' | '\r') && needs_escape(c),
        |out, c| {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        },
    )
}

fn escape_with(
    s: &str,
    escape: impl Fn(char) -> bool,
    push: impl Fn(&mut String, char),
) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(&escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escape(c) {
            push(&mut out, c);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `\x1b` for ASCII, `\u{202e}` above.
fn push_visible(out: &mut String, c: char) {
    let n = c as u32;
    if n < 0x80 {
        out.push_str(&format!("\\x{n:02x}"));
    } else {
        out.push_str(&format!("\\u{{{n:x}}}"));
    }
}

/// Characters that must not reach a terminal raw: every control character (C0, DEL, C1 such
/// as the one-byte CSI U+009B), every format character (Unicode category Cf: bidi marks,
/// embeddings and isolates, U+061C ARABIC LETTER MARK, zero-width characters, the soft
/// hyphen, tag characters), the line and paragraph separators, and the whole tag block.
/// They move the cursor, run escape sequences or reorder and hide what is shown.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{ad}'                    // soft hyphen
            | '\u{600}'..='\u{605}'     // Arabic number signs
            | '\u{61c}'                 // ARABIC LETTER MARK (bidi)
            | '\u{6dd}' | '\u{70f}' | '\u{890}'..='\u{891}' | '\u{8e2}'
            | '\u{180e}'                // Mongolian vowel separator
            | '\u{200b}'..='\u{200f}'   // zero-width and LRM/RLM
            | '\u{2028}'..='\u{202e}'   // separators and bidi embeddings/overrides
            | '\u{2060}'..='\u{206f}'   // word joiner, invisible operators, bidi isolates
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'   // interlinear annotation
            | '\u{110bd}' | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}' // Egyptian hieroglyph format controls
            | '\u{1bca0}'..='\u{1bca3}' // shorthand format controls
            | '\u{1d173}'..='\u{1d17a}' // musical symbol format controls
            | '\u{e0000}'..='\u{e007f}') // tags (invisible; they spell hidden text)
}

/// A path as messages show it, lossless: a name that is not UTF-8 keeps its other
/// characters and shows each invalid byte as `\xff` (`Path::display` would turn them into
/// U+FFFD, and two different files would read the same). Control characters stay raw here;
/// [`visible`] escapes them where the name is printed.
pub fn path_text(path: &std::path::Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        path.display().to_string()
    }
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

/// "1 event", "12,345 events": a count a person reads, with its noun.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
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

/// A byte count for people, in 1024-based units with their IEC names: "512 B", "200.0 KiB",
/// "333.3 MiB", "1.5 GiB". Every message that states a size uses this one.
pub fn human_size(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64 / 1024.0;
    for unit in &UNITS[..UNITS.len() - 1] {
        // The next unit once this one would round to 1024.0 (1,048,575 B is "1.0 MiB").
        if (value * 10.0).round() < 10240.0 {
            return format!("{value:.1} {unit}");
        }
        value /= 1024.0;
    }
    format!("{value:.1} {}", UNITS[UNITS.len() - 1])
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
    fn sizes_are_1024_based_with_iec_names() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(200 * 1024), "200.0 KiB");
        assert_eq!(human_size((1 << 20) - 1), "1.0 MiB");
        assert_eq!(human_size(1 << 20), "1.0 MiB");
        assert_eq!(human_size(349_455_567), "333.3 MiB");
        assert_eq!(human_size(3 << 29), "1.5 GiB");
        assert_eq!(human_size(5 << 40), "5.0 TiB");
        assert_eq!(human_size(u64::MAX), "16777216.0 TiB");
    }

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
    fn escapes_every_format_character_and_tags() {
        for (c, shown) in [
            ('\u{9b}', "\\u{9b}"),
            ('\u{61c}', "\\u{61c}"),
            ('\u{2066}', "\\u{2066}"),
            ('\u{e0041}', "\\u{e0041}"),
            ('\u{e0001}', "\\u{e0001}"),
            ('\u{7f}', "\\x7f"),
            ('\u{ad}', "\\u{ad}"),
        ] {
            assert_eq!(visible(&format!("a{c}b")), format!("a{shown}b"));
        }
        assert_eq!(visible("日本語 é"), "日本語 é");
    }

    #[test]
    fn whole_outputs_keep_their_layout() {
        assert_eq!(
            visible_lines("a\tb\n\u{1b}]0;x\u{7}\n"),
            "a\tb\n\\x1b]0;x\\x07\n"
        );
        assert_eq!(visible_lines("x\ry"), "x\\x0dy");
    }

    #[test]
    fn json_on_a_terminal_stays_the_same_json() {
        let v = serde_json::json!({"id": "p\u{9b}1\u{61c}\u{e0041}\u{7f}", "n": [1, 2]});
        let raw = serde_json::to_string_pretty(&v).unwrap();
        let safe = json_for_terminal(&raw);
        assert!(!safe
            .chars()
            .any(|c| needs_escape(c) && !matches!(c, '\n' | '\t')));
        assert!(
            safe.contains("p\\u009b1\\u061c\\udb40\\udc41\\u007f"),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, v);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_show_their_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let p = std::path::Path::new(std::ffi::OsStr::from_bytes(b"caf\xe9-\xff.json"));
        assert_eq!(path_text(p), "caf\\xe9-\\xff.json");
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
