"""How often the blame names the agent and the decisive step that people labelled, on public failed runs converted by
`bench/blame_corpus_convert.py`, beside two rules that read only positions.

    python bench/blame_corpus_convert.py AgentProcessBench /tmp/blame-corpus     # the snapshot, see its docstring
    python bench/blame_accuracy.py /tmp/blame-corpus
    python bench/blame_accuracy.py /tmp/blame-corpus --show 20      # the first 20 runs, blame beside label
    python bench/blame_accuracy.py /tmp/blame-corpus --json         # JSON only on stdout

Each run is read as `diagnose` reads it (the one pass, `analyze` with the findings section, its clues kept and blamed
again, the failure being the run's own: it ended failed). Per dataset and over all:

- agent: the blame's agent is the labelled one; step: the blame's decisive step lies in the labelled turn (a step
  inside an agent's turn, a model or tool call, counts as that turn; the turns are counted from 0 in the order they
  started), exactly, within one turn, within three;
- per confidence: the blames of each level (`unknown`: no blame, or one naming neither agent nor step), how many,
  and how often their agent and step were right;
- per path: the blames grouped by the rule's path that chose the step (`path_of`, read from the blame's `why`:
  rule 4 on the file the task named at its first write or at a write that replaced it, rule 4 on a term of the
  final answer, rule 1 on a file that raised when run, rule 1, rule 2), as per confidence: what docs/diagnose.md's
  "How sure" levels rule 4 by; a blame that names no step, only the run's one agent that acted, is a path too;
- the positional rules on the same runs: "first": the first agent other than the user or an orchestrator to
  speak, at its first turn; "most": the agent that speaks most (the earlier on a tie), at its first turn; with how
  often the blame's agent and step equal each rule's (a blame that only restates a position reads nothing).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from namel3ss_debug.analysis.analyze import analyze
from namel3ss_debug.analysis.diagnosis.clues import Clues
from namel3ss_debug.analysis.diagnosis.diagnose import rediagnose
from namel3ss_debug.analysis.diagnosis.records import Blame
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import resolve_sources

LEVELS = ("high", "medium", "low", "unknown")
NOT_AGENTS = ("user", "human", "system")  # who speaks in a run without being one of its agents
ORCHESTRATORS = ("orchestrator", "team leader")  # Magentic-One's, MetaGPT's (its Team Leader hands the tasks out)
BANDS = (0, 1, 3)
# the path that chose a blame's step, by what its `why` says (diagnosis/blame*.py write these words), first match
PATHS = (
    ("rule 4, the file the task named, its first write", ("rule 4: the task named the file", "no later write")),
    ("rule 4, the file the task named, a write that replaced it", ("rule 4: the task named the file",
                                                                   "made the content it holds")),
    ("rule 4, an answer picked out of the tools' results", ("rule 4: every", "picked the answer out of")),
    ("rule 4, a term only the final answer holds", ("rule 4: the final answer's", "appears in no earlier step")),
    ("rule 4, a number or quoted term an earlier step introduced", ("rule 4: the final answer's number",
                                                                   "was written first by")),
    ("rule 4, a number or quoted term an earlier step introduced", ("rule 4: the final answer's quoted",
                                                                   "was written first by")),
    ("rule 4, a name an earlier step introduced", ("rule 4: the final answer's name", "was written first by")),
    ("rule 1, a file the run wrote raised when run", ("rule 1:", "a file the run wrote (")),
    ("rule 1, an error", ("rule 1:",)),
    ("rule 2, a finding", ("rule 2:",)),
)

ONLY_ACTOR = "no step: the only agent that acted"  # no rule pointed at a step, and one agent alone acted


@dataclass(frozen=True)
class Turns:
    """The run's agent turns in the order they started, and the turn each span ran in."""

    agents: list[str]  # the agent of turn i
    turn_of: dict[str, int]  # span id -> the index of the agent turn it is or ran in


@dataclass(frozen=True)
class Judged:
    """One labelled run: the label, what the blame said and what each positional rule says, as (agent, turn)."""

    run_id: str
    dataset: str
    label: tuple[str, int]
    blame: tuple[Optional[str], Optional[int]]
    level: str
    rules: dict[str, tuple[Optional[str], Optional[int]]]
    path: str = "none"  # the path that chose the blame's step (`path_of`)


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


def blames_of(path: Path) -> list[Blame]:
    """The blames `diagnose` gives the run at `path`, the failure being the run's own."""
    reader = TraceReader(ReadProblems())
    kept: list[Clues] = []
    sources = resolve_sources([str(path)])
    analyze([(source, reader.records(source)) for source in sources], sections=["overview", "findings"],
            keep_clues=kept.append)
    return rediagnose(kept[0], ()).blames if kept else []


def path_of(blame: Optional[Blame]) -> str:
    """The path that chose the blame's step, by its `why`: one of PATHS, ONLY_ACTOR for an agent with no step,
    "none" with neither, else "other"."""
    if blame is not None and blame.step is None and blame.agent is not None:
        return ONLY_ACTOR
    if blame is None or blame.step is None:
        return "none"
    return next((name for name, marks in PATHS
                 if blame.why.startswith(marks[0]) and all(mark in blame.why for mark in marks[1:])), "other")


def judge(corpus: Path, run_id: str, label: dict[str, Any]) -> Judged:
    path = corpus / label["file"]
    turns = turns_of(path)
    blame = next((one for one in blames_of(path) if one.run_id == run_id), None)
    agent = blame.agent if blame else None
    step = turns.turn_of.get(blame.step.ref.span_id) if blame and blame.step else None
    level = "unknown" if blame is None or (agent is None and blame.step is None) else blame.confidence
    return Judged(run_id, label["dataset"], (label["agent"], label["turn"]), (agent, step), level,
                  positional(turns), path_of(blame))


def right(said: tuple[Optional[str], Optional[int]], label: tuple[str, int], band: Optional[int]) -> bool:
    """The agent (band None) or the step within `band` turns."""
    if band is None:
        return said[0] == label[0]
    return said[1] is not None and abs(said[1] - label[1]) <= band


def share(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


def scores(judged: list[Judged]) -> dict[str, Any]:
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
    return {"runs": runs, "blame": accuracy(lambda one: one.blame),
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
    print(f"{name}: {row['runs']} failed runs ({row['no_step']} blamed with no step in a turn)")
    print(f"  {'':<34} agent  step   +-1   +-3")
    for what, title in (("blame", "blame"), ("first", "rule first (1st non-user agent)"),
                        ("most", "rule most (agent that speaks most)")):
        one = row[what]
        print(f"  {title:<34} {percent(one['agent'])} {percent(one['step'])} {percent(one['step_pm1'])} "
              f"{percent(one['step_pm3'])}")
    print(f"  {'confidence':<34} runs agent  step")
    for level, one in row["confidence"].items():
        print(f"  {level:<34} {one['runs']:>4} {percent(one['agent'])} {percent(one['step'])}")
    print(f"  {'path':<62} runs agent  step")
    for path, one in row["paths"].items():
        print(f"  {path:<62} {one['runs']:>4} {percent(one['agent'])} {percent(one['step'])}")
    for rule, one in row["blame_equals"].items():
        print(f"  blame equals rule {rule!r}: agent {percent(one['agent']).strip()}, "
              f"step {percent(one['step']).strip()}")


def judged_runs(corpus: Path, labels: dict[str, Any]) -> list[Judged]:
    """Each labelled run judged; a run file missing or unreadable stops with one line saying which."""
    judged = []
    for run_id, label in labels.items():
        try:
            judged.append(judge(corpus, run_id, label))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"blame_accuracy: run {run_id} of {corpus / 'labels.json'}: {exc!r}") from None
    return judged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the folder bench/blame_corpus_convert.py wrote (labels.json)")
    parser.add_argument("--show", type=int, default=0, help="print the first N runs, blame beside label")
    parser.add_argument("--json", action="store_true", help="only JSON on stdout")
    args = parser.parse_args()
    try:
        labels = json.loads((args.corpus / "labels.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"blame_accuracy: no labels in {args.corpus}: {exc}") from None
    judged = judged_runs(args.corpus, labels)
    datasets = sorted({one.dataset for one in judged})
    table = {dataset: scores([one for one in judged if one.dataset == dataset]) for dataset in datasets}
    if len(datasets) > 1:
        table["all"] = scores(judged)
    if args.json:
        print(json.dumps(table))
        return
    for name, row in table.items():
        print_scores(name, row)
    for one in judged[:args.show]:
        print(f"  {labels[one.run_id]['source']}: label {one.label}, blame {one.blame} ({one.level}), "
              f"first {one.rules['first']}, most {one.rules['most']}")


if __name__ == "__main__":
    main()
