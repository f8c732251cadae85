"""Which marks an LLM request's raw JSON holds, found in one pass: the diagnosis reads a request (decodes it) only
for what a mark says it may hold, and every LLM call's request is looked at.

The marks are their readers' (`consent.ASK_MARKS`, `payloads.TOOL_MARKS` and `TRUNCATED`, `speakers.NAME_MARK`,
`rules/turn_limits.STOP_MARKS`); each is found anywhere in the bytes, as `mark in data` finds it. The pass is the
redaction's multi-marker scan (`redaction/scan.py`: compiled where it was built, its pure-Python reference
elsewhere), given no sensitive names, so it says only which marks it met (and, ignored here, URL credentials).
"""

from __future__ import annotations

from ....redaction.scan import make_scan
from ..notes.consent import ASK_MARKS
from ..notes.payloads import TOOL_MARKS, TRUNCATED
from ..rules.turn_limits import STOP_MARKS
from .speakers import NAME_MARK

CONSENT, STOP, TOOLS, CUT, NAMED = 1, 2, 4, 8, 16  # what `request_marks` says a request holds, as bits
_GROUPS = ((ASK_MARKS, CONSENT), (STOP_MARKS, STOP), (TOOL_MARKS, TOOLS), ((TRUNCATED.encode(),), CUT),
           ((NAME_MARK,), NAMED))
_BITS = tuple(bit for marks, bit in _GROUPS for _ in marks)  # each mark's place in the scan -> its group's bit
_SCAN = make_scan((), tuple((mark, 0, 0) for marks, _ in _GROUPS for mark in marks))  # anywhere, no word edge


def request_marks(data: bytes) -> int:
    """The bits of the groups whose marks `data` holds (`CONSENT | TOOLS`, say); 0 for none."""
    bits = 0
    for index in _SCAN.find(data):
        if index >= 0:  # -2: URL credentials, which the diagnosis does not look for
            bits |= _BITS[index]
    return bits
