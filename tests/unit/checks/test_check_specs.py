"""Event specs: what `tool:search`, `agent_turn:*` and `error:auth` match."""

from __future__ import annotations

import pytest

from namel3ss_debug.checks.specs import SpecError, parse_spec


def event(event_type, component, name):
    return {"event_type": event_type, "component": component, "name": name}


def test_a_spec_matches_span_starts_and_instants_not_ends():
    spec, count = parse_spec("tool:search")
    assert count == 1
    assert spec.matches(event("tool_call_start", "tool", "search"))
    assert not spec.matches(event("tool_call_end", "tool", "search"))
    assert not spec.matches(event("tool_call_start", "tool", "fetch"))


def test_the_head_may_be_a_span_kind_and_the_name_a_glob():
    spec, _ = parse_spec("agent_turn:*")
    assert spec.matches(event("agent_turn_start", "agent", "researcher"))
    assert not spec.matches(event("agent_execution_start", "agent", "researcher"))


def test_instant_event_types_are_heads_too():
    assert parse_spec("memory_operation:write")[0].matches(event("memory_operation", "memory", "write"))


def test_a_count_needs_counted_and_error_specs_never_match_events():
    assert parse_spec("tool:search>=3", counted=True)[1] == 3
    with pytest.raises(SpecError):
        parse_spec("tool:search>=3")
    spec, _ = parse_spec("error:auth")
    assert spec.is_error and spec.error_category("auth") and not spec.error_category("timeout")
    assert not spec.matches(event("error_occurred", "error", "auth"))


def test_a_misspelt_component_gets_a_suggestion():
    with pytest.raises(SpecError, match="did you mean 'tool'"):
        parse_spec("tol:search")
