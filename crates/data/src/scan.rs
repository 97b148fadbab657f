//! One pass over a stream of batches that profiles them and checks a rule
//! set on a fixed number of threads, the work shared out column by column
//! and rule by rule as it comes.
//!
//! Every profiled column and every rule is a unit of work that must see the
//! batches one after another in file order. A unit is never split; each
//! keeps the number of the next batch it needs. Any thread may run a unit
//! that is not running elsewhere and whose next batch has been read: it
//! runs that batch (and the ones after it that are there, up to
//! [`RUN_AHEAD`]), then lets the unit go. So each unit still sees every
//! batch in order, one at a time, and the results are those of a single
//! thread running the units one by one.
//!
//! Only the calling thread reads the stream (and hands each batch to the
//! caller, e.g. to be written as Parquet). It reads whenever fewer than
//! [`WINDOW`] batches are still waiting for some unit, and otherwise runs
//! units like the other threads. Threads look at the units from different
//! ends, so a unit mostly stays on one thread and its tables in that core's
//! cache; the work is balanced as it goes, whatever the units cost and
//! however fast each core happens to be at the time.
//!
//! Why not the rayon pool: with a column or a rule per task, the pool's
//! per-batch fork and join cost about a third more CPU per row on two cores
//! (idle workers spinning, stage threads and pool workers time-sliced on the
//! same cores) than the same work done by threads that never wait for each
//! other per batch. Nested parallel code (the CSV reader's UTF-8 checks)
//! runs on a one-thread pool per thread here, so it does not start more
//! threads than asked.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use arrow_array::RecordBatch;

use crate::profile::Profiler;
use crate::quality::QualityRun;

/// Batches read but not yet seen by every unit, at most; the reading thread
/// runs units instead of reading when this many are waiting.
pub const WINDOW: u64 = 6;

/// Batches a thread runs a unit on in one go, at most.
pub const RUN_AHEAD: u64 = 4;

/// The threads a scan should use here: one per core the process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The batches [`scan`] hands to its caller, in order, as they are read.
pub struct Batches<'s, E>(&'s mut (dyn Iterator<Item = Result<RecordBatch, E>> + Send));

impl<E> Iterator for Batches<'_, E> {
    type Item = Result<RecordBatch, E>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
}

/// A unit of work: one profiled column or one rule.
enum Unit<'a, 'r> {
    Column(usize, &'a mut crate::profile::ColumnState),
    Rule(&'a mut crate::quality::Compiled<'r>),
}

impl Unit<'_, '_> {
    fn run(&mut self, batch: &RecordBatch, base: u64) {
        match self {
            Unit::Column(c, state) => {
                if let Some(array) = batch.columns().get(*c) {
                    state.push(array);
                }
            }
            Unit::Rule(rule) => crate::quality::eval_rule(rule, batch.columns(), base),
        }
    }
}

/// A unit, whether a thread has it, and the next batch it needs.
struct Slot<'a, 'r> {
    unit: Mutex<Unit<'a, 'r>>,
    taken: AtomicBool,
    next: AtomicU64,
}

/// The batches read and not yet seen by every unit.
struct Window {
    /// The number of `batches[0]`.
    first: u64,
    /// Each batch with the rows before it.
    batches: VecDeque<(u64, RecordBatch)>,
    /// Batches read so far.
    read: u64,
    /// No more batches will come (the stream ended or the caller stopped).
    closed: bool,
}

/// What the threads share.
struct Shared<'a, 'r> {
    slots: Vec<Slot<'a, 'r>>,
    window: Mutex<Window>,
    /// Signalled when a batch is read, a unit is let go or the window closes.
    changed: Condvar,
    /// A thread panicked: the others stop waiting (the scope re-raises it).
    failed: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A unit that panicked poisons nothing the others need: the panic itself
    // is raised again when the scope joins that thread.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Marks the scan failed if the thread holding it unwinds, and wakes the
/// others so they stop.
struct PanicGuard<'s, 'a, 'r>(&'s Shared<'a, 'r>);

impl Drop for PanicGuard<'_, '_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.failed.store(true, Ordering::SeqCst);
            let mut w = lock(&self.0.window);
            w.closed = true;
            drop(w);
            self.0.changed.notify_all();
        }
    }
}

impl Shared<'_, '_> {
    /// The oldest batch some unit still needs.
    fn oldest_needed(&self, read: u64) -> u64 {
        self.slots
            .iter()
            .map(|s| s.next.load(Ordering::Acquire))
            .min()
            .unwrap_or(read)
    }

    /// Takes a unit whose next batch has been read, looking from the front
    /// (`from_back` false) or the back of the list, and runs it on the
    /// batches there are (at most [`RUN_AHEAD`]). False if none was free.
    fn run_one(&self, from_back: bool) -> bool {
        let read = lock(&self.window).read;
        let n = self.slots.len();
        for k in 0..n {
            let i = if from_back { n - 1 - k } else { k };
            let Some(slot) = self.slots.get(i) else {
                continue;
            };
            if slot.next.load(Ordering::Acquire) >= read
                || slot
                    .taken
                    .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                    .is_err()
            {
                continue;
            }
            // Taken: no other thread runs this unit until it is let go.
            let mut next = slot.next.load(Ordering::Acquire);
            let stop = read.min(next + RUN_AHEAD);
            {
                let mut unit = lock(&slot.unit);
                while next < stop {
                    let job = {
                        let w = lock(&self.window);
                        usize::try_from(next - w.first)
                            .ok()
                            .and_then(|k| w.batches.get(k))
                            .cloned()
                    };
                    let Some((base, batch)) = job else { break };
                    unit.run(&batch, base);
                    next += 1;
                    slot.next.store(next, Ordering::Release);
                }
            }
            slot.taken.store(false, Ordering::Release);
            // Under the lock, so that a thread about to wait sees the unit
            // free or gets the signal.
            drop(lock(&self.window));
            self.changed.notify_all();
            return true;
        }
        false
    }

    /// Whether every unit has seen every batch read.
    fn all_done(&self, read: u64) -> bool {
        self.oldest_needed(read) >= read
    }

    /// Runs units (looking from the back of the list or the front) until
    /// `enough` holds for the window, waiting when no unit is free; false if
    /// some thread failed first.
    fn work_until(&self, from_back: bool, enough: impl Fn(&Window) -> bool) -> bool {
        loop {
            if self.failed.load(Ordering::SeqCst) {
                return false;
            }
            if enough(&lock(&self.window)) {
                return true;
            }
            if self.run_one(from_back) {
                continue;
            }
            // Nothing was free: wait for a batch or a unit to be let go
            // (checked again under the lock, so no signal is missed).
            let w = lock(&self.window);
            if enough(&w) || self.any_free(w.read) {
                continue;
            }
            drop(self.changed.wait(w).unwrap_or_else(PoisonError::into_inner));
        }
    }

    /// A helper thread: runs units until the window is closed and every
    /// unit has seen every batch.
    fn help(&self) {
        let _guard = PanicGuard(self);
        self.work_until(false, |w| w.closed && self.all_done(w.read));
    }

    /// Whether some unit is free and has a batch waiting.
    fn any_free(&self, read: u64) -> bool {
        self.slots
            .iter()
            .any(|s| s.next.load(Ordering::Acquire) < read && !s.taken.load(Ordering::Acquire))
    }

    /// Adds a batch read, once the window has room (running units on this
    /// thread until it has), and lets go of the batches every unit has seen.
    /// Adds nothing once some thread has failed.
    fn push(&self, base: u64, batch: RecordBatch) {
        let room = self.work_until(true, |w| {
            w.read - self.oldest_needed(w.read).min(w.read) < WINDOW
        });
        if !room {
            return;
        }
        let mut w = lock(&self.window);
        let oldest = self.oldest_needed(w.read);
        while w.first < oldest && w.batches.pop_front().is_some() {
            w.first += 1;
        }
        w.batches.push_back((base, batch));
        w.read += 1;
        drop(w);
        self.changed.notify_all();
    }

    /// No more batches: wakes the helpers so they can finish and stop.
    fn close(&self) {
        let mut w = lock(&self.window);
        w.closed = true;
        drop(w);
        self.changed.notify_all();
    }
}

/// Profiles `batches` into `profiler` and checks them with `run` (either
/// may be left out) on `threads` threads, the calling thread included.
///
/// `consume` gets the batches, in order, as they are read; what it returns
/// is returned, once every unit has seen every batch it took. It should take
/// every batch (or stop at the first error): the profile and the run cover
/// the batches it took. Errors from the stream are passed to it untouched.
pub fn scan<E, T>(
    threads: usize,
    profiler: Option<&mut Profiler>,
    run: Option<&mut QualityRun<'_>>,
    batches: impl Iterator<Item = Result<RecordBatch, E>> + Send,
    consume: impl FnOnce(Batches<'_, E>) -> T + Send,
) -> T
where
    T: Send,
{
    let threads = threads.max(1);
    let mut units = Vec::new();
    let mut profile_rows = None;
    if let Some(p) = profiler {
        let (rows, columns) = p.parts_mut();
        profile_rows = Some(rows);
        units.extend(
            columns
                .iter_mut()
                .enumerate()
                .map(|(c, state)| Unit::Column(c, state)),
        );
    }
    let mut run_rows = None;
    if let Some(r) = run {
        let (rows, rules) = r.parts_mut();
        run_rows = Some(rows);
        units.extend(rules.iter_mut().map(Unit::Rule));
    }
    let shared = Shared {
        slots: units
            .into_iter()
            .map(|unit| Slot {
                unit: Mutex::new(unit),
                taken: AtomicBool::new(false),
                next: AtomicU64::new(0),
            })
            .collect(),
        window: Mutex::new(Window {
            first: 0,
            batches: VecDeque::new(),
            read: 0,
            closed: false,
        }),
        changed: Condvar::new(),
        failed: AtomicBool::new(false),
    };
    let shared = &shared;
    let one_thread = || {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .map_err(|e| e.to_string())
    };
    let reading = || {
        let _guard = PanicGuard(shared);
        let mut reader = Reader {
            shared,
            batches,
            profile_rows,
            run_rows,
            rows: 0,
            done: false,
        };
        let out = consume(Batches(&mut reader));
        reader.finish();
        // Every unit sees every batch taken before the results are used.
        shared.work_until(true, |w| shared.all_done(w.read));
        out
    };
    std::thread::scope(|s| {
        let helpers = threads.min(shared.slots.len().max(1)) - 1;
        for _ in 0..helpers {
            s.spawn(move || match one_thread() {
                Ok(pool) => pool.install(|| shared.help()),
                Err(_) => shared.help(),
            });
        }
        match one_thread() {
            Ok(pool) => pool.install(reading),
            Err(_) => reading(),
        }
    })
}

/// The reading thread's side: an iterator over the batches that puts each
/// one in the window before yielding it.
struct Reader<'s, 'a, 'r, I> {
    shared: &'s Shared<'a, 'r>,
    batches: I,
    profile_rows: Option<&'a mut u64>,
    run_rows: Option<&'a mut u64>,
    /// Rows read so far.
    rows: u64,
    done: bool,
}

impl<I, E> Iterator for Reader<'_, '_, '_, I>
where
    I: Iterator<Item = Result<RecordBatch, E>>,
{
    type Item = Result<RecordBatch, E>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.shared.failed.load(Ordering::SeqCst) {
            // A unit panicked on another thread: stop reading (the window
            // would only grow); the scope raises the panic when it joins.
            self.finish();
            return None;
        }
        match self.batches.next() {
            Some(Ok(batch)) => {
                let n = batch.num_rows() as u64;
                self.shared.push(self.rows, batch.clone());
                self.rows += n;
                for rows in [&mut self.profile_rows, &mut self.run_rows]
                    .into_iter()
                    .flatten()
                {
                    **rows += n;
                }
                Some(Ok(batch))
            }
            Some(Err(e)) => {
                self.finish();
                Some(Err(e))
            }
            None => {
                self.finish();
                None
            }
        }
    }
}

impl<I> Reader<'_, '_, '_, I> {
    fn finish(&mut self) {
        if !self.done {
            self.done = true;
            self.shared.close();
        }
    }
}
