"""Precision and recall of `diagnose` over the diagnosis corpus (tests/diagnosis/corpus.py), per kind and overall,
and the blame's agent and step accuracy on the failed runs.

    python bench/diagnose_corpus.py                 # records every app (about two minutes), then diagnoses each
    python bench/diagnose_corpus.py --dir /tmp/dc   # keeps the traces there; a later run with --dir reuses them
    python bench/diagnose_corpus.py --only call_loop --only example_chain_app --show
    python bench/diagnose_corpus.py --json          # JSON only on stdout

Each app is traced as a user runs it (`namel3ss-debug trace`, stubs on 127.0.0.1), then read by
`namel3ss-debug diagnose --format json`. How a finding counts, case by case:

- true positive: a finding of the case's kind whose evidence names the case's expected calls (once a case);
- false positive: a finding of the case's kind whose evidence names none of them (when no finding of that kind
  does), or a finding above `info` of another kind than the case's and than those it allows (`also`: a run ended
  by its turn limit also looped) - on a healthy run, every finding above `info`;
- false negative: a failure case with no true positive.

Precision is TP / (TP + FP), recall TP / (TP + FN), per kind and over all kinds (each count summed). The blame
is judged on the failure cases that declare one (agent, decisive step's call address): its accuracy is the share
of those where `diagnose`'s first blame names them. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "diagnosis"))
from corpus import CASES, Case, Judged, diagnosis_of, judge, record, summary, workdir  # noqa: E402 - beside tests

from namel3ss_debug.analysis.records.findings import KINDS  # noqa: E402 - after the corpus, as above


def trace_of(case: Case, where: Path) -> Path:
    """The case's trace in `where`: recorded now, or the one an earlier run with the same --dir left there."""
    kept = sorted((where / "traces" / case.name.replace(" ", "_")).glob("*.jsonl"))
    if kept:
        return kept[-1]
    print(f"recording {case.name}", file=sys.stderr)
    return record(case, where)


def run_corpus(cases: list[Case], where: Path) -> list[Judged]:
    judged = []
    for case in cases:
        trace = trace_of(case, where)
        print(f"diagnosing {case.name}", file=sys.stderr)
        judged.append(judge(case, diagnosis_of(trace, where)))
    return judged


def counts(judged: list[Judged]) -> dict[str, Counter[str]]:
    """kind -> {tp, fp, fn}."""
    table: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    for one in judged:
        for finding in one.wrong:
            table.setdefault(finding["kind"], Counter())["fp"] += 1
        if one.case.kind is None:
            continue
        if one.found:
            table[one.case.kind]["tp"] += 1
        else:
            table[one.case.kind]["fn"] += 1
            table[one.case.kind]["fp"] += len(one.misplaced)
    return table


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def scores(table: dict[str, Counter[str]]) -> dict[str, dict[str, Any]]:
    rows = {}
    for kind, count in [*table.items(), ("overall", sum(table.values(), Counter()))]:
        tp, fp, fn = count["tp"], count["fp"], count["fn"]
        rows[kind] = {"tp": tp, "fp": fp, "fn": fn, "precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn)}
    return rows


def blame_accuracy(judged: list[Judged]) -> dict[str, dict[str, Any]]:
    accuracy = {}
    for what in ("agent", "step"):
        verdicts = [getattr(one, f"blame_{what}") for one in judged]
        said = [verdict for verdict in verdicts if verdict is not None]
        accuracy[what] = {"right": sum(said), "judged": len(said), "accuracy": ratio(sum(said), len(said))}
    return accuracy


def percent(value: float | None) -> str:
    return "   n/a" if value is None else f"{value * 100:5.1f}%"


def print_report(judged: list[Judged], show: bool) -> None:
    rows, blames = scores(counts(judged)), blame_accuracy(judged)
    healthy = [one for one in judged if one.case.healthy]
    failures = [one for one in judged if not one.case.healthy]
    print(f"diagnose over the corpus: {len(failures)} failure apps, {len(healthy)} healthy runs")
    print()
    print(f"  {'kind':<28} {'TP':>3} {'FP':>3} {'FN':>3}  precision  recall")
    for kind, row in rows.items():
        print(f"  {kind:<28} {row['tp']:>3} {row['fp']:>3} {row['fn']:>3}     {percent(row['precision'])}  "
              f"{percent(row['recall'])}")
    print()
    clean = sum(1 for one in healthy if not one.wrong)
    print(f"  healthy runs with no finding above info: {clean} of {len(healthy)}")
    for what, row in blames.items():
        print(f"  blame {what}: {row['right']} of {row['judged']} right ({percent(row['accuracy']).strip()})")
    if show:
        print_cases(judged)


def print_cases(judged: list[Judged]) -> None:
    print()
    for one in judged:
        verdict = ("clean" if not one.wrong else "NOT CLEAN") if one.case.healthy else \
            ("found" if one.found else "MISSED")
        print(f"  {one.case.name}: {verdict}" + (f" (xfail: {one.case.xfail})" if one.case.xfail else ""))
        for finding in one.wrong + one.misplaced:
            print(f"      wrong: {summary(finding)}")
        if one.case.blame is not None:
            print(f"      blame: agent {one.blame_agent}, step {one.blame_step}: {one.blames[:1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, help="where the traces go (and are reused from); default: a temp dir")
    parser.add_argument("--only", action="append", default=[], help="a case's name (repeatable)")
    parser.add_argument("--show", action="store_true", help="each case's verdict and its wrong findings")
    parser.add_argument("--json", action="store_true", help="only JSON on stdout")
    args = parser.parse_args()
    cases = [case for case in CASES if not args.only or case.name.replace(" ", "_") in
             {name.replace(" ", "_") for name in args.only}]
    with tempfile.TemporaryDirectory(prefix="diagnose-corpus-") as scratch:
        judged = run_corpus(cases, workdir(args.dir or Path(scratch)))
    if args.json:
        print(json.dumps({"kinds": scores(counts(judged)), "blame": blame_accuracy(judged),
                          "cases": {one.case.name: {"found": one.found, "wrong": [summary(f) for f in one.wrong]}
                                    for one in judged}}))
        return
    print_report(judged, args.show)


if __name__ == "__main__":
    main()
