//! Property tests: random small definitions (including parallel pairs and bundles) driven by
//! random command sequences.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use govops_workflow::calendar::Calendar;
use govops_workflow::definition::{Catalogue, Form, Plan};
use govops_workflow::engine::{Actor, CaseState, Command, Event, local_date, replay, step};
use proptest::prelude::*;
use time::Duration;
use time::macros::datetime;

static CALENDAR: LazyLock<Calendar> = LazyLock::new(|| {
    Calendar::from_json(
        include_str!("../../../vectors/calendar/cn-holidays.json"),
        "cn-holidays.json",
    )
    .unwrap()
});

const DEPARTMENTS: [&str; 4] = ["amr", "tax", "nhc", "fire"];

/// One service: for each step, its department index and the earlier steps it waits for.
type Shape = Vec<(usize, Vec<usize>)>;

fn shape() -> impl Strategy<Value = Shape> {
    (1usize..=4)
        .prop_flat_map(|n| {
            (0..n)
                .map(|i| {
                    (
                        0..DEPARTMENTS.len(),
                        proptest::collection::vec(0..i.max(1), 0..=i.min(2)),
                    )
                })
                .collect::<Vec<_>>()
        })
        .prop_map(|steps| {
            steps
                .into_iter()
                .enumerate()
                .map(|(i, (d, mut after))| {
                    after.retain(|a| *a < i);
                    after.sort_unstable();
                    after.dedup();
                    (d, after)
                })
                .collect()
        })
}

fn service_toml(id: &str, shape: &Shape) -> String {
    let mut s = format!(
        "id = \"{id}\"\nversion = 1\nname = {{ zh = \"测试\", en = \"Test\" }}\ndepartment = \"amr\"\n\
         category = \"test\"\napplicant = \"both\"\ntime_limit = {{ promised = 20, statutory = 20 }}\n\
         [[fields]]\nid = \"name\"\nlabel = {{ zh = \"名称\", en = \"Name\" }}\ntype = \"text\"\nrequired = true\n\
         [result]\nkind = \"letter\"\n"
    );
    for (i, (d, after)) in shape.iter().enumerate() {
        let after: Vec<String> = after.iter().map(|a| format!("\"s{a}\"")).collect();
        s.push_str(&format!(
            "[[steps]]\nid = \"s{i}\"\ndepartment = \"{}\"\nrole = \"r\"\n\
             actions = [\"approve\", \"reject\", \"return\", \"transfer\"]\ntime_limit = {}\nafter = [{}]\n",
            DEPARTMENTS[*d],
            1 + i % 3,
            after.join(", ")
        ));
    }
    s
}

/// A plain service, a service with a forced parallel pair, or a bundle of two.
fn plan() -> impl Strategy<Value = Plan> {
    (shape(), shape(), 0..3u8, any::<bool>()).prop_map(|(a, b, kind, cancel_all)| {
        let a = if kind == 1 {
            vec![(0, vec![]), (1, vec![0]), (2, vec![0]), (3, vec![1, 2])]
        } else {
            a
        };
        let sa = service_toml("svc-a", &a);
        let sb = service_toml("svc-b", &b);
        let bundle = format!(
            "kind = \"bundle\"\nid = \"pair\"\nversion = 1\nname = {{ zh = \"一件事\", en = \"Bundle\" }}\n\
             department = \"gsdm\"\non_part_rejected = \"{}\"\n[[parts]]\nservice = \"svc-a\"\n[[parts]]\nservice = \"svc-b\"\n",
            if cancel_all { "cancel_all" } else { "continue" }
        );
        let catalogue = Catalogue::load(&[("a.toml", &sa), ("b.toml", &sb), ("p.toml", &bundle)])
            .unwrap_or_else(|e| panic!("{e:?}"));
        if kind == 2 {
            catalogue.bundles["pair"].plan.clone()
        } else {
            Plan::for_service(&catalogue.services["svc-a"])
        }
    })
}

#[derive(Debug, Clone)]
enum Op {
    Submit,
    Approve(usize, bool),
    Reject(usize),
    Return(usize),
    Resubmit,
    Transfer(usize),
    Withdraw,
    Tick(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Submit),
        8 => (0..8usize, proptest::bool::weighted(0.9)).prop_map(|(s, ok)| Op::Approve(s, ok)),
        1 => (0..8usize).prop_map(Op::Reject),
        1 => (0..8usize).prop_map(Op::Return),
        2 => Just(Op::Resubmit),
        1 => (0..8usize).prop_map(Op::Transfer),
        1 => Just(Op::Withdraw),
        2 => (0..5i64).prop_map(Op::Tick),
    ]
}

fn form() -> Form {
    BTreeMap::from([("name".to_owned(), serde_json::Value::from("测试"))])
}

fn to_command(op: &Op, plan: &Plan, state: &CaseState) -> (Command, i64) {
    let step_at = |i: usize| plan.steps[i % plan.steps.len()].id.clone();
    let actor_for = |i: usize, right: bool| {
        let id = step_at(i);
        let department = state.tasks.get(&id).map_or_else(
            || plan.steps[i % plan.steps.len()].department.clone(),
            |t| t.department.clone(),
        );
        Actor {
            id: "official".into(),
            department,
            role: if right { "r".into() } else { "x".into() },
        }
    };
    match op {
        Op::Submit => (Command::Submit { form: form() }, 0),
        Op::Approve(i, right) => (
            Command::Approve {
                step: step_at(*i),
                actor: actor_for(*i, *right),
            },
            0,
        ),
        Op::Reject(i) => (
            Command::Reject {
                step: step_at(*i),
                actor: actor_for(*i, true),
                reason: "no".into(),
            },
            0,
        ),
        Op::Return(i) => (
            Command::Return {
                step: step_at(*i),
                actor: actor_for(*i, true),
                fields: vec!["name".into()],
                note: String::new(),
            },
            0,
        ),
        Op::Resubmit => (Command::Resubmit { form: form() }, 0),
        Op::Transfer(i) => (
            Command::Transfer {
                step: step_at(*i),
                actor: actor_for(*i, true),
                to_department: "eco".into(),
            },
            0,
        ),
        Op::Withdraw => (Command::Withdraw, 0),
        Op::Tick(days) => (Command::Tick, *days),
    }
}

fn is_terminal_event(e: &Event) -> bool {
    matches!(e, Event::Closed { .. } | Event::Withdrawn { .. })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn engine_invariants(plan in plan(), ops in proptest::collection::vec(op(), 1..60)) {
        let mut state = CaseState::new();
        let mut history: Vec<Event> = Vec::new();
        let mut now = datetime!(2026-12-14 10:00 +8);
        for op in &ops {
            let (command, days) = to_command(op, &plan, &state);
            now += Duration::days(days);
            let was_terminal = state.status.is_terminal();
            if let Ok((next, events)) = step(&state, command, now, &plan, &CALENDAR) {
                if was_terminal {
                    prop_assert!(events.is_empty(), "a terminal case changed: {events:?}");
                }
                history.extend(events);
                state = next;
            }
            // A case never reaches two terminal states.
            prop_assert!(history.iter().filter(|e| is_terminal_event(e)).count() <= 1);
            // Every open task has a deadline after the day it opened.
            for task in state.open_tasks() {
                prop_assert!(task.deadline.date > local_date(task.opened_at));
                prop_assert_eq!(
                    CALENDAR.working_days_between(local_date(task.opened_at), task.deadline.date),
                    task.time_limit
                );
            }
            // Replaying the events rebuilds the state exactly.
            prop_assert_eq!(&replay(&history), &state);
            // Every step, and so every join, opens at most once.
            let mut opened = BTreeMap::new();
            for e in &history {
                if let Event::TaskOpened { step, .. } = e {
                    *opened.entry(step.clone()).or_insert(0) += 1;
                }
            }
            prop_assert!(opened.values().all(|&n| n == 1), "{opened:?}");
            // A join opens only after all its predecessors were approved.
            for s in &plan.steps {
                if state.tasks.contains_key(&s.id) {
                    for &p in &s.after {
                        let pred = &plan.steps[p].id;
                        prop_assert_eq!(
                            state.tasks.get(pred).map(|t| t.status),
                            Some(govops_workflow::engine::TaskStatus::Approved)
                        );
                    }
                }
            }
        }
        // A completed case has every step approved.
        if state.status == govops_workflow::engine::CaseStatus::Completed {
            prop_assert!(state.tasks.len() == plan.steps.len());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Approving open tasks in a random order always completes the case, with every step
    /// (so every join) opened exactly once and only after all its predecessors.
    #[test]
    fn approving_everything_completes_and_each_join_fires_once(plan in plan(), picks in proptest::collection::vec(any::<usize>(), 64)) {
        let now = datetime!(2026-03-02 10:00 +8);
        let (mut state, mut history) =
            step(&CaseState::new(), Command::Submit { form: form() }, now, &plan, &CALENDAR).unwrap();
        let mut picks = picks.into_iter().cycle();
        while !state.status.is_terminal() {
            let open: Vec<_> = state.open_tasks().cloned().collect();
            prop_assert!(!open.is_empty(), "stuck with no open task: {state:?}");
            let task = &open[picks.next().unwrap_or(0) % open.len()];
            let actor = Actor { id: "o".into(), department: task.department.clone(), role: task.role.clone() };
            let (next, events) =
                step(&state, Command::Approve { step: task.step.clone(), actor }, now, &plan, &CALENDAR).unwrap();
            history.extend(events);
            state = next;
        }
        prop_assert_eq!(state.status, govops_workflow::engine::CaseStatus::Completed);
        let opened = history.iter().filter(|e| matches!(e, Event::TaskOpened { .. })).count();
        prop_assert_eq!(opened, plan.steps.len());
        prop_assert_eq!(replay(&history), state);
    }
}
