"""Directories of many realistic runs, written fast, for the run index's tests and bench.

    run_ids = write_runs(directory, 10_000, seed=0)   # a few seconds; the same runs for the same seed

Each run is one of a few template runs recorded once per process with the real tracer (the library's decorators
and `span`, written by its file writer, rotation included), then written again as bytes with what differs from
run to run put in: run id (its UTC start time and six hex digits, as `tracer/clock.new_run_id` makes it), entry,
timestamps (start times spread over 30 days, each event on a simulated clock, so every end's `duration_ms` is its
span's time), token usage, the model (one of three, one of them unpriced), tags (`run_start.attrs.tags`) and, for a
few, a rerun or fork of an earlier run (`run_start.attrs.replay_of`, as `model/lineage.py` reads it). The
templates: completed runs short and long, one whose failed tool call the agent handled, one that failed on an
unhandled error (exit code 1), one written in two segments, one a framework's spans name, one still unfinished
(no `run_end`).
"""

from __future__ import annotations

import functools
import math
import os
import random
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import orjson

from namel3ss_debug.config import load_settings
from namel3ss_debug.tracer.api import (
    current_span,
    get_tracer,
    span,
    trace_agent_execution,
    trace_agent_turn,
    trace_llm_call,
    trace_memory_operation,
    trace_tool_call,
)

FIRST_START = datetime(2026, 10, 27, tzinfo=timezone.utc)  # runs start over the 30 days from here
SPREAD_SECONDS = 30 * 24 * 3600
ENTRIES = ("support_bot.py", "triage_agent.py", "nightly_eval.py")
MODELS = (("gpt-4o", 1.6), ("gpt-4o-mini", 0.8), ("llama-3.1-8b-local", 0.5))  # name, latency factor; the last unpriced
TAGS = ("nightly", "ci", "canary", "release-1.4")
TEMPLATE_ENTRY = "entry-template.py"
TEMPLATE_MODEL = "model-template"
RERUNS = 0.03  # share of runs that rerun (or fork) an earlier run of the same entry
# Templates, and how often each is picked (cumulative weights in `_pick_template`).
SHAPES = (("short", 40), ("long", 20), ("handled", 12), ("failed", 8), ("segments", 8), ("framework", 8),
          ("unfinished", 4))


class ToolFailure(RuntimeError):
    """A tool's failure, raised in the templates."""


# -- the template apps, traced for real --------------------------------------------------------------------------

@trace_llm_call(model=TEMPLATE_MODEL)
def ask_model(prompt: str) -> str:
    current_span().set_usage(input_tokens=100, output_tokens=10)
    return f"search the docs for {prompt.split()[-1]}"


@trace_tool_call
def search_docs(query: str) -> list[str]:
    return [f"refund policy ({query})", "shipping times"]


@trace_tool_call
def lookup_order(order_id: str) -> dict[str, str]:
    raise ToolFailure(f"order service unavailable for {order_id}")


def _turn(agent: str, number: int, *, tool: Callable[[str], object] = search_docs, handle: bool = True,
          asked: str | None = None) -> None:
    """One turn: the model asked (`asked`, else a question of this turn's), a tool called, memory written."""
    with trace_agent_turn(agent, number):
        ask_model(asked or f"what next after step {number}")
        try:
            tool(f"A-{1000 + number}")
        except ToolFailure:
            if not handle:
                raise
        trace_memory_operation("store", "turn", "done")


@trace_agent_execution(name="support_agent")
def _short() -> None:
    _turn("support_agent", 1)
    _turn("support_agent", 2)


@trace_agent_execution(name="support_agent")
def _long() -> None:
    """Five turns, the last three asking the same question (a loop `analyze` finds)."""
    for number in range(1, 6):
        _turn("support_agent", number, asked="what next?" if number > 2 else None)


@trace_agent_execution(name="support_agent")
def _handled() -> None:
    _turn("support_agent", 1, tool=lookup_order)
    _turn("support_agent", 2)


@trace_agent_execution(name="support_agent")
def _failed() -> None:
    _turn("support_agent", 1)
    _turn("support_agent", 2, tool=lookup_order, handle=False)


@trace_agent_execution(name="research_agent", attrs={"framework": "openai-agents"})
def _framework() -> None:
    with span("handoff", component="agent", attrs={"framework": "openai-agents"}):
        _turn("research_agent", 1)
    _turn("research_agent", 2)


APPS: dict[str, Callable[[], None]] = {"short": _short, "long": _long, "handled": _handled, "failed": _failed,
                                       "segments": _long, "framework": _framework, "unfinished": _short}


def _record(shape: str, directory: Path) -> list[tuple[int, list[dict[str, Any]]]]:
    """Run the shape's app with the real tracer into `directory`: its segments, (index, events) each."""
    overrides: dict[str, Any] = {"enabled": True, "trace_output_dir": str(directory)}
    if shape == "segments":
        overrides["max_events_per_file"] = 30
    resolved = load_settings({}, directory, overrides=overrides, override_source="tests/runs/generate.py")
    tracer = get_tracer()
    tracer.start_run(resolved, entry={"kind": "script", "name": TEMPLATE_ENTRY}, argv=[TEMPLATE_ENTRY],
                     install_hooks=False)
    try:
        APPS[shape]()
    except ToolFailure as exc:  # as `namel3ss-debug trace` ends a run its app's exception ended
        tracer.record_error(exc, unhandled=True)
        tracer.end_run("failed", exit_code=1, error=exc)
    else:
        tracer.end_run("completed", exit_code=0)
    segments = []
    for path in sorted(directory.iterdir()):
        index = int(path.name.rsplit(".", 2)[1])
        segments.append((index, [orjson.loads(line) for line in path.read_bytes().splitlines()]))
    return segments


# -- templates: the recorded runs as text with slots ---------------------------------------------------------------

_SLOT = re.compile(r'"?@@([A-Z]+)(\d*)@@"?')
_QUOTED = ("R", "E", "M", "T", "P")  # slots inside a JSON string: the string's quotes are kept


@dataclass(frozen=True)
class Template:
    """A recorded run as literal text and slots: `parts[i]` comes before `slots[i]` (kind, event index)."""

    segments: list[tuple[int, list[str], list[tuple[str, int]]]]  # (segment index, parts, slots)
    kinds: list[str]  # each event's timing kind, in file order
    starts: dict[int, int]  # end event's index -> its start event's index
    llm_ends: list[int]
    run_end: int | None


def _in_json(text: str) -> str:
    return orjson.dumps(text).decode()[1:-1]


def _template(shape: str, directory: Path, segments: list[tuple[int, list[dict[str, Any]]]]) -> Template:
    events = [event for _, segment in segments for event in segment]
    run_id = events[0]["run_id"]
    if shape == "unfinished":
        last_index, last = segments[-1]
        segments = segments[:-1] + [(last_index, [e for e in last if e["event_type"] != "run_end"])]
        events = [event for _, segment in segments for event in segment]
    opened: dict[str, int] = {}
    starts, llm_ends, kinds = {}, [], []
    run_end = None
    for number, event in enumerate(events):
        _mark(event, number, opened, starts, llm_ends)
        kinds.append(_timing_kind(event))
        if event["event_type"] == "run_end":
            run_end = number
    compiled = []
    for index, segment in segments:
        text = b"".join(orjson.dumps(e) + b"\n" for e in segment).decode()
        text = text.replace(run_id, "@@R@@").replace(TEMPLATE_ENTRY, "@@E@@").replace(TEMPLATE_MODEL, "@@M@@")
        text = text.replace(_in_json(str(directory)), "@@P@@")
        text = text.replace(',"@@X@@":0', "@@X@@").replace(',"@@Y@@":0', "@@Y@@")
        compiled.append((index, *_split(text)))
    return Template(compiled, kinds, starts, llm_ends, run_end)


def _mark(event: dict[str, Any], number: int, opened: dict[str, int], starts: dict[int, int],
          llm_ends: list[int]) -> None:
    """Put the slots of one event in: its time, its duration, its usage, the run's extra attrs."""
    event["ts"] = f"@@T{number}@@"
    if event["event_type"] == "segment_start":
        event["attrs"]["run_started"] = "@@T1@@"  # the run_start's time (the second event of the first segment)
    elif event["event_type"].endswith("_start") or event["event_type"] == "run_start":
        opened[event["span_id"]] = number
    if "duration_ms" in event:
        starts[number] = opened[event["span_id"]]
        event["duration_ms"] = f"@@D{number}@@"
    if event.get("usage"):
        event["usage"] = {"input_tokens": f"@@I{number}@@", "output_tokens": f"@@O{number}@@",
                          "total_tokens": f"@@S{number}@@"}
        llm_ends.append(number)
    if event["event_type"] in ("run_start", "run_end"):
        event["attrs"]["@@X@@" if event["event_type"] == "run_start" else "@@Y@@"] = 0


def _timing_kind(event: dict[str, Any]) -> str:
    if event["event_type"] in ("llm_call_end", "tool_call_end"):
        return event["event_type"] + ("!" if event["status"] == "failed" else "")
    return "step"


def _split(text: str) -> tuple[list[str], list[tuple[str, int]]]:
    parts, slots, at = [], [], 0
    for match in _SLOT.finditer(text):
        kind = match.group(1)
        start, end = match.span()
        if kind in _QUOTED:  # keep the string's quotes
            start += text[start] == '"'
            end -= text[end - 1] == '"'
        parts.append(text[at:start])
        slots.append((kind, int(match.group(2) or -1)))
        at = end
    parts.append(text[at:])
    return parts, slots


@functools.cache
def templates() -> dict[str, Template]:
    """Every shape recorded once with the real tracer, in a directory removed after."""
    made = {}
    with tempfile.TemporaryDirectory(prefix="n3-run-templates-") as scratch:
        for shape, _ in SHAPES:
            directory = Path(scratch) / shape
            directory.mkdir()
            made[shape] = _template(shape, directory, _record(shape, directory))
    assert len(made["segments"].segments) == 2, "the segments template must rotate once"
    return made


# -- one generated run --------------------------------------------------------------------------------------------

@dataclass
class _Run:
    run_id: str
    start_us: int
    entry: str
    shape: str


def write_runs(directory: Path | str, n: int, *, seed: int = 0) -> list[str]:
    """Write `n` runs into `directory` (made if missing); their ids, oldest first. Same seed, same bytes (the
    events' pid and the `run_start`'s host, versions and paths are those of the process that records the templates)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    made = templates()
    runs = _plan(rng, n)
    by_entry: dict[str, list[_Run]] = {}
    for run in runs:
        earlier = by_entry.setdefault(run.entry, [])
        extra_start, extra_end = _lineage(rng, earlier, directory) if earlier and rng.random() < RERUNS else ("", "")
        extra_start = _tags(rng) + extra_start
        _write(directory, made[run.shape], run, rng, extra_start, extra_end)
        earlier.append(run)
    return [run.run_id for run in runs]


def _plan(rng: random.Random, n: int) -> list[_Run]:
    first = int(FIRST_START.timestamp())
    seconds = sorted(first + rng.randrange(SPREAD_SECONDS) for _ in range(n))
    runs, taken = [], set()
    for second in seconds:
        run_id = _run_id(rng, second, taken)
        runs.append(_Run(run_id, second * 1_000_000 + rng.randrange(1_000_000), rng.choice(ENTRIES),
                         _pick_template(rng)))
    return runs


def _run_id(rng: random.Random, second: int, taken: set[str]) -> str:
    stamp = datetime.fromtimestamp(second, timezone.utc).strftime("%Y%m%d-%H%M%S")
    while True:
        run_id = f"{stamp}-{rng.getrandbits(24):06x}"
        if run_id not in taken:
            taken.add(run_id)
            return run_id


def _pick_template(rng: random.Random) -> str:
    draw = rng.randrange(sum(weight for _, weight in SHAPES))
    for shape, weight in SHAPES:
        if draw < weight:
            return shape
        draw -= weight
    raise AssertionError("weights")


def _tags(rng: random.Random) -> str:
    if rng.random() >= 0.3:
        return ""
    return ',"tags":' + orjson.dumps(rng.sample(TAGS, rng.randint(1, 2))).decode()


def _lineage(rng: random.Random, earlier: list[_Run], directory: Path) -> tuple[str, str]:
    """`replay_of` of a rerun (or, one in three, a fork) of an earlier run, and the fork's `parted`."""
    parent = rng.choice(earlier[-50:])
    replay_of: dict[str, Any] = {"run_id": parent.run_id, "trace": str(directory / f"{parent.run_id}.0000.jsonl")}
    if rng.random() >= 1 / 3:
        return ',"replay_of":' + orjson.dumps(replay_of).decode(), ""
    call = "llm:ask_model#1"
    replay_of["fork"] = {"call": call, "change": "answer"}
    return (',"replay_of":' + orjson.dumps(replay_of).decode(),
            ',"parted":' + orjson.dumps({"call": call, "how": "forked"}).decode())


def _write(directory: Path, template: Template, run: _Run, rng: random.Random, extra_start: str,
           extra_end: str) -> None:
    model, factor = rng.choice(MODELS)
    times = _times(template, run.start_us, factor, rng)
    values = {"R": run.run_id, "E": run.entry, "M": model, "P": _in_json(str(directory)), "X": extra_start,
              "Y": extra_end}
    numbers = _figures(template, times, rng)
    end_us = times[-1]
    for index, parts, slots in template.segments:
        chunks = []
        for part, (kind, number) in zip(parts, slots):
            chunks.append(part)
            chunks.append(values[kind] if number < 0 else numbers[kind, number])
        chunks.append(parts[-1])
        path = directory / f"{run.run_id}.{index:04d}.jsonl"
        path.write_text("".join(chunks), encoding="utf-8")
        os.utime(path, ns=(end_us * 1000, end_us * 1000))


def _times(template: Template, start_us: int, factor: float, rng: random.Random) -> list[int]:
    """Each event's time (µs): a simulated clock in file order, an LLM answer taking about a second (times the
    model's factor), a tool a tenth of that, a failed tool a timeout, everything else a millisecond or less."""
    clock, times = start_us, []
    for kind in template.kinds:
        if kind.startswith("llm_call_end"):
            clock += int(factor * rng.lognormvariate(math.log(900_000), 0.5))
        elif kind == "tool_call_end":
            clock += int(rng.lognormvariate(math.log(80_000), 0.8))
        elif kind == "tool_call_end!":
            clock += int(rng.uniform(2_000_000, 10_000_000))
        else:
            clock += rng.randrange(50, 2_000)
        times.append(clock)
    times[1] = times[0] = start_us  # segment_start and run_start at the run's start, as the tracer writes them
    return times


def _figures(template: Template, times: list[int], rng: random.Random) -> dict[tuple[str, int], str]:
    numbers = {("T", number): _iso(us) for number, us in enumerate(times)}
    for end, start in template.starts.items():
        numbers["D", end] = f"{(times[end] - times[start]) / 1000:.3f}"
    for end in template.llm_ends:
        given, said = int(rng.lognormvariate(math.log(900), 0.6)), int(rng.lognormvariate(math.log(120), 0.5))
        numbers["I", end], numbers["O", end], numbers["S", end] = str(given), str(said), str(given + said)
    return numbers


def _iso(us: int) -> str:
    second, fraction = divmod(us, 1_000_000)
    return datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{fraction:06d}Z"


# -- a run still being written, written on ------------------------------------------------------------------------

def finish_run(directory: Path | str, run_id: str, *, rotate: bool = False) -> Path:
    """End a run that has no `run_end` yet, as the tracer would: the `run_end` appended to its last segment (the
    file grows), or, with `rotate`, written in a new segment after its `segment_start`. The file written."""
    directory = Path(directory)
    segments = sorted(directory.glob(f"{run_id}.*.jsonl"))
    events = [orjson.loads(line) for path in segments for line in path.read_bytes().splitlines()]
    start = next(event for event in events if event["event_type"] == "run_start")
    assert not any(event["event_type"] == "run_end" for event in events), f"{run_id} has ended already"
    last, ends_us = events[-1], _micros(events[-1]["ts"]) + 1_500
    lines = []
    if rotate:
        name = f"{run_id}.{len(segments):04d}.jsonl"
        opened = _envelope(start, last["seq"] + 1, ends_us, "segment_start", name, f"{len(events) + 100:016x}")
        opened.update(parent_id=start["span_id"], status="completed",
                      attrs={"run_started": start["ts"], "entry": start["attrs"]["entry"], "segment": len(segments),
                             "first_seq": last["seq"] + 1, "previous_segment": segments[-1].name})
        lines.append(opened)
    end = _envelope(start, last["seq"] + 1 + len(lines), ends_us, "run_end", start["name"], start["span_id"])
    end.update(duration_ms=round((ends_us - _micros(start["ts"])) / 1000, 3),
               attrs={"tracer_errors": 0, "exit_code": 0})
    lines.append(end)
    path = directory / lines[0]["name"] if rotate else segments[-1]
    with path.open("ab") as file:
        file.write(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def _envelope(start: dict[str, Any], seq: int, us: int, event_type: str, name: str, span_id: str) -> dict[str, Any]:
    return {"v": 1, "run_id": start["run_id"], "seq": seq, "ts": _iso(us), "event_type": event_type,
            "component": "app", "name": name, "span_id": span_id, "parent_id": None, "status": "completed"}


def _micros(ts: str) -> int:
    moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
