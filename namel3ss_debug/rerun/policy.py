"""What a rerun does with the calls it is asked about: one value for each kind of rerun.

- `match`: how a call finds its recorded twin: by its place (`call`) or by its inputs (`inputs`);
- `strict`: matched strictly from the first call (`parting.py`), not only once the run parted from its recording;
- `on_miss`: what a call the recording cannot answer does: stop the run (`error`) or run it live (`live`);
- `live_tools`: tool calls run for real (unless mocked); LLM calls are still answered;
- `fallback`: what answers a call that would miss, before it is reported (bisect's good answers);
- `fork`: `--fork`'s plan (`fork.py`), asked at each call: the fork's change, and what a miss after it does.

The plain rerun is `Policy(match, on_miss, live_tools)` (its fork adds `fork`), `bisect`'s is `Policy(fallback=...)`,
a golden run's `Policy(match="inputs", strict=True, ...)`; `verify`'s and `bisect`'s is a `Policy` of their own
(`launch/verifying.py`), which says per component what a miss does, where a live LLM request goes and which calls
that run for real keep the network, from what `LiveCalls` lets go live.

    Rerun(recording, Policy(match="inputs", on_miss="live"), mocks=mocks)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..model.errors import UsageError
from ..model.json_types import Foreign
from .answers import Answer
from .candidates import LiveCall
from .fork import ForkPlan, check_base_url

Fallback = Callable[[LiveCall, Foreign, bool], Answer | None]
"""What answers a call that would miss (its live call, the codec a typed value is decoded with, whether it
yields): an `Answer` of source `mocked`, or None to let it miss. `bisect` fills it (`ops/bisect.py`)."""


@dataclass(frozen=True)
class Policy:
    """How a rerun answers: its matching, its strictness, what a miss does, what runs for real, its fallback and
    its fork."""

    match: str = "call"
    strict: bool = False
    on_miss: str = "error"
    live_tools: bool = False
    fallback: Fallback | None = None
    fork: ForkPlan | None = None

    def on_miss_for(self, component: str, forked: bool) -> str:
        """What a miss of a call of `component` does: stop the run (`error`) or run it live (`live`); a fork
        decides from its call on (`forked`: the rerun reached its change: the fork's call, or, with no fork, the
        first answer that was not the recording's)."""
        return self.fork.on_miss(component, self.on_miss, forked) if self.fork is not None else self.on_miss

    def live_url(self, url: str) -> str:
        """Where an LLM request that runs live goes, when no fork sends it: its own URL."""
        return url

    def keeps_network(self, component: str) -> bool:
        """Whether a call of `component` that runs for real keeps the network while it runs."""
        return True

    def why_network(self, stepping: bool) -> str | None:
        """Why a call of this rerun may use the network for real (so that no namespace can close it), or None
        when none may; `stepping`: the rerun's console decides each call, and can run one live."""
        if self.on_miss != "error":
            return "--on-miss live: a call the recording cannot answer runs for real"
        if self.live_tools:
            return "--live-tools: tool bodies run for real, with the network"
        if stepping:
            return "the rerun's console can run a call live"
        if self.fork is not None and not self.fork.offline:
            return "--fork: calls from the fork on that the recording lacks run live, with the network"
        return None


@dataclass(frozen=True)
class LiveCalls:
    """What of a judged rerun may go live: the LLM calls the recording cannot answer, to `base_url`
    (`--base-url`) or to the endpoint the app called (`own`, `--live`); what the app's tools send that the
    recording lacks (`requests`, `--live-requests`)."""

    base_url: str | None = None
    own: bool = False
    requests: bool = False

    def check(self) -> None:
        """UsageError (exit 2) for a `--base-url` that is no server's URL, or given with `--live`."""
        if self.base_url is not None and self.own:
            raise UsageError("--live and --base-url: an LLM call the recording cannot answer goes to one place",
                             hint="keep --live to send it where the app sent it, or --base-url URL to send it there")
        if self.base_url is not None:
            check_base_url(self.base_url)

    @property
    def models(self) -> bool:
        """Whether an LLM call the recording cannot answer goes live."""
        return self.base_url is not None or self.own


PLAIN = Policy()
