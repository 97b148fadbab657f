//! Running engine commands against stored cases. A step is worked out first — load the
//! row, step the engine, and prepare every row and the journal payload it writes
//! ([`StepWrite`]) — and then written in one transaction: the row (only if the case has
//! not changed since it was loaded), the task rows, the notices, any licence it issues
//! and the journal entry, together.
//!
//! The working out can run off the store's writer, on the caller's task against a read
//! connection, so that the single writer thread only executes statements
//! (`Platform::step_case`); if the case changed in between, the writer works the step
//! out again inside its transaction, where nothing can change under it.

use super::{CasesState, engine_error, timers};
use crate::clock::to_ms;
use crate::error::{CoreError, Result};
use crate::ids::new_id;
use crate::store::{Tx, Val, canonical_json, canonical_object};
use govops_workflow::definition::Plan;
use govops_workflow::engine::{self, CaseState, Command, Event, TaskStatus};
use serde_json::{Value, json};
use std::sync::Arc;

/// A case row as a step needs it.
pub(crate) struct Loaded {
    pub number: String,
    pub applicant_kind: String,
    pub applicant_ref: String,
    pub plan: Arc<Plan>,
    pub state: CaseState,
    pub version: i64,
    pub applicant_account: String,
}

/// The columns `load` and `load_unlocked` read, in order.
type CaseRow = (String, String, String, i64, String, String, String);

/// Loads a case for a change; on PostgreSQL the row stays locked until the write commits.
pub(crate) async fn load(tx: &mut Tx, cases: &CasesState, case_id: &str) -> Result<Loaded> {
    let sql = if tx.is_postgres() {
        "SELECT number, plan_hash, state, version, applicant_account, applicant_kind, applicant_ref FROM cases WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT number, plan_hash, state, version, applicant_account, applicant_kind, applicant_ref FROM cases WHERE id = $1"
    };
    let row: Option<CaseRow> = tx.fetch_optional(sql, &[Val::from(case_id)]).await?;
    let row = row.ok_or_else(|| not_found(case_id))?;
    let plan = cases.plan_in(tx, &row.1).await?;
    loaded(case_id, row, plan)
}

/// Loads a case from a read connection, without a lock, for a step worked out off the
/// writer: `None` if the case is missing or its plan is not in memory (the writer's own
/// load then answers).
pub(crate) async fn load_unlocked(
    store: &crate::store::Store,
    cases: &CasesState,
    case_id: &str,
) -> Result<Option<Loaded>> {
    let row: Option<CaseRow> = store
        .fetch_optional(
            "SELECT number, plan_hash, state, version, applicant_account, applicant_kind, applicant_ref FROM cases WHERE id = $1",
            &[Val::from(case_id)],
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    match cases.cached(&row.1) {
        Some(plan) => loaded(case_id, row, plan).map(Some),
        None => Ok(None),
    }
}

/// A case row read by `load` or `load_unlocked`, with its plan.
fn loaded(case_id: &str, row: CaseRow, plan: Arc<Plan>) -> Result<Loaded> {
    let (number, _hash, state, version, applicant_account, applicant_kind, applicant_ref) = row;
    let state: CaseState = serde_json::from_str(&state)
        .map_err(|e| CoreError::internal(format!("case {case_id} state: {e}")))?;
    Ok(Loaded {
        number,
        applicant_kind,
        applicant_ref,
        plan,
        state,
        version,
        applicant_account,
    })
}

pub(crate) fn not_found(case_id: &str) -> CoreError {
    CoreError::not_found(
        "case.not_found",
        format!(
            "There is no case `{case_id}` that you may see. Check the link, or find the case in your list."
        ),
    )
}

/// Steps the engine through `commands` in order; all or nothing.
pub(crate) fn step_all(
    state: &CaseState,
    commands: Vec<Command>,
    now: time::OffsetDateTime,
    plan: &Plan,
    calendar: &govops_workflow::calendar::Calendar,
) -> Result<(CaseState, Vec<Event>)> {
    let mut current = state.clone();
    let mut events = Vec::new();
    for command in commands {
        let (next, mut new) =
            engine::step(&current, command, now, plan, calendar).map_err(engine_error)?;
        current = next;
        events.append(&mut new);
    }
    Ok((current, events))
}

/// Where a notice goes.
pub(crate) enum NoticeTo {
    /// The case's applicant.
    Applicant,
    /// Every account holding `role` in `department`, looked up when written.
    Department {
        department: String,
        role: &'static str,
    },
}

/// A notice a step sends. Its parameters get the case's `number` when it is written.
pub(crate) struct PendingNotice {
    pub to: NoticeTo,
    pub kind: &'static str,
    pub params: Value,
}

/// Everything a step writes, worked out without the transaction.
pub(crate) struct StepWrite {
    /// The version the case was stepped from; the write applies only on that version.
    pub from_version: i64,
    pub status: String,
    pub state_json: String,
    pub next_timer: Option<i64>,
    pub at_ms: i64,
    /// The task rows that differ from the case before the step.
    pub tasks: Vec<[Val; 9]>,
    pub notices: Vec<PendingNotice>,
    /// The events as canonical JSON, for the journal payload.
    pub events_json: String,
    pub next: CaseState,
    pub events: Vec<Event>,
}

/// Works out what a step writes.
pub(crate) fn prepare_step(
    case_id: &str,
    loaded: &Loaded,
    next: CaseState,
    events: Vec<Event>,
    now: time::OffsetDateTime,
    calendar: &govops_workflow::calendar::Calendar,
) -> Result<StepWrite> {
    let state_json = serde_json::to_string(&next)
        .map_err(|e| CoreError::internal(format!("case state: {e}")))?;
    let events_json = events_json(&events)?;
    Ok(StepWrite {
        from_version: loaded.version,
        status: status_name(&next),
        state_json,
        next_timer: timers::next_due_ms(&next, loaded.plan.remind_before_days, calendar),
        at_ms: to_ms(now),
        tasks: task_rows(case_id, Some(&loaded.state), &next),
        notices: notices_for(&loaded.plan, &next, &events),
        events_json,
        next,
        events,
    })
}

/// The events as canonical JSON.
pub(crate) fn events_json(events: &[Event]) -> Result<String> {
    let v = serde_json::to_value(events)
        .map_err(|e| CoreError::internal(format!("case events: {e}")))?;
    canonical_json(&v)
}

/// Writes a prepared step: `Ok(false)`, with nothing written, when the case is no longer
/// at the version it was stepped from.
pub(crate) async fn write_step(
    tx: &mut Tx,
    case_id: &str,
    loaded: &Loaded,
    w: &StepWrite,
    actor: &str,
    action: &str,
    licences: &crate::licences::Licences,
) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE cases SET status = $1, state = $2, version = $3, updated_ms = $4, next_timer_ms = $5 \
             WHERE id = $6 AND version = $7",
            &[
                Val::from(&w.status),
                Val::from(&w.state_json),
                Val::Int(w.from_version + 1),
                Val::Int(w.at_ms),
                Val::opt_int(w.next_timer),
                Val::from(case_id),
                Val::Int(w.from_version),
            ],
        )
        .await?;
    if n != 1 {
        return Ok(false);
    }
    write_tasks(tx, &w.tasks).await?;
    write_notices(
        tx,
        case_id,
        &loaded.number,
        &loaded.applicant_account,
        &w.notices,
    )
    .await?;
    let holder = super::results::holder_of(&loaded.applicant_kind, &loaded.applicant_ref);
    let issued = super::results::issue_results(
        tx,
        licences,
        &loaded.plan,
        &w.next,
        &w.events,
        case_id,
        &holder,
    )
    .await?;
    let number = canonical_json(&json!(loaded.number))?;
    let mut payload = vec![("events", w.events_json.as_str()), ("number", &number)];
    let issued_json;
    if !issued.is_empty() {
        issued_json = canonical_json(&json!(issued))?;
        payload.push(("licences", &issued_json));
        notice(
            tx,
            &loaded.applicant_account,
            case_id,
            "licence.issued",
            json!({ "number": loaded.number, "licences": issued }),
        )
        .await?;
    }
    tx.journal_canonical(
        actor,
        action,
        &format!("case:{case_id}"),
        &canonical_object(&mut payload),
    );
    Ok(true)
}

/// Stores a case stepped inside the transaction (after `load`, which locks it): the row,
/// changed tasks, notices, licences, and one journal entry whose payload carries the
/// events.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn store_step(
    tx: &mut Tx,
    case_id: &str,
    loaded: &Loaded,
    next: CaseState,
    events: Vec<Event>,
    actor: &str,
    action: &str,
    calendar: &govops_workflow::calendar::Calendar,
    licences: &crate::licences::Licences,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let w = prepare_step(case_id, loaded, next, events, tx.now(), calendar)?;
    if write_step(tx, case_id, loaded, &w, actor, action, licences).await? {
        Ok(())
    } else {
        Err(CoreError::conflict(
            "case.changed",
            "The case changed while you were acting on it. Reload it and try again.",
        ))
    }
}

/// The status as stored and shown, e.g. `in_progress`.
pub(crate) fn status_name(state: &CaseState) -> String {
    serde_json::to_value(state.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(crate) fn task_status_name(s: TaskStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn checks_passed(state: &CaseState) -> bool {
    state
        .auto_check
        .as_ref()
        .is_some_and(|o| !o.is_empty() && o.iter().all(|r| r.passed))
}

/// The `case_tasks` rows of `next` that differ from `before`.
pub(crate) fn task_rows(
    case_id: &str,
    before: Option<&CaseState>,
    next: &CaseState,
) -> Vec<[Val; 9]> {
    let passed = checks_passed(next);
    let passed_before = before.is_some_and(checks_passed);
    let mut rows = Vec::new();
    for (step, task) in &next.tasks {
        let unchanged = before
            .and_then(|b| b.tasks.get(step))
            .is_some_and(|old| old == task)
            && passed == passed_before;
        if unchanged {
            continue;
        }
        rows.push([
            Val::from(case_id),
            Val::from(step),
            Val::from(&task.department),
            Val::from(&task.role),
            Val::from(task_status_name(task.status)),
            Val::from(task.deadline.date.to_string()),
            Val::Int(i64::from(task.deadline.provisional)),
            Val::Int(to_ms(task.opened_at)),
            Val::Int(i64::from(passed)),
        ]);
    }
    rows
}

/// Upserts task rows made by [`task_rows`].
pub(crate) async fn write_tasks(tx: &mut Tx, rows: &[[Val; 9]]) -> Result<()> {
    for row in rows {
        tx.execute(
            "INSERT INTO case_tasks (case_id, step, department, role, status, deadline, provisional, opened_ms, checks_passed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (case_id, step) DO UPDATE SET department = excluded.department, role = excluded.role, \
             status = excluded.status, deadline = excluded.deadline, provisional = excluded.provisional, \
             opened_ms = excluded.opened_ms, checks_passed = excluded.checks_passed",
            row,
        )
        .await?;
    }
    Ok(())
}

async fn notice(
    tx: &mut Tx,
    account: &str,
    case_id: &str,
    kind: &str,
    params: Value,
) -> Result<()> {
    let id = new_id(tx.now());
    let now_ms = to_ms(tx.now());
    tx.execute(
        "INSERT INTO notices (id, account_id, case_id, kind, params, created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Val::from(id),
            Val::from(account),
            Val::from(case_id),
            Val::from(kind),
            Val::from(params.to_string()),
            Val::Int(now_ms),
        ],
    )
    .await?;
    Ok(())
}

/// Writes notices made by [`notices_for`], each with the case's number.
pub(crate) async fn write_notices(
    tx: &mut Tx,
    case_id: &str,
    number: &str,
    applicant: &str,
    notices: &[PendingNotice],
) -> Result<()> {
    for n in notices {
        let mut params = n.params.clone();
        if let Some(map) = params.as_object_mut() {
            map.insert("number".to_owned(), Value::from(number));
        }
        match &n.to {
            NoticeTo::Applicant => notice(tx, applicant, case_id, n.kind, params).await?,
            NoticeTo::Department { department, role } => {
                let rows: Vec<(String,)> = tx
                    .fetch_all(
                        "SELECT account_id FROM role_grants WHERE department_code = $1 AND role = $2 ORDER BY account_id",
                        &[Val::from(department), Val::from(*role)],
                    )
                    .await?;
                for (account,) in rows {
                    notice(tx, &account, case_id, n.kind, params.clone()).await?;
                }
            }
        }
    }
    Ok(())
}

/// Adds the name of the notice's step, if it names one, so that the notice can show it.
fn with_step_name(plan: &Plan, mut params: Value) -> Value {
    let name = params["step"].as_str().map(|step| plan.step_name(step));
    if let (Some(name), Some(map)) = (name, params.as_object_mut()) {
        map.insert(
            "step_name".to_owned(),
            json!({ "zh": name.zh, "en": name.en }),
        );
    }
    params
}

/// In-app notices: every change the applicant should know of, and reminders and
/// escalations to the department's officials and head.
pub(crate) fn notices_for(plan: &Plan, state: &CaseState, events: &[Event]) -> Vec<PendingNotice> {
    let mut out = Vec::new();
    for event in events {
        let (to, kind, params) = match event {
            Event::Submitted { .. } => (NoticeTo::Applicant, "case.submitted", json!({})),
            Event::TaskApproved { step, .. } => (
                NoticeTo::Applicant,
                "case.task_approved",
                json!({ "step": step }),
            ),
            Event::TaskRejected { step, reason, .. } => (
                NoticeTo::Applicant,
                "case.task_rejected",
                json!({ "step": step, "reason": reason }),
            ),
            Event::TaskReturned {
                step, fields, note, ..
            } => (
                NoticeTo::Applicant,
                "case.returned",
                json!({ "step": step, "fields": fields, "note": note }),
            ),
            Event::Resubmitted { .. } => (NoticeTo::Applicant, "case.resubmitted", json!({})),
            Event::TaskTransferred { step, to, .. } => (
                NoticeTo::Applicant,
                "case.task_transferred",
                json!({ "step": step, "to": to }),
            ),
            Event::DeadlineRecomputed { step, deadline, .. } => (
                NoticeTo::Applicant,
                "case.deadline_changed",
                json!({ "step": step, "deadline": deadline.date.to_string() }),
            ),
            Event::PartClosed { .. } if state.parts.len() < 2 => continue,
            Event::PartClosed { part, status, .. } => (
                NoticeTo::Applicant,
                "case.part_closed",
                json!({ "part": part, "status": status }),
            ),
            Event::Withdrawn { .. } => (NoticeTo::Applicant, "case.withdrawn", json!({})),
            Event::Closed {
                status, instant, ..
            } => (
                NoticeTo::Applicant,
                "case.closed",
                json!({ "status": status, "instant": instant }),
            ),
            Event::ReminderSent {
                step, days_left, ..
            } => {
                let Some(department) = state.tasks.get(step).map(|t| t.department.clone()) else {
                    continue;
                };
                (
                    NoticeTo::Department {
                        department,
                        role: "official",
                    },
                    "task.due_soon",
                    json!({ "step": step, "days_left": days_left }),
                )
            }
            Event::Escalated {
                step, department, ..
            } => (
                NoticeTo::Department {
                    department: department.clone(),
                    role: "department_head",
                },
                "task.overdue",
                json!({ "step": step, "department": department }),
            ),
            Event::AutoChecked { .. }
            | Event::TaskOpened { .. }
            | Event::TaskReopened { .. }
            | Event::TaskCancelled { .. } => continue,
        };
        out.push(PendingNotice {
            to,
            kind,
            params: with_step_name(plan, params),
        });
    }
    out
}
