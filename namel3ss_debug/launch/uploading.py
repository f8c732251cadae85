"""Handing finished runs on at a run's end, without ever costing the app its run: sending them to a bucket
(`trace_upload_url`), putting them in a team's run index (`run_index_url`), or both.

A run that is to be handed on leaves a marker from its start, naming its process, which lists its segments once it
ends (`tracer/finished.py`). The sending takes each marked run of the trace directory in turn (the run just ended
first, then those earlier runs left, oldest first; a run killed before its end once its process is gone, as it is;
never a run still being written), puts its segments at `PREFIX/<file name>` and confirms each
(`store/remote_put.put_confirmed`), then has it indexed (`Indexer`: at the bucket's folder when it was sent, else at
its directory here); only then are the local files removed (unless
`trace_upload_keep_local`; never when the run was only indexed) and the marker with them. A fault at any point
leaves the run and its marker where they were, for the next run's end: a run sent whose indexing failed is put again
then (the same bytes at the same keys) and indexed. So a run is never lost and never left half handed on.

The sending is done by a process of ours (`ops/trace/handoff.py`, which adds the indexing: the run index is a use
case above this layer), started at the run's end with the settings on its standard input (a `run_index_url` may
hold a password: never in its command line) and waited for at most
`trace_upload_timeout_seconds` and a moment to start, then stopped: at the interpreter's exit (and once `trace` has
waited for the app's threads as the interpreter does) Python refuses a thread pool, which the store's client needs
for DNS, and Python 3.12.1 refuses even a thread; and what the app changed in its process (an event loop policy,
patched sockets, hooked HTTP clients) must not decide whether its runs are sent. A store or a database that cannot
be used (not reachable, no credentials, access denied) stops the sending at once: the other runs are not tried
against it. What was not handed on is said in one line: what, where it stays, and how to fix it. Nothing here
raises into the app, and its exit code is its own.

    sending = sending_for(settings, run.directory)   # None when the settings send nothing
    sent = send_finished(sending, first=run.run_id)  # sent.sent, sent.objects, sent.problem (the one line or None)
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import KEYS, Settings, display_path
from ..config.index_url import shown
from ..config.rules import plain
from ..model.bucket_url import BucketUrl, parse_bucket_url
from ..model.errors import Namel3ssDebugError
from ..model.fs import Refused
from ..model.messages import warning_line
from ..store import remote_put
from ..store.remote import RemoteObject
from ..tracer import finished, lifecycle
from ..tracer.api import get_tracer
from ..tracer.run import Run

CHILD_START_S = 10.0  # on top of the bound: a loaded machine may take seconds to start Python and import s3fs
# The sending's process: a module of the use cases' layer, named here and never imported (it imports this one)
CHILD = "namel3ss_debug.ops.trace.handoff"
_FIX_SLOW = "raise trace_upload_timeout_seconds for big runs, or check the store's speed from here"


@dataclass(frozen=True)
class Sending:
    """Where a trace directory's finished runs go, and how: to the bucket at `url` (None: none), into the index of
    `settings.run_index_url` (the settings the sending's process reads the runs with)."""

    directory: Path
    url: BucketUrl | None
    keep_local: bool
    timeout_s: float
    settings: Settings = field(default_factory=Settings)

    def steps(self, indexing: bool | None = None) -> list[tuple[str, str]]:
        """What a run's end does with the runs, said twice: (`sent to s3://...`, `sends`), (`indexed in
        postgresql://...` with no password, `indexes`); the indexing alone when `indexing`, both when None."""
        steps = []
        if self.url is not None and not indexing:
            steps.append((f"sent to {self.url.url()}", "sends"))
        if self.settings.run_index_url and indexing is not False:
            steps.append((f"indexed in {shown(self.settings.run_index_url)}", "indexes"))
        return steps

    def document(self) -> bytes:
        """The settings the sending's process is given on its standard input (`settings_from` reads them)."""
        return json.dumps({"settings": {key: plain(getattr(self.settings, key)) for key in KEYS}}).encode()


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
    index: str = ""  # the run index the runs went into (its URL with no password), "" for none
    indexed: list[str] = field(default_factory=list)  # the runs put in it (with `sent`: those sent, then indexed)


# What indexes a run the sending took, once it is in the bucket: the trace directory, the run, and its objects
# (None when it was not sent). Raises NotSent to keep the run back; gives a line that does not (a run whose trace
# cannot be read: indexing it again would not help), or None.
Indexer = Callable[[Path, finished.Pending, list[RemoteObject] | None], str | None]


def sending_for(settings: Settings, directory: Path) -> Sending | None:
    """The sending the settings ask for, for runs written in `directory`; None with neither `trace_upload_url`
    nor `run_index_url`."""
    if not settings.hands_on:
        return None
    url = parse_bucket_url(settings.trace_upload_url) if settings.trace_upload_url else None
    return Sending(directory, url, settings.trace_upload_keep_local, settings.trace_upload_timeout_seconds, settings)


def _outcome(sending: Sending) -> Sent:
    index = shown(sending.settings.run_index_url) if sending.settings.run_index_url else ""
    return Sent(sending.url.url() if sending.url is not None else "", sending.keep_local, index=index)


def send_finished(sending: Sending, first: str | None = None) -> Sent:
    """Send the finished runs of `sending.directory` (`first` before the others) in a process of ours, waiting for
    it at most the sending's timeout and CHILD_START_S. Never raises."""
    import subprocess  # noqa: PLC0415 - only a run's end that sends runs starts a process

    outcome = _outcome(sending)
    if not finished.waiting(sending.directory):
        return outcome
    bound = sending.timeout_s + CHILD_START_S
    try:
        done = subprocess.run(child_argv(sending, first), input=sending.document(), capture_output=True,
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
    """The command of the process that sends `sending`'s runs (`ops/trace/handoff.py` reads it back, and the
    settings from its standard input: `Sending.document`)."""
    return [sys.executable, "-m", CHILD, str(sending.directory), first or ""]


def _failed(sending: Sending, outcome: Sent, why: NotSent) -> Sent:
    order = finished.waiting(sending.directory)
    if order:
        outcome.problem = _line(sending, order, outcome, why)
    return outcome


# -- in the sending process ---------------------------------------------------------------------------------
class NotSent(Exception):
    """Why runs were not sent (`why`, a clause), what to do about it (`fix`), whether the store cannot be used
    for now (`stops`: no other run is tried against it) or only this run could not go, and whether it is the
    indexing that failed (`indexing`: the line says "not indexed in ...")."""

    def __init__(self, why: str, fix: str, *, stops: bool = True, indexing: bool | None = None):
        super().__init__(why)
        self.why = why
        self.fix = fix
        self.stops = stops
        self.indexing = indexing


def send_here(sending: Sending, first: str | None = None, index: Indexer | None = None) -> Sent:
    """Send the finished runs of `sending.directory` from this process, within the sending's timeout, each put in
    the run index by `index` once it is in the bucket (the caller gives it with a `run_index_url`). Never raises:
    what went wrong is the outcome's `problem`."""
    order = finished.waiting(sending.directory)
    if first in order:
        order = [first, *(run_id for run_id in order if run_id != first)]
    outcome = _outcome(sending)
    if order and not finished.LOCKS:
        outcome.problem = _line(sending, order, outcome, NotSent(
            "this system has no file locks (flock), which keep two processes from sending one run",
            "send runs from Linux or macOS, or copy the trace directory yourself"))
        return outcome
    deadline = time.monotonic() + sending.timeout_s
    for run_id in order:
        try:
            objects = _send_run(sending, run_id, deadline, index, outcome)
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
        elif sending.url is not None:
            outcome.sent.append(run_id)
            outcome.objects[run_id] = objects
    return outcome


def answer(outcome: Sent) -> str:
    """The sending process's answer to its parent: the outcome as one JSON document."""
    return json.dumps(asdict(outcome))


def _send_run(sending: Sending, run_id: str, deadline: float, index: Indexer | None,
              outcome: Sent) -> list[str] | None:
    """Put `run_id`'s segments and confirm them, index it (`index`), then let the run go; the URLs of its objects,
    or None when another process has it (or it is gone). NotSent when it could not be sent or indexed."""
    taken = finished.claim(sending.directory, run_id)
    if taken is None:
        return None
    with taken:
        objects = _put_run(sending, taken, deadline) if sending.url is not None else None
        if index is not None:
            if time.monotonic() >= deadline:
                raise NotSent(f"the sending did not end within {sending.timeout_s:g} s (trace_upload_timeout_seconds)",
                              _FIX_SLOW, indexing=True)
            note = index(sending.directory, taken.pending, objects)
            if note is None:
                outcome.indexed.append(run_id)
            else:  # let go all the same: reading it again would not help
                outcome.problem = outcome.problem or warning_line(note)
        taken.sent(keep_local=sending.keep_local or sending.url is None)
    return [found.url for found in objects] if objects is not None else []


def _put_run(sending: Sending, taken: finished.TakenRun, deadline: float) -> list[RemoteObject]:
    """Each segment of the run put and confirmed: the objects as the store holds them."""
    assert sending.url is not None
    objects = []
    for name in taken.pending.segments:
        data = _read(taken, sending.directory, name)
        if data is None:  # removed meanwhile (`clean`, retention): nothing of it is left to send
            continue
        objects.append(_put(sending, sending.url.url(name), data, deadline))
    return objects


def _put(sending: Sending, url: str, data: bytes, deadline: float) -> RemoteObject:
    left = deadline - time.monotonic()
    try:
        if left <= 0:
            raise TimeoutError
        return remote_put.put_confirmed(url, data, timeout=left)
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
    """The one line: which runs were not sent (or indexed), where to, why, where they stay, and the fix."""
    waiting = set(finished.waiting(sending.directory))  # a run let go has no marker left, whatever befell it
    left = [run_id for run_id in order if run_id in waiting and run_id not in outcome.elsewhere] or order[:1]
    runs = f"run {left[0]}" if len(left) == 1 else f"{len(left)} runs ({left[0]} and {len(left) - 1} more)"
    them = "it" if len(left) == 1 else "them"
    kept = display_path(sending.directory, Path.cwd())
    steps = sending.steps(why.indexing)
    where, verb = " nor ".join(said for said, _ in steps), " and ".join(does for _, does in steps)
    return warning_line(f"{runs} not {where}: {why.why}; kept in {kept}, and the next traced "
                        f"run's end {verb} {them}; to fix: {why.fix}")


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
    finished.hand_on(run)  # handed on (sent, indexed) at the exit, or by a later end should the process die first
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
