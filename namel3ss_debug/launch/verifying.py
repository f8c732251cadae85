"""The rerun `verify` runs: the app's current code against its recording, matched strictly from the first call.

- LLM calls are answered from the recording while each asks exactly what its recorded twin asked (`strict`);
  one that asks anything else runs live, sent to `base_url` (`--base-url`), or, without one, stops the run as a
  miss naming the nearest recorded call and what differs.
- The app's own tools run for real (`live_tools`): their bodies are the code being verified.
- Any other request (a tool's HTTP call: a side effect) is answered from the recording when the recording has the
  same request; one it has not stops the run as a miss, unless `live_requests` (`--live-tools`) lets it go out.

The two seams it fills are the rerun's: `live_request` (where a live LLM request goes) and `_on_miss` (what a miss
of each component does), which a fork fills the same way from its call on.
"""

from __future__ import annotations

from ..model.json_types import JsonValue
from ..rerun.fork import _check_base, rebased  # the fork's check of the same --base-url
from ..rerun.recording import Recording
from .guard import GuardedRerun

LLM = "llm"


def check_base_url(url: str) -> None:
    """`--base-url URL` as a fork checks it: an http(s) URL of a server (ForkError, a usage error, else)."""
    _check_base(url)


class VerifyingRerun(GuardedRerun):
    """A guarded rerun matched strictly, its tools run for real, its LLM misses live at `base_url` (or
    reported), its other misses reported unless `live_requests`."""

    def __init__(self, recording: Recording, *, base_url: str | None, live_requests: bool,
                 **options: object) -> None:
        super().__init__(recording, strict=True, live_tools=True, on_miss="error", **options)  # type: ignore[arg-type]
        self.base_url = base_url
        self.live_requests = live_requests

    def live_request(self, api: str, body: JsonValue, url: str) -> tuple[JsonValue, str]:
        """An LLM request goes, if it runs live, to `base_url` in place of its recorded origin."""
        return body, rebased(url, self.base_url) if self.base_url else url

    def _on_miss(self, component: str) -> str:
        if component == LLM:
            return "live" if self.base_url else "error"
        return "live" if self.live_requests else "error"
