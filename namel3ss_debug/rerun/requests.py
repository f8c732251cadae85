"""How a rerun finds the recorded answer to an HTTP request: by what it asks, then by order.

A request is matched among the recorded requests to the same endpoint (method and path; the host is
not compared, so a stub or a proxy on another port answers the same run):
1. one that asked exactly the same (its inputs, as the trace records them, have the same fingerprint, and its
   URL the same query, secrets redacted as the trace shows them), from the same thread and asyncio task if there
   is one, else the first; matching strictly (`--match inputs`, after parting, `verify`), only such a one;
2. under `--match call` (the default), when none asked the same, the one most like it among the next
   few in order (from the same thread and task if there are any): the app changed what it asks (a code
   change, or an answer mocked before it), and the report shows the difference. "Most like it" is the
   same query first, then the longest common start of the two bodies as JSON: an agent's next request
   repeats its conversation so far, so it is most like its own recorded one even when tasks cannot be told
   apart by name (some frameworks give every task the same one).
Each recorded request answers once. Matching by content first is what keeps concurrent agents apart:
three agents under `asyncio.gather` ask different things, so each gets its own answers whatever order
their requests start in; identical requests go by the order they were made within each task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable
from urllib.parse import urlsplit

import orjson

from ..model.rerun_protocol import RequestSpec
from ..model.json_types import Foreign
from .candidates import input_difference
from ..recording.calls import RecordedCall, Recording

REQUEST_COMPONENTS = ("llm", "http")
SIMILAR_AMONG = 8  # how many of the next unanswered requests a changed request is compared with
SCANNED = 256  # how far ahead of the first unanswered request the others are looked for


@dataclass(frozen=True)
class RecordedRequest:
    call: RecordedCall
    endpoint: tuple[str, str]
    lineage: tuple[str, str | None]
    query: str


class RequestIndex:
    """The recorded requests by endpoint and by fingerprint, each list in the order they were made."""

    def __init__(self, recording: Recording):
        self.recording = recording
        self._exact: dict[tuple[tuple[str, str], str, bytes], list[RecordedRequest]] = {}
        self._in_order: dict[tuple[str, str], list[RecordedRequest]] = {}
        self._next: dict[Hashable, int] = {}  # list key -> first position that may still be unserved
        for call in recording.calls:
            if call.component in REQUEST_COMPONENTS:
                self._add(call)

    def _add(self, call: RecordedCall) -> None:
        start = self.recording.timeline.event(call.start)
        attrs = start["attrs"] if isinstance(start.get("attrs"), dict) else {}
        http = attrs["http"] if isinstance(attrs.get("http"), dict) else None
        if http is None or not isinstance(http.get("method"), str) or not isinstance(http.get("url"), str):
            return
        task = start.get("task")
        request = RecordedRequest(call, (http["method"], _path(http["url"])),
                                  (str(start.get("thread")), task if isinstance(task, str) else None),
                                  _query(http["url"]))
        self._exact.setdefault((request.endpoint, request.query, self.recording.fingerprint(call)),
                               []).append(request)
        self._in_order.setdefault(request.endpoint, []).append(request)

    def match(self, spec: RequestSpec, inputs: Foreign, fingerprint: bytes, served: set[int],
              by_inputs_only: bool) -> RecordedCall | None:
        """The recorded call that answers this request, or None."""
        asked = (spec.endpoint, spec.query, fingerprint)
        exact = self._unserved(("exact", *asked), self._exact.get(asked), spec, served)
        if exact:
            return exact[0].call
        if by_inputs_only:
            return None
        later = self._unserved(("order", spec.endpoint), self._in_order.get(spec.endpoint), spec, served,
                               SIMILAR_AMONG)
        return self._most_like(inputs, spec.query, later).call if later else None

    def query_difference(self, spec: RequestSpec, fingerprint: bytes, served: set[int]) -> str | None:
        """When a request that found no exact match asks what a recorded one to its endpoint asked but for its
        URL's query: that call and what differs (`GET /weather: query: recorded 'city=Paris', this call
        'city=Lisbon'`); else None."""
        for request in self._unserved(("order", spec.endpoint), self._in_order.get(spec.endpoint), spec, served,
                                      SIMILAR_AMONG):
            if self.recording.fingerprint(request.call) == fingerprint and request.query != spec.query:
                differs = input_difference(request.query, spec.query, "query")
                return f"{request.call.key}, {differs}"
        return None

    def _unserved(self, key: Hashable, requests: list[RecordedRequest] | None, spec: RequestSpec, served: set[int],
                  most: int = 1) -> list[RecordedRequest]:
        """The first `most` unanswered requests of the list, of the same thread and task if it has any."""
        if not requests:
            return []
        start = self._next.get(key, 0)
        while start < len(requests) and requests[start].call.start in served:
            start += 1
        self._next[key] = start
        same: list[RecordedRequest] = []
        other: list[RecordedRequest] = []
        for request in requests[start:start + SCANNED]:  # a bounded look ahead: a long run stays linear
            if request.call.start in served or request.call.component != spec.component:
                continue
            (same if request.lineage == spec.lineage else other).append(request)
            if len(same) >= most:
                break
        return same[:most] or other[:most]

    def _most_like(self, inputs: Foreign, query: str, requests: list[RecordedRequest]) -> RecordedRequest:
        """Of `requests` (in order), the one with the same query whose body as JSON starts most like `inputs`';
        the first on a tie."""
        if len(requests) == 1:
            return requests[0]
        wanted = _json(inputs)
        return max(requests, key=lambda request: (request.query == query,
                                                  _common_start(wanted, _json(self.recording.inputs(request.call))),
                                                  -request.call.start))


def _json(value: object) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except Exception:
        return repr(value).encode("utf-8", "backslashreplace")


def _common_start(a: bytes, b: bytes) -> int:
    """How many bytes `a` and `b` share from their start (found by halving: a C compare, not a loop)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _path(url: str) -> str:
    """The path of a URL as the trace shows it: `https://host:port/v1/chat/completions?x=1` ->
    `/v1/chat/completions`."""
    rest = url.split("://", 1)[-1]
    slash = rest.find("/")
    path = rest[slash:] if slash >= 0 else "/"
    return path.split("?", 1)[0]


def _query(url: str) -> str:
    """The query of a recorded URL, as the client hooks take a request's (`urlsplit`); read from the text when
    the URL does not parse (`http://[oops]/v1`): the host is not compared, so its request is still answered."""
    try:
        return urlsplit(url).query
    except ValueError:
        return url.partition("#")[0].partition("?")[2]
