//! The approval engine on the example definitions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{MONDAY, actor, calendar, catalogue, food_form};
use govops_workflow::definition::{Plan, RuleOutcome};
use govops_workflow::engine::{
    CaseState, CaseStatus, Command, EngineError, Event, PartStatus, TaskStatus, replay, step,
};
use serde_json::json;
use time::Duration;

struct Case {
    state: CaseState,
    events: Vec<Event>,
    plan: Plan,
    cal: govops_workflow::calendar::Calendar,
    now: time::OffsetDateTime,
}

impl Case {
    fn new(plan: Plan) -> Self {
        Self {
            state: CaseState::new(),
            events: vec![],
            plan,
            cal: calendar(),
            now: MONDAY,
        }
    }
    fn run(&mut self, command: Command) -> Result<Vec<Event>, EngineError> {
        let (state, events) = step(&self.state, command, self.now, &self.plan, &self.cal)?;
        self.state = state;
        self.events.extend(events.clone());
        assert_eq!(replay(&self.events), self.state);
        Ok(events)
    }
    fn approve(&mut self, step: &str, dept: &str, role: &str) -> Result<Vec<Event>, EngineError> {
        self.run(Command::Approve {
            step: step.into(),
            actor: actor(dept, role),
        })
    }
    fn auto_check_pass(&mut self) {
        let data = json!({"alive": true, "receiving_pension": true});
        let outcomes = self.plan.evaluate_rules(&self.state.form, &data);
        self.run(Command::AutoCheck { outcomes }).unwrap();
    }
}

fn food() -> Case {
    Case::new(Plan::for_service(
        &catalogue().services["food-business-licence"],
    ))
}

#[test]
fn food_licence_runs_parallel_inspections_and_joins_once() {
    let mut case = food();
    case.run(Command::Submit { form: food_form() }).unwrap();
    assert_eq!(case.state.status, CaseStatus::Submitted);
    case.auto_check_pass();
    assert_eq!(case.state.status, CaseStatus::InProgress);
    let accept = &case.state.tasks["accept"];
    // Submitted Monday 2026-03-02; one working day → Tuesday.
    assert_eq!(accept.deadline.date, time::macros::date!(2026 - 03 - 03));
    assert!(!accept.deadline.provisional);
    case.approve("accept", "amr", "acceptor").unwrap();
    assert!(case.state.tasks["health"].is_open() && case.state.tasks["fire"].is_open());
    let events = case.approve("health", "nhc", "inspector").unwrap();
    assert!(!events.iter().any(|e| matches!(e, Event::TaskOpened { .. })));
    let events = case.approve("fire", "fire", "inspector").unwrap();
    let opened: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, Event::TaskOpened { .. }))
        .collect();
    assert_eq!(opened.len(), 1);
    let events = case.approve("decide", "amr", "approver").unwrap();
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Closed {
            status: CaseStatus::Completed,
            ..
        }
    )));
    assert_eq!(case.state.status, CaseStatus::Completed);
    assert!(matches!(
        case.run(Command::Withdraw),
        Err(EngineError::NotAllowed { .. })
    ));
}

#[test]
fn refusals_are_typed() {
    let mut case = food();
    case.run(Command::Submit { form: food_form() }).unwrap();
    case.auto_check_pass();
    assert!(matches!(
        case.approve("health", "nhc", "inspector"),
        Err(EngineError::TaskNotOpen { status: None, .. })
    ));
    assert!(matches!(
        case.approve("accept", "amr", "approver"),
        Err(EngineError::WrongRole { .. })
    ));
    assert!(matches!(
        case.approve("accept", "tax", "acceptor"),
        Err(EngineError::WrongDepartment { .. })
    ));
    assert!(matches!(
        case.approve("inspect", "amr", "acceptor"),
        Err(EngineError::UnknownStep { .. })
    ));
    case.approve("accept", "amr", "acceptor").unwrap();
    assert!(matches!(
        case.approve("accept", "amr", "acceptor"),
        Err(EngineError::AlreadyDecided {
            decision: TaskStatus::Approved,
            ..
        })
    ));
    assert!(matches!(
        case.run(Command::Transfer {
            step: "decide".into(),
            actor: actor("amr", "approver"),
            to_department: "eco".into()
        }),
        Err(EngineError::TaskNotOpen { .. })
    ));
    assert!(matches!(
        case.run(Command::Return {
            step: "fire".into(),
            actor: actor("fire", "inspector"),
            fields: vec!["area".into()],
            note: String::new()
        }),
        Err(EngineError::ActionNotAllowed { .. })
    ));
    assert!(matches!(
        case.run(Command::Reject {
            step: "fire".into(),
            actor: actor("fire", "inspector"),
            reason: " ".into()
        }),
        Err(EngineError::MissingReason)
    ));
    let mut bad = food_form();
    bad.insert("scope".into(), "烧烤".into());
    let mut fresh = food();
    match fresh.run(Command::Submit { form: bad }) {
        Err(EngineError::InvalidForm(errors)) => assert_eq!(errors[0].field, "scope"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn return_for_correction_suspends_and_restarts_the_clocks() {
    let mut case = food();
    case.run(Command::Submit { form: food_form() }).unwrap();
    case.auto_check_pass();
    case.approve("accept", "amr", "acceptor").unwrap();
    case.run(Command::Return {
        step: "health".into(),
        actor: actor("nhc", "inspector"),
        fields: vec!["area".into()],
        note: "请核实面积".into(),
    })
    .unwrap();
    assert_eq!(case.state.status, CaseStatus::Returned);
    assert_eq!(case.state.tasks["fire"].status, TaskStatus::Suspended);
    assert!(matches!(
        case.approve("fire", "fire", "inspector"),
        Err(EngineError::NotAllowed { .. })
    ));
    case.now += Duration::days(7);
    let mut fixed = food_form();
    fixed.insert("area".into(), 90.into());
    case.run(Command::Resubmit { form: fixed }).unwrap();
    assert_eq!(case.state.status, CaseStatus::InProgress);
    let health = &case.state.tasks["health"];
    assert!(health.is_open());
    assert_eq!(health.deadline.date, time::macros::date!(2026 - 03 - 16));
    assert!(case.state.tasks["fire"].is_open());
    case.approve("health", "nhc", "inspector").unwrap();
    case.run(Command::Transfer {
        step: "fire".into(),
        actor: actor("fire", "inspector"),
        to_department: "housing".into(),
    })
    .unwrap();
    case.approve("fire", "housing", "inspector").unwrap();
    case.approve("decide", "amr", "approver").unwrap();
    assert_eq!(case.state.status, CaseStatus::Completed);
}

#[test]
fn timers_fire_once_each() {
    let mut case = food();
    case.run(Command::Submit { form: food_form() }).unwrap();
    case.auto_check_pass();
    // Same day: one working day left → reminder.
    let events = case.run(Command::Tick).unwrap();
    assert!(matches!(
        events.as_slice(),
        [Event::ReminderSent { days_left: 1, .. }]
    ));
    assert!(case.run(Command::Tick).unwrap().is_empty());
    case.now += Duration::days(2);
    let events = case.run(Command::Tick).unwrap();
    assert!(
        matches!(events.as_slice(), [Event::Escalated { department, .. }] if department == "amr")
    );
    assert!(case.run(Command::Tick).unwrap().is_empty());
}

#[test]
fn instant_approval_when_every_rule_passes_and_officials_otherwise() {
    let catalogue = catalogue();
    let plan = Plan::for_service(&catalogue.services["pension-qualification"]);
    let form = common::form(json!({"resident_id": "11010519491231002X", "age": 76}));
    let mut case = Case::new(plan.clone());
    case.run(Command::Submit { form: form.clone() }).unwrap();
    case.auto_check_pass();
    assert_eq!(case.state.status, CaseStatus::Completed);
    assert!(
        case.events
            .iter()
            .any(|e| matches!(e, Event::Closed { instant: true, .. }))
    );

    let mut case = Case::new(plan.clone());
    case.run(Command::Submit { form }).unwrap();
    let outcomes = plan.evaluate_rules(&case.state.form, &json!({"alive": true}));
    assert!(
        outcomes.iter().any(|o| !o.passed && o.error.is_some()),
        "{outcomes:?}"
    );
    case.run(Command::AutoCheck { outcomes }).unwrap();
    assert_eq!(case.state.status, CaseStatus::InProgress);
    assert!(matches!(
        Case::new(plan).run(Command::AutoCheck {
            outcomes: Vec::<RuleOutcome>::new()
        }),
        Err(EngineError::NotAllowed { .. })
    ));
}

#[test]
fn bundle_dispatches_five_departments_and_ends_partially_rejected() {
    let catalogue = catalogue();
    let plan = catalogue.bundles["start-business"].plan.clone();
    let mut case = Case::new(plan);
    case.run(Command::Submit {
        form: common::business_form(),
    })
    .unwrap();
    let open: Vec<&str> = case
        .state
        .open_tasks()
        .map(|t| t.department.as_str())
        .collect();
    assert_eq!(open.len(), 5);
    for dept in ["amr", "psb", "tax", "hrss", "hpf"] {
        assert!(open.contains(&dept), "{dept}");
    }
    case.approve("business-registration/review", "amr", "registrar")
        .unwrap();
    case.approve("seal-engraving/record", "psb", "seal-officer")
        .unwrap();
    case.run(Command::Reject {
        step: "housing-fund-account/open-account".into(),
        actor: actor("hpf", "clerk"),
        reason: "缴存比例不符合规定".into(),
    })
    .unwrap();
    assert_eq!(
        case.state.status,
        CaseStatus::InProgress,
        "other parts continue"
    );
    case.approve("tax-registration/register", "tax", "clerk")
        .unwrap();
    case.approve("social-security-registration/register", "hrss", "clerk")
        .unwrap();
    assert_eq!(case.state.status, CaseStatus::PartiallyRejected);
    assert_eq!(
        case.state
            .parts
            .iter()
            .filter(|p| **p == PartStatus::Approved)
            .count(),
        4
    );
}

#[test]
fn a_case_keeps_its_plan_version() {
    let catalogue = catalogue();
    let mut plan = Plan::for_service(&catalogue.services["food-business-licence"]);
    let mut case = Case::new(plan.clone());
    case.run(Command::Submit { form: food_form() }).unwrap();
    plan.version += 1;
    let err = step(&case.state, Command::Withdraw, MONDAY, &plan, &case.cal).unwrap_err();
    assert!(matches!(err, EngineError::PlanMismatch { .. }));
}
