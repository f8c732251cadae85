"""What a rerun does with the calls it is asked about: the engine (`answerer.py`) asks its policy of every call.

- `match`: how a call finds its recorded twin: by its place (`call`) or by its inputs (`inputs`);
- `strict`: matched strictly from the first call (`parting.py`), not only once the run parted from its recording;
- `on_miss`: what a call the recording cannot answer does: stop the run (`error`) or run it live (`live`);
- `live_tools`: tool calls run for real (unless mocked); LLM calls are still answered;
- `fallback`: what answers a call that would miss, before it is reported (bisect's good answers);
- the change it makes (`change_at`, `changed_answer`, `sends`, `request`): none for a plain rerun; a fork changes
  one call and how the calls after it are sent (`fork_policy.ForkPolicy`);
- what the use case (`ops/rerun.rerun_app`) asks around the run: whether the recording can take the change
  (`check`), which call goes live (`going_live`), the change in the new run's lineage (`lineage`), the command's
  exit code (`exit_code`): a plain rerun's answers are neutral, so the use case holds no `if fork`.

The plain rerun is `Policy(match, on_miss, live_tools)`, its fork a `ForkPolicy` (`rerun_policy` chooses, once),
`bisect`'s is `Policy(fallback=...)`, a golden run's `Policy(match="inputs", strict=True, ...)`; `verify`'s and
`bisect`'s is a `Policy` of their own (`launch/verifying.py`), which says per component what a miss does, where a
live LLM request goes and which calls that run for real keep the network, from what `LiveCalls` lets go live.

    Rerun(recording, Policy(match="inputs", on_miss="live"), mocks=mocks)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from ..model.errors import UsageError
from ..model.json_types import Foreign, JsonObject, JsonValue
from ..recording.calls import Recording
from ..recording.mocks import Mock
from ..recording.timeline import Timeline
from .answers import Answer
from .candidates import LiveCall, Miss
from .fork import check_base_url
from .network import Network

Fallback = Callable[[LiveCall, Foreign, bool], Answer | None]
"""What answers a call that would miss (its live call, the codec a typed value is decoded with, whether it
yields): an `Answer` of source `mocked`, or None to let it miss. `bisect` fills it (`ops/bisect.py`)."""

GoingLive = Callable[[str, tuple[str, ...], bool], None]
"""Hears, before a fork runs, its call and where the LLM calls the recording cannot answer from there on go (the
endpoints; True when `--base-url` gave them)."""


class Reported(Protocol):
    """What a rerun's exit code is read from: its report (`judging/report.RerunReport`)."""

    @property
    def exit_code(self) -> int: ...

    @property
    def misses(self) -> tuple[Miss, ...]: ...

    @property
    def network(self) -> Network | None: ...


@dataclass(frozen=True)
class Policy:
    """How a rerun answers: its matching, its strictness, what a miss does, what runs for real, its fallback, and
    the change it makes (a plain rerun's: none; `ForkPolicy` makes one)."""

    match: str = "call"
    strict: bool = False
    on_miss: str = "error"
    live_tools: bool = False
    fallback: Fallback | None = None

    def change_at(self, component: str, name: str, number: int) -> str | None:
        """The key of the call this policy changes when the rerun's `number`-th call of `component:name` is it (the
        rerun parts from its recording there), else None: a plain rerun changes no call."""
        return None

    def changed_answer(self) -> Mock | None:
        """What the changed call returns when the change gives its answer (rather than sending it)."""
        return None

    @property
    def change_text(self) -> str | None:
        """The change as the console says it at the changed call (`model gpt-4o`)."""
        return None

    def sends(self, component: str, at_change: bool, reached: bool) -> bool:
        """Whether a call of `component` is sent for real whatever the recording holds (`at_change`: it is the
        changed call; `reached`: the rerun has reached it)."""
        return False

    def request(self, api: str, body: JsonValue, url: str, at_change: bool,
                reached: bool) -> tuple[JsonValue, str]:
        """An LLM request's body as the rerun sends it, and the URL it goes to if it runs live."""
        return body, self.live_url(url)

    def changed(self, reached: bool, parted: bool) -> bool:
        """Whether the rerun is past its change, as `on_miss_for` is told: with no call of its own to change, once
        it parted from its recording (bisect's substituted answer: `fork.past_a_change`)."""
        return parted

    def on_miss_for(self, component: str, changed: bool) -> str:
        """What a miss of a call of `component` does: stop the run (`error`) or run it live (`live`); `changed`:
        the rerun is past its change (`changed`)."""
        return self.on_miss

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
        return None

    def check(self, recording: Recording) -> None:
        """UsageError (exit 2), before the app runs, when `recording` cannot take the change: a plain rerun makes
        none."""

    def going_live(self, timeline: Timeline, hear: GoingLive) -> None:
        """Tells `hear`, before the app runs, the changed call that goes live and where: a plain rerun has none."""

    def lineage(self) -> JsonObject:
        """What the new run's `run_start.attrs.replay_of` says of the change: nothing for a plain rerun."""
        return {}

    def exit_code(self, report: Reported, app_exit_code: int) -> int:
        """The command's exit code once the rerun `report` tells of ended (the app's: `app_exit_code`): the
        report's own."""
        return report.exit_code


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
