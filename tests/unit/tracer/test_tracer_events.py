"""events.py: token usage in either vendor's names, model and cost, and error records with categories."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from namel3ss_debug.model.error_category import CATEGORIES, categorize
from namel3ss_debug.tracer.events import cost_of, envelope, error_record, model_of, usage_of


def test_usage_of_dict_with_openai_names():
    result = {"usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}
    assert usage_of(result) == {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}


def test_usage_of_dict_with_anthropic_names_keeps_vendor_extras():
    result = {"usage": {"input_tokens": 3, "output_tokens": 4, "cache_read_input_tokens": 2}}
    assert usage_of(result) == {"input_tokens": 3, "output_tokens": 4, "cache_read_input_tokens": 2,
                                "total_tokens": 7}


def test_usage_of_object_with_openai_names():
    result = SimpleNamespace(usage=SimpleNamespace(prompt_tokens=10, completion_tokens=2, total_tokens=12))
    assert usage_of(result) == {"input_tokens": 10, "output_tokens": 2, "total_tokens": 12}


def test_usage_of_object_with_anthropic_names_computes_the_total():
    result = SimpleNamespace(usage=SimpleNamespace(input_tokens=10, output_tokens=2))
    assert usage_of(result) == {"input_tokens": 10, "output_tokens": 2, "total_tokens": 12}


def test_usage_of_prefers_input_tokens_over_prompt_tokens():
    assert usage_of({"usage": {"input_tokens": 1, "prompt_tokens": 9}})["input_tokens"] == 1


def test_usage_of_keeps_a_given_total():
    assert usage_of({"usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 5}})["total_tokens"] == 5


def test_usage_of_ignores_boolean_extras():
    assert usage_of({"usage": {"input_tokens": 1, "cached": True}}) == {"input_tokens": 1, "total_tokens": 1}


@pytest.mark.parametrize("result", [None, "text", {"text": "no usage"}, {"usage": {"note": "n/a"}},
                                    SimpleNamespace(usage=None)])
def test_usage_of_without_token_counts_is_none(result):
    assert usage_of(result) is None


def test_model_of_reads_a_dict_or_an_object():
    assert (model_of({"model": "a"}), model_of(SimpleNamespace(model="b")), model_of({"model": 3})) == ("a", "b", None)


def test_cost_of_uses_prices_per_million_tokens():
    prices = {"m": {"input": 3.0, "output": 15.0}}
    assert cost_of("m", {"input_tokens": 1000, "output_tokens": 100}, prices) == pytest.approx(0.0045)


def test_cost_of_unpriced_model_is_none():
    assert cost_of("other", {"input_tokens": 1}, {"m": {"input": 1.0, "output": 1.0}}) is None


def test_envelope_has_the_v1_fields_in_order():
    event = envelope("run", "llm_call_start", "llm", "n", "s", "p", "started")
    assert list(event) == ["v", "run_id", "seq", "ts", "event_type", "component", "name", "span_id",
                           "parent_id", "status"]


def test_error_record_has_type_message_category_and_stack():
    try:
        raise TimeoutError("read timed out")
    except TimeoutError as exc:
        record = error_record(exc, stack=True)
    assert (record["type"], record["message"], record["category"]) == ("TimeoutError", "read timed out", "timeout")
    assert "raise TimeoutError" in record["stack"]


def test_error_record_without_stack_omits_it():
    assert "stack" not in error_record(ValueError("x"), stack=False)


def test_error_record_names_a_non_builtin_type_with_its_module():
    class RateLimitError(Exception):
        pass

    record = error_record(RateLimitError("slow down"), stack=False)
    assert record["type"] == (f"{__name__}.test_error_record_names_a_non_builtin_type_with_its_module"
                              ".<locals>.RateLimitError")
    assert record["category"] == "rate_limit"


def test_error_record_survives_a_broken_str():
    class Weird(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert error_record(Weird(), stack=False)["type"].endswith("Weird")


@pytest.mark.parametrize("type_name, message, category", [
    ("openai.RateLimitError", "Error code: 429", "rate_limit"),
    ("httpx.ReadTimeout", "The read operation timed out", "timeout"),
    ("anthropic.AuthenticationError", "invalid x-api-key", "auth"),
    ("PermissionError", "denied", "auth"),
    ("requests.exceptions.ConnectionError", "Max retries exceeded", "network"),
    ("ValueError", "bad query", "parameter"),
    ("KeyError", "'user'", "parameter"),
    ("MemoryError", "", "resource"),
    ("ModuleNotFoundError", "No module named 'x'", "dependency"),
    ("RuntimeError", "something odd", "unknown"),
])
def test_categorize_sorts_errors_by_type_and_message(type_name, message, category):
    assert categorize(type_name, message) == category


def test_categorize_message_rule_wins_over_type_rule():
    assert categorize("ValueError", "request timed out") == "timeout"


def test_categorize_returns_a_known_category():
    assert categorize("Anything", "whatever") in CATEGORIES


def test_usage_of_a_result_whose_usage_property_raises_is_none():
    class Result:
        @property
        def usage(self):
            raise RuntimeError("not loaded")

    assert usage_of(Result()) is None
