"""What an app prints on stderr while a rerun's stop unwinds it (a framework logging the stop with its traceback,
asyncio reporting the task the stop ended) is kept off the terminal, in `<run>.stop-noise.log` beside the new
trace, and one line says so; what the app printed before the stop stays on the terminal. The app is an asyncio
app that asks one question more than it recorded, in a task of its own, as frameworks run their steps."""

from __future__ import annotations

from pathlib import Path

import pytest
from stoppedapps import recorded_app
from support.rerunhelpers import command

APP = '''
import asyncio
import logging
import os
import sys

from namel3ss_debug import trace_llm_call

logging.basicConfig()  # its handler holds stderr from here on, as a framework's does
log = logging.getLogger("framework")


@trace_llm_call(name="chat")
async def chat(prompt):
    return "Answer to " + prompt


async def step(prompt):
    try:
        return await chat(prompt)
    except BaseException:
        log.exception("the step failed, sent with Authorization: Bearer " + os.environ.get("SECRET_TOKEN", "none"))
        raise


async def main():
    print("app: starting", file=sys.stderr)
    print(await step("Which city?"))
    if os.environ.get("ONE_MORE"):
        worker = asyncio.ensure_future(step("And the weather there?"))  # a step no one awaits at once
        await asyncio.sleep(0.5)
        await worker


asyncio.run(main())
'''
SECRET = "sk-proj-Zq8vN3xT5wLk2Rj7Hm4Pd9Cs6Bf1Gy0Ae"  # a key's shape: the redactor knows it
NOISE = "namel3ss-debug: what the frameworks printed while the stop unwound the app ({count} lines) is in {path}"


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    return recorded_app(tmp_path, APP)


def test_the_noise_of_a_stop_goes_to_a_file_and_one_line_says_where(recorded: Path) -> None:
    done = command("replay", "rec", "--rerun", "-o", "new", "-y", cwd=recorded,
                   extra={"ONE_MORE": "1", "SECRET_TOKEN": SECRET}, timeout=120)
    assert done.returncode == 1, done.stderr
    assert SECRET not in done.stderr
    assert "not reproduced: 1 call(s) had no recorded answer" in done.stdout
    [noise] = (recorded / "new").glob("*.stop-noise.log")
    text = noise.read_text()
    assert "ERROR:framework:the step failed" in text and "Traceback" in text
    assert SECRET not in text and "Bearer [REDACTED" in text, text  # redacted as the run's events are
    lines = done.stderr.splitlines()
    assert lines[0].startswith("rerun of ") and lines[1:] == [
        "app: starting", NOISE.format(count=len(text.splitlines()), path=noise)], done.stderr


def test_a_rerun_that_is_not_stopped_writes_no_noise_file(recorded: Path) -> None:
    done = command("replay", "rec", "--rerun", "-o", "new", "-y", cwd=recorded, timeout=120)
    assert done.returncode == 0, done.stderr
    assert list((recorded / "new").glob("*.stop-noise.log")) == []
    assert done.stderr.splitlines()[1:] == ["app: starting"], done.stderr
