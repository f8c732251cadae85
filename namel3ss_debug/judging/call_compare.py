"""Two runs' LLM and tool calls side by side, call by call: the same answer, a reworded one, or a different one.

Calls are paired by place, as the rerun report pairs events (`compare.py`): a call of the new run that the rerun
answered from, or ran in place of, a recorded call (`attrs.replay_of` on its end) takes that call's place; any other
takes the place of the recorded call at its path (`component:name#N` under its parent's path, numbered in both runs
by one `PathTable`), else of the recorded call with its key (`component:name#N` across the run: a changed tool set
renames the agent that a conversation on the wire is, and so every path under it).
Each pair is judged by what its answers say (`said.py`):

- `same`: the same words (status, error, text, data, the tools asked for and their arguments);
- `reworded`: what they mean is the same (`said.meant`: text folded, JSON read, tool calls unordered);
- `different`: they mean something else; `what` says where: the status, the tools, the JSON, the text.

A call only one run made is `only_recorded` or `only_new`. The first real divergence is where the two runs first
part when each call is read by what it means, by the one rule `diff` and the rerun report use
(`model/divergence.py`): rewording is no divergence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..model.divergence import ByKey, first_parting
from ..recording.timeline import Timeline
from ..recording.call_paths import PathTable
from ..rerun.candidates import input_difference
from ..recording.calls import RecordedCall, Recording
from .said import Said, exact, folded_value, meant, said_by

COMPARED = ("llm", "tool")
HOW = ("same", "reworded", "different", "only_recorded", "only_new")


@dataclass(frozen=True)
class CallChange:
    """One call of either run: its key (the recorded call's, else the new run's), how it compares, both answers
    (None where that run has no such call) and what differs (empty when nothing does)."""

    key: str
    how: str
    recorded: Said | None
    new: Said | None
    what: str = ""


@dataclass(frozen=True)
class CallComparison:
    """Every compared call, the recorded run's in its order and then those only the new run made, and the first
    real divergence (None: none)."""

    calls: tuple[CallChange, ...]
    first: CallChange | None

    def count(self, how: str) -> int:
        return sum(1 for call in self.calls if call.how == how)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(call.how for call in self.calls)
        return {how: found.get(how, 0) for how in HOW}


@dataclass
class _Side:
    recording: Recording
    calls: dict[int, RecordedCall]  # place (the recorded call's path; a call with no twin: -1 - its start) -> call
    items: ByKey[int]
    said: dict[int, Said]


def compare_calls(old: Timeline, new: Timeline, table: PathTable | None = None) -> CallComparison:
    """The calls of `old` (the recording) and `new` (its rerun) compared, pair by pair."""
    table = table or PathTable()
    recorded = _Side(Recording(old, table), {}, ByKey(), {})
    for call in _compared(recorded.recording):
        _add(recorded, call.path, call)
    _pair_rerun(recorded, rerun := _Side(Recording(new, table), {}, ByKey(), {}))
    places = [*recorded.calls, *(place for place in rerun.calls if place not in recorded.calls)]
    changes = {place: _change(recorded, rerun, place) for place in places}
    parting = first_parting(recorded.items, rerun.items)
    first = None
    if parting is not None:
        at = parting.old if parting.old is not None else parting.new
        first = changes[at[0]] if at is not None else None
    return CallComparison(tuple(changes.values()), first)


def _compared(recording: Recording) -> list[RecordedCall]:
    return [call for call in recording.calls if call.component in COMPARED]


def _pair_rerun(recorded: _Side, rerun: _Side) -> None:
    """Give each of the rerun's calls the place of its recorded twin: the call it was answered from or ran in
    place of (`attrs.replay_of`), else the recorded call at its path, else (a changed tool set renames the agent
    a conversation on the wire is, and with it the path) the recorded call of its key, `component:name#N`;
    a call with none of them, or whose twin is taken, has a place of its own."""
    by_key = {recorded.recording.timeline.key(call.start): place for place, call in recorded.calls.items()}
    calls = _compared(rerun.recording)
    twins = _Twins()
    for number, call in enumerate(calls):
        attrs = (rerun.recording.result(call) or {}).get("attrs")
        twin = attrs.get("replay_of") if isinstance(attrs, dict) else None
        twins.take(number, by_key.get(twin) if isinstance(twin, str)
              else call.path if call.path in recorded.calls else None)
    for number, call in enumerate(calls):
        if number not in twins:
            twins.take(number, by_key.get(rerun.recording.timeline.key(call.start)))
    for number, call in enumerate(calls):
        _add(rerun, twins.get(number, -1 - call.start), call)


class _Twins(dict[int, int]):
    """A rerun's call (by its number) -> the place of its recorded twin, each place given once."""

    def __init__(self) -> None:
        super().__init__()
        self.taken: set[int] = set()

    def take(self, number: int, place: int | None) -> None:
        if place is not None and place not in self.taken:
            self[number] = place
            self.taken.add(place)


def _add(side: _Side, place: int, call: RecordedCall) -> None:
    said = said_by(side.recording.result(call))
    side.calls[place] = call
    side.said[place] = said
    side.items.add(place, len(side.items.order), meant(said))


def _change(recorded: _Side, rerun: _Side, place: int) -> CallChange:
    old, new = recorded.said.get(place), rerun.said.get(place)
    side = recorded if place in recorded.calls else rerun
    key = side.recording.timeline.key(side.calls[place].start)
    if old is None:
        return CallChange(key, "only_new", None, new, f"only the new run made {key}")
    if new is None:
        return CallChange(key, "only_recorded", old, None, f"the new run did not make {key}")
    if exact(old) == exact(new):
        return CallChange(key, "same", old, new)
    if meant(old) == meant(new):
        return CallChange(key, "reworded", old, new, f"{key}: reworded")
    return CallChange(key, "different", old, new, f"{key}: {difference(old, new)}")


def difference(old: Said, new: Said) -> str:
    """Where two answers differ in meaning, first the status, then the tools asked for, then the data, then the
    text: `asked for get_weather({"city":"Lisbon"}), recorded get_weather({"city":"Paris"})`."""
    if (old.status, old.error_type) != (new.status, new.error_type):
        return f"recorded {old.shown()}, new {new.shown()}"
    if old.tools != new.tools:
        return f"asked for {_tools(new)}, recorded {_tools(old)}"
    if meant(old)[3] != meant(new)[3]:
        return input_difference(folded_value(old.data), folded_value(new.data), words=("recorded", "new"))
    return input_difference(old.text, new.text, words=("recorded", "new"))


def _tools(said: Said) -> str:
    return ", ".join(f"{name}({arguments})" for name, arguments in said.tools) or "no tool"
