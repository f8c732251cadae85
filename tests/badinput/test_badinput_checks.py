"""The corpus's judge can fail: each kind of unsound outcome it looks for is reported, on a real command's
outcome changed to have it (a judge that passed everything would make the corpus say nothing)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from harness import Bounds, Outcome, invoke
from hostile import MARK
from judge import problems

ERROR = "namel3ss-debug: error: no such trace file: x\n"


@pytest.fixture(scope="module")
def sound() -> Outcome:
    outcome = invoke(["config", "show", "--format", "json"])
    assert problems(outcome) == [], outcome.summary()
    return outcome


@pytest.mark.parametrize(("change", "reported"), [
    ({"escaped": 'Traceback (most recent call last):\n  File "x.py", line 1, in f\nKeyError: 1\n'},
     "exception escaped: KeyError: 1"),
    ({"stderr": "Traceback (most recent call last):\nValueError\n"}, "a traceback on stderr"),
    ({"exit_code": 4}, "exit code 4 is not one of 0, 1, 2, 3"),
    ({"exit_code": 2, "stderr": "Error: bad\n"}, "exit 2 with 0 'namel3ss-debug: error:' lines"),
    ({"exit_code": 3, "stderr": ERROR * 2}, "exit 3 with 2 'namel3ss-debug: error:' lines"),
    ({"stdout": "name \x1b[2J\n"}, "a raw control character '\\x1b' on stdout"),
    ({"stderr": "name \x9b31m\n"}, "a raw control character '\\x9b' on stderr"),
    ({"stderr": "a \u202eN3BIDI\n"}, "a raw bidirectional control"),
    ({"stdout": f"tool {MARK} done\n"}, "markup from the input was read as markup on stdout"),
    ({"stdout": "{not json"}, "stdout is not json"),
    ({"timed_out": True, "exit_code": None}, "did not finish within 30 s"),
    ({"seconds": 11.0}, "took 11.0 s of CPU (bound 10 s)"),
    ({"peak_mib": 600.0}, "peak memory 600 MiB (bound 512 MiB)"),
])
def test_each_kind_of_unsound_outcome_is_reported(sound: Outcome, change: dict, reported: str) -> None:
    found = problems(replace(sound, bounds=Bounds(10.0, 512.0), **change))
    assert any(item.startswith(reported) for item in found), found


def test_markup_shown_as_text_is_not_reported(sound: Outcome) -> None:
    assert problems(replace(sound, stdout=f'{{"name": "[blink]{MARK}[/blink]"}}')) == []
