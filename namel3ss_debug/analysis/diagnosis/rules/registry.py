"""Every family's rules, in the order findings are judged. Apart from `rules/__init__.py` (what a rule is), which each
family imports: a module that imported the families there would import itself through them. The `limits` family is two
files, `turn_limits` and `limits`, listed in its old order (`turn_limit` first); the `loops` family is `loops` and
`progress` (`no_progress`, which reads the other two), the `tools` family `tools`, `unchanged` (`unchanged_after_error`,
which reads `tool_failing_repeatedly`) and `missing_tools` (`missing_tool`), the `swallowed` family `swallowed` and
`claims` (`success_claimed_after_failure`, an agent rule); `consent` is `unconfirmed_action`, `plans` is
`plan_step_skipped`.
"""

from __future__ import annotations

from . import (AgentRule, RunRule, claims, consent, dominant, limits, loops, missing_tools, pacing, plans, progress,
               recording, savings, swallowed, tools, turn_limits, unchanged)

FAMILIES = (tools, unchanged, missing_tools, loops, progress, turn_limits, limits, pacing, savings, swallowed, claims,
            consent, plans, dominant, recording)


# The agent rules that read a failed step (a tool's failure, a retry after one, a claim while one was pending) and
# find nothing in an agent whose steps hold none: most agents, so `agent_rules(failed=False)` leaves them out (a
# 50 MB trace_gen run: 3,973 of its 4,199 agents; the agent rules' time 129-130 ms -> 115-120 ms)
AFTER_FAILURE = frozenset({tools.tool_failing_repeatedly, pacing.retry_without_backoff, unchanged.unchanged_after_error,
                           claims.success_claimed_after_failure})


def agent_rules(failed: bool = True) -> list[AgentRule]:
    """The agent rules in their order; without those that need a failed step when the agent has none (`failed`)."""
    return [rule for family in FAMILIES for rule in family.AGENT_RULES if failed or rule not in AFTER_FAILURE]


def run_rules() -> list[RunRule]:
    return [rule for family in FAMILIES for rule in family.RUN_RULES]
