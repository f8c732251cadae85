"""The tools that ran again in a rerun, each beside its recorded twin: what it returned then and now.

A tool whose body runs again (one no hook of ours holds, seen on the wire or through OpenTelemetry, or
any tool under `--live-tools`) is judged by what it returned. Its end in the new run says so
(`attrs.replay: "reran"`) and names the recorded call it was matched to (`attrs.replay_of`,
`tool:search#2`); its result is set beside that call's: status, outputs, error type and message.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.rerun_protocol import RERAN
from ..model.json_types import JsonObject
from ..recording.timeline import END, Timeline
from ..recording.calls import Recording


@dataclass(frozen=True)
class RanAgain:
    """One tool call that ran again: the recorded call's key, whether it returned the same, and both
    results (`status`, `outputs`, `error` {type, message})."""

    key: str
    same: bool
    recorded: JsonObject
    rerun: JsonObject


def ran_again(recording: Recording, new: Timeline) -> tuple[RanAgain, ...]:
    """Each tool call of `new` that ran again with a recorded twin, in the order they ended."""
    recorded = {recording.timeline.key(call.start): call for call in recording.calls if call.component == "tool"}
    found = []
    for index in range(len(new)):
        if new.kind[index] != END or new.component(index) != "tool":
            continue
        event = new.event(index)
        attrs = event.get("attrs")
        attrs = attrs if isinstance(attrs, dict) else {}
        key = attrs.get("replay_of")
        twin = recorded.get(key) if attrs.get("replay") == RERAN and isinstance(key, str) else None
        if twin is None:
            continue
        then, now = result_of(recording.result(twin)), result_of(event)
        found.append(RanAgain(recording.timeline.key(twin.start), then == now, then, now))
    return tuple(found)


def result_of(end: JsonObject | None) -> JsonObject:
    """What a tool call returned, from its end event: its status, outputs and error (type and message)."""
    if end is None:
        return {"status": "did not end"}
    said: JsonObject = {"status": end.get("status"), "outputs": end.get("outputs")}
    error = end.get("error")
    if isinstance(error, dict):
        said["error"] = {"type": error.get("type"), "message": error.get("message")}
    return said
