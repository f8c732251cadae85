"""How a call of the rerun finds its recorded twin, the recorded call whose answer it may get.

- An HTTP request by what it asks (`requests.py`); strictly (`--match inputs`, once the rerun parted, `verify`),
  only a request that asked exactly the same.
- A tool call the model gave an id by that id: the recorded tool call with the same id, asked for by the
  recorded LLM call this rerun's asking call was answered from (`attrs.tool_call_id`, `attrs.llm_span_id`).
  Agents run together start their tools in the scheduler's order, which a rerun (its answers served at once)
  changes, so the place of a tool among its siblings is not its identity; the id the model gave it is, and a
  served answer gives it back unchanged.
- Any other call (a tool without such an id too) by its place (`--match call`) or, with `--match inputs`, by
  component, name and a fingerprint of its inputs, the recorded calls with equal inputs taken in their order.
Each recorded call answers once (`served`, the rerun's, holds those that did).
"""

from __future__ import annotations

from ..model.json_types import JsonObject
from ..model.rerun_protocol import AnsweredSpan, RequestSpec
from .candidates import LiveCall
from ..recording.calls import RecordedCall, Recording
from .requests import RequestIndex


class Twins:
    """The recorded twins of a rerun's calls: `find` one, and what it needs to know to find a tool's by its id."""

    def __init__(self, recording: Recording, match: str, served: set[int]):
        self.recording = recording
        self.match = match
        self.served = served
        self._asks: dict[str, tuple[str, str]] = {}  # a tool's span id -> (its asking LLM span id, its call id)
        self._askers: dict[str, str] = {}  # an LLM call's span id -> the span id of its recorded twin
        self._by_inputs: dict[tuple[str, str, str, bytes], list[RecordedCall]] | None = None
        self._requests: RequestIndex | None = None

    def opened(self, span: AnsweredSpan, attrs: JsonObject | None) -> None:
        """Keep a tool's call id and the LLM call that asked for it (`attrs`, its start's)."""
        asker, call_id = (attrs or {}).get("llm_span_id"), (attrs or {}).get("tool_call_id")
        if span.component == "tool" and isinstance(asker, str) and isinstance(call_id, str) and call_id:
            self._asks[span.span_id] = (asker, call_id)

    def find(self, live: LiveCall, request: RequestSpec | None, span_id: str, strict: bool) -> RecordedCall | None:
        """The unanswered recorded call `live` (a request's, when `request`) is the twin of, or None."""
        if request is not None:  # an HTTP request: by what it asks (requests.py); strictly, only the same ask
            return self._request_index().match(request, live.inputs, live.fingerprint, self.served,
                                               self.match == "inputs" or strict)
        asked = self._asked_for(span_id)
        if asked is not None:
            return asked
        if self.match == "inputs":
            queue = self._inputs_index().get((live.component, live.name, live.label, live.fingerprint))
            while queue:
                call = queue.pop(0)
                if call.start not in self.served:
                    return call
            return None
        by_path = self.recording.by_path.get(live.path)
        return by_path if by_path is not None and by_path.start not in self.served else None

    def query_difference(self, request: RequestSpec, live: LiveCall) -> str | None:
        """The recorded request `request` would have matched but for its URL's query, and the query's difference
        (`RequestIndex.query_difference`); None when there is none."""
        return self._request_index().query_difference(request, live.fingerprint, self.served)

    def note_asker(self, span: AnsweredSpan, recorded: RecordedCall) -> None:
        """Keep which recorded LLM call a request's LLM call is the twin of: the request's own span, or for
        a request made inside an OpenTelemetry `llm` span (an `http` span), that span."""
        event = self.recording.timeline.event(recorded.start)
        if recorded.component == "llm" and isinstance(event.get("span_id"), str):
            self._askers[span.span_id] = event["span_id"]
        elif recorded.component == "http" and isinstance(event.get("parent_id"), str) and span.parent_id:
            self._askers[span.parent_id] = event["parent_id"]

    def _asked_for(self, span_id: str) -> RecordedCall | None:
        """The recorded tool call with this tool's call id, asked for by the recorded twin of the LLM call
        that asked for this one; None when either is unknown (the tool is then matched by place)."""
        ask = self._asks.get(span_id)
        asker = self._askers.get(ask[0]) if ask is not None else None
        if ask is None or asker is None:
            return None
        return next((call for call in self.recording.asked_tools(asker, ask[1]) if call.start not in self.served),
                    None)

    def _request_index(self) -> RequestIndex:
        if self._requests is None:
            self._requests = RequestIndex(self.recording)
        return self._requests

    def _inputs_index(self) -> dict[tuple[str, str, str, bytes], list[RecordedCall]]:
        if self._by_inputs is None:
            index: dict[tuple[str, str, str, bytes], list[RecordedCall]] = {}
            for call in self.recording.calls:
                key = (call.component, call.name, call.label, self.recording.fingerprint(call))
                index.setdefault(key, []).append(call)
            self._by_inputs = index
        return self._by_inputs
