"""Golden runs replayed: a sample suite recorded once (`--n3-record=once`) against stub servers on 127.0.0.1 that
answer anew on every request, then run again with `--n3-record=none`, no API key and nothing listening where the
clients send: every call is answered from the golden runs, as it was recorded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest
from support.goldensuites import (KEY, JsonService, answers, free_port, golden_events, run_pytest,
                                  suite_environ, tool_runs, write_suite)
from support.stubserver import StubServer

pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

AGENT = r'''
import asyncio, datetime, os, random, socket, uuid
from pathlib import Path

import pytest
from namel3ss_debug import trace_agent_execution
from agentapp import ask, ask_async, ask_claude, keep, lookup, weather

HERE = Path(__file__).parent


@pytest.mark.n3replay
def test_offline():
    keep("offline", [ask("Weather in Oslo?"), ask_claude("Weather in Rome?")])


@pytest.mark.n3replay
def test_twice():
    keep("twice", [ask("Same question"), ask("Same question")])


@pytest.mark.n3replay
def test_concurrent():
    async def agents():
        return await asyncio.gather(ask_async("Plan a trip"), ask_async("Book a hotel"), ask_async("Rent a car"))

    keep("concurrent", asyncio.run(agents()))


@pytest.mark.n3replay
def test_uuid_and_date():
    keep("uuid_and_date", ask(f"Request {uuid.uuid4()} at {datetime.datetime.now().isoformat()} "
                              f"on {datetime.date.today()}"))


@pytest.mark.n3replay(volatile=[r"session-\d+"])
def test_session():
    keep("session", ask(f"Resume session-{random.randrange(10**9)}"))


@pytest.mark.n3replay
def test_http_and_tool_recorded():
    keep("http_and_tool_recorded", [weather("Oslo"), lookup("recorded-place")])


@pytest.mark.n3replay(tools="live")
def test_tool_live():
    keep("tool_live", lookup("live-place"))


@pytest.mark.n3replay
def test_assertions(n3trace):
    ask("First step")
    ask("Second step")
    n3trace.assert_called("llm", "openai.chat", times=2)
    n3trace.assert_no_errors()


@pytest.mark.n3replay
def test_project_path(tmp_path):
    notes, draft = HERE / "notes.txt", tmp_path / "draft.txt"
    said = ask(f"Summarise {notes} into {draft}")
    assert said.startswith(f"Echo: Summarise {notes} into {draft} [nonce ")
    keep("project_path", [said, lookup(str(notes)), lookup(str(draft))])


@pytest.mark.n3replay
def test_secret_in_prompt():
    keep("secret_in_prompt", ask("Use the key sk-proj-Prompted0123456789abcdefghij to log in"))


# Calls their golden runs lack: run only in replays.
@pytest.mark.n3replay("golden/test_agent/test_offline.jsonl")
def test_miss_changed():
    ask("Weather in Bergen?")


@pytest.mark.n3replay("golden/test_agent/test_offline.jsonl")
def test_miss_under_an_agent():
    trace_agent_execution(name="planner")(ask)("Weather in Bergen?")


@pytest.mark.n3replay("golden/test_agent/test_offline.jsonl")
def test_miss_swallowed():
    try:
        ask("Weather in Bergen?")
    except BaseException:
        pass


@pytest.mark.n3replay("golden/test_agent/test_offline.jsonl")
def test_miss_raw_socket():
    try:
        socket.create_connection(("127.0.0.1", int(os.environ["DEAD_PORT"])), timeout=5).close()
    except OSError:
        pass


def asked_deep(depth):
    return ask("Weather in Bergen?") if depth == 0 else asked_deep(depth - 1)


class WorkflowError(RuntimeError):
    """A framework's own error, wrapping what failed in a step (LlamaIndex's WorkflowRuntimeError)."""


@pytest.mark.n3replay("golden/test_agent/test_offline.jsonl")
def test_miss_wrapped():
    try:
        asked_deep(12)
    except BaseException as error:
        raise WorkflowError(f"Error in step 'ask': {error}") from error


@pytest.mark.n3replay("golden/test_agent/test_offline.jsonl")
def test_miss_then_assert():
    try:
        answer = ask("Weather in Bergen?")
    except BaseException:
        answer = None
    assert answer is not None, "the agent gave no answer"


@pytest.mark.n3replay("golden/test_agent/test_session.jsonl")
def test_miss_session_unmasked():
    ask(f"Resume session-{random.randrange(10**9)}")
'''

RECORDED = ("offline", "twice", "concurrent", "uuid_and_date", "session", "http_and_tool_recorded", "tool_live",
            "project_path", "secret_in_prompt")


class Suite:
    """The suite recorded once, and the servers it was recorded against."""

    def __init__(self, path: Path, llm: StubServer, service: JsonService):
        self.path = path
        self.llm = llm
        self.service = service
        environ = suite_environ(path, llm.url, service.url)
        self.recording = run_pytest(path, environ, "--n3-record=once", "-k", "not miss")
        self.recorded = {name: answers(path, name) for name in RECORDED}
        self.recorded_tools = tool_runs(path)
        self.hits = (len(llm.hits), len(service.hits))

    def offline(self, directory: Path | None = None, *args: str) -> pytest.RunResult:
        """The suite (in `directory`, the recording's by default) replayed without keys, its servers' addresses
        where nothing listens."""
        where = directory or self.path
        dead = f"http://127.0.0.1:{free_port()}"
        environ = {**suite_environ(where, dead, dead, key=None), "DEAD_PORT": str(free_port())}
        return run_pytest(where, environ, "--n3-record=none", *args)


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    path = tmp_path_factory.mktemp("golden-suite")
    write_suite(path, test_agent=AGENT)
    with StubServer(api_key=KEY, fresh=True) as llm, JsonService() as service:
        yield Suite(path, llm, service)


@pytest.fixture(scope="module")
def replayed(suite: Suite) -> pytest.RunResult:
    for made in (*(suite.path / "answers").iterdir(), suite.path / "tools" / "runs.txt"):
        made.unlink(missing_ok=True)  # what the replay says, not what the recording said
    return suite.offline(None, "-k", "not miss", "-v")


@pytest.fixture(scope="module")
def missed(suite: Suite) -> pytest.RunResult:
    return suite.offline(None, "-k", "miss")


def test_the_suite_records_its_golden_runs(suite: Suite) -> None:
    suite.recording.assert_outcomes(passed=len(RECORDED) + 1)
    assert sorted(path.stem for path in (suite.path / "golden" / "test_agent").iterdir()) == \
        sorted(f"test_{name}" for name in RECORDED + ("assertions",))
    assert suite.hits == (13, 1)


def test_a_replay_passes_offline_with_no_key(suite: Suite, replayed: pytest.RunResult) -> None:
    replayed.assert_outcomes(passed=len(RECORDED) + 1)
    assert (len(suite.llm.hits), len(suite.service.hits)) == suite.hits
    assert answers(suite.path, "offline") == suite.recorded["offline"]


def test_the_same_request_twice_gets_its_two_answers_in_order(suite: Suite, replayed: pytest.RunResult) -> None:
    first, second = suite.recorded["twice"]
    assert first != second and answers(suite.path, "twice") == [first, second]


def test_concurrent_agents_each_get_their_own_answer(suite: Suite, replayed: pytest.RunResult) -> None:
    said = answers(suite.path, "concurrent")
    assert said == suite.recorded["concurrent"]
    assert [text.split(" [nonce")[0] for text in said] == ["Echo: Plan a trip", "Echo: Book a hotel",
                                                           "Echo: Rent a car"]


def test_a_new_uuid_and_todays_date_in_a_request_replay(suite: Suite, replayed: pytest.RunResult) -> None:
    assert answers(suite.path, "uuid_and_date") == suite.recorded["uuid_and_date"]


def test_a_users_volatile_pattern_replays(suite: Suite, replayed: pytest.RunResult) -> None:
    assert answers(suite.path, "session") == suite.recorded["session"]


def test_http_calls_and_recorded_tools_are_answered_from_the_golden_run(suite: Suite,
                                                                        replayed: pytest.RunResult) -> None:
    assert answers(suite.path, "http_and_tool_recorded") == [{"city": "Oslo", "n": 1},
                                                             {"place": "recorded-place", "found": True}]
    assert "recorded-place" in suite.recorded_tools and "recorded-place" not in tool_runs(suite.path)
    golden = golden_events(suite.path / "golden" / "test_agent" / "test_http_and_tool_recorded.jsonl")
    assert [(event["component"], event["name"]) for event in golden if event["event_type"].endswith("_start")][2:] \
        == [("http", "127.0.0.1"), ("tool", "lookup")]  # after segment_start and run_start


def test_live_tools_run_for_real(suite: Suite, replayed: pytest.RunResult) -> None:
    assert tool_runs(suite.path).count("live-place") == 1
    assert answers(suite.path, "tool_live") == {"place": "live-place", "found": True}


def test_n3trace_assertions_hold_on_the_replayed_run(replayed: pytest.RunResult) -> None:
    replayed.stdout.fnmatch_lines(["test_agent.py::test_assertions PASSED*"])


def test_a_changed_request_fails_with_the_nearest_call_and_what_changed(missed: pytest.RunResult) -> None:
    missed.assert_outcomes(failed=7)
    section = failure(missed, "test_miss_changed")
    assert section[:4] == [
        "golden run golden/test_agent/test_offline.jsonl has no answer for llm:openai.chat#1",
        "  nearest recorded: llm:openai.chat#1 (golden/test_agent/test_offline.jsonl:3)",
        "    inputs: messages[0].content: recorded 'Weather in Oslo?', this call 'Weather in Bergen?'",
        "  if the change is meant: pytest --n3-record=rewrite 'test_agent.py::test_miss_changed' records the golden "
        "run again (--n3-record=new keeps its answers and records only the calls it lacks)"]
    assert any(line.endswith(".0000.jsonl") and "n3replay-test_miss_changed" in line for line in section)


def test_a_miss_names_the_span_its_call_ran_under(missed: pytest.RunResult) -> None:
    assert failure(missed, "test_miss_under_an_agent")[:4] == [
        "golden run golden/test_agent/test_offline.jsonl has no answer for llm:openai.chat#1 under agent:planner#1",
        "  nearest recorded: llm:openai.chat#1 (golden/test_agent/test_offline.jsonl:3)",
        "    place: recorded under run, this call under agent:planner#1",
        "    inputs: messages[0].content: recorded 'Weather in Oslo?', this call 'Weather in Bergen?'"]


def test_a_miss_the_app_swallows_still_fails_the_test(missed: pytest.RunResult) -> None:
    assert failure(missed, "test_miss_swallowed")[:3] == [
        "golden run golden/test_agent/test_offline.jsonl has no answer for llm:openai.chat#1",
        "  nearest recorded: llm:openai.chat#1 (golden/test_agent/test_offline.jsonl:3)",
        "    inputs: messages[0].content: recorded 'Weather in Oslo?', this call 'Weather in Bergen?'"]


def test_a_miss_a_framework_wraps_deep_in_its_stack_is_said_in_a_few_lines_with_no_traceback(
        missed: pytest.RunResult) -> None:
    section = failure(missed, "test_miss_wrapped")
    assert section[0] == "golden run golden/test_agent/test_offline.jsonl has no answer for llm:openai.chat#1", section
    assert len(section) <= 10 and not any(line.startswith(("E ", ">")) or "asked_deep" in line or "Traceback" in line
                                          for line in section), "\n".join(section)


def test_a_test_that_fails_after_a_swallowed_miss_says_the_miss_then_its_failure_in_one_line(
        missed: pytest.RunResult) -> None:
    section = failure(missed, "test_miss_then_assert")
    assert section[0] == "golden run golden/test_agent/test_offline.jsonl has no answer for llm:openai.chat#1", section
    assert [line for line in section if line.startswith("then ")] == [
        "then the test failed: AssertionError: the agent gave no answer"], "\n".join(section)
    assert not any(line.startswith(("E ", ">")) for line in section), "\n".join(section)


def test_a_raw_socket_connect_in_a_replay_is_refused_as_a_miss(missed: pytest.RunResult) -> None:
    head, why = failure(missed, "test_miss_raw_socket")[:2]
    assert head.startswith("golden run golden/test_agent/test_offline.jsonl has no answer for connect 127.0.0.1:")
    assert why == "  why: the network is closed during a rerun, and this was done outside the recorded HTTP " \
                  "clients (httpx, requests, aiohttp)"


def test_without_its_volatile_pattern_a_session_id_misses(missed: pytest.RunResult) -> None:
    section = failure(missed, "test_miss_session_unmasked")
    assert section[2].startswith("    inputs: messages[0].content: recorded 'Resume session-")


def test_a_clone_at_another_path_replays_the_golden_runs(suite: Suite, tmp_path: Path) -> None:
    clone = tmp_path / "elsewhere" / "clone"
    shutil.copytree(suite.path, clone, ignore=shutil.ignore_patterns("answers", "tools", "__pycache__"))
    golden = (clone / "golden" / "test_agent" / "test_project_path.jsonl").read_text()
    assert str(suite.path) not in golden and "<project>/notes.txt into <tmp>/test_project_path0/draft.txt" in golden
    result = suite.offline(clone, "-k", "not miss")
    result.assert_outcomes(passed=len(RECORDED) + 1)  # test_project_path: its answer names the clone's paths
    said, notes, draft = answers(clone, "project_path")
    assert said.endswith(suite.recorded["project_path"][0][-17:])  # the recorded answer's nonce: not asked again
    assert notes["place"] == str(clone / "notes.txt") and draft["place"].endswith("/test_project_path0/draft.txt")
    assert (len(suite.llm.hits), len(suite.service.hits)) == suite.hits


def test_no_key_reaches_a_golden_file(suite: Suite) -> None:
    for path in (suite.path / "golden").rglob("*.jsonl"):
        data = path.read_bytes()
        assert KEY.encode() not in data and b"Prompted0123456789" not in data, path


def failure(result: pytest.RunResult, test: str) -> list[str]:
    """The lines of a failed test's section of pytest's report, up to the next section."""
    lines = result.outlines
    start = next(index for index, line in enumerate(lines) if line.strip("_ ") == test)
    end = next(index for index in range(start + 1, len(lines))
               if lines[index].startswith(("____", "=====")))
    return lines[start + 1:end]


def test_a_live_tool_of_a_golden_run_not_recorded_here_fails_before_it_runs(suite: Suite, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Another user's checkout (another home: another key) has the same golden files, which it did not record: the
    test whose tools run live fails in one line naming the tool and its arguments, and the tool never runs."""
    monkeypatch.setenv("HOME", str(tmp_path / "another-home"))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    runs = suite.path / "tools" / "runs.txt"
    runs.unlink(missing_ok=True)
    done = suite.offline(None, "-k", "tool_live")
    done.assert_outcomes(failed=1)
    failure = "\n".join(done.outlines)
    assert 'n3replay: not running lookup({"place":"live-place"}): its arguments come from a golden run not written ' \
        "here" in failure, failure
    assert "--n3-trust-golden" in failure
    assert not runs.exists() or "live-place" not in runs.read_text()
    trusted = suite.offline(None, "-k", "tool_live", "--n3-trust-golden")
    trusted.assert_outcomes(passed=1)
    assert "live-place" in runs.read_text()
