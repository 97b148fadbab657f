#!/usr/bin/env python3
"""Peer benchmark for govops issue 3: the food business licence flow in SpiffWorkflow.

Runs N cases of flow.bpmn (submit -> accept -> health || fire -> decide -> end) in one
process, one case after another. After every step the whole workflow is serialized to JSON
with SpiffWorkflow's own serializer and written to a SQLite database (one row per case,
WAL, synchronous=FULL, one commit per step), so each step is durable before the next one
starts -- the same durability govops gives each step on SQLite.

Prints one JSON line. See README.md in this folder for what is and is not comparable.

Usage: python3 bench/spiff/run.py [N] [--no-persist] [--reload] [--group K] [--db PATH] [--keep-db]
"""

import argparse
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from importlib.metadata import version as pkg_version

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState

HERE = os.path.dirname(os.path.abspath(__file__))
PROCESS_ID = "food_business_licence"

# The applicant's form, with the fields of services/amr/food-business-licence.toml.
FORM = {
    "enterprise_name": "示例餐饮管理有限公司",
    "credit_code": "91110105MA01ABCD2X",
    "legal_rep_name": "张三",
    "address": "北京市朝阳区示例路1号",
    "business_form": "餐饮服务经营者",
    "scope": "热食类食品制售",
    "area": 120,
    "food_safety_manager": "李四",
    "contact_phone": "13800138000",
}

# Who approves each user task (department, role), as in the service definition.
APPROVERS = {
    "accept": ("amr", "official"),
    "health": ("nhc", "official"),
    "fire": ("fire", "official"),
    "decide": ("amr", "department_head"),
}


class FlowError(Exception):
    """The workflow did not move the way flow.bpmn says it should."""


def load_spec(path):
    parser = BpmnParser(validator=BpmnValidator())
    parser.add_bpmn_file(path)
    return parser.get_spec(PROCESS_ID)


def open_db(path):
    conn = sqlite3.connect(path, isolation_level=None)
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise SystemExit(f"error: could not put {path} in WAL mode (got {mode!r})")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS cases ("
        " id INTEGER PRIMARY KEY,"
        " step TEXT NOT NULL,"
        " completed INTEGER NOT NULL,"
        " state TEXT NOT NULL)"
    )
    return conn


def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return sorted_values[int(rank) - 1]


def ready_user_task(wf, bpmn_id):
    for task in wf.get_tasks(state=TaskState.READY, manual=True):
        if task.task_spec.bpmn_id == bpmn_id:
            return task
    ready = [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY, manual=True)]
    raise FlowError(f"expected user task {bpmn_id!r} to be ready, ready are {ready}")


def run(args):
    spec = load_spec(args.bpmn)
    serializer = BpmnWorkflowSerializer()
    persist = not args.no_persist

    tmpdir = None
    conn = None
    db_path = None
    if persist:
        if args.db:
            db_path = args.db
        else:
            tmpdir = tempfile.mkdtemp(prefix="govops-spiff-bench-")
            db_path = os.path.join(tmpdir, "spiff.sqlite")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                os.remove(db_path + suffix)
        conn = open_db(db_path)

    latencies_ns = []
    state_bytes = 0
    writes = 0
    completed_in_memory = 0

    def save(case_id, step, wf, first):
        nonlocal state_bytes, writes
        state = serializer.serialize_json(wf)
        done = 1 if wf.is_completed() else 0
        if first:
            conn.execute(
                "INSERT INTO cases (id, step, completed, state) VALUES (?, ?, ?, ?)",
                (case_id, step, done, state),
            )
        else:
            cur = conn.execute(
                "UPDATE cases SET step = ?, completed = ?, state = ? WHERE id = ?",
                (step, done, state, case_id),
            )
            if cur.rowcount != 1:
                raise FlowError(f"case {case_id}: no row to update at step {step!r}")
        state_bytes += len(state)
        writes += 1

    def load(case_id):
        row = conn.execute("SELECT state FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            raise FlowError(f"case {case_id}: no stored state")
        return serializer.deserialize_json(row[0])

    def order_of(case_id):
        # The two parallel inspections complete in either order: alternate per case.
        if case_id % 2 == 0:
            return ("submit", "accept", "fire", "health", "decide")
        return ("submit", "accept", "health", "fire", "decide")

    def do_step(case_id, step, wf):
        """One step of one case; returns the workflow (new for submit or after a reload)."""
        if step == "submit":
            # Create the workflow, put the form on it, run to the first user task.
            wf = BpmnWorkflow(spec)
            start = wf.get_next_task(state=TaskState.READY)
            if start is None:
                raise FlowError(f"case {case_id}: new workflow has no ready start task")
            start.data.update(FORM)
            start.data["case_id"] = case_id
            wf.do_engine_steps()
        else:
            # One department approval; after "decide" the engine reaches the end event.
            if persist and args.reload:
                wf = load(case_id)
            task = ready_user_task(wf, step)
            department, role = APPROVERS[step]
            task.data[step] = {
                "action": "approve",
                "department": department,
                "role": role,
                "by": f"{department}-{role}-1",
                "comment": "符合要求",
            }
            task.run()
            wf.do_engine_steps()
        if persist:
            save(case_id, step, wf, first=(step == "submit"))
        return wf

    # Cases run in waves of `group` (1 by default: one case after another). In a wave, every
    # case takes its next step, and with persistence all those steps are committed in one
    # transaction (group commit); a step counts as done only when that commit returns, so
    # its latency is measured from the start of the round to the commit.
    started = time.perf_counter()
    first_id = 1
    while first_id <= args.cases:
        ids = range(first_id, min(first_id + args.group, args.cases + 1))
        first_id += args.group
        wfs = {case_id: None for case_id in ids}
        for step_no in range(5):
            t0 = time.perf_counter_ns()
            if persist:
                conn.execute("BEGIN")
            for case_id in ids:
                wfs[case_id] = do_step(case_id, order_of(case_id)[step_no], wfs[case_id])
                if not persist:
                    latencies_ns.append(time.perf_counter_ns() - t0)
                    t0 = time.perf_counter_ns()
            if persist:
                conn.execute("COMMIT")
                latencies_ns.extend([time.perf_counter_ns() - t0] * len(ids))
        for case_id in ids:
            if not wfs[case_id].is_completed():
                raise FlowError(f"case {case_id}: not completed after its last step")
            completed_in_memory += 1
    seconds = time.perf_counter() - started

    # Check what was stored (outside the timed part): every case is there, completed,
    # and its JSON restores to a completed workflow with all four approvals recorded.
    if persist:
        stored = conn.execute("SELECT COUNT(*) FROM cases WHERE completed = 1").fetchone()[0]
        if stored != args.cases:
            raise FlowError(f"{stored} completed rows stored, expected {args.cases}")
        for (state,) in conn.execute("SELECT state FROM cases ORDER BY id"):
            restored = serializer.deserialize_json(state)
            if not restored.is_completed():
                raise FlowError("a stored case does not restore as completed")
            end = restored.get_next_task(state=TaskState.COMPLETED, spec_name="licence_granted")
            if end is None or any(step not in end.data for step in APPROVERS):
                raise FlowError("a stored case lacks an approval in its end task data")
            if end.data.get("credit_code") != FORM["credit_code"]:
                raise FlowError("a stored case lost its form data")
        conn.close()
    if completed_in_memory != args.cases:
        raise FlowError(f"{completed_in_memory} cases completed, expected {args.cases}")

    latencies_ns.sort()
    steps_per_case = len(latencies_ns) / args.cases
    result = {
        "engine": "spiffworkflow",
        "version": pkg_version("SpiffWorkflow"),
        "cases": args.cases,
        "seconds": round(seconds, 3),
        "cases_per_s": round(args.cases / seconds, 1),
        "steps_per_case": steps_per_case,
        "p50_ms": round(percentile(latencies_ns, 50) / 1e6, 3),
        "p99_ms": round(percentile(latencies_ns, 99) / 1e6, 3),
        "persist": persist,
        "reload": bool(persist and args.reload),
        "group": args.group,
        "state_json_bytes_avg": round(state_bytes / writes) if writes else None,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    if tmpdir and not args.keep_db:
        shutil.rmtree(tmpdir, ignore_errors=True)
    elif db_path:
        result["db"] = db_path
    print(json.dumps(result, ensure_ascii=False))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="?", type=int, default=2000, help="number of cases (default 2000)")
    ap.add_argument(
        "--no-persist",
        action="store_true",
        help="skip serialization and SQLite: the engine-only rate",
    )
    ap.add_argument(
        "--reload",
        action="store_true",
        help="before each step, read the case's JSON back from SQLite and deserialize it "
        "(how a stateless server would work); default keeps the workflow object in memory",
    )
    ap.add_argument(
        "--group",
        type=int,
        default=1,
        help="cases in flight at once; their steps of one round share one commit "
        "(group commit, as govops' store writer does); default 1: a commit per step",
    )
    ap.add_argument("--db", help="SQLite file to use (replaced); default: a new temporary file")
    ap.add_argument("--keep-db", action="store_true", help="keep the temporary database and print its path")
    ap.add_argument("--bpmn", default=os.path.join(HERE, "flow.bpmn"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cases < 1:
        ap.error(f"the number of cases must be at least 1, got {args.cases}")
    if args.group < 1:
        ap.error(f"--group must be at least 1, got {args.group}")
    if args.reload and args.no_persist:
        ap.error("--reload needs persistence; drop --no-persist")
    try:
        run(args)
    except FlowError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
