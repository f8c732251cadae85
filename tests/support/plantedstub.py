"""A stub model on 127.0.0.1 that plants mistakes, for `diagnose --experiment`'s tests and bench: every call is
answered as the example stub answers it (`support.stubserver.StubServer`), except that a request whose last user
message holds a planted marker (`step 3 of`) is answered wrongly, its text ending `[nonce wrong]`, with the
marker's probability. The draws come from a generator seeded once, so a test's run of tries is the same each time
(the tries run one after another, in one order).

    with planted_stub({"step 3 of": 1.0}) as stub:   # record: step 3 always wrong
        ...
        stub.plant({"step 3 of": 0.5})                # the experiment: wrong half the time
"""

from __future__ import annotations

import random
import threading
from typing import Any, Mapping

from support.stubserver import StubServer

WRONG = "[nonce wrong]"


def last_user_text(body: Mapping[str, Any]) -> str:
    """The text of the request's last user message, in chat's `messages` or the Responses API's `input`."""
    items = body.get("messages") or body.get("input") or []
    if isinstance(items, str):
        return items
    users = [item for item in items if isinstance(item, dict) and item.get("role") == "user"]
    return _text(users[-1].get("content")) if users else ""


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(part.get("text") or part.get("content")) for part in content if isinstance(part, dict))
    return ""


class Planted:
    """Whether a request is answered wrongly: the probability of the first marker its last user text holds."""

    def __init__(self, markers: Mapping[str, float], seed: int = 7):
        self.markers = dict(markers)
        self.random = random.Random(seed)
        self.asked: list[str] = []  # the markers of the planted requests seen, in order
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> bool:
        text = last_user_text(body)
        marker = next((marker for marker in self.markers if marker in text), None)
        if marker is None:
            return False
        with self._lock:
            self.asked.append(marker)
            return self.random.random() < self.markers[marker]


class PlantedStub(StubServer):  # type: ignore[misc,valid-type]
    """The example stub with a `Planted` deciding its mistakes; `plant` changes the markers between runs."""

    def __init__(self, markers: Mapping[str, float], seed: int = 7, api_key: str | None = None):
        self.planted = Planted(markers, seed)
        super().__init__(api_key=api_key, wrong=self.planted)

    def plant(self, markers: Mapping[str, float], seed: int = 7) -> None:
        """New markers and a new generator: what the next requests are answered by."""
        self.planted.markers = dict(markers)
        self.planted.random = random.Random(seed)


def planted_stub(markers: Mapping[str, float], seed: int = 7, api_key: str | None = None) -> PlantedStub:
    """A started `PlantedStub`."""
    stub: PlantedStub = PlantedStub(markers, seed, api_key).start()
    return stub
