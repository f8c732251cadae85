"""The runtime's results as trace JSON, and back: what an AI or tool span keeps under `outputs.return`,
and the codecs that rebuild the runtime's own types from it (or from a mock) in a rerun.

- An AI call returns `AIResponse(output, ...)` or `AIToolCallResponse(tool_name, args)`; it is
  recorded as its fields (`{"output": "..."}`, `{"tool_name": ..., "args": {...}}`). A mock may be
  the reply's text alone: `"Sunny"` becomes `AIResponse(output="Sunny")`.
- An AI call with tools that a provider's adapter runs itself returns `AssistantText(text)`,
  `AssistantToolCall(tool_call_id, tool_name, arguments_json_text)` or `AssistantError(...)`; it is
  recorded as its fields, and a mock takes the same forms as above.
- A tool call returns `(ToolCallOutcome, error or None)`; it is recorded as
  `{"tool_call_outcome": {...}, "error": null or {"type", "message", "line", "column"}}`. A mock is
  the tool's result (`{"ok": true}`), given back as an allowed call that returned it. A recorded
  error comes back as a `Namel3ssError` with its message and place (its original class is named in
  `type`).

Numbers in namel3ss are `Decimal`s: they are recorded as JSON numbers and come back as int or float,
which the runtime accepts as numbers too.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from decimal import Decimal
from typing import Any, Callable

from ...tracer.serialize import safe_repr, to_jsonable

OUTCOME_KEY = "tool_call_outcome"
_MOCKED_REASON = "namel3ss_debug_mock"


def plain(value: Any) -> Any:
    """A namel3ss value as JSON: Decimals as numbers, dataclasses as their fields. Never raises (it
    runs inside the app's calls): a value it cannot walk is recorded as its repr."""
    try:
        return _plain(value)
    except Exception:  # a cycle, an infinite Decimal, a property that raises
        return safe_repr(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name, None)) for field in dataclasses.fields(value)}
    return to_jsonable(value)


def _runtime(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


# -- AI calls -------------------------------------------------------------------------------------
def ai_json(response: Any) -> Any:
    """An AIResponse as its fields that are set; a tool call as tool_name and args."""
    data = plain(response)
    if isinstance(data, dict) and "tool_name" not in data:
        data = {key: item for key, item in data.items() if item is not None}
    return data


def ai_outputs(response: Any) -> dict[str, Any]:
    """What an `llm_call_end` carries: the reply's text (or the tool call asked for) and `return`."""
    return _reply_outputs(ai_json(response), "output", lambda data: data.get("args"))


def _reply_outputs(data: Any, text: str, arguments: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """An `llm_call_end`'s outputs from a reply's fields `data`: the tool call it asks for (`tool_name`, the
    arguments `arguments(data)` reads), else its field `text`; `return` is `data`."""
    outputs: dict[str, Any] = {}
    if isinstance(data, dict) and "tool_name" in data:
        outputs["tool_call"] = {"tool": data.get("tool_name"), "args": arguments(data)}
    elif isinstance(data, dict):
        outputs["text"] = data.get(text)
    outputs["return"] = data
    return outputs


class AIResponseCodec:
    """Rebuilds `AIResponse` / `AIToolCallResponse` from recorded JSON or a mock's text."""

    def decode(self, value: Any) -> Any:
        response = _runtime("namel3ss.runtime.ai.provider", "AIResponse")
        if isinstance(value, str):
            return response(output=value)
        if not isinstance(value, dict):
            raise ValueError("an AI call's result is the reply's text, {\"output\": ...} or {\"tool_name\", \"args\"}")
        if "tool_name" in value:
            tool_call = _runtime("namel3ss.runtime.ai.provider", "AIToolCallResponse")
            return tool_call(tool_name=str(value["tool_name"]), args=value.get("args") or {})
        known = {field.name for field in dataclasses.fields(response)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not a field of AIResponse ({', '.join(sorted(known))}); "
                             "a tool call has tool_name and args")
        return response(**value)


# -- AI calls with tools, through a provider's adapter ---------------------------------------------
_IFACE = "namel3ss.runtime.tool_calls.provider_iface"
_MOCKED_CALL_ID = "namel3ss-debug-mock"


def model_outputs(response: Any) -> dict[str, Any]:
    """What an adapter's `llm_call_end` carries: as `ai_outputs`, from `AssistantText(text)`,
    `AssistantToolCall(tool_call_id, tool_name, arguments_json_text)` or `AssistantError(error_type,
    error_message)`; `return` is the response's fields."""
    data = plain(response)
    if isinstance(data, dict) and "tool_name" not in data and "error_type" in data:
        return {"error": {"type": data.get("error_type"), "message": data.get("error_message")}, "return": data}
    return _reply_outputs(data, "text", lambda fields: _arguments(fields.get("arguments_json_text")))


def _arguments(text: Any) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


class ModelResponseCodec:
    """Rebuilds an adapter's `AssistantText` / `AssistantToolCall` / `AssistantError` from recorded
    JSON, or from a mock in the forms an AI call's mock takes: the reply's text, `{"output": ...}`,
    `{"tool_name": ..., "args": {...}}`."""

    def decode(self, value: Any) -> Any:
        if isinstance(value, str):
            return _runtime(_IFACE, "AssistantText")(text=value)
        if not isinstance(value, dict):
            raise ValueError("an AI call's result is the reply's text, {\"output\": ...} or {\"tool_name\", \"args\"}")
        if "tool_name" in value:
            arguments = value.get("arguments_json_text")
            if not isinstance(arguments, str):
                arguments = json.dumps(value.get("args") or {})
            return _runtime(_IFACE, "AssistantToolCall")(tool_call_id=str(value.get("tool_call_id") or _MOCKED_CALL_ID),
                                                         tool_name=str(value["tool_name"]),
                                                         arguments_json_text=arguments)
        if "error_type" in value:
            return _runtime(_IFACE, "AssistantError")(error_type=str(value["error_type"]),
                                                      error_message=str(value.get("error_message")))
        if set(value) in ({"text"}, {"output"}):
            return _runtime(_IFACE, "AssistantText")(text=str(next(iter(value.values()))))
        raise ValueError(f"{', '.join(sorted(value))}: an AI call with tools answers with text (text or output), "
                         "a tool call (tool_name and args) or a provider error (error_type and error_message)")


# -- tool calls -----------------------------------------------------------------------------------
def tool_json(result: Any) -> dict[str, Any]:
    """`(ToolCallOutcome, error)` as JSON; the outcome's result_value included (its repr hides it)."""
    outcome, error = result
    return {OUTCOME_KEY: plain(outcome), "error": error_json(error)}


def error_json(error: BaseException | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {"type": type(error).__name__, "message": str(getattr(error, "message", error)),
            "line": getattr(error, "line", None), "column": getattr(error, "column", None)}


def tool_outputs(result: Any) -> dict[str, Any]:
    """What a `tool_call_end` carries: the decision, the tool's result, the error it returns, `return`."""
    data = tool_json(result)
    outcome = data[OUTCOME_KEY] if isinstance(data[OUTCOME_KEY], dict) else {}
    given = outcome.get("decision")
    decision = given if isinstance(given, dict) else {}
    outputs: dict[str, Any] = {"status": decision.get("status"), "result": outcome.get("result_value"),
                               "summary": outcome.get("result_summary")}
    if data["error"] is not None:
        outputs["error"] = data["error"]
    outputs["return"] = data
    return outputs


class ToolOutcomeCodec:
    """Rebuilds `(ToolCallOutcome, error)` for one tool: from a recording, or from a mock's result."""

    def __init__(self, tool_name: str):
        self.tool_name = tool_name

    def decode(self, value: Any) -> tuple[Any, BaseException | None]:
        if isinstance(value, dict) and OUTCOME_KEY in value:
            return self._outcome(value[OUTCOME_KEY]), _error(value.get("error"))
        decision = _runtime("namel3ss.runtime.tools.outcome", "ToolDecision")(
            status="allowed", capability=None, reason=_MOCKED_REASON, message="result given by namel3ss-debug")
        return self._build(decision, "ok", "ok", value), None

    def _outcome(self, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("decision"), dict):
            raise ValueError("a recorded tool outcome has a decision object")
        decision = _runtime("namel3ss.runtime.tools.outcome", "ToolDecision")(**data["decision"])
        return self._build(decision, data.get("result_kind"), data.get("result_summary"), data.get("result_value"))

    def _build(self, decision: Any, kind: Any, summary: Any, value: Any) -> Any:
        outcome = _runtime("namel3ss.runtime.tools.outcome", "ToolCallOutcome")
        return outcome(tool_name=self.tool_name, decision=decision, result_kind=kind, result_summary=summary,
                       result_value=value)


def _error(data: Any) -> BaseException | None:
    if not isinstance(data, dict):
        return None
    error = _runtime("namel3ss.errors.base", "Namel3ssError")
    raised: BaseException = error(str(data.get("message")), line=data.get("line"), column=data.get("column"))
    return raised
