"""`golden status [DIR]`: a project whose two tests marked n3replay were recorded once against a stub model on
127.0.0.1 (`--n3-record=once`), then changed as a developer changes them: a prompt reworded (stale: the call and
what changed), a call dropped (unused), a golden file deleted (missing) or copied (an orphan), a test broken
for another reason (failed). Each status runs the project's tests through pytest, offline.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.console import Console
from support.stubserver import StubServer

from namel3ss_debug.cli.main import cli
from namel3ss_debug.model.golden_status import GoldenEntry, MissNote
from namel3ss_debug.ops.golden_status import GoldenStatus
from namel3ss_debug.render.golden.text import render_golden_status

pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

pytest.importorskip("httpx")

TESTS = '''
import httpx
import pytest

URL = "{url}"


def ask(question):
    answer = httpx.post(URL + "/chat/completions", headers={{"Authorization": "Bearer sk-test"}},
                        json={{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": question}}]}})
    return answer.json()["choices"][0]["message"]["content"]


@pytest.mark.n3replay
def test_weather():
    assert ask("Weather in Oslo?") == "Echo: Weather in Oslo?"
    assert ask("And tomorrow?") == "Echo: And tomorrow?"


@pytest.mark.n3replay
def test_news():
    assert ask("News today?") == "Echo: News today?"


def test_not_golden():
    raise AssertionError("golden status runs only the tests marked n3replay")
'''
WEATHER = Path("golden", "test_app", "test_weather.jsonl")
NEWS = Path("golden", "test_app", "test_news.jsonl")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with both golden runs recorded from the stub model (which is gone afterwards)."""
    project = tmp_path_factory.mktemp("golden-project")
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    with StubServer() as server:
        (project / "test_app.py").write_text(TESTS.format(url=server.openai_url), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "n3replay",
                               "--n3-record=once", "test_app.py"], cwd=project, capture_output=True, text=True,
                              timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / WEATHER).is_file() and (project / NEWS).is_file()
    return project


@pytest.fixture
def project(recorded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the recorded project, the working directory."""
    copy = tmp_path / "project"
    shutil.copytree(recorded, copy)
    monkeypatch.chdir(copy)
    return copy


def edit(project: Path, old: str, new: str) -> None:
    path = project / "test_app.py"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def status(*args: str) -> Result:
    # the table is laid out COLUMNS wide off a terminal, and pytest-xdist's workers set it to 80: a width of our own
    return CliRunner(env={"COLUMNS": "250"}).invoke(cli, ["golden", "status", *args], catch_exceptions=False)


def as_json(*args: str) -> dict:
    result = status(*args, "--format", "json")
    document = json.loads(result.stdout)
    assert document["exit_code"] == result.exit_code
    return document


def rows(result: Result) -> dict[str, str]:
    """The table's first line of each test: nodeid -> that line."""
    return {line.split()[2]: line for line in result.stdout.splitlines() if "test_app.py::" in line}


def test_a_reworded_prompt_is_stale_with_the_call_and_what_changed(project: Path) -> None:
    edit(project, '"And tomorrow?") == "Echo: And tomorrow?"', '"And the day after?") == "Echo: And tomorrow?"')

    result = status()

    assert result.exit_code == 1, result.output
    table = rows(result)
    assert table["test_app.py::test_weather"].split()[:2] == ["stale", str(WEATHER)]
    assert "llm:" in table["test_app.py::test_weather"]
    assert "recorded 'And tomorrow?', this call 'And the day after?'" in result.stdout
    assert "nearest recorded llm:" in result.stdout and f"({WEATHER}:" in result.stdout
    assert table["test_app.py::test_news"].split()[:2] == ["ok", str(NEWS)]
    assert "2 golden tests: 1 stale, 1 ok" in result.stdout
    assert "--n3-record=rewrite" in result.stdout
    assert "test_not_golden" not in result.output  # only the tests marked n3replay ran
    assert "running the tests marked n3replay" in result.stderr


def test_every_golden_run_matching_exits_0_and_an_orphan_does_not_fail_it(project: Path) -> None:
    shutil.copy(project / NEWS, project / "golden" / "spare.jsonl")
    (project / "golden" / "notes.jsonl").write_text('{"run_id": "not-a-golden-run"}\n', encoding="utf-8")

    document = as_json(".")

    assert document["exit_code"] == 0
    assert [(entry["nodeid"], entry["status"]) for entry in document["tests"]] == [
        ("test_app.py::test_news", "ok"), ("test_app.py::test_weather", "ok")]
    assert document["orphans"] == ["golden/spare.jsonl"]
    command = document["command"]
    assert command[:4] == [sys.executable, "-m", "pytest", "."]
    assert "--n3-record=none" in command and command[command.index("-m", 3) + 1] == "n3replay"
    assert command[-1] == "--color=no"  # stderr is no terminal here


def test_json_names_the_stale_call_the_nearest_recorded_one_and_the_change(project: Path) -> None:
    edit(project, 'ask("News today?") == "Echo: News today?"', 'ask("News tonight?") == "Echo: News today?"')

    document = as_json()

    assert document["schema"] == "namel3ss-debug/golden-status/v1"
    assert document["exit_code"] == 1
    assert document["counts"] == {"stale": 1, "missing": 0, "failed": 0, "unused": 0, "skipped": 0, "ok": 1}
    stale, ok = document["tests"]
    assert (stale["nodeid"], stale["status"], stale["shown"]) == ("test_app.py::test_news", "stale", str(NEWS))
    assert stale["golden"] == str(project.resolve() / NEWS)
    miss = stale["miss"]
    assert miss["call"].startswith("llm:") and miss["nearest"] == miss["call"]
    assert miss["where"].startswith(f"{NEWS}:")
    assert any("recorded 'News today?', this call 'News tonight?'" in change for change in miss["changes"])
    assert (ok["nodeid"], ok["status"], ok["unused"]) == ("test_app.py::test_weather", "ok", [])
    assert document["orphans"] == []


def test_a_deleted_golden_file_is_missing_and_a_copied_one_an_orphan(project: Path) -> None:
    (project / NEWS).rename(project / "golden" / "old_news.jsonl")

    result = status()

    assert result.exit_code == 1, result.output
    assert rows(result)["test_app.py::test_news"].split()[:2] == ["missing", str(NEWS)]
    assert "no golden file" in result.stdout and "--n3-record=once" in result.stdout
    assert "1 golden file no test used" in result.stdout
    assert "  golden/old_news.jsonl" in result.stdout.splitlines()


def test_a_call_the_test_no_longer_makes_is_unused(project: Path) -> None:
    edit(project, '    assert ask("And tomorrow?") == "Echo: And tomorrow?"\n', "")

    document = as_json()

    assert document["exit_code"] == 1
    weather = next(entry for entry in document["tests"] if entry["nodeid"] == "test_app.py::test_weather")
    assert (weather["status"], weather["outcome"]) == ("unused", "passed")
    assert len(weather["unused"]) == 1 and weather["unused"][0].startswith("llm:")
    assert f"({WEATHER}:" in weather["unused"][0]


def test_a_test_failing_for_another_reason_or_its_marker_is_failed_and_a_skipped_one_skipped(project: Path) -> None:
    edit(project, '== "Echo: News today?"', '== "Echo: News today!"')
    edit(project, "@pytest.mark.n3replay\ndef test_weather", "@pytest.mark.skip(reason='later')\n"
                                                          "@pytest.mark.n3replay\ndef test_weather")
    with (project / "test_app.py").open("a", encoding="utf-8") as tests:
        tests.write("\n\n@pytest.mark.n3replay(tools='sometimes')\ndef test_bad_marker():\n    pass\n")

    result = status()

    assert result.exit_code == 1, result.output
    table = rows(result)
    assert table["test_app.py::test_news"].split()[:2] == ["failed", str(NEWS)]
    assert "assert 'Echo: News today?' == 'Echo: News today!'" in table["test_app.py::test_news"]
    assert table["test_app.py::test_weather"].split()[:2] == ["skipped", str(WEATHER)]
    assert table["test_app.py::test_weather"].rstrip().endswith("later")
    bad = table["test_app.py::test_bad_marker"]
    assert bad.split()[:2] == ["failed", "golden/test_app/test_bad_marker.jsonl"]
    assert "setup: n3replay: tools='sometimes' is not one of" in bad
    assert "no test used" not in result.stdout  # the skipped test's golden file is its, not an orphan
    assert "3 golden tests: 2 failed, 1 skipped" in result.stdout


def test_no_test_marked_n3replay_exits_0_and_lists_the_orphans_there(project: Path) -> None:
    (project / "elsewhere").mkdir()
    shutil.copy(project / NEWS, project / "elsewhere" / "kept.jsonl")

    result = status("elsewhere")

    assert result.exit_code == 0, result.output
    assert "no test marked n3replay under elsewhere" in result.stdout
    assert "  elsewhere/kept.jsonl" in result.stdout.splitlines()


def test_a_directory_that_is_not_there_is_a_usage_error_in_one_line(project: Path) -> None:
    result = status("no-such-dir")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "namel3ss-debug: error: no-such-dir: no such directory (name the directory of the tests to check)"]


def test_an_interpreter_that_is_not_there_is_a_usage_error(project: Path) -> None:
    result = status("--python", str(project / "no-python"))

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(f"namel3ss-debug: error: --python {project / 'no-python'}: "
                                                     "cannot run it")


def test_an_interpreter_without_pytest_is_a_usage_error(project: Path) -> None:
    false = shutil.which("false")
    assert false is not None

    result = status("--python", false)

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == ("namel3ss-debug: error: pytest refused the command (exit 1) (--python "
                                              "names an interpreter with pytest and namel3ss-debug installed (the one "
                                              "your tests run under))")


def test_tests_that_cannot_be_collected_stop_the_status_with_exit_1(project: Path) -> None:
    (project / "test_broken.py").write_text("def test_(:\n", encoding="utf-8")

    result = status()

    assert result.exit_code == 1
    assert result.stdout == ""
    last = result.stderr.splitlines()[-1]
    assert last.startswith("namel3ss-debug: error: pytest stopped before the tests were run (exit 2)")


@pytest.mark.parametrize("environ, flag", [({"FORCE_COLOR": "1"}, "--color=yes"),
                                           ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, "--color=no")])
def test_pytest_is_in_colour_only_where_our_stderr_would_be(project: Path, environ: dict[str, str],
                                                            flag: str) -> None:
    result = CliRunner(env=environ).invoke(cli, ["golden", "status", "--python", shutil.which("false") or "false"],
                                           catch_exceptions=False)

    running = result.stderr.splitlines()[0]
    assert "running the tests marked n3replay" in running
    assert running.removesuffix("\x1b[0m").endswith(flag)  # the line itself is dim: a style, not a colour


def test_a_miss_with_no_recorded_call_near_it_says_why_and_trace_text_is_shown_as_text() -> None:
    refused = GoldenEntry("t.py::test_x", "/p/golden/t/test_x.jsonl", "golden/t/test_x.jsonl", "stale", "failed",
                          miss=MissNote("connect 10.0.0.1:443", "-", "the network is closed\x1b[31m", None, None, ()),
                          misses=2)
    unexplained = GoldenEntry("t.py::test_y", "/p/golden/t/test_y.jsonl", "golden/t/test_y.jsonl", "stale", "failed",
                              miss=MissNote("llm:chat#1", "-", "asked out of turn", "llm:chat#1", "g.jsonl:3", ()),
                              misses=1)
    console = Console(file=io.StringIO(), width=200, color_system=None)

    console.print(render_golden_status(GoldenStatus(".", (), (refused, unexplained), ())))

    shown = console.file.getvalue()
    assert "\x1b" not in shown
    assert "connect 10.0.0.1:443" in shown and "the network is closed\\x1b[31m" in shown
    assert "and 1 more call the golden run has no answer for" in shown
    assert "nearest recorded llm:chat#1 (g.jsonl:3)" in shown and "asked out of turn" in shown


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="network namespaces are Linux's")
def test_the_tests_run_with_the_network_closed_even_for_the_processes_they_start(project: Path) -> None:
    """pytest runs in a network namespace of its own: a process a test starts (which no in-process guard sees)
    reaches nothing outside, and the report says how the network was closed."""
    import socket  # noqa: PLC0415 - this test's listener only

    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        child = f"import socket; socket.create_connection(('127.0.0.1', {port}), 5).sendall(b'out')"
        edit(project, 'def test_news():\n', f'def test_news():\n    import subprocess, sys\n'
                                             f'    subprocess.run([sys.executable, "-c", "{child}"])\n')
        document = as_json()
        with pytest.raises(TimeoutError):
            listener.accept()
    assert document["network"].startswith("closed by a user namespace")
