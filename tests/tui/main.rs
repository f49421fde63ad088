//! The terminal UI: the explorer's update and keymap, reviewed renders, copy and the export
//! menu, the export view, the playground, robustness under random input, and the real
//! binary in tmux.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod app;
mod copy_and_export_menu;
mod e2e;
mod export_view;
mod playground;
mod reload_races;
mod render;
mod robust;
mod screenshot_svg;
mod screenshots;
mod signals;
mod views;
