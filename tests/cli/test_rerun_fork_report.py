"""`replay --rerun --format json` names the fork it made: `fork` is the call, the change and (for `--model`) the
model, the same object as the new run's `run_start.attrs.replay_of.fork`; null for a rerun that is no fork.

The raw openai SDK agent of apps/fork_weather.py is recorded against stub A on 127.0.0.1; its forks go live to
stub B (`--base-url`). The real command runs in a subprocess, as a user runs it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest
from support.rerunhelpers import command
from support.stubserver import StubServer

APP = Path(__file__).parent / "apps" / "fork_weather.py"


class Recorded:
    """The app recorded once against stub A, and stub B for the forks' live calls."""

    def __init__(self, b: Any, directory: Path, trace: Path):
        self.b, self.directory, self.trace = b, directory, trace

    def rerun(self, *args: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The JSON report of `replay TRACE --rerun ARGS`, and its new run's run_start."""
        done = command("replay", str(self.trace), "--rerun", "-o", str(self.directory / "new"), "--format", "json",
                       *args, cwd=self.directory, timeout=180)
        assert done.returncode == 0, done.stderr
        report = orjson.loads(done.stdout)
        lines = Path(report["new_trace"][0]).read_bytes().splitlines()
        start = next(event for event in map(orjson.loads, lines) if event["event_type"] == "run_start")
        return report, start


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    directory = tmp_path_factory.mktemp("fork-report")
    shutil.copyfile(APP, directory / APP.name)
    with StubServer() as a, StubServer(fresh=True) as b:
        done = command("trace", "-q", "-o", "recorded", APP.name, "--base-url", a.url + "/v1", cwd=directory,
                       timeout=180)
        assert done.returncode == 0, done.stderr
        yield Recorded(b, directory, next((directory / "recorded").glob("*.jsonl")))


def test_a_model_fork_s_json_report_names_its_call_change_and_model(recorded):
    report, start = recorded.rerun("--fork", "llm:openai.chat#1", "--model", "gpt-other", "--base-url",
                                   recorded.b.url)
    assert report["fork"] == {"call": "llm:openai.chat#1", "change": "model", "model": "gpt-other"}
    assert report["fork"] == start["attrs"]["replay_of"]["fork"]
    assert report["parted"] == {"call": "llm:openai.chat#1", "how": "forked"}


def test_an_answer_fork_s_json_report_names_its_call_and_change(recorded):
    report, start = recorded.rerun("--fork", "llm:openai.chat#2", "--answer", "Take an umbrella.")
    assert report["fork"] == {"call": "llm:openai.chat#2", "change": "answer"}
    assert report["fork"] == start["attrs"]["replay_of"]["fork"]


def test_a_rerun_that_is_no_fork_has_a_null_fork(recorded):
    report, start = recorded.rerun()
    assert report["fork"] is None and "fork" not in start["attrs"]["replay_of"]


def test_the_text_report_names_the_fork_s_call_change_and_model(recorded):
    done = command("replay", str(recorded.trace), "--rerun", "-o", str(recorded.directory / "new"), "--fork",
                   "llm:openai.chat#1", "--model", "gpt-[bold]other", "--base-url", recorded.b.url,
                   cwd=recorded.directory, timeout=180)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "fork          llm:openai.chat#1 (model gpt-[bold]other)" in lines  # a model name shown as text
    assert lines.index("fork          llm:openai.chat#1 (model gpt-[bold]other)") + 1 == lines.index(
        "parted        at llm:openai.chat#1 (forked)")
    plain = command("replay", str(recorded.trace), "--rerun", "-o", str(recorded.directory / "new"),
                    cwd=recorded.directory, timeout=180)
    assert not any(line.startswith("fork ") for line in plain.stdout.splitlines())
