//! The `idscope` binary's library half: the terminal explorer and what only the binary
//! needs (bundled scenarios, clipboard). The engine lives in the `idscope-core` crate; the
//! command line in `main.rs` and `cli/`.

pub mod bundled;
pub mod clipboard;
pub mod config;
pub mod truncation;
#[cfg(feature = "tui")]
pub mod tui;
