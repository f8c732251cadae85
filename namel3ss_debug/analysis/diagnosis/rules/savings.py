"""Rules of the family `savings` (being written: see rules/__init__.py)."""

from __future__ import annotations

from . import AgentRule, RunRule

AGENT_RULES: list[AgentRule] = []
RUN_RULES: list[RunRule] = []
