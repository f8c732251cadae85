"""How often the blame names the agent and the decisive step that people labelled, on public failed runs converted by
`bench/blame_corpus_convert.py`, system by system, each system scored with every choice made without it (left out),
beside two rules that read only positions.

    python bench/blame_corpus_convert.py AgentProcessBench /tmp/blame-corpus     # the snapshots: bench/README.md
    python bench/blame_accuracy.py /tmp/blame-corpus
    python bench/blame_accuracy.py /tmp/blame-corpus --show 20      # the first 20 runs, blame beside label
    python bench/blame_accuracy.py /tmp/blame-corpus --json         # JSON only on stdout
    python bench/blame_accuracy.py /tmp/blame-corpus --markdown     # the tables of docs/diagnose.md
    python bench/blame_accuracy.py /tmp/blame-corpus --write        # the measured table the blame ships with

Each run is read once as `diagnose` reads it (the one pass, `analyze` with the findings section, its clues kept, the
failure being the run's own: it ended failed). Every rule's step is noted with the rule's path (`BlameVerdict.path`);
over the runs of a set of systems those give each path's figures (runs it pointed in, agent right, step right, per
system: `namel3ss_debug/analysis/diagnosis/blame/measured.py` holds them for the whole corpus). For each system S, the
table of the other systems alone sets the paths' order and levels (`calibration.py`), the blame is made again with
it, and S's runs are scored: nothing S holds chose S's figures. Per system:

- agent: the blame's agent is the labelled one; step: the blame's decisive step lies in the labelled turn (a step
  inside an agent's turn, a model or tool call, counts as that turn; turns counted from 0 in the order they
  started), exactly, within one turn, within three; top-3: the blame's step or one of its runners-up
  (`Blame.candidates`) is right;
- per level: the blames of each level (`unknown`: none, or one naming neither agent nor step), how many, how often
  their agent and step were right; per path, the same;
- the positional rules on the same runs: "first": the first agent other than the user or an orchestrator to
  speak, at its first turn; "most": the agent that speaks most (the earlier on a tie), at its first turn; with how
  often the blame's agent and step equal each rule's (a blame that only restates a position reads nothing).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from namel3ss_debug.analysis.analyze import analyze
from namel3ss_debug.analysis.diagnosis.blame import calibration
from namel3ss_debug.analysis.diagnosis.blame.judge import blame_run, failure_of, rule_verdicts
from namel3ss_debug.analysis.diagnosis.blame.chain import BlameView
from namel3ss_debug.analysis.diagnosis.collector.clues import Clues
from namel3ss_debug.analysis.diagnosis.blame.measured import MEASURED
from namel3ss_debug.analysis.records.findings import BlamedFailure, Finding
from namel3ss_debug.analysis.diagnosis.notes.steps import RunClues
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import resolve_sources

LEVELS = ("high", "medium", "low", "unknown")
NOT_AGENTS = ("user", "human", "system")  # who speaks in a run without being one of its agents
ORCHESTRATORS = ("orchestrator", "team leader")  # Magentic-One's, MetaGPT's (its Team Leader hands the tasks out)
BANDS = (0, 1, 3)
MEASURED_FILE = (Path(__file__).resolve().parents[1] / "namel3ss_debug" / "analysis" / "diagnosis" / "blame"
                 / "measured.py")
Said = tuple[Optional[str], Optional[int]]  # (agent, turn)


@dataclass(frozen=True)
class Turns:
    """The run's agent turns in the order they started, and the turn each span ran in."""

    agents: list[str]  # the agent of turn i
    turn_of: dict[str, int]  # span id -> the index of the agent turn it is or ran in


@dataclass
class Read:
    """One labelled run, read once: its label, turns, what the positional rules say, what the blame is made from,
    and every rule's step with its path."""

    run_id: str
    system: str
    label: tuple[str, int]
    turns: Turns
    rules: dict[str, Said]
    inputs: Optional[tuple[RunClues, BlamedFailure, list[Finding]]]  # None: the run was not judged failed
    steps: dict[str, Said]  # path -> the (agent, turn) its rule pointed at


@dataclass(frozen=True)
class Judged:
    """One labelled run scored: the label, what the blame said (and its runners-up), what each positional rule
    says, as (agent, turn)."""

    run_id: str
    system: str
    label: tuple[str, int]
    blame: Said
    level: str
    rules: dict[str, Said]
    path: str = "none"  # the path that chose the blame's step
    top: tuple[Said, ...] = ()  # the blame's step and its runners-up


def turns_of(path: Path) -> Turns:
    parents: dict[str, Optional[str]] = {}
    agents: list[str] = []
    turn_at: dict[str, int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            span_id = event.get("span_id")
            if not isinstance(span_id, str) or not event.get("event_type", "").endswith("_start"):
                continue
            parents[span_id] = event.get("parent_id")
            if event["event_type"] == "agent_turn_start":
                turn_at[span_id] = len(agents)
                agents.append(str(event.get("name")))
    turn_of = {}
    for span_id in parents:
        at: Optional[str] = span_id
        while at is not None and at not in turn_at:
            at = parents.get(at)
        if at is not None:
            turn_of[span_id] = turn_at[at]
    return Turns(agents, turn_of)


def positional(turns: Turns) -> dict[str, tuple[Optional[str], Optional[int]]]:
    """The two rules that read only who spoke when."""
    speakers = [(index, agent) for index, agent in enumerate(turns.agents) if not is_user_or_orchestrator(agent)]
    first = speakers[0] if speakers else None
    spoken = Counter(agent for _, agent in speakers)
    most = max(spoken, key=lambda agent: (spoken[agent], -turns.agents.index(agent))) if spoken else None
    return {"first": (first[1], first[0]) if first else (None, None),
            "most": (most, turns.agents.index(most)) if most else (None, None)}


def is_user_or_orchestrator(agent: str) -> bool:
    return agent.lower() in NOT_AGENTS or agent.lower().startswith(ORCHESTRATORS)


def clues_of(path: Path) -> Optional[Clues]:
    """The clues `diagnose` keeps of the run at `path` after its one pass."""
    reader = TraceReader(ReadProblems())
    kept: list[Clues] = []
    sources = resolve_sources([str(path)])
    analyze([(source, reader.records(source)) for source in sources], sections=["overview", "findings"],
            keep_clues=kept.append)
    return kept[0] if kept else None


def inputs_of(clues: Optional[Clues], run_id: str) -> Optional[tuple[RunClues, BlamedFailure, list[Finding]]]:
    """What `rediagnose` blames the run with: its clues, its own failure, its findings."""
    if clues is None:
        return None
    judged = clues.judged or []
    for run in clues.runs:
        own = [finding for finding in judged if finding.run_id == run.run_id]
        failure = failure_of(run, own)
        if run.run_id == run_id and failure is not None:
            return run, failure, own
    return None


def read_run(corpus: Path, run_id: str, label: dict[str, Any]) -> Read:
    path = corpus / label["file"]
    turns = turns_of(path)
    inputs = inputs_of(clues_of(path), run_id)
    steps: dict[str, Said] = {}
    if inputs is not None:
        run, failure, own = inputs
        for _, verdict in rule_verdicts(BlameView(run), failure, own):
            step = verdict.links[0].evidence
            steps.setdefault(verdict.path, (step.agent, turns.turn_of.get(step.ref.span_id)))
        if not steps:  # no rule points: the blame's own reading of the run (its paths measured too)
            blame = blame_run(run, failure, own, {})
            for candidate in blame.candidates:
                steps.setdefault(candidate.path, (candidate.agent, turns.turn_of.get(candidate.step.ref.span_id)))
    return Read(run_id, label.get("system") or label["dataset"], (label["agent"], label["turn"]), turns,
                positional(turns), inputs, steps)


def table_of(reads: list[Read]) -> dict[str, dict[str, tuple[int, int, int]]]:
    """Each path's figures, per system: runs it pointed at a step in, agent right, step right."""
    counts: dict[str, dict[str, list[int]]] = {}
    for read in reads:
        for path, said in read.steps.items():
            row = counts.setdefault(path, {}).setdefault(read.system, [0, 0, 0])
            row[0] += 1
            row[1] += right(said, read.label, None)
            row[2] += right(said, read.label, 0)
    return {path: {system: (row[0], row[1], row[2]) for system, row in sorted(by_system.items())}
            for path, by_system in sorted(counts.items())}


def judge(read: Read, table: calibration.Table) -> Judged:
    """The blame of `read`'s run made with `table`, scored."""
    blame = blame_run(*read.inputs, table) if read.inputs is not None else None
    agent = blame.agent if blame else None
    step = read.turns.turn_of.get(blame.step.ref.span_id) if blame and blame.step else None
    level = "unknown" if blame is None or (agent is None and blame.step is None) else blame.confidence
    top = tuple((one.agent, read.turns.turn_of.get(one.step.ref.span_id)) for one in blame.candidates) \
        if blame else ()
    path = (blame.path or "none") if blame else "none"
    return Judged(read.run_id, read.system, read.label, (agent, step), level, read.rules, path, top or ((agent, step),))


def left_out(reads: list[Read]) -> list[Judged]:
    """Each system's runs blamed with the paths' order and levels chosen on the other systems alone."""
    judged: list[Judged] = []
    measured = table_of(reads)
    for system in sorted({read.system for read in reads}):
        table = calibration.without(measured, system)
        judged.extend(judge(read, table) for read in reads if read.system == system)
    return judged


def right(said: Said, label: tuple[str, int], band: Optional[int]) -> bool:
    """The agent (band None) or the step within `band` turns."""
    if band is None:
        return said[0] == label[0]
    return said[1] is not None and abs(said[1] - label[1]) <= band


def share(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


def scores(judged: list[Judged], reads: list[Read]) -> dict[str, Any]:
    runs = len(judged)

    def accuracy(pick: Any) -> dict[str, Any]:
        row: dict[str, Any] = {"agent": share(sum(right(pick(one), one.label, None) for one in judged), runs)}
        for band in BANDS:
            row["step" if band == 0 else f"step_pm{band}"] = share(
                sum(right(pick(one), one.label, band) for one in judged), runs)
        return row

    levels = {level: grouped([one for one in judged if one.level == level]) for level in LEVELS}
    paths = {path: grouped([one for one in judged if one.path == path])
             for path in sorted({one.path for one in judged})}
    agrees = {rule: {"agent": share(sum(one.blame[0] == one.rules[rule][0] for one in judged), runs),
                     "step": share(sum(one.blame[1] is not None and one.blame[1] == one.rules[rule][1]
                                       for one in judged), runs)}
              for rule in ("first", "most")}
    blame = accuracy(lambda one: one.blame)
    blame["top3_agent"] = share(sum(any(right(said, one.label, None) for said in one.top) for one in judged), runs)
    blame["top3_step"] = share(sum(any(right(said, one.label, 0) for said in one.top) for one in judged), runs)
    lengths = [len(read.turns.agents) for read in reads]
    agents = {read.run_id: len({agent for agent in read.turns.agents if agent.lower() not in NOT_AGENTS})
              for read in reads}
    return {"runs": runs, "median_turns": statistics.median(lengths) if lengths else None,
            "agents": max(agents.values(), default=0), "blame": blame,
            "first": accuracy(lambda one: one.rules["first"]), "most": accuracy(lambda one: one.rules["most"]),
            "no_step": sum(one.blame[1] is None for one in judged), "confidence": levels, "paths": paths,
            "blame_equals": agrees}


def grouped(some: list[Judged]) -> dict[str, Any]:
    """How many blames, and how often their agent and exact step were right."""
    return {"runs": len(some), "agent": share(sum(right(one.blame, one.label, None) for one in some), len(some)),
            "step": share(sum(right(one.blame, one.label, 0) for one in some), len(some))}


def percent(value: Optional[float]) -> str:
    return "  n/a" if value is None else f"{value * 100:4.0f}%"


def print_scores(name: str, row: dict[str, Any]) -> None:
    print(f"{name}: {row['runs']} failed runs, up to {row['agents']} agent(s), median {row['median_turns']} turns "
          f"({row['no_step']} blamed with no step in a turn); left out: chosen on the other systems")
    print(f"  {'':<34} agent  step   +-1   +-3  top3 agent/step")
    blame = row["blame"]
    for what, title in (("blame", "blame"), ("first", "rule first (1st non-user agent)"),
                        ("most", "rule most (agent that speaks most)")):
        one = row[what]
        top = f"  {percent(blame['top3_agent'])} {percent(blame['top3_step'])}" if what == "blame" else ""
        print(f"  {title:<34} {percent(one['agent'])} {percent(one['step'])} {percent(one['step_pm1'])} "
              f"{percent(one['step_pm3'])}{top}")
    print(f"  {'confidence':<34} runs agent  step")
    for level, one in row["confidence"].items():
        print(f"  {level:<34} {one['runs']:>4} {percent(one['agent'])} {percent(one['step'])}")
    print(f"  {'path':<34} runs agent  step")
    for path, one in row["paths"].items():
        print(f"  {path:<34} {one['runs']:>4} {percent(one['agent'])} {percent(one['step'])}")
    for rule, one in row["blame_equals"].items():
        print(f"  blame equals rule {rule!r}: agent {percent(one['agent']).strip()}, "
              f"step {percent(one['step']).strip()}")


def print_markdown(table: dict[str, Any], measured: dict[str, dict[str, tuple[int, int, int]]]) -> None:
    """The tables docs/diagnose.md prints: each system left out, then each path's figures and level."""
    print("| system (left out) | runs | median turns | blame: agent / step | top-3: agent / step "
          "| rule first | rule most | blame = first (agent / step) | high: runs, agent / step right |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, row in table.items():
        blame, first, most, high = row["blame"], row["first"], row["most"], row["confidence"]["high"]
        same = row["blame_equals"]["first"]
        print(f"| {name} | {row['runs']} | {row['median_turns']} | {pair(blame['agent'], blame['step'])} | "
              f"{pair(blame['top3_agent'], blame['top3_step'])} | {pair(first['agent'], first['step'])} | "
              f"{pair(most['agent'], most['step'])} | {pair(same['agent'], same['step'])} | "
              f"{high['runs']}{', ' + pair(high['agent'], high['step']) if high['runs'] else ''} |")
    systems = sorted({system for by_system in measured.values() for system in by_system})
    print()
    print("| path | " + " | ".join(systems) + " | level |")
    print("|---|" + "---|" * len(systems) + "---|")
    for path, by_system in measured.items():
        cells = [cell(by_system[system]) if system in by_system else "-" for system in systems]
        print(f"| `{path}` | " + " | ".join(cells) + f" | {calibration.level_of(path, measured)} |")


def cell(figures: tuple[int, int, int]) -> str:
    runs, agent, step = figures
    return f"{runs}: {pair(agent / runs, step / runs)}"


def pair(one: Optional[float], other: Optional[float]) -> str:
    return f"{percent(one).strip()} / {percent(other).strip()}"


def write_measured(measured: dict[str, dict[str, tuple[int, int, int]]]) -> None:
    """The table the blame ships with, in `measured.py`, from the whole corpus."""
    text = MEASURED_FILE.read_text(encoding="utf-8")
    head = text[:text.index("MEASURED:")]
    rows = "".join(f"    {path!r}: {{{', '.join(f'{system!r}: {tuple(row)}' for system, row in by_system.items())}}},\n"
                   for path, by_system in measured.items())
    MEASURED_FILE.write_text(head + "MEASURED: dict[str, dict[str, tuple[int, int, int]]] = {\n" + rows + "}\n",
                             encoding="utf-8")


def read_runs(corpus: Path, labels: dict[str, Any]) -> list[Read]:
    """Each labelled run read; a run file missing or unreadable stops with one line saying which."""
    reads = []
    for run_id, label in labels.items():
        try:
            reads.append(read_run(corpus, run_id, label))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"blame_accuracy: run {run_id} of {corpus / 'labels.json'}: {exc!r}") from None
    return reads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the folder bench/blame_corpus_convert.py wrote (labels.json)")
    parser.add_argument("--show", type=int, default=0, help="print the first N runs, blame beside label")
    parser.add_argument("--json", action="store_true", help="only JSON on stdout")
    parser.add_argument("--markdown", action="store_true", help="the tables of docs/diagnose.md, in Markdown")
    parser.add_argument("--write", action="store_true",
                        help="write the whole corpus's figures per path into namel3ss_debug/.../measured.py")
    args = parser.parse_args()
    try:
        labels = json.loads((args.corpus / "labels.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"blame_accuracy: no labels in {args.corpus}: {exc}") from None
    reads = read_runs(args.corpus, labels)
    judged = left_out(reads)
    measured = table_of(reads)
    systems = sorted({one.system for one in judged})
    table = {system: scores([one for one in judged if one.system == system],
                            [read for read in reads if read.system == system]) for system in systems}
    if args.write:
        write_measured(measured)
    if args.json:
        print(json.dumps({"systems": table, "measured": measured}))
        return
    if args.markdown:
        print_markdown(table, measured)
        return
    for name, row in table.items():
        print_scores(name, row)
    shipped = "the same as" if {path: dict(rows) for path, rows in MEASURED.items()} == measured else "NOT the same as"
    print(f"measured.py is {shipped} this corpus's figures" + ("" if args.write else " (--write to write them)"))
    for one in judged[:args.show]:
        print(f"  {labels[one.run_id]['source']}: label {one.label}, blame {one.blame} ({one.level}, {one.path}), "
              f"first {one.rules['first']}, most {one.rules['most']}")


if __name__ == "__main__":
    main()
