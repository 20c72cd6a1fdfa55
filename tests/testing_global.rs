//! `obs::testing` against process-wide state, in a binary of its own: spans are captured whatever the installed
//! pipeline's sampler says, and a thread without a write slot of its own is refused rather than mismeasured.

use obs::testing::{measure, spans, start};
use obs::trace::{MemorySink, Sampler, TracePipeline};
use std::sync::{Arc, Barrier, Mutex};

// The two tests change what every thread of the process sees (the pipeline, the slots): one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Takes the turn. The slot test needs the slot write strategy, which the start-up calibration may not pick on a
/// loaded machine (it then chose the atomic one, and no thread had a slot at all): it is set before the process'
/// first write, which happens after this under the lock.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    let turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: the other test waits on `SERIAL` and no other thread of this binary reads the environment now.
    unsafe { std::env::set_var("OBS_WRITE_STRATEGY", "slot") };
    turn
}

#[obs::traced]
fn work() {}

/// Writes from the oversubscription test.
#[obs::metric(counter)]
struct Writes;

#[test]
fn spans_are_captured_whatever_the_sampler_and_exported_only_as_it_says() {
    let _serial = serial();
    for (sampler, exported) in [(Sampler::AlwaysOff, 0), (Sampler::AlwaysOn, 1), (Sampler::TraceIdRatio(0.0), 0)] {
        let sink = MemorySink::default();
        let guard = TracePipeline::builder().service_name("t").sampler(sampler).sink(sink.clone()).install().unwrap();
        let captured = spans(work);
        guard.flush();
        drop(guard);
        assert_eq!(captured.len(), 1, "{sampler:?}: the capture records the span");
        assert_eq!(sink.spans().len(), exported, "{sampler:?}: the pipeline exports as its sampler says");
    }
    // Back to no pipeline: still captured.
    assert_eq!(spans(work).len(), 1);
}

#[test]
fn a_thread_without_a_write_slot_of_its_own_is_refused_with_the_cause() {
    let _serial = serial();
    assert_eq!(obs::write_strategy(), obs::WriteStrategy::Slot);
    // More writing threads than there can be slots (at most 64): the last ones share the overflow row.
    const HOLDERS: usize = 80;
    let hold = Arc::new(Barrier::new(HOLDERS + 1));
    let release = Arc::new(Barrier::new(HOLDERS + 1));
    let holders: Vec<_> = (0..HOLDERS)
        .map(|_| {
            let (hold, release) = (hold.clone(), release.clone());
            std::thread::spawn(move || {
                Writes.inc();
                hold.wait();
                release.wait();
            })
        })
        .collect();
    hold.wait();
    // Every slot is owned now: a new thread writes the shared row, and measuring it must be refused.
    let (to_main, from_late) = std::sync::mpsc::channel();
    let (to_late, from_main) = std::sync::mpsc::channel::<()>();
    let late = std::thread::spawn(move || {
        Writes.inc();
        let refused = std::panic::catch_unwind(start).err().expect("a thread sharing the overflow row is refused");
        to_main.send(refused.downcast_ref::<String>().unwrap().clone()).unwrap();
        // Once slots are free again, the same thread takes one and measures exactly.
        from_main.recv().unwrap();
        measure(|| Writes.inc_by(3)).counter(Writes).get()
    });
    let msg = from_late.recv().unwrap();
    assert!(msg.contains("has no metrics write slot of its own"), "{msg}");
    release.wait();
    holders.into_iter().for_each(|h| h.join().unwrap());
    to_late.send(()).unwrap();
    assert_eq!(late.join().unwrap(), 3);
}
