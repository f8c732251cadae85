"""Two runs' LLM and tool calls side by side, call by call: the same answer, a reworded one, or a different one.

Calls are paired by place, as the rerun report pairs events (`compare.py`): a call of the new run that the rerun
answered from, or ran in place of, a recorded call (`attrs.replay_of` on its end) takes that call's place; any other
is at its own path (`component:name#N` under its parent's path, numbered in both runs by one `PathTable`).
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
from ..replay.timeline import Timeline
from .call_paths import PathTable
from .candidates import input_difference
from .recording import RecordedCall, Recording
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
    calls: dict[int, RecordedCall]  # path -> call
    items: ByKey[int]
    said: dict[int, Said]


def compare_calls(old: Timeline, new: Timeline, table: PathTable | None = None) -> CallComparison:
    """The calls of `old` (the recording) and `new` (its rerun) compared, pair by pair."""
    table = table or PathTable()
    recorded = _side(Recording(old, table))
    by_key = {old.key(call.start): path for path, call in recorded.calls.items()}
    rerun = _side(Recording(new, table), by_key)
    paths = [*recorded.calls, *(path for path in rerun.calls if path not in recorded.calls)]
    changes = {path: _change(recorded, rerun, path) for path in paths}
    parting = first_parting(recorded.items, rerun.items)
    first = None
    if parting is not None:
        at = parting.old if parting.old is not None else parting.new
        first = changes[at[0]] if at is not None else None
    return CallComparison(tuple(changes.values()), first)


def _side(recording: Recording, recorded_paths: dict[str, int] | None = None) -> _Side:
    """One run's LLM and tool calls by place; a rerun's call answered from (or run in place of) a recorded call
    at that call's path."""
    side = _Side(recording, {}, ByKey(), {})
    for position, call in enumerate(c for c in recording.calls if c.component in COMPARED):
        end = recording.result(call)
        path = call.path
        if recorded_paths is not None and end is not None:
            attrs = end.get("attrs")
            twin = attrs.get("replay_of") if isinstance(attrs, dict) else None
            path = recorded_paths.get(twin, path) if isinstance(twin, str) else path
        said = said_by(end)
        side.calls[path] = call
        side.said[path] = said
        side.items.add(path, position, meant(said))
    return side


def _change(recorded: _Side, rerun: _Side, path: int) -> CallChange:
    old, new = recorded.said.get(path), rerun.said.get(path)
    side = recorded if path in recorded.calls else rerun
    key = side.recording.timeline.key(side.calls[path].start)
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
