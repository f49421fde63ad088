//! The engine, without the binary: one test (or more) per rule of the rule book, the derived
//! checks, properties over generated scenarios, the goldens of every bundled scenario, the
//! scenario library, and saving scenarios.

#[path = "../common/mod.rs"]
mod common;

mod architecture;
mod conformance;
mod derived_checks;
mod golden;
mod mobile;
mod properties;
mod rules;
mod save;
mod scenarios;
mod server_conformance;
