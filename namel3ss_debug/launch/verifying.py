"""The rerun `verify` runs: the app's current code against its recording, matched strictly from the first call.

- LLM calls are answered from the recording while each asks exactly what its recorded twin asked (`strict`);
  one that asks anything else runs live, sent to `base_url` (`--base-url`), or, without one, stops the run as a
  miss naming the nearest recorded call and what differs.
- The app's own tools run for real (`live_tools`): their bodies are the code being verified. The network stays
  closed around them (`keeps_network`): without `live_requests` what a tool sends through any client (urllib, a
  socket, a process it starts) is refused as a miss, and with no `base_url` either the whole rerun runs in the
  network namespace (`closing.py`).
- Any other request (a tool's HTTP call through a recorded client: a side effect) is answered from the recording
  when the recording has the same request; one it has not stops the run as a miss, unless `live_requests`
  (`--live-tools`) lets it go out.

Its policy says so (`rerun/policy.py`): per component, what a miss does (`on_miss_for`), where a live LLM request goes
(`live_url`, a fork's `--base-url` rebasing) and which calls that run for real keep the network (`keeps_network`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rerun.fork import check_base_url, rebased  # verify's --base-url is checked, and sent to, as a fork's
from ..rerun.policy import Policy

__all__ = ["VerifyPolicy", "check_base_url", "verifying"]
LLM = "llm"


@dataclass(frozen=True)
class VerifyPolicy(Policy):
    """Matched strictly, its tools run for real, its LLM misses live at `base_url` (or reported), its other misses
    reported unless `live_requests`."""

    base_url: str | None = None
    live_requests: bool = False

    def on_miss_for(self, component: str, forked: bool) -> str:
        if component == LLM:
            return "live" if self.base_url else "error"
        return "live" if self.live_requests else "error"

    def live_url(self, url: str) -> str:
        """An LLM request goes, if it runs live, to `base_url` in place of its recorded origin."""
        return rebased(url, self.base_url) if self.base_url else url

    def keeps_network(self, component: str) -> bool:
        """An LLM call that runs live goes to `base_url`; anything else reaches the network only with
        `live_requests`."""
        return self.base_url is not None if component == LLM else self.live_requests

    def why_network(self, stepping: bool) -> str | None:
        if self.live_requests:
            return "--live-tools: what the app's tools send goes out for real"
        if self.base_url is not None:
            return "--base-url: an LLM call the recording cannot answer goes live"
        return None


def verifying(base_url: str | None, live_requests: bool) -> VerifyPolicy:
    """`verify`'s policy: strict from the first call, the app's tools run for real, a miss an error unless
    `base_url` (an LLM call's) or `live_requests` (any other's) lets it go out."""
    return VerifyPolicy(strict=True, on_miss="error", live_tools=True, base_url=base_url,
                        live_requests=live_requests)
