"""A golden test whose rerun stops (it asks one question more than its golden run holds) while a thread of the
app's waits for code the stop skipped (as AnyIO's worker threads wait, under asyncio): the test fails with its
miss, and the pytest session ends, naming the thread it leaves, instead of waiting for it for ever. No
wall-clock assertion: the session's own timeout (run_pytest's) is the guard against the hang."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.goldensuites import isolate, run_pytest, write_suite

pytestmark = pytest.mark.slow  # pytest sessions of a sample project, in processes of their own

SUITE = '''
import os
import threading

import pytest
from namel3ss_debug import trace_llm_call


@trace_llm_call(name="chat")
def chat(prompt):
    return "Answer to " + prompt


@pytest.mark.n3replay(tools="live")
def test_asks():
    finished = threading.Event()
    threading.Thread(target=finished.wait, name="pool worker").start()  # ended only after the calls
    chat("Which city?")
    if os.environ.get("ONE_MORE"):
        chat("And the weather there?")
    finished.set()
'''


def test_a_stopped_golden_test_fails_and_the_session_ends_without_the_thread(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)
    write_suite(tmp_path, test_stop=SUITE)
    recorded = run_pytest(tmp_path, {}, "--n3-record=once")
    assert recorded.ret == 0, "\n".join(recorded.outlines + recorded.errlines)
    stopped = run_pytest(tmp_path, {"ONE_MORE": "1"}, "--n3-record=none")
    assert stopped.ret == 1, "\n".join(stopped.outlines + stopped.errlines)
    assert any(line.startswith("FAILED test_stop.py::test_asks") for line in stopped.outlines)
    assert ("namel3ss-debug: the rerun stopped the app, and 1 of its threads did not end within 5 s (pool worker): "
            "the process ends without them") in stopped.errlines
