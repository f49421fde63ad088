//! The terminal side: raw mode and alternate screen via `ratatui::init`, optional mouse
//! capture, and the event loop (draw → read → map → update → effects). The terminal is
//! restored on quit, on error and on panic.

use super::app::{update, App, Effect};
use super::keymap;
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use std::io::stdout;

/// Runs the explorer until the user quits. Call `color_eyre::install()` first.
pub fn run(app: &mut App) -> color_eyre::Result<()> {
    // Own the NO_COLOR decision (the mono theme sets no colours); crossterm's stripping
    // would emit `ESC[;m` and reset REVERSED/BOLD (tui-anchors §13.1).
    crossterm::style::Colored::set_ansi_color_disabled(false);
    let mut terminal = ratatui::try_init()?;
    if app.mouse {
        // ratatui's panic hook restores raw mode and the screen; add mouse release before it.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(stdout(), DisableMouseCapture);
            previous(info);
        }));
        if let Err(e) = execute!(stdout(), EnableMouseCapture) {
            ratatui::restore();
            return Err(e.into());
        }
    }
    let result = (|| -> color_eyre::Result<()> {
        let size = terminal.size()?;
        update(app, super::app::Action::Resize(size.width, size.height));
        loop {
            terminal.draw(|f| f.render_widget(&*app, f.area()))?;
            // Poll so the open file can be checked for changes while idle (live reload).
            if !event::poll(std::time::Duration::from_millis(250))? {
                update(app, super::app::Action::Tick);
                continue;
            }
            let ev = event::read()?;
            super::panic_key::check(&ev);
            if let Some(action) = keymap::map_event(&ev, app) {
                for effect in update(app, action) {
                    match effect {
                        Effect::Quit => return Ok(()),
                        Effect::Copy { what, data } => {
                            // OSC 52 must reach the real terminal: stdout, between frames.
                            let mut out = stdout();
                            let msg = super::copy::execute(&app.clipboard, &what, &data, &mut out);
                            app.message = Some(msg);
                        }
                    }
                }
            }
        }
    })();
    if app.mouse {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    result
}
