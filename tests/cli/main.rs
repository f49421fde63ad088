//! The command line through the real binary: the headless commands and their contracts,
//! hostile input (every invalid file refused clearly), and `--out` writes.

#[path = "../common/mod.rs"]
mod common;

mod commands;
mod conventions;
mod escaping;
mod hostile;
mod readme;
mod writes;
