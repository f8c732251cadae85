"""The rerun of the commands that judge one (`verify`'s tries, `bisect`'s probes), and what of it may go live.

`verify` runs the app's current code against its recording, matched strictly from the first call:
- LLM calls are answered from the recording while each asks exactly what its recorded twin asked (`strict`);
  one that asks anything else runs live when `LiveCalls` lets it (sent to `base_url`, `--base-url`, or to the
  endpoint the app itself called, `--live`), or, without either, stops the run as a miss naming the nearest
  recorded call and what differs.
- The app's own tools run for real (`live_tools`): their bodies are the code being verified. The network stays
  closed around them (`keeps_network`): without `requests` (`--live-requests`) what a tool sends through any
  client (urllib, a socket, a process it starts) is refused as a miss, and with no live LLM call either the whole
  rerun runs in the network namespace (`closing.py`).
- Any other request (a tool's HTTP call through a recorded client: a side effect) is answered from the recording
  when the recording has the same request; one it has not stops the run as a miss, unless `requests` lets it out.

`diagnose --experiment`'s tries are forks (`reask` at a point: `reasking`) whose misses and network are a judged
rerun's: the fork says what is sent from its point on, `LiveCalls` where it goes and what else may go live.

`bisect`'s probes are matched as a plain rerun is, their substituted answers given by the policy's `fallback`,
with the same `LiveCalls` (`bisecting`); past a substituted answer, a tool neither run can answer runs for real, as
after a fork's call (`fork.past_a_change`): the tool a corrected answer asks for.

Its policy says so (`rerun/policy.py`): per component, what a miss does (`on_miss_for`), where a live LLM request goes
(`live_url`, a fork's `--base-url` rebasing) and which calls that run for real keep the network (`keeps_network`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rerun.fork import ForkPlan, check_base_url, past_a_change, rebased  # --base-url checked, sent to as a fork's
from ..rerun.fork_policy import ForkPolicy
from ..rerun.policy import Fallback, LiveCalls, Policy

__all__ = ["JudgedFork", "JudgedPolicy", "LiveCalls", "bisecting", "check_base_url", "reasking", "verifying"]
LLM = "llm"


@dataclass(frozen=True)
class JudgedPolicy(Policy):
    """The policy of a judged rerun: its LLM misses live as `live` says (or reported), its other misses reported
    unless `live.requests`; verify's matched strictly, its tools run for real (`verifying`)."""

    live: LiveCalls = LiveCalls()

    def on_miss_for(self, component: str, forked: bool) -> str:
        """An LLM miss goes live as `live` says; past a changed answer (bisect's substituted one) a tool runs for
        real, as a fork's does (`past_a_change`); any other miss goes live with `live.requests` alone."""
        if component == LLM:
            return "live" if self.live.models else "error"
        otherwise = "live" if self.live.requests else "error"
        return past_a_change(component, otherwise) if forked else otherwise

    def live_url(self, url: str) -> str:
        """An LLM request goes, if it runs live, to `base_url` in place of its recorded origin, or where it was
        sent (`--live`)."""
        return rebased(url, self.live.base_url) if self.live.base_url else url

    def keeps_network(self, component: str) -> bool:
        """An LLM call that runs live goes out; anything else reaches the network only with `requests`."""
        return self.live.models if component == LLM else self.live.requests

    def why_network(self, stepping: bool) -> str | None:
        if self.live.requests:
            return "--live-requests: what the app's tools send goes out for real"
        if self.live.base_url is not None:
            return "--base-url: an LLM call the recording cannot answer goes live"
        if self.live.own:
            return "--live: an LLM call the recording cannot answer goes to the endpoint the app called"
        return None


def verifying(live: LiveCalls) -> JudgedPolicy:
    """`verify`'s policy: strict from the first call, the app's tools run for real, a miss an error unless `live`
    lets it out."""
    return JudgedPolicy(strict=True, on_miss="error", live_tools=True, live=live)


def bisecting(live: LiveCalls, fallback: Fallback) -> JudgedPolicy:
    """`bisect`'s policy: a plain rerun's matching, `fallback` answering what the bad run cannot, a tool past a
    substituted answer run for real, any other miss an error unless `live` lets it out."""
    return JudgedPolicy(on_miss="error", fallback=fallback, live=live)


@dataclass(frozen=True)
class JudgedFork(JudgedPolicy, ForkPolicy):
    """A fork judged as `verify` judges a rerun: the fork's change and what it sends (`ForkPolicy`), the judged
    rerun's rule for misses and the network (`JudgedPolicy`, first in the order)."""


def reasking(live: LiveCalls, call: str) -> JudgedFork:
    """`diagnose --experiment`'s try at `call`: the run before it replayed, it and every LLM call after it re-asked
    (a `reask` fork), live where `live` says."""
    return JudgedFork(on_miss="error", live=live, plan=ForkPlan(call, "reask", base_url=live.base_url))
