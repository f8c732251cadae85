"""`model/lineage.py`: a run's lineage read from its run_start and run_end attrs, whatever JSON they hold."""

from __future__ import annotations

from typing import Any

import pytest

from namel3ss_debug.model.lineage import UNKNOWN, Fork, Lineage, Parted, lineage_of

PARENT = "20261122-100000-aaaaaa"
FORK = {"call": "llm:openai.chat#2", "change": "model", "model": "gpt-4o-mini"}


def test_a_fork_says_its_parent_its_change_and_where_it_parted() -> None:
    start = {"entry": {}, "replay_of": {"run_id": PARENT, "trace": "rec.jsonl", "match": "call", "mocks": [],
                                        "fork": FORK}}
    lineage = lineage_of(start, {"exit_code": 0, "parted": {"call": "llm:openai.chat#2", "how": "forked"}})
    assert lineage == Lineage(PARENT, "rec.jsonl", Fork("llm:openai.chat#2", "model", "gpt-4o-mini"),
                              Parted("llm:openai.chat#2", "forked"))
    assert lineage.said() == \
        f"fork of {PARENT} at llm:openai.chat#2 (model gpt-4o-mini), parted at llm:openai.chat#2 (forked)"
    assert lineage.said(lambda text: f"<{text}>") == \
        f"fork of <{PARENT}> at <llm:openai.chat#2 (model gpt-4o-mini)>, parted at <llm:openai.chat#2 (forked)>"


def test_a_plain_rerun_that_never_parted_is_a_rerun_of_its_parent_and_no_more() -> None:
    lineage = lineage_of({"replay_of": {"run_id": PARENT, "trace": "rec.jsonl"}}, {"exit_code": 0})
    assert lineage == Lineage(PARENT, "rec.jsonl")
    assert lineage.said() == f"rerun of {PARENT}"


def test_a_mocked_rerun_says_where_the_mock_parted_it() -> None:
    lineage = lineage_of({"replay_of": {"run_id": PARENT}}, {"parted": {"call": "tool:search#1", "how": "mocked"}})
    assert lineage is not None and lineage.said() == f"rerun of {PARENT}, parted at tool:search#1 (mocked)"


@pytest.mark.parametrize("start", [None, {}, [], "replay_of", {"replay_of": None}, {"replay_of": ["run_id"]},
                                   {"replay_of": "20261122"}, {"other": {"run_id": PARENT}}])
def test_a_run_without_a_replay_of_object_is_no_rerun(start: Any) -> None:
    assert lineage_of(start, {"parted": {"call": "llm:x#1", "how": "mocked"}}) is None


@pytest.mark.parametrize("replay_of", [{}, {"run_id": 7}, {"run_id": None}, {"run_id": ["a"]}])
def test_a_parent_of_another_type_is_unknown_not_an_error(replay_of: dict[str, Any]) -> None:
    assert lineage_of({"replay_of": replay_of}) == Lineage(UNKNOWN)


@pytest.mark.parametrize("fork", [None, "llm:x#1", [], {"call": "llm:x#1"}, {"change": "answer"},
                                  {"call": 1, "change": "answer"}, {"call": "llm:x#1", "change": {"a": 1}}])
def test_a_fork_missing_its_call_or_change_is_no_fork(fork: Any) -> None:
    lineage = lineage_of({"replay_of": {"run_id": PARENT, "fork": fork}})
    assert lineage is not None and lineage.fork is None


def test_a_fork_model_of_another_type_is_left_out() -> None:
    lineage = lineage_of({"replay_of": {"run_id": PARENT, "fork": {**FORK, "model": 4}}})
    assert lineage is not None and lineage.fork == Fork("llm:openai.chat#2", "model")


@pytest.mark.parametrize("end", [None, [], "parted", {"parted": None}, {"parted": "llm:x#1"},
                                 {"parted": {"call": "llm:x#1"}}, {"parted": {"how": "mocked"}},
                                 {"parted": {"call": ["llm:x#1"], "how": "mocked"}}])
def test_a_parting_of_another_shape_is_unknown(end: Any) -> None:
    lineage = lineage_of({"replay_of": {"run_id": PARENT, "trace": 12}}, end)
    assert lineage == Lineage(PARENT)
