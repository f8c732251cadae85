"""`request_marks`: which groups of marks an LLM request's raw JSON holds, in one pass, as `mark in data` says for
each mark; the compiled scan and its pure-Python reference agree."""

from __future__ import annotations

import random

import pytest

from namel3ss_debug.analysis.diagnosis.collector import request_marks as marks
from namel3ss_debug.analysis.diagnosis.notes.consent import ASK_MARKS
from namel3ss_debug.analysis.diagnosis.notes.payloads import TOOL_MARKS, TRUNCATED
from namel3ss_debug.analysis.diagnosis.rules.turn_limits import STOP_MARKS
from namel3ss_debug.analysis.diagnosis.collector.speakers import NAME_MARK
from namel3ss_debug.redaction.scan import ScannerPy

GROUPS = {marks.CONSENT: ASK_MARKS, marks.STOP: STOP_MARKS, marks.TOOLS: TOOL_MARKS, marks.CUT: (TRUNCATED.encode(),),
          marks.NAMED: (NAME_MARK,)}
NOISE = [b'{"messages": [', b'"role": "user"', b', ', b'"content": "', b'x', b'"', b'}', b']', b'\\n', b'a@b',
         b'https://u:p@host/', b'\xc3\xa9', b'nfirm', b'"nam', b'e"']


def reference(data: bytes) -> int:
    return sum(bit for bit, group in GROUPS.items() if any(mark in data for mark in group))


@pytest.mark.parametrize("bit", list(GROUPS))
def test_each_mark_is_found_anywhere_and_only_its_group_is_said(bit: int) -> None:
    for mark in GROUPS[bit]:
        for data in (mark, b"xx" + mark, mark + b"yy", b'{"content": "ab' + mark + b'cd"}'):
            assert marks.request_marks(data) == bit == reference(data)


def test_a_request_with_none_of_them_says_none() -> None:
    assert marks.request_marks(b'{"messages": [{"role": "user", "content": "what time is it?"}]}') == 0
    assert marks.request_marks(b"") == 0


@pytest.mark.parametrize("seed", range(4))
def test_requests_made_of_marks_and_noise_are_read_as_mark_in_data_reads_them(seed: int) -> None:
    rng = random.Random(seed)
    pieces = NOISE + [mark for group in GROUPS.values() for mark in group]
    python = ScannerPy((), tuple((mark, 0, 0) for group in GROUPS.values() for mark in group))
    for _ in range(500):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12)))
        assert marks.request_marks(data) == reference(data)
        assert marks._SCAN.find(data) == python.find(data)
