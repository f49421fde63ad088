//! The command line through the real binary: the headless commands and their contracts, and
//! hostile input (every invalid file refused clearly).

#[path = "../common/mod.rs"]
mod common;

mod commands;
mod hostile;
