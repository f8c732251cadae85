"""One piece of work done by a forked process while this one does another (the other core of a 2-core box).

`diff` reads BASE in a fork while it reads NEW itself: two runs take the time of one. The work's result
comes back pickled through a pipe (`pipe.py`: a call table's columns out of band); one of our errors comes
back and is raised here, as if the work had run here; anything else (the fork died, the result would not
pickle) makes the work run here after all, so a fork can cost time but never an answer. Without `fork` (not
Linux or macOS) or a second CPU, the work just runs here, when its result is asked for.
"""

from __future__ import annotations

import os
import traceback
from typing import Any, Callable, Generic, Iterable, TypeVar

from ...model.errors import Namel3ssDebugError
from . import pipe
from .child import Child

T = TypeVar("T")


MIN_BYTES = 16 << 20  # below this, reading takes less than starting a process and sending the result back


def can_fork() -> bool:
    """Whether work can go to a second process here: `fork`, and a second CPU for it to run on."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2


def worth_forking(paths: Iterable[str]) -> bool:
    """Whether reading these files is worth a second process: it can fork, and they are MIN_BYTES or more."""
    if not can_fork():
        return False
    try:
        return sum(os.stat(path).st_size for path in paths) >= MIN_BYTES
    except OSError:
        return False


class Forked(Generic[T]):
    """`work` started in a forked process now; `result()` waits for it."""

    def __init__(self, work: Callable[[], T]):
        self.work = work
        self.child: Any = None
        if can_fork():
            receiver, sender = pipe.pipe()
            self.receiver = receiver
            self.child = Child(lambda: _run(work, sender, receiver))  # `result` or `cancel` ends it
            sender.close()

    def result(self) -> T:
        if self.child is None:
            return self.work()
        try:
            kind, value = pipe.receive(self.receiver)
        except pipe.BROKEN:  # the child died without a word
            kind, value = "crash", None
        finally:
            self.child.join(timeout=5)
            if self.child.is_alive():
                self.child.terminate()
        if kind == "ok":
            return value
        if kind == "error":
            raise value
        return self.work()  # the fork could not do it: do it here

    def cancel(self) -> None:
        """Stop the child (this process stopped first: an error, Ctrl-C)."""
        if self.child is not None and self.child.is_alive():
            self.child.terminate()


def _run(work: Callable[[], Any], sender: pipe.End, receiver: pipe.End) -> None:
    receiver.close()  # the parent's end, of no use here (nor to a process this one forks)
    try:
        payload: tuple[str, Any] = ("ok", work())
    except Namel3ssDebugError as error:
        payload = ("error", error)
    except BaseException:  # whatever it is, the parent does the work itself
        payload = ("crash", traceback.format_exc())
    try:
        pipe.send(sender, payload)
    except Exception:  # a result that does not pickle: the parent does the work itself
        pipe.send(sender, ("crash", None))
    finally:
        sender.close()
