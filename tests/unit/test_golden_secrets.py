"""A golden run compares what calls ask with every secret one placeholder on both sides (`testing/golden_secrets.py`),
and a miss says the first difference of the inputs as they were compared, never a masked value
(`rerun/parting.py`'s `compared_difference`, `testing/golden_miss.py`)."""

from __future__ import annotations

import pytest
from support.rerunhelpers import record

from namel3ss_debug import get_tracer, trace_llm_call
from namel3ss_debug.launch.rerun import recorded_form
from namel3ss_debug.model.rerun_protocol import RerunMiss
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.rerun.answerer import Rerun
from namel3ss_debug.recording.call_paths import PathTable
from namel3ss_debug.rerun.candidates import Miss
from namel3ss_debug.rerun.parting import compared_difference
from namel3ss_debug.rerun.policy import Policy
from namel3ss_debug.recording.calls import Recording
from namel3ss_debug.rerun.steady import Steady
from namel3ss_debug.testing.capture import capture_events
from namel3ss_debug.testing.golden_miss import compared, miss_text
from namel3ss_debug.testing.golden_secrets import InputMasks

pytestmark = pytest.mark.usefixtures("isolated_workspace")

RECORDED_ID, NEW_ID = "3f2b8c1e-6a1d-4e2b-9f1a-0c2d3e4f5a6b", "77c1d2e3-0b9a-4c8d-8e7f-6a5b4c3d2e1f"


def masks(**environ: str) -> InputMasks:
    return InputMasks(Steady(), environ)


@pytest.mark.parametrize(("environ", "text", "compared_as"), [
    ({}, "key [REDACTED:seen], or [REDACTED:openai_key], or [REDACTED]", "key <secret>, or <secret>, or <secret>"),
    ({"OPENAI_API_KEY": "dummy"}, "key dummy; dummy-run, dummyish", "key <secret>; <secret>-run, dummyish"),
    ({"OPENAI_API_KEY": "sk-ci-0123456789"}, "key=sk-ci-0123456789abc", "key=<secret>abc"),
    ({"GITHUB_TOKEN": "true", "API_KEY": "abc", "PATH": "/usr/bin"}, "true abc /usr/bin", "true abc /usr/bin"),
    ({"MAX_TOKENS": "4096"}, "at most 4096", "at most 4096"),
    ({"SERVICE_API_KEY": RECORDED_ID}, f"key {RECORDED_ID}, id {NEW_ID}", "key <secret>, id <uuid>"),
], ids=["redaction markers", "a short key as a word", "a long key anywhere", "flags and other variables",
        "a measure of tokens", "a key shaped like a UUID"])
def test_secrets_are_one_placeholder(environ: dict[str, str], text: str, compared_as: str) -> None:
    assert masks(**environ).text(text) == compared_as


def test_the_recorded_mask_and_the_replays_key_compare_equal() -> None:
    compare = masks(OPENAI_API_KEY="dummy")
    recorded = {"messages": [{"content": f"Request {RECORDED_ID} with key [REDACTED:seen]"}]}
    live = {"messages": [{"content": f"Request {NEW_ID} with key dummy"}]}
    assert compare(recorded) == compare(live)


def test_the_users_volatile_patterns_still_apply() -> None:
    assert InputMasks(Steady([r"session-\d+"]), {}).text("session-42 on 2026-11-26") == "<volatile> on <time>"


@trace_llm_call(name="chat")
def chat(prompt: str) -> str:
    return f"Echo: {prompt}"


def recording_of(prompt: str, compare: InputMasks | None) -> Recording:
    _, events = record(lambda: chat(prompt))
    return Recording(timeline_of(events, "golden.jsonl"), PathTable(), compare)


def test_the_difference_is_the_first_that_is_not_masked() -> None:
    recording = recording_of("", masks(OPENAI_API_KEY="dummy"))
    recorded = {"prompt": f"Request {RECORDED_ID} with key [REDACTED:seen]: the weather"}
    live = {"prompt": f"Request {NEW_ID} with key dummy: the traffic"}
    assert compared_difference(recording, recorded, live) == \
        "prompt: at character 39: recorded '... with key <secret>: the weather', this call '... with key " \
        "<secret>: the traffic'"


def test_inputs_that_differ_only_in_masked_values_say_so() -> None:
    recording = recording_of("", masks())
    assert compared_difference(recording, {"prompt": f"id {RECORDED_ID}"}, {"prompt": f"id {NEW_ID}"}) == \
        "only masked values differ"


def test_without_masks_the_texts_are_compared_as_they_are() -> None:
    recording = recording_of("", None)
    assert compared_difference(recording, {"prompt": "key [REDACTED:seen]"}, {"prompt": "key dummy"}) == \
        "prompt: recorded 'key [REDACTED:seen]', this call 'key dummy'"


def missed(recording: Recording, prompt: str) -> Miss:
    """The miss of `chat(prompt)` replayed from `recording` by its inputs, strictly, as a golden run replays."""
    session = Rerun(recording, Policy(match="inputs", strict=True), inputs_of=recorded_form)
    get_tracer().rerun = session
    try:
        with capture_events(), pytest.raises(RerunMiss):
            chat(prompt)
    finally:
        get_tracer().rerun = None
    return session.tally.misses[0]


def test_a_golden_miss_names_the_changed_words_not_the_new_uuid() -> None:
    recording = recording_of(f"Request {RECORDED_ID}: the weather", masks())
    miss = missed(recording, f"Request {NEW_ID}: the traffic")
    told = miss_text(compared(miss, recording), "golden/test_x.jsonl", "test_x.py::test_x")
    assert told.splitlines()[2] == \
        "    inputs: prompt: recorded 'Request <uuid>: the weather', this call 'Request <uuid>: the traffic'"
    assert RECORDED_ID not in told and NEW_ID not in told
