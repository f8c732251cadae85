"""How the test session spreads its work over cores (pytest-xdist, `--dist=loadfile`): a test file is one unit of
work, run by one worker, so that its module-scoped recordings are made once; except the files named in SPREAD,
whose tests are units of their own. Each of those runs long (an example page of the manual, a framework's app),
shares nothing module-scoped worth keeping on one worker, and would otherwise leave one worker running it alone
at the end of the session."""

from __future__ import annotations

from xdist.scheduler import LoadFileScheduling

SPREAD = frozenset({
    "tests/meta/test_doc_examples.py",
})


class SpreadingScheduling(LoadFileScheduling):
    """loadfile, but a test of a SPREAD file is a unit of work of its own."""

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return nodeid if path in SPREAD else path
