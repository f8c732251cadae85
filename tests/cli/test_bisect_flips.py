"""What `bisect` counts as flipping a failed run's outcome: a rerun whose substituted answer makes the app fail
in another way has not fixed it, and the search must not say it found the call that broke the run."""

from __future__ import annotations

import json
from pathlib import Path

from support.rerunhelpers import FAKE_CHAT, WEATHER_TOOL, command

APP = '''
"""The model names a city (`city: NAME`), a tool looks up its weather; a city without a forecast is told to
the user (a handled KeyError); a reply in another form breaks the app (an IndexError nobody catches)."""
''' + FAKE_CHAT + '''

LLM = FakeLLM({"Which city": "city: Atlantis"}, model="fake-gpt")
WEATHER = {"Paris": "light rain, 14 C"}
''' + WEATHER_TOOL + '''

@trace_agent_execution(name="trip")
def main():
    city = chat("Which city should we visit?").text.split(":")[1].strip()
    try:
        print(weather(city))
    except KeyError as error:
        print("no forecast for", error)


main()
'''


def test_an_answer_that_breaks_the_app_another_way_does_not_flip_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    done = command("trace", "-q", "-o", "recorded", "app.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the app survived its tool's KeyError: a failed run all the same
    trace = next((tmp_path / "recorded").glob("*.jsonl"))
    (tmp_path / "answers.json").write_text(json.dumps({"llm:chat#1": {"text": "Paris", "model": "fake-gpt"}}))
    done = command("bisect", str(trace), "-o", "new", "--format", "json", "--answers", "answers.json", cwd=tmp_path)
    report = json.loads(done.stdout)
    [rerun] = report["reruns"]
    assert rerun["verdict"]["verdict"] == "regressed"  # the rerun broke the app: IndexError, unhandled
    assert (rerun["flipped"], report["status"], done.returncode) == (False, "none", 1)
