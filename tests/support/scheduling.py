"""How the test session spreads its work over cores (pytest-xdist, `--dist=loadfile`): a test file is one unit of
work, run by one worker, so that its module-scoped recordings are made once; except the files named in SPREAD,
whose tests are units of their own. Each of those runs long (an example page of the manual, a framework's app),
shares nothing module-scoped worth keeping on one worker, and would otherwise leave one worker running it alone
at the end of the session.

The fast set goes first (`fast_first`): a mistake that breaks many tests shows in the first minute, and the long
tests, handed out last, fill the workers' ends."""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadFileScheduling

from support.timing import kind_of

SPREAD = frozenset({
    "tests/meta/test_doc_examples.py",
})


class SpreadingScheduling(LoadFileScheduling):
    """loadfile, but a test of a SPREAD file is a unit of work of its own."""

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return nodeid if path in SPREAD else path


def fast_first(items: list[pytest.Item]) -> None:
    """The tests in order, the fast set (no marker of `support.timing.KINDS`) first; each set keeps its order."""
    items.sort(key=lambda item: kind_of(item) != "fast")
