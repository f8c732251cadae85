"""What the commands' options offer, defined here for the packages that own the meaning and for `cli/`.

A command declares its options (a choice list, a flag per rule, a default) when its module is imported,
which `--help` does for every command. The owners of these names (analysis, checks, diffing) take tens of
milliseconds to import; this module takes none, so `--help` loads none of them. Each owner imports its
name from here.
"""

from __future__ import annotations

# `analyze --section`: the report's sections, in the order every view shows them (analysis/report.py).
ANALYZE_SECTIONS = ("overview", "components", "operations", "slow", "llm", "tools", "errors", "patterns", "anomalies",
                    "integrity", "critical_path", "health")

# `check`'s rules, one a flag (checks/rules.py): key -> how its value reads: count, usd, duration, bool, specs,
# counted_specs, orders, or map:<target>:<value>
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
}

# `diff --context`: calls shown before and after the first divergence, on each side (diffing/compare.py).
DIFF_CONTEXT = 3
