"""The words in which an app or a framework answers a model that asked for a tool it does not have, shared by
`missing_tools` (`missing_tool`) and `tools` (`tool_failing_repeatedly` steps aside for such failures). Not a
family (it exports no rules).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..notes.steps import Step

# the words naming `{name}` missing, each a framework's (or an app loop's) as the installed version writes it
MISSING = (
    r"{name}\W{{0,3}}\s+is not a valid tool",  # LangGraph ToolNode
    r"unknown tool(?: name)?:?\s*\W?{name}\b",  # pydantic-ai, smolagents, Strands
    r"\btool\W{{0,3}}{name}\W{{0,3}}\s*(?:is )?not found",  # openai-agents, LlamaIndex, Haystack, ADK, AutoGen
    r"\btool not found:?\s*\W?{name}\b",  # AutoGen's ToolAgent
    r"\baction\W{{0,3}}{name}\W{{0,3}}\s*(?:don't|doesn't|does not) exist",  # CrewAI
    r"\bno (?:such )?(?:tool|function)(?: named| called)?:?\s*\W?{name}\b",  # an app's own loop
)
NAMELESS = re.compile(r"\bthe requested tool does not exist", re.IGNORECASE)  # Agno: names no tool


def says_missing(step: Step, name: str) -> bool:
    """Whether a tool step's result or error says the tool `name` does not exist."""
    words = " ".join(text for text in (step.error_message, step.result) if text)
    if not words or not name:
        return False
    return bool(NAMELESS.search(words)) or pattern(name).search(words) is not None


@lru_cache(maxsize=256)
def pattern(name: str) -> re.Pattern[str]:
    """The words of `MISSING` naming the tool `name` (compiled once a name)."""
    return re.compile("|".join(form.format(name=re.escape(name)) for form in MISSING), re.IGNORECASE)
