//! The three ways `idscope diff` prints a [`Diff`]: text for a person (80 columns), JSON
//! (docs/scenario-format.md §5) and CSV (one row per related pair of users). Every id comes
//! from the export and is untrusted: text passes it through [`visible`], CSV through
//! [`csv_field`], JSON through serde's escaping. Nothing else varies, so the same input and
//! flags give the same bytes (G-DETERMINISM).

use super::{Change, ChangeKind, Diff, KindCount, Side};
use crate::model::{KnobsHeader, Mode};
use crate::text::{count, csv_field, thousands, visible};
use serde::Serialize;
use std::fmt::Write;

/// Members shown per user, and users shown per side of a change: enough to recognise.
const MEMBERS_SHOWN: usize = 5;
const USERS_SHOWN: usize = 10;
/// Stranded ids listed per change.
const STRANDED_SHOWN: usize = 10;

/// One user as an example shows it.
#[derive(Debug, Serialize)]
struct UserView<'a> {
    /// The name a person knows the user by (a member that is not a device id, if any).
    user: &'a str,
    canonical: &'a str,
    ids: usize,
    events: usize,
    identified: bool,
    /// The canonical id of the user on the other side taken for the same person.
    paired_with: Option<&'a str>,
    members_sample: Vec<&'a str>,
}

fn user_view<'a>(d: &'a Diff, c: &Change, side: Side, u: usize) -> UserView<'a> {
    let r = d.side(side);
    let other = d.side(side.other());
    let cluster = &r.users[u];
    let mut members: Vec<&str> = cluster.members.iter().map(|&m| r.name(m)).collect();
    // Ids a person recognises (not `$device:` ids) first, then by name.
    members.sort_unstable_by_key(|m| (m.starts_with("$device:"), *m));
    members.truncate(MEMBERS_SHOWN);
    UserView {
        user: r.label(u),
        canonical: r.name(cluster.canonical),
        ids: cluster.members.len(),
        events: r.events_of(u).len(),
        identified: d.is_identified(side, u),
        paired_with: c
            .pair_of(side, u)
            .map(|p| other.name(other.users[p].canonical)),
        members_sample: members,
    }
}

#[derive(Debug, Serialize)]
struct SideView {
    mode: Mode,
    users: u64,
    /// Events that count for some user in this mode.
    events_with_user: u64,
}

#[derive(Debug, Serialize)]
struct Sample<'a> {
    count: usize,
    sample: Vec<&'a str>,
}

#[derive(Debug, Serialize)]
struct ChangeView<'a> {
    rank: usize,
    kind: ChangeKind,
    events: u64,
    events_moved: u64,
    events_stranded: u64,
    events_adopted: u64,
    from_users: usize,
    to_users: usize,
    from: Vec<UserView<'a>>,
    to: Vec<UserView<'a>>,
    orphans: Sample<'a>,
    phantoms: Sample<'a>,
    adopted_ids: u64,
}

fn change_view<'a>(d: &'a Diff, rank: usize, c: &Change) -> ChangeView<'a> {
    let users = |side: Side| {
        c.users(side)
            .iter()
            .take(USERS_SHOWN)
            .map(|&u| user_view(d, c, side, u))
            .collect()
    };
    let sample = |ids: &[u32]| Sample {
        count: ids.len(),
        sample: ids
            .iter()
            .take(STRANDED_SHOWN)
            .map(|&i| d.to.name(i))
            .collect(),
    };
    ChangeView {
        rank,
        kind: c.kind,
        events: c.events,
        events_moved: c.events_moved,
        events_stranded: c.events_stranded,
        events_adopted: c.events_adopted,
        from_users: c.from_users.len(),
        to_users: c.to_users.len(),
        from: users(Side::From),
        to: users(Side::To),
        orphans: sample(&c.orphans),
        phantoms: sample(&c.phantoms),
        adopted_ids: c.adopted_ids,
    }
}

#[derive(Debug, Serialize)]
struct Stranded {
    orphans: u64,
    phantoms: u64,
    events: u64,
}

#[derive(Debug, Serialize)]
struct Adopted {
    ids: u64,
    events: u64,
}

/// The `diff --format json` document; fields serialize in this order.
#[derive(Debug, Serialize)]
struct Report<'a> {
    from: SideView,
    to: SideView,
    knobs: KnobsHeader,
    events: u64,
    malformed_lines: u64,
    same_users: u64,
    #[serde(serialize_with = "kinds_map")]
    changes: &'a [(ChangeKind, KindCount)],
    events_moved: u64,
    stranded: Stranded,
    adopted: Adopted,
    largest_changes: Vec<ChangeView<'a>>,
}

fn kinds_map<S: serde::Serializer>(
    kinds: &&[(ChangeKind, KindCount)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(kinds.iter().map(|(k, v)| (k.as_str(), v)))
}

/// `diff --format json`: the counts and the `top` largest changes, pretty-printed.
pub fn json(d: &Diff, top: usize) -> String {
    let c = &d.counts;
    let side = |r: &crate::export_index::Resolution| SideView {
        mode: r.mode(),
        users: r.users.len() as u64,
        events_with_user: (r.len() - r.no_user().len()) as u64,
    };
    let report = Report {
        from: side(&d.from),
        to: side(&d.to),
        knobs: d.knobs.header(),
        events: c.events,
        malformed_lines: d.malformed_lines,
        same_users: c.same,
        changes: &c.kinds,
        events_moved: c.events_moved,
        stranded: Stranded {
            orphans: c.orphans,
            phantoms: c.phantoms,
            events: c.events_stranded,
        },
        adopted: Adopted {
            ids: c.adopted_ids,
            events: c.events_adopted,
        },
        largest_changes: d
            .changes
            .iter()
            .take(top)
            .enumerate()
            .map(|(i, ch)| change_view(d, i + 1, ch))
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The CSV header (docs/scenario-format.md §5).
pub const CSV_HEADER: &str = "change,kind,from_user,from_label,from_ids,from_events,to_user,to_label,to_ids,to_events,events,ids,paired\n";

/// `diff --format csv`: one row per related pair of users of every change (the same
/// numbering as the JSON's `rank`); an empty user is "no user" on that side.
pub fn csv(d: &Diff) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and every field is UTF-8.
    let _ = write_csv(d, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`csv`] written as it is made: an export with many changes gives many rows, and they
/// need not be held twice.
pub fn write_csv(d: &Diff, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    out.write_all(CSV_HEADER.as_bytes())?;
    let user = |side: Side, u: Option<usize>| -> [String; 4] {
        let r = d.side(side);
        match u {
            Some(u) => [
                csv_field(r.name(r.users[u].canonical)),
                csv_field(r.label(u)),
                r.users[u].members.len().to_string(),
                r.events_of(u).len().to_string(),
            ],
            None => Default::default(),
        }
    };
    for (i, c) in d.changes.iter().enumerate() {
        for l in &c.links {
            let [fu, fl, fi, fe] = user(Side::From, l.from);
            let [tu, tl, ti, te] = user(Side::To, l.to);
            writeln!(
                out,
                "{},{},{fu},{fl},{fi},{fe},{tu},{tl},{ti},{te},{},{},{}",
                i + 1,
                c.kind.as_str(),
                l.events,
                l.ids,
                l.paired
            )?;
        }
    }
    out.flush()
}

/// The widest line (a terminal of 80 columns keeps its last column free).
const WIDTH: usize = 79;
/// Ids in a user's line are shortened in the middle to this many characters.
const NAME_MAX: usize = 36;
/// Ids in a list are shortened to this many characters.
const LISTED_MAX: usize = 24;
/// Users shown per side of a change in text.
const TEXT_USERS_SHOWN: usize = 5;

/// `diff --format text`: the counts, then the `top` largest changes.
pub fn text(d: &Diff, top: usize) -> String {
    let mut out = String::new();
    header(&mut out, d);
    users_table(&mut out, d);
    events_section(&mut out, d);
    largest(&mut out, d, top);
    out
}

fn header(out: &mut String, d: &Diff) {
    let (f, t) = (d.from.mode(), d.to.mode());
    let _ = writeln!(out, "idscope diff: {}", visible(&d.input));
    let _ = writeln!(out, "from      {f} ({})", f.title());
    let _ = writeln!(out, "to        {t} ({})", t.title());
    if !d.knobs.is_default() {
        let k = d.knobs.header();
        let knobs = format!(
            "original.max_cluster={} original.guid_check={} simplified.identify_links={} import.missing_distinct_id={}",
            k.max_cluster, k.guid_check, k.identify_links, k.missing_distinct_id
        );
        wrapped(out, "knobs     ", &knobs);
    }
    let _ = writeln!(
        out,
        "read      {}, {} malformed",
        count(d.counts.events, "event", "events"),
        count(d.malformed_lines, "line", "lines")
    );
}

fn users_table(out: &mut String, d: &Diff) {
    let c = &d.counts;
    let (f, t) = (d.from.mode().as_str(), d.to.mode().as_str());
    let _ = writeln!(out, "\nUsers{:>39}{:>12}", f, t);
    let row = |out: &mut String, label: &str, a: u64, b: u64| {
        let _ = writeln!(out, "  {label:<30}{:>12}{:>12}", thousands(a), thousands(b));
    };
    row(out, "total", c.from_users, c.to_users);
    row(out, "the same", c.same, c.same);
    for (kind, k) in &c.kinds {
        let label = match kind {
            ChangeKind::Reshaped => "reshaped (other ids or events)",
            ChangeKind::Split => "split",
            ChangeKind::Merge => "merged",
            ChangeKind::Reshuffle => "reshuffled (many to many)",
            ChangeKind::Gone => "gone (no user in to)",
            ChangeKind::New => "new (no user in from)",
        };
        let changes = match k.changes {
            0 => String::new(),
            n => format!("  in {}", count(n, "group", "groups")),
        };
        let _ = writeln!(
            out,
            "  {label:<30}{:>12}{:>12}{changes}",
            thousands(k.from_users),
            thousands(k.to_users)
        );
    }
}

fn events_section(out: &mut String, d: &Diff) {
    let c = &d.counts;
    let row = |out: &mut String, label: &str, n: u64, note: &str| {
        let _ = writeln!(out, "  {label:<30}{:>12}{note}", thousands(n));
    };
    out.push_str("\nEvents\n");
    let share = format!(
        " of {} ({})",
        thousands(c.events),
        percent(c.events_moved, c.events)
    );
    row(out, "moved to a different user", c.events_moved, &share);
    row(
        out,
        "stranded",
        c.events_stranded,
        "  lose their identified user",
    );
    row(
        out,
        "adopted",
        c.events_adopted,
        "  gain an identified user",
    );
    out.push_str("\nAnonymous ids\n");
    row(out, "orphans", c.orphans, "  device ids lose their user");
    row(
        out,
        "phantoms",
        c.phantoms,
        "  bare ids become users (S-DID)",
    );
    row(out, "adopted", c.adopted_ids, "  gain an identified user");
}

fn largest(out: &mut String, d: &Diff, top: usize) {
    let n = d.changes.len();
    if n == 0 {
        out.push_str("\nNo user changes.\n");
        return;
    }
    let shown = top.min(n);
    if shown == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "\nLargest changes ({shown} of {}, most events moved first)",
        thousands(n as u64)
    );
    for (i, c) in d.changes.iter().take(shown).enumerate() {
        change(out, d, i + 1, c);
    }
}

fn change(out: &mut String, d: &Diff, rank: usize, c: &Change) {
    let mut title = format!(
        "{rank}. {}: {} moved",
        c.kind.as_str(),
        count(c.events_moved, "event", "events")
    );
    for (n, one, many) in [
        (c.orphans.len() as u64, "orphan", "orphans"),
        (c.phantoms.len() as u64, "phantom", "phantoms"),
        (c.events_stranded, "event stranded", "events stranded"),
    ] {
        if n > 0 {
            title.push_str(", ");
            title.push_str(&count(n, one, many));
        }
    }
    out.push('\n');
    wrapped(out, "", &title);
    for side in [Side::From, Side::To] {
        let r = d.side(side);
        let users = c.users(side);
        let mode = r.mode().as_str();
        if users.is_empty() {
            let _ = writeln!(out, "   {mode:<11} (no user)");
        }
        for (k, &u) in users.iter().take(TEXT_USERS_SHOWN).enumerate() {
            let v = user_view(d, c, side, u);
            let label = if k == 0 { mode } else { "" };
            let _ = writeln!(
                out,
                "   {label:<11} {:<NAME_MAX$} {:>8} {:>14}",
                fit(v.user, NAME_MAX),
                count(v.ids as u64, "id", "ids"),
                count(v.events as u64, "event", "events"),
            );
            if v.ids > 1 || v.members_sample.first() != Some(&v.user) {
                let names: Vec<&str> = v.members_sample.clone();
                listed(out, "ids", &names, v.ids);
            }
        }
        if users.len() > TEXT_USERS_SHOWN {
            let more = (users.len() - TEXT_USERS_SHOWN) as u64;
            let _ = writeln!(
                out,
                "               … and {} more {}",
                thousands(more),
                if more == 1 { "user" } else { "users" }
            );
        }
    }
    for (label, ids) in [("orphans", &c.orphans), ("phantoms", &c.phantoms)] {
        if !ids.is_empty() {
            let names: Vec<&str> = ids.iter().map(|&i| d.to.name(i)).collect();
            listed(out, label, &names, ids.len());
        }
    }
}

/// `               label: a, b, c, +N more`, within [`WIDTH`].
fn listed(out: &mut String, label: &str, names: &[&str], total: usize) {
    let mut line = format!("               {label}: ");
    let start = line.len();
    let mut shown = 0;
    for name in names {
        let part = fit(name, LISTED_MAX);
        let sep = if shown == 0 { "" } else { ", " };
        let more = total.saturating_sub(shown + 1);
        let tail = match more {
            0 => 0,
            n => format!(", +{} more", thousands(n as u64)).len(),
        };
        if line.chars().count() + sep.len() + part.chars().count() + tail > WIDTH && shown > 0 {
            break;
        }
        line.push_str(sep);
        line.push_str(&part);
        shown += 1;
    }
    if total > shown {
        if line.len() > start {
            line.push_str(", ");
        }
        let _ = write!(line, "+{} more", thousands((total - shown) as u64));
    }
    out.push_str(&line);
    out.push('\n');
}

/// An id made safe for a terminal and shortened in the middle to `max` characters.
fn fit(s: &str, max: usize) -> String {
    let v = visible(s);
    let n = v.chars().count();
    if n <= max {
        return v.into_owned();
    }
    let head = (max - 1) / 2;
    let tail = max - 1 - head;
    let mut out: String = v.chars().take(head).collect();
    out.push('…');
    out.extend(v.chars().skip(n - tail));
    out
}

/// `label` then `text`, wrapped at spaces within [`WIDTH`], continuation lines indented
/// under the text (three spaces without a label).
fn wrapped(out: &mut String, label: &str, text: &str) {
    let mut line = label.to_string();
    let indent = " ".repeat(label.chars().count().max(3));
    for word in text.split(' ') {
        if line.chars().count() + word.chars().count() + 1 > WIDTH && !line.trim().is_empty() {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.clone();
        }
        line.push_str(word);
        line.push(' ');
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// `part` of `whole` as a percentage with one decimal ("0.0%" of nothing).
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.0%".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_ids_cut_in_the_middle() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        let id = "$device:fc14a1a6-f545-4ce5-8245-01fcc4197ecd";
        let cut = fit(id, 20);
        assert_eq!(cut.chars().count(), 20);
        assert!(
            cut.starts_with("$device:f") && cut.ends_with("97ecd"),
            "{cut}"
        );
        assert_eq!(fit("a\u{1b}[2J", 40), "a\\x1b[2J");
    }

    #[test]
    fn a_long_title_wraps_within_80_columns() {
        let mut out = String::new();
        let title = "123. reshuffle: 1,000,000 events moved, 1,000 orphans, 1,000 phantoms, 1,000,000 events stranded";
        wrapped(&mut out, "", title);
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH), "{out}");
        assert!(out.lines().nth(1).unwrap().starts_with("   "), "{out}");
    }

    #[test]
    fn a_list_says_how_many_it_left_out() {
        let mut out = String::new();
        let names = ["a".repeat(30), "b".repeat(30), "c".repeat(30)];
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        listed(&mut out, "ids", &names, 7);
        assert!(out.ends_with("more\n"), "{out}");
        assert!(out.trim_end().chars().count() <= WIDTH, "{out}");
        assert!(out.contains("+5 more") || out.contains("+6 more"), "{out}");
    }
}
