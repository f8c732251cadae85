"""Where a rerun parts from its recording, and the strict matching that follows.

A rerun parts at the first call whose answer is not the recording's: a mock used (`mocked`), a replacement
typed at the console (`replaced`), a fork's changed call (`forked`), a call run for real with no recorded
twin, or a tool run again that returned something else than its recorded twin (`live`). From then on (from the
first call with `strict`, what `verify` needs) a call is answered from the recording only if it asks what its
recorded twin asked: equal fingerprints of its inputs, and for a request its exact match (`requests.py`). What
it would get otherwise is a stale answer to another question, so it misses, and the miss says what differs: the
first difference of the inputs as they were compared (`compared_difference`), never a value the comparison masks.

    parting = Parting(recording)
    parting.part("llm:chat#1", "mocked")          # the first call wins
    parting.asks_otherwise(live, twin)            # None, or why the twin's answer would be stale
"""

from __future__ import annotations

import threading

from ..model.json_types import Foreign, JsonObject, JsonValue
from ..model.rerun_protocol import LIVE
from .candidates import LiveCall, input_difference, nearest
from .ran_again import result_of
from ..recording.calls import RecordedCall, Recording

HOWS = ("mocked", "replaced", "forked", "live")  # how a rerun parts


class Parting:
    """Where a rerun parted from its recording (`call`, its key, and `how`), and whether it matches strictly."""

    def __init__(self, recording: Recording, strict: bool = False):
        self.recording = recording
        self.strict = strict  # strict matching from the first call, not only once the rerun parted
        self.call: str | None = None
        self.how: str | None = None
        self._lock = threading.Lock()

    def part(self, key: str, how: str) -> None:
        """Mark where the rerun parted (the first call wins): the recorded key of the call whose answer is not
        the recording's (or the rerun's own key when the recording has no twin), and how (`HOWS`)."""
        with self._lock:
            if self.call is None:
                self.call, self.how = key, how

    @property
    def strictly(self) -> bool:
        """Whether a call is now answered only if it asks what its recorded twin asked."""
        return self.strict or self.call is not None

    def end_attrs(self) -> JsonObject:
        """What the new run's `run_end` says of the rerun: where it parted (`parted`), when it did."""
        return {} if self.call is None else {"parted": {"call": self.call, "how": self.how}}

    def returned(self, twin: RecordedCall, now: JsonObject) -> None:
        """A tool that ran again has ended with `now` (its status, outputs and error, as the trace records
        them): one that returned something else than its recorded twin parts the run there (`live`), since
        what follows from it is no longer what the recording saw."""
        if result_of(self.recording.result(twin)) != now:
            self.part(twin.key, LIVE)

    def asks_otherwise(self, live: LiveCall, twin: RecordedCall | None) -> str | None:
        """Why a call whose recorded twin was asked something else gets no answer when matching strictly;
        None when it asks the same (or has no twin)."""
        if twin is None or self.recording.fingerprint(twin) == live.fingerprint:
            return None
        return f"it asks something else than {twin.key}, recorded here ({self._differs(twin, live)}), and " \
               f"{self._since()}"

    def nothing_here(self, live: LiveCall, served: set[int], strictly: bool, otherwise: str | None = None) -> str:
        """Why the recording has no answer for a call: no call here, or (strictly, a request) none that asks
        the same, with the nearest and what differs: `otherwise` when given (`KEY, query: ...`: a request that
        asked the same but for its URL's query, `RequestIndex.query_difference`), else the nearest call's inputs."""
        if not strictly:
            return "the recording has no call here"
        if otherwise is None:
            near = nearest(self.recording, live, served, True, 1)  # a request: what the nearest one asked
            twin = self._call(near[0].key) if near else None
            if twin is not None and self.recording.fingerprint(twin) != live.fingerprint:
                otherwise = f"{twin.key}, {self._differs(twin, live)}"
        closest = f" (nearest {otherwise})" if otherwise else ""
        return f"the recording has no request that asks the same{closest}, and {self._since()}"

    def _differs(self, twin: RecordedCall, live: LiveCall) -> str:
        return compared_difference(self.recording, self.recording.inputs(twin), live.inputs)

    def _call(self, key: str) -> RecordedCall | None:
        """The recorded call whose key is `key` (a candidate's)."""
        return next((call for call in self.recording.calls if call.key == key), None)

    def _since(self) -> str:
        """Why calls are matched strictly: where the rerun parted, or `strict` itself."""
        if self.call is not None:
            return f"the rerun parted from the recording at {self.call} ({self.how})"
        return "strict matching answers only a call that asks what the recording's asked"


def compared_difference(recording: Recording, recorded: JsonValue, live: Foreign) -> str:
    """Where a recorded call's inputs and a rerun's differ, as the recording compares them: with its masks
    (`Recording.steady`: generated ids, dates, a golden run's secrets) on both, so that a new UUID or key before the
    real change is not named as the difference; when nothing but masked values differs, says so."""
    masks = recording.steady
    if masks is None:
        return input_difference(recorded, live)
    recorded, live = masks(recorded), masks(live)
    return input_difference(recorded, live) if recorded != live else "only masked values differ"
