"""`analysis/run_texts.py`: a run's question read from its first LLM call in each API's shape (else its arguments),
its answer the diagnosis's final text, and each made one line."""

from __future__ import annotations

import orjson
import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.analysis.analyze import analyze
from namel3ss_debug.analysis.run_state import Options
from namel3ss_debug.analysis.run_texts import KEPT_CHARS, NO_QUESTION, arguments_of, one_line, question_in, said_of
from namel3ss_debug.store.records import record_from_dict
from namel3ss_debug.store.sources import RunSource

SYSTEM = {"role": "system", "content": "You plan trips."}


@pytest.mark.parametrize("request_body", [
    {"model": "gpt-4o", "messages": [SYSTEM, {"role": "user", "content": "Is it warm in Paris?"}]},
    {"model": "claude", "system": "You plan trips.",
     "messages": [{"role": "user", "content": [{"type": "text", "text": "Is it warm in Paris?"}]}]},
    {"model": "gpt-4o", "input": "Is it warm in Paris?"},
    {"model": "gpt-4o", "input": [{"role": "developer", "content": "Be brief."}, {
        "role": "user", "content": [{"type": "input_text", "text": "Is it warm in Paris?"}]}]},
    {"contents": [{"role": "user", "parts": [{"text": "Is it warm in Paris?"}]}]},
    {"prompt": "Is it warm in Paris?"},
    {"model": "fake", "question": "Is it warm in Paris?", "notes": ["a"]},
], ids=["openai-chat", "anthropic", "responses-text", "responses-items", "gemini", "prompt", "decorated-argument"])
def test_the_question_is_the_first_user_message_in_each_api_shape(request_body) -> None:
    assert question_in(orjson.dumps(request_body)) == "Is it warm in Paris?"


def test_the_first_user_message_is_the_question_and_its_text_parts_are_joined() -> None:
    body = {"messages": [SYSTEM, {"role": "user", "content": [{"type": "text", "text": "Paris"},
                                                              {"type": "image_url", "image_url": {"url": "x"}},
                                                              {"type": "text", "text": "in May?"}]},
                         {"role": "user", "content": "and Rome?"}]}
    assert question_in(orjson.dumps(body)) == "Paris in May?"


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'{"messages": [{"role": "system", "content": "x"}]}',
                                 b'{"messages": [{"role": "user", "content": "   "}]}',
                                 b'{"messages": [{"role": "user", "tool_calls": 5, "content": "x"}]}',
                                 b'{"contents": [{"role": "user", "parts": 7}]}',
                                 b'{"model": "gpt-4o", "city": "Paris", "question": 5}'])
def test_a_request_with_no_user_text_or_of_an_odd_shape_has_no_question_and_never_raises(raw: bytes) -> None:
    assert question_in(raw) in (NO_QUESTION, "x")


def test_a_long_question_is_kept_to_kept_chars() -> None:
    assert len(question_in(orjson.dumps({"prompt": "p" * 5000}))) == KEPT_CHARS


def test_the_arguments_are_the_argv_after_the_script_as_a_shell_reads_them() -> None:
    assert arguments_of({"argv": ["trip.py", "--question", "Is it warm in Paris?"]}) == \
        "--question 'Is it warm in Paris?'"
    assert arguments_of({"argv": ["trip.py"]}) is None
    assert arguments_of({"argv": "trip.py --city Paris"}) is None
    assert arguments_of(None) is None


def test_one_line_makes_every_whitespace_run_one_space_and_cuts_with_an_ellipsis() -> None:
    assert one_line("In Paris:\n\tthe old town.\r\n") == "In Paris: the old town."
    assert one_line(" \n ") is None and one_line(None) is None
    cut = one_line("word " * 100, 50)
    assert cut is not None and len(cut) <= 50 and cut.endswith("…") and "\n" not in cut


def _said(trace: TraceBuilder):
    records = [record_from_dict(event)[0] for event in trace.events]
    kept = []
    analyze([(RunSource("t", ("t.jsonl",), trace.run_id), iter([records]))], sections=["overview", "findings"],
            options=Options(), keep_tally=lambda tally: kept.append(said_of(tally)))
    return kept[0]


def test_a_run_said_its_first_calls_question_and_its_last_answer() -> None:
    trace = TraceBuilder()
    trace.run_start("trip.py", argv=["trip.py", "--city", "Paris"])
    trace.span("llm", "plan", 5, inputs={"messages": [SYSTEM, {"role": "user", "content": "Paris?"}]},
               outputs={"text": "Let me see."})
    trace.span("llm", "plan", 5, inputs={"messages": [{"role": "user", "content": "Rome?"}]},
               outputs={"text": "Paris:\nthe old town."})
    trace.run_end()
    assert tuple(_said(trace)) == ("Paris?", "Paris:\nthe old town.")


def test_a_run_with_no_llm_call_said_its_arguments() -> None:
    trace = TraceBuilder()
    trace.run_start("trip.py", argv=["trip.py", "--city", "Paris"])
    trace.span("tool", "search", 5, inputs={"q": "Paris"}, outputs={"return": ["a"]})
    trace.run_end()
    assert _said(trace).input == "--city Paris"
