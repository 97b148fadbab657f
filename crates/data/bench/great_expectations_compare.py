#!/usr/bin/env python3
"""Run the benchmark's 20 rules (bench/rules.toml) with Great Expectations on
the CSV written by `examples/bench_quality.rs`, and print the failing count
per rule and the elapsed time, so the counts can be compared with govops-data
and the speed ratio computed.

    pip install great-expectations pandas python-stdnum
    python3 great_expectations_compare.py /tmp/dq/govops_bench_1000000.csv 2>/dev/null

`compare.sh` runs govops-data's bench and then this script on the same file,
passing `--govops-json` (the bench's `GOVOPS_BENCH_JSON` output) and
`--govops-seconds` (its elapsed time): the counts are then printed side by
side with a verdict, and the speed ratio is computed.

(stderr carries GE's progress bars.) Last run with great-expectations 1.24.1,
pandas 3.1.1 and python-stdnum 2.2.

Great Expectations has no resident-ID or credit-code checksum expectation;
those two rules validate a column computed with python-stdnum (the library
govops-ids is cross-checked against), so the count is GE's but the check is
stdnum's. `register_range` runs on the dates parsed with pandas (GE's range
check refuses a text column against text bounds under pandas 3), so a date
that does not parse would count as failing, as in govops-data, where the
column is read as Date32. GE's uniqueness expectation counts every member of a duplicate
group, while govops-data counts rows after the first of each key; both
numbers are printed.
"""
import argparse
import datetime
import json
import time

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from stdnum.cn import ric, uscc

DISTRICTS = ["110101", "110102", "110105", "110106", "110107", "110108"]


def main(path, govops_json=None, govops_seconds=None):
    t0 = time.perf_counter()
    text_cols = ["resident_id", "credit_code", "name", "phone", "email", "birth_date",
                 "register_date", "status", "district", "address"]
    df = pd.read_csv(path, dtype={c: str for c in text_cols} | {"age": "Int64", "income": float},
                     keep_default_na=False, na_values=[""])
    df["resident_id_valid"] = df["resident_id"].map(lambda v: None if pd.isna(v) else ric.is_valid(v))
    df["credit_code_valid"] = df["credit_code"].map(lambda v: None if pd.isna(v) else uscc.is_valid(v))
    df["register_day"] = pd.to_datetime(df["register_date"], format="%Y-%m-%d", errors="coerce")
    t_read = time.perf_counter()

    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("bench").add_dataframe_asset("table")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": df})

    rules = [
        ("rows", gxe.ExpectTableRowCountToBeBetween(min_value=1)),
        ("id_missing", gxe.ExpectColumnValuesToNotBeNull(column="resident_id")),
        ("id_checksum", gxe.ExpectColumnValuesToBeInSet(column="resident_id_valid", value_set=[True])),
        ("id_unique", gxe.ExpectColumnValuesToBeUnique(column="resident_id")),
        ("credit_missing", gxe.ExpectColumnValuesToNotBeNull(column="credit_code")),
        ("credit_checksum", gxe.ExpectColumnValuesToBeInSet(column="credit_code_valid", value_set=[True])),
        ("credit_length", gxe.ExpectColumnValueLengthsToBeBetween(column="credit_code", min_value=18, max_value=18)),
        ("name_missing", gxe.ExpectColumnValuesToNotBeNull(column="name")),
        ("phone_missing", gxe.ExpectColumnValuesToNotBeNull(column="phone")),
        ("phone_shape", gxe.ExpectColumnValuesToMatchRegex(column="phone", regex=r"^1[3-9]\d{9}$")),
        ("email_shape", gxe.ExpectColumnValuesToMatchRegex(column="email", regex=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")),
        ("birth_iso", gxe.ExpectColumnValuesToMatchRegex(column="birth_date", regex=r"^\d{4}-\d{2}-\d{2}$")),
        ("register_range", gxe.ExpectColumnValuesToBeBetween(column="register_day",
                                                             min_value=datetime.datetime(2000, 1, 1),
                                                             max_value=datetime.datetime(2030, 12, 31))),
        # monthly frequency = 31 days + 1 day of grace before now (2024-07-01)
        ("register_fresh", gxe.ExpectColumnMaxToBeBetween(column="register_date", min_value="2024-05-30")),
        ("age_range", gxe.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=130)),
        ("status_values", gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["active", "closed", "suspended"])),
        ("district_reference", gxe.ExpectColumnValuesToBeInSet(column="district", value_set=DISTRICTS)),
        ("income_range", gxe.ExpectColumnValuesToBeBetween(column="income", min_value=0)),
        ("address_missing", gxe.ExpectColumnValuesToNotBeNull(column="address")),
        ("schema", gxe.ExpectTableColumnsToMatchSet(column_set=["resident_id", "credit_code", "phone", "age", "income"],
                                                    exact_match=False)),
    ]
    print(f"great-expectations {gx.__version__}, pandas {pd.__version__}, rows {len(df)}")
    # A date that did not parse is null in register_day; govops-data could
    # not have read such a file with register_date as Date32 at all.
    print(f"  unparsable register dates: {int(df['register_day'].isna().sum() - df['register_date'].isna().sum())}")
    counts = {}
    for rule_id, expectation in rules:
        r = batch.validate(expectation, result_format="SUMMARY")
        failed = r.result.get("unexpected_count")
        if failed is None:
            errors = [e.get("exception_message") for e in (r.exception_info or {}).values()
                      if isinstance(e, dict) and e.get("raised_exception")]
            if errors:
                print(f"  {rule_id:<24} error: {errors[0]}")
                counts[rule_id] = None
                continue
            failed = 0 if r.success else 1
        extra = ""
        if rule_id == "id_unique":
            after_first = int(df['resident_id'].dropna().duplicated().sum())
            extra = f"  (rows after the first of each key: {after_first})"
            # govops-data counts the rows after the first of each key.
            failed = after_first
        counts[rule_id] = failed
        print(f"  {rule_id:<24} {failed:>10}{extra}")
    t_end = time.perf_counter()
    total = t_end - t0
    print(f"read + stdnum columns: {t_read - t0:.1f}s, GE validation: {t_end - t_read:.1f}s, total {total:.1f}s, "
          f"{len(df) / total / 1e6:.3f}M rows/s")
    if govops_json is None:
        return 0
    return compare(counts, govops_json, govops_seconds, total)


def compare(counts, govops_json, govops_seconds, ge_seconds):
    """Prints govops-data's and GE's failing counts side by side; returns 1
    when any differs (or a rule is missing on either side), else 0."""
    with open(govops_json, encoding="utf-8") as f:
        report = json.load(f)["report"]
    ours = {r["id"]: r["failed"] for r in report["rules"]}
    print(f"{'rule':<24} {'govops-data':>12} {'GE':>12}")
    differ = 0
    for rule_id in sorted(set(ours) | set(counts), key=lambda r: list(counts).index(r) if r in counts else 99):
        a, b = ours.get(rule_id), counts.get(rule_id)
        same = a is not None and a == b
        differ += not same
        print(f"{rule_id:<24} {str(a):>12} {str(b):>12}  {'identical' if same else 'DIFFERENT'}")
    if differ:
        print(f"{differ} of {len(set(ours) | set(counts))} failing counts differ")
    else:
        print(f"all {len(ours)} failing counts identical")
    if govops_seconds:
        print(f"govops-data {govops_seconds:.2f}s, Great Expectations {ge_seconds:.1f}s: "
              f"{ge_seconds / govops_seconds:.0f}x")
    return 1 if differ else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="the bench CSV (govops_bench_<rows>.csv)")
    parser.add_argument("--govops-json", help="govops-data's GOVOPS_BENCH_JSON output for the same file")
    parser.add_argument("--govops-seconds", type=float, help="govops-data's elapsed time on the same file")
    args = parser.parse_args()
    raise SystemExit(main(args.csv, args.govops_json, args.govops_seconds))
