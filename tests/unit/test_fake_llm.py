"""FakeLLM: the deterministic fake model used by the examples and by users' tests."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from namel3ss_debug.testing.fake_llm import (
    FakeCompletion,
    FakeLLM,
    FakeLLMExhausted,
    count_tokens,
    prompt_text,
)


def test_scripted_replies_come_back_in_order():
    llm = FakeLLM(["first", "second", "third"])
    assert [llm.complete("q").text for _ in range(3)] == ["first", "second", "third"]


def test_exhausted_script_raises_with_the_reply_count():
    llm = FakeLLM(["only"])
    llm.complete("q")
    with pytest.raises(FakeLLMExhausted, match="1 scripted replies but was called 2 times"):
        llm.complete("q")


def test_cycle_starts_the_script_over():
    llm = FakeLLM(["a", "b"], cycle=True)
    assert [llm.complete("q").text for _ in range(5)] == ["a", "b", "a", "b", "a"]


def test_dict_replies_pick_the_first_matching_substring():
    llm = FakeLLM({"weather": "sunny", "weather in Paris": "rainy"})
    assert llm.complete("What is the weather in Paris?").text == "sunny"


def test_dict_replies_fall_back_to_the_default():
    llm = FakeLLM({"weather": "sunny"}, default="no idea")
    assert llm.complete("What time is it?").text == "no idea"


def test_dict_miss_falls_back_to_the_responder():
    llm = FakeLLM({"weather": "sunny"}, responder=lambda p: p.upper())
    assert llm.complete("hello").text == "HELLO"


def test_responder_receives_the_prompt_text():
    llm = FakeLLM(responder=lambda p: f"echo: {p}")
    assert llm.complete("ping").text == "echo: ping"


def test_message_lists_are_matched_on_their_contents():
    llm = FakeLLM({"capital": "Paris"})
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "capital of France?"}]
    assert llm.complete(messages).text == "Paris"


def test_prompt_text_joins_message_contents():
    assert prompt_text([{"role": "user", "content": "a b"}, {"role": "assistant", "content": "c"}]) == "a b\nc"


def test_count_tokens_is_words_over_three_quarters_rounded_up():
    assert [count_tokens(""), count_tokens("one"), count_tokens("one two three")] == [0, 2, 4]


def test_usage_counts_input_and_output_tokens():
    completion = FakeLLM(["one two three"]).complete("a b c d e f")
    assert completion.usage == {"input_tokens": 8, "output_tokens": 4, "total_tokens": 12}


def test_completion_carries_model_and_finish_reason():
    completion = FakeLLM(["x"], model="fake-large").complete("q")
    assert (completion.model, completion.finish_reason) == ("fake-large", "stop")


def test_to_dict_has_the_fields_the_tracer_reads():
    data = FakeLLM(["hi"]).complete("q").to_dict()
    assert data == {
        "text": "hi",
        "model": "fake-gpt",
        "usage": {"input_tokens": 2, "output_tokens": 2, "total_tokens": 4},
        "finish_reason": "stop",
    }


def test_calls_and_history_record_each_prompt():
    llm = FakeLLM(["a", "b"])
    llm.complete("first prompt")
    llm.complete("second prompt", temperature=0)
    assert (llm.calls, llm.history) == (2, ["first prompt", "second prompt"])


def test_an_exhausted_call_still_counts():
    llm = FakeLLM([])
    with pytest.raises(FakeLLMExhausted):
        llm.complete("q")
    assert llm.calls == 1


def test_call_counter_is_exact_under_threads():
    llm = FakeLLM(responder=lambda p: p)
    threads = [threading.Thread(target=lambda: [llm.complete("q") for _ in range(200)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert llm.calls == 1600


def test_concurrent_threads_each_get_a_distinct_scripted_reply():
    llm = FakeLLM([str(i) for i in range(400)])
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(100):
            text = llm.complete("q").text
            with lock:
                results.append(text)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=int) == [str(i) for i in range(400)]


def test_acomplete_returns_a_completion():
    completion = asyncio.run(FakeLLM(["async reply"]).acomplete("q"))
    assert isinstance(completion, FakeCompletion) and completion.text == "async reply"


def test_acomplete_gives_replies_in_call_order_under_gather():
    llm = FakeLLM(["a", "b", "c"], latency_s=0.001)

    async def main() -> list[str]:
        completions = await asyncio.gather(*(llm.acomplete(f"q{i}") for i in range(3)))
        return [c.text for c in completions]

    assert asyncio.run(main()) == ["a", "b", "c"]


def test_acomplete_latency_does_not_block_the_loop():
    """By the order of events, not a time budget: every call has begun before the first ends (a latency
    that blocked the loop would run them one after another)."""
    llm = FakeLLM(responder=lambda p: p, latency_s=0.05)
    events: list[str] = []

    async def call() -> None:
        events.append("begun")
        await llm.acomplete("q")
        events.append("ended")

    async def main() -> None:
        await asyncio.gather(*(call() for _ in range(10)))

    asyncio.run(main())
    assert events == ["begun"] * 10 + ["ended"] * 10


def test_complete_sleeps_for_the_latency():
    llm = FakeLLM(["x"], latency_s=0.02)
    start = time.perf_counter()
    llm.complete("q")
    assert time.perf_counter() - start >= 0.02


def test_a_single_string_is_rejected_as_replies():
    with pytest.raises(TypeError, match="list of strings or a dict"):
        FakeLLM("oops")  # type: ignore[arg-type]


def test_negative_latency_is_rejected():
    with pytest.raises(ValueError, match="latency_s"):
        FakeLLM(latency_s=-1)
