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

_ORIGINAL_START = threading.Thread.start
_ORIGINAL_BOOTSTRAP = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]


_saved: dict[str, Any] = {}  # the original ThreadPoolExecutor.submit, once concurrent.futures is imported


def _submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    return _saved["submit"](self, contextvars.copy_context().run, fn, *args, **kwargs)


def _start(self: threading.Thread) -> None:
    self._namel3ss_debug_context = contextvars.copy_context()  # type: ignore[attr-defined]
    _ORIGINAL_START(self)


def _bootstrap_inner(self: threading.Thread) -> None:
    # Wrapping the bootstrap rather than `run` covers Thread subclasses that override `run`.
    context = getattr(self, "_namel3ss_debug_context", None)
    if context is None:
        _ORIGINAL_BOOTSTRAP(self)
    else:
        context.run(_ORIGINAL_BOOTSTRAP, self)


def propagate_to_threads(enabled: bool) -> None:
    """Install (or remove) context propagation into new threads and thread-pool work items.

    `concurrent.futures` is imported here, when a run starts, not when the app imports us.
    """
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    original = _saved.setdefault("submit", ThreadPoolExecutor.submit)
    ThreadPoolExecutor.submit = _submit if enabled else original  # type: ignore[method-assign]
    threading.Thread.start = _start if enabled else _ORIGINAL_START  # type: ignore[method-assign]
    threading.Thread._bootstrap_inner = (  # type: ignore[attr-defined]
        _bootstrap_inner if enabled else _ORIGINAL_BOOTSTRAP
    )
