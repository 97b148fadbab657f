#!/usr/bin/env bash
# The issue-5 benchmark in one run: govops-data's bench on the generated
# file, then the same 20 rules with Great Expectations on the same file, with
# the failing counts side by side and the speed ratio.
#
#   bash crates/data/bench/compare.sh [rows] [dir]      # from the repository root
#
# Needs: pip install great-expectations pandas python-stdnum
# Exits non-zero when any failing count differs.
set -euo pipefail
rows="${1:-1000000}"
dir="${2:-/tmp/dq}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$dir"
json="$dir/govops_bench_${rows}.json"
out="$(GOVOPS_BENCH_JSON="$json" cargo run --release -q -p govops-data --example bench_quality -- "$rows" "$dir")"
echo "$out"
seconds="$(echo "$out" | sed -n 's/^ingest + profile + [0-9]* rules: \([0-9.]*\)s,.*/\1/p')"
if [ -z "$seconds" ]; then
    echo "compare.sh: the bench printed no elapsed time; see its output above" >&2
    exit 2
fi
echo
python3 "$here/great_expectations_compare.py" "$dir/govops_bench_${rows}.csv" \
    --govops-json "$json" --govops-seconds "$seconds" 2>/dev/null
