"""Which OpenTelemetry spans a hook of ours records already: by instrumentation scope and component.

A framework that emits its own OpenTelemetry spans (autogen-core's `execute_tool` and `invoke_agent`)
and that we also hook at the call itself would give every call twice. Its hook says, once it is in,
which of the scope's components it records (`hooked_scope`); the span processor then leaves those
out, their children going under the nearest recorded ancestor (the hook's span). Until then, or if
the hook could not go in, the OpenTelemetry spans are recorded as they come.
"""

from __future__ import annotations

_hooked: dict[str, frozenset[str]] = {}  # instrumentation scope -> our components its hook records


def hooked_scope(scope: str, component: str) -> None:
    """From now on, `component` spans of the instrumentation scope `scope` are a hook's to record."""
    _hooked[scope] = _hooked.get(scope, frozenset()) | {component}


def recorded_by_hook(scope: str, component: str | None) -> bool:
    """Whether a span of `scope` mapped to `component` repeats what a hook of ours records."""
    return component is not None and component in _hooked.get(scope, ())
