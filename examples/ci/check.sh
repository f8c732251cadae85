#!/usr/bin/env bash
# Trace the example agent, gate the run on examples/ci/rules.json, and compare it with the committed
# baseline (BASELINE, default examples/ci/baseline). Run from the repository root; OUT (default ci-out)
# receives the trace, check.xml and diff.md.
# Exit status: 0 when every rule passes and no --fail-on threshold is crossed, else the first failure's.
set -uo pipefail
OUT="${OUT:-ci-out}"
FORMAT="${FORMAT:-table}"   # github in GitHub Actions: failed rules become annotations
BASELINE="${BASELINE:-examples/ci/baseline}"
mkdir -p "$OUT"
namel3ss-debug trace -q -o "$OUT/traces" examples/research_agent.py || exit $?
status=0
namel3ss-debug check "$OUT/traces" --rules examples/ci/rules.json --junit "$OUT/check.xml" --format "$FORMAT" \
    || status=$?
namel3ss-debug diff "$BASELINE" "$OUT/traces" --fail-on 'p95(llm)>+100ms' --fail-on 'tool_calls>+2' \
    --fail-on 'errors>+0' --format markdown > "$OUT/diff.md"
diff_status=$?
[ "$status" -ne 0 ] || status=$diff_status
cat "$OUT/diff.md"
exit "$status"
