"""The call address `component:name#N`: one format, one parser, the same messages for every caller."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from namel3ss_debug.model.calls import CallAddress, CallNumberError, CallRecord
from namel3ss_debug.model.errors import UsageError


@pytest.mark.parametrize(("address", "text"), [
    (CallAddress("tool", "search", 2), "tool:search#2"),
    (CallAddress("tool", "search"), "tool:search"),
    (CallAddress("tool", "my:tool", 1), "tool:my:tool#1"),
    (CallAddress("tool", "search#v2", 3), "tool:search#v2#3"),
])
def test_an_address_reads_back_as_it_was_written(address, text):
    assert (str(address), address.text, CallAddress.parse(text)) == (text, text, address)


def test_an_address_unpacks_as_component_name_and_number():
    component, name, number = CallAddress.parse("llm:planner#12")
    assert (component, name, number) == ("llm", "planner", 12)


def test_numbered_names_one_call_of_the_operation():
    assert str(CallAddress("tool", "search").numbered(3)) == "tool:search#3"


@pytest.mark.parametrize("text", ["tool:search#0", "tool:search#x", "tool:search#", "tool:search#٣", "tool:search#-1"])
def test_a_call_number_that_is_not_1_2_and_so_on_is_an_error_saying_how_to_write_one(text):
    with pytest.raises(CallNumberError) as caught:
        CallAddress.parse(text)
    assert (caught.value.message, caught.value.hint) == (
        f"{text}: a call number is # and a number from 1", "e.g. tool:search#1")


def test_the_caller_chooses_the_error_raised():
    class TargetError(UsageError):
        pass

    with pytest.raises(TargetError, match="a call number is # and a number from 1"):
        CallAddress.parse("tool:search#0", TargetError)


def test_a_text_without_a_colon_is_all_component():
    assert CallAddress.parse("search") == CallAddress("search", "", None)


def test_a_call_record_is_addressed_by_its_component_name_and_number():
    @dataclass(frozen=True)
    class Seen(CallRecord):
        component: str
        name: str
        number: int
        seq: int

    seen = Seen("tool", "search", 2, seq=40)
    assert (seen.address, seen.key) == (CallAddress("tool", "search", 2), "tool:search#2")
