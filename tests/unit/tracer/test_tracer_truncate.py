"""Truncator: oversized payload fields are cut to size, keep their shape, and say what they lost."""

from __future__ import annotations

import copy

import pytest

from namel3ss_debug.tracer.truncate import Truncator, payload_size, text_marker

LIMIT = 256


def test_payload_over_the_limit_fits_after_truncation():
    event = Truncator(LIMIT)({"outputs": {"text": "a" * 5000}})
    assert payload_size(event["outputs"]) <= LIMIT


def test_truncated_payload_keeps_its_keys():
    event = Truncator(LIMIT)({"inputs": {"system": "s" * 3000, "user": "u" * 3000, "temperature": 0.2}})
    assert list(event["inputs"]) == ["system", "user", "temperature"]
    assert event["inputs"]["temperature"] == 0.2


def test_cut_string_ends_with_the_marker_naming_its_length():
    event = Truncator(LIMIT)({"outputs": {"text": "a" * 5000}})
    assert event["outputs"]["text"].endswith(text_marker(5000))
    assert event["outputs"]["text"].startswith("aaaa")


def test_truncated_records_the_original_size_of_each_cut_field():
    outputs = {"text": "a" * 5000}
    event = Truncator(LIMIT)({"outputs": outputs, "attrs": {"k": "small"}})
    assert event["truncated"] == {"outputs": {"original_size": payload_size(outputs)}}


def test_payload_under_the_limit_is_untouched():
    event = {"inputs": {"q": "short"}, "outputs": ["a", "b"], "attrs": {"n": 1}, "error": {"type": "E"}}
    before = copy.deepcopy(event)
    assert Truncator(LIMIT)(event) == before


def test_long_list_is_cut_with_a_marker_counting_its_items():
    event = Truncator(LIMIT)({"outputs": list(range(1000))})
    assert event["outputs"][:50] == list(range(50))
    assert event["outputs"][50:] == ["...[truncated, 1000 items]"]


def test_fields_outside_the_payload_are_never_cut():
    event = Truncator(LIMIT)({"name": "n" * 1000, "outputs": "o" * 1000})
    assert event["name"] == "n" * 1000


def test_a_top_level_string_payload_is_cut():
    event = Truncator(LIMIT)({"error": "e" * 2000})
    assert event["error"].endswith(text_marker(2000)) and len(event["error"]) < 2000


def test_a_dict_with_many_keys_is_cut_to_fit_and_says_how_many_keys_went():
    value = {f"k{i}": i for i in range(20000)}
    shrunk = Truncator(1024).shrink(value)
    assert payload_size(shrunk) <= 1024
    assert shrunk["..."].startswith("[truncated, ")


def test_many_short_lists_are_cut_to_fit():
    value = [["x" * 10] * 60 for _ in range(60)]
    assert payload_size(Truncator(1024).shrink(value)) <= 1024


def test_deep_nesting_that_cannot_be_cut_becomes_a_preview():
    value: object = "leaf"
    for _ in range(200):
        value = {"a": value}
    shrunk = Truncator(512).shrink(value)
    assert list(shrunk) == ["$truncated"] and payload_size(shrunk) <= 512


def test_an_error_keeps_its_keys_when_truncated():
    error = {"type": "E", "message": "m" * 5000, "category": "unknown", "stack": "s" * 5000}
    event = Truncator(1024)({"error": error})
    assert set(event["error"]) == {"type", "message", "category", "stack"}


@pytest.mark.parametrize("key", ["\u6f22" * 5000, '"' * 5000])
def test_a_preview_of_wide_or_escaped_characters_still_fits(key):
    shrunk = Truncator(4096).shrink({key: 1})  # keys are never cut: only a preview can fit
    assert list(shrunk) == ["$truncated"] and payload_size(shrunk) <= 4096
