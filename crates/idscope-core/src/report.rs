//! `idscope resolve --format text`: the summary of a resolved export written for a person at
//! a terminal rather than for a program (that is `--format json`, the same [`Summary`]).
//!
//! It says what each failure code means under the chosen mode ([`crate::failures`]), since
//! the same code names different things in different modes. Every id comes from the export
//! and is untrusted, so each passes through [`visible`] before it is written; nothing else
//! varies between runs, so the same input and flags give the same bytes (G-DETERMINISM).
//! Lines stay within 80 columns except for ids too long to cut sensibly.

use crate::failures;
use crate::model::Mode;
use crate::stream::{ClusterSample, Summary};
use crate::text::{count, thousands, visible};
use std::fmt::Write;

/// The widest a line is wrapped to (a terminal of 80 columns keeps its last column free).
const WIDTH: usize = 79;
/// The longest bar of the cluster-size chart.
const BAR: u64 = 36;
/// Ids longer than this (after escaping) are shortened in the middle.
const ID_MAX: usize = 60;
/// Members shown per cluster and phantom users shown: enough to recognise, not a dump.
const MEMBERS_SHOWN: usize = 3;
const PHANTOMS_SHOWN: usize = 4;

/// The text summary of `summary`, for the input called `input_name`.
pub fn summary_text(summary: &Summary<'_>, input_name: &str) -> String {
    let mut out = String::new();
    header(&mut out, summary, input_name);
    effects(&mut out, summary);
    failures_section(&mut out, summary);
    histogram(&mut out, summary);
    largest(&mut out, summary);
    suspects(&mut out, summary);
    out
}

fn header(out: &mut String, s: &Summary<'_>, input_name: &str) {
    let k = &s.knobs;
    let _ = writeln!(out, "idscope resolve: {}", visible(input_name));
    let _ = writeln!(out, "mode      {} ({})", s.mode, s.mode.title());
    let knobs = format!(
        "original.max_cluster={} original.guid_check={} simplified.identify_links={} import.missing_distinct_id={}",
        k.max_cluster, k.guid_check, k.identify_links, k.missing_distinct_id
    );
    labelled(out, "knobs", &knobs);
    let read = format!(
        "{}: {}, {} malformed, {} dropped as duplicates",
        count(s.lines, "line", "lines"),
        count(s.events, "event", "events"),
        thousands(s.malformed_lines),
        thousands(s.duplicates_dropped),
    );
    labelled(out, "read", &read);
    let time = match &s.time_range {
        Some(t) => format!("{} to {}", t.first, t.last),
        None => "no event has a time".to_string(),
    };
    labelled(out, "time", &time);
    let users = format!(
        "{} of {}",
        count(s.clusters as u64, "cluster", "clusters"),
        count(s.distinct_ids as u64, "distinct id", "distinct ids")
    );
    labelled(out, "users", &users);
}

fn effects(out: &mut String, s: &Summary<'_>) {
    out.push_str("\nEffects (events by what resolving them did)\n");
    if s.effects.is_empty() {
        out.push_str("  none: no event was read\n");
    }
    for (effect, n) in &s.effects {
        let _ = writeln!(out, "  {:<10}{:>14}", effect.as_str(), thousands(*n));
    }
}

fn failures_section(out: &mut String, s: &Summary<'_>) {
    let _ = writeln!(
        out,
        "\nFailures, and what each code means under {}",
        s.mode.title()
    );
    if s.failures.is_empty() {
        out.push_str("  none\n");
        return;
    }
    // Most frequent first; the code breaks ties, so the order never varies.
    let mut rows: Vec<(&str, u64)> = s.failures.iter().map(|(c, n)| (*c, *n)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (code, n) in rows {
        let _ = writeln!(out, "  {:<34}{:>14}", visible(code), thousands(n));
        wrap(out, failures::meaning(code, s.mode), 4);
    }
}

fn histogram(out: &mut String, s: &Summary<'_>) {
    out.push_str("\nCluster sizes (ids per user: how many users)\n");
    let max = s.cluster_size_histogram.iter().map(|(_, n)| *n).max();
    let Some(max) = max.filter(|m| *m > 0) else {
        out.push_str("  none\n");
        return;
    };
    for (label, n) in &s.cluster_size_histogram {
        // At least one block for any non-zero bucket, so a rare size stays visible.
        let len = (n * BAR).div_ceil(max).max(1) as usize;
        let _ = writeln!(
            out,
            "  {label:<8}{:>12}  {}",
            thousands(*n),
            "█".repeat(len)
        );
    }
}

fn largest(out: &mut String, s: &Summary<'_>) {
    let title = match s.mode {
        // O-CANON: which member is canonical is Mixpanel's pick, not a fact of the data.
        Mode::Original => "\nLargest clusters (canonical id: Mixpanel's choice, O-CANON)\n",
        _ => "\nLargest clusters (canonical id)\n",
    };
    out.push_str(title);
    if s.largest_clusters.is_empty() {
        out.push_str("  none\n");
    }
    for c in &s.largest_clusters {
        cluster(out, c);
    }
}

/// One cluster: its counts and canonical id, then a few of its other members.
fn cluster(out: &mut String, c: &ClusterSample<'_>) {
    let _ = writeln!(
        out,
        "  {:>9} {:>14}  {}",
        count(c.size as u64, "id", "ids"),
        count(c.events, "event", "events"),
        id(c.canonical)
    );
    let mut items: Vec<String> = c
        .members_sample
        .iter()
        .filter(|m| **m != c.canonical)
        .take(MEMBERS_SHOWN)
        .map(|m| id(m))
        .collect();
    // The canonical id is a member too, shown above.
    let more = c.size.saturating_sub(1 + items.len());
    if more > 0 {
        items.push(format!("… {} more", thousands(more as u64)));
    }
    wrap_items(out, &items, 6);
}

fn suspects(out: &mut String, s: &Summary<'_>) {
    out.push_str("\nSuspects\n");
    let p = &s.suspects.phantom_users;
    let _ = writeln!(out, "  phantom users: {}", thousands(p.count as u64));
    if p.count > 0 {
        wrap(out, p.why, 4);
        let mut items: Vec<String> = p
            .sample
            .iter()
            .take(PHANTOMS_SHOWN)
            .map(|m| id(m))
            .collect();
        let more = p.count.saturating_sub(items.len());
        if more > 0 {
            items.push(format!("… {} more", thousands(more as u64)));
        }
        wrap_items(out, &items, 4);
    }
    let junk = s.suspects.junk_ids;
    let _ = writeln!(
        out,
        "  junk ids: {}",
        count(junk.len() as u64, "placeholder value", "placeholder values")
    );
    if !junk.is_empty() {
        wrap(
            out,
            "placeholders /import refuses as a distinct_id, and how many events carried each as distinct_id, $device_id or $user_id (G-INVALID)",
            4,
        );
        let items: Vec<String> = junk
            .iter()
            .map(|(v, n)| format!("\"{}\": {}", id(v), count(*n, "event", "events")))
            .collect();
        wrap_items(out, &items, 4);
    }
    if s.mode == Mode::Original {
        let at = &s.suspects.clusters_at_limit;
        let _ = writeln!(
            out,
            "  clusters at the limit (original.max_cluster={}): {}",
            s.knobs.max_cluster,
            thousands(at.len() as u64)
        );
        if !at.is_empty() {
            wrap(
                out,
                "every further merge into these fails with errManyIDs (O-LIMIT)",
                4,
            );
            for c in at {
                cluster(out, c);
            }
        }
    }
}

/// `label` in a 10-column gutter, then `text` wrapped beside it.
fn labelled(out: &mut String, label: &str, text: &str) {
    let mut first = true;
    for line in lines(text, WIDTH - 10) {
        let gutter = if first { label } else { "" };
        let _ = writeln!(out, "{gutter:<10}{line}");
        first = false;
    }
}

/// `text` wrapped at word boundaries to [`WIDTH`], every line indented by `indent`.
fn wrap(out: &mut String, text: &str, indent: usize) {
    for line in lines(text, WIDTH - indent) {
        let _ = writeln!(out, "{:indent$}{line}", "");
    }
}

/// Items joined by ", " and wrapped between items, never inside one.
fn wrap_items(out: &mut String, items: &[String], indent: usize) {
    let mut line = String::new();
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() {
            format!("{item},")
        } else {
            item.clone()
        };
        let len = line.chars().count();
        if len > 0 && len + 1 + piece.chars().count() > WIDTH - indent {
            let _ = writeln!(out, "{:indent$}{line}", "");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{:indent$}{line}", "");
    }
}

/// Greedy word wrap (a word longer than `width` gets a line of its own).
fn lines(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// An id from the data, escaped for the terminal and shortened in the middle when long.
fn id(raw: &str) -> String {
    let v = visible(raw);
    let n = v.chars().count();
    if n <= ID_MAX {
        return v.into_owned();
    }
    let head: String = v.chars().take(ID_MAX * 2 / 3).collect();
    let tail: String = v.chars().skip(n - (ID_MAX - ID_MAX * 2 / 3 - 1)).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_counted() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(count(1, "id", "ids"), "1 id");
        assert_eq!(count(2_000, "id", "ids"), "2,000 ids");
    }

    #[test]
    fn long_text_wraps_at_words_within_the_width() {
        let text = "word ".repeat(40);
        let ls = lines(&text, 30);
        assert!(ls.len() > 1);
        assert!(ls.iter().all(|l| l.chars().count() <= 30), "{ls:?}");
        assert_eq!(ls.join(" "), text.trim_end());
    }

    #[test]
    fn ids_are_escaped_and_long_ones_shortened_in_the_middle() {
        assert_eq!(id("a\u{1b}[2Jb"), "a\\x1b[2Jb");
        assert_eq!(id("x\u{9b}y"), "x\\u{9b}y");
        let long = format!("start{}end", "m".repeat(200));
        let short = id(&long);
        assert_eq!(short.chars().count(), ID_MAX);
        assert!(short.starts_with("start") && short.ends_with("end") && short.contains('…'));
    }
}
