"""The pytest plugin, run the way users run it: sample suites under pytester, in a fresh pytest process that
loads the plugin through its `pytest11` entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli
from namel3ss_debug.testing.trace_assertions import TraceAssertions, describe

pytest_plugins = ["pytester"]

# The application under test: an agent that searches, then asks a fake model.
APP = r'''
from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeLLM

llm = FakeLLM({"capital": "Paris"}, default="no idea", model="fake-gpt")


@trace_tool_call(name="search")
def search(query):
    if query == "boom":
        raise ValueError("no results for \x1b[31mboom\nforged line")
    return ["result for " + query]


@trace_llm_call(name="answer")
def answer(question):
    return llm.complete(question)


@trace_agent_execution(name="geo")
def agent(question):
    search(question)
    return answer(question).text
'''

QUESTION = "What is the capital of France?"  # 8 tokens in, "Paris" 2 out: 10


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pytest processes these tests start see no tracing configuration of the developer's, and load
    plugins from entry points, as a user's would (but those tests/conftest.py leaves out, in PYTEST_ADDOPTS)."""
    for name in [n for n in os.environ if n.startswith("NAMEL3SS_DEBUG_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)


def run_suite(pytester: pytest.Pytester, tests: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(agentapp=APP)
    pytester.makepyfile(test_sample="from agentapp import agent, search, llm\n" + tests)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def read_run(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


# -- the fixture's assertions -----------------------------------------------------------------------
def test_passing_assertions_pass(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, f'''
from namel3ss_debug import span

def test_agent(n3trace):
    with span("total", component="agent") as total:
        assert agent("{QUESTION}") == "Paris"
        total.set_usage(input_tokens=8, output_tokens=2)  # the call's usage again: not counted twice
    n3trace.assert_no_errors()
    n3trace.assert_called("llm", "answer", times=1)
    n3trace.assert_called("tool", "search")
    n3trace.assert_not_called("tool", "browse")
    n3trace.assert_max_tokens(10)
    assert n3trace.total_tokens == 10
    [call] = n3trace.calls("llm", "answer")
    assert (call.status, call.model, call.usage["total_tokens"]) == ("completed", "fake-gpt", 10)
    assert call.inputs == {{"question": "{QUESTION}"}} and call.duration_ms >= 0
    assert [e["event_type"] for e in n3trace.events(component="tool")] == ["tool_call_start", "tool_call_end"]
    assert n3trace.errors == [] and n3trace.path.is_file()
''')
    result.assert_outcomes(passed=1)


def test_a_failing_assert_no_errors_lists_the_failed_events(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, '''
import pytest

def test_agent(n3trace):
    with pytest.raises(ValueError):
        agent("boom")
    n3trace.assert_no_errors()
''')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "E       AssertionError: expected no errors, found 2 failed events:",
        r"E         seq 4  tool_call_end  tool:search  failed  "
        r"ValueError: no results for \x1b[31mboom\nforged line  * ms",
        r"E         seq 5  agent_execution_end  agent:geo  failed  "
        r"ValueError: no results for \x1b[31mboom\nforged line  * ms",
        "E       trace: */n3trace-test_agent0/*.0000.jsonl",
        "*- namel3ss-debug trace -*",
        "*/n3trace-test_agent0/*.0000.jsonl",
        "  namel3ss-debug inspect */n3trace-test_agent0/*.0000.jsonl --tree",
    ])
    assert "\x1b[31m" not in result.stdout.str()  # the error's escape sequence is shown, not obeyed


def test_assert_called_names_the_calls_that_were_made(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, f'''
def test_typo(n3trace):
    agent("{QUESTION}")
    n3trace.assert_called("tool", "serach")

def test_times(n3trace):
    agent("a")
    agent("b")
    n3trace.assert_called("llm", "answer", times=1)

def test_not_called(n3trace):
    agent("a")
    n3trace.assert_not_called("tool", "search")
''')
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines([
        "E       AssertionError: expected tool:serach to be called, it was not called; "
        "tool calls recorded: search (1) (did you mean search?)",
        "E       AssertionError: expected llm:answer to be called 1 time, it was called 2 times:",
        "E         seq 6  llm_call_end  llm:answer  completed  model fake-gpt  5 tokens  * ms",
        "E         seq 12  llm_call_end  llm:answer  completed  model fake-gpt  5 tokens  * ms",
        "E       AssertionError: expected tool:search not to be called, it was called 1 time:",
        "E         seq 4  tool_call_end  tool:search  completed  * ms",
    ], consecutive=False)


def test_token_and_cost_limits_list_the_calls(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, f'''
import pytest

def test_tokens(n3trace):
    agent("a")
    agent("{QUESTION}")
    n3trace.assert_max_tokens(12)

@pytest.mark.n3trace(price_overrides={{"fake-gpt": {{"input": 1000, "output": 2000}}}})
def test_cost(n3trace):
    agent("{QUESTION}")
    assert n3trace.cost == pytest.approx(0.012)
    n3trace.assert_max_cost(0.01)

def test_unpriced(n3trace):
    agent("{QUESTION}")
    assert n3trace.cost == 0 and len(n3trace.unpriced_calls) == 1
    n3trace.assert_max_cost(1.0)
''')
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines([
        "E       AssertionError: expected at most 12 tokens, the LLM calls used 15; most tokens first:",
        "E         seq 12  llm_call_end  llm:answer  completed  model fake-gpt  10 tokens  * ms",
        "E         seq 6  llm_call_end  llm:answer  completed  model fake-gpt  5 tokens  * ms",
        "E       AssertionError: expected a cost of at most $0.01, the LLM calls cost $0.012; most tokens first:",
        "E         seq 6  llm_call_end  llm:answer  completed  model fake-gpt  10 tokens  $0.012  * ms",
        "E       AssertionError: cannot check a cost limit of $1: 1 LLM call of model fake-gpt has no price "
        "(give one with @pytest.mark.n3trace(price_overrides={...}) or price_overrides in .namel3ss/debug.json):",
    ], consecutive=False)


def test_an_unknown_component_is_a_clear_error(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, '''
def test_agent(n3trace):
    n3trace.calls("tools")
''')
    result.stdout.fnmatch_lines(["E*ValueError: unknown component 'tools' (did you mean 'tool'?); components are *"])


@pytest.mark.parametrize("option", [[], ["--n3-trace", "traces"]], ids=["fixture", "n3-trace"])
def test_a_bad_or_reserved_marker_setting_fails_the_setup(pytester: pytest.Pytester, option: list[str]) -> None:
    result = run_suite(pytester, '''
import pytest

@pytest.mark.n3trace(sample_rate=2)
def test_bad_value(n3trace):
    pass

@pytest.mark.n3trace(trace_output_dir="elsewhere")
def test_reserved(n3trace):
    pass

def test_fine(n3trace):
    pass
''', *option)
    result.assert_outcomes(errors=2, passed=1)  # the setups fail, nothing else: no teardown error
    result.stdout.fnmatch_lines([
        "*n3trace: configuration error: *sample_rate*",
        "*n3trace: configuration error: pytest.mark.n3trace(...) cannot set trace_output_dir (the plugin sets them*",
    ], consecutive=False)


# -- concurrency and other runs -------------------------------------------------------------------------
def test_threads_and_tasks_started_by_the_test_record_into_its_run(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, f'''
import asyncio, threading
from concurrent.futures import ThreadPoolExecutor
from namel3ss_debug import span, trace_llm_call

@trace_llm_call(name="async_answer")
async def async_answer(question):
    return await llm.acomplete(question)

async def many():
    return await asyncio.gather(*(async_answer("{QUESTION}") for _ in range(3)))

def test_concurrent(n3trace):
    with span("test", component="agent") as outer:
        worker = threading.Thread(target=agent, args=("{QUESTION}",))
        worker.start()
        worker.join()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(agent, ["a", "b"]))
        asyncio.run(many())
    assert len(n3trace.calls("agent", "geo")) == 3
    assert len(n3trace.calls("llm", "async_answer")) == 3
    assert {{c.start["parent_id"] for c in n3trace.calls("agent", "geo")}} == {{outer.span_id}}
    assert {{c.start["parent_id"] for c in n3trace.calls("llm", "async_answer")}} == {{outer.span_id}}
''')
    result.assert_outcomes(passed=1)


def test_a_run_active_before_the_test_is_suspended_and_resumed(pytester: pytest.Pytester) -> None:
    pytester.makefile(".json", **{".namel3ss/debug": json.dumps({"enabled": True, "trace_output_dir": "session"})})
    result = run_suite(pytester, '''
from namel3ss_debug import get_tracer, mark

def test_before():
    assert get_tracer().active  # the session's run, autostarted by the workspace file
    mark("before")

def test_inside(n3trace):
    mark("inside")
    assert [e["name"] for e in n3trace.events(event_type="performance_marker")] == ["inside"]

def test_after():
    mark("after")
''')
    result.assert_outcomes(passed=3)
    [session] = (pytester.path / "session").glob("*.jsonl")
    events = read_run(session)
    markers = [(e["name"], e.get("attrs", {}).get("test")) for e in events if e["event_type"] == "performance_marker"]
    assert markers == [("before", None), ("n3trace", "test_sample.py::test_inside"), ("after", None)]
    assert events[-1]["event_type"] == "run_end"


def test_ending_the_test_run_during_the_test_is_a_warning(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, '''
from namel3ss_debug import get_tracer
from namel3ss_debug.testing import capture_events

def test_capture_inside(n3trace):
    with capture_events():
        agent("a")
    assert not get_tracer().active
''')
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*PytestWarning: n3trace: the run of test_sample.py::test_capture_inside was ended "
                                 "during the test (by configure(), capture_events() or get_tracer().end_run())*"])


# -- --n3-trace DIR ----------------------------------------------------------------------------------
SUITE = f'''
import pytest

def test_plain():
    agent("{QUESTION}")

def test_fails():
    agent("boom")

def test_fixture(n3trace):
    agent("{QUESTION}")
    assert n3trace.path.parent.name == "traces"
    assert [e["event_type"] for e in n3trace.events()][:2] == ["segment_start", "run_start"]

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

@pytest.mark.xfail(raises=ValueError)
def test_expected_to_fail():
    agent("boom")
'''


def analyze_json(directory: Path) -> dict:
    result = CliRunner().invoke(cli, ["analyze", str(directory), "--all", "--format", "json"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_n3_trace_writes_one_run_per_test_that_analyze_reads(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, SUITE, "--n3-trace", "traces")
    result.assert_outcomes(passed=2, failed=1, skipped=1, xfailed=1)
    runs = analyze_json(pytester.path / "traces")["overview"]["runs"]
    assert sorted((r["entry"], r["status"]) for r in runs) == [
        ("pytest test_sample.py::test_expected_to_fail", "failed"),
        ("pytest test_sample.py::test_fails", "failed"),
        ("pytest test_sample.py::test_fixture", "completed"),
        ("pytest test_sample.py::test_plain", "completed"),
        ("pytest test_sample.py::test_skipped", "skipped"),
    ]
    result.stdout.fnmatch_lines(["*- namel3ss-debug trace -*", f"{pytester.path}/traces/*.0000.jsonl"])


def test_n3_trace_keep_failed_keeps_only_the_failed_tests_runs(pytester: pytest.Pytester) -> None:
    run_suite(pytester, SUITE, "--n3-trace", "traces", "--n3-trace-keep", "failed")
    [kept] = (pytester.path / "traces").iterdir()
    start = read_run(kept)[1]
    assert (start["event_type"], start["attrs"]["entry"]) == ("run_start", {"kind": "pytest",
                                                                             "name": "test_sample.py::test_fails"})


def test_n3_trace_applies_retention_once_when_the_session_starts(pytester: pytest.Pytester) -> None:
    traces = pytester.mkdir("traces")
    old, other = traces / "20200101-000000-abcdef.0000.jsonl", traces / "notes.jsonl"
    for path in (old, other):
        path.write_text("{}\n")
        os.utime(path, (0, 0))  # 1970: past any retention
    result = run_suite(pytester, SUITE, "--n3-trace", "traces")
    result.assert_outcomes(passed=2, failed=1, skipped=1, xfailed=1)
    assert not old.exists() and other.exists()  # only the tracer's own files are ever deleted
    assert len(list(traces.glob("*.0000.jsonl"))) == 5


def test_n3_trace_with_a_bad_configuration_stops_before_any_test(pytester: pytest.Pytester) -> None:
    pytester.makefile(".json", **{".namel3ss/debug": json.dumps({"sample_rate": 2})})
    result = run_suite(pytester, SUITE, "--n3-trace", "traces")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --n3-trace: namel3ss-debug configuration error: *sample_rate*"])


def test_n3_trace_keep_without_a_directory_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, SUITE, "--n3-trace-keep", "failed")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --n3-trace-keep needs --n3-trace DIR"])


# -- inert unless used ---------------------------------------------------------------------------------
def test_the_plugin_is_inert_when_no_test_uses_it(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, f'''
import sys
from namel3ss_debug import get_tracer

def test_untraced(request):
    agent("{QUESTION}")
    assert request.config.pluginmanager.has_plugin("namel3ss_debug")
    assert not get_tracer().active and get_tracer().last_run is None
    loaded = {{m for m in sys.modules if m.startswith("namel3ss_debug.")}}
    assert not loaded & {{"namel3ss_debug.testing.per_test", "namel3ss_debug.analysis", "namel3ss_debug.store"}}
''', "--basetemp", str(pytester.path / "basetemp"))
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "debug").exists()
    assert not list((pytester.path / "basetemp").glob("n3trace-*"))


def test_loading_the_plugin_imports_nothing_of_the_package(tmp_path: Path) -> None:
    probe = ("import json, sys, pytest; before = set(sys.modules); import namel3ss_debug_pytest; "
             "print(json.dumps(sorted(set(sys.modules) - before)))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "NAMEL3SS_DEBUG_ENABLED": "1"})
    loaded = json.loads(result.stdout)
    assert "namel3ss_debug_pytest" in loaded, result.stderr
    assert [name for name in loaded if name.split(".")[0] != "namel3ss_debug_pytest"] == [], result.stderr


def test_the_plugin_pulls_in_no_cli_dependency(tmp_path: Path) -> None:
    probe = ("import sys, namel3ss_debug_pytest, namel3ss_debug.testing.trace_assertions, "
             "namel3ss_debug.testing.per_test; "
             "print(sorted(m for m in ('click', 'rich', 'prompt_toolkit') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr


# -- one event, one line ---------------------------------------------------------------------------------
def test_describe_keeps_an_event_on_one_visible_line() -> None:
    event = {"seq": 7, "event_type": "tool_call_end", "component": "tool", "name": "se\u202earch",
             "status": "failed", "error": {"type": "OSError", "message": "a\r\nb\tc"}, "duration_ms": 1.5}
    assert describe(event) == r"seq 7  tool_call_end  tool:se\u202earch  failed  OSError: a\x0d\nb\tc  1.5 ms"


def test_n3_trace_to_a_path_that_cannot_be_a_directory_stops_before_any_test(pytester: pytest.Pytester) -> None:
    (pytester.path / "afile").write_text("not a directory")
    result = run_suite(pytester, SUITE, "--n3-trace", "afile")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --n3-trace */afile: cannot make the directory (File exists)"])


def test_n3_trace_expands_a_home_directory(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(pytester.path / "home"))
    result = run_suite(pytester, SUITE, "--n3-trace=~/traces")
    assert list((pytester.path / "home" / "traces").glob("*.0000.jsonl")) and not (pytester.path / "~").exists()
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)


def test_assert_called_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="times must be a whole number >= 0"):
        TraceAssertions.assert_called(None, "tool", "search", times=-1)  # type: ignore[arg-type]
