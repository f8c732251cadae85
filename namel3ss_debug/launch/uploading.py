"""Sending finished runs to a bucket (`trace_upload_url`), at a run's end, without ever costing the app its run.

A run that is to be sent leaves a marker when it ends (`tracer/finished.py`). The sending takes each marked run of
the trace directory in turn (the run just ended first, then those earlier runs left, oldest first), puts its
segments at `PREFIX/<file name>` and confirms each (`store/remote_put.put_confirmed`); only then are the local files
removed (unless `trace_upload_keep_local`) and the marker with them. A fault at any point leaves the run and its marker
where they were, for the next run's end.

The sending is done by a process of ours (`send_runs.py`), started at the run's end and waited for at most
`trace_upload_timeout_seconds` and a moment to start, then stopped: at the interpreter's exit (and once `trace` has
waited for the app's threads as the interpreter does) Python refuses a thread pool, which the store's client needs
for DNS, and Python 3.12.1 refuses even a thread; and what the app changed in its process (an event loop policy,
patched sockets, hooked HTTP clients) must not decide whether its runs are sent. A store that cannot be used (not
reachable, no credentials, access denied) stops the sending at once: the other runs are not tried against it. What
was not sent is said in one line: what, where it stays, and how to fix it. Nothing here raises into the app, and
its exit code is its own.

    sending = sending_for(settings, run.directory)   # None when the settings send nothing
    sent = send_finished(sending, first=run.run_id)  # sent.sent, sent.objects, sent.problem (the one line or None)
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import Settings, display_path
from ..model.bucket_url import BucketUrl, parse_bucket_url
from ..model.errors import Namel3ssDebugError
from ..model.fs import Refused
from ..model.messages import warning_line
from ..store import remote_put
from ..tracer import finished, lifecycle
from ..tracer.api import get_tracer
from ..tracer.run import Run

CHILD_START_S = 10.0  # on top of the bound: a loaded machine may take seconds to start Python and import s3fs
_FIX_SLOW = "raise trace_upload_timeout_seconds for big runs, or check the store's speed from here"


@dataclass(frozen=True)
class Sending:
    """Where a trace directory's finished runs go, and how."""

    directory: Path
    url: BucketUrl
    keep_local: bool
    timeout_s: float


@dataclass
class Sent:
    """What one sending did: the runs confirmed in the bucket (with their objects' URLs), those another process
    ending at the same time took, and the one line that says why some were not sent (None when none was left)."""

    url: str
    keep_local: bool = False
    sent: list[str] = field(default_factory=list)
    objects: dict[str, list[str]] = field(default_factory=dict)  # run id -> the URLs of its objects
    elsewhere: list[str] = field(default_factory=list)
    problem: str | None = None


def sending_for(settings: Settings, directory: Path) -> Sending | None:
    """The sending the settings ask for, for runs written in `directory`; None with no `trace_upload_url`."""
    if not settings.trace_upload_url:
        return None
    return Sending(directory, parse_bucket_url(settings.trace_upload_url), settings.trace_upload_keep_local,
                   settings.trace_upload_timeout_seconds)


def send_finished(sending: Sending, first: str | None = None) -> Sent:
    """Send the finished runs of `sending.directory` (`first` before the others) in a process of ours, waiting for
    it at most the sending's timeout and CHILD_START_S. Never raises."""
    import subprocess  # noqa: PLC0415 - only a run's end that sends runs starts a process

    outcome = Sent(sending.url.url(), sending.keep_local)
    if not finished.waiting(sending.directory):
        return outcome
    bound = sending.timeout_s + CHILD_START_S
    try:
        done = subprocess.run(child_argv(sending, first), stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=bound, check=False)
    except subprocess.TimeoutExpired:
        return _failed(sending, outcome, NotSent(f"the upload did not end within {bound:g} s "
                                                 "(trace_upload_timeout_seconds, and the start of its process)",
                                                 _FIX_SLOW))
    except KeyboardInterrupt:  # a second Ctrl-C: the runs wait for the next end
        return _failed(sending, outcome, NotSent("the upload was interrupted", "let the next run end uninterrupted"))
    except (OSError, ValueError, subprocess.SubprocessError) as error:
        return _failed(sending, outcome, NotSent(f"{sys.executable} could not be started ({error})",
                                                 "check the interpreter the app runs with"))
    try:  # its answer is its last line: whatever a library printed before it is not
        return Sent(**json.loads(done.stdout.splitlines()[-1]))
    except (ValueError, TypeError, IndexError):  # no answer: the process failed before it could give one
        tail = done.stderr.decode(errors="replace").strip().splitlines()
        return _failed(sending, outcome, NotSent(f"its process ended with {done.returncode}"
                                                 f"{': ' + tail[-1] if tail else ''}", "report it to namel3ss-debug"))


def child_argv(sending: Sending, first: str | None) -> list[str]:
    """The command of the process that sends `sending`'s runs (`send_runs.py` reads it back)."""
    return [sys.executable, "-m", "namel3ss_debug.launch.send_runs", str(sending.directory), sending.url.url(),
            "keep" if sending.keep_local else "remove", repr(sending.timeout_s), first or ""]


def _failed(sending: Sending, outcome: Sent, why: NotSent) -> Sent:
    order = finished.waiting(sending.directory)
    if order:
        outcome.problem = _line(sending, order, outcome, why)
    return outcome


# -- in the sending process ---------------------------------------------------------------------------------
class NotSent(Exception):
    """Why runs were not sent (`why`, a clause), what to do about it (`fix`), and whether the store cannot be used
    for now (`stops`: no other run is tried against it) or only this run could not go."""

    def __init__(self, why: str, fix: str, *, stops: bool = True):
        super().__init__(why)
        self.why = why
        self.fix = fix
        self.stops = stops


def send_here(sending: Sending, first: str | None = None) -> Sent:
    """Send the finished runs of `sending.directory` from this process, within the sending's timeout. Never raises:
    what went wrong is the outcome's `problem`."""
    order = finished.waiting(sending.directory)
    if first in order:
        order = [first, *(run_id for run_id in order if run_id != first)]
    outcome = Sent(sending.url.url(), sending.keep_local)
    if order and not finished.LOCKS:
        outcome.problem = _line(sending, order, outcome, NotSent(
            "this system has no file locks (flock), which keep two processes from sending one run",
            "send runs from Linux or macOS, or copy the trace directory yourself"))
        return outcome
    deadline = time.monotonic() + sending.timeout_s
    for run_id in order:
        try:
            objects = _send_run(sending, run_id, deadline)
        except NotSent as failure:
            outcome.problem = outcome.problem or _line(sending, order, outcome, failure)
            if failure.stops:
                break
            continue
        except Exception as error:  # a failure of ours: said once
            outcome.problem = _line(sending, order, outcome, NotSent(
                f"the upload failed ({type(error).__name__}: {error})", "report it to namel3ss-debug"))
            break
        if objects is None:
            outcome.elsewhere.append(run_id)
        else:
            outcome.sent.append(run_id)
            outcome.objects[run_id] = objects
    return outcome


def answer(outcome: Sent) -> str:
    """The sending process's answer to its parent: the outcome as one JSON document."""
    return json.dumps(asdict(outcome))


def _send_run(sending: Sending, run_id: str, deadline: float) -> list[str] | None:
    """Put `run_id`'s segments and confirm them, then let the run go; the URLs of its objects, or None when
    another process has it (or it is gone). NotSent when it could not be sent."""
    taken = finished.claim(sending.directory, run_id)
    if taken is None:
        return None
    with taken:
        objects = []
        for name in taken.pending.segments:
            data = _read(taken, sending.directory, name)
            if data is None:  # removed meanwhile (`clean`, retention): nothing of it is left to send
                continue
            url = sending.url.url(name)
            _put(sending, url, data, deadline)
            objects.append(url)
        taken.sent(keep_local=sending.keep_local)
    return objects


def _put(sending: Sending, url: str, data: bytes, deadline: float) -> None:
    left = deadline - time.monotonic()
    try:
        if left <= 0:
            raise TimeoutError
        remote_put.put_confirmed(url, data, timeout=left)
    except remote_put.NotStored as refused:  # this object's fault: the other runs may still go
        raise NotSent(refused.message, refused.hint or "", stops=False) from None
    except (Namel3ssDebugError, TimeoutError) as failure:
        if time.monotonic() >= deadline or isinstance(failure, TimeoutError):
            raise NotSent(f"the upload did not end within {sending.timeout_s:g} s (trace_upload_timeout_seconds)",
                          _FIX_SLOW) from None
        why = failure.message if isinstance(failure, Namel3ssDebugError) else str(failure)
        raise NotSent(why, getattr(failure, "hint", None) or "check trace_upload_url and the store") from None


def _read(taken: finished.TakenRun, directory: Path, name: str) -> bytes | None:
    try:
        return taken.read(name)
    except Refused as refused:
        raise NotSent(f"{refused.path} {refused.why}", "remove it: only files the tracer wrote are sent",
                      stops=False) from None
    except OSError as error:
        raise NotSent(f"{directory / name} could not be read ({error.strerror or error})",
                      "check the trace directory's permissions", stops=False) from None


def _line(sending: Sending, order: list[str], outcome: Sent, why: NotSent) -> str:
    """The one line: which runs were not sent, where to, why, where they stay, and the fix."""
    left = [run_id for run_id in order if run_id not in outcome.sent and run_id not in outcome.elsewhere]
    runs = f"run {left[0]}" if len(left) == 1 else f"{len(left)} runs ({left[0]} and {len(left) - 1} more)"
    them = "it" if len(left) == 1 else "them"
    kept = display_path(sending.directory, Path.cwd())
    return warning_line(f"{runs} not sent to {sending.url.url()}: {why.why}; kept in {kept}, and the next traced "
                        f"run's end sends {them}; to fix: {why.fix}")


# -- a run started without the CLI: sent when the process exits --------------------------------------------
_at_exit: dict[Path, Sending] = {}
_owner = {"pid": 0}


def send_at_exit(run: Run) -> None:
    """Have `run` (started by autostart or `configure()`) leave its marker when it ends, and the process's exit
    send it with what earlier runs of its directory left (`lifecycle.after_exit`). Never raises."""
    try:
        sending = sending_for(run.settings, run.directory)
    except ValueError:  # the settings checked the URL: not reached
        return
    if sending is None:
        return
    run.upload = True
    _at_exit[sending.directory] = sending
    _owner["pid"] = os.getpid()
    lifecycle.after_exit(_send_at_exit)


def _send_at_exit() -> None:
    if os.getpid() != _owner["pid"]:  # a forked child's exit: the parent sends its runs
        return
    last = get_tracer().last_run
    for sending in list(_at_exit.values()):
        problem = send_finished(sending, last.run_id if last is not None else None).problem
        if problem:
            _say(problem)


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):  # the app closed or replaced stderr: nowhere left to say it
        pass
