"""Golden answers: what `analyze` (of each run whole, and of a window of it), `check`, `diff` and `replay` print as
JSON for a set of random traces, held byte for byte against the answers the release gave (`tests/golden/answers`).

The traces (`traces/`) are random runs of the test factories, written once and kept as they are, so a change to
a factory does not move them: `analysisruns.random_run` (every figure analyze keeps: overlapping calls, repeats,
retries, failures, errors, memory, calls near a context window), `tracefactory.random_calls_run` (what diff's call
recorder reads: spans ended in any order or never, odd field types, another run's events) and
`serverruns.server_run` (nested agents, instants, orphans, seqs out of order). The commands run as this
install builds them, each trace read whole, in one process. `test_without_compiler.py` holds the Python references
to the compiled code; these hold a whole read to what the release printed.

After a deliberate change of an answer, write them again with
`NAMEL3SS_UPDATE_GOLDEN=1 pytest tests/e2e/test_answers_golden.py` and read the diff before committing it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from namel3ss_debug.analysis import split_run
from namel3ss_debug.cli.main import cli
from namel3ss_debug.diffing.call_parts import JoiningRecorder
from namel3ss_debug.ops import diff_sides, workers
from namel3ss_debug.ops.reading import parts as split

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "answers"
TRACES = sorted(path.name for path in (GOLDEN / "traces").glob("*.jsonl"))
# analyze of a window of each run: what its filters drop is read but not counted (the pass's `Options.counted`)
WINDOW = ["--since", "+0.1s", "--component", "agent", "--component", "llm", "--component", "tool", "--slow-threshold",
          "5ms", "--block-threshold", "20ms"]
RULES = ["--max-errors", "3", "--max-p95", "llm=300ms", "--require", "llm", "--require-order", "agent,llm",
         "--clean-integrity", "--forbid-secrets"]


def commands(trace: str) -> dict[str, list[str]]:
    """Each command's arguments for a trace; `diff` compares it with the next trace of the list."""
    other = TRACES[(TRACES.index(trace) + 1) % len(TRACES)]
    return {"analyze": ["analyze", trace, "--no-cache", "--format", "json"],
            "check": ["check", trace, *RULES, "--format", "json"],
            "diff": ["diff", trace, other, "--no-cache", "--format", "json"],
            "replay": ["replay", trace, "--break", "errors", "--format", "json", "--no-cache"],
            "window": ["analyze", trace, *WINDOW, "--no-cache", "--format", "json"]}


def answer(args: list[str]) -> bytes:
    """The command's exit code and output, the version it names left out (it changes with every release)."""
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    try:  # one JSON document (analyze, check, diff), or JSON lines (replay's stops)
        documents = [orjson.loads(result.stdout_bytes)]
    except orjson.JSONDecodeError:
        documents = [orjson.loads(line) for line in result.stdout_bytes.splitlines()]
    for document in documents:
        if isinstance(document, dict):
            document.pop("generated_by", None)
    lines = [orjson.dumps(document, option=orjson.OPT_INDENT_2) for document in documents]
    return b"exit %d\n" % result.exit_code + b"\n".join(lines) + b"\n"


@pytest.fixture
def traces(isolated_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The traces copied into the test's own directory (answers name them as given), with no colour and a cache
    directory of its own."""
    for name in TRACES:
        shutil.copy(GOLDEN / "traces" / name, isolated_workspace / name)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(isolated_workspace / "cache"))
    return isolated_workspace


def test_there_are_traces_and_answers_for_each():
    assert len(TRACES) >= 10
    for trace in TRACES:
        for command in commands(trace):
            assert (GOLDEN / f"{trace}.{command}").exists() or os.environ.get("NAMEL3SS_UPDATE_GOLDEN")


@pytest.mark.parametrize("trace", TRACES)
@pytest.mark.parametrize("command", ["analyze", "check", "diff", "replay", "window"])
def test_the_answer_is_the_release_s(traces, trace, command):
    got = answer(commands(trace)[command])
    expected = GOLDEN / f"{trace}.{command}"
    if os.environ.get("NAMEL3SS_UPDATE_GOLDEN"):
        expected.write_bytes(got)
    assert got == expected.read_bytes()


@pytest.mark.parametrize("trace", TRACES)
@pytest.mark.parametrize("command", ["analyze", "check"])
def test_the_answer_of_a_run_read_in_parts_is_the_release_s(traces, trace, command, monkeypatch):
    """Each trace cut into three parts at any line (no look for a child of the root), each but the first read in a
    worker process (`--jobs 3`), as a big run is read: the answer is the release's, whichever parts were joined."""
    monkeypatch.setattr(split, "PART_BYTES", (traces / trace).stat().st_size // 3)
    monkeypatch.setattr(split, "LOOK_AHEAD", 1)
    monkeypatch.setattr(split, "HEAD_LINES", 4)  # a small trace: the run's first lines, where its root starts
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "fork")
    cuts: list[object] = []
    monkeypatch.setattr(split, "_cut", lambda *args, cut=split._cut: cuts.append(cut(*args)) or cuts[-1])
    joins: list[bool] = []
    monkeypatch.setattr(split_run, "join", lambda tally, part, join=split_run.join: joins.append(join(tally, part))
                        or joins[-1])
    assert answer([*commands(trace)[command], "--jobs", "3"]) == (GOLDEN / f"{trace}.{command}").read_bytes()
    assert cuts and cuts[0] is not None and len(cuts[0].spans) == 3  # read in three parts
    assert len(joins) == 2 and any(joins)  # a part joined at least (each, on all but two traces)


@pytest.mark.parametrize("trace", TRACES)
def test_the_diff_of_two_runs_read_at_once_is_the_release_s(traces, trace, monkeypatch):
    """`diff --jobs 2`: NEW read in a worker process while BASE is read here; the answer is the release's."""
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "fork")
    monkeypatch.setattr(diff_sides, "AT_ONCE_BYTES", 0)  # these runs are small
    at_once: list[bool] = []
    both = diff_sides.Sides.both

    def counted(*args):
        answer = both(*args)
        at_once.append(answer is not None)
        return answer

    monkeypatch.setattr(diff_sides.Sides, "both", counted)
    got = answer([*commands(trace)["diff"], "--jobs", "2"])
    assert got == (GOLDEN / f"{trace}.diff").read_bytes()
    assert at_once == [True] or got.startswith(b"exit 2\n")  # read at once, or a usage error before any read


@pytest.mark.parametrize("trace", TRACES)
def test_the_diff_of_runs_read_in_parts_is_the_release_s(traces, trace, monkeypatch):
    """`diff --jobs 3` where the two runs are not read at once: each read alone in three parts, as
    a big run is read (each cut moved to the next start of a child of the root; its calls recorded in each part and
    joined, `diffing/call_parts.py`); the answer is the release's, whichever parts were joined."""
    other = TRACES[(TRACES.index(trace) + 1) % len(TRACES)]
    monkeypatch.setattr(split, "PART_BYTES", min((traces / name).stat().st_size for name in (trace, other)) // 3)
    monkeypatch.setattr(split, "HEAD_LINES", 4)
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "fork")
    monkeypatch.setattr(diff_sides, "AT_ONCE_BYTES", 1 << 60)  # each run alone
    cuts: list[object] = []
    monkeypatch.setattr(split, "_cut", lambda *args, cut=split._cut: cuts.append(cut(*args)) or cuts[-1])
    adopted: list[int] = []
    monkeypatch.setattr(JoiningRecorder, "adopt", lambda recorder, part, adopt=JoiningRecorder.adopt:
                        adopted.append(len(part.table)) or adopt(recorder, part))
    got = answer([*commands(trace)["diff"], "--jobs", "3"])
    assert got == (GOLDEN / f"{trace}.diff").read_bytes()
    assert cuts and all(cut is not None and len(cut.spans) >= 2 for cut in cuts)  # each run read in parts
    # a part's calls joined (in a run of requests under its root), or a usage error (two runs in one)
    assert adopted or got.startswith(b"exit 2\n") or trace.startswith("calls")
