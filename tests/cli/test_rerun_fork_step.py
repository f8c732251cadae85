"""`replay TRACE --rerun --fork CALL --step`: a fork walked through at the rerun's console.

What should happen: the console stops before every replayable call as in any stepped rerun. Before the fork each
stop offers the recorded answer, and accepting it sends nothing. At the fork's call the stop offers the fork's
change: its `--answer` as the assistant's message, or, for `--model`, `--ask` or a re-sample, `will run live`
(accepting sends it where the fork sends it: `--base-url`, the other model). A command at that stop still
decides (`replace` gives another answer; the run has parted at the fork either way). After the fork a call the
recording cannot answer says what accepting does: run it live, or with `--offline` stop the run with the miss.

The weather agent on the raw openai SDK (apps/fork_weather.py) is recorded against stub A; the fork's live
calls go to stub B (its texts ending with a nonce). Commands are piped in, as a script.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
from support.rerunhelpers import command
from support.stubserver import StubServer

pytest.importorskip("openai")
APP = Path(__file__).parent / "apps" / "fork_weather.py"
LISBON = json.dumps({"content": None, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Lisbon"}}]})
PARIS = json.dumps({"content": None, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]})


class Bench:
    """Stubs A (the recording's) and B (the fork's), and one recording of the app against A."""

    def __init__(self, a: Any, b: Any, directory: Path):
        self.a, self.b, self.directory = a, b, directory
        shutil.copyfile(APP, directory / APP.name)
        done = command("trace", "-q", "-o", "recorded", APP.name, "--base-url", a.url + "/v1", cwd=directory)
        assert done.returncode == 0, done.stderr
        self.trace = next((directory / "recorded").glob("*.jsonl"))

    def step(self, commands: list[str], *args: str) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
        """The stepped fork with `commands` piped in, and the requests it sent to B; asserts none reached A."""
        hits_a, hits_b = len(self.a.hits), len(self.b.hits)
        done = command("replay", str(self.trace), "--rerun", "-o", "forks", "--step", *args,
                       cwd=self.directory, input="".join(f"{line}\n" for line in commands), timeout=180)
        assert len(self.a.hits) == hits_a, "a request reached the recording's model"
        assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
        return done, self.b.requests[hits_b:]


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    with StubServer() as a, StubServer(fresh=True) as b:
        yield Bench(a, b, tmp_path_factory.mktemp("fork-step"))


def stops(out: str) -> dict[int, str]:
    """Each stop's block of lines (its header to the next command echoed), by its number."""
    found: dict[int, str] = {}
    for block in out.split("Stop ")[1:]:
        number, _, rest = block.partition(" ")
        found[int(number)] = rest.split("(rerun) ")[0]
    return found


def test_stops_before_the_fork_offer_the_recording_and_the_fork_s_call_runs_live_at_b(bench):
    done, sent = bench.step(["s", "s", "s"], "--fork", "llm:openai.chat#2", "--model", "gpt-other",
                            "--base-url", bench.b.url)
    assert done.returncode == 0, done.stderr
    shown = stops(done.stdout)
    assert sorted(shown) == [1, 2, 3]
    assert "returns  assistant: get_weather(city=Paris)  (recorded)" in shown[1]
    assert 'returns  "light rain, 14 C"  (recorded)' in shown[2]
    assert shown[3].startswith("before llm:openai.chat#2  (step)") and "result   will run live" in shown[3]
    assert "recorded the fork's call (model gpt-other): the recording has none that asks this" in shown[3]
    assert [request["model"] for request in sent] == ["gpt-other"]  # accepting sent the fork's call, to B only
    assert "[nonce " in done.stdout and "tool runs: none" in done.stdout
    assert "parted        at llm:openai.chat#2 (forked)" in done.stdout


def test_the_fork_s_answer_is_offered_at_its_stop_and_a_replacement_there_wins(bench):
    done, sent = bench.step(["s", "s", 'replace "Bring a coat."'], "--fork", "llm:openai.chat#2",
                            "--answer", "Take an umbrella.", "--base-url", bench.b.url)
    assert done.returncode == 0, done.stderr
    assert "returns  assistant: Take an umbrella.  (" in stops(done.stdout)[3]
    lines = done.stdout.splitlines()
    assert "Bring a coat." in lines and "Take an umbrella." not in lines
    assert sent == []
    assert "parted        at llm:openai.chat#2 (forked)" in done.stdout
    assert "1 replaced at the console" in done.stdout


def test_after_the_fork_a_call_the_recording_lacks_runs_live_when_accepted(bench):
    done, sent = bench.step(["s", "s", "s"], "--fork", "llm:openai.chat#1", "--answer", LISBON,
                            "--base-url", bench.b.url, "--live-tools")
    assert done.returncode == 0, done.stderr
    shown = stops(done.stdout)
    assert "returns  assistant: get_weather(city=Lisbon)  (" in shown[1]
    assert shown[2].startswith("before tool:get_weather#1") and "will run live" in shown[2]  # --live-tools
    assert "no recorded result: " in shown[3] and "; accept runs it live" in shown[3]
    [asked] = sent
    assert asked["messages"][-1]["content"] == "sunny, 24 C"
    assert "tool runs: Lisbon" in done.stdout


def test_offline_a_call_the_recording_lacks_stops_the_run_when_accepted(bench):
    done, sent = bench.step(["s", "s", "s"], "--fork", "llm:openai.chat#1", "--answer", PARIS, "--offline")
    assert done.returncode == 1
    shown = stops(done.stdout)
    assert 'returns  "light rain, 14 C"  (recorded)' in shown[2]  # the tool asked what was recorded
    assert "; accept stops the run, live runs it" in shown[3]
    assert sent == []
    assert "not reproduced: 1 call(s) had no recorded answer" in done.stdout
    assert "send it live: drop --offline" in done.stdout


def test_as_json_the_fork_s_stop_names_its_recorded_call_and_the_answer_as_the_fork_s(bench):
    done, sent = bench.step(["s", "s", "s"], "--fork", "llm:openai.chat#2", "--answer", "Take an umbrella.",
                            "--format", "json")
    assert done.returncode == 0, done.stderr
    shown = [json.loads(line) for line in done.stdout.splitlines() if '"namel3ss-debug/rerun-stop/v1"' in line]
    assert [(stop["call"], stop["recorded"], stop["answer"]["source"]) for stop in shown] == [
        ("llm:openai.chat#1", "llm:openai.chat#1", "recorded"),
        ("tool:get_weather#1", "tool:get_weather#1", "recorded"),
        ("llm:openai.chat#2", "llm:openai.chat#2", "forked")]
    assert shown[2]["answer"]["outputs"] == {"return": "Take an umbrella."} and sent == []
