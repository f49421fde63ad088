//! Reading scenario files and directories for the command line and the explorer: the one
//! place that reads scenarios from the file system.

use crate::scenario::{self, LoadError, Scenario};
use crate::text::path_text;
use std::path::{Path, PathBuf};

/// Reads and parses one scenario file (named in errors with any bytes that are not UTF-8
/// shown as `\xff`).
/// A scenario is a few kilobytes; past this a file is something else (an export, a device).
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;

/// Reads a scenario file, never hanging: a named pipe without a writer is opened without
/// waiting for one (and reads as empty), and reading stops past [`MAX_SCENARIO_BYTES`]
/// (`/dev/zero`).
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // Reads wait for data again (a pipe with a writer); with none they see the end.
        // SAFETY: fcntl on a descriptor this function owns.
        unsafe {
            let fd = file.as_raw_fd();
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
    }
    if file.metadata()?.is_dir() {
        return Err(std::io::Error::from(std::io::ErrorKind::IsADirectory));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(std::io::Error::from(std::io::ErrorKind::FileTooLarge));
    }
    Ok(bytes)
}

pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let file = path_text(path);
    let err = |message: String| LoadError {
        file: file.clone(),
        line: None,
        column: None,
        step: None,
        message,
    };
    let bytes = read_capped(path).map_err(|e| {
        err(match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::IsADirectory => "is a directory; expected a scenario file".into(),
            std::io::ErrorKind::FileTooLarge => format!(
                "larger than {} MiB: expected a scenario file (an export opens with `idscope EXPORT` or `idscope resolve`)",
                MAX_SCENARIO_BYTES >> 20
            ),
            _ => format!("cannot read: {e}"),
        })
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let upto = &bytes[..e.valid_up_to()];
        let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
        let column = upto.len() - upto.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1) + 1;
        LoadError {
            line: Some(line),
            column: Some(column),
            ..err(format!(
                "the file is not UTF-8 (invalid byte at offset {}); expected JSON text",
                e.valid_up_to()
            ))
        }
    })?;
    scenario::parse(text, &file)
}

/// The scenario files a command line names: files as given, directories expanded to their
/// `*.json` files (not `*.schema.json`), sorted by name.
pub fn expand_paths(paths: &[PathBuf]) -> Vec<Result<PathBuf, LoadError>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut files: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| is_scenario_file(f))
                        .collect();
                    files.sort();
                    if files.is_empty() {
                        out.push(Err(LoadError {
                            file: path_text(p),
                            line: None,
                            column: None,
                            step: None,
                            message: "the directory holds no *.json scenario files".into(),
                        }));
                    }
                    out.extend(files.into_iter().map(Ok));
                }
                Err(e) => out.push(Err(LoadError {
                    file: path_text(p),
                    line: None,
                    column: None,
                    step: None,
                    message: format!("cannot read the directory: {e}"),
                })),
            }
        } else {
            out.push(Ok(p.clone()));
        }
    }
    out
}

/// A `*.json` file but not `*.schema.json`, by the name's bytes: a name that is not UTF-8
/// is a file like any other.
fn is_scenario_file(p: &Path) -> bool {
    let name = p.file_name().map_or(&[][..], |n| n.as_encoded_bytes());
    p.is_file() && name.ends_with(b".json") && !name.ends_with(b".schema.json")
}
