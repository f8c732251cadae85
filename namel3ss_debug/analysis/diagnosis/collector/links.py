"""The LLM calls a run's tools are linked to: each LLM call's seq by a key (its span id, a tool call id its answer
asked for), the last `MAX_LINKS` kept. A tool is asked for and run soon after the answer that asked, so the oldest
links are the ones dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Optional

MAX_LINKS = 4096  # LLM calls remembered by span id and by tool call id, to link the tools they asked for


class Links:
    """Key -> the seq of the LLM call it links to, the last MAX_LINKS keys first remembered; `dropped`: how many
    older ones were let go."""

    __slots__ = ("seqs", "dropped")

    def __init__(self) -> None:
        # an OrderedDict: the oldest let go at once (a dict's first key is found past every one deleted before it)
        self.seqs: OrderedDict[str, int] = OrderedDict()
        self.dropped = 0

    def remember(self, key: str, seq: int) -> None:
        """A link kept among the last MAX_LINKS (a key remembered again keeps its place)."""
        seqs = self.seqs
        seqs[key] = seq
        if len(seqs) > MAX_LINKS:
            seqs.popitem(last=False)
            self.dropped += 1

    def get(self, key: str) -> Optional[int]:
        return self.seqs.get(key)
