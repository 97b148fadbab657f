//! Timers: due-soon reminders and breach escalations. The engine derives them from a case's
//! state on each `Tick`; the platform only has to know when the next tick of each case
//! matters (`cases.next_timer_ms`) and tick the cases that are due. Nothing is scheduled in
//! memory, so timers survive any restart; on PostgreSQL each due case is claimed with
//! `FOR UPDATE SKIP LOCKED`, so several nodes never tick the same case at once.

use super::run::{self, Loaded};
use crate::clock::to_ms;
use crate::error::Result;
use crate::platform::Platform;
use crate::store::Val;
use govops_workflow::calendar::Calendar;
use govops_workflow::engine::{CaseState, Command, TaskStatus};
use serde_json::json;
use std::time::Duration;
use time::Date;
use time::macros::{offset, time};

/// The journal actor of timer ticks.
pub const TIMER_ACTOR: &str = "system:timers";

fn start_of(date: Date) -> i64 {
    to_ms(date.with_time(time!(00:00)).assume_offset(offset!(+8)))
}

/// When the next reminder or escalation of any open task falls due, as UTC milliseconds
/// (the start of that day in China Standard Time); `None` when nothing is pending.
pub(crate) fn next_due_ms(
    state: &CaseState,
    remind_before: u32,
    calendar: &Calendar,
) -> Option<i64> {
    let mut next: Option<Date> = None;
    for task in state.tasks.values() {
        if task.status != TaskStatus::Open {
            continue;
        }
        let mut due = None;
        if !task.reminded {
            // The first day on which at most `remind_before` working days are left.
            let mut day = govops_workflow::engine::local_date(task.opened_at);
            while day <= task.deadline.date {
                if calendar.working_days_between(day, task.deadline.date) <= remind_before {
                    due = Some(day);
                    break;
                }
                match day.next_day() {
                    Some(d) => day = d,
                    None => break,
                }
            }
        }
        if due.is_none() && !task.escalated {
            due = task.deadline.date.next_day();
        }
        if let Some(d) = due {
            next = Some(next.map_or(d, |n| n.min(d)));
        }
    }
    next.map(start_of)
}

impl Platform {
    /// Ticks every case whose next timer is due, at most `limit` of them; returns how many
    /// were ticked. Called by the background loop, and by tests with a manual clock.
    pub async fn run_due_timers(&self, limit: i64) -> Result<usize> {
        let me = self.clone();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now_ms = to_ms(tx.now());
                    let sql = if tx.is_postgres() {
                        "SELECT id FROM cases WHERE next_timer_ms <= $1 ORDER BY next_timer_ms LIMIT $2 FOR UPDATE SKIP LOCKED"
                    } else {
                        "SELECT id FROM cases WHERE next_timer_ms <= $1 ORDER BY next_timer_ms LIMIT $2"
                    };
                    let due: Vec<(String,)> = tx
                        .fetch_all(sql, &[Val::Int(now_ms), Val::Int(limit)])
                        .await?;
                    let calendar = me.inner.cases.calendar();
                    for (id,) in &due {
                        let loaded: Loaded = run::load(tx, &me.inner.cases, id).await?;
                        let (next, events) = run::step_all(
                            &loaded.state,
                            vec![Command::Tick],
                            tx.now(),
                            &loaded.plan,
                            &calendar,
                        )?;
                        if events.is_empty() {
                            // Nothing fired (the state moved on); store the next due time.
                            let next_timer = next_due_ms(&next, loaded.plan.remind_before_days, &calendar);
                            tx.execute(
                                "UPDATE cases SET next_timer_ms = $1 WHERE id = $2",
                                &[Val::opt_int(next_timer), Val::from(id)],
                            )
                            .await?;
                            continue;
                        }
                        run::store_step(
                            tx,
                            id,
                            &loaded,
                            next,
                            events,
                            TIMER_ACTOR,
                            "case.tick",
                            &calendar, &me.inner.licences)
                        .await?;
                    }
                    Ok(due.len())
                })
            })
            .await
    }

    /// Runs the timers every `period` until the task is aborted.
    pub fn spawn_timers(&self, period: Duration) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(period);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                loop {
                    match me.run_due_timers(200).await {
                        Ok(n) if n >= 200 => continue,
                        Ok(_) => break,
                        Err(e) => {
                            tracing::warn!(error = %e.message, "case timers failed; retrying next period");
                            break;
                        }
                    }
                }
            }
        })
    }
}

impl Platform {
    /// Loads a new working-day calendar (the official notice of a year, as JSON) and
    /// recomputes the deadlines of every task still running; deadlines that were
    /// provisional become official. Returns how many cases changed. The caller checks
    /// `Action::CatalogueReload`.
    pub async fn load_calendar(&self, actor: &str, json_text: &str) -> Result<usize> {
        let calendar = Calendar::from_json(json_text, "uploaded calendar").map_err(|e| {
            crate::error::CoreError::invalid(
                "calendar.invalid",
                format!("The calendar file was refused: {e}. Nothing changed."),
            )
        })?;
        let years: Vec<i32> = calendar.official_years().collect();
        let previous = self.inner.cases.calendar();
        self.inner.cases.set_calendar(calendar);
        let me = self.clone();
        let actor = actor.to_owned();
        let text = json_text.to_owned();
        let outcome = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let now_ms = to_ms(tx.now());
                    tx.execute(
                        "INSERT INTO calendar_data (id, json, loaded_ms) VALUES (1, $1, $2) \
                         ON CONFLICT (id) DO UPDATE SET json = excluded.json, loaded_ms = excluded.loaded_ms",
                        &[Val::from(text), Val::Int(now_ms)],
                    )
                    .await?;
                    let open: Vec<(String,)> = tx
                        .fetch_all(
                            "SELECT id FROM cases WHERE status IN ('submitted', 'in_progress', 'returned') ORDER BY id",
                            &[],
                        )
                        .await?;
                    let calendar = me.inner.cases.calendar();
                    let mut changed = 0;
                    for (id,) in &open {
                        let loaded = run::load(tx, &me.inner.cases, id).await?;
                        let (next, events) = run::step_all(
                            &loaded.state,
                            vec![Command::RecomputeDeadlines],
                            tx.now(),
                            &loaded.plan,
                            &calendar,
                        )?;
                        if !events.is_empty() {
                            changed += 1;
                            run::store_step(tx, id, &loaded, next, events, &actor, "case.deadlines_recomputed", &calendar, &me.inner.licences)
                                .await?;
                        }
                    }
                    tx.journal(&actor, "calendar.loaded", "calendar:cn", json!({ "official_years": years, "cases_changed": changed }))?;
                    Ok(changed)
                })
            })
            .await;
        if outcome.is_err() {
            // Nothing was stored: keep running on the calendar the stored cases agree with.
            self.inner.cases.restore_calendar(previous);
        }
        outcome
    }

    /// Uses the calendar the operations office loaded last, if any (at start).
    pub(crate) async fn load_stored_calendar(&self) -> Result<()> {
        let row: Option<(String,)> = self
            .store()
            .fetch_optional("SELECT json FROM calendar_data WHERE id = 1", &[])
            .await?;
        if let Some((text,)) = row {
            match Calendar::from_json(&text, "stored calendar") {
                Ok(c) => self.inner.cases.set_calendar(c),
                Err(e) => {
                    tracing::warn!(error = %e, "the stored calendar does not parse; using the shipped one")
                }
            }
        }
        Ok(())
    }
}
