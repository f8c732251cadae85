"""Public failed-agent runs, labelled with the responsible agent and the decisive step (by people, or where the data's
makers injected the mistake), converted into our trace format, so that `bench/blame_accuracy.py` can measure the
blame on runs nobody wrote for it.

    git clone https://github.com/RUCBM/AgentProcessBench                 # 0a42606 (data/AgentProcessBench/*.jsonl)
    python bench/blame_corpus_convert.py AgentProcessBench /tmp/blame-corpus
    git clone https://github.com/bingreeky/AgenTracer                    # 30544fd (data/tracertraj-code-test.parquet)
    python bench/blame_corpus_convert.py AgenTracer /tmp/blame-corpus      # a parquet file needs pyarrow
    python bench/blame_accuracy.py /tmp/blame-corpus

The snapshot is read from the path given (a checkout, any folder holding `data/AgentProcessBench/*.jsonl` or
`data/tracertraj-*.parquet`, or one TracerTraj file, `.parquet` or `.jsonl`), never from the network. Each failed run
becomes `OUT/<dataset>/<n>.jsonl`, recorded by our own tracer API as an app that ran the conversation would record it.

AgentProcessBench (one agent and its user) is converted here; AgenTracer's TracerTraj (a MetaGPT team) by
`blame_corpus_team.py`, whose docstring says how:

- a root `agent_execution` span for the system (`<dataset>-agent`), its system prompt and tools as inputs;
- one `agent_turn` span per message, named by whoever spoke (`user`, `assistant`), as `trace_agent_turn(name, n)`
  names it, its text as output;
- in an assistant's turn, an `llm_call` (`chat`: the messages it read since its last turn in, its text and tool
  calls out) and one `tool_call` per call it made (named by the tool, its arguments in, the tool message out); a
  call the dataset's tool metrics mark as not successful ends failed with the tool's text as its error;
- the run's end failed (the final answer was judged wrong: that is what makes it one of the failed runs).

`OUT/labels.json` maps our run id to its label: the dataset, the source record, the responsible agent, the decisive
step as a turn index (0 = the first `agent_turn` span) and as our call address (`agent:assistant#2`), the agent
system the run belongs to (`system`: what the bench groups by and leaves out; `hotpotqa-agent`, `tau2-airline` for
AgentProcessBench's tau2-bench airline file, `metagpt-kodcode` for TracerTraj's code split) and the run's number of
`agent_turn` spans (`steps`).

AgentProcessBench's `gaia_dev`, `bfcl` and `tau2` files are 4 MiB or more: a full `git clone` has them (the
snapshot mounted where this converter was written held `hotpotqa.jsonl` only), and each becomes a dataset and a
system of its own with no other step.

The data's convention (AgentProcessBench, arXiv 2603.14465): people labelled each assistant message +1, 0 or -1 and
the whole run (`final_label`, -1: failed); the decisive step is the first message labelled -1 (the paper's "first
error"), its speaker the responsible agent. A failed run with no message labelled -1 has no decisive step and is
skipped (counted on stderr).

"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import importlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the team's converter and what both share, beside this

from namel3ss_debug import span, trace_agent_turn
from namel3ss_debug.integrations.tools import run_tool
from namel3ss_debug.testing.capture import capture_events
from namel3ss_debug.tracer.api import get_tracer
from blame_corpus_common import Label, ToolFailed, answered
from blame_corpus_team import record_team_run, tracertraj_label

APB_DATA = Path("data") / "AgentProcessBench"
TRACERTRAJ = "tracertraj-*"  # AgenTracer's files under data/


@dataclass(frozen=True)
class Turn:
    """One message become an agent's turn: who spoke, the message's index, and the tool messages it was answered by."""

    agent: str
    index: int
    message: dict[str, Any]
    read: list[dict[str, Any]]  # what the speaker read since its last turn (for an assistant: its model's input)
    answers: list[dict[str, Any]]  # the tool messages that answered its calls


def tool_calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The calls of an assistant message: a list, its JSON, or the repr of a Python list (as AgentProcessBench
    stores them); [] when there are none or they do not parse."""
    calls = message.get("tool_calls")
    if isinstance(calls, str):
        try:
            calls = ast.literal_eval(calls)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            try:
                calls = json.loads(calls)
            except ValueError:
                return []
    return [call for call in calls if isinstance(call, dict)] if isinstance(calls, list) else []


def call_parts(call: dict[str, Any]) -> tuple[str, Any, Optional[str]]:
    """A call's tool name, its arguments (parsed when they are JSON) and its id."""
    inner = call.get("function")
    function: dict[str, Any] = inner if isinstance(inner, dict) else call
    name = str(function.get("name") or "tool")
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            pass
    return name, arguments, call.get("id")


def turns_of(messages: list[dict[str, Any]]) -> list[Turn]:
    """The messages as turns: each user or assistant message is one; a tool message answers the assistant turn
    before it; system messages are the system's, not a turn."""
    turns: list[Turn] = []
    read: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        role = str(message.get("role") or "unknown")
        if role == "system":
            continue
        if role == "tool" and turns and turns[-1].agent == "assistant":
            turns[-1].answers.append(message)
            read.append(message)
            continue
        turns.append(Turn(role, index, message, read if role == "assistant" else [], []))
        read = [message] if role != "assistant" else []
    return turns


def label_of(record: dict[str, Any], turns: list[Turn], dataset: str, source: str) -> Optional[Label]:
    """The first message labelled -1 as the decisive step; None when the run did not fail or has none."""
    if record.get("final_label") != -1:
        return None
    wrong = sorted(int(index) for index, value in (record.get("step_labels") or {}).items() if value == -1)
    for position, turn in enumerate(turns):
        if wrong and turn.index == wrong[0]:
            number = sum(1 for earlier in turns[:position + 1] if earlier.agent == turn.agent)
            return Label(dataset, source, turn.agent, position, f"agent:{turn.agent}#{number}")
    return None


def record_run(record: dict[str, Any], system: str) -> tuple[str, list[dict[str, Any]]]:
    """The run as our tracer records it: its run id and its events."""
    messages = [message for message in record.get("messages") or [] if isinstance(message, dict)]
    statuses = [call.get("status") for calls in (record.get("tool_metrics") or {}).values()
                if isinstance(calls, list) for call in calls if isinstance(call, dict)]
    with capture_events() as run:
        prompt = [message.get("content") for message in messages if message.get("role") == "system"]
        with span(system, "agent", event_prefix="agent_execution",
                  inputs={"system": "\n".join(str(text) for text in prompt), "tools": record.get("tools")}):
            calls_made = 0
            counts: dict[str, int] = {}
            for turn in turns_of(messages):
                counts[turn.agent] = counts.get(turn.agent, 0) + 1
                with trace_agent_turn(turn.agent, counts[turn.agent]) as said:
                    said.set_outputs({"output": turn.message.get("content")})
                    if turn.agent == "assistant":
                        calls_made = assistant_turn(turn, statuses, calls_made)
        get_tracer().end_run("failed", reason="the final answer was judged wrong")
    return str(run.events[0]["run_id"]), list(run.events)


def assistant_turn(turn: Turn, statuses: list[Any], calls_made: int) -> int:
    """The model call and the tool calls of an assistant's turn, recorded as a framework's hooks record them (the
    model's calls in its outputs, each tool span linked to it by the call's id); returns the number of calls made so
    far in the run (the dataset's tool statuses are in the order the calls were made)."""
    calls = [call_parts(call) for call in tool_calls(turn.message)]
    with span("chat", "llm", event_prefix="llm_call", inputs={"messages": turn.read}) as model:
        model.set_outputs({"text": turn.message.get("content"),
                           "tool_calls": [{"id": call_id, "name": name, "arguments": arguments}
                                          for name, arguments, call_id in calls]})
    answers = {answer.get("tool_call_id"): answer for answer in turn.answers}
    for position, (name, arguments, call_id) in enumerate(calls):
        answer = answers.get(call_id) or (turn.answers[position] if position < len(turn.answers) else None)
        text = answer.get("content") if answer else None
        status = statuses[calls_made] if calls_made < len(statuses) else "success"
        calls_made += 1
        try:
            run_tool(get_tracer(), "AgentProcessBench", name, arguments, functools.partial(answered, text, status),
                     call_id=call_id)
        except ToolFailed:
            pass  # the span ended failed; the agent went on, as the run did
    return calls_made


def data_files(snapshot: Path) -> tuple[str, list[Path]]:
    """The snapshot's format (`tracertraj` or `agentprocessbench`) and its data files, in name order."""
    if snapshot.is_file():
        return "tracertraj", [snapshot]
    found = sorted(path for path in (snapshot / "data").glob(TRACERTRAJ) if path.suffix in (".parquet", ".jsonl"))
    if found:
        return "tracertraj", found
    folder = snapshot / APB_DATA if (snapshot / APB_DATA).is_dir() else snapshot
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"blame_corpus_convert: no {APB_DATA}/*.jsonl or data/{TRACERTRAJ}.parquet under {snapshot}")
    return "agentprocessbench", files


def records(files: list[Path]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(dataset, source, record) of each data file, in file and line order; the dataset is the file's name."""
    for path in files:
        if path.suffix == ".parquet":
            for number, row in enumerate(parquet_rows(path)):
                yield path.stem, f"{path.name}#{number}", row
            continue
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                if line.strip():
                    yield path.stem, f"{path.name}#{number}", parsed(line, path, number)


def parquet_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a parquet file, read by pyarrow (not a dependency of namel3ss-debug)."""
    try:
        parquet = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise SystemExit(f"blame_corpus_convert: reading {path} needs pyarrow (pip install pyarrow)") from None
    try:
        rows: list[dict[str, Any]] = parquet.read_table(path).to_pylist()
    except (OSError, ValueError) as exc:
        raise SystemExit(f"blame_corpus_convert: {path}: not a parquet file ({exc})") from None
    return rows


def parsed(line: str, path: Path, number: int) -> dict[str, Any]:
    """One record of a data file; a line that is not a JSON object stops the conversion with one line saying where."""
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise SystemExit(f"blame_corpus_convert: {path}:{number + 1}: not a JSON record ({exc})") from None
    if not isinstance(record, dict):
        raise SystemExit(f"blame_corpus_convert: {path}:{number + 1}: not a JSON object")
    return record


@dataclass(frozen=True)
class Format:
    """How a data format's record becomes a labelled run: its label (None: not one to keep; `skipped` says whether
    it is a failed run without a usable label, counted on stderr), the name of its root span, its recording, and
    the agent system it belongs to (the name the bench groups and leaves out by: one app, its agents and tasks)."""

    label: Callable[[str, str, dict[str, Any]], tuple[Optional[Label], bool]]
    system: Callable[[str], str]
    record: Callable[[dict[str, Any], str], tuple[str, list[dict[str, Any]]]]
    group: Callable[[str], str]


def apb_label(dataset: str, source: str, record: dict[str, Any]) -> tuple[Optional[Label], bool]:
    turns = turns_of([message for message in record.get("messages") or [] if isinstance(message, dict)])
    label = label_of(record, turns, dataset, source)
    return label, label is None and record.get("final_label") == -1


# AgentProcessBench's tau2 file is tau2-bench's airline domain (a simulated user, the airline's policy); its other
# files are one tool-using agent each. TracerTraj's code split is a MetaGPT team on KodCode tasks.
APB_SYSTEMS = {"tau2": "tau2-airline"}
TRACERTRAJ_SYSTEMS = {"tracertraj-code": "metagpt-kodcode"}

FORMATS = {"agentprocessbench": Format(apb_label, lambda dataset: f"{dataset}-agent", record_run,
                                       lambda dataset: APB_SYSTEMS.get(dataset, f"{dataset}-agent")),
           "tracertraj": Format(tracertraj_label, lambda dataset: "metagpt", record_team_run,
                                lambda dataset: next((system for prefix, system in TRACERTRAJ_SYSTEMS.items()
                                                      if dataset.startswith(prefix)), dataset))}


def convert(snapshot: Path, out: Path) -> dict[str, dict[str, Any]]:
    """Every failed, labelled run of the snapshot written under `out`, with `out/labels.json`; returns the labels.
    The labels of other datasets already in `out/labels.json` are kept; a dataset converted again is replaced."""
    out = out.resolve()
    kind, files = data_files(snapshot.resolve())
    datasets = {path.stem for path in files}
    labels = {run_id: label for run_id, label in earlier_labels(out).items() if label.get("dataset") not in datasets}
    for dataset in datasets:
        shutil.rmtree(out / dataset, ignore_errors=True)
    written = skipped = 0
    with contextlib.chdir(out.parent):  # the tracer's settings are its defaults, not a workspace's found from here
        for dataset, source, record in records(files):
            found = convert_one(FORMATS[kind], dataset, source, record, out, labels)
            written, skipped = written + (found is True), skipped + (found is None)
    (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
    print(f"{written} failed runs written to {out}; {skipped} failed runs with no usable label skipped",
          file=sys.stderr)
    return labels


def earlier_labels(out: Path) -> dict[str, dict[str, Any]]:
    """The labels a conversion already wrote in `out`; none when there are none or they do not parse."""
    try:
        labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {run_id: label for run_id, label in labels.items() if isinstance(label, dict)} \
        if isinstance(labels, dict) else {}


def convert_one(data: Format, dataset: str, source: str, record: dict[str, Any], out: Path,
                labels: dict[str, dict[str, Any]]) -> Optional[bool]:
    """Write the record's run and add its label when it failed and is labelled: True when written, None when it
    failed with no usable label, False when it is not a failed run."""
    label, skipped = data.label(dataset, source, record)
    if label is None:
        return None if skipped else False
    run_id, events = data.record(record, data.system(dataset))
    number = sum(1 for earlier in labels.values() if earlier.get("dataset") == dataset)
    path = out / dataset / f"{number:04d}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(json.dumps(event).encode() + b"\n" for event in events))
    steps = sum(1 for event in events if event.get("event_type") == "agent_turn_start")
    labels[run_id] = {"file": str(path.relative_to(out)), **label.__dict__, "system": data.group(dataset),
                      "steps": steps}
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", type=Path,
                        help="a checkout of RUCBM/AgentProcessBench or bingreeky/AgenTracer, or a data file or folder")
    parser.add_argument("out", type=Path, help="where the traces and labels.json go")
    args = parser.parse_args()
    convert(args.snapshot, args.out)


if __name__ == "__main__":
    main()
