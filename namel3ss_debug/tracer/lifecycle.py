"""What keeps a run's trace on disk however the process ends.

- a daemon thread flushes every `flush_interval_seconds`;
- at interpreter exit the run ends (status `completed`, or `failed` after an unhandled exception): after
  Python has waited for the non-daemon threads, so that what they did is in the run;
- on SIGTERM and SIGINT the buffer is flushed, then the signal has its normal effect: the previous
  handler runs, or for the default SIGTERM action the run ends as `failed` and the signal is re-raised;
- an unhandled exception (main thread or other threads) is recorded as `error_occurred` and flushed;
- a forked child stops tracing (it would otherwise interleave writes with its parent).

A run that ends because the process does (interpreter exit, the default SIGTERM, `trace`'s end of an app in
its own process) ends with it (`end_with_process`): the threads still tracing stop where the run ended
(recorder.py), so that every event they emitted before it is in the trace and none comes after `run_end`.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable

from .run import Run
from .watch import unwatch, watch

if TYPE_CHECKING:  # core imports this module
    from .core import Tracer

_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_state: dict[str, Any] = {"tracer": None, "atexit": False, "fork": False}


@dataclass
class Hooks:
    """What `install` put in place for one run, so that `uninstall` takes exactly that away."""

    flush_stop: threading.Event = field(default_factory=threading.Event)
    excepthooks: tuple[Any, Any] = (None, None)  # ours, for sys and threading
    previous_excepthooks: tuple[Any, Any] = (None, None)
    signal_handlers: dict[int, tuple[Any, Any]] = field(default_factory=dict)  # signum -> (ours, previous)


def install(tracer: Tracer, run: Run) -> None:
    _state["tracer"] = tracer
    run.hooks = Hooks()
    _start_flusher(run)
    if not _state["atexit"]:
        atexit.register(_at_exit)
        _state["atexit"] = True
    if not _state["fork"] and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _state["fork"] = True
    _install_excepthooks(run)
    _install_signal_handlers(run)
    watch(run)


def uninstall(run: Run) -> None:
    if run.hooks is None:
        return
    unwatch(run)
    run.hooks.flush_stop.set()
    _restore_excepthooks(run.hooks)
    _restore_signal_handlers(run.hooks)


# -- periodic flush ---------------------------------------------------------------------------
def _start_flusher(run: Run) -> None:
    stop = run.hooks.flush_stop
    interval = run.settings.flush_interval_seconds

    def loop() -> None:
        while not stop.wait(interval):
            run.recorder.flush()

    thread = threading.Thread(target=loop, name="namel3ss-debug-flush", daemon=True)
    thread.start()


# -- interpreter exit and fork ------------------------------------------------------------------
_after_exit: list[Callable[[], None]] = []


def after_exit(callback: Callable[[], None]) -> None:
    """Call `callback` at interpreter exit once the run has ended, whether a run was active or not (the
    launcher's sending of finished runs, which the tracer knows nothing of). Once per callback; never after a
    signal's default end (the process is being stopped: its run waits for the next end)."""
    if callback not in _after_exit:
        _after_exit.append(callback)
    if not _state["atexit"]:
        atexit.register(_at_exit)
        _state["atexit"] = True


def _at_exit() -> None:
    try:
        _end_at_exit()
    finally:
        for callback in list(_after_exit):
            try:
                callback()
            except BaseException:  # never the app's failure, nor a second Ctrl-C's traceback
                continue


def _end_at_exit() -> None:
    tracer = _state["tracer"]
    run = tracer.run if tracer is not None else None
    if run is None:
        return
    exc = run.unhandled
    if exc is None:
        end_with_process(tracer, run, "completed", reason="interpreter exit")
    elif isinstance(exc, KeyboardInterrupt):
        end_with_process(tracer, run, "failed", exit_code=130, error=exc, reason="KeyboardInterrupt")
    else:
        end_with_process(tracer, run, "failed", exit_code=1, error=exc, reason="unhandled exception")


def end_with_process(tracer: Tracer, run: Run, status: str, **how: Any) -> None:
    """End `run` as the process ends: threads that still trace stop at its end (see the module's docstring).
    `how`: end_run's exit_code, reason and error."""
    run.recorder.end_with_process()
    tracer.end_run(status, **how)


def finish_like_the_interpreter(*, bound: float | None = None) -> list[str]:
    """Do now what the interpreter does after the main module ends: wait for non-daemon threads (and
    stop thread pools), then run the atexit callbacks; ours stays for the real exit.

    For `trace` running in its own process, so that an app's last work (a background thread finishing,
    an atexit handler) is in the trace before the run ends. Uses `threading._shutdown` and
    `atexit._run_exitfuncs`, the interpreter's own steps, where they exist. The run's end that follows is
    the process's end (`end_with_process`): the app's threads still running stop there, held until the process
    is gone, since nothing of the app runs after it (`trace` reading the run for its summary must not leave them
    working untraced meanwhile).

    With `bound` (a run a rerun stopped: the app code that would end its threads may never run, such as the
    callbacks asyncio skips when a task raises SystemExit), the threads get `bound` seconds; the names of
    those still running are returned, and the process ends without them, as it ends daemon threads (the
    interpreter does not wait for threads a second time).
    """
    tracer = _state["tracer"]
    try:
        left = end_threads(bound)
        run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
        if callable(run_exitfuncs):
            atexit.unregister(_at_exit)
            try:
                run_exitfuncs()
            finally:
                atexit.register(_at_exit)
    finally:
        if tracer is not None and tracer.run is not None:
            tracer.run.recorder.end_with_process(hold_all=True)
    return left


STOPPED_WAIT_S = 5.0  # after a rerun's stop, how long the app's threads have to end before the process goes on
_stopped = {"in_process": False}  # a rerun stopped an app in this process, which did not end with it


def note_stopped() -> None:
    _stopped["in_process"] = True


def leave_stopped_threads() -> None:
    """At the end of a process whose reruns stopped an app without ending it (verify's tries, bisect's reruns,
    a golden test): the threads those apps left get STOPPED_WAIT_S seconds, then the process ends without the
    ones still running, named, instead of waiting for them for ever at the interpreter's exit."""
    if _stopped["in_process"]:
        say_left(end_threads(STOPPED_WAIT_S))


def say_left(left: list[str]) -> None:
    if left:
        print(f"namel3ss-debug: the rerun stopped the app, and {len(left)} of its threads did not end within "
              f"{STOPPED_WAIT_S:g} s ({', '.join(left)}): the process ends without them", file=sys.stderr)


class MainWatch:
    """A watchdog for the app's main thread after a rerun's stop: the stop skips code that other code may wait
    for, and the main thread may wait for it for ever, in a thread whose stop never reached it (a queue, an
    event) or in cleanup the stop runs (a `finally` that joins a thread waiting for the skipped answer). After
    STOPPED_WAIT_S seconds without the app's end (`ended`), the main thread is interrupted as Ctrl-C would
    (SIGINT, sent to it so that a blocking wait returns), and `where` names the line it was waiting at. A main
    thread that does not end then either (it caught the interrupt, or ignores SIGINT) gets STOPPED_WAIT_S
    seconds more; then the run ends failed with the stop, a line on the terminal (`terminal()`, the descriptor
    of its stderr) says where the main thread still was, and the process ends (exit 1). Armed only when the
    app runs on the main thread (the command's own process)."""

    def __init__(self, terminal: Callable[[], int] | None = None) -> None:
        self._terminal = terminal or (lambda: 2)
        self._armed = threading.current_thread() is threading.main_thread()
        self._lock = threading.Lock()
        self._ended = threading.Event()
        self.stop: BaseException | None = None  # the stop it heard first
        self.where: str | None = None  # once it interrupted the main thread: the app's line it waited at

    def heard(self, stop: BaseException) -> None:
        with self._lock:
            if self.stop is not None or self._ended.is_set():
                return
            self.stop = stop
        if self._armed:
            threading.Thread(target=self._watch, name="namel3ss-debug: watching the stopped app", daemon=True).start()

    def ended(self) -> None:
        """The app has ended (its main thread returned): nothing to interrupt any more."""
        with self._lock:
            self._ended.set()

    def _watch(self) -> None:
        if self._ended.wait(STOPPED_WAIT_S):
            return
        with self._lock:
            if self._ended.is_set():
                return
            main = threading.main_thread()
            self.where = _waiting_at(sys._current_frames().get(main.ident or 0))
            if hasattr(signal, "pthread_kill") and main.ident is not None:
                signal.pthread_kill(main.ident, signal.SIGINT)
            else:  # no thread signals (Windows): the interrupt comes when the main thread runs Python again
                import _thread  # noqa: PLC0415 - only here

                _thread.interrupt_main()
        if not self._ended.wait(STOPPED_WAIT_S):
            self._give_up()

    def _give_up(self) -> None:
        with self._lock:
            if self._ended.is_set():
                return
            where = _waiting_at(sys._current_frames().get(threading.main_thread().ident or 0))
        tracer = _state["tracer"]
        if tracer is not None and tracer.run is not None:
            end_with_process(tracer, tracer.run, "failed", exit_code=1, error=self.stop, reason="rerun stop")
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):  # closed or replaced by the app
                continue
        line = (f"namel3ss-debug: the rerun stopped the app, and its main thread did not end when interrupted "
                f"either (still at {where}): the process ends\n")
        try:
            os.write(self._terminal(), line.encode(errors="replace"))
        finally:
            os._exit(1)

    def said(self) -> str | None:
        """The line saying the main thread was interrupted, once it was."""
        if self.where is None:
            return None
        return (f"namel3ss-debug: the rerun stopped the app, and its main thread did not end within "
                f"{STOPPED_WAIT_S:g} s (waiting at {self.where}): it was interrupted")


def _waiting_at(frame: FrameType | None) -> str:
    """The innermost line of the stack that is neither Python's library nor ours: where the app waits."""
    ours, stdlib = os.path.dirname(os.path.dirname(__file__)) + os.sep, os.path.dirname(os.__file__) + os.sep
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith(ours) and not (name.startswith(stdlib) and "site-packages" not in name):
            return f"{name}:{frame.f_lineno}"
        frame = frame.f_back
    return "a place it does not say"


def end_threads(bound: float | None) -> list[str]:
    """Wait for the non-daemon threads as the interpreter does, for at most `bound` seconds when given; the
    names of the threads still running then."""
    shutdown = getattr(threading, "_shutdown", None)
    if not callable(shutdown):
        return []
    if bound is None:
        shutdown()
        return []
    _not_waiting_for_main()
    waiting = threading.Thread(target=_quietly, args=(shutdown,), name="namel3ss-debug: waiting for the app's threads",
                               daemon=True)
    waiting.start()
    waiting.join(bound)
    if not waiting.is_alive():
        return []
    main = threading.main_thread()
    return [thread.name for thread in threading.enumerate()
            if thread is not main and not thread.daemon and thread.is_alive()]


def _not_waiting_for_main() -> None:
    """Keep `threading._shutdown`, run from a thread that is not the main one, from waiting for the main thread
    (which is the one waiting for it): the interpreter registers the main thread's lock with the non-daemon
    threads', and releases it only when `_shutdown` runs on the main thread. Without this, every bounded wait
    lasted its whole bound."""
    guard, locks = getattr(threading, "_shutdown_locks_lock", None), getattr(threading, "_shutdown_locks", None)
    main = getattr(threading.main_thread(), "_tstate_lock", None)
    if guard is not None and isinstance(locks, set) and main is not None:
        with guard:
            locks.discard(main)


def _quietly(step: Any) -> None:
    try:
        step()
    except Exception:  # the interpreter's own step; nothing of it belongs in the app's trace
        pass


def _after_fork_in_child() -> None:
    tracer = _state["tracer"]
    if tracer is not None and tracer.run is not None:
        tracer.run.recorder.closed = True  # the parent owns the file; the child writes nothing
        tracer.run = None


# -- unhandled exceptions -------------------------------------------------------------------------
def _install_excepthooks(run: Run) -> None:
    previous_sys, previous_thread = sys.excepthook, threading.excepthook

    def sys_hook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        _record_unhandled(run, exc)
        previous_sys(exc_type, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
            tracer = _state["tracer"]
            if tracer is not None and tracer.run is run:
                tracer.record_error(args.exc_value, unhandled=True, thread=getattr(args.thread, "name", None))
                run.recorder.flush()
        previous_thread(args)

    sys.excepthook = sys_hook
    threading.excepthook = thread_hook
    run.hooks.excepthooks = (sys_hook, thread_hook)
    run.hooks.previous_excepthooks = (previous_sys, previous_thread)


def _record_unhandled(run: Run, exc: BaseException) -> None:
    """The main thread's unhandled exception, recorded and flushed; the run ends at interpreter exit, failed
    with it, once Python has waited for the non-daemon threads: they may still be tracing."""
    tracer = _state["tracer"]
    if tracer is None or tracer.run is not run:
        return
    run.unhandled = exc
    tracer.record_error(exc, unhandled=True)
    run.recorder.flush()


def _restore_excepthooks(hooks: Hooks) -> None:
    # Only where ours is still in place: a hook the app installed after us stays.
    ours, previous = hooks.excepthooks, hooks.previous_excepthooks
    if ours[0] is not None and sys.excepthook is ours[0]:
        sys.excepthook = previous[0]
    if ours[1] is not None and threading.excepthook is ours[1]:
        threading.excepthook = previous[1]


# -- signals ---------------------------------------------------------------------------------------
def _install_signal_handlers(run: Run) -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # Python only lets the main thread set handlers
    for signum in _SIGNALS:
        try:
            previous = signal.getsignal(signum)
            handler = _make_handler(run, signum, previous)
            signal.signal(signum, handler)
            run.hooks.signal_handlers[signum] = (handler, previous)
        except (ValueError, OSError):
            continue


def _make_handler(run: Run, signum: int, previous: Any) -> Any:
    def handler(received: int, frame: FrameType | None) -> None:
        run.recorder.run_or_defer(lambda: _on_signal(run, received, frame, previous))

    return handler


def _on_signal(run: Run, received: int, frame: FrameType | None, previous: Any) -> None:
    tracer = _state["tracer"]
    # The run may be ending (no longer the tracer's run) while its file is still open: flush it anyway.
    run.recorder.flush()
    if callable(previous):
        previous(received, frame)
    elif previous == signal.SIG_DFL:
        if tracer is not None and tracer.run is run:
            end_with_process(tracer, run, "failed", exit_code=128 + received,
                             reason=f"signal {signal.Signals(received).name}")
        signal.signal(received, signal.SIG_DFL)
        os.kill(os.getpid(), received)


def _restore_signal_handlers(hooks: Hooks) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for signum, (handler, previous) in hooks.signal_handlers.items():
        try:
            if signal.getsignal(signum) is handler:
                signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        except (ValueError, OSError):
            continue
