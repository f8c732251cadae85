"""A rerun that stops an app (here, a miss: the app asks one question more than it recorded) ends in bounded
time even when a thread of the app waits for code that the stop skipped: the thread gets a few seconds, then
the command says which threads it leaves and ends, as `replay --rerun` and as `verify` (whose tries run in one
process). The app is a stand-in for anyio's worker threads, which wait for a callback asyncio skips when a task
raises our stop. No wall-clock assertion: each command's own timeout is the guard against the hang."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from stoppedapps import recorded_app
from support.rerunhelpers import command

APP = '''
import os
import threading

from namel3ss_debug import trace_llm_call

finished = threading.Event()
threading.Thread(target=finished.wait, name="pool worker").start()  # ended only by the code after the calls


@trace_llm_call(name="chat")
def chat(prompt):
    return "Answer to " + prompt


print(chat("Which city?"))
if os.environ.get("ONE_MORE"):
    print(chat("And the weather there?"))
finished.set()
'''
LEFT = "namel3ss-debug: the rerun stopped the app, and {count} of its threads did not end within 5 s ({names})"


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    return recorded_app(tmp_path, APP)


def test_a_stopped_rerun_leaves_a_waiting_thread_and_ends(recorded: Path) -> None:
    done = command("replay", "rec", "--rerun", "-o", "new", "-y", cwd=recorded, extra={"ONE_MORE": "1"}, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "not reproduced: 1 call(s) had no recorded answer" in done.stdout
    assert LEFT.format(count=1, names="pool worker") in done.stderr
    assert "Traceback" not in done.stderr


def test_verify_whose_tries_stop_leaves_their_threads_and_reaches_its_verdict(recorded: Path) -> None:
    done = command("verify", "rec", "-y", "--repeat", "2", cwd=recorded, extra={"ONE_MORE": "1"}, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "\ninconclusive: all 2 tries: the new run was stopped: llm:chat#2 had no recorded answer" in done.stdout
    assert LEFT.format(count=2, names="pool worker, pool worker") in done.stderr


def test_a_rerun_that_is_not_stopped_waits_for_the_thread_as_python_does(recorded: Path) -> None:
    done = command("replay", "rec", "--rerun", "-o", "new", "-y", cwd=recorded, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "reproduced" in done.stdout and "did not end" not in done.stderr


def test_the_bounded_wait_ends_as_soon_as_the_apps_threads_have_ended_not_at_its_bound(tmp_path: Path) -> None:
    """`threading._shutdown` run off the main thread waits for the main thread too (its lock is the
    interpreter's, among the non-daemon threads'): that made every stopped rerun wait its whole bound. With a
    bound of ten minutes, the subprocess's own timeout (two) is the guard."""
    code = ("import threading\nfrom namel3ss_debug.tracer.lifecycle import end_threads\n"
            "done = threading.Thread(target=lambda: None, name='quick'); done.start()\n"
            "print(end_threads(600))\n")
    ran = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (ran.returncode, ran.stdout.strip()) == (0, "[]"), ran.stderr
