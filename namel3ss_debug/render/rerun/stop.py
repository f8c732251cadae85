"""The rerun's console (`replay --rerun --step`): a stop for people and as a JSON line; a replaced answer.

Everything from the trace or the app (keys, inputs, answers) is shown as text: one line per field (an LLM
request's messages and its answer a line each, `talk.py`), control characters escaped; in JSON, characters
that could drive a terminal are escaped. The other records of its commands (messages, values, breakpoints,
help) are shown as replay's are, and only a stop is JSON: the rest goes to stderr as text.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from ...rerun.answers import answer_json
from ...rerun.answerer import PendingCall
from ...replay.outputs import Output
from ...launch.call_stops import CallStop, Replaced
from ..event_text import one_line
from ..json_text import compact_json, json_line
from ..replay import view as replay_view
from ..text import visible
from .talk import answer_lines, asked_lines

SCHEMA = "namel3ss-debug/rerun-stop/v1"
FIELD_WIDTH = 160  # characters of a field on a stop; `inputs` and `p` show all of it


def render(record: Output) -> RenderableType:
    """The text view of a record the rerun's commands answer with."""
    if isinstance(record, CallStop):
        return stop_view(record)
    if isinstance(record, Replaced):
        return Text(visible(f"{record.key} returns {one_line(compact_json(record.value), FIELD_WIDTH)}"))
    return replay_view.render(record)


def json_of(record: Output) -> bytes | None:
    """A stop as a JSON line; None for any other record (it goes to stderr as text)."""
    return stop_line(record) if isinstance(record, CallStop) else None


def stop_view(stop: CallStop) -> RenderableType:
    """One header line, then the call's fields; everything from the trace shown as text."""
    pending = stop.pending
    why = f"breakpoint {', '.join(str(n) for n in stop.hits)}" if stop.hits else "step"
    lines = [Text.assemble((f"Stop {stop.number} ", "bold cyan"), ("before ", "dim"),
                           (one_line(pending.live.key, 80), "bold"), (f"  ({why})", "dim"))]
    lines.append(_field("path", Text(one_line(pending.path))))
    lines.append(_field("recorded", Text(_recorded(pending, stop.where))))
    live = pending.live
    asked = asked_lines(live.component, live.name, live.inputs, FIELD_WIDTH)
    if asked is None:
        lines.append(_field("inputs", Text(one_line(compact_json(live.inputs, FIELD_WIDTH), FIELD_WIDTH))))
    else:  # an LLM request: its messages, not its HTTP body
        lines.extend(_fields("asks", asked))
    label, shown, style = _result(pending)
    said = _said(pending)
    if said is None:
        lines.append(_field(label, Text(shown, style=style)))
    else:
        lines.extend(_fields(label, said))
    return Group(*lines)


def _said(pending: PendingCall) -> list[str] | None:
    """An LLM request's answer as the assistant's message, its source after it; None for any other answer."""
    answer = pending.answer
    if answer is None or answer.error is not None:
        return None
    said = answer_lines(pending.live.component, pending.live.name, answer.value, FIELD_WIDTH)
    if said is not None:
        said[-1] += f"  ({one_line(answer.source, 20)})"
    return said


def _field(label: str, value: Text) -> Text:
    return Text.assemble((f"  {label:<8} ", "dim"), value)


def _fields(label: str, lines: list[str]) -> list[Text]:
    """A field of several lines: the label on the first, the others under its value."""
    return [_field(label if index == 0 else "", Text(line)) for index, line in enumerate(lines)]


def _recorded(pending: PendingCall, where: str | None) -> str:
    if pending.recorded is None and pending.fork is not None:
        return one_line(f"the fork's call ({pending.fork}): the recording has none that asks this", 120)
    if pending.recorded is None:
        return "no recorded call here"
    return one_line(pending.recorded.key, 80) + (f" at {one_line(where, 120)}" if where else "")


def _result(pending: PendingCall) -> tuple[str, str, str]:
    """(label, text, style) of the answer about to be given."""
    answer = pending.answer
    if answer is None:
        if pending.miss is not None:
            then = "accept runs it live" if pending.on_miss == "live" else "accept stops the run, live runs it"
            said = one_line(f"no recorded result: {pending.miss}", FIELD_WIDTH - len(then) - 2)
            return "result", f"{said}; {then}", "yellow"  # what accepting does is never cut off
        return "result", "will run live", "yellow"
    source = f"  ({one_line(answer.source, 20)})"
    if answer.error is not None:
        text = f"{type(answer.error).__name__}: {answer.error}"
        return "raises", one_line(text, FIELD_WIDTH) + source, "red"
    outputs = answer.outputs if isinstance(answer.outputs, dict) else {}
    label = "yields" if "yielded" in outputs and "return" not in outputs else "returns"
    return label, one_line(compact_json(answer_json(answer), FIELD_WIDTH), FIELD_WIDTH) + source, ""


def stop_line(stop: CallStop) -> bytes:
    """The stop as one JSON line (with a newline), control characters escaped."""
    pending = stop.pending
    answer = pending.answer
    document = {"schema": SCHEMA, "kind": "stop", "stop": stop.number,
                "reason": "breakpoint" if stop.hits else "step", "breakpoints": list(stop.hits),
                "call": pending.live.key, "path": pending.path, "component": pending.live.component,
                "name": pending.live.name,
                "event_type": f"{pending.live.prefix}_start",
                "recorded": pending.recorded.key if pending.recorded is not None else None,
                "recorded_at": stop.where, "inputs": pending.live.inputs, "miss": pending.miss,
                "answer": None if answer is None else _answer_document(answer)}
    return json_line(document)


def _answer_document(answer: Any) -> dict[str, Any]:
    error = answer.error
    return {"source": answer.source, "outputs": answer.outputs,
            "error": None if error is None else {"type": type(error).__name__, "message": str(error)}}
