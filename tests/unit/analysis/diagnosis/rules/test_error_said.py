"""A failed step's error in a finding's line (`rules/swallowed.error_said`): cut to 120 characters with a mark, and
where the cut would drop the value the message marks as wrong (Haystack's long `... got 12`), that part kept."""

from __future__ import annotations

from support.handsteps import step

from namel3ss_debug.analysis.diagnosis.rules.swallowed import SAID_CHARS, error_said

# Haystack 2's ToolInvoker: the component, the tool and every argument come before what was wrong.
HAYSTACK = ("The following component failed to run:\nComponent name: 'tool_invoker'\nComponent type: 'ToolInvoker'\n"
            "Error: Failed to invoke Tool `get_forecast` with parameters {'city': 'Lisbon', 'days': 12}. "
            "Error: expected at most 10 days, got 12")


def said(message: str) -> str:
    return error_said(step(2, "tool", "tool_invoker", status="failed", error_type="ToolInvocationError",
                           error_message=message))


def test_a_long_error_keeps_the_part_that_names_the_wrong_value_after_a_mark() -> None:
    shown = said(HAYSTACK)
    assert len(shown) <= len("ToolInvocationError: ") + SAID_CHARS
    assert shown.startswith("ToolInvocationError: The following component failed to run: Component name:")
    assert shown.endswith("Component type: … expected at most 10 days, got 12")


def test_a_long_error_naming_no_wrong_value_is_cut_with_a_mark() -> None:
    shown = said("connection reset by peer while reading the response body " * 4)
    assert shown.endswith("…") and len(shown) == len("ToolInvocationError: ") + SAID_CHARS


def test_a_short_error_is_shown_whole() -> None:
    assert said("expected at most 10 days, got 12") == "ToolInvocationError: expected at most 10 days, got 12"
