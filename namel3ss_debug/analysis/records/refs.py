"""Where something happened in a run: the reference every report and diagnosis record points with.

Its own module so that the report (`report.py`) and the diagnosis's records (`findings.py`), which the
report holds, both import it without importing each other.
"""

from __future__ import annotations

from typing import Optional

import msgspec


class Ref(msgspec.Struct, frozen=True):
    """Where something happened: the event (run and seq) and its span."""

    run_id: str
    seq: int
    span_id: str
    component: str
    name: str
    kind: Optional[str] = None  # llm_call, agent_turn, ...: the event type's prefix, when known
