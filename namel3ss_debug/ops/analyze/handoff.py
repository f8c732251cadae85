"""A part's answer handed back from its worker through a file of its own, not through the pool's pipe.

Through the pipe, an answer is pickled whole into one buffer, sent in pieces, gathered again into another, and
unpickled by the pool's result thread as soon as it arrives: at 1 GiB, a 24 MB answer took 131 MB of the asking
process at its peak. Written to a file (`pickle.dump` streams it), it is read back (`pickle.load` streams it too)
only when the join asks for it, and it costs the asking process its objects alone.

The files are in a private directory (`tempfile.mkdtemp`: readable by this user only) that `Handoff` removes when
the read ends, whatever ended it; each file is removed as soon as it is read. What a part's answer holds of the run
is what the trace holds (its texts cut, as the report's are). The pickle read back is the one this read's own
worker wrote (the objects the pool would pickle through its pipe), from that directory only: no text of a trace is
unpickled (`tests/meta/test_no_eval.py` lists this module as reviewed).
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from typing import Any

PREFIX = "namel3ss-debug-parts-"


class Handoff:
    """The directory the workers of one read write their answers in; `with` it, so that it is removed."""

    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix=PREFIX)

    def __enter__(self) -> Handoff:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def handed(directory: str, number: int, answer: Any) -> str:
    """`answer` written (in a worker) as the `number`-th part's file of `directory`; its path."""
    path = os.path.join(directory, f"part-{number}.pickle")
    with open(path, "wb") as file:
        pickle.dump(answer, file, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def taken(handoff: Handoff, path: str) -> Any:
    """The answer a worker wrote at `path` (a file of `handoff`'s directory, or nothing is read), the file removed."""
    if os.path.dirname(path) != handoff.directory:
        raise ValueError(f"{path} is not a part's answer of this read")
    try:
        with open(path, "rb") as file:
            return pickle.load(file)  # written by this read's own worker, in its private directory
    finally:
        os.unlink(path)
