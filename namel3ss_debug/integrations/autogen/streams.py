"""Which AutoGen object's span is current: an agent or a team whose wrapped method calls another of its own
(`on_messages` calling `on_messages_stream`, a subclass's calling its base's) makes one span, not two.

AutoGen's agents and teams do their work in async generators (`on_messages_stream`, `run_stream`) that the
caller steps through; their spans are current only while a step is made (`integrations/streamed_runs.py`), and
`owning` is the context each step is made in. Tasks a step starts (AutoGen runs tool calls in tasks) copy the
context then, with the span in it: their spans nest under it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_stepping: ContextVar[Any] = ContextVar("namel3ss_debug_autogen_stepping", default=None)


def stepping() -> Any:
    """The owner of the span current here (a spanned stream's step, or `owning`), if any."""
    return _stepping.get()


@contextmanager
def owning(owner: Any) -> Iterator[None]:
    """`stepping()` is `owner` inside the block: a coroutine's span of its own."""
    token = _stepping.set(owner)
    try:
        yield
    finally:
        _stepping.reset(token)
