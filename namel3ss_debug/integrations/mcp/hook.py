"""MCP clients: each `ClientSession.call_tool` is one `tool` span named after the MCP tool, answered in a rerun.

The MCP client has no observation hook that could also answer a call (its message handlers and
OpenTelemetry spans only watch), so the seam is the public method every client goes through:
`mcp.ClientSession.call_tool`, called by `mcp.Client`, openai-agents' `MCPServerStdio` and
pydantic-ai's `MCPServer` alike. The span's inputs are the arguments; `outputs.return` is the
`CallToolResult` the app gets; an exception (`MCPError`, a timeout) is the span's error.

Handled errors. A tool that raises on the server (a `KeyError` in its body) reaches the client as a
`CallToolResult` whose `is_error` is true, its text the server's "Error executing tool NAME: ..." (the
exception itself stays in the server's process): the span ends failed with `error.type: "ToolError"`,
that text as the message, no stack, and `error.handled: true`; its outputs are the result, which is
what the app got and what a rerun gives back. `attrs` name the framework (`mcp`) and the
server (`mcp_server`, `mcp_server_version`, `mcp_protocol_version`) as the session's handshake
gave them. In `replay --rerun` the recorded `CallToolResult` is rebuilt and the request never
reaches the server.

A framework whose own hook already opened a `tool` span for this call (openai-agents or
pydantic-ai running an MCP tool) keeps that span and the call goes through, so one call is counted
once and answered once. The MCP attrs are added to that span (on its end); a rerun, which answers
the framework's span without reaching `call_tool`, gives them back with the recorded answer.
`call_tool` takes no model tool call id: an MCP span of its own is linked to the newest LLM call
whose answer asked for a tool of the same name with the same arguments, not linked yet
(`attrs.tool_call_id`, `attrs.llm_span_id`, and `attrs.linked_by: "name_and_arguments"`).
"""

from __future__ import annotations

import functools
import json
from types import ModuleType
from typing import Any

from ...model.tool_result import text_of
from ...tracer.api import get_tracer
from ...tracer.context import current
from ...tracer.events import said_error
from ..calls import Handled
from ..tools import arun_tool

FRAMEWORK = "mcp"
HOOK_POINT = "ClientSession.call_tool"
_MARK = "__namel3ss_debug__"


def install(module: ModuleType) -> list[str]:
    """Wrap `module.ClientSession.call_tool` (the class `import mcp` has already loaded); idempotent."""
    session = getattr(module, "ClientSession", None)
    original = getattr(session, "__dict__", {}).get("call_tool")
    if session is None or original is None or not callable(original):
        return [HOOK_POINT]
    if not getattr(original, _MARK, False):
        session.call_tool = _wrapped(original, ResultCodec(module))
    return []


def _wrapped(original: Any, codec: ResultCodec) -> Any:
    @functools.wraps(original)
    async def call_tool(self: Any, name: str, arguments: Any = None, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        run = tracer.run
        if run is None:
            return await original(self, name, arguments, *args, **kwargs)
        try:
            attrs = server_attrs(self)
        except Exception as exc:  # the session changed under us: the span names no server
            run.recorder.note_failure(exc)
            attrs = {}
        enclosing = enclosing_tool_span(run)
        if enclosing is not None:  # a framework's hook records (and a rerun answers) this call: its span
            enclosing.set_attributes(**attrs)  # names the server too (a rerun gives them back with its answer)
            return await original(self, name, arguments, *args, **kwargs)
        return await arun_tool(tracer, FRAMEWORK, str(name), {} if arguments is None else arguments,
                               lambda: _judged(original(self, name, arguments, *args, **kwargs)), codec=codec,
                               attrs=attrs, link_by_arguments=True)  # call_tool is given no call id

    setattr(call_tool, _MARK, True)
    return call_tool


async def _judged(calling: Any) -> Any:
    """The result, or a `Handled` failure when the server marked it as an error."""
    result = await calling
    error = getattr(result, "is_error", None)
    if error is None:
        error = getattr(result, "isError", None)  # mcp 1.x
    return Handled(said_error(result_text(result)), result) if error is True else result


def result_text(result: Any) -> str:
    """The text blocks of a tool result, as the server said them (the one reader of result objects)."""
    return text_of(result) or ""


def enclosing_tool_span(run: Any) -> Any:
    """The current span when it is an open `tool` span of this run: the span a framework's hook (or
    the app's `@trace_tool_call`) opened around this call, or None. (A span keeps no start attrs, so
    `attrs.framework` cannot be read here; any enclosing tool span owns the call.)"""
    span = current.get()
    if getattr(span, "component", None) != "tool" or getattr(span, "run", None) is not run:
        return None
    return None if span.ended else span


def server_attrs(session: Any) -> dict[str, Any]:
    """The server's name and version, and the protocol version, as the session's handshake gave them."""
    info = getattr(session, "server_info", None)
    if info is None:  # mcp 1.x keeps them only on the initialize result
        initialized = getattr(session, "initialize_result", None) or getattr(session, "_initialize_result", None)
        info = getattr(initialized, "server_info", None) or getattr(initialized, "serverInfo", None)
    attrs: dict[str, Any] = {}
    for key, value in (("mcp_server", getattr(info, "name", None)),
                       ("mcp_server_version", getattr(info, "version", None)),
                       ("mcp_protocol_version", getattr(session, "protocol_version", None))):
        if isinstance(value, str) and value:
            attrs[key] = value
    return attrs


class ResultCodec:
    """A recorded `CallToolResult` (or `InputRequiredResult`) back into the SDK's class. A mock typed
    as a string is a successful result holding that text; a JSON object is validated as a result."""

    def __init__(self, module: ModuleType):
        self._types = module.types

    def decode(self, value: Any) -> Any:
        types = self._types
        if isinstance(value, dict):
            kind = types.InputRequiredResult if value.get("result_type") == "input_required" else types.CallToolResult
            return kind.model_validate(value)
        text = value if isinstance(value, str) else json.dumps(value)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=False)

    def __call__(self, value: Any) -> Any:
        return self.decode(value)


__all__ = ["ResultCodec", "install"]
