//! One pass over a stream of batches that profiles them and checks a rule
//! set, spread over a fixed number of threads by column and by rule.
//!
//! Every profiled column and every rule is a unit of work that must see the
//! batches one after another in file order. Units are therefore not split;
//! each is given to one thread, and each thread works through its own units
//! batch after batch. The thread that reads the stream (and hands each batch
//! to the caller, e.g. to be written as Parquet) takes fewer units, since
//! reading is work too. No unit waits for another, so a thread may run a
//! few batches ahead of the others (up to [`QUEUE`]).
//!
//! Which thread has which unit depends on how long units took on earlier
//! batches. After batch 1, 2, 4, ... and then every [`REBALANCE_EVERY`]
//! batches, the reading thread works out an even split of the measured time
//! per batch. If that shortens the busiest thread's time by more than
//! [`WORTH_MOVING`] percent, it waits until every thread has finished every
//! batch handed out so far, and units move. A unit moves only then, so each
//! unit still sees every batch in order, and the results are those of a
//! single thread running the units one by one, whatever the assignment.
//!
//! Why not the rayon pool: with a column or a rule per task, the pool's
//! per-batch fork and join cost about a third more CPU per row on two cores
//! (idle workers spinning, stage threads and pool workers time-sliced on the
//! same cores) than the same work done by two threads that never wait for
//! each other per batch. Nested parallel code (the CSV reader's UTF-8 checks,
//! the duplicate check's parts) runs on a one-thread pool per thread here,
//! so it does not start more threads than asked.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::time::Instant;

use arrow_array::RecordBatch;

use crate::profile::Profiler;
use crate::quality::QualityRun;

/// Batches a helper thread may be behind the reading thread.
pub const QUEUE: usize = 4;

/// Batches between two rebalancing meetings, once the first ones are past.
pub const REBALANCE_EVERY: u64 = 64;

/// The gain, in percent of the busiest thread's time per batch, below which
/// units stay where they are (moving them costs a wait).
pub const WORTH_MOVING: u64 = 3;

/// The threads a scan should use here: one per core the process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The batches [`scan`] hands to its caller, in order, each one already
/// handed to the units.
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

/// A unit with the time it took on the batches it ran since the last meeting.
struct Slot<'a, 'r> {
    unit: Unit<'a, 'r>,
    nanos: u64,
    batches: u64,
}

impl Slot<'_, '_> {
    fn run(&mut self, batch: &RecordBatch, base: u64) {
        let t = Instant::now();
        match &mut self.unit {
            Unit::Column(c, state) => {
                if let Some(array) = batch.columns().get(*c) {
                    state.push(array);
                }
            }
            Unit::Rule(rule) => crate::quality::eval_rule(rule, batch.columns(), base),
        }
        self.nanos = self.nanos.saturating_add(nanos(t.elapsed()));
        self.batches += 1;
    }
}

/// A batch for a helper: its place in the stream, the rows before it, and
/// the units the helper runs on it.
struct Job {
    seq: u64,
    batch: RecordBatch,
    base: u64,
    units: std::sync::Arc<[usize]>,
}

/// The reading thread's line to one helper.
struct Helper {
    jobs: SyncSender<Job>,
    /// The `seq` of each job the helper has finished.
    finished: Receiver<u64>,
    /// The last `seq` sent, and the last one finished.
    sent: Option<u64>,
    done: Option<u64>,
}

/// Profiles `batches` into `profiler` and checks them with `run` (either
/// may be left out) on `threads` threads, the calling thread included.
///
/// `consume` gets the batches, in order, after they have been handed to
/// the units; what it returns is returned. It must take every batch (or
/// stop at the first error): the profile and the run cover the batches it
/// took. Errors from the stream are passed to it untouched.
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
    let mut slots: Vec<Mutex<Slot<'_, '_>>> = Vec::new();
    let mut profile_rows = None;
    if let Some(p) = profiler {
        let (rows, columns) = p.parts_mut();
        profile_rows = Some(rows);
        for (c, state) in columns.iter_mut().enumerate() {
            slots.push(Mutex::new(Slot {
                unit: Unit::Column(c, state),
                nanos: 0,
                batches: 0,
            }));
        }
    }
    let mut run_rows = None;
    if let Some(r) = run {
        let (rows, rules) = r.parts_mut();
        run_rows = Some(rows);
        for rule in rules {
            slots.push(Mutex::new(Slot {
                unit: Unit::Rule(rule),
                nanos: 0,
                batches: 0,
            }));
        }
    }
    let slots = &slots;
    let one_thread = || {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .map_err(|e| e.to_string())
    };
    let reading = |helpers: Vec<Helper>| {
        let mut reader = Reader {
            slots,
            batches,
            profile_rows,
            run_rows,
            helpers,
            mine: (0..slots.len()).collect(),
            theirs: Vec::new(),
            seq: 0,
            next_meeting: 1,
            own_nanos: 0,
            own_batches: 0,
            left_at: None,
            done: false,
        };
        consume(Batches(&mut reader))
    };
    let helper = |jobs: Receiver<Job>, finished: Sender<u64>| {
        for job in jobs {
            for &i in job.units.iter() {
                if let Some(slot) = slots.get(i) {
                    lock(slot).run(&job.batch, job.base);
                }
            }
            if finished.send(job.seq).is_err() {
                break;
            }
        }
    };
    std::thread::scope(|s| {
        let mut helpers = Vec::new();
        for _ in 1..threads.min(slots.len().max(1)) {
            let (to_helper, jobs) = sync_channel::<Job>(QUEUE);
            let (done, finished) = channel::<u64>();
            s.spawn(move || match one_thread() {
                Ok(pool) => pool.install(|| helper(jobs, done)),
                Err(_) => helper(jobs, done),
            });
            helpers.push(Helper {
                jobs: to_helper,
                finished,
                sent: None,
                done: None,
            });
        }
        match one_thread() {
            Ok(pool) => pool.install(|| reading(helpers)),
            Err(_) => reading(helpers),
        }
    })
}

fn lock<'m, 'a, 'r>(slot: &'m Mutex<Slot<'a, 'r>>) -> std::sync::MutexGuard<'m, Slot<'a, 'r>> {
    // A unit that panicked on one thread poisons nothing the others need:
    // the panic itself is raised again when the scope joins that thread.
    slot.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The reading thread's side: an iterator over the batches that hands each
/// one to the helpers and runs its own units on it before yielding it.
struct Reader<'s, 'a, 'r, I> {
    slots: &'s [Mutex<Slot<'a, 'r>>],
    batches: I,
    profile_rows: Option<&'a mut u64>,
    run_rows: Option<&'a mut u64>,
    helpers: Vec<Helper>,
    /// This thread's units.
    mine: Vec<usize>,
    /// Each helper's units.
    theirs: Vec<std::sync::Arc<[usize]>>,
    /// Batches handed out so far.
    seq: u64,
    next_meeting: u64,
    /// Time this thread spent reading and in the caller since the last
    /// meeting (what it does besides its units).
    own_nanos: u64,
    /// Batches read since the last meeting.
    own_batches: u64,
    /// When the last batch was handed to the caller.
    left_at: Option<Instant>,
    done: bool,
}

impl<I, E> Reader<'_, '_, '_, I>
where
    I: Iterator<Item = Result<RecordBatch, E>>,
{
    /// Waits until every helper has finished every batch handed out.
    fn wait_for_helpers(&mut self) {
        for h in &mut self.helpers {
            while h.done < h.sent {
                match h.finished.recv() {
                    Ok(n) => h.done = Some(n),
                    // Gone: a unit panicked; the scope raises it.
                    Err(_) => break,
                }
            }
        }
    }

    /// Gives units to threads so that their time per batch is about even
    /// (largest first, each to the thread with the least so far), with this
    /// thread's own reading time counted as already its. Units move only
    /// when that shortens the busiest thread's time per batch by more than
    /// [`WORTH_MOVING`] percent; only then does this thread wait for the
    /// helpers to catch up, so that each unit still sees every batch in order.
    fn rebalance(&mut self) {
        let threads = self.helpers.len() + 1;
        // Time per batch, in nanoseconds, of each unit and of reading.
        let mut cost: Vec<(u64, usize)> = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut s = lock(s);
                let per = s.nanos / s.batches.max(1);
                (s.nanos, s.batches) = (0, 0);
                (per, i)
            })
            .collect();
        let own = self.own_nanos / self.own_batches.max(1);
        (self.own_nanos, self.own_batches) = (0, 0);
        // The busiest thread's time per batch as things stand.
        let mut now = vec![0u64; threads];
        now[0] = own;
        for &(per, i) in &cost {
            let t = if self.mine.contains(&i) {
                Some(0)
            } else {
                self.theirs
                    .iter()
                    .position(|u| u.contains(&i))
                    .map(|k| k + 1)
            };
            if let Some(t) = t {
                now[t] = now[t].saturating_add(per);
            }
        }
        cost.sort_unstable_by(|a, b| b.cmp(a));
        let mut load = vec![0u64; threads];
        load[0] = own;
        let mut given: Vec<Vec<usize>> = vec![Vec::new(); threads];
        for (per, i) in cost {
            let t = (0..threads).min_by_key(|&t| (load[t], t)).unwrap_or(0);
            load[t] = load[t].saturating_add(per.max(1));
            given[t].push(i);
        }
        let busiest = |l: &[u64]| l.iter().copied().max().unwrap_or(0);
        if busiest(&load).saturating_mul(100) >= busiest(&now).saturating_mul(100 - WORTH_MOVING) {
            return;
        }
        self.wait_for_helpers();
        let mut given = given.into_iter();
        self.mine = given.next().unwrap_or_default();
        self.mine.sort_unstable();
        self.theirs = given
            .map(|mut units| {
                units.sort_unstable();
                units.into()
            })
            .collect();
    }

    fn hand_out(&mut self, batch: &RecordBatch) {
        let base = self.run_rows.as_deref().or(self.profile_rows.as_deref());
        let base = base.copied().unwrap_or(0);
        let rows = batch.num_rows() as u64;
        for (k, h) in self.helpers.iter_mut().enumerate() {
            let units = self.theirs.get(k).cloned().unwrap_or_else(|| [].into());
            if units.is_empty() {
                continue;
            }
            while let Ok(n) = h.finished.try_recv() {
                h.done = Some(n);
            }
            let job = Job {
                seq: self.seq,
                batch: batch.clone(),
                base,
                units,
            };
            if h.jobs.send(job).is_err() {
                // The helper is gone only if a unit panicked; the scope
                // raises that panic when it joins.
                break;
            }
            h.sent = Some(self.seq);
        }
        for &i in &self.mine {
            if let Some(slot) = self.slots.get(i) {
                lock(slot).run(batch, base);
            }
        }
        if let Some(r) = self.profile_rows.as_deref_mut() {
            *r += rows;
        }
        if let Some(r) = self.run_rows.as_deref_mut() {
            *r += rows;
        }
    }
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
        let t = Instant::now();
        if let Some(left) = self.left_at.take() {
            self.own_nanos = self.own_nanos.saturating_add(nanos(t - left));
        }
        let next = self.batches.next();
        self.own_nanos = self.own_nanos.saturating_add(nanos(t.elapsed()));
        self.own_batches += 1;
        match next {
            Some(Ok(batch)) => {
                if self.seq == self.next_meeting && !self.helpers.is_empty() {
                    self.rebalance();
                    self.next_meeting = if self.seq < REBALANCE_EVERY {
                        self.seq * 2
                    } else {
                        self.seq + REBALANCE_EVERY
                    };
                }
                self.hand_out(&batch);
                self.seq += 1;
                self.left_at = Some(Instant::now());
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
    /// Stops the helpers once they have finished what they were given.
    fn finish(&mut self) {
        self.done = true;
        for h in std::mem::take(&mut self.helpers) {
            drop(h.jobs);
            while h.finished.recv().is_ok() {}
        }
    }
}

impl<I> Drop for Reader<'_, '_, '_, I> {
    fn drop(&mut self) {
        self.finish();
    }
}

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
