"""A recorded LLM request whose URL does not parse (`http://[oops]/v1/...`: a bracketed host that is no IPv6
address) under the commands that name the recording's endpoints before they go live (`verify --live`,
`bisect --live`, a fork with no `--base-url`): one line naming the trace's line and how to fix it, exit 3 (a
trace that cannot be read), never a traceback; and a plain rerun still answers that call from the recording
(its host is not compared)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.rerunhelpers import command
from support.stubserver import StubServer

pytest.importorskip("openai")

APP = '''
import sys
import openai

client = openai.OpenAI(base_url=sys.argv[1], api_key="sk-test", max_retries=0)
reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
print(reply.choices[0].message.content)
'''
BAD = "http://[oops]/v1/chat/completions"


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app recorded against a stub, then the recorded URL's host replaced by `[oops]`."""
    folder = tmp_path_factory.mktemp("recorded")
    (folder / "app.py").write_text(APP)
    with StubServer() as stub:
        done = command("trace", "-q", "-o", "recorded", "app.py", stub.openai_url, cwd=folder)
        assert done.returncode == 0, done.stderr
        trace = next((folder / "recorded").glob("*.jsonl"))
        text = trace.read_text()
        url = f"{stub.openai_url.rstrip('/')}/chat/completions"
    assert f'"url":"{url}"' in text
    (folder / "bad.jsonl").write_text(text.replace(f'"url":"{url}"', f'"url":"{BAD}"'))
    return folder


def line_of_the_call(trace: Path) -> int:
    return next(number for number, line in enumerate(trace.read_text().splitlines(), 1) if BAD in line)


@pytest.fixture
def workspace(recording: Path, tmp_path: Path) -> Path:
    shutil.copy(recording / "app.py", tmp_path / "app.py")
    shutil.copy(recording / "bad.jsonl", tmp_path / "bad.jsonl")
    (tmp_path / "answers.json").write_text('{"llm:openai.chat#1": "hello"}')
    return tmp_path


LIVE = {
    "verify --live": ["verify", "bad.jsonl", "--live", "--yes", "-o", "new"],
    "bisect --live": ["bisect", "bad.jsonl", "--live", "--yes", "--answers", "answers.json",
                      "--expect", "contains:nothing"],
    "a fork": ["replay", "bad.jsonl", "--rerun", "--yes", "--fork", "llm:openai.chat#1", "-o", "new"],
}


@pytest.mark.parametrize("args", LIVE.values(), ids=LIVE.keys())
def test_a_recorded_url_that_does_not_parse_is_one_line_at_its_place_and_exit_3(workspace, args):
    done = command(*args, cwd=workspace, input="")
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert done.returncode == 3, done.stderr
    assert len(errors) == 1, done.stderr
    assert f"bad.jsonl:{line_of_the_call(workspace / 'bad.jsonl')}: the recorded LLM request's attrs.http.url " \
           f"'{BAD}' is not a URL" in errors[0]
    assert "give --base-url URL" in errors[0]


def test_a_plain_rerun_answers_the_call_of_that_url_from_the_recording(workspace):
    done = command("replay", "bad.jsonl", "--rerun", "--yes", "-o", "new", cwd=workspace, input="")
    assert "Traceback" not in done.stderr and "could not answer" not in done.stdout + done.stderr, done.stdout
    assert done.returncode == 0, done.stdout + done.stderr
