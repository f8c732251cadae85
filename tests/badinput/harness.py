"""Running one bad-input case through the real CLI, bounded in time and memory (judge.py says what is wrong
with what came out).

In-process (`invoke`): click's CliRunner on the command group, as tests/cli do. Time is bounded as CPU time
(a busy CI machine stretches the wall clock, not the work); a SIGALRM at three times the bound, by the wall
clock, stops a case that would run or wait for ever (it raises `CaseTimeout`, a BaseException no
`except Exception` of ours swallows). Memory is the growth of this process's resident set over the case:
/proc/self/clear_refs resets the kernel's high-water mark (VmHWM) before the case, so VmHWM after it is the
case's own peak. Where /proc is not there, the process's maximum RSS so far stands in (a bound that can only
be stricter).

As a subprocess (`spawn`): for what one process cannot bound or survive in itself: device files that never
end, FIFOs, signals, `trace` running an app. The child's CPU time and peak RSS come from wait4's rusage, taken
by a small shim the child runs under (peakshim.py; not with a `driver`, which needs the command's own pid); it
is killed at three times its bound by the wall clock; an address-space limit of 4 GiB keeps a runaway child
from taking the machine down with it.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from click.testing import CliRunner

from namel3ss_debug.cli.main import cli

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

def _status_kib(field_name: str, process: str = "self") -> int | None:
    try:
        with open(f"/proc/{process}/status") as status:
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
    except BaseException as error:  # what left the CLI is the finding
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
    report, reported = os.pipe() if driver is None else (-1, -1)
    if driver is None:  # measured through peakshim.py: the worker's own peak would count otherwise
        command = [sys.executable, "-S", str(PEAK_SHIM), str(reported), str(CHILD_ADDRESS_SPACE), *command]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()  # the wall clock, to stop it; its CPU time is what is bounded
        process = subprocess.Popen(command, cwd=cwd, env=child_env(env), stdout=out, stderr=err,
                                   stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                   pass_fds=(reported,) if driver is None else ())
        if driver is None:
            os.close(reported)
        _limit(process.pid)
        if stdin is not None:
            threading.Thread(target=_feed, args=(process, stdin), daemon=True).start()
        own = OwnPeak(process.pid) if driver else None
        notes = driver(process) if driver else []
        status, usage, timed_out = _wait(process, started + bounds.wall)
        seconds, peak_kib = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
        if own is None:
            seconds, peak_kib = _shim_report(report, (seconds, peak_kib))
        elif own.stop() is not None:
            peak_kib = own.kib
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "backslashreplace"), err.read().decode("utf-8", "backslashreplace")
    code = None if timed_out else os.waitstatus_to_exitcode(status)
    return Outcome(list(argv), code, stdout, stderr, seconds, peak_kib / 1024, bounds, None, timed_out,
                   machine_format(argv), notes)


PEAK_SHIM = Path(__file__).with_name("peakshim.py")


def _shim_report(report: int, otherwise: tuple[float, int]) -> tuple[float, int]:
    """The command's CPU seconds and peak KiB as peakshim.py measured them; `otherwise` (the shim's own
    figures, which hold the worker's peak) when it was killed before it could say."""
    with os.fdopen(report, "rb") as reading:
        words = reading.read().split()
    return (float(words[0]), int(words[1])) if len(words) == 2 else otherwise


def _feed(process: subprocess.Popen, data: bytes) -> None:
    try:
        process.stdin.write(data)  # type: ignore[union-attr]
        process.stdin.close()  # type: ignore[union-attr]
    except OSError:
        pass  # the command stopped reading: what it did about it is what the case judges


class OwnPeak:
    """A driven child's own peak resident set, read from /proc while it runs (its VmHWM: the high-water mark of the
    memory it exec'd into). wait4's `ru_maxrss` of a child the worker forked directly also holds the worker's own
    resident set at the fork (Linux counts the forked copy at exec), so a worker grown past a case's bound failed
    the case; the peakshim.py children, forked from a small process, do not need this."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.kib: int | None = None
        self._done = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._done.wait(0.005):
            found = _status_kib("VmHWM", str(self.pid))  # monotonic: the last reading holds all before it
            if found is not None:
                self.kib = max(found, self.kib or 0)

    def stop(self) -> int | None:
        """The peak read (KiB), once the child has ended; None when it ended before a reading."""
        self._done.set()
        self._reader.join()
        return self.kib


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
