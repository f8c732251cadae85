"""The pytest plugin's cost checks over a call that recorded no usage (a stream made without include_usage):
the call is of unknown cost, not free, and `assert_max_cost` refuses to pass, naming it."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["pytester"]

APP = r'''
from namel3ss_debug import trace_llm_call


@trace_llm_call(name="stream", model="gpt-4o")
def stream(question):
    return "".join(["Par", "is"])  # what a stream's chunks add up to: no usage comes with them
'''


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No tracing configuration of the developer's; plugins load from their entry points, as a user's do (but
    those tests/conftest.py leaves out, in PYTEST_ADDOPTS)."""
    for name in [n for n in os.environ if n.startswith("NAMEL3SS_DEBUG_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)


def test_a_call_without_usage_is_unpriced_and_the_cost_limit_cannot_be_checked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(streamapp=APP)
    pytester.makepyfile(test_sample='''
from streamapp import stream

def test_figures(n3trace):
    stream("capital of France?")
    assert n3trace.cost == 0 and len(n3trace.no_usage_calls) == len(n3trace.unpriced_calls) == 1

def test_limit(n3trace):
    stream("capital of France?")
    n3trace.assert_max_cost(1.0)
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "E       AssertionError: cannot check a cost limit of $1: 1 LLM call recorded no usage, so the cost is "
        "unknown (a stream reports usage only when asked: stream_options={'include_usage': True}):",
        "E         seq * llm_call_end  llm:stream  completed  model gpt-4o  no usage  * ms",
    ], consecutive=True)
