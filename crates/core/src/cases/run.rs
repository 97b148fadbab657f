//! Running engine commands against stored cases, inside one write: load the row, step the
//! engine, store the state, the task rows, the notices and the journal entry together.

use super::{CasesState, engine_error, timers};
use crate::clock::to_ms;
use crate::error::{CoreError, Result};
use crate::ids::new_id;
use crate::store::{Tx, Val};
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

/// Loads a case for a change; on PostgreSQL the row stays locked until the write commits.
pub(crate) async fn load(tx: &mut Tx, cases: &CasesState, case_id: &str) -> Result<Loaded> {
    let sql = if tx.is_postgres() {
        "SELECT number, plan_hash, state, version, applicant_account, applicant_kind, applicant_ref FROM cases WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT number, plan_hash, state, version, applicant_account, applicant_kind, applicant_ref FROM cases WHERE id = $1"
    };
    type Row = (String, String, String, i64, String, String, String);
    let row: Option<Row> = tx.fetch_optional(sql, &[Val::from(case_id)]).await?;
    let Some((number, hash, state, version, applicant_account, applicant_kind, applicant_ref)) =
        row
    else {
        return Err(not_found(case_id));
    };
    let state: CaseState = serde_json::from_str(&state)
        .map_err(|e| CoreError::internal(format!("case {case_id} state: {e}")))?;
    let plan = cases.plan_in(tx, &hash).await?;
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

/// Stores a stepped case: the row, changed tasks, notices, and one journal entry whose
/// payload carries the events.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn store_step(
    tx: &mut Tx,
    case_id: &str,
    loaded: &Loaded,
    next: &CaseState,
    events: &[Event],
    actor: &str,
    action: &str,
    extra: Value,
    calendar: &govops_workflow::calendar::Calendar,
    licences: &crate::licences::Licences,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let holder = super::results::holder_of(&loaded.applicant_kind, &loaded.applicant_ref);
    let issued =
        super::results::issue_results(tx, licences, &loaded.plan, next, events, case_id, &holder)
            .await?;
    let now_ms = to_ms(tx.now());
    let state_json =
        serde_json::to_string(next).map_err(|e| CoreError::internal(format!("case state: {e}")))?;
    let next_timer = timers::next_due_ms(next, loaded.plan.remind_before_days, calendar);
    let n = tx
        .execute(
            "UPDATE cases SET status = $1, state = $2, version = $3, updated_ms = $4, next_timer_ms = $5 \
             WHERE id = $6 AND version = $7",
            &[
                Val::from(status_name(next)),
                Val::from(state_json),
                Val::Int(loaded.version + 1),
                Val::Int(now_ms),
                Val::opt_int(next_timer),
                Val::from(case_id),
                Val::Int(loaded.version),
            ],
        )
        .await?;
    if n != 1 {
        return Err(CoreError::conflict(
            "case.changed",
            "The case changed while you were acting on it. Reload it and try again.",
        ));
    }
    store_tasks(tx, case_id, Some(&loaded.state), next).await?;
    notices_for(
        tx,
        case_id,
        &loaded.number,
        &loaded.applicant_account,
        &loaded.plan,
        next,
        events,
    )
    .await?;
    let events_json = serde_json::to_value(events)
        .map_err(|e| CoreError::internal(format!("case events: {e}")))?;
    let mut payload = json!({ "number": loaded.number, "events": events_json });
    if !issued.is_empty() {
        payload["licences"] = json!(issued);
        notice(
            tx,
            &loaded.applicant_account,
            case_id,
            "licence.issued",
            json!({ "number": loaded.number, "licences": issued }),
        )
        .await?;
    }
    if let (Value::Object(p), Value::Object(x)) = (&mut payload, extra) {
        p.extend(x);
    }
    tx.journal(actor, action, &format!("case:{case_id}"), payload)?;
    Ok(())
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

/// Upserts the task rows that differ from `before`.
pub(crate) async fn store_tasks(
    tx: &mut Tx,
    case_id: &str,
    before: Option<&CaseState>,
    next: &CaseState,
) -> Result<()> {
    let passed = checks_passed(next);
    let passed_before = before.is_some_and(checks_passed);
    for (step, task) in &next.tasks {
        let unchanged = before
            .and_then(|b| b.tasks.get(step))
            .is_some_and(|old| old == task)
            && passed == passed_before;
        if unchanged {
            continue;
        }
        tx.execute(
            "INSERT INTO case_tasks (case_id, step, department, role, status, deadline, provisional, opened_ms, checks_passed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (case_id, step) DO UPDATE SET department = excluded.department, role = excluded.role, \
             status = excluded.status, deadline = excluded.deadline, provisional = excluded.provisional, \
             opened_ms = excluded.opened_ms, checks_passed = excluded.checks_passed",
            &[
                Val::from(case_id),
                Val::from(step),
                Val::from(&task.department),
                Val::from(&task.role),
                Val::from(task_status_name(task.status)),
                Val::from(task.deadline.date.to_string()),
                Val::Int(i64::from(task.deadline.provisional)),
                Val::Int(to_ms(task.opened_at)),
                Val::Int(i64::from(passed)),
            ],
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

async fn department_accounts(tx: &mut Tx, department: &str, role: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = tx
        .fetch_all(
            "SELECT account_id FROM role_grants WHERE department_code = $1 AND role = $2 ORDER BY account_id",
            &[Val::from(department), Val::from(role)],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
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
pub(crate) async fn notices_for(
    tx: &mut Tx,
    case_id: &str,
    number: &str,
    applicant: &str,
    plan: &Plan,
    state: &CaseState,
    events: &[Event],
) -> Result<()> {
    for event in events {
        let (kind, params) = match event {
            Event::Submitted { .. } => ("case.submitted", json!({ "number": number })),
            Event::TaskApproved { step, .. } => (
                "case.task_approved",
                json!({ "number": number, "step": step }),
            ),
            Event::TaskRejected { step, reason, .. } => (
                "case.task_rejected",
                json!({ "number": number, "step": step, "reason": reason }),
            ),
            Event::TaskReturned {
                step, fields, note, ..
            } => (
                "case.returned",
                json!({ "number": number, "step": step, "fields": fields, "note": note }),
            ),
            Event::Resubmitted { .. } => ("case.resubmitted", json!({ "number": number })),
            Event::TaskTransferred { step, to, .. } => (
                "case.task_transferred",
                json!({ "number": number, "step": step, "to": to }),
            ),
            Event::DeadlineRecomputed { step, deadline, .. } => (
                "case.deadline_changed",
                json!({ "number": number, "step": step, "deadline": deadline.date.to_string() }),
            ),
            Event::PartClosed { .. } if state.parts.len() < 2 => continue,
            Event::PartClosed { part, status, .. } => (
                "case.part_closed",
                json!({ "number": number, "part": part, "status": status }),
            ),
            Event::Withdrawn { .. } => ("case.withdrawn", json!({ "number": number })),
            Event::Closed {
                status, instant, ..
            } => (
                "case.closed",
                json!({ "number": number, "status": status, "instant": instant }),
            ),
            Event::ReminderSent {
                step, days_left, ..
            } => {
                if let Some(dept) = state.tasks.get(step).map(|t| t.department.clone()) {
                    for account in department_accounts(tx, &dept, "official").await? {
                        notice(
                            tx,
                            &account,
                            case_id,
                            "task.due_soon",
                            with_step_name(
                                plan,
                                json!({ "number": number, "step": step, "days_left": days_left }),
                            ),
                        )
                        .await?;
                    }
                }
                continue;
            }
            Event::Escalated {
                step, department, ..
            } => {
                for account in department_accounts(tx, department, "department_head").await? {
                    notice(
                        tx,
                        &account,
                        case_id,
                        "task.overdue",
                        with_step_name(
                            plan,
                            json!({ "number": number, "step": step, "department": department }),
                        ),
                    )
                    .await?;
                }
                continue;
            }
            Event::AutoChecked { .. }
            | Event::TaskOpened { .. }
            | Event::TaskReopened { .. }
            | Event::TaskCancelled { .. } => continue,
        };
        notice(tx, applicant, case_id, kind, with_step_name(plan, params)).await?;
    }
    Ok(())
}
