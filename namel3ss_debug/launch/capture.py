"""What a traced app's calls are recorded at: its HTTP clients and the agent frameworks it imports."""

from __future__ import annotations

from ..integrations.frameworks import capture_frameworks
from ..transport import capture_http


def capture_calls() -> None:
    """Hook the HTTP clients and the frameworks the app imports, from now on. Idempotent."""
    capture_http()
    capture_frameworks()
