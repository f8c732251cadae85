"""An event read as a dict, with where it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Located:
    """An event dict and where it is: `path:line`, and its byte offset in the (decompressed) file."""

    event: dict[str, Any]
    path: str
    line: int
    offset: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"
