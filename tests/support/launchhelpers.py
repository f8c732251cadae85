"""What the tests of launch/ share: a rerun of a recording, and a thread to run a namespace in.

A network namespace belongs to the thread that enters it, so a test enters one in a thread of its own:
whatever happens there, pytest's own thread keeps its network."""

from __future__ import annotations

import ctypes
import threading
from typing import Any, Callable

from support.rerunhelpers import made_rerun, record

from namel3ss_debug.launch.choosing import Choosing
from namel3ss_debug.launch.guard import GuardedRerun
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.recording.call_paths import PathTable
from namel3ss_debug.recording.calls import Recording

CAP_SYS_ADMIN = 21
CAPABILITY_V3 = 0x20080522


def make_rerun(events: list[dict[str, Any]] | None = None, *, choosing: Choosing | None = None,
               **options: Any) -> GuardedRerun:
    """A rerun of `events` (by default, a run that made no call), guarded (`choosing`: its consent), its options
    as `made_rerun` takes them."""
    recording = Recording(timeline_of(events if events is not None else record(lambda: None)[1], "old.jsonl"),
                          PathTable())
    return GuardedRerun(made_rerun(recording, **options), choosing)


def in_thread(act: Callable[[], Any]) -> Any:
    """What `act()` returned or raised, run in a thread of its own."""
    done: list[Any] = []

    def target() -> None:
        try:
            done.append(act())
        except BaseException as error:  # handed to the test
            done.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    return done[0]


def drop_sys_admin() -> None:
    """Take CAP_SYS_ADMIN from this thread (capabilities are a thread's), as a user without it has none."""
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    libc = ctypes.CDLL(None, use_errno=True)
    header, data = Header(CAPABILITY_V3, 0), (Data * 2)()
    assert libc.capget(ctypes.byref(header), data) == 0
    data[0].effective &= ~(1 << CAP_SYS_ADMIN)
    data[0].permitted &= ~(1 << CAP_SYS_ADMIN)
    assert libc.capset(ctypes.byref(header), data) == 0, ctypes.get_errno()
