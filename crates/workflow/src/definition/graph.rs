//! Validation of the step graph: ids, references, cycles, reachability, and whether the
//! promised time limit can be met along the longest path.

use std::collections::{BTreeMap, BTreeSet};

use super::error::Collector;
use super::model::{Action, Names, StepDef};
use super::raw::{RawStep, S};

/// Checks the steps and returns them in the clean form; errors go to `errors`.
pub(crate) fn validate_steps(
    steps: &S<Vec<S<RawStep>>>,
    promised: Option<u32>,
    errors: &mut Collector<'_>,
) -> Vec<StepDef> {
    let list = steps.get_ref();
    if list.is_empty() {
        errors.push(
            steps.span(),
            "steps",
            "a service needs at least one step",
            Some("add a [[steps]] table with id, department, role, actions and time_limit".into()),
        );
        return Vec::new();
    }
    let mut first_seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, step) in list.iter().enumerate() {
        let id = &step.get_ref().id;
        if let Some(&first) = first_seen.get(id.get_ref().as_str()) {
            let (line, _) = errors
                .source
                .position(list[first].get_ref().id.span().start);
            errors.push(
                id.span(),
                format!("steps[{i}].id"),
                format!("duplicate step id \"{}\"", id.get_ref()),
                Some(format!(
                    "the first step with this id is on line {line}; rename one"
                )),
            );
        } else {
            first_seen.insert(id.get_ref(), i);
        }
    }
    let known: Vec<&str> = first_seen.keys().copied().collect();
    let mut out = Vec::with_capacity(list.len());
    for (i, step) in list.iter().enumerate() {
        out.push(validate_step(i, step.get_ref(), &known, errors));
    }
    check_graph(list, &out, errors);
    if let Some(promised) = promised {
        check_longest_path(steps, &out, promised, errors);
    }
    out
}

fn validate_step(i: usize, step: &RawStep, known: &[&str], errors: &mut Collector<'_>) -> StepDef {
    super::validate::check_code(&step.id, &format!("steps[{i}].id"), errors);
    super::validate::check_code(&step.department, &format!("steps[{i}].department"), errors);
    if step.role.get_ref().trim().is_empty() {
        errors.push(
            step.role.span(),
            format!("steps[{i}].role"),
            "the role that acts is empty",
            Some("name the role within the department, e.g. \"reviewer\"".into()),
        );
    }
    let mut actions = Vec::new();
    for (j, action) in step.actions.get_ref().iter().enumerate() {
        match Action::parse(action.get_ref()) {
            Some(a) if !actions.contains(&a) => actions.push(a),
            Some(_) => errors.push(
                action.span(),
                format!("steps[{i}].actions[{j}]"),
                format!("action \"{}\" is listed twice", action.get_ref()),
                None,
            ),
            None => errors.push(
                action.span(),
                format!("steps[{i}].actions[{j}]"),
                format!("unknown action \"{}\"", action.get_ref()),
                Some("allowed actions: approve, reject, return, transfer".into()),
            ),
        }
    }
    if !actions.contains(&Action::Approve) {
        errors.push(
            step.actions.span(),
            format!("steps[{i}].actions"),
            "the step cannot be completed: \"approve\" is not allowed",
            Some("add \"approve\" to actions".into()),
        );
    }
    actions.sort();
    let time_limit =
        super::validate::positive_days(&step.time_limit, &format!("steps[{i}].time_limit"), errors);
    let mut after = Vec::new();
    for (j, pred) in step.after.iter().enumerate() {
        let name = pred.get_ref();
        if name == step.id.get_ref() {
            errors.push(
                pred.span(),
                format!("steps[{i}].after[{j}]"),
                format!("step \"{name}\" cannot come after itself"),
                Some("remove it from `after`".into()),
            );
        } else if !known.contains(&name.as_str()) {
            errors.push(
                pred.span(),
                format!("steps[{i}].after"),
                format!("unknown step \"{name}\""),
                Some(format!("known steps: {}", known.join(", "))),
            );
        } else if after.contains(name) {
            errors.push(
                pred.span(),
                format!("steps[{i}].after[{j}]"),
                format!("step \"{name}\" is listed twice"),
                None,
            );
        } else {
            after.push(name.clone());
        }
    }
    let name = match &step.name {
        Some(n) => super::validate::names(n, &format!("steps[{i}].name"), errors),
        None => Names::same(step.id.get_ref()),
    };
    StepDef {
        id: step.id.get_ref().clone(),
        name,
        department: step.department.get_ref().clone(),
        role: step.role.get_ref().trim().to_owned(),
        actions,
        time_limit: time_limit.unwrap_or(1),
        after,
    }
}

/// Finds cycles (with Kahn's algorithm) and steps that no start step leads to.
fn check_graph(raw: &[S<RawStep>], steps: &[StepDef], errors: &mut Collector<'_>) {
    let index: BTreeMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut indegree: Vec<usize> = steps.iter().map(|s| s.after.len()).collect();
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate() {
        for pred in &s.after {
            if let Some(&p) = index.get(pred.as_str())
                && let Some(list) = successors.get_mut(p)
            {
                list.push(i);
            }
        }
    }
    let roots: Vec<usize> = (0..steps.len()).filter(|&i| indegree[i] == 0).collect();
    if roots.is_empty()
        && let Some(first) = raw.first()
    {
        errors.push(
            first.span(),
            "steps",
            "no step can start: every step waits for another",
            Some("give the first step an empty `after`".into()),
        );
    }
    let mut queue = roots;
    let mut done = BTreeSet::new();
    while let Some(i) = queue.pop() {
        done.insert(i);
        for &next in &successors[i] {
            indegree[next] -= 1;
            if indegree[next] == 0 {
                queue.push(next);
            }
        }
    }
    let stuck: Vec<usize> = (0..steps.len()).filter(|i| !done.contains(i)).collect();
    if stuck.is_empty() {
        return;
    }
    // Report each cycle once, from its first step, and the steps stuck behind it as
    // unreachable.
    let in_cycle: BTreeSet<usize> = stuck
        .iter()
        .copied()
        .filter(|&i| reaches(i, i, &successors))
        .collect();
    let mut reported = BTreeSet::new();
    for &i in &in_cycle {
        if reported.contains(&i) {
            continue;
        }
        let cycle = cycle_from(i, &successors, &in_cycle);
        reported.extend(cycle.iter().copied());
        let names: Vec<&str> = cycle
            .iter()
            .chain(cycle.first())
            .map(|&c| steps[c].id.as_str())
            .collect();
        errors.push(
            raw[i].get_ref().id.span(),
            format!("steps[{i}].after"),
            format!("the steps form a cycle: {}", names.join(" → ")),
            Some("remove one `after` entry so that the steps run in one direction".into()),
        );
    }
    for &i in stuck.iter().filter(|i| !in_cycle.contains(i)) {
        errors.push(
            raw[i].get_ref().id.span(),
            format!("steps[{i}]"),
            format!(
                "step \"{}\" can never open: it waits for a step in a cycle",
                steps[i].id
            ),
            None,
        );
    }
}

fn reaches(from: usize, target: usize, successors: &[Vec<usize>]) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = successors[from].clone();
    while let Some(i) = stack.pop() {
        if i == target {
            return true;
        }
        if seen.insert(i) {
            stack.extend(successors[i].iter().copied());
        }
    }
    false
}

/// A path of steps from `start` back to `start`, all within `members`.
fn cycle_from(start: usize, successors: &[Vec<usize>], members: &BTreeSet<usize>) -> Vec<usize> {
    let mut path = vec![start];
    let mut current = start;
    let mut visited = BTreeSet::from([start]);
    while let Some(&next) = successors[current]
        .iter()
        .find(|&&n| members.contains(&n) && (n == start || reaches(n, start, successors)))
    {
        if next == start || !visited.insert(next) {
            break;
        }
        path.push(next);
        current = next;
    }
    path
}

/// The promised limit must be reachable: the longest chain of step limits may not exceed it.
fn check_longest_path(
    raw: &S<Vec<S<RawStep>>>,
    steps: &[StepDef],
    promised: u32,
    errors: &mut Collector<'_>,
) {
    let index: BTreeMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut memo: Vec<Option<(u32, Vec<usize>)>> = vec![None; steps.len()];
    fn longest(
        i: usize,
        steps: &[StepDef],
        index: &BTreeMap<&str, usize>,
        memo: &mut Vec<Option<(u32, Vec<usize>)>>,
        depth: usize,
    ) -> (u32, Vec<usize>) {
        if let Some(Some(found)) = memo.get(i) {
            return found.clone();
        }
        // A cycle is reported elsewhere; the depth bound keeps this walk finite anyway.
        let mut best = (0, Vec::new());
        if depth <= steps.len() {
            for pred in &steps[i].after {
                if let Some(&p) = index.get(pred.as_str()) {
                    let candidate = longest(p, steps, index, memo, depth + 1);
                    if candidate.0 > best.0 {
                        best = candidate;
                    }
                }
            }
        }
        best.0 += steps[i].time_limit;
        best.1.push(i);
        memo[i] = Some(best.clone());
        best
    }
    let mut worst = (0, Vec::new());
    for i in 0..steps.len() {
        let candidate = longest(i, steps, &index, &mut memo, 0);
        if candidate.0 > worst.0 {
            worst = candidate;
        }
    }
    if worst.0 > promised {
        let names: Vec<&str> = worst.1.iter().map(|&i| steps[i].id.as_str()).collect();
        errors.push(
            raw.span(),
            "steps",
            format!(
                "the steps {} take {} working days, more than the promised {promised}",
                names.join(" → "),
                worst.0
            ),
            Some("shorten the steps' time_limit or raise time_limit.promised".into()),
        );
    }
}
