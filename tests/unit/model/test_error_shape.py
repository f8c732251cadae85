"""The one rule that reads a tool's result as an error (`model/error_shape.py`): what it calls an error, with which
rule and type, and the results that merely mention errors, which it must not call one."""

from __future__ import annotations

import json

import pytest

from namel3ss_debug.model.error_shape import error_of_outputs, read_error

TRACEBACK = ('Traceback (most recent call last):\n  File "tools.py", line 3, in get_weather\n'
             "    return WEATHER[city]\nKeyError: 'paris, fr'\n")
ERRORS = [
    ("ERROR: no data for 'paris, fr'", "error_word", "ToolError"),
    ("error: 'paris, fr'", "error_word", "ToolError"),
    ("error: KeyError('Atlantis')", "error_word", "KeyError"),
    ("Tool error - city unknown", "error_word", "ToolError"),
    ("get_weather failed: timeout after 30 s", "error_word", "ToolError"),
    ("Failed to invoke Tool `get_forecast` with parameters {'days': 9}. Error: days must be between 1 and 7",
     "error_word", "ToolError"),
    ("An error occurred while running the tool. Please try again. Error: boom", "error_word", "ToolError"),
    ("Error executing tool get_weather: connection refused", "error_word", "ToolError"),
    ("Execution error in get_weather: ValueError('x')", "error_word", "ValueError"),
    ("404 Client Error: Not Found for url: http://127.0.0.1/weather", "error_word", "HTTP 404"),
    ("KeyError: 'paris, fr'", "exception", "KeyError"),
    ("ValueError('unknown currency')", "exception", "ValueError"),
    ("requests.exceptions.HTTPError: 500 Server Error", "exception", "HTTPError"),
    (TRACEBACK, "traceback", "KeyError"),
    ("$ python tools.py\n" + TRACEBACK, "traceback", "KeyError"),
    ("TypeError: city is undefined\n    at getWeather (tools.js:3:9)\n", "traceback", "TypeError"),
    ({"error": "no data for 'paris, fr'"}, "json", "ToolError"),
    ({"error": {"message": "not found", "type": "NotFound"}}, "json", "NotFound"),
    ({"errors": ["city is required"], "status": 400}, "json", "ToolError"),
    ({"ok": False, "error": "rate limited"}, "json", "ToolError"),
    ({"error": "request invalid, data error. status_code=500", "response": ""}, "json", "ToolError"),
    (json.dumps({"error": "KeyError: 'paris'"}), "json", "KeyError"),
    # context keys beside an error whose value is itself an error's text (rules 3-5)
    ({"error": "KeyError: 'tokyo'", "city": {"name": "Tokyo", "country": "JP"}}, "json", "KeyError"),
    (json.dumps({"error": "Error: city not found", "query": "tokyo", "results": [1]}), "json", "ToolError"),
    ({"exception": TRACEBACK, "request": {"city": "paris, fr"}}, "json", "KeyError"),
    ({"status": "error", "message": "no such city"}, "flag", "ToolError"),
    ({"isError": True, "content": [{"type": "text", "text": "boom"}]}, "flag", "ToolError"),
]
RESULTS = [
    "light rain, 14 C",
    "1 USD = 0.92 EUR",
    "Error bars show the spread of the forecast.",
    "Error handling in Go is explicit: functions return an error value.",
    "Exceptions in Python are raised with `raise` and caught with `try`.",
    "No errors found.",
    "Errors: 0",
    "error: none",
    "The build finished. Warnings: 2, Errors: 0.",
    "Search results:\n1. ValueError: invalid literal for int() - Stack Overflow",
    "A long article. " * 20 + "\nTraceback (most recent call last):\n  File \"x\", line 1\nValueError: quoted",
    {"results": [1, 2], "error": None},
    {"data": {"city": "Paris"}, "errors": ["partial"]},
    # an error value beside a result that is not itself an error's text: a wrapper holding the result
    {"error": "Message error...", "response": "{'result': [{'title': 'Fido'}]}"},
    {"error": "see the log", "city": {"name": "Tokyo"}},
    {"error": {"message": "KeyError: 'tokyo'"}, "city": {"name": "Tokyo"}},
    {"error": "KeyError: 'tokyo'", "city": {"name": "Tokyo"}, "ok": True},
    {"ok": True, "error": ""},
    {"status": "ok", "temperature": 14},
    ["error", "list"],
    42,
    None,
]


@pytest.mark.parametrize(("result", "rule", "kind"), ERRORS, ids=lambda value: str(value)[:40])
def test_a_result_that_reads_as_an_error_is_one(result: object, rule: str, kind: str) -> None:
    shape = read_error(result)
    assert shape is not None
    assert (shape.rule, shape.type) == (rule, kind)


@pytest.mark.parametrize("result", RESULTS, ids=lambda value: str(value)[:40])
def test_a_result_that_mentions_errors_is_no_error(result: object) -> None:
    assert read_error(result) is None


def test_the_error_record_is_handled_inferred_and_names_its_rule() -> None:
    record = error_of_outputs({"return": "ERROR: no data for 'paris, fr'"})
    assert record == {"type": "ToolError", "message": "ERROR: no data for 'paris, fr'", "category": "unknown",
                      "handled": True, "inferred": True, "rule": "error_word"}


def test_outputs_with_more_than_the_result_are_read_whole() -> None:
    assert error_of_outputs({"error": "no such city", "code": 404}) is not None
    assert error_of_outputs({"return": "fine", "elapsed_ms": 3}) is None


def test_a_huge_result_is_read_within_bounds() -> None:
    assert read_error("x" * 10_000_000) is None
    assert read_error("{" + "x" * 1_000_000) is None
