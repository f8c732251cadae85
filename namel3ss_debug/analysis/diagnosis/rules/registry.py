"""Every family's rules, in the order findings are judged. Apart from `rules/__init__.py` (what a rule is), which each
family imports: a module that imported the families there would import itself through them. The `limits` family is two
files, `turn_limits` and `limits`, listed in its old order (`turn_limit` first); the `loops` family is `loops` and
`progress` (`no_progress`, which reads the other two), the `tools` family `tools`, `unchanged` (`unchanged_after_error`,
which reads `tool_failing_repeatedly`) and `missing_tools` (`missing_tool`), the `swallowed` family `swallowed` and
`claims` (`success_claimed_after_failure`, an agent rule); `consent` is `unconfirmed_action`, `plans` is
`plan_step_skipped`.
"""

from __future__ import annotations

from typing import Iterable

from ..notes.steps import Step
from . import (AgentRule, RunRule, claims, consent, dominant, limits, loops, missing_tools, pacing, plans, progress,
               recording, savings, swallowed, tools, turn_limits, unchanged)

FAMILIES = (tools, unchanged, missing_tools, loops, progress, turn_limits, limits, pacing, savings, swallowed, claims,
            consent, plans, dominant, recording)


# What an agent's steps must hold for a rule to find anything in them: a failed step (a tool's failure, a retry
# after one, a claim while one was pending) or a tool call an LLM answer asked for. The collector judges an agent by
# the rules its steps can satisfy (`agent_rules(holds(steps))`): over a 50 MB trace_gen run's 4,199 agents (3,973
# with no failed step, none with an ask) the agent rules cost 121 ms CPU every one drawn, 107 ms without the failures'
# where none failed, 93 ms without the asks' too.
FAILED, ASKED = 1, 2
EVERYTHING = FAILED | ASKED
NEEDS: dict[AgentRule, int] = {
    tools.tool_failing_repeatedly: FAILED, pacing.retry_without_backoff: FAILED,
    unchanged.unchanged_after_error: FAILED, claims.success_claimed_after_failure: FAILED,
    tools.unknown_tool: ASKED, tools.bad_tool_arguments: ASKED, missing_tools.missing_tool: ASKED,
}


def holds(steps: Iterable[Step]) -> int:
    """What `steps` hold of what the rules need (`NEEDS`): FAILED and ASKED, as bits."""
    held = 0
    for step in steps:
        if step.status == "failed":
            held |= FAILED
        if step.asked:
            held |= ASKED
    return held


def agent_rules(held: int = EVERYTHING) -> list[AgentRule]:
    """The agent rules in their order, without those that need what an agent's steps do not hold (`holds`)."""
    return [rule for family in FAMILIES for rule in family.AGENT_RULES if not NEEDS.get(rule, 0) & ~held]


def run_rules() -> list[RunRule]:
    return [rule for family in FAMILIES for rule in family.RUN_RULES]
