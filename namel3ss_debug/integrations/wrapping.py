"""Wrapping a framework's method once: our wrapper carries a mark, and a method that has it is not wrapped
again, so installing a hook twice leaves it as it is."""

from __future__ import annotations

from typing import Any, Callable

Wrap = Callable[[Callable[..., Any]], Callable[..., Any]]


def wrap_once(owner: Any, name: str, wrap: Wrap, mark: str) -> None:
    """Set `owner.name` (its own, not inherited) to `wrap(original)`, unless the method there carries `mark`."""
    original = owner.__dict__[name]
    if not getattr(original, mark, False):
        setattr(owner, name, wrap(original))
