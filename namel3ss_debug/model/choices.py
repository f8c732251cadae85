"""What the commands' options offer, defined here for the packages that own the meaning and for `cli/`.

A command declares its options (a choice list, a flag per rule, a default) when its module is imported,
which `--help` does for every command. The owners of these names (analysis, checks, diffing) take tens of
milliseconds to import; this module takes none, so `--help` loads none of them. Each owner imports its
name from here.
"""

from __future__ import annotations

# `analyze --section`: the report's sections, in the order every view shows them (analysis/records/report.py).
ANALYZE_SECTIONS = ("overview", "components", "operations", "slow", "llm", "tools", "errors", "patterns", "anomalies",
                    "integrity", "critical_path", "health", "findings")

# `check`'s rules, one a flag (checks/rules.py): key -> how its value reads: count, usd, duration, bool, specs,
# counted_specs, orders, findings (KIND[:SEVERITY], analysis/diagnosis/), or map:<target>:<value>
CHECK_VOCABULARY: dict[str, str] = {
    "max_errors": "count",
    "max_unhandled_errors": "count",
    "max_component_errors": "map:component:count",
    "max_category_errors": "map:category:count",
    "max_p95": "map:target:duration",
    "max_p99": "map:target:duration",
    "max_latency": "map:target:duration",
    "max_tokens": "count",
    "max_cost": "usd",
    "max_llm_calls": "count",
    "max_tool_calls": "count",
    "max_duration": "duration",
    "require": "counted_specs",
    "require_order": "orders",
    "forbid": "specs",
    "forbid_secrets": "bool",
    "clean_integrity": "bool",
    "fail_on_finding": "findings",
}

# The diagnosis's findings (analysis/records/findings.py): `diagnose --kind`, `check --fail-on-finding`.
# Severities lowest first: `--fail-on-finding KIND:SEVERITY` means that severity or worse.
FINDING_SEVERITIES = ("info", "warning", "critical")

# Every kind a finding can have, in the order the views list them (most often decisive first).
FINDING_KINDS = (
    "tool_failing_repeatedly",   # a tool fails the same way again and again while the model keeps asking for it
    "unknown_tool",              # the model asked for a tool the request did not offer
    "missing_tool",              # the model asked again and again for a tool the app does not have
    "bad_tool_arguments",        # arguments that do not parse as JSON or do not fit the tool's schema
    "unchanged_after_error",     # a failed tool call run again unchanged after the model saw the error, failing again
    "call_loop",                 # the same call with the same inputs again and again
    "handoff_loop",              # agents handing off back and forth with no progress
    "no_progress",               # answers that repeat earlier ones, nothing new learnt: the run stopped progressing
    "turn_limit",                # the run was ended by an iteration or turn limit
    "context_overflow",          # the run was ended by a context-window overflow
    "context_near_limit",        # the prompt approaches the model's window (the turn at which it overflows)
    "prompt_growth",             # prompt tokens grow turn over turn: history never trimmed; the cost of it
    "retry_without_backoff",     # a failed call retried at once, again and again
    "rate_limit_burst",          # rate-limit errors in a burst
    "parallelizable_calls",      # independent calls one after another that could run at once; time saved
    "cacheable_calls",           # identical calls with identical answers; time and cost saved by a cache
    "swallowed_error",           # a tool or LLM error, and the run still reports success
    "apology_after_failure",     # the final answer is a refusal or an apology after a failure
    "answer_gives_up",           # the final answer is a refusal or an apology, with no failure recorded before it
    "success_claimed_after_failure",  # a step claims success while a failed tool call before it was not redone
    "unconfirmed_action",        # an action asked for with no yes from the user, which the system prompt requires
    "plan_step_skipped",         # a step of the model's own plan, naming a tool, that no call carried out
    "dominant_cost",             # one call or one model is most of the run's cost
    "dominant_latency",          # one call is most of the run's time
    "slow_tool_on_critical_path",  # a tool that is a large share of the critical path
    "unrecorded_llm_calls",      # LLM requests sent through a client no hook records: missing from the trace
)

# analyze's health verdicts, best first (`analysis/health.py`); `stopped` (a rerun stopped the run before it could
# end) says nothing of how it would have gone, so a trend compares it with no other (`analysis/trend.py`)
HEALTH_VERDICTS = ("healthy", "degraded", "stopped", "failing")

# `diff --context`: calls shown before and after the first divergence, on each side (diffing/compare.py).
DIFF_CONTEXT = 3

# `runs`: the orders of its list, and what it does with reruns and forks (`ops/runs/query.py`)
SORTS = ("started", "duration", "cost", "tokens", "calls", "errors", "findings")
LINEAGES = ("show", "hide", "only")  # reruns and forks: listed (marked), left out, or alone
