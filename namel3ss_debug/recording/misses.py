"""What a breakpoint target or a mock key that matches nothing is told: the nearest recorded names, and how
many calls there were when the call number is past them (vcrpy's "nearest candidates")."""

from __future__ import annotations

import difflib
from typing import Iterable


def nearest_recorded(wanted: str, candidates: Iterable[str]) -> list[str]:
    """Up to three of `candidates` that read most like `wanted`, best first; none if nothing is close."""
    return difflib.get_close_matches(wanted, sorted(set(candidates)), n=3, cutoff=0.5)


def no_such_call(call: str, count: int, number: int | None) -> str:
    """`tool:search was called 2 times, so there is no #3`."""
    return f"{call} was called {count} time{'s' if count != 1 else ''}, so there is no #{number}"
