"""How a rerun finds the recorded answer to an HTTP request: by what it asks, then by order.

A request is matched among the recorded requests to the same endpoint (method and path; the host is
not compared, so a stub or a proxy on another port replays the same run):
1. one that asked exactly the same (its inputs, as the trace records them, have the same fingerprint),
   from the same thread and asyncio task if there is one, else the first;
2. under `--match call` (the default), when none asked the same, the next one in order from the same
   thread and task, else the next one at all: the app changed what it asks (a code change, or an
   answer mocked before it), and the report shows the difference.
Each recorded request answers once. Matching by content first is what keeps concurrent agents apart:
three agents under `asyncio.gather` ask different things, so each gets its own answers whatever order
their requests start in; identical requests go by the order they were made within each task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .recording import RecordedCall, Recording

REQUEST_COMPONENTS = ("llm", "http")


@dataclass(frozen=True)
class RecordedRequest:
    call: RecordedCall
    endpoint: tuple[str, str]
    lineage: tuple[str, str | None]


class RequestIndex:
    """The recorded requests by endpoint and by fingerprint, each list in the order they were made."""

    def __init__(self, recording: Recording):
        self.recording = recording
        self._exact: dict[tuple[tuple[str, str], bytes], list[RecordedRequest]] = {}
        self._in_order: dict[tuple[str, str], list[RecordedRequest]] = {}
        self._next: dict[Any, int] = {}  # list key -> first position that may still be unserved
        for call in recording.calls:
            if call.component in REQUEST_COMPONENTS:
                self._add(call)

    def _add(self, call: RecordedCall) -> None:
        start = self.recording.timeline.event(call.start)
        attrs = start.get("attrs") if isinstance(start.get("attrs"), dict) else {}
        http = attrs.get("http") if isinstance(attrs.get("http"), dict) else None
        if http is None or not isinstance(http.get("method"), str) or not isinstance(http.get("url"), str):
            return
        task = start.get("task")
        request = RecordedRequest(call, (http["method"], _path(http["url"])),
                                  (str(start.get("thread")), task if isinstance(task, str) else None))
        self._exact.setdefault((request.endpoint, self.recording.fingerprint(call)), []).append(request)
        self._in_order.setdefault(request.endpoint, []).append(request)

    def match(self, spec: Any, fingerprint: bytes, served: set[int], by_inputs_only: bool) -> RecordedCall | None:
        """The recorded call that answers this request, or None."""
        found = self._first(("exact", spec.endpoint, fingerprint), self._exact.get((spec.endpoint, fingerprint)),
                            spec, served)
        if found is None and not by_inputs_only:
            found = self._first(("order", spec.endpoint), self._in_order.get(spec.endpoint), spec, served)
        return found

    def _first(self, key: Any, requests: list[RecordedRequest] | None, spec: Any,
               served: set[int]) -> RecordedCall | None:
        if not requests:
            return None
        start = self._next.get(key, 0)
        while start < len(requests) and requests[start].call.start in served:
            start += 1
        self._next[key] = start
        fallback = None
        for request in requests[start:]:
            if request.call.start in served or request.call.component != spec.component:
                continue
            if request.lineage == spec.lineage:
                return request.call
            fallback = fallback or request.call
        return fallback


def _path(url: str) -> str:
    """The path of a URL as the trace shows it (`https://host:port/v1/chat/completions?x=1` -> `/v1/chat/completions`)."""
    rest = url.split("://", 1)[-1]
    slash = rest.find("/")
    path = rest[slash:] if slash >= 0 else "/"
    return path.split("?", 1)[0]
