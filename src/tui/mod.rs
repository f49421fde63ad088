//! The interactive explorer (behind the default `tui` feature).

use std::path::PathBuf;

/// Opens the explorer on a scenario file or directory (None: the bundled scenarios).
/// Returns the process exit code.
pub fn main(path: Option<PathBuf>) -> i32 {
    let _ = path;
    eprintln!("The interactive explorer is being built. Try: idscope run FILE --mode simplified --format table");
    2
}
