"""Run a Python script or module in this process, as `python SCRIPT` / `python -m MODULE` would, traced."""

from __future__ import annotations

import builtins
import importlib.machinery
import importlib.util
import json
import os
import sys
import threading
import traceback
import types
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Sequence

from ..config import ResolvedSettings
from ..model.errors import Namel3ssDebugError, UsageError
from ..model.rerun_protocol import STOP_LISTENERS, RerunStop
from ..tracer import lifecycle
from ..tracer.api import get_tracer
from ..tracer.argv import process_is_cli
from ..tracer.finished import hand_on
from ..redaction.redact import Redactor
from ..tracer.run import Run
from .capture import capture_calls
from .pinned import PinnedModule, read_pinned
from .stop_noise import NOISE_SUFFIX, StopNoise

AI_SUFFIX = ".ai"  # a namel3ss app, run through the `namel3ss` package rather than as Python
# After Ctrl-C, how long the app's non-daemon threads have to end before the process ends without them: Python
# waits for them for ever, and an app whose threads never look at a stop flag would never end (issue 97).
INTERRUPTED_WAIT_S = 2.0


@dataclass(frozen=True)
class Target:
    """What to run: a script path or a module name, and the app's own arguments; for a namel3ss
    `.ai` app, the flow to run and its input (JSON text)."""

    script: str | None
    module: str | None
    args: tuple[str, ...]
    flow: str | None = None
    input: str | None = None

    @property
    def is_ai_app(self) -> bool:
        return bool(self.script) and str(self.script).endswith(AI_SUFFIX)

    @property
    def entry(self) -> dict[str, Any]:
        if self.module:
            return {"kind": "module", "module": self.module, "name": self.module}
        path = str(Path(self.script or "").resolve())
        if self.is_ai_app:
            return {"kind": "namel3ss", "path": path, "name": Path(path).name, "flow": self.flow, "input": self.input}
        return {"kind": "script", "path": path, "name": Path(path).name}

    @property
    def argv(self) -> list[str]:
        return [self.script or self.module or "", *self.args]


@dataclass
class AppOutcome:
    exit_code: int
    run: Run
    exception: BaseException | None = None


def check_target(target: Target) -> None:
    if bool(target.script) == bool(target.module):
        raise UsageError("give a script or -m MODULE (one of them)", hint="namel3ss-debug trace app.py [ARGS]...")
    if target.script and not Path(target.script).is_file():
        raise UsageError(f"no such script: {target.script}", hint="check the path, or use -m MODULE for a module")


def run_traced(target: Target, resolved: ResolvedSettings, *, own_process: bool | None = None,
               start_attrs: dict[str, Any] | None = None, files: Sequence[PinnedModule] | None = None,
               upload: bool = False) -> AppOutcome:
    """Run the target under a new run; the app's exit code becomes the outcome's.

    With `files` (a rerun's, as `recorded.py`'s `locate` pinned them and consent judged them), the code run
    is read from those files before the run starts, each through a descriptor found to be the pinned file
    (`pinned.Changed` otherwise): a script, or a module's packages and module, are not looked up again.

    With `own_process` (the process exists only to run this app; by default, when it is the
    `namel3ss-debug` command), the run ends after what the interpreter would do at exit: non-daemon
    threads finish and atexit callbacks run, traced.

    With `upload` (`trace`'s run) and a `trace_upload_url` or a `run_index_url`, the run's end leaves the marker
    of a run to hand on (`tracer/finished.py`); the caller sends and indexes it (`uploading.send_finished`) once it
    has read it.
    """
    check_target(target)
    loaded = [(file, read_pinned(file.pinned) if file.pinned else None) for file in files] if files else None
    if own_process is None:
        own_process = process_is_cli()
    tracer = get_tracer()
    capture_calls()
    prepared = None
    if target.is_ai_app:  # its usage errors (no such flow) come before the run, as a script's do
        prepared, attrs = _prepare_ai_app(target)
        start_attrs = {**(start_attrs or {}), **attrs}
    run = tracer.start_run(resolved, entry=_entry(target, resolved), argv=target.argv, start_attrs=start_attrs)
    if upload and resolved.settings.hands_on:  # known from its start: killed before its end, a later end sends it
        hand_on(run)
    saved_argv, saved_path, saved_main = sys.argv[:], sys.path[:], sys.modules.get("__main__")
    redactor = run.redactor
    noise = StopNoise(run.directory / f"{run.run_id}{NOISE_SUFFIX}",
                      (lambda text: redactor.redact_text(text, pairs=True)) if redactor is not None else None).listen()
    watch = lifecycle.MainWatch(terminal=noise.terminal)
    STOP_LISTENERS.append(watch.heard)
    left: list[str] = []
    exception: BaseException | None = None
    try:
        try:
            code, exception = _execute(target, prepared, loaded, watch)
        except KeyboardInterrupt as interrupt:  # Ctrl-C, or the watchdog's, as the app ended (`watch.ended`)
            code, exception = 130, interrupt
        if watch.where is not None:  # interrupted by the watchdog: the app ends with the stop it heard
            code, exception = 1, watch.stop
        if own_process:  # the app's __main__ stays in place: its threads and atexit callbacks use it
            code, exception, left = _finish(code, exception)
        elif isinstance(exception, RerunStop):
            lifecycle.note_stopped()  # its threads are left to the command's end (`leave_stopped_threads`)
    finally:
        STOP_LISTENERS.remove(watch.heard)
        if isinstance(exception, RerunStop):
            _release_frames(exception)
        said = noise.end(unwound=isinstance(exception, RerunStop))
        sys.argv[:], sys.path[:] = saved_argv, saved_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
    for line in (said, watch.said()):
        if line is not None:
            print(line, file=sys.stderr)
    _say_left(left, exception)
    if exception is not None:
        _drop_our_frames(exception)  # the recorded stack, like the printed one, starts in the app
        tracer.record_error(exception, unhandled=True)
    status = "completed" if code == 0 else "failed"
    tracer.end_run(status, exit_code=code, error=exception,
                   reason="unhandled exception" if exception is not None else None)
    return AppOutcome(code, run, exception)


def _entry(target: Target, resolved: ResolvedSettings) -> dict[str, Any]:
    """run_start's `entry`. An `.ai` app's input is kept there as JSON text, for a rerun; run_start's attrs
    are not redacted by key, so its secrets are redacted here, as the flow's span redacts the same input
    (a rerun gives the flow `[REDACTED]` in their place, as it gives a script its redacted arguments)."""
    entry = target.entry
    settings = resolved.settings
    if not target.is_ai_app or target.input is None or not settings.redact:
        return entry
    try:
        value = json.loads(target.input)
    except ValueError:  # refused before the run starts
        return entry
    hidden = Redactor(settings.redact_keys, settings.redact_patterns).redact(value)
    return entry if hidden == value else {**entry, "input": json.dumps(hidden, ensure_ascii=False)}


def _finish(code: int, exception: BaseException | None) -> tuple[int, BaseException | None, list[str]]:
    """The app's threads and atexit callbacks run, as at the interpreter's exit. After a rerun's stop its threads
    get `lifecycle.STOPPED_WAIT_S` seconds, after Ctrl-C `INTERRUPTED_WAIT_S` (the app's code that would end
    them may never run, and Python would wait for them for ever); the names of the ones still running are
    returned (the process ends without them). Ctrl-C while waiting ends the wait at once."""
    bound = (lifecycle.STOPPED_WAIT_S if isinstance(exception, RerunStop)
             else INTERRUPTED_WAIT_S if isinstance(exception, KeyboardInterrupt) else None)
    try:
        left = lifecycle.finish_like_the_interpreter(bound=bound)
    except KeyboardInterrupt as interrupt:  # Ctrl-C while waiting for the app's threads or in an atexit callback
        return 130, exception or interrupt, _running_threads()
    return code, exception, left


def _running_threads() -> list[str]:
    main = threading.main_thread()
    return [thread.name for thread in threading.enumerate()
            if thread is not main and not thread.daemon and thread.is_alive()]


def _say_left(left: list[str], exception: BaseException | None) -> None:
    """One line naming the app's threads the process ends without."""
    if not left:
        return
    if isinstance(exception, RerunStop):
        lifecycle.say_left(left)
        return
    print(f"namel3ss-debug: the app was interrupted, and {len(left)} of its threads ({', '.join(left)}) did not "
          f"end (they get {INTERRUPTED_WAIT_S:g} s after Ctrl-C): the process ends without them", file=sys.stderr)


def _prepare_ai_app(target: Target) -> tuple[Any, dict[str, Any]]:
    """The `.ai` app loaded with its flow chosen (UsageError if it cannot run as asked), and what
    run_start records of it."""
    from ..integrations.namel3ss import runner  # noqa: PLC0415 - only .ai apps need it

    path = str(Path(target.script or "").resolve())
    prepared = runner.prepare(path, target.flow, target.input)
    return prepared, {"namel3ss": runner.start_attrs(path, target.flow)}


def _execute(target: Target, prepared: Any = None, loaded: list[tuple[PinnedModule, bytes | None]] | None = None,
             watch: lifecycle.MainWatch | None = None) -> tuple[int, BaseException | None]:
    """Run the target as `__main__` (left in `sys.modules`; the caller puts ours back); an `.ai`
    app runs through the namel3ss runtime instead. An error of ours about an `.ai` app (an unknown
    flow, a source that does not load) is the outcome's exception, with its exit code (2, 1). A rerun's
    stop that reaches here inside an exception group (trio's nursery, a task group) is the stop."""
    try:
        return _execute_app(target, prepared, loaded)
    except RerunStop as exc:  # a SystemExit of ours: the rerun stopped the app, it did not exit
        return 1, exc
    except SystemExit as exc:
        return _exit_code(exc), None
    except KeyboardInterrupt as exc:
        return 130, exc
    except Namel3ssDebugError as exc:
        return (exc.exit_code if target.is_ai_app else 1), exc
    except BaseException as exc:
        return 1, _stop_within(exc) or exc
    finally:
        if watch is not None:
            watch.ended()


def _stop_within(exc: BaseException) -> RerunStop | None:
    """The first rerun stop an exception group holds, at any depth."""
    for inner in getattr(exc, "exceptions", None) or ():
        if isinstance(inner, RerunStop):
            return inner
        found = _stop_within(inner) if isinstance(inner, BaseException) else None
        if found is not None:
            return found
    return None


def _execute_app(target: Target, prepared: Any,
                 loaded: list[tuple[PinnedModule, bytes | None]] | None) -> tuple[int, BaseException | None]:
    if target.is_ai_app:
        _run_ai_app(target, prepared)
        return 0, None
    if target.module:
        sys.path.insert(0, os.getcwd())
        module, code = _pinned_main(target.module, loaded) if loaded else _module_main(target.module)
        sys.argv = [module.__file__ or target.module, *target.args]  # as `python -m` sets it
    else:
        script = str(Path(target.script or "").resolve())
        sys.argv = [target.script or "", *target.args]
        sys.path.insert(0, os.path.dirname(script))
        module, code = _script_main(script, loaded[0][1] if loaded else None)
    sys.modules["__main__"] = module
    _run_code(code, module)
    return 0, None


def _run_ai_app(target: Target, prepared: Any) -> None:
    from ..integrations.namel3ss.runner import run_ai_app  # noqa: PLC0415 - only .ai apps need it

    script = str(Path(target.script or "").resolve())
    sys.argv = [target.script or "", *target.args]
    sys.path.insert(0, os.path.dirname(script))
    run_ai_app(script, target.flow, target.input, prepared)


def _script_main(path: str, source: bytes | None = None) -> tuple[types.ModuleType, types.CodeType]:
    """A script as `python path` runs it: an absolute `__file__` and code filename, while `sys.argv[0]`
    stays as typed. `source`: its bytes as already read (a rerun's pinned file)."""
    if source is None:
        with open(path, "rb") as handle:
            source = handle.read()
    code = _code_of(source, path)
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=path, __builtins__=builtins, __cached__=None,
                           __loader__=importlib.machinery.SourceFileLoader("__main__", path))
    return module, code


def _module_main(name: str) -> tuple[types.ModuleType, types.CodeType]:
    """A module as `python -m name` runs it (a package runs its `__main__` submodule)."""
    spec = importlib.util.find_spec(name)
    if spec is not None and spec.submodule_search_locations is not None:
        spec = importlib.util.find_spec(f"{name}.__main__")
    if spec is None or spec.loader is None or not hasattr(spec.loader, "get_code"):
        raise ImportError(f"No module named {name}")
    code = spec.loader.get_code(spec.name)
    if code is None:
        raise ImportError(f"No code object available for {name}")
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=spec.origin, __cached__=spec.cached, __loader__=spec.loader,
                           __package__=spec.parent, __spec__=spec, __builtins__=builtins)
    return module, code


def _pinned_main(name: str, loaded: list[tuple[PinnedModule, bytes | None]]) -> tuple[types.ModuleType, types.CodeType]:
    """A module as `python -m name` runs it, from the files a rerun pinned: each package on the way is
    imported from its pinned `__init__` (its `__path__` the folder it was found in, links resolved), then
    the module's code is the pinned file's. Code that is no file (built-in, frozen) is the import system's."""
    *packages, (main, source) = loaded
    for package, init in packages:
        if package.name not in sys.modules and package.pinned is not None and init is not None:
            _import_package(package.name, str(package.pinned.path), init)
    if main.pinned is None or source is None:
        return _module_main(name)
    path = str(main.pinned.path)
    spec = importlib.util.spec_from_file_location(main.name, path)
    assert spec is not None  # a file path always has a spec
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=spec.origin, __cached__=spec.cached, __loader__=spec.loader,
                           __package__=spec.parent, __spec__=spec, __builtins__=builtins)
    return module, _code_of(source, path)


def _import_package(name: str, init: str, source: bytes) -> None:
    """The package imported as the import system would, its code the bytes already read from `init`."""
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[os.path.dirname(init)])
    assert spec is not None  # a file path always has a spec
    module = importlib.util.module_from_spec(spec)
    parent, _, child = name.rpartition(".")
    sys.modules[name] = module
    try:
        _run_code(_code_of(source, init), module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)


def _run_code(code: types.CodeType, module: types.ModuleType) -> None:
    """The app's code, run as the interpreter runs a module: the user's own program (or one they allowed)."""
    exec(code, module.__dict__)


def _code_of(data: bytes, path: str) -> types.CodeType:
    """A module's code from its file's bytes, already read: compiled source, or a `.pyc`'s code object."""
    if path.endswith(tuple(importlib.machinery.BYTECODE_SUFFIXES)):
        code = _Compiled(path, data).get_code("__main__")
        assert code is not None  # a .pyc always holds code; a bad one raises ImportError
        return code
    return compile(data, path, "exec", dont_inherit=True)


class _Compiled(importlib.machinery.SourcelessFileLoader):
    """A `.pyc` loaded from bytes already read, not read again by name."""

    def __init__(self, path: str, data: bytes) -> None:
        super().__init__("__main__", path)
        self._data = data

    def get_data(self, path: str) -> bytes:
        return self._data


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)  # as Python does for sys.exit("message")
    return 1


def app_traceback(exc: BaseException) -> str:
    """The traceback as Python would print it, without our own frames above the app's."""
    _drop_our_frames(exc)
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


_OUR_PACKAGE = str(Path(__file__).parent.parent) + os.sep


def _release_frames(stop: RerunStop) -> None:
    """Let go of what the frames a stop unwound still hold (the app's tasks, among them), so that what their
    collection prints (asyncio's "Task exception was never retrieved") comes while the stop's noise is kept
    off the terminal, not at the process's exit. The frames' code and lines, which the recorded stack reads,
    stay."""
    seen: set[int] = set()
    exc: BaseException | None = stop
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        traceback.clear_frames(exc.__traceback__)
        exc = exc.__cause__ or exc.__context__


def _drop_our_frames(exc: BaseException) -> None:
    """Start the traceback at the app's first frame: the launcher's frames above it are ours. With none of the
    app's (its script does not compile, its module is not there) no frame is left, and the error reads as
    Python's own: `File "app.py", line 1` and the caret for a SyntaxError, `No module named x`."""
    tb: TracebackType | None = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_OUR_PACKAGE):
        tb = tb.tb_next
    exc.__traceback__ = tb
