"""What both converters of the blame corpus share (`blame_corpus_convert.py`, `blame_corpus_team.py`): a run's label,
and a tool call the data marks as not successful, made to end failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ToolFailed(Exception):
    """A tool call the dataset marks as not successful, raised inside its span so that the span ends failed."""


@dataclass(frozen=True)
class Label:
    """Who and where, as people labelled a failed run."""

    dataset: str
    source: str  # the record in the snapshot: `hotpotqa.jsonl#17`
    agent: str
    turn: int  # the decisive step's `agent_turn`, counted from 0 in the order the turns started
    address: str  # the same turn's call address: `agent:assistant#2`


def answered(text: Any, status: Any) -> Any:
    """What the tool gave back; a call the dataset marks as not successful raises, so that its span ends failed."""
    if status not in ("success", None):
        raise ToolFailed(str(text or status))
    return text
