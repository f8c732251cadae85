"""A rerun's stop ends the app however the app runs the call that stopped: made in a thread of the app's while the
main thread waits for that thread's answer (which never comes), or made in the main thread whose cleanup then
waits for a thread that waits for the skipped answer, the main thread is interrupted after a few seconds, and a
line names where it waited; made in a trio task, the stop that trio hands on inside an exception
group is the rerun's stop, not a crash of the app. No wall-clock assertion: each command's own timeout is the
guard against the hang."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from stoppedapps import recorded_app
from support.rerunhelpers import command

SYNC_APP = '''
import os
import queue
import threading

from namel3ss_debug import trace_llm_call


@trace_llm_call(name="chat")
def chat(prompt):
    return "Answer to " + prompt


print(chat("Which city?"))
if os.environ.get("ONE_MORE"):
{one_more}'''
THREADED = '''
answers = queue.Queue()
threading.Thread(target=lambda: answers.put(chat("And the weather there?")), name="asker").start()
print(answers.get())  # no answer comes when the stop ends the asker
'''
JOINED = '''
answers = queue.Queue()
printer = threading.Thread(target=lambda: print(answers.get()), name="printer")
printer.start()
try:
    answers.put(chat("And the weather there?"))
finally:
    printer.join()  # the printer waits for the answer the stop skipped
'''
STUBBORN = '''
try:
    chat("And the weather there?")
finally:
    while True:  # cleanup that waits for what the stop skipped, and shrugs Ctrl-C off
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
'''
TRIO = '''
import os

import trio

from namel3ss_debug import trace_llm_call


@trace_llm_call(name="chat")
async def chat(prompt):
    return "Answer to " + prompt


async def main():
    print(await chat("Which city?"))
    if os.environ.get("ONE_MORE"):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(chat, "And the weather there?")
            nursery.start_soon(trio.sleep_forever)


trio.run(main)
'''
MISSED = "not reproduced: 1 call(s) had no recorded answer"
STOPPED = "rerun:    stopped: no recorded answer"


def sync_app(one_more: str) -> str:
    """The app that asks one question, and with ONE_MORE set does `one_more` (which asks another)."""
    return SYNC_APP.format(one_more=textwrap.indent(one_more.lstrip("\n"), "    "))


def line_of(source: str, text: str) -> int:
    """The number of the line of `source` that ends with `text` (where the app waits, as the watchdog names it)."""
    return next(number for number, line in enumerate(source.splitlines(), 1) if line.endswith(text))


def rerun_one_more(directory: Path, source: str) -> tuple[int, str, str]:
    recorded_app(directory, source)
    done = command("replay", "rec", "--rerun", "-o", "new", "-y", cwd=directory, extra={"ONE_MORE": "1"},
                   timeout=120)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(("one_more", "waiting"), [(THREADED, "# no answer comes when the stop ends the asker"),
                                                   (JOINED, "# the printer waits for the answer the stop skipped")],
                         ids=["stopped-thread", "cleanup"])
def test_a_main_thread_left_waiting_by_a_stop_is_interrupted_and_the_rerun_ends(tmp_path: Path, one_more: str,
                                                                                 waiting: str) -> None:
    source = sync_app(one_more)
    line = line_of(source, waiting)
    code, out, err = rerun_one_more(tmp_path, source)
    assert (code, out.splitlines()[2]) == (1, MISSED), out + err
    assert STOPPED in out
    assert ("namel3ss-debug: the rerun stopped the app, and its main thread did not end within 5 s (waiting at "
            f"{tmp_path / 'app.py'}:{line}): it was interrupted") in err.splitlines(), err
    assert "Traceback" not in err and "KeyboardInterrupt" not in out + err


def test_a_main_thread_that_does_not_end_when_interrupted_ends_with_the_process(tmp_path: Path) -> None:
    source = sync_app(STUBBORN)
    line = line_of(source, "threading.Event().wait()")
    code, out, err = rerun_one_more(tmp_path, source)
    assert code == 1, out + err
    assert ("namel3ss-debug: the rerun stopped the app, and its main thread did not end when interrupted either "
            f"(still at {tmp_path / 'app.py'}:{line}): the process ends") in err.splitlines(), err
    [trace] = (tmp_path / "new").glob("*.jsonl")
    end = json.loads(trace.read_text().splitlines()[-1])
    assert (end["event_type"], end["status"], end["error"]["type"]) == \
        ("run_end", "failed", "namel3ss_debug.model.rerun_protocol.RerunMiss"), end


def test_a_stop_in_a_trio_nursery_is_the_reruns_stop_not_a_crash(tmp_path: Path) -> None:
    pytest.importorskip("trio")
    code, out, err = rerun_one_more(tmp_path, TRIO)
    assert (code, out.splitlines()[2]) == (1, MISSED), out + err
    assert STOPPED in out and "ExceptionGroup" not in out
    assert "Traceback" not in err and "Exception Group" not in err, err
