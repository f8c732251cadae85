"""Trace format v1: the names every writer and reader agrees on."""

from __future__ import annotations

SCHEMA_VERSION = 1

COMPONENTS = ("app", "agent", "llm", "tool", "prompt", "chain", "memory", "validation", "http", "custom")

STATUSES = ("started", "completed", "failed", "skipped")

# A span of each component is written as `<prefix>_start` / `<prefix>_end`.
SPAN_PREFIX = {
    "app": "app_load",
    "agent": "agent_execution",
    "llm": "llm_call",
    "tool": "tool_call",
    "prompt": "prompt_execution",
    "chain": "chain_execution",
    "validation": "validation",
    "http": "http_request",
}
CUSTOM_SPAN_PREFIX = "custom_span"

SPAN_EVENT_PREFIXES = (
    "app_load",
    "agent_execution",
    "agent_turn",
    "llm_call",
    "tool_call",
    "prompt_execution",
    "chain_execution",
    "chain_step",
    "validation",
    "http_request",
    "run",
    CUSTOM_SPAN_PREFIX,
)
INSTANT_EVENT_TYPES = (
    "memory_operation",
    "memory_summarization",
    "error_occurred",
    "performance_marker",
    "segment_start",
)
EVENT_TYPES = tuple(
    f"{prefix}_{edge}" for prefix in SPAN_EVENT_PREFIXES for edge in ("start", "end")
) + INSTANT_EVENT_TYPES

# The run's start-up (imports and everything before its first span), which the tracer writes as a span of
# its own under the run's root: `app_load_start` right after `run_start`, `app_load_end` when the first other
# span starts (or the run ends). Readers tell it from an `app_load` span the app wrote itself (the legacy
# namel3ss runtime's, named after the app) by its name.
STARTUP_NAME = "start-up"
STARTUP_KIND = "app_load"


def is_startup(event_type: object, component: object, name: object) -> bool:
    """An event of the tracer's start-up span: `app_load_start`/`app_load_end` of component `app`, `start-up`."""
    return name == STARTUP_NAME and component == "app" and event_type in ("app_load_start", "app_load_end")


# A segment file's first line: bookkeeping of the files, not something the run did, so no span of its tree.
FILE_MARKER_EVENT_TYPES = frozenset({"segment_start"})

# Events that give a run its structure: never filtered or sampled away.
STRUCTURAL_EVENT_TYPES = frozenset({"run_start", "run_end", "segment_start", "error_occurred"})


KNOWN_EVENT_TYPES = frozenset(EVENT_TYPES)


def is_known_event_type(event_type: object) -> bool:
    """A v1 event type, or a `custom_*` one any app may write; readers accept others and say so."""
    return isinstance(event_type, str) and (event_type in KNOWN_EVENT_TYPES or event_type.startswith("custom_"))


def span_prefix(component: str) -> str:
    """The event-type prefix of a span of `component` (`llm` -> `llm_call`)."""
    return SPAN_PREFIX.get(component, CUSTOM_SPAN_PREFIX)

# The attrs a namel3ss flow's end event links the runtime's own run record with: they differ on every
# run (a rerun too), so comparing two runs skips them.
RUN_LINK_ATTRS = ("n3_run_id", "n3_trace_file")


def is_start(event_type: str) -> bool:
    return event_type.endswith("_start") and event_type != "segment_start"


def is_end(event_type: str) -> bool:
    return event_type.endswith("_end")


def kind(event_type: str) -> str:
    """A span's kind from either of its event types (`llm_call_start`, `llm_call_end` -> `llm_call`); an instant
    event's type as it is (`segment_start` too)."""
    for edge in ("_start", "_end"):
        if event_type.endswith(edge) and event_type != "segment_start":
            return event_type[: -len(edge)]
    return event_type
