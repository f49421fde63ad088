//! Writing files so that nothing is lost: a temp file beside the target, then a rename (or a
//! hard link, which refuses to replace an existing file). Never a half-written file, and
//! never a file replaced that is not a plain one.
//!
//! What a replace does to the target, and why:
//! - only regular files are replaced; a directory, FIFO, socket or device is refused (a rename
//!   would turn `/dev/null` into a regular file);
//! - a symlink is followed: the file it points to is replaced and the link stays;
//! - the replaced file's mode and owner are kept (set on the empty temp file, so the data is
//!   never readable by more people than before);
//! - a file with other hard links is refused: a rename would leave the other names with the
//!   old content, and writing in place is not atomic (a failure would leave it half written);
//! - `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` and `/proc/self/fd/N` name an open stream, not
//!   a file to replace: they are written through (appending, so `>> log` is respected).
//!
//! The temp file is `.idscope-XXXXXX.tmp` (19 bytes, so any legal file name can be written),
//! created with `O_EXCL` in the directory of the file replaced; [`AtomicFile::temp_path`]
//! names it so a signal handler can remove it.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Temp files are named `TEMP_PREFIX` + 6 letters or digits + `TEMP_SUFFIX`.
pub const TEMP_PREFIX: &str = ".idscope-";
pub const TEMP_SUFFIX: &str = ".tmp";

#[derive(Debug)]
pub enum WriteError {
    /// The target exists and overwriting was not allowed.
    Exists(PathBuf),
    /// The target is not a regular file (what it is: "a FIFO", "a directory", …).
    NotRegular(PathBuf, &'static str),
    /// The target has this many hard links.
    HardLinks(PathBuf, u64),
    /// The replaced file's owner could not be given to the new one.
    Owner(PathBuf, std::io::Error),
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |p: &Path| crate::text::visible(&crate::text::path_text(p)).into_owned();
        match self {
            WriteError::Exists(p) => write!(
                f,
                "{} already exists; not overwriting it (use --force to replace it)",
                shown(p)
            ),
            WriteError::NotRegular(p, what) => write!(
                f,
                "{} is {what}, not a regular file; not replacing it (expected a path to a regular file)",
                shown(p)
            ),
            WriteError::HardLinks(p, n) => write!(
                f,
                "{} has {n} hard links; not replacing it, as its other names would keep the old content (write to another file, or remove the other links first)",
                shown(p)
            ),
            WriteError::Owner(p, e) => write!(
                f,
                "cannot keep the owner of {}: {e}; not replacing it (write to another file)",
                shown(p)
            ),
            WriteError::Io(p, e) => write!(f, "cannot write {}: {e}", shown(p)),
        }
    }
}

impl std::error::Error for WriteError {}

/// Writes `data` to `path` atomically. Without `overwrite`, an existing file is left alone
/// and [`WriteError::Exists`] is returned, even if it appears while we write.
pub fn write_atomic(path: &Path, data: &[u8], overwrite: bool) -> Result<(), WriteError> {
    let mut file = AtomicFile::create(path, overwrite)?;
    file.write_all(data)
        .map_err(|e| WriteError::Io(path.to_path_buf(), e))?;
    file.commit()
}

/// Where the bytes go.
#[derive(Debug)]
enum Target {
    /// An open stream named by path (`/dev/stdout`): written through.
    Stream,
    /// A temp file, renamed (or linked, without overwrite) onto `dest` by `commit`.
    Temp { tmp: PathBuf, dest: PathBuf },
}

/// A file being written: bytes go to a temp file that [`AtomicFile::commit`] puts in place;
/// dropped without a commit, the temp file is removed.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    target: Target,
    /// The path as given (for messages).
    path: PathBuf,
    overwrite: bool,
}

impl AtomicFile {
    /// Checks `path` can be written (see the module's rules) and opens the temp file. An
    /// existing file without `overwrite` is refused here already, before any work is done.
    pub fn create(path: &Path, overwrite: bool) -> Result<AtomicFile, WriteError> {
        let io = |e| WriteError::Io(path.to_path_buf(), e);
        if is_stream_name(path) {
            let file = OpenOptions::new().append(true).open(path).map_err(io)?;
            return Ok(AtomicFile {
                file: Some(file),
                target: Target::Stream,
                path: path.to_path_buf(),
                overwrite,
            });
        }
        let (dest, old) = match std::fs::metadata(path) {
            Ok(meta) => {
                // First what --force would not change, then the question it answers.
                replaceable(path, &meta)?;
                if !overwrite {
                    return Err(WriteError::Exists(path.to_path_buf()));
                }
                // Through symlinks to the real file: the link stays, its file is replaced.
                (std::fs::canonicalize(path).map_err(io)?, Some(meta))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(path).is_ok() {
                    if !overwrite {
                        return Err(WriteError::Exists(path.to_path_buf()));
                    }
                    return Err(WriteError::NotRegular(
                        path.to_path_buf(),
                        "a symbolic link to a missing file",
                    ));
                }
                (path.to_path_buf(), None)
            }
            Err(e) => return Err(io(e)),
        };
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let (tmp, file) = create_temp(&dir).map_err(io)?;
        let mut out = AtomicFile {
            file: Some(file),
            target: Target::Temp { tmp, dest },
            path: path.to_path_buf(),
            overwrite,
        };
        if let Some(meta) = old {
            // On the empty temp file: if this fails, no data was exposed or written.
            out.keep_owner_and_mode(&meta)?;
        }
        Ok(out)
    }

    /// The temp file (None when writing through to a stream), for a signal handler to
    /// remove if the process is ended before the commit.
    pub fn temp_path(&self) -> Option<&Path> {
        match &self.target {
            Target::Stream => None,
            Target::Temp { tmp, .. } => Some(tmp),
        }
    }

    /// Flushes the data to disk and puts the file in place.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let path = self.path.clone();
        let io = |e| WriteError::Io(path.clone(), e);
        let Some(mut file) = self.file.take() else {
            return Err(io(std::io::Error::other("already committed")));
        };
        let (tmp, dest) = match &self.target {
            Target::Stream => return file.flush().map_err(io),
            Target::Temp { tmp, dest } => (tmp.clone(), dest.clone()),
        };
        file.flush().map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        let result = if self.overwrite {
            // It may have become something else while we wrote: look again.
            match std::fs::metadata(&dest) {
                Ok(meta) => replaceable(&self.path, &meta),
                Err(_) => Ok(()),
            }
            .and_then(|()| std::fs::rename(&tmp, &dest).map_err(io))
        } else {
            // A hard link fails if the target appeared meanwhile; then drop the temp file.
            match std::fs::hard_link(&tmp, &dest) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&tmp);
                    Ok(())
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    Err(WriteError::Exists(self.path.clone()))
                }
                Err(e) => Err(io(e)),
            }
        };
        match result {
            Ok(()) => {
                // Committed: nothing for Drop to remove.
                self.target = Target::Stream;
                sync_dir(&dest);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Gives the temp file the owner, then the mode, of the file it replaces (a change of
    /// owner clears set-id bits, so the mode comes second).
    #[cfg(unix)]
    fn keep_owner_and_mode(&mut self, old: &Metadata) -> Result<(), WriteError> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let Some(file) = &self.file else {
            return Ok(());
        };
        let io = |e| WriteError::Io(self.path.clone(), e);
        let now = file.metadata().map_err(io)?;
        let uid = (now.uid() != old.uid()).then_some(old.uid());
        let gid = (now.gid() != old.gid()).then_some(old.gid());
        if uid.is_some() || gid.is_some() {
            std::os::unix::fs::fchown(file, uid, gid)
                .map_err(|e| WriteError::Owner(self.path.clone(), e))?;
        }
        let mode = old.mode() & 0o7777;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io)?;
        Ok(())
    }

    #[cfg(not(unix))]
    fn keep_owner_and_mode(&mut self, old: &Metadata) -> Result<(), WriteError> {
        if let Some(file) = &self.file {
            file.set_permissions(old.permissions())
                .map_err(|e| WriteError::Io(self.path.clone(), e))?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("the file was already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Target::Temp { tmp, .. } = &self.target {
            self.file = None;
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Whether `path` names an open stream rather than a file (see the module doc). Matched on
/// the text as given: `/dev/stdout` redirected to a file is still the stream.
fn is_stream_name(path: &Path) -> bool {
    let Some(s) = path.to_str() else {
        return false;
    };
    let fd = |prefix: &str| {
        s.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    s == "/dev/stdout" || s == "/dev/stderr" || fd("/dev/fd/") || fd("/proc/self/fd/")
}

/// Refuses what must not be replaced by a rename (`meta` follows symlinks).
fn replaceable(path: &Path, meta: &Metadata) -> Result<(), WriteError> {
    if let Some(what) = not_regular(meta) {
        return Err(WriteError::NotRegular(path.to_path_buf(), what));
    }
    let links = hard_links(meta);
    if links > 1 {
        return Err(WriteError::HardLinks(path.to_path_buf(), links));
    }
    Ok(())
}

/// What a file that is not a regular one is, in words.
pub fn not_regular(meta: &Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

#[cfg(unix)]
fn hard_links(meta: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn hard_links(_meta: &Metadata) -> u64 {
    1
}

/// Creates `.idscope-XXXXXX.tmp` in `dir` with `O_EXCL` (a name taken is skipped).
fn create_temp(dir: &Path) -> std::io::Result<(PathBuf, File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let seed = nanos ^ (u64::from(std::process::id()) << 32);
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{TEMP_PREFIX}{}{TEMP_SUFFIX}", letters(mix(seed ^ mix(n))));
        let candidate = dir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => return Ok((candidate, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

/// splitmix64: spreads a counter over all bits.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Six lower-case letters or digits.
fn letters(mut x: u64) -> String {
    const ABC: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..6)
        .map(|_| {
            let c = ABC[(x % 36) as usize] as char;
            x /= 36;
            c
        })
        .collect()
}

/// Makes the rename durable (best effort: not every file system can sync a directory).
fn sync_dir(dest: &Path) {
    #[cfg(unix)]
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = dest;
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

    fn entries(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
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
        assert_eq!(entries(&d), ["out.txt"], "no temp files are left behind");
    }

    #[cfg(unix)]
    #[test]
    fn atomic_refuses_a_fifo_and_a_directory_and_leaves_them_be() {
        use std::os::unix::fs::FileTypeExt;
        let d = temp_dir("fifo");
        let fifo = d.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo works");
        let e = write_atomic(&fifo, b"x", true).unwrap_err();
        assert!(e.to_string().contains("named pipe (FIFO)"), "{e}");
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
        let sub = d.join("sub");
        std::fs::create_dir(&sub).unwrap();
        let e = write_atomic(&sub, b"x", true).unwrap_err();
        assert!(e.to_string().contains("is a directory"), "{e}");
        assert_eq!(entries(&d), ["pipe", "sub"]);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_replaces_through_a_symlink_and_keeps_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let d = temp_dir("link");
        let real = d.join("real.json");
        std::fs::write(&real, b"old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = d.join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_atomic(&link, b"new", true).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(entries(&d), ["link.json", "real.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_refuses_a_file_with_hard_links() {
        let d = temp_dir("nlink");
        let a = d.join("a");
        std::fs::write(&a, b"old").unwrap();
        std::fs::hard_link(&a, d.join("b")).unwrap();
        let e = write_atomic(&a, b"new", true).unwrap_err();
        assert!(e.to_string().contains("2 hard links"), "{e}");
        assert_eq!(std::fs::read(d.join("b")).unwrap(), b"old");
        assert_eq!(entries(&d), ["a", "b"]);
    }

    #[test]
    fn atomic_temp_names_are_short_so_a_long_name_can_be_written() {
        let d = temp_dir("long");
        let p = d.join("n".repeat(250));
        let f = AtomicFile::create(&p, false).unwrap();
        let tmp = f.temp_path().unwrap().file_name().unwrap().len();
        assert_eq!(tmp, TEMP_PREFIX.len() + 6 + TEMP_SUFFIX.len());
        f.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"");
    }

    #[test]
    fn atomic_drop_without_commit_removes_the_temp_file() {
        let d = temp_dir("drop");
        let mut f = AtomicFile::create(&d.join("x"), false).unwrap();
        f.write_all(b"partial").unwrap();
        drop(f);
        assert!(entries(&d).is_empty());
    }

    #[test]
    fn atomic_stream_names() {
        for s in [
            "/dev/stdout",
            "/dev/stderr",
            "/dev/fd/1",
            "/proc/self/fd/12",
        ] {
            assert!(is_stream_name(Path::new(s)), "{s}");
        }
        for s in ["/dev/null", "/dev/fd/", "/dev/fd/x", "stdout", "-"] {
            assert!(!is_stream_name(Path::new(s)), "{s}");
        }
    }
}
