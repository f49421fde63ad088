//! How an id is written in a cell: whole when it fits, else shortened in the middle
//! (`$device:0504…144f`), and prefixed with the device's scenario name (`web`) when the
//! run knows it, so nobody matches UUIDs to devices by hand.

use super::cells::{fit_middle, width};
use super::vis;
use idscope_core::run::Run;

/// `id` shortened to `cells`; a `$device:` prefix is kept whole and the UUID after it is
/// cut in the middle.
pub fn short(id: &str, cells: usize) -> String {
    let id = vis(id);
    if width(&id) <= cells {
        return id;
    }
    match id.strip_prefix("$device:") {
        Some(body) if cells >= 8 + 7 => format!("$device:{}", fit_middle(body, cells - 8)),
        _ => fit_middle(&id, cells),
    }
}

/// `web $device:0504…144f`: the device name (when the run knows it) and the id, within
/// `cells`. The id keeps at least 13 cells; the name is dropped before the id is cut short.
pub fn label(run: &Run, id: &str, cells: usize) -> String {
    match run.device_name(id).map(vis) {
        Some(name) if width(&name) + 1 + 13 <= cells => {
            let room = cells - width(&name) - 1;
            format!("{name} {}", short(id, room))
        }
        _ => short(id, cells),
    }
}

/// The widest [`label`] can be for `id` (uncut), for sizing columns.
pub fn label_width(run: &Run, id: &str) -> usize {
    let name = run.device_name(id).map_or(0, |n| width(&vis(n)) + 1);
    name + width(&vis(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_keep_their_prefix_and_both_ends() {
        let id = "$device:0504ca23-7d51-4bfc-9d5a-66cf144f0000";
        let s = short(id, 17);
        assert_eq!(width(&s), 17, "{s}");
        assert!(s.starts_with("$device:0504") && s.ends_with("0000"), "{s}");
        assert_eq!(short("alice", 17), "alice");
        assert_eq!(short("\u{1b}[31mred", 20), "\\x1b[31mred");
    }
}
