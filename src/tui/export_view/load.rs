//! Where the export view's input comes from: a file through the shared reader
//! ([`idscope_core::export_index::Source`]: a plain file stays memory-mapped, gzip is
//! unwrapped), or bytes in memory (tests). Reading and resolving happen later, on a thread
//! of their own ([`super::ExportApp`]'s jobs).

use idscope_core::export_index::Source;
pub use idscope_core::ingest::is_export;
use std::path::Path;

/// Opens an export file (not read yet, except a gzip or a stream, which is unpacked).
pub fn open(path: &Path) -> Result<Source, String> {
    Source::open(path).map_err(|e| e.to_string())
}

/// An export held in memory (JSONL or a JSON array).
pub fn parse(name: &str, bytes: &[u8]) -> Source {
    Source::from_bytes(name, bytes.to_vec())
}
