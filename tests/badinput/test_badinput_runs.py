"""What needs a process of its own: `trace` running tiny apps that feed the tracer hostile values, `replay
--rerun` of damaged recordings of a harmless app, signals (Ctrl-C, SIGTERM in the middle of a rewrite, a
reader that closes the pipe) and a gzip bomb; and export to
receivers that refuse or fail. Judged as every bad-input case is (harness.py).

A rerun runs code: every recording here is of `APP` below, written into the case's own directory, and the
damage never names another program (hostile values are data, never commands). A rerun the consent rule
refuses (an entry outside the project, and no terminal to ask) exits 2 with its reason: a sound outcome.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from basetraces import Base, make_base
from damage import MUTATIONS, bomb
from drivers import ProcessGate
from harness import child_env, invoke, spawn
from judge import assert_sound, problems

# A harmless app: one LLM call and one tool call, traced; it prints only the types of what it got back, so
# whatever a damaged recording answers, the app neither fails nor prints it.
APP = """\
from namel3ss_debug import span, trace_llm_call, trace_tool_call

@trace_llm_call(name="planner")
def plan(prompt):
    return {"text": "search for " + prompt}

@trace_tool_call(name="search")
def search(query):
    return ["r1", "r2"]

with span("agent", "worker"):
    answer = plan("cats")
    print(type(answer).__name__, type(search("x")).__name__)
"""


def traced(directory: Path, app: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    (directory / "app.py").write_text(app)
    return subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", "traces", *args, "app.py"],
                          cwd=directory, env=child_env(), capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """Where APP ran once, and its trace."""
    directory = tmp_path_factory.mktemp("recorded")
    done = traced(directory, APP)
    assert done.returncode == 0, done.stderr
    (trace,) = (directory / "traces").glob("*.jsonl")
    return directory, trace.read_bytes()


@pytest.fixture
def recording(recorded: tuple[Path, bytes], workspace: Path) -> list[dict[str, Any]]:
    """The events of that run as if APP had run in the case's directory (its paths moved there), so that a
    rerun of it runs this project's app, which the consent rule lets run."""
    directory, data = recorded
    moved = data.replace(json.dumps(str(directory))[1:-1].encode(), json.dumps(str(workspace))[1:-1].encode())
    return [orjson.loads(line) for line in moved.splitlines()]


# -- replay --rerun ----------------------------------------------------------------------------------------

RERUN_MUTATIONS = ("wrong_type", "hostile_strings", "numbers", "deep", "duplicate_keys", "missing_fields", "ids",
                   "truncated", "invalid_utf8", "nul_bytes", "concatenated", "long_string", "times", "reordered")
RUN_START_FIELDS = ("entry", "argv", "cwd", "python", "entry.kind", "entry.path", "entry.name")


def _rerun(workspace: Path, data: bytes) -> None:
    (workspace / "app.py").write_text(APP)
    (workspace / "old.jsonl").write_bytes(data)
    outcome = spawn(["replay", "--rerun", "--cwd", str(workspace), "-o", "new", "old.jsonl"], cwd=workspace)
    assert_sound(outcome)


@pytest.mark.parametrize("mutation", RERUN_MUTATIONS)
def test_a_rerun_of_a_damaged_recording(workspace: Path, request: Any, recording: list[dict[str, Any]],
                                        mutation: str) -> None:
    rng = random.Random(request.node.callspec.id)
    base = Base("v1", [dict(event) for event in recording])
    _rerun(workspace, MUTATIONS[mutation](rng, base, lambda: make_base("v1", rng, lambda events: [])))


@pytest.mark.parametrize("round_", range(2))
@pytest.mark.parametrize("field", RUN_START_FIELDS)
def test_a_rerun_whose_run_start_lies_about_how_the_app_started(workspace: Path, request: Any,
                                                                recording: list[dict[str, Any]], field: str,
                                                                round_: int) -> None:
    rng = random.Random(request.node.callspec.id)
    events = json.loads(json.dumps(recording))
    attrs = next(event for event in events if event["event_type"] == "run_start").setdefault("attrs", {})
    target, key = (attrs.setdefault("entry", {}), field.split(".")[1]) if "." in field else (attrs, field)
    # Data only: names of nothing that runs (an absent file, a directory, text), never a program.
    target[key] = rng.choice((None, 5, [], {}, "", "\x1b[2J", "missing.py", ".", "..", "/", "x" * 5000,
                              ["app.py", "\udcff"], {"kind": "bogus"}, str(workspace / "missing.py")))
    _rerun(workspace, b"".join(orjson.dumps(event, option=orjson.OPT_NON_STR_KEYS) + b"\n" for event in events))


# -- trace: apps that feed the tracer hostile values ---------------------------------------------------------

HOSTILE_APPS = {
    "names": "from namel3ss_debug import span\nfor name in ('\\x1b[2J\\x1b]0;N3PWN\\x07', '[blink]N3MK[/blink]', "
             "'\\ud800', '\\u202eN3BIDI', ''):\n    with span('tool', name):\n        pass\n",
    "payloads": "from namel3ss_debug import trace_tool_call\nimport math\ndeep = []\nfor _ in range(5000):\n"
                "    deep = [deep]\nloop = []\nloop.append(loop)\nclass Bad:\n    def __repr__(self):\n"
                "        raise RuntimeError('no repr')\n@trace_tool_call(name='t')\ndef t(*a, **k):\n    return a\n"
                "t(deep, loop, Bad(), 10**400, math.nan, math.inf, b'\\xff\\x00', 'x' * 3_000_000, {1: 2, (1,): 3},"
                " '\\udcff')\n",
    "raises": "from namel3ss_debug import span\nwith span('agent', 'a'):\n"
              "    raise ValueError('\\x1b[2J boom [blink]N3MK[/blink]')\n",
    "syntax-error": "def (:\n",
    "empty": "",
    "exits-hard": "import os\nfrom namel3ss_debug import span\nwith span('tool', 't'):\n    os._exit(0)\n",
    "closes-streams": "import os\nos.close(1)\nos.close(2)\n",
    "kills-itself": "import os, signal\nfrom namel3ss_debug import span\nwith span('tool', 't'):\n"
                    "    os.kill(os.getpid(), signal.SIGTERM)\n",
    "threads": "import threading\nfrom namel3ss_debug import span\ndef work(n):\n    with span('tool', str(n)):\n"
               "        pass\nts = [threading.Thread(target=work, args=(n,)) for n in range(50)]\n"
               "[t.start() for t in ts]\n",
    "null-bytes": "print('ok')\x00\n",
}
APP_FAILS = {"raises", "syntax-error", "null-bytes"}  # its own traceback (or Python's error) is on stderr


@pytest.mark.parametrize("app", HOSTILE_APPS)
def test_trace_of_an_app_that_feeds_it_hostile_values(workspace: Path, app: str) -> None:
    (workspace / "app.py").write_text(HOSTILE_APPS[app], errors="surrogatepass")
    outcome = spawn(["trace", "-o", "traces", "app.py"], cwd=workspace)
    found = problems(outcome, app_traceback=app in APP_FAILS)
    if outcome.exit_code not in (None, 0, 1, 2, 3) and app in ("kills-itself", "exits-hard"):
        found = [item for item in found if not item.startswith("exit code")]  # the app's own way out
    assert not found, "\n".join(found) + "\n" + outcome.summary()
    for trace in (workspace / "traces").glob("*.jsonl"):  # what it wrote, read back
        assert_sound(invoke(["analyze", "--no-pager", str(trace)]))
        assert_sound(invoke(["inspect", "--no-pager", "--tree", str(trace)]))


# -- trace: a namel3ss .ai app given hostile input, or a broken source ---------------------------------------

AI_APP = Path(__file__).resolve().parents[2] / "examples" / "namel3ss_app" / "app.ai"
AI_CASES = {
    "input-escapes": (["--input", '{"city": "\\u001b[2J\\u001b]0;N3PWN\\u0007[blink]N3MK[/blink]"}'], None),
    "input-not-json": (["--input", "{"], None),
    "input-deep": (["--input", "[" * 5000 + "]" * 5000], None),
    "input-numbers": (["--input", '{"city": NaN, "n": ' + "9" * 5000 + "}"], None),
    "flow-unknown": (["--flow", "\x1b[2J", "--input", '{"city": "Paris"}'], None),
    "source-truncated": (["--input", '{"city": "Paris"}'], lambda source: source[: len(source) // 2]),
    "source-nul": (["--input", '{"city": "Paris"}'], lambda source: source.replace(b"agent", b"ag\x00ent", 1)),
    "source-not-utf8": (["--input", '{"city": "Paris"}'], lambda source: b"\xff\xfe" + source),
}


@pytest.mark.skipif(importlib.util.find_spec("namel3ss") is None, reason="the namel3ss runtime is not installed")
@pytest.mark.parametrize("case", AI_CASES)
def test_trace_of_a_namel3ss_app_with_hostile_input(workspace: Path, case: str) -> None:
    args, damage = AI_CASES[case]
    source = AI_APP.read_bytes()
    (workspace / "app.ai").write_bytes(damage(source) if damage else source)
    # An app that does not load fails as the app (exit 1) in one line, as `n3` says it: no traceback.
    outcome = spawn(["trace", "-q", "-o", "traces", *args, "app.ai"], cwd=workspace)
    assert_sound(outcome)
    if case in ("source-truncated", "source-not-utf8"):  # (a NUL in a word still loads: the runtime reads past it)
        errors = [line for line in outcome.stderr.splitlines() if line.startswith("namel3ss-debug: error: app.ai")]
        assert outcome.exit_code == 1 and len(errors) == 1, outcome.summary()


# -- signals and closed pipes --------------------------------------------------------------------------------

def big_trace(path: Path, rng: random.Random, megabytes: int) -> Path:
    base = make_base("v1", rng, lambda events: [])
    text = base.text()
    path.write_bytes(text * (megabytes * (1 << 20) // len(text) + 1))
    return path


@pytest.mark.parametrize(("argv", "stop_after"), [
    (["inspect", "--format", "jsonl", "big.jsonl"], 200),
    (["inspect", "--no-pager", "big.jsonl"], 200),
    (["analyze", "--no-pager", "--no-cache", "small.jsonl"], 10),
    (["export", "--to", "otlp-json", "big.jsonl", "-"], 100),
    (["config", "show"], 5),
])
def test_a_reader_that_closes_the_pipe_early(workspace: Path, argv: list[str], stop_after: int) -> None:
    rng = random.Random(" ".join(argv))
    big_trace(workspace / "big.jsonl", rng, 2)
    (workspace / "small.jsonl").write_bytes(make_base("v1", rng, lambda events: []).text())
    command = " ".join([sys.executable, "-m", "namel3ss_debug", *argv])
    outcome = spawn(argv, cwd=workspace, program=[
        "bash", "-c", f"{command} | head -c {stop_after} >/dev/null; exit ${{PIPESTATUS[0]}}"])
    assert_sound(outcome)
    assert "Exception ignored" not in outcome.stderr and "BrokenPipe" not in outcome.stderr, outcome.summary()


def _interrupt_after(seconds: float, sig: int, reading: str) -> Any:
    """Sends `sig` `seconds` after the process opened `reading` (its work has begun: a signal during the
    interpreter's start-up is Python's to report, not ours)."""

    def drive(process: subprocess.Popen) -> list[str]:
        gate, deadline = ProcessGate(process), time.monotonic() + 10
        while gate.open and time.monotonic() < deadline and not _has_open(process.pid, reading):
            time.sleep(0.005)
        time.sleep(seconds)
        if gate.open:
            os.kill(process.pid, sig)
        return []

    return drive


def _has_open(pid: int, name: str) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}").endswith(name) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False

@pytest.mark.parametrize("delay", [0.0, 0.2, 0.6])
@pytest.mark.parametrize("argv", [["analyze", "--no-pager", "--no-cache", "big.jsonl"],
                                  ["report", "-o", "out.html", "big.jsonl"],
                                  ["diff", "big.jsonl", "big.jsonl"]])
def test_ctrl_c_in_the_middle_of_a_command(workspace: Path, argv: list[str], delay: float) -> None:
    big_trace(workspace / "big.jsonl", random.Random("ctrl-c"), 8)
    outcome = spawn(argv, cwd=workspace, driver=_interrupt_after(delay, signal.SIGINT, "big.jsonl"))
    # 130 is the shell's word for Ctrl-C, and so is an end by the signal itself (-2 here): with two busy cores
    # `analyze` ended so after click's "Aborted!" in 2 of 12 tries (its cause not traced yet)
    interrupted = outcome.exit_code in (130, -signal.SIGINT)
    found = [item for item in problems(outcome) if not (item.startswith("exit code") and interrupted)]
    assert not found, "\n".join(found) + "\n" + outcome.summary()


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2, 0.5])
def test_redact_killed_in_the_middle_leaves_the_trace_whole(workspace: Path, delay: float) -> None:
    rng = random.Random(f"redact-kill-{delay}")
    trace = big_trace(workspace / "run.jsonl", rng, 4)
    secret = b'"content":"my key is sk-proj-' + b"A1b2C3d4" * 6 + b'"'
    trace.write_bytes(trace.read_bytes().replace(b'"content":"hi"', secret))
    before = trace.read_bytes()
    lines = before.splitlines()
    assert secret in before
    spawn(["redact", "run.jsonl"], cwd=workspace, driver=_interrupt_after(delay, signal.SIGTERM, "run.jsonl"))
    after = trace.read_bytes()
    assert after == before or (len(after.splitlines()) == len(lines)
                               and all(orjson.loads(line) for line in after.splitlines())), \
        "a redact stopped by SIGTERM left the trace neither as it was nor whole"


# -- what no in-process case can bound ------------------------------------------------------------------------

def test_a_gzip_bomb(workspace: Path) -> None:
    (workspace / "bomb.jsonl.gz").write_bytes(bomb(random.Random("bomb")))
    for argv in (["analyze", "--no-pager", "bomb.jsonl.gz"], ["inspect", "--no-pager", "bomb.jsonl.gz"]):
        assert_sound(spawn(argv, cwd=workspace))


# -- export to receivers that fail ----------------------------------------------------------------------------

@pytest.mark.parametrize("receiver", ["busy", "refused"])
@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_export_to_a_receiver_that_fails(workspace: Path, receivers: dict[str, str], receiver: str,
                                         protocol: str) -> None:
    trace = workspace / "run.jsonl"
    trace.write_bytes(make_base("v1", random.Random(receiver), lambda events: []).text())
    outcome = invoke(["export", "--to", "otlp", "--protocol", protocol, "--endpoint", receivers[receiver],
                      "--timeout", "2", str(trace)])
    assert_sound(outcome)
    assert outcome.exit_code == 1, outcome.summary()

