"""Golden runs' record modes (`--n3-record`, the marker's `record=`, the `n3_record` ini key) and a bad marker,
run the way users run them: a sample suite in a pytest process of its own, its LLM calls to a stub server on
127.0.0.1 whose `hits` say which calls reached it."""

from __future__ import annotations

import re

import pytest
from support.goldensuites import answers, golden_events, run_pytest, suite_environ, write_suite
from support.stubserver import StubServer

from namel3ss_debug.model.seals import Seals

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

WEATHER = '''
import os
import pytest
from agentapp import ask, keep


@pytest.mark.n3replay
def test_weather():
    said = [ask("Weather in Oslo?")]
    if os.environ.get("EXTRA"):
        said.append(ask("And in Bergen?"))
    assert all(text.startswith("Echo: ") for text in said)
    keep("weather", said)
'''

GOLDEN = "golden/test_weather/test_weather.jsonl"


def llm_calls(path) -> list[str]:
    return [event["inputs"]["messages"][0]["content"] for event in golden_events(path)
            if event["event_type"] == "llm_call_start"]


SKIPPED = '''
import pytest


@pytest.mark.skipif(True, reason="not on this platform")
@pytest.mark.n3replay
def test_skipped():
    pass


@pytest.mark.n3replay
@pytest.mark.xfail(run=False, reason="not yet")
def test_not_run():
    pass
'''


def test_none_without_a_golden_file_fails_the_setup_in_one_line(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_weather=WEATHER, test_skipped=SKIPPED)  # a skipped test needs no golden file
    with StubServer() as server:
        result = run_pytest(pytester.path, suite_environ(pytester.path, server.url))
    result.assert_outcomes(errors=1, skipped=1, xfailed=1)
    assert "namel3ss-debug trace" not in result.stdout.str()  # no run to look at: the test did not start
    result.stdout.fnmatch_lines([f"n3replay: no golden run at {GOLDEN}: record it once with --n3-record=once (or "
                                 "@pytest.mark.n3replay(record=\"once\")), which calls the model for real, then "
                                 "commit it"])
    assert server.hits == [] and not (pytester.path / GOLDEN).exists()


def test_once_records_a_missing_golden_run_then_replays_it(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_weather=WEATHER)
    with StubServer(fresh=True) as server:  # a new answer on every request: a replayed one is the recorded one
        environ = suite_environ(pytester.path, server.url)
        run_pytest(pytester.path, environ, "--n3-record=once").assert_outcomes(passed=1)
        recorded = answers_of(pytester)
        assert len(server.hits) == 1 and llm_calls(pytester.path / GOLDEN) == ["Weather in Oslo?"]
        again = run_pytest(pytester.path, environ, "--n3-record=once")
    again.assert_outcomes(passed=1)
    assert len(server.hits) == 1 and answers_of(pytester) == recorded


def test_new_records_only_the_calls_the_golden_run_lacks(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_weather=WEATHER)
    golden = pytester.path / GOLDEN
    with StubServer(fresh=True) as server:
        environ = suite_environ(pytester.path, server.url)
        run_pytest(pytester.path, environ, "--n3-record=once").assert_outcomes(passed=1)
        [first] = answers_of(pytester)
        extended = run_pytest(pytester.path, {**environ, "EXTRA": "1"}, "--n3-record=new")
        extended.assert_outcomes(passed=1)
        assert len(server.hits) == 2 and server.requests[1]["messages"][0]["content"] == "And in Bergen?"
        said = answers_of(pytester)
        assert said[0] == first and said[1].startswith("Echo: And in Bergen?")
        assert llm_calls(golden) == ["Weather in Oslo?", "And in Bergen?"]
        extended.stdout.fnmatch_lines([f"recorded {GOLDEN} (test_weather.py::test_weather)"])
        before, stamp = golden.read_bytes(), golden.stat().st_mtime_ns
        nothing_new = run_pytest(pytester.path, {**environ, "EXTRA": "1"}, "--n3-record=new")
    nothing_new.assert_outcomes(passed=1)
    assert len(server.hits) == 2 and answers_of(pytester) == said
    assert golden.read_bytes() == before and golden.stat().st_mtime_ns == stamp


def test_a_golden_run_extended_from_a_strangers_is_not_sealed_as_written_here(pytester: pytest.Pytester) -> None:
    """Extended (`new`) from a golden run another user recorded, the new golden file holds their answers: it is not
    sealed as mine, so a live tool of it is still asked about; extended from my own, it stays sealed."""
    write_suite(pytester.path, test_weather=WEATHER)
    golden = pytester.path / GOLDEN
    stranger, mine = ({"HOME": str(pytester.path.parent / name), "XDG_STATE_HOME": ""} for name in ("x", "me"))
    with StubServer(fresh=True) as server:
        environ = suite_environ(pytester.path, server.url)
        for recorder, sealed in ((stranger, False), (mine, True)):
            golden.unlink(missing_ok=True)
            run_pytest(pytester.path, {**environ, **recorder}, "--n3-record=once").assert_outcomes(passed=1)
            run_pytest(pytester.path, {**environ, **mine, "EXTRA": "1"}, "--n3-record=new").assert_outcomes(passed=1)
            assert llm_calls(golden) == ["Weather in Oslo?", "And in Bergen?"]
            seals = Seals.of(mine, make=False)  # None: no key of mine yet, so nothing sealed
            assert (seals is not None and seals.written_here([golden])) is sealed


def test_rewrite_records_again(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_weather=WEATHER)
    with StubServer(fresh=True) as server:
        environ = suite_environ(pytester.path, server.url)
        run_pytest(pytester.path, environ, "--n3-record=once").assert_outcomes(passed=1)
        first = answers_of(pytester)
        result = run_pytest(pytester.path, environ, "--n3-record=rewrite")
    result.assert_outcomes(passed=1)
    assert len(server.hits) == 2 and answers_of(pytester) != first
    said = str([event["outputs"] for event in golden_events(pytester.path / GOLDEN)
                if event["event_type"] == "llm_call_end"])
    assert answers_of(pytester)[0] in said and first[0] not in said


FAILING = '''
import pytest
from agentapp import ask


@pytest.mark.n3replay
def test_fails():
    assert ask("Weather in Oslo?") == "Sunny"
'''


def test_the_summary_says_what_each_golden_run_did_under_xdist(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_weather=WEATHER, test_failing=FAILING)
    with StubServer() as server:
        result = run_pytest(pytester.path, suite_environ(pytester.path, server.url), "--n3-record=once", "-n", "2")
    result.assert_outcomes(passed=1, failed=1)
    start = result.outlines.index(next(line for line in result.outlines if " namel3ss-debug golden runs " in line))
    assert set(result.outlines[start + 1:start + 3]) == {
        f"recorded {GOLDEN} (test_weather.py::test_weather)",
        "not recorded golden/test_failing/test_fails.jsonl (test_failing.py::test_fails): the test failed: its run "
        "is not kept as the golden run"}
    assert not (pytester.path / "golden" / "test_failing").exists()


PRECEDENCE = '''
import pytest
from agentapp import ask


@pytest.mark.n3replay(record="none")
def test_marker_says_none():
    assert ask("Marker?").startswith("Echo: ")


@pytest.mark.n3replay
def test_ini_says_once():
    assert ask("Ini?").startswith("Echo: ")
'''


def test_the_option_beats_the_marker_which_beats_the_ini_key(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, 'n3_record = "once"\n', test_modes=PRECEDENCE)
    marker, ini = (pytester.path / "golden" / "test_modes" / f"{name}.jsonl"
                   for name in ("test_marker_says_none", "test_ini_says_once"))
    with StubServer() as server:
        environ = suite_environ(pytester.path, server.url)
        by_marker_and_ini = run_pytest(pytester.path, environ)
        by_marker_and_ini.assert_outcomes(passed=1, errors=1)
        by_marker_and_ini.stdout.fnmatch_lines(["*n3replay: no golden run at golden/test_modes/"
                                                "test_marker_says_none.jsonl*"])
        assert ini.is_file() and not marker.exists() and len(server.hits) == 1
        run_pytest(pytester.path, environ, "--n3-record=once").assert_outcomes(passed=2)
    assert marker.is_file() and len(server.hits) == 2


def test_rewrite_in_the_ini_key_records_again(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, 'n3_record = "rewrite"\n', test_weather=WEATHER)
    with StubServer() as server:
        environ = suite_environ(pytester.path, server.url)
        for _ in range(2):
            run_pytest(pytester.path, environ).assert_outcomes(passed=1)
    assert len(server.hits) == 2


def test_a_bad_record_mode_on_the_command_line_is_a_usage_error(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_weather=WEATHER)
    result = run_pytest(pytester.path, suite_environ(pytester.path, "http://127.0.0.1:9"), "--n3-record=sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line] == [
        "ERROR: --n3-record 'sometimes': not one of none, once, new, rewrite (none replays, once records a missing "
        "golden run, new records the calls it lacks, rewrite all)"]


BAD_MARKERS = r'''
import pytest


@pytest.mark.n3replay(mode="once")
def test_unknown_keyword():
    pass


@pytest.mark.n3replay("a.jsonl", "b.jsonl")
def test_two_paths():
    pass


@pytest.mark.n3replay(tools="sometimes")
def test_bad_tools():
    pass


@pytest.mark.n3replay(record="often")
def test_bad_record():
    pass


@pytest.mark.n3replay(volatile=[r"session-(\d+"])
def test_bad_volatile():
    pass


@pytest.mark.n3replay(volatile=[5])
def test_volatile_not_a_text():
    pass


@pytest.mark.n3replay("golden/broken.jsonl")
def test_broken_golden_file():
    pass
'''


def test_a_bad_marker_or_golden_file_fails_its_test_in_one_line(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_markers=BAD_MARKERS)
    (pytester.path / "golden").mkdir()
    (pytester.path / "golden" / "broken.jsonl").write_text("<<<<<<< HEAD\n<project>\n")  # a bad merge
    result = run_pytest(pytester.path, suite_environ(pytester.path, "http://127.0.0.1:9"))
    result.assert_outcomes(errors=7)
    keywords = "n3replay: pytest.mark.n3replay takes an optional path to the golden file and the keywords " \
               "record, tools, volatile"
    assert setup_errors(result) == {
        "test_unknown_keyword": [f"{keywords} (not mode)"],
        "test_two_paths": [keywords],
        "test_bad_tools": ["n3replay: tools='sometimes' is not one of recorded, live"],
        "test_bad_record": ["n3replay: record mode 'often' is not one of none, once, new, rewrite"],
        "test_bad_volatile": ["n3replay: volatile: 'session-(\\\\d+' is not a regular expression: missing ), "
                              "unterminated subpattern at position 8"],
        "test_volatile_not_a_text": ["n3replay: volatile: 5 is not a regular expression (a non-empty text)"],
        "test_broken_golden_file": ["n3replay: golden/broken.jsonl: not a trace: no line is a JSON event (a trace is "
                                    "the JSON Lines file `namel3ss-debug trace` writes)"],
    }


def setup_errors(result: pytest.RunResult) -> dict[str, list[str]]:
    """The lines of each `ERROR at setup of NAME` section of pytest's report."""
    sections: dict[str, list[str]] = {}
    lines: list[str] | None = None
    for line in result.outlines:
        header = re.fullmatch(r"_+ ERROR at setup of (\S+) _+", line)
        if header is not None:
            lines = sections[header.group(1)] = []
        elif line.startswith("====="):
            lines = None
        elif lines is not None:
            lines.append(line)
    return sections


def answers_of(pytester: pytest.Pytester) -> list[str]:
    return answers(pytester.path, "weather")
