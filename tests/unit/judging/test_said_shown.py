"""An answer in one line (`judging/said.Said.shown`), as verify's `diverged` line and `--expect` show it: a tool
message (LangGraph's `ToolMessage` as the tracer writes it) by its content, and a long answer cut with a mark."""

from __future__ import annotations

from namel3ss_debug.judging.call_compare import difference
from namel3ss_debug.judging.said import SHOWN, said_by

TOOL_MESSAGE = {"content": "Sunny, 24 C in Lisbon", "additional_kwargs": {}, "response_metadata": {},
                "type": "tool", "name": "get_weather", "id": "0b7e1c9a-5f7e-4f2c-9d7e-3a1c2b4d5e6f",
                "tool_call_id": "call_stubf9a912d71", "artifact": None, "status": "success"}


def test_a_tool_message_is_shown_by_its_content() -> None:
    recorded = said_by({"status": "completed", "outputs": {"return": TOOL_MESSAGE}})
    new = said_by({"status": "failed", "error": {"type": "ToolError", "message": "Error: city not found"}})
    assert difference(recorded, new) == ("recorded 'Sunny, 24 C in Lisbon', new failed (ToolError: Error: city not "
                                         "found)")


def test_a_long_answer_is_cut_with_a_mark() -> None:
    shown = said_by({"status": "completed", "outputs": {"return": {"rows": list(range(200))}}}).shown()
    assert len(shown) == SHOWN and shown.endswith("…") and shown.startswith('{"rows":[0,1,2')
