"""The one reader of the objects frameworks hand a tool's result on in (`model/tool_result.py`): what each says, live
and as the tracer writes it, read by the error rule the same (`error_shape.error_of_outputs`); a tool's own object
or list that merely looks like one is left as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from namel3ss_debug.model.error_shape import error_of_outputs
from namel3ss_debug.model.tool_result import said, text_of

TEXT = "Error: city not found"
CONTEXT = {"error": "KeyError: 'tokyo'", "city": {"name": "Tokyo", "country": "JP"}}


@dataclass
class ToolMessage:
    """LangChain's, by the attributes the reader goes by."""

    content: Any
    tool_call_id: str = "call_1"
    status: str = "success"


@dataclass
class ToolOutput:
    """LlamaIndex's: `content` is `str()` of the raw output."""

    raw_output: Any
    tool_name: str = "get_weather"
    is_error: bool = False

    @property
    def content(self) -> str:
        return str(self.raw_output)


@dataclass
class TextContent:
    text: str
    type: str = "text"


@dataclass
class CallToolResult:
    """MCP's."""

    content: list[Any] = field(default_factory=list)
    isError: bool = False


class Opaque:
    """A result object of no known kind whose attributes raise."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(name)


SAID = [
    (ToolMessage(TEXT), TEXT),
    (ToolMessage([{"type": "text", "text": TEXT}, "more"]), f"{TEXT}\nmore"),
    (ToolMessage("no such city", status="error"), {"is_error": True, "message": "no such city"}),
    ({"type": "tool", "tool_call_id": "call_1", "content": TEXT, "status": "success", "artifact": None}, TEXT),
    ({"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": TEXT}]}, TEXT),
    (ToolOutput(TEXT), TEXT),
    (ToolOutput(CONTEXT), CONTEXT),
    (ToolOutput(3.5, is_error=True), {"is_error": True, "message": "3.5"}),
    ({"tool_name": "get_weather", "raw_output": TEXT, "blocks": [{"block_type": "text", "text": TEXT}]}, TEXT),
    ({"tool_name": "get_weather", "raw_output": None, "blocks": [{"block_type": "text", "text": TEXT}]}, TEXT),
    (CallToolResult([TextContent(TEXT)]), TEXT),
    (CallToolResult([TextContent("boom")], isError=True), {"is_error": True, "message": "boom"}),
    ({"content": [{"type": "text", "text": TEXT}], "is_error": False, "result_type": "complete"}, TEXT),
    ([{"type": "text", "text": TEXT}], TEXT),
    ([TextContent(TEXT), TextContent("second")], f"{TEXT}\nsecond"),
]
KEPT = [  # a tool's own value: the reader gives it back as it is
    TEXT,
    CONTEXT,
    {"content": "a page about errors", "url": "https://example.org"},
    {"content": [{"type": "text", "text": TEXT}], "source": "search"},
    ["Error: one of the titles", "another title"],
    [{"title": "Error: a title", "type": "page"}],
    42,
    None,
]


@pytest.mark.parametrize(("value", "expected"), SAID)
def test_a_framework_s_result_object_says_its_content(value: Any, expected: Any) -> None:
    assert said(value) == expected


@pytest.mark.parametrize("value", KEPT)
def test_a_tool_s_own_value_is_left_as_it_is(value: Any) -> None:
    assert said(value) is value


def test_an_object_whose_attributes_raise_is_left_as_it_is() -> None:
    opaque = Opaque()
    assert said(opaque) is opaque
    assert error_of_outputs({"return": opaque}) is None


@pytest.mark.parametrize(("wrapped", "rule", "kind"), [
    (ToolMessage(TEXT), "error_word", "ToolError"),
    ({"type": "tool", "tool_call_id": "call_1", "content": TEXT}, "error_word", "ToolError"),
    (ToolOutput(CONTEXT), "json", "KeyError"),
    (ToolOutput(TEXT), "error_word", "ToolError"),
    (CallToolResult([TextContent("KeyError: 'tokyo'")]), "exception", "KeyError"),
    (CallToolResult([TextContent("no such city")], isError=True), "flag", "ToolError"),
    ([{"type": "text", "text": TEXT}], "error_word", "ToolError"),
])
def test_an_error_inside_a_result_object_is_a_failed_tool_s_error(wrapped: Any, rule: str, kind: str) -> None:
    error = error_of_outputs({"return": wrapped})
    assert error is not None and (error["rule"], error["type"], error["inferred"]) == (rule, kind, True)


@pytest.mark.parametrize("wrapped", [ToolMessage("light rain, 14 C"), ToolOutput({"city": "Paris", "temp": 14}),
                                     CallToolResult([TextContent("Error bars show the spread.")]),
                                     {"type": "tool", "tool_call_id": "call_1", "content": "sunny"}])
def test_a_result_object_that_went_well_is_no_error(wrapped: Any) -> None:
    assert error_of_outputs({"return": wrapped}) is None


def test_the_real_langchain_and_mcp_classes_are_read() -> None:
    messages = pytest.importorskip("langchain_core.messages")
    types = pytest.importorskip("mcp.types")
    message = messages.ToolMessage(content=TEXT, tool_call_id="call_1")
    result = types.CallToolResult(content=[types.TextContent(type="text", text=TEXT)], isError=False)
    assert [said(message), said(message.model_dump()), said(result), said(result.model_dump())] == [TEXT] * 4


@pytest.mark.parametrize(("value", "text"), [(CallToolResult([TextContent("boom")], isError=True), "boom"),
                                             (ToolMessage(TEXT), TEXT), (CallToolResult([]), None), (CONTEXT, None)])
def test_the_text_a_result_said_is_read_flagged_or_not(value: Any, text: str | None) -> None:
    assert text_of(value) == text


def test_a_huge_list_is_read_within_bounds() -> None:
    blocks = [{"type": "text", "text": TEXT}] + [{"type": "text", "text": "x" * 10}] * 1_000_000
    assert said(blocks).count("\n") == 63
