"""Where the findings' time goes: `analyze` with findings against without them, in process, then the diagnosis's
note-takers, rules and steps timed one by one.

    python bench/findings_steps.py                   # a 200 MB run: about two minutes
    python bench/findings_steps.py --size-mb 50 --repeats 3
    python bench/findings_steps.py --trace run.jsonl --json

`bench/read_speed.py` times whole commands; this splits what the findings add to one pass. The run's record blocks
are decoded once into memory, so no figure holds the disk or the decoding. Then:

- the pass and the report (`analysis.analyze`), every section, against every section but `findings` and `health`
  (read_speed.py's "no findings"), taking turns (A B A B ...), each the best of `--repeats`, CPU time: their ratio
  is what the findings cost, with the read left out (a whole command adds the same read to both);
- in the same turns, the pass with findings with parts of the diagnosis's collector made no-ops (`HOLLOWED`): the
  whole collector, each step's end (its payloads read, the note-takers), and that and the rules. What is left is
  the least a collector of this design costs: the starts, the steps kept, the agents' bookkeeping;
- one more pass with findings, each step of the list below wrapped in a stopwatch: its calls, its time with what it
  calls (`inclusive`), and without the other steps timed inside it (`own`). Wrapping costs about 0.5-1 µs a call
  (two clock reads: 0.3 µs each on the 2-core VM), measured and taken out of the `own` time of the step that made
  the call; the inclusive figures keep it, so a step called a million times reads high. The table is sorted by own
  time: the next speed-up is at its top. The stopwatch reads wall time (a CPU clock costs 0.9 µs a read here), so
  on a shared machine every step reads slow alike: read the shares (`own %`), not the milliseconds;
- each agent rule alone, exactly: every agent the pass judged is kept (its steps as judged, its run's clues as the
  pass left them), then each rule is drawn over all of them in a loop of its own, CPU time, best of `--repeats`.

For a profile without the stopwatch's weight, sample the script with py-spy (`py-spy record -f raw -o out.txt --
python bench/findings_steps.py --repeats 1`), as bench/README.md did.

The steps: the tally's own work at each start, end and instant (`Tally._start`, `_end`, `_instant`), the
diagnosis's collector at each (`Clues.started`, `ended`, `instant`) and its helpers
(`analysis/diagnosis/collector/clues.py`: the request read, the answer read, a tool's link, the steps kept, the agent
judged), the note-takers it calls (writers, actors, spend, repeats, consent, plans, files, speakers, the given task),
the payload readers (`diagnosis/notes/payloads.py`), every agent rule and every run rule by name, and the report
built from the tally (`build_report`, with the run rules and the blame inside it).
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package, from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))  # read_budget and trace_gen, beside this file
from read_budget import blocks_of, measured, one_run_arguments

from namel3ss_debug.analysis import analyze as analyze_module
from namel3ss_debug.analysis import build, tally
from namel3ss_debug.analysis.diagnosis import diagnose
from namel3ss_debug.analysis.diagnosis.collector import clues
from namel3ss_debug.analysis.diagnosis.notes import payloads
from namel3ss_debug.analysis.diagnosis.notes.steps import RunClues
from namel3ss_debug.analysis.diagnosis.rules import registry
from namel3ss_debug.analysis.records.report import SECTIONS

MB = 1_000_000
WITHOUT = tuple(name for name in SECTIONS if name not in ("findings", "health"))


@dataclass(frozen=True)
class BenchRun:
    """The run the passes are handed (`store.handed.HandedRun`)."""

    label: str
    files: tuple[str, ...] = ()
    run_id: str | None = "bench"


def pass_of(records: list[list[Any]], sections: tuple[str, ...]) -> Callable[[], object]:
    """`analyze` of the decoded blocks: the pass and the report, with `sections`."""
    return lambda: analyze_module.analyze([(BenchRun("bench"), records)], sections=sections)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def best_of(passes: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Each pass's best CPU time over `repeats`, the passes taking turns."""
    best = {name: float("inf") for name in passes}
    for number in range(repeats):
        for name, run in passes.items():
            print(f"{name}: {number + 1} of {repeats}", file=sys.stderr)
            gc.collect()
            began = cpu()
            run()
            best[name] = min(best[name], cpu() - began)
    return best


# -- the stopwatch ---------------------------------------------------------------------------------------------------
@dataclass
class Lap:
    calls: int = 0
    inclusive: float = 0.0
    inner: float = 0.0  # time spent in other timed steps inside it
    inner_calls: int = 0  # their calls: each adds the stopwatch's own cost to this step's time


@dataclass
class Stopwatch:
    laps: dict[str, Lap] = field(default_factory=dict)
    stack: list[Lap] = field(default_factory=list)
    restore: list[tuple[object, str, object]] = field(default_factory=list)

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        lap = self.laps.setdefault(name, Lap())
        stack, clock = self.stack, time.perf_counter

        def timed(*args: Any, **kwargs: Any) -> Any:
            outer = stack[-1] if stack else None
            stack.append(lap)
            began = clock()
            try:
                return function(*args, **kwargs)
            finally:
                spent = clock() - began
                stack.pop()
                lap.calls += 1
                lap.inclusive += spent
                if outer is not None:
                    outer.inner += spent
                    outer.inner_calls += 1
        return timed

    def patch(self, owner: object, attribute: str, name: str) -> None:
        """`owner.attribute` timed as `name` until `undo`."""
        self.replace(owner, attribute, self.wrap(name, getattr(owner, attribute)))

    def replace(self, owner: object, attribute: str, value: object) -> None:
        """`owner.attribute` set to `value` until `undo`."""
        self.restore.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, value)

    def undo(self) -> None:
        for owner, attribute, original in reversed(self.restore):
            setattr(owner, attribute, original)
        self.restore.clear()


def overhead() -> float:
    """What the stopwatch adds to one call, in seconds: a wrapped no-op against the bare one."""
    watch = Stopwatch()

    def bare(value: int) -> int:
        return value
    wrapped = watch.wrap("noop", bare)
    calls = 200_000
    began = time.perf_counter()
    for number in range(calls):
        bare(number)
    plain = time.perf_counter() - began
    began = time.perf_counter()
    for number in range(calls):
        wrapped(number)
    return max(time.perf_counter() - began - plain, 0.0) / calls


def methods() -> tuple[tuple[object, tuple[str, ...], str], ...]:
    """The classes whose methods are timed, the note-takers found by the run's clues that hold them (so a class
    renamed or moved is still found)."""
    run = RunClues("bench", 0)
    track = clues.RunTrack(run)
    return (
        (tally.Tally, ("_start", "_end", "_instant"), "tally"),
        (clues.Clues, ("started", "ended", "instant", "finish", "_request", "_tool_link", "_ended", "_answered",
                       "_error", "_keep", "_failed", "_repeat", "_spend", "_judge", "_agent_started", "_agent_ended",
                       "_run_ended", "_handoff"), "clues"),
        (type(run.writers), ("note",), "writers"),
        (type(run.consent), ("wants", "request", "answered"), "consent"),
        (type(run.plans), ("called", "offered", "answered"), "plans"),
        (type(run.files), ("note",), "files"),
        (type(track.speakers), ("request", "answered"), "speakers"),
        (type(run.given), ("ask", "add"), "given"),
    )


# functions the collector calls by their module's global name
GLOBALS: tuple[tuple[object, str, str], ...] = (
    (clues, "note_actor", "actors.note_actor"), (clues, "note_slowest", "spend.note_slowest"),
    (clues, "note_spend", "spend.note_spend"), (clues, "note_repeat", "repeats.note_repeat"),
    (clues, "request_marks", "request_marks"), (clues, "note_stop_request", "turn_limits.note_stop_request"),
    (clues, "request_of", "messages.request_of"), (build, "diagnose", "build: diagnose (run rules, blame)"),
    (analyze_module, "build_report", "build_report"),
)
PAYLOADS = ("decoded", "message_texts", "tools_in", "schemas_key", "answer_of", "output_text", "output_of",
            "raw_text", "as_text", "cut")


def instrument(watch: Stopwatch) -> None:
    for owner, names, prefix in methods():
        for name in names:
            watch.patch(owner, name, f"{prefix}.{name.lstrip('_')}" if prefix != "clues" else f"Clues.{name}")
    for module, name, label in GLOBALS:
        watch.patch(module, name, label)
    for name in PAYLOADS:
        watch.patch(payloads, name, f"payloads.{name}")
    agent_rules, run_rules = registry.agent_rules(), registry.run_rules()
    # a rule is a generator: timed as it is drawn, which its caller does at once
    timed_agent = {rule: watch.wrap(f"agent rule {rule.__name__}", _drawn(rule)) for rule in agent_rules}
    timed_run = [watch.wrap(f"run rule {rule.__name__}", _drawn(rule)) for rule in run_rules]
    watch.replace(clues, "agent_rules",  # the collector's, made by the pass: by what an agent's steps hold
                  lambda held=registry.EVERYTHING: [timed_agent[rule] for rule in registry.agent_rules(held)])
    watch.replace(diagnose, "run_rules", lambda: list(timed_run))


def _drawn(rule: Callable[..., Any]) -> Callable[..., list[Any]]:
    return lambda *args: list(rule(*args))


def stepped(records: list[list[Any]]) -> tuple[dict[str, Lap], float]:
    watch = Stopwatch()
    instrument(watch)
    try:
        began = time.perf_counter()
        pass_of(records, SECTIONS)()
        whole = time.perf_counter() - began
    finally:
        watch.undo()
    return watch.laps, whole


def judged_agents(records: list[list[Any]]) -> list[tuple[Any, Any, Any]]:
    """Every agent execution the pass judged, with its steps as they were judged, its run's clues (as the pass left
    them) and the judging: a pass whose collector keeps a copy of each agent before its rules run."""
    kept: list[tuple[Any, Any, Any]] = []
    judge = clues.Clues._judge

    def keeping(self: clues.Clues, track: clues.RunTrack, agent: Any) -> None:
        kept.append((msgspec.structs.replace(agent, steps=list(agent.steps)), track.clues, self.judging))
        judge(self, track, agent)
    watch = Stopwatch()
    watch.replace(clues.Clues, "_judge", keeping)
    try:
        pass_of(records, SECTIONS)()
    finally:
        watch.undo()
    return kept


def rules_alone(agents: list[tuple[Any, Any, Any]], repeats: int) -> dict[str, float]:
    """Each agent rule's CPU time over every judged agent, drawn in a loop of its own (no stopwatch), the best of
    `repeats`, the rules taking turns: what each costs a pass, exactly, where the stopwatch's shares are weighed. A
    rule that needs a failed step or an ask (`registry.NEEDS`) is drawn as the pass draws it: over agents with one."""
    held = [registry.holds(entry[0].steps) for entry in agents]
    best: dict[str, float] = {}
    for _ in range(repeats):
        for rule in registry.agent_rules():
            needs = registry.NEEDS.get(rule, 0)
            judged = [entry for entry, has in zip(agents, held) if not needs & ~has]
            began = cpu()
            for agent, run, judging in judged:
                for _finding in rule(agent, run, judging):
                    pass
            best[rule.__name__] = min(best.get(rule.__name__, float("inf")), cpu() - began)
    return dict(sorted(best.items(), key=lambda item: -item[1]))


# What is left of the collector when parts of it do nothing: how much of its time a faster design of those parts
# could win back at most (the `Clues` methods named, each made a no-op for the pass)
HOLLOWED: dict[str, tuple[str, ...]] = {
    "with findings, no collector": ("started", "ended", "instant"),
    "with findings, no step's end read": ("_ended",),
    "with findings, no step's end read, no rule": ("_ended", "_judge"),
}


def hollowed(records: list[list[Any]], methods: tuple[str, ...]) -> Callable[[], object]:
    """The pass with findings, the collector's `methods` doing nothing while it runs."""
    def run() -> object:
        watch = Stopwatch()
        for name in methods:
            watch.replace(clues.Clues, name, lambda *args: None)
        try:
            return pass_of(records, SECTIONS)()
        finally:
            watch.undo()
    return run


def measure(path: Path, repeats: int) -> dict[str, Any]:
    _, records = blocks_of(path)
    events = sum(len(block) for block in records)
    passes = {"with findings": pass_of(records, SECTIONS), "without": pass_of(records, WITHOUT)}
    passes.update({name: hollowed(records, methods) for name, methods in HOLLOWED.items()})
    best = best_of(passes, repeats)
    cost = overhead()
    laps, whole = stepped(records)
    steps = {name: {"calls": lap.calls, "inclusive_s": lap.inclusive,
                    "own_s": max(lap.inclusive - lap.inner - lap.inner_calls * cost, 0.0)}
             for name, lap in laps.items() if lap.calls}
    agents = judged_agents(records)
    return {"events": events, "bytes": path.stat().st_size, "cpu_s": best, "stopwatch_ns": cost * 1e9,
            "stepped_wall_s": whole, "steps": dict(sorted(steps.items(), key=lambda item: -item[1]["own_s"])),
            "agents": len(agents), "agent_rules_cpu_s": rules_alone(agents, repeats)}


def report(result: dict[str, Any], repeats: int) -> None:
    with_s, without_s = result["cpu_s"]["with findings"], result["cpu_s"]["without"]
    events = result["events"]
    print(f"findings' steps: {events:,} events, {result['bytes'] / MB:.0f} MB, best of {repeats} CPU times\n")
    print(f"  the pass and the report, every section      {with_s:7.2f} s")
    print(f"  the same without findings and health        {without_s:7.2f} s")
    print(f"  with / without                              {with_s / without_s:7.2f}x  (target <= 2.0x)")
    print(f"  what the findings add                       {with_s - without_s:7.2f} s "
          f"= {(with_s - without_s) / events * 1e9:.0f} ns an event\n")
    print("  the collector hollowed out, part by part (CPU, best of the same turns):\n")
    for name in HOLLOWED:
        print(f"  {name:44} {result['cpu_s'][name]:7.2f} s  (the collector's rest: "
              f"{result['cpu_s'][name] - result['cpu_s']['with findings, no collector']:.2f} s)")
    print()
    whole = result["stepped_wall_s"]
    print(f"  each step, one pass with findings wrapped ({whole:.2f} s of wall time; the stopwatch "
          f"{result['stopwatch_ns']:.0f} ns a call, taken out of the caller's `own`):\n")
    print(f"  {'step':46} {'calls':>10} {'own %':>7} {'incl. %':>8} {'own ms':>8}")
    for name, step in result["steps"].items():
        print(f"  {name:46} {step['calls']:>10,} {step['own_s'] / whole * 100:>7.1f} "
              f"{step['inclusive_s'] / whole * 100:>8.1f} {step['own_s'] * 1000:>8.0f}")
    rules, agents = result["agent_rules_cpu_s"], result["agents"]
    print(f"\n  each agent rule alone over the {agents:,} agents judged (CPU, best of {repeats}; "
          f"{sum(rules.values()) / with_s * 100:.0f}% of the pass with findings in all):\n")
    print(f"  {'rule':46} {'ms':>8} {'us an agent':>12} {'% of the pass':>14}")
    for name, seconds in rules.items():
        print(f"  {name:46} {seconds * 1000:>8.0f} {seconds / agents * 1e6:>12.2f} {seconds / with_s * 100:>14.1f}")


def main() -> None:
    args = one_run_arguments(__doc__, 3)
    result = measured(args, measure)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    report(result, args.repeats)

if __name__ == "__main__":
    main()
