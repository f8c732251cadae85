"""Judging one bad-input case's outcome (harness.py runs it).

`problems(outcome)` lists what is wrong, in words; a sound case has none:
- no exception escaped, and no "Traceback" on either stream;
- the exit code is one of the documented 0, 1, 2, 3;
- exit 2 or 3 (usage, invalid trace) says why in exactly one `namel3ss-debug: error:` line; exit 1 in at most one;
- no terminal control character from the input (ESC, C1 controls, BEL, backspace, carriage return, and on
  output meant for people, bidirectional overrides) reaches either stream as it came;
- no Rich markup from the input was read as markup (the `[blink]N3MK` canary printed without its tag);
- output asked for as JSON or JSON Lines parses;
- the case ended within its time bound and its memory bound.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from harness import Outcome
from hostile import MARK

EXIT_CODES = {0, 1, 2, 3}
ERROR_PREFIX = "namel3ss-debug: error:"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKED = re.compile(r"(.{0,40})" + MARK)


def problems(outcome: Outcome, *, app_traceback: bool = False) -> list[str]:
    """What is wrong with `outcome`, one line each. `app_traceback`: the traced app's own traceback may be
    on stderr (`trace` of an app that raises prints it, as Python would)."""
    found: list[str] = list(outcome.notes)
    if app_traceback:
        outcome = replace(outcome, stderr=without_app_tracebacks(outcome.stderr))
    if outcome.timed_out:
        found.append(f"did not finish within {outcome.bounds.wall:.0f} s")
    if outcome.escaped:
        found.append("exception escaped: " + _last_frames(outcome.escaped))
    for name in ("stdout", "stderr"):
        if "Traceback (most recent call last)" in getattr(outcome, name):
            found.append(f"a traceback on {name}: " + _last_frames(getattr(outcome, name)))
    if outcome.seconds > outcome.bounds.seconds and not outcome.timed_out:
        found.append(f"took {outcome.seconds:.1f} s of CPU (bound {outcome.bounds.seconds:.0f} s)")
    if outcome.peak_mib > outcome.bounds.mib:
        found.append(f"peak memory {outcome.peak_mib:.0f} MiB (bound {outcome.bounds.mib:.0f} MiB)")
    if outcome.exit_code is None:
        return found
    found += _exit_problems(outcome)
    found += _output_problems(outcome)
    return found


def without_app_tracebacks(text: str) -> str:
    """`text` without the traced app's own tracebacks (printed as Python prints them, raw, as `python app.py`
    would): each block from `Traceback (most recent call last):` to its exception line, when no frame of it
    is ours. A traceback through our code stays, to be reported."""
    lines, kept, n = text.splitlines(keepends=True), [], 0
    while n < len(lines):
        if lines[n].startswith("Traceback (most recent call last):"):
            end = n + 1
            while end < len(lines) and lines[end].startswith(" "):
                end += 1
            block = lines[n:end + 1]
            if not any("namel3ss_debug/" in line for line in block):
                n = end + 1
                continue
        kept.append(lines[n])
        n += 1
    return "".join(kept)


def _exit_problems(outcome: Outcome) -> list[str]:
    code, found = outcome.exit_code, []
    if code not in EXIT_CODES:
        found.append(f"exit code {code} is not one of 0, 1, 2, 3")
    errors = [line for line in outcome.stderr.splitlines() if line.startswith(ERROR_PREFIX)]
    if code in (2, 3) and len(errors) != 1:
        found.append(f"exit {code} with {len(errors)} '{ERROR_PREFIX}' lines: {outcome.stderr[-300:]!r}")
    if code == 1 and len(errors) > 1:
        found.append(f"exit 1 with {len(errors)} error lines")
    return found


def _output_problems(outcome: Outcome) -> list[str]:
    found = []
    for name in ("stdout", "stderr"):
        text = getattr(outcome, name)
        control = _CONTROL.search(text)
        if control:
            at = control.start()
            found.append(f"a raw control character {control.group()!r} on {name}: {text[max(0, at - 60):at + 20]!r}")
        if not (name == "stdout" and outcome.machine):
            bidi = _BIDI.search(text)
            if bidi:
                found.append(f"a raw bidirectional control {bidi.group()!r} on {name}")
        for before in _MARKED.findall(text):
            # shown as text: as it came, or with its brackets escaped (Markdown's \[blink\])
            if not before.replace("\\", "").endswith(("[blink]", "[link=file:///etc/passwd]", "[@click=app.quit]")):
                found.append(f"markup from the input was read as markup on {name}: ...{before}{MARK}")
                break
    if outcome.machine and outcome.exit_code in (0, 1) and outcome.stdout.strip():
        found += _parse_problems(outcome.stdout, outcome.machine)
    return found


def _parse_problems(text: str, machine: str) -> list[str]:
    try:
        if machine == "json":
            json.loads(text)
        else:
            for line in text.splitlines():
                if line.strip():
                    json.loads(line)
    except ValueError as error:
        return [f"stdout is not {machine}: {error}"]
    return []


def assert_sound(outcome: Outcome, *, app_traceback: bool = False) -> None:
    """Fail with every problem of `outcome` and what the command printed (the case's id reproduces it)."""
    found = problems(outcome, app_traceback=app_traceback)
    assert not found, "\n".join(found) + "\n" + outcome.summary()


def _last_frames(text: str) -> str:
    """The exception line and the last three frames of the (first) traceback in `text`, on one line."""
    header = text.find("Traceback (most recent call last)")
    lines = [line for line in text[max(header, 0):].splitlines()[1:] if line.strip()] if header >= 0 \
        else [line for line in text.splitlines() if line.strip()]
    block = []
    for line in lines:
        block.append(line)
        if header >= 0 and not line.startswith(" "):
            break
    frames = [_frame(line) for line in block if line.strip().startswith("File ")][-3:]
    tail = block[-1] if block else ""
    return f"{tail.strip()[:300]} | at " + " <- ".join(reversed(frames))


def _frame(line: str) -> str:
    """`File ".../namel3ss_debug/store/x.py", line 12, in f` -> `store/x.py:12 f`."""
    match = re.search(r'File "(?:.*?/namel3ss_debug/|.*/)?([^"]+)", line (\d+), in (\S+)', line)
    return f"{match.group(1)}:{match.group(2)} {match.group(3)}" if match else line.strip()
