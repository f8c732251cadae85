"""The names of the `Any`s that stay: each says why mypy cannot know the type, once.

mypy is strict on `model/`, `store/`, `analysis/`, `rerun/` and `replay/`; `Any` stays only at the edges
where foreign objects arrive. A bare `Any` there says nothing; these names say what arrives and who checks it.
"""

from __future__ import annotations

from typing import Any, TypeAlias

JsonEvent: TypeAlias = dict[str, Any]
"""A trace event as decoded from its line: its values are JSON, recursive, and checked by the format's
readers (`store/records.py`, `store/line_events.py`), not by mypy."""

JsonObject: TypeAlias = dict[str, Any]
"""Any other JSON object as decoded (an event's `attrs` or `usage`, an OTLP document, a foreign trace's
line): what it holds is checked where it is read, not by mypy."""

JsonValue: TypeAlias = Any
"""A value as decoded from JSON (null, bool, number, text, list or object, nested): recursive, so mypy
cannot follow it; each reader tests what it needs with `isinstance`."""

Foreign: TypeAlias = Any
"""An object of the traced app or of a framework (its inputs, a value served back to it, a codec or an
SDK's class): what it is is theirs, not ours."""
