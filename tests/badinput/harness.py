"""Running one bad-input case through the real CLI, bounded in time and memory, and judging what came out.

In-process (`invoke`): click's CliRunner on the command group, as tests/cli do. Time is bounded as CPU time
(a busy CI machine stretches the wall clock, not the work); a SIGALRM at three times the bound, by the wall
clock, stops a case that would run or wait for ever (it raises `CaseTimeout`, a BaseException no
`except Exception` of ours swallows). Memory is the growth of this process's resident set over the case: /proc/self/clear_refs
resets the kernel's high-water mark (VmHWM) before the case, so VmHWM after it is the case's own peak. Where
/proc is not there, the process's maximum RSS so far stands in (a bound that can only be stricter).

As a subprocess (`spawn`): for what one process cannot bound or survive in itself: device files that never
end, FIFOs, signals, `trace` running an app. The child's CPU time and peak RSS come from wait4's rusage; it
is killed at three times its bound by the wall clock; an address-space limit of 4 GiB keeps a runaway child
from taking the machine down with it.

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
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from click.testing import CliRunner
from hostile import MARK

from namel3ss_debug.cli.main import cli

EXIT_CODES = {0, 1, 2, 3}
ERROR_PREFIX = "namel3ss-debug: error:"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKED = re.compile(r"(.{0,40})" + MARK)
CHILD_ADDRESS_SPACE = 4 << 30
# Colour forced on by the environment would put our own escapes in the output, which the checks would blame
# on the input; the widths keep Rich from folding a canary across lines.
QUIET_ENV = {"NO_COLOR": "1", "FORCE_COLOR": None, "CLICOLOR_FORCE": None, "COLUMNS": "200", "LINES": "50",
             "TERM": "dumb", "PAGER": "cat"}


@dataclass(frozen=True)
class Bounds:
    """How much CPU time and memory one case may take. `seconds` bounds the CPU time (this process's during
    the case, or the child's), which a busy machine does not inflate as it does the wall clock; a case is
    stopped once the wall clock passes `WALL` times that (a wait that burns no CPU, such as a hang on a
    FIFO, is caught there). `mib` bounds the growth of the resident set in-process, the child's whole peak
    RSS as a subprocess."""

    seconds: float = 10.0
    mib: float = 512.0

    @property
    def wall(self) -> float:
        return self.seconds * WALL


WALL = 3


class CaseTimeout(BaseException):
    """The case ran past its time bound (raised by the alarm into whatever the CLI was doing)."""


@dataclass
class Outcome:
    argv: list[str]
    exit_code: int | None
    stdout: str
    stderr: str
    seconds: float  # CPU time
    peak_mib: float
    bounds: Bounds
    escaped: str | None = None  # an exception that left the CLI, formatted
    timed_out: bool = False
    machine: str | None = None  # "json" or "jsonl" when stdout must be that
    notes: list[str] = field(default_factory=list)  # what a driver (a page fetch) found wrong

    def summary(self) -> str:
        return (f"argv={self.argv!r} exit={self.exit_code} {self.seconds:.2f}s {self.peak_mib:.0f}MiB (CPU, memory)\n"
                f"stderr: {self.stderr[-1500:]!r}\nstdout: {self.stdout[-600:]!r}")


# -- memory -------------------------------------------------------------------------------------------------

def _status_kib(field_name: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


class PeakMemory:
    """The growth of this process's resident set from `start()` to `stop()`, in MiB."""

    def start(self) -> None:
        self.exact = _reset_peak()
        self.before = _status_kib("VmRSS") if self.exact else 0

    def stop(self) -> float:
        if self.exact:
            return ((_status_kib("VmHWM") or 0) - (self.before or 0)) / 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- in process ---------------------------------------------------------------------------------------------

def _alarm(signum: int, frame: Any) -> None:
    raise CaseTimeout()


def machine_format(argv: list[str]) -> str | None:
    """What stdout must parse as, from the options: `--format json` / `jsonl`, `export ... -`."""
    for flag, value in zip(argv, argv[1:]):
        if flag == "--format" and value in ("json", "jsonl"):
            return "jsonl" if argv[:1] == ["replay"] else value  # replay writes a JSON line a stop
    if argv[:1] == ["export"] and argv[-1:] == ["-"]:
        return "jsonl" if "otlp-json" in argv else "json"
    return None


class Gate:
    """Lets a driver thread press Ctrl-C on the command only while the case runs: a SIGINT sent after the
    command returned would stop pytest instead."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open = True

    def interrupt(self) -> bool:
        with self._lock:
            if self.open:
                signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # type: ignore[arg-type]
            return self.open

    def close(self) -> None:
        with self._lock:
            self.open = False


def invoke(argv: list[str], *, stdin: str | bytes | None = None, env: dict[str, str | None] | None = None,
           bounds: Bounds = Bounds(), driver: Callable[[Gate], list[str]] | None = None) -> Outcome:
    """Run `namel3ss-debug ARGV` in this process. `driver`, when given, runs in a thread beside the command
    (a browser fetching the page `view` serves, then pressing Ctrl-C); what it returns are problems."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGALRM, signal.SIGINT)}
    memory, gate, notes = PeakMemory(), Gate(), []
    thread = threading.Thread(target=lambda: notes.extend(driver(gate)), daemon=True) if driver else None

    def interrupted(signum: int, frame: Any) -> None:
        if gate.open:  # pressed while the command runs; one arriving after it is dropped
            raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGINT, interrupted)
    memory.start()
    started = time.process_time()
    escaped, timed_out, result = None, False, None
    try:
        signal.setitimer(signal.ITIMER_REAL, bounds.wall)
        if thread:
            thread.start()
        result = CliRunner().invoke(cli, argv, input=stdin, env={**QUIET_ENV, **(env or {})},
                                    catch_exceptions=True)
    except CaseTimeout:
        timed_out = True
    except BaseException as error:  # noqa: BLE001 - what left the CLI is the finding
        escaped = "".join(traceback.format_exception(error))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        seconds = time.process_time() - started
        gate.close()
    if thread:
        thread.join(5)
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    peak = memory.stop()
    if result is not None and result.exception is not None and not isinstance(result.exception, SystemExit):
        if isinstance(result.exception, CaseTimeout):
            timed_out = True
        else:
            escaped = "".join(traceback.format_exception(*result.exc_info))  # type: ignore[misc]
    code = result.exit_code if result is not None and not (timed_out or escaped) else None
    return Outcome(list(argv), code, _text(result, "stdout"), _text(result, "stderr"), seconds, peak, bounds,
                   escaped, timed_out, machine_format(argv), notes)


def _text(result: Any, stream: str) -> str:
    if result is None:
        return ""
    data = getattr(result, f"{stream}_bytes")
    return data.decode("utf-8", "backslashreplace")


# -- subprocess ---------------------------------------------------------------------------------------------

def child_env(extra: dict[str, str | None] | None = None) -> dict[str, str]:
    """This environment without our variables or an OpenTelemetry endpoint, quiet, plus `extra`."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}
    for key, value in {**QUIET_ENV, "PYTHONDONTWRITEBYTECODE": "1", **(extra or {})}.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _limit(pid: int) -> None:
    """The child's address space capped, set once it runs: a preexec_fn would run Python between fork and
    exec, where this process's threads (the gRPC receiver's) can make the child abort."""
    try:
        resource.prlimit(pid, resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))
    except (OSError, ValueError):
        pass  # it has ended already


def spawn(argv: list[str], *, cwd: Path, stdin: bytes | None = None, env: dict[str, str | None] | None = None,
          bounds: Bounds = Bounds(), program: list[str] | None = None,
          driver: Callable[[subprocess.Popen], list[str]] | None = None) -> Outcome:
    """Run `python -m namel3ss_debug ARGV` (or `program`) in `cwd`; kill it at the time bound. `driver` gets
    the running process (to send it a signal, write to a FIFO) and returns problems."""
    command = program or [sys.executable, "-m", "namel3ss_debug", *argv]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()  # the wall clock, to stop it; its CPU time is what is bounded
        process = subprocess.Popen(command, cwd=cwd, env=child_env(env), stdout=out, stderr=err,
                                   stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
        _limit(process.pid)
        if stdin is not None:
            threading.Thread(target=_feed, args=(process, stdin), daemon=True).start()
        notes = driver(process) if driver else []
        status, usage, timed_out = _wait(process, started + bounds.wall)
        seconds = usage.ru_utime + usage.ru_stime
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "backslashreplace"), err.read().decode("utf-8", "backslashreplace")
    code = None if timed_out else os.waitstatus_to_exitcode(status)
    return Outcome(list(argv), code, stdout, stderr, seconds, usage.ru_maxrss / 1024, bounds, None, timed_out,
                   machine_format(argv), notes)


def _feed(process: subprocess.Popen, data: bytes) -> None:
    try:
        process.stdin.write(data)  # type: ignore[union-attr]
        process.stdin.close()  # type: ignore[union-attr]
    except OSError:
        pass  # the command stopped reading: what it did about it is what the case judges


def _wait(process: subprocess.Popen, deadline: float) -> tuple[int, Any, bool]:
    """(wait status, rusage, timed out) of `process`, killed at `deadline`."""
    pause = 0.001
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return status, usage, False
        if time.perf_counter() > deadline:
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = -9
            return status, usage, True
        time.sleep(pause)
        pause = min(pause * 2, 0.02)


# -- judging ------------------------------------------------------------------------------------------------

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
