"""A golden file beside a vcrpy cassette of the same test: what each holds and what a reviewer reads in it.

    pip install vcrpy                              # the cassette side (not a dependency of namel3ss-debug)
    python bench/golden_vs_cassette.py             # both recorded and replayed in this run (20-40 s)
    python bench/golden_vs_cassette.py --json      # JSON only on stdout
    python bench/golden_vs_cassette.py --keep DIR  # leave the test, the golden file and the cassette in DIR

One small test, written into a temporary directory: an agent asks `gpt-4o-mini` about the weather in Oslo
with the `get_weather` tool offered, streamed; the model (examples/llm_stub_server.py on 127.0.0.1, which checks
the API key) asks for the tool in its stream; the agent runs it and sends its result back, streamed again; the
test asserts the answer. The same test body is recorded twice, each by a pytest process of its own:
* golden: `@pytest.mark.n3replay` with `--n3-record=once` (the namel3ss-debug pytest plugin): the golden file
  `golden/test_agent/test_weather.jsonl`;
* cassette: `vcr.use_cassette(..., record_mode="once")` with vcrpy's defaults (YAML, every header kept, no
  filter), the namel3ss-debug plugin off (`-p no:namel3ss_debug`): the cassette `cassettes/test_weather.yaml`,
  as pytest-recording's `@pytest.mark.vcr` writes it.
The stand-in listens on one port for the four processes (vcrpy matches a request's port). Each recording is then
replayed (`--n3-record=none`; `record_mode="none"`), and the test asserts the same answer with no request reaching
the model; the script stops if a recording or a replay fails. Each file is then read for what a reviewer of a
pull request sees in it: its bytes, lines and longest line; whether the model's final answer is there as one
string, and how many SSE frames hold a piece of it; the SSE frames in all; whether the API key the test sent is
in it; the request headers kept; whether the question reads on one line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

SCHEMA = "namel3ss-debug/bench-golden-vs-cassette/1"
ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
KEY = "sk-proj-bench0123456789abcdefABCDEF0123456789abcdefXYZ"  # a key of a real key's shape; the stub checks it
QUESTION = "What is the weather in Oslo?"
ANSWER = "Echo: What is the weather in Oslo? (tool said: snow)"  # the stub's answer once the tool said `snow`
GOLDEN = Path("golden/test_agent/test_weather.jsonl")
CASSETTE = Path("cassettes/test_weather.yaml")

TEST = f'''\
"""The agent under test: one streamed tool call, then a streamed answer (written by bench/golden_vs_cassette.py)."""
import json
import os

import openai
import pytest
from llm_stub_server import StubServer

KEY = {KEY!r}
QUESTION = {QUESTION!r}
ANSWER = {ANSWER!r}
TOOL = {{"type": "function", "function": {{"name": "get_weather", "parameters": {{
    "type": "object", "properties": {{"city": {{"type": "string"}}}}, "required": ["city"]}}}}}}


def get_weather(city):
    return {{"oslo": "snow"}}.get(city.lower(), "no forecast")


def streamed(client, messages, **options):
    """The streamed reply read to its end: its text, and its tool call (id, name, arguments) if it made one."""
    text, call = "", {{"id": "", "name": "", "arguments": ""}}
    for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True, **options):
        delta = chunk.choices[0].delta if chunk.choices else None
        text += (delta.content or "") if delta else ""
        for part in (delta.tool_calls or []) if delta else []:
            call["id"] += part.id or ""
            call["name"] += part.function.name or ""
            call["arguments"] += part.function.arguments or ""
    return text, call if call["name"] else None


def agent(client):
    messages = [{{"role": "user", "content": QUESTION}}]
    _, call = streamed(client, messages, tools=[TOOL])
    messages.append({{"role": "assistant", "tool_calls": [{{"id": call["id"], "type": "function",
                     "function": {{"name": call["name"], "arguments": call["arguments"]}}}}]}})
    messages.append({{"role": "tool", "tool_call_id": call["id"],
                     "content": get_weather(**json.loads(call["arguments"]))}})
    text, _ = streamed(client, messages)
    return text


@pytest.fixture
def model():
    """The stand-in model, on the port the bench chose (the same when recording and replaying)."""
    with StubServer(api_key=KEY, port=int(os.environ["BENCH_PORT"])) as server:
        yield server


def ask(model):
    answer = agent(openai.OpenAI(base_url=model.openai_url, api_key=KEY, max_retries=0))
    assert answer == ANSWER
    assert not (os.environ.get("BENCH_REPLAY") and model.hits), f"a replay reached the model: {{model.hits}}"


@pytest.mark.n3replay
def test_weather(model):
    ask(model)


def test_weather_cassette(model):
    import vcr

    with vcr.use_cassette({str(CASSETTE)!r}, record_mode=os.environ.get("BENCH_VCR_MODE", "once")):
        ask(model)
'''


@dataclass
class Reading:
    """What one recorded file holds, as a reviewer reads it in a pull request's diff."""

    name: str
    path: str
    bytes: int
    lines: int
    longest_line: int  # characters
    answer_whole: bool  # the final answer appears in the text as one string
    answer_frames: int  # SSE frames each holding a piece of an answer's text (`delta.content`)
    frames: int  # SSE frames in all
    api_key: bool  # the key the test sent is in the file
    request_headers: int  # request headers recorded, over all requests
    question_on_one_line: bool  # the question reads on one line of the file


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_test(directory: Path) -> None:
    """The test and the stub model it talks to, in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "test_agent.py").write_text(TEST, encoding="utf-8")
    for name in ("llm_stub_server.py", "llm_stub_apis.py"):
        shutil.copy2(EXAMPLES / name, directory / name)


def run_pytest(directory: Path, *arguments: str, **environ: str) -> None:
    """One pytest process in `directory`; the script stops with its output if the test did not pass."""
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *arguments]
    done = subprocess.run(argv, cwd=directory, capture_output=True, text=True, check=False,
                          env={**os.environ, **environ})
    if done.returncode != 0:
        sys.exit(f"golden_vs_cassette: `{' '.join(argv[1:])}` failed (exit {done.returncode}):\n"
                 f"{done.stdout[-3000:]}{done.stderr[-2000:]}")


def free_port() -> int:
    """A port on 127.0.0.1 free now: the stand-in model listens on it when recording and when replaying, so a
    cassette's URI (vcrpy matches the port) is the same."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def read(name: str, path: Path) -> Reading:
    text = path.read_text(encoding="utf-8")
    frames, headers = _cassette(text) if name == "cassette" else _golden(text)
    return Reading(name=name, path=str(path), bytes=len(text.encode("utf-8")), lines=text.count("\n"),
                   longest_line=max(len(line) for line in text.splitlines()),
                   answer_whole=ANSWER in text or json.dumps(ANSWER)[1:-1] in text,
                   answer_frames=sum(1 for frame in frames if _content(frame)), frames=len(frames),
                   api_key=KEY in text, request_headers=headers,
                   question_on_one_line=any(QUESTION in line for line in text.splitlines()))


def _cassette(text: str) -> tuple[list[object], int]:
    """The SSE frames of a cassette's response bodies, and how many request headers it keeps."""
    import yaml  # noqa: PLC0415 - vcrpy's own dependency

    frames: list[object] = []
    headers = 0
    for interaction in yaml.safe_load(text)["interactions"]:
        headers += len(interaction["request"]["headers"])
        body = interaction["response"]["body"]["string"]
        frames += [json.loads(data) for data in re.findall(r"^data: (.*)$", body, re.M) if data != "[DONE]"]
        frames += ["[DONE]"] * body.count("data: [DONE]")
    return frames, headers


def _golden(text: str) -> tuple[list[object], int]:
    """The SSE frames the golden file keeps of its responses, and how many request headers it keeps."""
    frames: list[object] = []
    headers = 0
    for line in text.splitlines():
        event = json.loads(line)
        outputs = event.get("outputs")
        returned = outputs.get("return") if isinstance(outputs, dict) else None
        if isinstance(returned, dict):
            frames += [frame.get("data") for frame in returned.get("frames") or [] if isinstance(frame, dict)]
        http = (event.get("attrs") or {}).get("http")
        headers += len(http.get("headers") or {}) if isinstance(http, dict) else 0
    return frames, headers


def _content(frame: object) -> bool:
    """Whether an SSE frame of a chat stream carries a piece of the answer's text."""
    if not isinstance(frame, dict):
        return False
    return any((choice.get("delta") or {}).get("content") for choice in frame.get("choices") or [])


def measure(directory: Path) -> list[Reading]:
    """Record the test both ways, replay each (the model must not be reached), and read the two files."""
    write_test(directory)
    port = str(free_port())
    no_plugin = ("-p", "no:namel3ss_debug", "-W", "ignore::pytest.PytestUnknownMarkWarning")
    progress("golden file: pytest --n3-record=once")
    run_pytest(directory, "test_agent.py::test_weather", "--n3-record=once", BENCH_PORT=port)
    progress("cassette: vcrpy, record_mode once")
    run_pytest(directory, *no_plugin, "test_agent.py::test_weather_cassette", BENCH_PORT=port)
    progress("replays: pytest --n3-record=none; vcrpy record_mode none")
    run_pytest(directory, "test_agent.py::test_weather", "--n3-record=none", BENCH_PORT=port, BENCH_REPLAY="1")
    run_pytest(directory, *no_plugin, "test_agent.py::test_weather_cassette", BENCH_PORT=port, BENCH_REPLAY="1",
               BENCH_VCR_MODE="none")
    return [read("golden", directory / GOLDEN), read("cassette", directory / CASSETTE)]


def versions() -> dict[str, str]:
    from importlib.metadata import version  # noqa: PLC0415 - only for the header

    return {name: version(name) for name in ("namel3ss-debug", "vcrpy", "openai", "pytest")} | {
        "python": platform.python_version()}


def table(readings: list[Reading]) -> str:
    rows = [("", *(reading.name for reading in readings)),
            ("bytes", *(f"{reading.bytes:,}" for reading in readings)),
            ("lines", *(str(reading.lines) for reading in readings)),
            ("longest line (characters)", *(f"{reading.longest_line:,}" for reading in readings)),
            ("the final answer as one string", *(_yes(reading.answer_whole) for reading in readings)),
            ("SSE frames holding answer text", *(str(reading.answer_frames) for reading in readings)),
            ("SSE frames in all", *(str(reading.frames) for reading in readings)),
            ("the API key", *("present" if reading.api_key else "absent" for reading in readings)),
            ("request headers kept", *(str(reading.request_headers) for reading in readings)),
            ("the question on one line", *(_yes(reading.question_on_one_line) for reading in readings))]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    parser.add_argument("--keep", metavar="DIR", help="write the test and both recordings into DIR and leave them")
    options = parser.parse_args(argv)
    if importlib.util.find_spec("vcr") is None:
        print("golden_vs_cassette: vcrpy is not installed: pip install vcrpy", file=sys.stderr)
        return 2
    if options.keep:
        directory = Path(options.keep).resolve()
        if directory.exists() and any(directory.iterdir()):
            print(f"golden_vs_cassette: --keep {options.keep}: not an empty directory", file=sys.stderr)
            return 2
        readings = measure(directory)
    else:
        with tempfile.TemporaryDirectory(prefix="golden-vs-cassette-") as temporary:
            readings = measure(Path(temporary))
    if options.json:
        print(json.dumps({"schema": SCHEMA, "versions": versions(), "files": [asdict(r) for r in readings],
                          "replayed": True}, indent=2))
        return 0
    print("versions: " + ", ".join(f"{name} {number}" for name, number in versions().items()))
    print(table(readings))
    print("both replayed (--n3-record=none; record_mode none): the same answer, no request reached the model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
