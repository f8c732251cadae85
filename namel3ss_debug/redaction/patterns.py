"""Credential tokens in free text (`detectors.py`): the pre-scan's `find` tells which detectors' markers a
text holds, and only those detectors run. The pairs (`password=...`) are in `pairs.py`.
"""

from __future__ import annotations

import functools
import re
from typing import Callable, Iterable

from ..config.patterns import UserPatterns
from .detectors import DETECTORS, NEAR, Detector, compiled, markers

REDACTED = "[REDACTED]"
MARK = REDACTED[:-1]  # what every redaction marker starts with
SENSITIVE_NAME, URL_CREDENTIALS = -1, -2  # what `find` says besides marker indices (see scan.py)


Replace = Callable[[re.Match[str]], str]


def _replacer(detector: Detector, rx: re.Pattern[str]) -> Replace:
    marker = f"[REDACTED:{detector.label}]"
    group = "secret" if "secret" in rx.groupindex else 0

    def replace(match: re.Match[str]) -> str:
        secret = match.group(group)
        if secret.startswith(MARK) or (detector.valid is not None and not detector.valid(secret)):
            return match.group()
        if detector.near is not None and not detector.near(match.string[max(0, match.start() - NEAR):match.start()],
                                                           match.string[match.end():match.end() + NEAR]):
            return match.group()
        if group == 0:
            return marker
        start, end = match.span(group)
        whole = match.group()
        return whole[: start - match.start()] + marker + whole[end - match.start():]

    return replace


@functools.cache
def _owners() -> dict[int, tuple[int, ...]]:
    """Each marker's index -> the detectors it calls for (made once: 2.7 ms, which every redactor paid, and the
    run index makes one a run)."""
    url = next(i for i, d in enumerate(DETECTORS) if d.label == "url_password")
    owners = {index: tuple(i for i, d in enumerate(DETECTORS) if marker in d.markers)
              for index, marker in enumerate(markers())}
    owners[URL_CREDENTIALS] = (url,)
    return owners


class TokenPatterns:
    """The detectors plus configured regular expressions (replaced whole, unconditionally).

    Which detectors run on a text is told by the pre-scan's `find` (`scan.py`): the indices of the
    markers it found there, in the order of `detectors.markers()`, and -2 for URL credentials.
    """

    def __init__(self, extra: Iterable[str] = ()):
        self._detectors = tuple((rx, _replacer(detector, rx)) for detector, rx in compiled())
        self._owners = _owners()
        self._extra = UserPatterns(extra, "[REDACTED:pattern]")  # RE2: linear in the text, whatever the pattern
        self._plans: dict[tuple[int, ...], tuple[tuple[re.Pattern[str], Replace], ...]] = {}

    @property
    def has_extra(self) -> bool:
        return bool(self._extra)

    def redact(self, text: str, found: Iterable[int]) -> str:
        """`text` with the matches of the detectors `found` calls for, and of every configured pattern, hidden."""
        for rx, replace in self._plan(tuple(found)):
            text = rx.sub(replace, text)
        return self._extra.redact(text)

    def _plan(self, found: tuple[int, ...]) -> tuple[tuple[re.Pattern[str], Replace], ...]:
        """The detectors `found` calls for, in their order (remembered: the same few combinations come again)."""
        plan = self._plans.get(found)
        if plan is None:
            owners = self._owners
            plan = tuple(self._detectors[index]
                         for index in sorted({detector for hit in found for detector in owners.get(hit, ())}))
            if len(self._plans) < 4096:
                self._plans[found] = plan
        return plan
