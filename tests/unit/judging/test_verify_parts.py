"""verify's pure parts on runs recorded by the tracer: what a call said, two runs' calls compared, a run's
outcome (errors by the handled-error rule, the workspace's rules, --expect) and the verdict with pass^k."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import orjson
import pytest
from support.rerunhelpers import record
from support.tracefactory import TraceBuilder

from namel3ss_debug import get_tracer, trace_llm_call, trace_tool_call
from namel3ss_debug.checks.rules import rules_from_flags
from namel3ss_debug.ops.judged import judge_run
from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.model.rerun_protocol import RerunMiss
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.judging.call_compare import compare_calls
from namel3ss_debug.judging.expect import Expectation
from namel3ss_debug.judging.outcome import Outcome, outcome_of
from namel3ss_debug.judging.said import folded, said_by
from namel3ss_debug.judging.verdict import over_tries, judge, pass_hat
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

pytestmark = pytest.mark.usefixtures("isolated_workspace")
Event = dict[str, Any]


def weather_app(answers: list[Any], weather: Callable[[str], str]) -> Callable[[], str]:
    """An agent loop of two LLM calls (answers given in order) around one tool call."""
    given = iter(answers)

    @trace_llm_call(name="chat")
    def chat(prompt: str) -> Any:
        return next(given)

    @trace_tool_call(name="get_weather")
    def get_weather(city: str) -> str:
        return weather(city)

    def app() -> str:
        asked = chat("weather in Paris?")
        try:
            said = get_weather(asked["tool_calls"][0]["arguments"]["city"])
        except ValueError as error:  # the app tells the model, as a framework would: a handled error
            said = f"error: {error}"
        return str(chat(f"tool said {said}"))

    return app


ASK = {"text": None, "tool_calls": [{"id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}}]}


def sunny(city: str) -> str:
    return f"sunny, 24 C in {city}"


def broken(city: str) -> str:
    raise ValueError("no weather service")


def run_of(app: Callable[[], Any], crash: bool = False) -> list[Event]:
    """The events of one run of `app`; with `crash`, an exception it raises ends the run as `trace` ends it."""
    def traced() -> Any:
        try:
            return app()
        except Exception as error:
            if not crash:
                raise
            get_tracer().record_error(error, unhandled=True)
            get_tracer().end_run("failed", exit_code=1, error=error, reason="unhandled exception")
            return None

    return record(traced)[1]


def outcome(events: list[Event], tmp_path: Path, rules: list[Any] | None = None,
            expect: str | None = None) -> Outcome:
    path = tmp_path / f"{events[0]['run_id']}.jsonl"
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    check, report = judge_run(RunSource(str(path), (str(path),)), TraceReader(ReadProblems()), rules or [])
    return outcome_of(report, check if rules else None, timeline_of(events),
                      Expectation.parse(expect) if expect else None)


# -- what a call said -----------------------------------------------------------------------------------


def test_text_is_folded_for_case_punctuation_and_spaces_only():
    assert folded(" Rain,  11 C. ") == folded("rain 11 c") == "rain 11 c"
    assert folded("Rain, 11 C") != folded("Sun, 11 C")


def test_a_wire_answer_says_its_text_and_tools_and_not_its_usage_id_or_http_record():
    said = said_by({"status": "completed", "outputs": {
        "text": "ok", "id": "chatcmpl-1", "usage": {"total_tokens": 9}, "finish_reason": "tool_calls",
        "return": {"status": 200, "headers": {}, "body": {"id": "chatcmpl-1", "choices": []}},
        "tool_calls": [{"id": "c1", "name": "get_weather", "arguments": '{"city": "Paris"}'}]}})
    assert (said.text, said.data, said.tools) == ("ok", None, (("get_weather", '{"city":"Paris"}'),))


def test_a_json_text_is_read_as_json():
    assert said_by({"status": "completed", "outputs": {"return": '{"label": "spam"}'}}).data == {"label": "spam"}


# -- two runs' calls compared ------------------------------------------------------------------------------


def test_the_same_run_twice_has_every_call_the_same_and_no_divergence():
    old = run_of(weather_app([ASK, "Sunny, 24 C."], sunny))
    new = run_of(weather_app([ASK, "Sunny, 24 C."], sunny))
    result = compare_calls(timeline_of(old), timeline_of(new))
    assert result.counts["same"] == 3 and result.first is None


def test_a_reworded_answer_is_no_divergence():
    old = run_of(weather_app([ASK, "Sunny, 24 C in Paris."], sunny))
    new = run_of(weather_app([ASK, "sunny 24 c in   paris"], sunny))
    result = compare_calls(timeline_of(old), timeline_of(new))
    assert [(c.key, c.how) for c in result.calls] == [("llm:chat#1", "same"), ("tool:get_weather#1", "same"),
                                                      ("llm:chat#2", "reworded")]
    assert result.first is None


def test_another_tool_argument_is_the_first_real_divergence():
    lisbon = {"tool_calls": [{"id": "c9", "name": "get_weather", "arguments": {"city": "Lisbon"}}]}
    old = run_of(weather_app([ASK, "Sunny."], sunny))
    new = run_of(weather_app([lisbon, "Sunny."], sunny))
    result = compare_calls(timeline_of(old), timeline_of(new))
    assert result.first is not None and result.first.key == "llm:chat#1"
    assert result.first.what == ('llm:chat#1: asked for get_weather({"city":"Lisbon"}), '
                                 'recorded get_weather({"city":"Paris"})')
    assert [c.how for c in result.calls] == ["different", "different", "same"]


def test_a_json_answer_with_another_value_differs_and_one_reformatted_does_not():
    old = run_of(weather_app([ASK, '{"label": "Spam", "score": 1}'], sunny))
    reformatted = run_of(weather_app([ASK, '{ "score": 1,\n  "label": "spam" }'], sunny))
    other = run_of(weather_app([ASK, '{"label": "ham", "score": 1}'], sunny))
    assert compare_calls(timeline_of(old), timeline_of(reformatted)).calls[2].how == "reworded"
    changed = compare_calls(timeline_of(old), timeline_of(other))
    assert changed.first is not None and changed.first.what == "llm:chat#2: label: recorded 'spam', new 'ham'"


def test_a_tool_that_now_works_is_the_first_real_divergence():
    old = run_of(weather_app([ASK, "Sorry."], broken))
    new = run_of(weather_app([ASK, "Sorry."], sunny))
    first = compare_calls(timeline_of(old), timeline_of(new)).first
    assert first is not None and first.key == "tool:get_weather#1"
    assert first.what.startswith("tool:get_weather#1: recorded failed (ValueError: no weather service), new ")


def test_a_call_only_the_new_run_made_is_named():
    old = run_of(weather_app([ASK, "Sunny."], sunny))
    new_events = run_of(lambda: [weather_app([ASK, "Sunny."], sunny)(), weather_app([ASK, "x"], sunny)()])
    result = compare_calls(timeline_of(old), timeline_of(new_events))
    assert result.counts["only_new"] == 3 and result.first is not None and result.first.how == "only_new"


# -- a run's outcome -----------------------------------------------------------------------------------------


def test_a_run_that_survived_a_failed_tool_fails_by_its_handled_error(tmp_path):
    ran = outcome(run_of(weather_app([ASK, "Sorry, no weather."], broken)), tmp_path)
    assert (ran.status, ran.exit_code, ran.handled, ran.unhandled) == ("completed", None, 1, 0)
    assert not ran.passed and ran.labels() == ["handled ValueError"]


def test_an_unhandled_error_fails_the_run_and_how_it_ended(tmp_path):
    def crashing() -> None:
        weather_app([ASK, "x"], sunny)()
        raise KeyError("forecast")

    ran = outcome(run_of(crashing, crash=True), tmp_path)
    assert ran.labels() == ["ended", "unhandled KeyError"]
    assert ran.summary() == "failed: ended failed (exit code 1), unhandled KeyError"


def test_the_workspace_rules_and_the_expectation_are_failures(tmp_path):
    events = run_of(weather_app([ASK, "Rain, 11 C."], sunny))
    rules = rules_from_flags({"max_llm_calls": "1"})
    ran = outcome(events, tmp_path, rules, expect="contains:Sunny")
    assert ran.final_output == "Rain, 11 C."
    assert ran.labels() == ["check max_llm_calls", "expect contains:Sunny"]
    assert outcome(events, tmp_path, expect="matches:(?i)rain, \\d+ c").passed


def test_a_clean_run_passes(tmp_path):
    assert outcome(run_of(weather_app([ASK, "Sunny."], sunny)), tmp_path).passed


@pytest.mark.parametrize("rule", ["sunny", "starts:x", "matches:(?<=a)b"])
def test_a_bad_expectation_is_a_usage_error(rule):
    with pytest.raises(UsageError):
        Expectation.parse(rule)


# -- the verdict -------------------------------------------------------------------------------------------


def test_a_fixed_tool_is_fixed_and_a_broken_one_regressed(tmp_path):
    failing = outcome(run_of(weather_app([ASK, "Sorry."], broken)), tmp_path)
    passing = outcome(run_of(weather_app([ASK, "Sunny."], sunny)), tmp_path)
    assert judge(failing, passing).verdict == "fixed" and judge(failing, passing).exit_code == 0
    assert judge(passing, failing).verdict == "regressed" and judge(passing, failing).exit_code == 1
    assert judge(passing, passing).verdict == "unchanged"
    assert judge(failing, failing).verdict == "unchanged"


def test_fewer_failures_improved_and_a_new_one_regressed(tmp_path):
    def twice_broken() -> None:
        weather_app([ASK, "x"], broken)()
        weather_app([ASK, "y"], broken)()

    two = outcome(run_of(twice_broken), tmp_path)
    one = outcome(run_of(weather_app([ASK, "Sorry."], broken)), tmp_path)
    assert judge(two, one).verdict == "improved"
    assert judge(one, two).verdict == "regressed"


def test_failing_later_is_improved(tmp_path):
    def later() -> None:
        weather_app([ASK, "x"], sunny)()
        weather_app([ASK, "y"], broken)()

    sooner = outcome(run_of(weather_app([ASK, "x"], broken)), tmp_path)
    further = outcome(run_of(later), tmp_path)
    assert (sooner.reached, further.reached) == (1, 4)
    assert judge(sooner, further).verdict == "improved"
    assert judge(further, sooner).verdict == "regressed"


def test_a_miss_that_stopped_the_app_is_inconclusive(tmp_path):
    passing = outcome(run_of(weather_app([ASK, "Sunny."], sunny)), tmp_path)
    said = judge(passing, passing, stopped="llm:openai.chat#2 has no recorded answer")
    assert said.verdict == "inconclusive" and said.exit_code == 1


def test_tries_that_disagree_are_inconclusive_with_pass_k(tmp_path):
    failing = outcome(run_of(weather_app([ASK, "Sorry."], broken)), tmp_path)
    passing = outcome(run_of(weather_app([ASK, "Sunny."], sunny)), tmp_path)
    tries = [judge(failing, new) for new in (passing, failing, passing, passing, failing)]
    repeats = over_tries(tries, [True, False, True, True, False])
    assert repeats.verdict.verdict == "inconclusive" and repeats.passes == 3
    assert repeats.pass_k == pass_hat(5, 3) == (0.6, 0.3, 0.1, 0.0, 0.0)
    agreeing = over_tries(tries[:1] * 3, [True] * 3)
    assert agreeing.verdict.verdict == "fixed" and agreeing.pass_k == (1.0, 1.0, 1.0)


def test_another_failure_further_on_is_improved_and_one_no_further_regressed(tmp_path):
    def further_then_crash() -> None:
        weather_app([ASK, "x"], sunny)()
        raise KeyError("forecast")

    def crash_at_once() -> None:
        raise KeyError("forecast")

    recorded = outcome(run_of(weather_app([ASK, "Sorry."], broken)), tmp_path)  # handled ValueError, 1 call in
    further = outcome(run_of(further_then_crash, crash=True), tmp_path)
    sooner = outcome(run_of(crash_at_once, crash=True), tmp_path)
    assert (recorded.reached, further.reached, sooner.reached) == (1, 3, 0)
    said = judge(recorded, further)
    assert said.verdict == "improved" and "it gets further" in said.why
    assert judge(recorded, sooner).verdict == "regressed"


def test_a_recording_that_never_ended_is_inconclusive(tmp_path):
    builder = TraceBuilder()
    builder.run_start()
    builder.span("tool", "search", 5.0)
    unfinished = outcome(builder.events, tmp_path)
    passing = outcome(run_of(weather_app([ASK, "Sunny."], sunny)), tmp_path)
    assert unfinished.status == "unfinished"
    assert judge(unfinished, passing).verdict == "inconclusive"


def test_equal_failures_are_said_once_with_their_count_and_the_list_keeps_each(tmp_path):
    def six_times_broken() -> None:
        for n in range(6):
            weather_app([ASK, f"no {n}"], broken)()

    ran = outcome(run_of(six_times_broken), tmp_path)
    assert ran.labels() == ["handled ValueError"] * 6  # verify compares these as a multiset
    assert ran.summary() == "degraded: handled ValueError x6"
    said = judge(outcome(run_of(weather_app([ASK, "Sunny."], sunny)), tmp_path), ran)
    assert said.why == "the recorded run passed, the new run degraded: handled ValueError x6"
    gone = judge(ran, outcome(run_of(weather_app([ASK, "Sorry."], broken)), tmp_path))
    assert gone.why == "fewer failures: handled ValueError x5 no longer; the new run degraded: handled ValueError"


def test_a_run_its_rerun_stopped_fails_only_by_what_failed_before_the_stop(tmp_path):
    def stopped_after_a_handled_error() -> None:
        weather_app([ASK, "Sorry."], broken)()
        try:
            raise RerunMiss("tool:get_weather#2 at tool:get_weather#2: the recording has no call here")
        except RerunMiss as stop:  # as `trace` ends a run its rerun stopped
            get_tracer().record_error(stop, unhandled=True)
            get_tracer().end_run("failed", exit_code=1, error=stop, reason="unhandled exception")

    ran = outcome(record(stopped_after_a_handled_error)[1], tmp_path)
    assert (ran.status, ran.exit_code, ran.labels()) == ("stopped", 1, ["handled ValueError"])
    assert ran.summary() == "degraded: handled ValueError"
