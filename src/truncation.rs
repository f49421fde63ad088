//! A SIGBUS from a mapped export that another process truncated, turned into a clear error
//! (exit 2) rather than a silent death, for the commands and for the export view, which
//! first gives the terminal back.

#[cfg(unix)]
use std::io::IsTerminal;

/// While alive, a SIGBUS ends the process with "error: FILE changed while being read
/// (truncated?)" and exit 2 instead of a silent death: reading a mapped file whose pages
/// another process truncated away raises it. The handler only calls write(2) and _exit(2)
/// (async-signal-safe) with a message prepared here; dropping the guard puts the previous
/// action back. (`libc::sigaction` rather than signal-hook: signal-hook cannot restore the
/// default action of a fault signal, and an ignored SIGBUS would fault again forever.)
#[must_use = "the handler is removed when the guard is dropped"]
pub struct TruncationGuard {
    #[cfg(unix)]
    previous: libc::sigaction,
}

#[cfg(unix)]
mod sigbus {
    use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

    /// The message (leaked: a few bytes a file, and a handler may be reading it).
    pub static MESSAGE: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
    pub static LEN: AtomicUsize = AtomicUsize::new(0);
    /// The terminal's settings before raw mode (leaked), for the export view: null for the
    /// commands, which leave the terminal alone.
    pub static TERMIOS: AtomicPtr<libc::termios> = AtomicPtr::new(std::ptr::null_mut());

    /// Mouse capture off (every mode crossterm turns on), the main screen, the cursor shown.
    pub const RESTORE: &[u8] =
        b"\x1b[?1006l\x1b[?1015l\x1b[?1003l\x1b[?1002l\x1b[?1000l\x1b[?1049l\x1b[?25h";

    pub extern "C" fn handler(_: libc::c_int) {
        let (p, n) = (MESSAGE.load(Ordering::Acquire), LEN.load(Ordering::Acquire));
        // SAFETY: write(2) and _exit(2) are async-signal-safe; `p` is null or `n` bytes
        // that live forever.
        // tcsetattr(3) is async-signal-safe too: the terminal leaves raw mode first.
        unsafe {
            let t = TERMIOS.load(Ordering::Acquire);
            if !t.is_null() {
                libc::write(1, RESTORE.as_ptr().cast(), RESTORE.len());
                libc::tcsetattr(0, libc::TCSANOW, t);
            }
            if !p.is_null() {
                libc::write(2, p.cast(), n);
            }
            libc::_exit(2);
        }
    }
}

impl TruncationGuard {
    /// As [`TruncationGuard::install`], for a full-screen app: the handler first puts the
    /// terminal back as it is now (call it before raw mode): mouse capture off, the main
    /// screen, the cursor, cooked mode.
    pub fn install_for_terminal(name: &str) -> TruncationGuard {
        #[cfg(unix)]
        {
            use std::sync::atomic::Ordering;
            if std::io::stdin().is_terminal() {
                // SAFETY: tcgetattr fills the zeroed struct; it is leaked, so the handler
                // may read it at any time.
                unsafe {
                    let mut t: libc::termios = std::mem::zeroed();
                    if libc::tcgetattr(0, &mut t) == 0 {
                        sigbus::TERMIOS.store(Box::into_raw(Box::new(t)), Ordering::Release);
                    }
                }
            }
        }
        TruncationGuard::install(name)
    }

    /// Installs the handler for reading `name` (shown escaped).
    pub fn install(name: &str) -> TruncationGuard {
        #[cfg(unix)]
        {
            use std::sync::atomic::Ordering;
            // A progress bar may be mid-line on a terminal.
            let lead = if std::io::stderr().is_terminal() {
                "\n"
            } else {
                ""
            };
            let message: &'static mut [u8] = format!(
                "{lead}error: {} changed while being read (truncated?); expected it to stay as it was until read\n",
                idscope_core::text::visible(name)
            )
            .into_bytes()
            .leak();
            sigbus::MESSAGE.store(std::ptr::null_mut(), Ordering::Release);
            sigbus::LEN.store(message.len(), Ordering::Release);
            sigbus::MESSAGE.store(message.as_mut_ptr(), Ordering::Release);
            // SAFETY: a plain handler (no SA_SIGINFO) that only calls async-signal-safe
            // functions; `previous` is written by sigaction before it is read.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = sigbus::handler as *const () as libc::sighandler_t;
                // On the alternate stack where std set one up (as its own handler does).
                action.sa_flags = libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                let mut previous: libc::sigaction = std::mem::zeroed();
                libc::sigaction(libc::SIGBUS, &action, &mut previous);
                TruncationGuard { previous }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = name;
            TruncationGuard {}
        }
    }
}

impl Drop for TruncationGuard {
    fn drop(&mut self) {
        // SAFETY: puts back the action sigaction returned.
        #[cfg(unix)]
        unsafe {
            libc::sigaction(libc::SIGBUS, &self.previous, std::ptr::null_mut());
        }
    }
}
