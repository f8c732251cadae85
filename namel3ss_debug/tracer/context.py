"""The current span, in a ContextVar, so asyncio tasks and threads each see their own.

Tasks copy the context when they are created, so a task's spans parent under the span that created it.
Threads do not: while a run is active, `propagate_to_threads` makes `Thread.start` and
`ThreadPoolExecutor.submit` (and so `loop.run_in_executor`) carry the caller's context across.
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any

current: contextvars.ContextVar[Any] = contextvars.ContextVar("namel3ss_debug_span", default=None)


def reset_current(token: contextvars.Token[Any], expected: Any = None) -> None:
    """Undo `current.set(...)`. From another context (a generator resumed elsewhere, a callback) the
    token does not apply: step back by hand, and only while `expected` (when given) is still current."""
    try:
        current.reset(token)
    except ValueError:
        if expected is None or current.get() is expected:
            current.set(token.old_value if token.old_value is not token.MISSING else None)

# What each patched attribute held when ours went in: the stdlib's, or another library's patch.
# Read when ours is called, so it stays after ours is taken out, for anyone still holding ours.
_saved: dict[str, Any] = {}
# Attributes where ours is still in the call chain: on top, or under a patch installed after ours.
_installed: set[str] = set()
_propagating = False


def _method(name: str, instance: Any) -> Any:
    """The saved attribute `name`, bound to `instance` the way `instance.name` would bind it."""
    saved = _saved[name]
    get = getattr(type(saved), "__get__", None)
    return get(saved, instance, type(instance)) if get is not None else saved


def _submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    if _propagating:
        fn, args = contextvars.copy_context().run, (fn, *args)
    return _method("submit", self)(fn, *args, **kwargs)


def _start(self: threading.Thread) -> None:
    if _propagating:
        self._namel3ss_debug_context = contextvars.copy_context()  # type: ignore[attr-defined]
    _method("start", self)()


def _bootstrap_inner(self: threading.Thread) -> None:
    # Wrapping the bootstrap rather than `run` covers Thread subclasses that override `run`.
    context = getattr(self, "_namel3ss_debug_context", None)
    bootstrap = _method("_bootstrap_inner", self)
    if context is None:
        bootstrap()
    else:
        context.run(bootstrap)


def propagate_to_threads(enabled: bool) -> None:
    """Install (or remove) context propagation into new threads and thread-pool work items.

    `concurrent.futures` is imported here, when a run starts, not when the app imports us.
    """
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 - when a run starts, not at the app's import

    global _propagating
    _propagating = enabled
    for owner, name, ours in ((threading.Thread, "start", _start),
                              (threading.Thread, "_bootstrap_inner", _bootstrap_inner),
                              (ThreadPoolExecutor, "submit", _submit)):
        if enabled:
            _install(owner, name, ours)
        else:
            _uninstall(owner, name, ours)


def _install(owner: type, name: str, ours: Any) -> None:
    # Capture what is there now, not at import: a library may have patched it since.
    # While ours is still in the chain (under a later patch), installing again would make that
    # patch call ours call that patch, forever; ours below it resumes work when `_propagating` is set.
    if name not in _installed:
        _saved[name] = owner.__dict__[name]
        setattr(owner, name, ours)
        _installed.add(name)


def _uninstall(owner: type, name: str, ours: Any) -> None:
    # A patch installed over ours during the run stays; ours under it passes calls straight through.
    if name in _installed and owner.__dict__.get(name) is ours:
        setattr(owner, name, _saved[name])
        _installed.discard(name)
