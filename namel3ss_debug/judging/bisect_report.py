"""`bisect`'s report: the bad run's outcome, the candidate calls, each rerun made and what the search concluded.

Every view (text, JSON) renders this one record. `schema` versions its JSON form.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rerun.policy import LiveCalls
from ..model.json_types import JsonValue
from .bisect import FOUND
from ..rerun.candidates import Miss
from ..rerun.network import Network
from .outcome import Outcome
from .verdict import Verdict

SCHEMA = "namel3ss-debug/bisect/v1"


@dataclass(frozen=True)
class BisectCandidate:
    """A call of the bad run (`component:name#N`) and the answer that replaces it."""

    key: str
    value: JsonValue


@dataclass(frozen=True)
class BisectRerun:
    """One rerun of the search: the calls it substituted, its new trace, how its calls were answered
    (`recorded`: from the bad run, `mocked`: a replacement), why it was stopped (None: the app ended), its
    outcome and verdict against the bad run, whether it passes, the bad run's failure gone and no other
    (`flipped`; None: no outcome), how the network was closed around it, and the calls it missed (the call,
    why, and the nearest recorded calls: what `stopped` points to)."""

    number: int
    substituted: tuple[str, ...]
    new_trace: tuple[str, ...]
    counts: dict[str, int]
    stopped: str | None
    outcome: Outcome | None
    verdict: Verdict
    flipped: bool | None
    network: Network | None = None  # how the network was closed while the app ran
    misses: tuple[Miss, ...] = ()
    live_endpoints: tuple[str, ...] = ()  # where its LLM calls that ran live went (its trace's URLs' origins)


@dataclass(frozen=True)
class BisectReport:
    """What `bisect` found (`status`: found, none, not monotone, stopped; `call`: the call it names), and what of
    its reruns could go live."""

    source: str
    run_id: str | None
    answers_from: str
    argv: tuple[str, ...]
    cwd: str
    recorded: Outcome
    candidates: tuple[BisectCandidate, ...]
    status: str
    call: str | None
    alone: bool | None
    reruns: tuple[BisectRerun, ...]
    live: LiveCalls = LiveCalls()  # what of each rerun could go live (--base-url, --live, --live-requests)
    endpoints: tuple[str, ...] = ()  # under --live, where the bad run's LLM requests went (the app's endpoints then)

    @property
    def live_endpoints(self) -> tuple[str, ...]:
        """Where the reruns' live LLM calls went, each origin once, in the order first seen."""
        return tuple(dict.fromkeys(origin for rerun in self.reruns for origin in rerun.live_endpoints))

    @property
    def exit_code(self) -> int:
        """0 when a call was found; 1 when none, not monotone, or stopped."""
        return 0 if self.status == FOUND else 1
