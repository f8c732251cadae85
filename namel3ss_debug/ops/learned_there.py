"""What a worker process's reads of objects in a store taught redaction, given back to the process that asked.

The result cache keeps an answer only when redacting its runs would hide none of its text, and learns what that
would hide from the read that answers (`store/remote.watch`, `scrub.learn.StreamLearner`), so that an object is
not downloaded a second time for it. When the runs are read in worker processes (`each_run.py`), the read that
answers is a worker's: the worker learns on the way as the asking process would have, for the objects the asking
process watches, and hands the values back with its answer; the asking process tells its own taps
(`remote.told`). Without it, keeping the answer of `analyze --all` over 200 objects read 200 objects again, one
after the other, in the asking process.

The values are what redaction would hide (a value under a sensitive key): they go from the worker to the asking
process through the pool's pipe, in memory, as they were in the asking process's memory when it read the run
itself; they are never written anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from ..store import remote
from ..store.sources import RunSource

if TYPE_CHECKING:  # the redactor loads only in a worker that learns: `check` of a local run never does
    from ..scrub.learn import StreamLearner


class LearnedThere:
    """A worker's learner of the objects `urls` (those the asking process watches), one read at a time."""

    def __init__(self, urls: Iterable[str]):
        self.urls = frozenset(urls)
        self.learned: dict[str, list[str]] = {}

    def watch(self, sources: Sequence[RunSource]) -> None:
        """Learn from the reads of these runs' objects that the asking process watches, from now on."""
        for source in sources:
            for url in source.files:
                if url in self.urls:
                    remote.watch(url, self, partial(LearnedThere._learner, url=url))

    def taken(self) -> dict[str, list[str]]:
        """What the reads since the last `taken` learned, by URL: only objects read whole, in plain v1 (another
        format is learned from its events by `scrub.learn.learn_run`, in the asking process, as it would be)."""
        learned, self.learned = self.learned, {}
        return learned

    def _learner(self, url: str) -> StreamLearner:
        from ..scrub.learn import StreamLearner  # noqa: PLC0415 - as the import above says

        def heard(learner: StreamLearner) -> None:
            if not learner.foreign:
                self.learned[url] = list(learner.redactor.learned)

        return StreamLearner(heard)


def tell(learned: dict[str, list[str]]) -> None:
    """In the asking process: what a worker's reads learned, told to the taps that watch each object here."""
    for url, values in learned.items():
        remote.told(url, values)


def watched(sources: Iterable[RunSource]) -> list[str]:
    """The objects of these runs that a tap of the asking process watches (the result cache's): a worker learns
    from those alone."""
    return [path for source in sources for path in source.files if remote.watched(path)]

