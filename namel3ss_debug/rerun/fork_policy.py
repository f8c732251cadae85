"""The fork as a rerun's policy (`replay --rerun --fork`, `diagnose --experiment`'s re-asks): the rerun asks it of
every call, as it asks a plain rerun's `Policy`, and it answers from its `ForkPlan` (`fork.py`).

At the fork's call the rerun parts from its recording (`change_at`): the call is answered with `--answer`
(`changed_answer`) or sent (`sends`), its request changed (`request`); from there on a miss does what the plan says
(`on_miss_for`) and a `reask` sends every LLM call. Around the run, the use case asks it what a plain rerun answers
neutrally: the recording checked (`check`, `fork_check.py`), the user told which call goes live (`going_live`), the
fork in the new run's lineage (`lineage`) and its exit code (`exit_code`). `rerun_policy` chooses a plain rerun's
policy or a fork's, once.

    policy = rerun_policy("call", "error", False, ForkPlan("llm:chat#2", "answer", "Take an umbrella."))
    Rerun(recording, policy)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.json_types import JsonObject, JsonValue
from ..recording.calls import Recording
from ..recording.endpoints import endpoints_of
from ..recording.mocks import Mock, parse_key
from ..recording.timeline import Timeline
from .fork import ForkPlan
from .fork_check import check_fork
from .policy import GoingLive, Policy, Reported


@dataclass(frozen=True)
class ForkPolicy(Policy):
    """A rerun that forks at `plan.call`: the plain rerun's matching and `--on-miss` before it, the plan's change
    there and its rule for what a miss does after it."""

    plan: ForkPlan = field(kw_only=True)

    def change_at(self, component: str, name: str, number: int) -> str | None:
        return self.plan.call if self.plan.names(component, name, number) else None

    def changed_answer(self) -> Mock | None:
        """The fork's `--answer`, given as a mock of its call is."""
        plan = self.plan
        return Mock(parse_key(plan.call), plan.value, "--fork") if plan.change == "answer" else None

    @property
    def change_text(self) -> str | None:
        return self.plan.change_text

    def sends(self, component: str, at_change: bool, reached: bool) -> bool:
        """The fork's call when it goes to a model (ask, model, resample, reask); past a `reask`'s, every LLM call."""
        return (at_change and self.plan.goes_live) or self.plan.reasks(component, reached)

    def request(self, api: str, body: JsonValue, url: str, at_change: bool,
                reached: bool) -> tuple[JsonValue, str]:
        """As the plan sends it: before the fork's call, as the app made it."""
        return self.plan.request(api, body, url, at_change, reached)

    def changed(self, reached: bool, parted: bool) -> bool:
        """Past the change once the fork's call is reached, however the rerun parted before it."""
        return reached

    def on_miss_for(self, component: str, changed: bool) -> str:
        return self.plan.on_miss(component, self.on_miss, changed)

    def why_network(self, stepping: bool) -> str | None:
        plain = super().why_network(stepping)
        if plain is None and not self.plan.offline:
            return "--fork: calls from the fork on that the recording lacks run live, with the network"
        return plain

    def check(self, recording: Recording) -> None:
        """ForkError (exit 2) for a call the recording lacks, or one that cannot take the change (`fork_check.py`)."""
        check_fork(self.plan, recording)

    def going_live(self, timeline: Timeline, hear: GoingLive) -> None:
        """The fork's call, and where the calls the recording lacks go: `--base-url`, else the recorded endpoints;
        an `--offline` fork sends nothing."""
        plan = self.plan
        if not plan.offline:
            hear(plan.call, (plan.base_url,) if plan.base_url else endpoints_of(timeline), plan.base_url is not None)

    def lineage(self) -> JsonObject:
        return {"fork": self.plan.lineage()}

    def exit_code(self, report: Reported, app_exit_code: int) -> int:
        """1 when a call missed (one `--offline` could not answer, a tool the recording lacks), the network was used
        outside the calls it let through, or the app failed; else 0. Calls that ran live are what a fork asks for,
        not a failure (the report still says the run was not reproduced)."""
        network = report.network
        failed = report.misses or app_exit_code != 0 or (network is not None and network.not_reproduced is not None)
        return 1 if failed else 0


def rerun_policy(match: str, on_miss: str, live_tools: bool, fork: ForkPlan | None, strict: bool = False) -> Policy:
    """The policy of a rerun the user's options describe (`replay --rerun`, a golden run: `strict`): a fork's with
    `--fork`, else the plain rerun's."""
    if fork is None:
        return Policy(match=match, strict=strict, on_miss=on_miss, live_tools=live_tools)
    return ForkPolicy(match=match, strict=strict, on_miss=on_miss, live_tools=live_tools, plan=fork)
