"""Whether a tool's result reads as an error: the one rule every writer and reader uses to call a result that
reached the model a failure (the tracer when a tool span ends, whether a hook, the wire or OpenTelemetry saw it;
the OTLP reader for a foreign run).

A result is **error-shaped** when one of these holds, tried in this order (the first names the rule):

1. `flag`: an object whose `isError` or `is_error` is true (MCP, Anthropic), or whose `status` is `error`,
   `failed` or `failure`.
2. `json`: an object whose only key, or main key, is `error`, `errors` or `exception` with a value that is not
   empty (`{"error": "no data"}`; beside it only keys that describe the error: `message`, `code`, `status`,
   `type`, `detail`, `success`, `ok`, ..., or keys whose value is empty: `{"error": "...", "response": ""}`;
   or any keys, when the error value is itself a text that reads as an error by rules 3-5: `{"error":
   "KeyError: 'tokyo'", "city": {...}}` is a failure that kept its context, `{"error": "Message error...",
   "response": {...}}` a wrapper holding a result). `{"results": [...], "error": null}` is no error, nor is any
   such object beside a true `ok` or `success`. Text that is such an object written as JSON counts the same.
3. `traceback`: a Python traceback (a line `Traceback (most recent call last):` beginning in the text's first
   `TRACEBACK_WITHIN` characters, its last unindented line `Type: message`) or a JavaScript one (the text starts
   with `TypeError: message` followed by `    at ...` lines).
4. `exception`: text that starts with an exception's name and then `:` or `(` (`KeyError: 'x'`,
   `ValueError('bad')`, `requests.exceptions.HTTPError: 404`).
5. `error_word`: text whose first line starts with an error word and then `:` or ` - ` (`ERROR: no data for
   'paris, fr'`, `error: KeyError('x')`, `Exception - timed out`), with at most three words before it
   (`Tool error: ...`, `get_weather failed: ...`) and a message after it that is not "none", "0" or
   nothing (`Errors: 0` is a count), or starts with a phrase that says a call failed (`Error
   executing tool`, `Error calling`, `Error while`, `An error occurred` (openai-agents), `Failed to invoke Tool`
   (Haystack), `Failed to call`, `Tool execution failed`, `Execution error in` (DSPy), `I encountered an error
   while` (CrewAI)).

The result is first read out of the object a framework hands it on in (`tool_result.said`: a LangGraph
`ToolMessage`, a LlamaIndex `ToolOutput`, an MCP result, a content list).

Precision comes first: a result that merely mentions an error in its prose ("the error bars show ...", a search
result about exceptions, a traceback quoted in the middle of a document) is no failure. What it cannot tell: a
tool whose normal answer starts like an error (a search whose first hit is titled "ValueError: ..."), and an
error written as prose ("Sorry, that city is unknown"), which only the model's answer may reveal.

The error's type is the exception name the text gives (the traceback's last line, the leading name, or one in the
first line), else an HTTP status it names (`HTTP 404`), else `ToolError`; its message is the text (the error
value of an object), cut to `MESSAGE_CHARS`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional

from .error_category import categorize
from .tool_result import said

MESSAGE_CHARS = 2000
# where a hook or the decorator keeps a tool's result in `outputs`: the value read, when it is the only key
RESULT_KEYS = ("return", "output", "result", "content")
SCANNED_CHARS = 16_384  # a traceback is looked for in the first this many characters of a text
JSON_CHARS = 65_536  # text longer than this is not parsed as JSON to look for an error object
TRACEBACK_WITHIN = 200  # a traceback that begins later is quoted in a document, not what the tool answered
DEFAULT_TYPE = "ToolError"

ERROR_KEYS = ("error", "errors", "exception")
# keys that describe an error beside its main key; an object with any other key carries a result too
_BESIDE = frozenset({"message", "msg", "code", "status", "status_code", "statuscode", "type", "detail", "details",
                     "success", "ok", "hint", "reason", "traceback", "stack", "request_id", "tool", "name",
                     "error_type", "error_code", "error_message", "iserror", "is_error", "retryable"})
_FAILED_STATUS = frozenset({"error", "failed", "failure"})
_SIGNS = frozenset({"iserror", "is_error", "status", *ERROR_KEYS})  # an object with none of these keys is no error

_NAME = r"[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*"
_EXCEPTION_NAME = rf"{_NAME}(?:Error|Exception|Exit|Interrupt|Fault|Failure)"
_LEADING_EXCEPTION = re.compile(rf"\s*(?P<type>{_EXCEPTION_NAME})\s*(?::|\()")
_NAMED_EXCEPTION = re.compile(rf"\b(?P<type>{_EXCEPTION_NAME})\b")
TRACEBACK_HEADER = "Traceback (most recent call last):"
_PY_TRACEBACK = re.compile(r"(?m)^\s*Traceback \(most recent call last\):\s*$")
_PY_LAST_LINE = re.compile(rf"(?m)^(?P<type>{_NAME})(?::\s?(?P<message>.*))?$")
_JS_TRACEBACK = re.compile(rf"(?m)^(?P<type>{_NAME}):\s?(?P<message>.*)\n(?:\s+at .+\n?)+")
_ERROR_WORD = re.compile(r"(?i)\s*[\[(*_`#>]*\s*(?:[\w.`'\"-]+\s+){0,3}?"
                         r"(?:error|errors|exception|failed|failure|fatal)[\])*_`]*\s*(?::|\s-\s)")
_FAILED_PHRASE = re.compile(r"(?i)\s*[\[(*_`#>]*\s*(?:error (?:executing|calling|running|invoking|while|in tool)"
                            r"|an error (?:occurred|occured|has occurred)|failed to (?:invoke|call|run|execute)"
                            r"|tool (?:execution|call) failed|exception (?:occurred|raised)|execution error in"
                            r"|i encountered an error while)\b")
_LEADING_SPACE = re.compile(r"\s*")
# what follows an error word when it says there was none (`Errors: 0`, `error: none`)
_NO_ERROR = re.compile(r"(?i)\s*(?:none|no|0|n/a|null|nil|false|no errors?|-)?\s*[.!]?\s*")
_HTTP_STATUS = re.compile(r"(?i)\b(?:HTTP(?:\s*error)?|status(?:\s*code)?)[\s:]*(?P<status>[45]\d\d)\b"
                          r"|\b(?P<bare>[45]\d\d)\s+(?:Client Error|Server Error|Not Found|Bad Request|Unauthorized"
                          r"|Forbidden|Internal Server Error|Service Unavailable|Too Many Requests)\b")


@dataclass(frozen=True)
class ErrorShape:
    """A result read as an error: the rule that fired (`flag`, `json`, `traceback`, `exception`, `error_word`),
    the error's type and its message."""

    rule: str
    type: str
    message: str


def read_error(result: Any) -> Optional[ErrorShape]:
    """The error a tool's result reads as, or None when it reads as a result.

    >>> read_error("ERROR: no data for 'paris, fr'")
    ErrorShape(rule='error_word', type='ToolError', message="ERROR: no data for 'paris, fr'")
    >>> read_error({"error": "KeyError: 'paris, fr'"}).type
    'KeyError'
    >>> read_error("Error bars show the spread of the forecast.") is None
    True
    """
    if isinstance(result, dict):
        return _object_error(result)
    if isinstance(result, str):
        return _text_error(result)
    return None


def error_of_outputs(outputs: Any) -> Optional[dict[str, Any]]:
    """The `error` record of a tool span whose `outputs` read as an error, or None: handled (the app told the
    model and went on), `inferred: true`, the rule that fired, the type and the message (the category read from
    them as a raised exception's is). The result is read out of the object the framework handed it on in
    (`tool_result.said`: a `ToolMessage`, a `ToolOutput`, a content list) first.

    >>> error_of_outputs({"return": "ERROR: no data for 'paris, fr'"})["inferred"]
    True
    """
    value = outputs
    if isinstance(outputs, dict) and len(outputs) == 1:
        (key, only), = outputs.items()
        if key in RESULT_KEYS:
            value = only
    shape = read_error(said(value))
    if shape is None:
        return None
    return {"type": shape.type, "message": shape.message, "category": categorize(shape.type, shape.message),
            "handled": True, "inferred": True, "rule": shape.rule}


def _object_error(value: dict[Any, Any]) -> Optional[ErrorShape]:
    keys = {str(key).lower(): key for key in value}
    if _SIGNS.isdisjoint(keys):
        return None
    if value.get(keys.get("iserror", "")) is True or value.get(keys.get("is_error", "")) is True:
        return _from_object("flag", value, keys)
    # the keys that carry something: an empty `response` beside an `error` carries no result
    carrying = {name for name, key in keys.items() if not _empty(value[key])}
    status = value.get(keys["status"]) if "status" in keys else None
    if isinstance(status, str) and status.lower() in _FAILED_STATUS and carrying <= _BESIDE | set(ERROR_KEYS):
        return _from_object("flag", value, keys)
    main = next((keys[name] for name in ERROR_KEYS if name in keys), None)
    if main is None or _empty(value[main]):
        return None
    if any(keys.get(name) is not None and value[keys[name]] is True for name in ("ok", "success")):
        return None
    if not carrying - {str(main).lower()} <= _BESIDE and not _told_error(value[main]):
        return None
    return _from_object("json", value, keys)


def _told_error(said: Any) -> bool:
    """Whether an error value beside keys of a result is itself an error's text (rules 3-5): an exception's
    text, a traceback, `Error: ...`. `{"error": "KeyError: 'tokyo'", "city": {...}}` is a failure that kept its
    context; `{"error": "Message error...", "response": {...}}` is a wrapper holding a result."""
    return isinstance(said, str) and _text_rules(said) is not None


def _from_object(rule: str, value: dict[Any, Any], keys: dict[str, Any]) -> ErrorShape:
    said = next((value[keys[name]] for name in (*ERROR_KEYS, "message", "msg", "detail", "content")
                 if name in keys and not _empty(value[keys[name]])), value)
    if isinstance(said, dict):
        inner = next((said[key] for key in ("message", "msg", "detail") if isinstance(said.get(key), str)), None)
        named = next((said[key] for key in ("type", "code") if isinstance(said.get(key), str)), None)
        message = inner if inner is not None else _json(said)
    else:
        message = said if isinstance(said, str) else _json(said)
        named = next((value[keys[key]] for key in ("type", "error_type", "code") if key in keys
                      and isinstance(value[keys[key]], str)), None)
    return ErrorShape(rule, _type_of(message, named), message[:MESSAGE_CHARS])


def _text_error(text: str) -> Optional[ErrorShape]:
    """A text read from its first characters after any white space: a huge result costs no more than a short one
    (the tracer reads every tool result as the tool ends)."""
    start = _LEADING_SPACE.match(text).end()  # type: ignore[union-attr]  # `\s*` always matches
    if text.startswith("{", start) and len(text) - start <= JSON_CHARS:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return _object_error(parsed)
    return _text_rules(text)


def _text_rules(text: str) -> Optional[ErrorShape]:
    """Rules 3-5 on a text from its first character after white space: a traceback, an exception's name, an
    error word."""
    start = _LEADING_SPACE.match(text).end()  # type: ignore[union-attr]  # `\s*` always matches
    head = text[start:start + SCANNED_CHARS]
    message = head[:MESSAGE_CHARS]
    traced = _traceback(head)
    if traced is not None:
        return traced
    first = head.split("\n", 1)[0]
    leading = _LEADING_EXCEPTION.match(first)
    if leading is not None:
        return ErrorShape("exception", _short_type(leading["type"]), message)
    worded = _ERROR_WORD.match(first)
    if (worded is not None and not _NO_ERROR.fullmatch(first[worded.end():])) or _FAILED_PHRASE.match(first):
        return ErrorShape("error_word", _type_of(first), message)
    return None


def _traceback(head: str) -> Optional[ErrorShape]:
    """A Python traceback at a line's start (its last `Type: message` line names the error), or a JavaScript
    stack at the text's start."""
    found = _PY_TRACEBACK.search(head) if TRACEBACK_HEADER in head else None  # the regex only where it can match
    if found is not None and found.start() < TRACEBACK_WITHIN:
        lines = [line for line in head[found.end():].splitlines() if line.strip()]
        last = next((line for line in reversed(lines) if not line.startswith((" ", "\t"))), None)
        matched = _PY_LAST_LINE.match(last) if last is not None else None
        if matched is not None:
            return ErrorShape("traceback", _short_type(matched["type"]), head.strip()[:MESSAGE_CHARS])
    script = _JS_TRACEBACK.match(head.lstrip())
    if script is not None:
        return ErrorShape("traceback", _short_type(script["type"]), head.strip()[:MESSAGE_CHARS])
    return None


def _type_of(text: str, named: Optional[str] = None) -> str:
    """The exception a text names, else `named` when it looks like one, else the HTTP status, else ToolError."""
    exception = _NAMED_EXCEPTION.search(text[:SCANNED_CHARS])
    if exception is not None:
        return _short_type(exception["type"])
    if named and re.fullmatch(_NAME, named):
        return named
    status = _HTTP_STATUS.search(text[:SCANNED_CHARS])
    if status is not None:
        return f"HTTP {status['status'] or status['bare']}"
    return DEFAULT_TYPE


def _short_type(name: str) -> str:
    """`requests.exceptions.HTTPError` as `HTTPError`: a type is counted by its own name, as the tracer writes
    a raised exception's."""
    return name.rsplit(".", 1)[-1]


def _empty(value: Any) -> bool:
    return value is None or value is False or value == "" or value == [] or value == {}


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)
