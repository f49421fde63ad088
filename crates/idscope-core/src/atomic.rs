//! Writing files so that nothing is lost: a temp file beside the target, then a rename (or a
//! hard link, which refuses to replace an existing file). Never a half-written file.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum WriteError {
    /// The target exists and overwriting was not allowed.
    Exists(PathBuf),
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Exists(p) => write!(
                f,
                "{} already exists; not overwriting it (use --force to replace it)",
                crate::text::visible(&p.display().to_string())
            ),
            WriteError::Io(p, e) => write!(
                f,
                "cannot write {}: {e}",
                crate::text::visible(&p.display().to_string())
            ),
        }
    }
}

impl std::error::Error for WriteError {}

/// Writes `data` to `path` atomically. Without `overwrite`, an existing file is left alone
/// and [`WriteError::Exists`] is returned, even if it appears while we write.
pub fn write_atomic(path: &Path, data: &[u8], overwrite: bool) -> Result<(), WriteError> {
    let io = |e| WriteError::Io(path.to_path_buf(), e);
    if !overwrite && path.exists() {
        return Err(WriteError::Exists(path.to_path_buf()));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let mut tmp = None;
    for attempt in 0..100u32 {
        let candidate = dir.join(format!(
            ".{name}.idscope-{}-{attempt}.tmp",
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => {
                tmp = Some((candidate, f));
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(e)),
        }
    }
    let Some((tmp_path, mut file)) = tmp else {
        return Err(io(std::io::Error::other("no free temporary file name")));
    };
    let result = (|| {
        file.write_all(data)?;
        file.sync_all()?;
        drop(file);
        if overwrite {
            std::fs::rename(&tmp_path, path)
        } else {
            // A hard link fails if the target appeared meanwhile; then drop the temp file.
            std::fs::hard_link(&tmp_path, path).map(|_| {
                let _ = std::fs::remove_file(&tmp_path);
            })
        }
    })();
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp_path);
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Err(WriteError::Exists(path.to_path_buf()))
            } else {
                Err(io(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("idscope-atomic-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn refuses_to_overwrite_without_permission() {
        let d = temp_dir("refuse");
        let p = d.join("out.txt");
        write_atomic(&p, b"first", false).unwrap();
        let e = write_atomic(&p, b"second", false).unwrap_err();
        assert!(matches!(e, WriteError::Exists(_)));
        assert_eq!(
            std::fs::read(&p).unwrap(),
            b"first",
            "the existing file is untouched"
        );
        write_atomic(&p, b"third", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"third");
        let leftovers: Vec<_> = std::fs::read_dir(&d).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp files are left behind");
    }
}
