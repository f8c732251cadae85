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

The two seams it fills are the rerun's: `live_request` (where a live LLM request goes) and `on_miss_for` (what a miss
of each component does), which a fork fills the same way from its call on.
"""

from __future__ import annotations

from typing import Any

from ..model.json_types import JsonValue
from ..rerun.fork import check_base_url, rebased  # verify's --base-url is checked, and sent to, as a fork's
from ..recording.calls import Recording
from .guard import GuardedRerun

__all__ = ["VerifyingRerun", "check_base_url"]
LLM = "llm"


class VerifyingRerun(GuardedRerun):
    """A guarded rerun matched strictly, its tools run for real, its LLM misses live at `base_url` (or
    reported), its other misses reported unless `live_requests`."""

    def __init__(self, recording: Recording, *, base_url: str | None, live_requests: bool,
                 **options: Any) -> None:
        super().__init__(recording, strict=True, live_tools=True, on_miss="error", **options)
        self.base_url = base_url
        self.live_requests = live_requests

    def live_request(self, api: str, body: JsonValue, url: str) -> tuple[JsonValue, str]:
        """An LLM request goes, if it runs live, to `base_url` in place of its recorded origin."""
        return body, rebased(url, self.base_url) if self.base_url else url

    def keeps_network(self, component: str) -> bool:
        """An LLM call that runs live goes to `base_url`; anything else reaches the network only with
        `live_requests`."""
        return self.base_url is not None if component == LLM else self.live_requests

    def why_network(self) -> str | None:
        if self.live_requests:
            return "--live-tools: what the app's tools send goes out for real"
        if self.base_url is not None:
            return "--base-url: an LLM call the recording cannot answer goes live"
        return None

    def on_miss_for(self, component: str) -> str:
        if component == LLM:
            return "live" if self.base_url else "error"
        return "live" if self.live_requests else "error"
