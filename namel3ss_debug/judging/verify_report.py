"""`verify`'s report: the recorded run's outcome, each try of the current code, the verdict and pass^k.

Every view (text, JSON) renders this one record. `schema` versions its JSON form.
"""

from __future__ import annotations

from dataclasses import dataclass

from .call_compare import CallComparison
from ..rerun.candidates import Miss
from ..rerun.network import Network
from .outcome import Outcome
from .verdict import Repeats, Verdict

SCHEMA = "namel3ss-debug/verify/v1"


@dataclass(frozen=True)
class Try:
    """One run of the current code: its new run and trace, how its calls were answered (`recorded`, `live`,
    `reran`, `missed`), its outcome (when a miss stopped it, `stopped` says why, and the outcome is what the run did
    before the stop), its calls beside the recording's, and its verdict."""

    number: int
    new_run: str | None
    new_trace: tuple[str, ...]
    counts: dict[str, int]
    misses: tuple[Miss, ...]
    outcome: Outcome | None
    calls: CallComparison | None
    verdict: Verdict
    network: Network | None = None
    stopped: str | None = None  # why the app was stopped before it could end (a miss); its outcome is then partial
    live_endpoints: tuple[str, ...] = ()  # where its LLM calls that ran live went (its trace's URLs' origins)

    @property
    def passed(self) -> bool:
        """The try's run ended by itself and passed (a stopped run's outcome is only what came before the stop)."""
        return self.stopped is None and self.outcome is not None and self.outcome.passed

    @property
    def went_live(self) -> bool:
        return bool(self.counts.get("live"))


@dataclass(frozen=True)
class VerifyReport:
    """The recording (`source`, its run and outcome), how the tries ran (`base_url`; `live_tools`, what
    `--live-requests` let out; `live`, `--live`, and the recording's `endpoints`; `expect`, the rules of the
    workspace's `checks`), each try, and what they add up to."""

    source: str
    source_run: str | None
    command: tuple[str, ...]
    cwd: str
    base_url: str | None
    live_tools: bool
    live: bool
    endpoints: tuple[str, ...]
    expect: str | None
    rules: tuple[str, ...]
    recorded: Outcome
    tries: tuple[Try, ...]
    repeats: Repeats

    @property
    def verdict(self) -> Verdict:
        return self.repeats.verdict

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    @property
    def live_endpoints(self) -> tuple[str, ...]:
        """Where the tries' live LLM calls went, each origin once, in the order first seen."""
        return tuple(dict.fromkeys(origin for attempt in self.tries for origin in attempt.live_endpoints))

    @property
    def live_tries(self) -> int:
        """The tries in which some call went live: only they can differ from one another."""
        return sum(1 for attempt in self.tries if attempt.went_live)
