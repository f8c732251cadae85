"""The fork as a rerun's policy (`replay --rerun --fork`, `diagnose --experiment`'s re-asks): the rerun asks it of
every call, as it asks a plain rerun's `Policy`, and it answers from its `ForkPlan` (`fork.py`).

At the fork's call the rerun parts from its recording (`change_at`): the call is answered with `--answer`
(`changed_answer`) or sent (`sends`), its request changed (`request`); from there on a miss does what the plan says
(`on_miss_for`) and a `reask` sends every LLM call. `rerun_policy` chooses a plain rerun's policy or a fork's, once.

    policy = rerun_policy("call", "error", False, ForkPlan("llm:chat#2", "answer", "Take an umbrella."))
    Rerun(recording, policy)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.json_types import JsonValue
from ..recording.mocks import Mock, parse_key
from .fork import ForkPlan
from .policy import Policy


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


def rerun_policy(match: str, on_miss: str, live_tools: bool, fork: ForkPlan | None, strict: bool = False) -> Policy:
    """The policy of a rerun the user's options describe (`replay --rerun`, a golden run: `strict`): a fork's with
    `--fork`, else the plain rerun's."""
    if fork is None:
        return Policy(match=match, strict=strict, on_miss=on_miss, live_tools=live_tools)
    return ForkPolicy(match=match, strict=strict, on_miss=on_miss, live_tools=live_tools, plan=fork)
