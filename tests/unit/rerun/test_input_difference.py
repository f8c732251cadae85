"""Where two inputs part (`rerun/candidates.input_difference`), as a miss, verify and diff say it: message lists of
different lengths (a framework that sends one more turn) show where they part, never two equal excerpts."""

from __future__ import annotations

from namel3ss_debug.rerun.candidates import input_difference

SYSTEM = {"role": "system", "content": "You are a helpful travel assistant: answer with the weather and the time."}
ASKED = [SYSTEM, {"role": "user", "content": "Weather in Paris?"}]


def test_a_longer_message_list_shows_the_first_message_only_it_has() -> None:
    longer = [*ASKED, {"role": "assistant", "content": "Let me check."}]
    assert input_difference({"messages": ASKED}, {"messages": longer}) == (
        "messages: 1 item only this call, from [2]: {'role': 'assistant', 'content': 'Let me check.'}")


def test_a_shorter_message_list_counts_the_messages_only_the_recording_has() -> None:
    longer = [*ASKED, {"role": "assistant", "content": "Let me check."}, {"role": "tool", "content": "Sunny"}]
    assert input_difference({"messages": longer}, {"messages": ASKED}, words=("recorded", "rerun")) == (
        "messages: 2 items only recorded, from [2]: {'role': 'assistant', 'content': 'Let me check.'}")


def test_lists_of_different_lengths_that_differ_before_the_end_show_the_first_message_that_differs() -> None:
    other = [SYSTEM, {"role": "user", "content": "Weather in Rome?"}, {"role": "assistant", "content": "x"}]
    assert input_difference({"messages": ASKED}, {"messages": other}) == (
        "messages[1].content: recorded 'Weather in Paris?', this call 'Weather in Rome?'")
