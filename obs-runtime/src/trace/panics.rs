//! What a panicking traced call leaves for the flight recorder: the panic's message (caught by a panic hook the
//! recorder installs, read back when the call's span is finished during unwinding) and a request for a dump,
//! which the recorder serves once the span has reached it. Below the call and the recorder, so neither calls up.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};
use std::sync::Once;

thread_local! {
    static MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// What asked for a dump since the recorder last looked: bits [`PANIC`], [`ERROR`], [`HEALTH`].
static DUMP_REQUESTED: AtomicU8 = AtomicU8::new(0);
/// A traced call panicked.
pub(crate) const PANIC: u8 = 1;
/// A `#[traced(err, dump_on_error)]` function returned `Err`.
pub(crate) const ERROR: u8 = 2;
/// A critical health check turned unhealthy.
pub(crate) const HEALTH: u8 = 4;
/// Whether panics should request dumps (the recorder writes them to a directory).
static WANTED: AtomicBool = AtomicBool::new(false);

/// Installs the hook (once per process) that keeps each panic's message for the span that unwinds, then calls
/// the hook that was there before, so the usual report is still printed.
#[cfg_attr(not(feature = "flight"), allow(dead_code))]
pub(crate) fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panicked".to_string());
            let msg = match info.location() {
                Some(l) => format!("panicked at {}:{}: {msg}", l.file(), l.line()),
                None => format!("panicked: {msg}"),
            };
            let _ = MESSAGE.try_with(|m| *m.borrow_mut() = Some(msg));
            previous(info);
        }));
    });
}

/// The message of the panic unwinding this thread, if the hook saw it. It stays for the outer traced calls the
/// same panic unwinds through.
pub(crate) fn take_message() -> Option<Cow<'static, str>> {
    MESSAGE.try_with(|m| m.borrow().clone()).ok().flatten().map(Cow::Owned)
}

/// Turns dump requests on or off (on while a recorder with a dump directory is installed).
#[cfg_attr(not(feature = "flight"), allow(dead_code))]
pub(crate) fn set_wanted(on: bool) {
    WANTED.store(on, Relaxed);
}

/// Asks for a dump (`trigger` is one of the bits above), and wakes the collector so the span that asked reaches
/// the recorder soon. Nothing when no recorder writes dumps.
pub(crate) fn request_dump(trigger: u8) {
    if WANTED.load(Relaxed) && DUMP_REQUESTED.fetch_or(trigger, Relaxed) & trigger == 0 {
        super::wake::nudge();
    }
}

/// What asked for a dump since the last call (zero: nothing); clears the requests.
#[cfg_attr(not(feature = "flight"), allow(dead_code))]
pub(crate) fn take_dump_request() -> u8 {
    DUMP_REQUESTED.swap(0, Relaxed)
}
