"""A golden file's streamed answers, kept as one answer and not as the frames it came in, where those can be made
again: a pull request's diff shows the call's text and tool calls once, not a frame a token.

`compacted(event)` keeps an `llm` call's streamed answer as `outputs.return = {"status", "headers", "framing",
"rebuilt": {...}}`, what the frames said beside the answer (`transport/stream_rebuild.py` names it for each API),
when the frames made again from that and the span's outputs say the same as those recorded, checked here:
- the API's own decoder (`stream()`) reads the same outputs in both (text, tool calls with their ids and
  arguments, finish reason, usage, id, model), and the span's outputs are what the recorded frames say;
- Anthropic's message and the Responses API's final response, as the stream builds them, are equal;
- every field the recorded frames carry (by its path, a choice's or a block's `index` counted in) is one the
  frames made again carry: a reasoning text, a second choice, logprobs or citations keep the frames.
A stream that failed, was cut, was closed early, was truncated or redacted apart from its outputs, or of an API
not made again (legacy completions), keeps its frames. A rerun makes them again (`with_frames`) and serves them.
"""

from __future__ import annotations

from typing import Any, Callable

from ..transport import apis
from ..transport.apis.anthropic_stream import streamed_message
from ..transport.apis.responses_stream import final_response
from ..transport.frames import ends_stream, restored
from ..transport.stream_rebuild import FRAMINGS, REBUILT, rebuilt_frames, residue_of

NOISE = frozenset({"obfuscation"})  # OpenAI's random padding against length side channels: it says nothing
_WHOLE: dict[str, Callable[[list[dict[str, Any]]], Any]] = {
    "anthropic.messages": streamed_message, "openai.responses": final_response}
_SAID_ELSEWHERE = ("usage", "model")  # the decoder's, which the span keeps beside its outputs


def compacted(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its streamed answer kept without its frames, when they can be made again; else as it is."""
    record = _streamed_answer(event)
    if record is None:
        return event
    name = str(event["name"])
    frames = list(restored(record["frames"]))
    residue = residue_of(name, frames) if frames and ends_stream(frames[-1]) else None
    if residue is None:
        return event
    kept = {key: value for key, value in record.items() if key != "frames"}
    outputs = {**event["outputs"], "return": {**kept, REBUILT: residue}}
    again = rebuilt_frames(name, outputs, event.get("model"))
    if again is None or not said_alike(name, frames, again, event["outputs"]):
        return event
    return {**event, "outputs": outputs}


def said_alike(name: str, recorded: list[dict[str, Any]], again: list[dict[str, Any]], outputs: dict[str, Any]) -> bool:
    """Whether frames made again say what the recorded ones said, and the span's outputs too (see the module)."""
    api = apis.named(name)
    if api is None:
        return False
    decoded = api.stream(recorded)
    said = {key: value for key, value in decoded.items() if key not in _SAID_ELSEWHERE}
    if api.stream(again) != decoded or {key: value for key, value in outputs.items() if key != "return"} != said:
        return False
    whole = _WHOLE.get(name)
    if whole is not None and whole(recorded) != whole(again):
        return False
    return field_paths(recorded) <= field_paths(again)


def field_paths(frames: list[dict[str, Any]]) -> set[str]:
    """The paths of the fields with a value the frames carry (`.data.choices[0].delta.content`): a list's items by
    their `index` when they have one (choices, candidates, tool calls), else all as `[]`; nulls and `NOISE` left out."""
    found: set[str] = set()
    stack: list[tuple[Any, str]] = [(frame, "") for frame in frames]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((item, f"{path}.{key}") for key, item in value.items() if key not in NOISE)
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{_index(item)}]") for item in value)
        elif value is not None:
            found.add(path)
    return found


def _index(item: Any) -> str:
    index = item.get("index") if isinstance(item, dict) else None
    return str(index) if type(index) is int else ""


def _streamed_answer(event: dict[str, Any]) -> dict[str, Any] | None:
    """The response record of a whole, successful streamed answer of an API made again; None for anything else."""
    if event.get("event_type") != "llm_call_end" or event.get("status") != "completed" or event.get("error"):
        return None
    attrs, outputs = event.get("attrs"), event.get("outputs")
    if event.get("truncated") or not isinstance(outputs, dict):
        return None
    if isinstance(attrs, dict) and attrs.get("closed_early"):
        return None
    record = outputs.get("return")
    if not isinstance(record, dict) or record.get("status") != 200 or not isinstance(record.get("frames"), list):
        return None
    return record if record.get("framing") == FRAMINGS.get(str(event.get("name"))) else None
