//! The settings file, `$XDG_CONFIG_HOME/idscope/config.toml` (docs/scenario-format.md §2.4):
//! defaults a user would otherwise type on every command. Flags beat the file, the file beats
//! the built-in defaults; `idscope config` prints each effective value with where it came from.

use crate::clipboard::Setting as Clipboard;
use idscope_core::model::{Choice, Mode};
use serde::Deserialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Names a file other than the usual place (tests, several setups).
pub const PATH_VARIABLE: &str = "IDSCOPE_CONFIG";
/// Where the token for /track and /engage snippets comes from when the file says nothing.
pub const DEFAULT_TOKEN_VARIABLE: &str = "MIXPANEL_TOKEN";

/// Where an effective value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    /// The settings file, at this 1-based line.
    File(usize),
    /// A command-line flag.
    Flag(&'static str),
}

/// A value and its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valued<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Valued<T> {
    fn default(value: T) -> Self {
        Valued {
            value,
            origin: Origin::Default,
        }
    }

    /// A flag given on the command line replaces the value.
    pub fn flag(&mut self, flag: &'static str, value: Option<T>) {
        if let Some(value) = value {
            *self = Valued {
                value,
                origin: Origin::Flag(flag),
            };
        }
    }
}

/// The explorer's colours: `auto` follows `NO_COLOR` (no-color.org), which the file overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Auto,
    Color,
    Mono,
}

impl Choice for Theme {
    const ALL: &'static [Theme] = &[Theme::Auto, Theme::Color, Theme::Mono];
    fn name(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Color => "color",
            Theme::Mono => "mono",
        }
    }
}

impl Theme {
    /// Whether the explorer draws without colour.
    pub fn mono(self) -> bool {
        match self {
            Theme::Auto => std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            Theme::Color => false,
            Theme::Mono => true,
        }
    }
}

/// The effective settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The file read (or looked for), and whether it exists.
    pub path: Option<PathBuf>,
    pub found: bool,
    /// The project's identity mode when a command is given no `--mode`.
    pub mode: Valued<Option<Mode>>,
    /// The mode the tracking code was written for when no `--playbook` is given.
    pub playbook: Valued<Option<Mode>>,
    pub clipboard: Valued<Clipboard>,
    pub theme: Valued<Theme>,
    /// The environment variable holding the project token for /track and /engage snippets.
    pub token_variable: Valued<String>,
    pub mouse: Valued<bool>,
}

/// The file as written; every key optional, unknown keys refused (a typo must not be ignored).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    mode: Option<toml::Spanned<String>>,
    playbook: Option<toml::Spanned<String>>,
    clipboard: Option<toml::Spanned<String>>,
    theme: Option<toml::Spanned<String>>,
    token_variable: Option<toml::Spanned<String>>,
    mouse: Option<toml::Spanned<bool>>,
}

/// The settings file's place: `$IDSCOPE_CONFIG`, else `$XDG_CONFIG_HOME/idscope/config.toml`,
/// else `~/.config/idscope/config.toml` (None without a home).
pub fn path_from(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(p) = env(PATH_VARIABLE).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let base = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("idscope").join("config.toml"))
}

impl Settings {
    /// The built-in defaults, as if no file existed.
    pub fn defaults(path: Option<PathBuf>) -> Settings {
        Settings {
            path,
            found: false,
            mode: Valued::default(None),
            playbook: Valued::default(None),
            clipboard: Valued::default(Clipboard::Auto),
            theme: Valued::default(Theme::Auto),
            token_variable: Valued::default(DEFAULT_TOKEN_VARIABLE.to_string()),
            mouse: Valued::default(false),
        }
    }

    /// Reads the settings file from its usual place; a missing file is the defaults, a file
    /// that cannot be read or parsed is an error naming it (and the line and column).
    pub fn load() -> Result<Settings, String> {
        let path = path_from(|k| std::env::var_os(k));
        let explicit = std::env::var_os(PATH_VARIABLE).is_some_and(|p| !p.is_empty());
        let Some(file) = path.clone() else {
            return Ok(Settings::defaults(None));
        };
        match std::fs::read(&file) {
            Ok(bytes) => Settings::parse(&file, &bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                Ok(Settings::defaults(path))
            }
            Err(e) => Err(format!(
                "{}: cannot read the settings file: {e}",
                show_path(&file)
            )),
        }
    }

    /// Parses a settings file's bytes.
    pub fn parse(file: &Path, bytes: &[u8]) -> Result<Settings, String> {
        let name = show_path(file);
        let text = std::str::from_utf8(bytes)
            .map_err(|e| format!("{name}: not UTF-8 text (byte {})", e.valid_up_to() + 1))?;
        let raw: FileSettings = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (line, col) = line_col(text, s.start);
                    format!("line {line}, column {col}: ")
                })
                .unwrap_or_default();
            format!(
                "{name}: {at}{}",
                idscope_core::text::visible(e.message().trim_end())
            )
        })?;
        let mut s = Settings::defaults(Some(file.to_path_buf()));
        s.found = true;
        let line = |span: std::ops::Range<usize>| line_col(text, span.start).0;
        let bad = |key: &str, span: std::ops::Range<usize>, expected: String| {
            let (l, c) = line_col(text, span.start);
            format!("{name}: line {l}, column {c}: `{key}` must be {expected}")
        };
        if let Some(v) = raw.mode {
            let m = Mode::parse(v.get_ref()).ok_or_else(|| bad("mode", v.span(), Mode::names()))?;
            s.mode = Valued {
                value: Some(m),
                origin: Origin::File(line(v.span())),
            };
        }
        if let Some(v) = raw.playbook {
            let m =
                Mode::parse(v.get_ref()).ok_or_else(|| bad("playbook", v.span(), Mode::names()))?;
            s.playbook = Valued {
                value: Some(m),
                origin: Origin::File(line(v.span())),
            };
        }
        if let Some(v) = raw.clipboard {
            let c = Clipboard::parse(v.get_ref()).ok_or_else(|| {
                bad(
                    "clipboard",
                    v.span(),
                    "auto, osc52, tmux, none or command:<program and args>".into(),
                )
            })?;
            s.clipboard = Valued {
                value: c,
                origin: Origin::File(line(v.span())),
            };
        }
        if let Some(v) = raw.theme {
            let t =
                Theme::parse(v.get_ref()).ok_or_else(|| bad("theme", v.span(), Theme::names()))?;
            s.theme = Valued {
                value: t,
                origin: Origin::File(line(v.span())),
            };
        }
        if let Some(v) = raw.token_variable {
            let name_ok = !v.get_ref().is_empty()
                && v.get_ref()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !v.get_ref().starts_with(|c: char| c.is_ascii_digit());
            if !name_ok {
                return Err(bad(
                    "token_variable",
                    v.span(),
                    "the name of an environment variable (letters, digits and _)".into(),
                ));
            }
            s.token_variable = Valued {
                origin: Origin::File(line(v.span())),
                value: v.into_inner(),
            };
        }
        if let Some(v) = raw.mouse {
            s.mouse = Valued {
                origin: Origin::File(line(v.span())),
                value: v.into_inner(),
            };
        }
        Ok(s)
    }

    /// The mode a command runs under: its `--mode`, else the file's, else an error saying both.
    pub fn mode_or(&self, flag: Option<Mode>) -> Result<Mode, String> {
        flag.or(self.mode.value).ok_or_else(|| {
            format!(
                "--mode is required ({}), or set `mode` in {}",
                Mode::names(),
                self.path
                    .as_deref()
                    .map(show_path)
                    .unwrap_or_else(|| "the settings file".into())
            )
        })
    }

    /// `idscope config`: the effective settings as TOML, each with where it came from, so the
    /// output can be pasted into the file.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let file = match &self.path {
            Some(p) if self.found => show_path(p),
            Some(p) => format!("{} (not found)", show_path(p)),
            None => "none (no $HOME or $XDG_CONFIG_HOME)".into(),
        };
        let _ = writeln!(s, "# idscope's effective settings. The file: {file}");
        let _ = writeln!(s, "# Flags beat the file, the file beats the defaults.");
        let origin = |o: &Origin| match o {
            Origin::Default => "default".to_string(),
            Origin::File(line) => format!("the file, line {line}"),
            Origin::Flag(flag) => format!("the flag {flag}"),
        };
        let mut line = |key: &str, value: Option<String>, origin: String, note: &str| {
            let entry = match value {
                Some(v) => format!("{key} = {v}"),
                None => format!("# {key} ="),
            };
            let _ = writeln!(s, "{entry:<36} # {origin}{note}");
        };
        let quoted = |v: &str| toml_string(v);
        line(
            "mode",
            self.mode.value.map(|m| quoted(m.name())),
            origin(&self.mode.origin),
            if self.mode.value.is_none() {
                ": not set, commands need --mode"
            } else {
                ""
            },
        );
        line(
            "playbook",
            self.playbook.value.map(|m| quoted(m.name())),
            origin(&self.playbook.origin),
            if self.playbook.value.is_none() {
                ": not set, follows the mode"
            } else {
                ""
            },
        );
        line(
            "clipboard",
            Some(quoted(&clipboard_name(&self.clipboard.value))),
            origin(&self.clipboard.origin),
            "",
        );
        let theme_note = if self.theme.value == Theme::Auto {
            if Theme::Auto.mono() {
                ": NO_COLOR is set, so monochrome"
            } else {
                ": colour (NO_COLOR is not set)"
            }
        } else {
            ""
        };
        line(
            "theme",
            Some(quoted(self.theme.value.name())),
            origin(&self.theme.origin),
            theme_note,
        );
        let var = &self.token_variable.value;
        let token_note = if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            format!(": ${var} is set")
        } else {
            format!(": ${var} is not set, snippets keep the scenario's token")
        };
        line(
            "token_variable",
            Some(quoted(var)),
            origin(&self.token_variable.origin),
            &idscope_core::text::visible(&token_note),
        );
        line(
            "mouse",
            Some(self.mouse.value.to_string()),
            origin(&self.mouse.origin),
            "",
        );
        s
    }
}

/// A TOML basic string: quotes and backslashes escaped, and every control or invisible
/// character as `\uXXXX`, so the output reads back as the same value and no byte of it can
/// drive a terminal.
fn toml_string(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || idscope_core::text::needs_escape(c) => {
                if (c as u32) <= 0xFFFF {
                    out.push_str(&format!("\\u{:04X}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08X}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `--clipboard` spelling of a setting.
pub fn clipboard_name(c: &Clipboard) -> String {
    match c {
        Clipboard::Auto => "auto".into(),
        Clipboard::Osc52 => "osc52".into(),
        Clipboard::Tmux => "tmux".into(),
        Clipboard::None => "none".into(),
        Clipboard::Command(argv) => format!("command:{}", argv.join(" ")),
    }
}

fn show_path(p: &Path) -> String {
    idscope_core::text::path_text(p)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, String> {
        Settings::parse(Path::new("/c/config.toml"), text.as_bytes())
    }

    #[test]
    fn the_file_sets_each_value_and_says_on_which_line() {
        let s = parse("# mine\nmode = \"original\"\nclipboard = \"none\"\ntheme = \"mono\"\ntoken_variable = \"MP_TOKEN\"\nmouse = true\nplaybook = \"legacy\"\n").unwrap();
        assert_eq!(s.mode.value, Some(Mode::Original));
        assert_eq!(s.mode.origin, Origin::File(2));
        assert_eq!(s.clipboard.value, Clipboard::None);
        assert_eq!(s.theme.value, Theme::Mono);
        assert_eq!(s.token_variable.value, "MP_TOKEN");
        assert!(s.mouse.value);
        assert_eq!(s.playbook.origin, Origin::File(7));
    }

    #[test]
    fn a_bad_value_names_the_file_line_column_and_what_was_expected() {
        let e = parse("\nmode = \"simplfied\"\n").unwrap_err();
        assert_eq!(
            e,
            "/c/config.toml: line 2, column 8: `mode` must be legacy, original or simplified"
        );
    }

    #[test]
    fn a_typo_in_a_key_is_refused_not_ignored() {
        let e = parse("mdoe = \"original\"\n").unwrap_err();
        assert!(e.starts_with("/c/config.toml: line 1, column 1: "), "{e}");
        assert!(e.contains("mdoe"), "{e}");
    }

    #[test]
    fn broken_toml_names_the_place() {
        let e = parse("mode = original\n").unwrap_err();
        assert!(e.starts_with("/c/config.toml: line 1, column 8: "), "{e}");
    }

    #[test]
    fn a_flag_beats_the_file() {
        let mut s = parse("clipboard = \"none\"\n").unwrap();
        s.clipboard.flag("--clipboard", Some(Clipboard::Osc52));
        assert_eq!(s.clipboard.value, Clipboard::Osc52);
        assert_eq!(s.clipboard.origin, Origin::Flag("--clipboard"));
        s.clipboard.flag("--clipboard", None);
        assert_eq!(s.clipboard.value, Clipboard::Osc52);
    }

    #[test]
    fn the_path_follows_xdg_then_home_and_the_variable_beats_both() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        assert_eq!(
            path_from(env(&[("HOME", "/h")])),
            Some(PathBuf::from("/h/.config/idscope/config.toml"))
        );
        assert_eq!(
            path_from(env(&[("HOME", "/h"), ("XDG_CONFIG_HOME", "/x")])),
            Some(PathBuf::from("/x/idscope/config.toml"))
        );
        // A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
        assert_eq!(
            path_from(env(&[("HOME", "/h"), ("XDG_CONFIG_HOME", "rel")])),
            Some(PathBuf::from("/h/.config/idscope/config.toml"))
        );
        assert_eq!(
            path_from(env(&[("HOME", "/h"), ("IDSCOPE_CONFIG", "/e.toml")])),
            Some(PathBuf::from("/e.toml"))
        );
        assert_eq!(path_from(env(&[])), None);
    }

    #[test]
    fn describe_escapes_control_characters_and_still_reads_back() {
        let mut s = parse("").unwrap();
        s.clipboard.flag(
            "--clipboard",
            Some(Clipboard::Command(vec!["xclip\u{1b}[31m\u{202e}".into()])),
        );
        let text = s.describe();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text}"
        );
        assert!(text.contains("xclip\\u001B[31m\\u202E"), "{text}");
        let again = parse(&text).unwrap();
        assert_eq!(again.clipboard.value, s.clipboard.value);
    }

    #[test]
    fn describe_is_toml_that_reads_back_as_the_same_settings() {
        let s = parse("mode = \"original\"\nclipboard = \"command:xclip -sel c\"\n").unwrap();
        let text = s.describe();
        let again = parse(&text).unwrap();
        assert_eq!(again.mode.value, Some(Mode::Original));
        assert_eq!(again.clipboard.value, s.clipboard.value);
        assert!(text.contains("# the file, line 1"), "{text}");
    }
}
