"""The speakers of a conversation recorded at the wire only, in a run's span table: an LLM call in no agent turn is
the agent whose `name` its words are sent under (`diagnosis/collector/speakers.py`: its own earlier messages, or its
answer said again to the others), and so are the rows below it. The report's and `view`'s agent column and filter then
name it, as the diagnosis does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Optional

from .diagnosis.notes.messages import request_of
from .diagnosis.notes.payloads import answer_in
from .diagnosis.collector.speakers import Speakers

if TYPE_CHECKING:
    from .span_table import SpanRow


class _Call:
    """An LLM row's speaker, once known."""

    __slots__ = ("turn",)

    def __init__(self) -> None:
        self.turn: Optional[str] = None


def spoken(rows: list[SpanRow], in_turn: list[bool]) -> list[SpanRow]:
    """`rows` (in tree order, sized) with each LLM call that ran in no agent turn (`in_turn` false) and whose
    speaker its messages name, and the rows below it, under that speaker as their agent."""
    speakers: Speakers[_Call] = Speakers(lambda call: None)
    calls: dict[int, _Call] = {}
    for index, row in enumerate(rows):
        node = row.node
        if in_turn[index] or node.component != "llm" or node.kind != "span" or node.start is None:
            continue
        call = calls[index] = _Call()
        speakers.request(call, request_of(node.start.get("inputs")))
        if node.end is not None:
            speakers.answered(call, answer_in(node.end.get("outputs")).text)
    named = [(index, call.turn) for index, call in calls.items() if call.turn is not None]
    if not named:
        return rows
    agents = [row.agent for row in rows]
    for index, name in named:
        agents[index:index + rows[index].size + 1] = [name] * (rows[index].size + 1)
    return [row if row.agent == agent else replace(row, agent=agent) for row, agent in zip(rows, agents)]

