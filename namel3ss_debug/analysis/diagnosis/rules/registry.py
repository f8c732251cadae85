"""Every family's rules, in the order findings are judged. Apart from `rules/__init__.py` (what a rule is), which
each family imports: a module that imported the families there would import itself through them.
"""

from __future__ import annotations

from . import AgentRule, RunRule, dominant, limits, loops, pacing, recording, savings, swallowed, tools

FAMILIES = (tools, loops, limits, pacing, savings, swallowed, dominant, recording)


def agent_rules() -> list[AgentRule]:
    return [rule for family in FAMILIES for rule in family.AGENT_RULES]


def run_rules() -> list[RunRule]:
    return [rule for family in FAMILIES for rule in family.RUN_RULES]
