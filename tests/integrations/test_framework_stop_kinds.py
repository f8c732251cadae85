"""A rerun stopped otherwise than by a miss ends as a miss ends it, on the frameworks most prone to hang (those of
`test_framework_rerun_stops.py` that run the app's calls in AnyIO worker threads, in a framework's own task or in
LiteLLM's stream): a mock whose answer no codec can build (an assistant message with a key no API's has) stops the
app at the model's second call, and so does `q` typed at the rerun's console, which a `--commands` script
continues to a breakpoint there. The app runs unchanged, with the options of its miss case (`--live-tools`: the
tool bodies run for real, in the framework's worker threads, before the stop). Each rerun ends with exit 1, a
`not reproduced: stopped: ...` verdict that says why as the `ended` row does, the report's one `stopped:` row, and
stderr holding the rerun's own lines and the app's only, as a miss does. No wall-clock assertion: each command's
own timeout (Workbench.cli's) is the guard against a hang.
"""

from __future__ import annotations

import pytest
from framework_support import App, Recording, Workbench
from test_framework_rerun_stops import CASES, Case, assert_ended_by_its_stop

pytestmark = pytest.mark.frameworks

FRAMEWORKS = ("pydantic-ai", "openai-agents", "langgraph", "adk-litellm-streamed")
UNBUILDABLE = '{"content": "Sunny.", "n": 2}'  # `n` is no key of an assistant message: no API's codec builds it
NOT_REPRODUCED = "not reproduced: "
Recorded = tuple[Case, Workbench, Recording]


@pytest.fixture(scope="module", params=FRAMEWORKS)
def recorded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """A framework's app of the miss cases, recorded unchanged on a bench of its own."""
    case = CASES[request.param]
    bench = case.workbench(tmp_path_factory.mktemp(request.param))
    return case, bench, bench.record(App(case.app, case.modules, 0))


def second_model_call(recording: Recording) -> str:
    """The key of the recording's second LLM call (`llm:openai.chat#2`): the first made after a tool ran."""
    starts = [start for start, _ in recording.spans("llm")]
    assert len(starts) >= 2, f"{recording.app.stem} made {len(starts)} model call(s)"
    return f"llm:{starts[1]['name']}#2"


def test_a_mock_whose_answer_no_codec_builds_stops_the_rerun_as_a_miss_does(recorded: Recorded) -> None:
    case, bench, recording = recorded
    key = second_model_call(recording)
    run = bench.rerun(recording, "-y", *case.options, "--mock", f"{key}={UNBUILDABLE}")
    assert run.verdict() == NOT_REPRODUCED + "stopped: no recorded answer", run.stdout[-3000:] + run.stderr[-3000:]
    assert_ended_by_its_stop(case, recording, run, f"no recorded answer ({key}: codec ", "RerunMiss")
    assert "AnswerShapeError: an assistant message has no key 'n'" in run.stopped(), run.stdout


def test_a_quit_at_the_reruns_console_stops_the_rerun_as_a_miss_does(recorded: Recorded) -> None:
    case, bench, recording = recorded
    key = second_model_call(recording)
    script = bench.directory / "continue-then-quit.txt"
    script.write_text("continue\nquit\n")
    run = bench.rerun(recording, "-y", *case.options, "--commands", str(script), "--break", key)
    assert f"Stop 2 before {key}  (breakpoint 1)" in run.stdout, run.stdout[-3000:] + run.stderr[-3000:]
    assert "(rerun) quit" in run.stdout.splitlines(), run.stdout[-3000:]
    assert run.verdict() == NOT_REPRODUCED + "stopped: quit at the rerun's console", run.stdout[-3000:]
    assert_ended_by_its_stop(case, recording, run, "quit at the rerun's console", "RerunQuit")
    assert run.stopped() == "quit at the rerun's console", run.stdout  # said once: the quit's words are its why
