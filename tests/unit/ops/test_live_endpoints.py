"""Under `--live`, `verify` and `bisect` name the endpoints the recorded run's LLM requests went to, beside where
their live calls go (where the app sends them): `ops/judged.live_endpoints`, the one place both commands find and
announce them, each endpoint once, in the order first called, told before the first rerun; without `--live`, none
and nothing told; a recorded URL that does not parse, one error at its line. Where a rerun's live LLM calls went
is read from the trace it wrote (`recording/endpoints.live_origins`): the calls marked `replay: live` alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.ops.judged import live_endpoints
from namel3ss_debug.recording.endpoints import live_origins
from namel3ss_debug.recording.load import load_timeline
from namel3ss_debug.recording.timeline import Timeline
from namel3ss_debug.rerun.policy import LiveCalls
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

URLS = ("https://api.openai.com/v1/chat/completions", "http://127.0.0.1:8000/v1/messages",
        "https://api.openai.com/v1/chat/completions")


def recorded(path: Path, urls: tuple[str, ...] = URLS, replays: tuple[str | None, ...] = ()) -> Timeline:
    """A run of one LLM call to each of `urls` (the rerun's `replay` mark on its end: `replays`), then a tool."""
    trace = TraceBuilder()
    trace.run_start()
    for url, replay in zip(urls, replays or (None,) * len(urls)):
        span = trace.span("llm", "chat", 10, model="m")
        start, end = (event for event in trace.events if event["span_id"] == span)
        start["attrs"] = {"http": {"url": url}}
        if replay is not None:
            end["attrs"] = {"replay": replay}
    trace.span("tool", "search", 5, attrs={"replay": "live"})
    trace.run_end()
    trace.write(path)
    return load_timeline(RunSource(str(path), (str(path),)), TraceReader(ReadProblems()))


def test_under_live_the_endpoints_the_app_called_are_told_once_each_in_order(tmp_path: Path) -> None:
    heard: list[tuple[str, ...]] = []
    timeline = recorded(tmp_path / "run.jsonl")
    try:
        endpoints = live_endpoints(timeline, LiveCalls(own=True), heard.append)
    finally:
        timeline.close()
    assert endpoints == ("https://api.openai.com", "http://127.0.0.1:8000")
    assert heard == [endpoints]


def test_without_live_there_are_no_endpoints_and_nothing_is_told(tmp_path: Path) -> None:
    heard: list[tuple[str, ...]] = []
    timeline = recorded(tmp_path / "run.jsonl")
    try:
        endpoints = live_endpoints(timeline, LiveCalls(base_url="http://127.0.0.1:9"), heard.append)
    finally:
        timeline.close()
    assert (endpoints, heard) == ((), [])


@pytest.mark.parametrize("bad", ["http://[oops]/v1/chat/completions", "http://[::1/v1/chat/completions"])
def test_a_recorded_url_that_does_not_parse_is_a_trace_error_at_its_line(tmp_path: Path, bad: str) -> None:
    timeline = recorded(tmp_path / "run.jsonl", (URLS[0], bad))
    try:
        with pytest.raises(TraceError) as raised:
            live_endpoints(timeline, LiveCalls(own=True), lambda endpoints: None)
    finally:
        timeline.close()
    line = next(n for n, text in enumerate((tmp_path / "run.jsonl").read_text().splitlines(), 1) if bad in text)
    assert raised.value.where == f"{tmp_path / 'run.jsonl'}:{line}"
    assert raised.value.exit_code == 3 and repr(bad) in raised.value.message


def test_a_rerun_s_live_calls_name_where_they_went_and_its_answered_calls_do_not(tmp_path: Path) -> None:
    urls = ("http://127.0.0.1:7001/v1/chat/completions", "http://127.0.0.1:7002/v1/chat/completions",
            "http://127.0.0.1:7002/v1/chat/completions", "http://127.0.0.1:7003/v1/chat/completions")
    timeline = recorded(tmp_path / "new.jsonl", urls, ("recorded", "live", "live", "mocked"))
    try:
        assert live_origins(timeline) == ("http://127.0.0.1:7002",)
    finally:
        timeline.close()


def test_a_live_call_sent_elsewhere_by_base_url_names_where_it_was_sent(tmp_path: Path) -> None:
    timeline = recorded(tmp_path / "new.jsonl", ("http://127.0.0.1:7001/v1/chat/completions",), ("live",))
    timeline.close()
    lines = (tmp_path / "new.jsonl").read_text().replace('"replay":"live"', '"replay":"live","sent_to":'
                                                         '"http://127.0.0.1:7009/v1/chat/completions"')
    (tmp_path / "new.jsonl").write_text(lines)
    timeline = load_timeline(RunSource(str(tmp_path / "new.jsonl"), (str(tmp_path / "new.jsonl"),)),
                             TraceReader(ReadProblems()))
    try:
        assert live_origins(timeline) == ("http://127.0.0.1:7009",)
    finally:
        timeline.close()
