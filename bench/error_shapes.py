"""Precision and recall of the error-shape rule (`model/error_shape.py`) on public tool-call transcripts.

How often a tool result that went well reads as an error, and how often one that failed does, on agent transcripts
nobody wrote for the rule, each result labelled by its data's own convention (never by the rule).

The data is fetched, not committed:

    git clone https://github.com/sierra-research/tau-bench          # historical_trajectories/*.json
    git clone https://github.com/OpenBMB/ToolBench                  # data_example/answer/**/*.json
    git clone https://github.com/THUNLP-MT/StableToolBench          # data_example/answer/**/*.json

    python bench/error_shapes.py tau-bench/historical_trajectories ToolBench/data_example/answer \\
        stable=StableToolBench/data_example/answer
    python bench/error_shapes.py PATH... --show 50        # more false negatives (every false positive is listed)

A PATH is a JSON file or a folder searched for them; `NAME=PATH` names its dataset (else the format's name).
Files of another form are counted and skipped. The formats and their labels:

- `tau-bench`: a list of trajectories (`traj`, OpenAI chat messages); each `role: tool` message is one result.
  Failed when its content starts with `Error:` (what the tools return on a failure, and what the environment sends
  for an exception a tool raised: `f"Error: {e}"`) or `Unknown action` (a tool that does not exist). A result the
  task did not want but the tool gave without complaint is a success.
- `toolbench`: a DFSDT tree (`tree`) or CoT chains (`trys`) of ToolBench's runner; each `observation` with an
  `observation_code` is one result, the model's `Finish` (codes 3 and 4) left out. Failed when the code is not 0
  (1 no such function, 2 bad input, 5 timeout, 6-11 the API server's errors, 12 request failed); code 0 is a
  success even when the API's body says it failed (`{'message': 'Endpoint ... does not exist'}`): ToolBench looks
  only at its server's `error` field. The observation is read as the model saw it, the `{"error": ..., "response":
  ...}` wrapper included; `toolbench:response` reads the `response` alone (what a tool handing the API's body to
  the model would give), when the observation parses and its response is not empty.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from namel3ss_debug.model.error_shape import read_error

RULES = ("flag", "json", "traceback", "exception", "error_word")
TAU_FAILED = ("Error:", "Unknown action")
TOOLBENCH_FINISH = (3, 4)


@dataclass(frozen=True)
class Result:
    """One tool result as a model received it, and whether the data says it failed."""

    dataset: str
    source: str
    tool: str
    text: str
    failed: bool


@dataclass(frozen=True)
class Judged:
    result: Result
    rule: Optional[str]  # the rule that read it as an error, None: read as a result

    @property
    def outcome(self) -> str:
        said = self.rule is not None
        return {(True, True): "TP", (False, True): "FP", (True, False): "FN", (False, False): "TN"}[
            (self.result.failed, said)]


def tau_bench(name: str, source: str, document: Any) -> Iterator[Result]:
    for run in document:
        where = f"{source}#task{run.get('task_id')}/trial{run.get('trial')}"
        for message in run["traj"]:
            if message.get("role") == "tool":
                text = message.get("content") or ""
                yield Result(name, where, message.get("name", "?"), text, text.startswith(TAU_FAILED))


def toolbench(name: str, source: str, document: Any) -> Iterator[Result]:
    roots = [document["tree"]["tree"]] if "tree" in document else [chain["chain"] for chain in document["trys"]]
    for node, tool in _observations(roots, "?"):
        code = node["observation_code"]
        if code in TOOLBENCH_FINISH:
            continue
        failed = code != 0
        yield Result(name, source, tool, node["observation"], failed)
        response = _response(node["observation"])
        if response:
            yield Result(f"{name}:response", source, tool, response, failed)


def _observations(nodes: Iterable[Any], tool: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Each node holding an observation, with the tool its `Action` node (the parent in a tree, the node before it
    in a chain) names."""
    for node in nodes:
        if not isinstance(node, dict):
            continue
        if node.get("node_type") == "Action":
            tool = node.get("description") or tool
        if "observation" in node and "observation_code" in node:
            yield node, tool
        yield from _observations(node.get("children") or [], tool)


def _response(observation: str) -> str:
    """The `response` of a ToolBench observation, as text; "" when it does not parse (cut short) or is empty."""
    try:
        wrapper = json.loads(observation)
    except ValueError:
        return ""
    response = wrapper.get("response") if isinstance(wrapper, dict) else None
    if response in (None, "", [], {}):
        return ""
    return response if isinstance(response, str) else json.dumps(response, ensure_ascii=False)


FORMATS = {"tau-bench": tau_bench, "toolbench": toolbench}


def format_of(document: Any) -> Optional[str]:
    if isinstance(document, list) and document and isinstance(document[0], dict) and "traj" in document[0]:
        return "tau-bench"
    if isinstance(document, dict) and ("tree" in document or "trys" in document) and "answer_generation" in document:
        return "toolbench"
    return None


def read_results(arguments: list[str]) -> tuple[list[Result], Counter[str]]:
    """Every result of the files the arguments name, and the files read per format (`skipped`: other forms)."""
    results: list[Result] = []
    files: Counter[str] = Counter()
    for argument in arguments:
        label, named, path = argument.partition("=")
        if not named or "/" in label:
            label, path = "", argument
        root = Path(path)
        for file in sorted(root.rglob("*.json")) if root.is_dir() else [root]:
            document = json.loads(file.read_text(encoding="utf-8"))
            kind = format_of(document)
            files[kind or "skipped"] += 1
            if kind is not None:
                source = str(file.relative_to(root)) if root.is_dir() else file.name
                results += FORMATS[kind](label or kind, source, document)
    return results, files


def judge(results: list[Result]) -> list[Judged]:
    judged = []
    for result in results:
        shape = read_error(result.text)
        judged.append(Judged(result, shape.rule if shape is not None else None))
    return judged


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:8.1%}" if whole else "       -"


def print_datasets(judged: list[Judged]) -> None:
    by_dataset: dict[str, Counter[str]] = defaultdict(Counter)
    for item in judged:
        by_dataset[item.result.dataset][item.outcome] += 1
        by_dataset["all"][item.outcome] += 1
    print(f"{'dataset':20} {'results':>7} {'failed':>6} {'TP':>5} {'FP':>5} {'FN':>5} {'TN':>6} "
          f"{'precision':>9} {'recall':>8}")
    for name in [*sorted(set(by_dataset) - {"all"}), "all"]:
        c = by_dataset[name]
        total, failed = sum(c.values()), c["TP"] + c["FN"]
        print(f"{name:20} {total:7d} {failed:6d} {c['TP']:5d} {c['FP']:5d} {c['FN']:5d} {c['TN']:6d} "
              f"{ratio(c['TP'], c['TP'] + c['FP']):>9} {ratio(c['TP'], failed):>8}")


def print_rules(judged: list[Judged]) -> None:
    hits: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for item in judged:
        if item.rule is not None:
            hits[item.result.dataset, item.rule][item.outcome] += 1
    print(f"\n{'dataset':20} {'rule':11} {'hits':>5} {'FP':>5} {'precision':>9}")
    for (dataset, rule), c in sorted(hits.items(), key=lambda pair: (pair[0][0], RULES.index(pair[0][1]))):
        print(f"{dataset:20} {rule:11} {c['TP'] + c['FP']:5d} {c['FP']:5d} {ratio(c['TP'], c['TP'] + c['FP']):>9}")


def print_lines(title: str, items: list[Judged], show: Optional[int]) -> None:
    """Each distinct first line of `items`, most frequent first, with its count, dataset, rule and tool."""
    lines = Counter((i.result.dataset, i.rule or "-", i.result.tool, first_line(i.result.text)) for i in items)
    print(f"\n{title}: {len(items)} ({len(lines)} distinct first lines)")
    for (dataset, rule, tool, line), count in lines.most_common(show):
        print(f"{count:5d}  [{dataset}] {rule} {tool}: {line}")


def first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return repr(line[:140] + ("..." if len(line) > 140 else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", metavar="[NAME=]PATH", help="a JSON file, or a folder of them")
    parser.add_argument("--show", type=int, default=20, help="distinct false negatives to list (every false "
                                                             "positive is listed)")
    options = parser.parse_args()
    results, files = read_results(options.paths)
    print("files: " + ", ".join(f"{count} {kind}" for kind, count in sorted(files.items())))
    judged = judge(results)
    print_datasets(judged)
    print_rules(judged)
    print_lines("false positives (a result that went well, read as an error)",
                [i for i in judged if i.outcome == "FP"], None)
    print_lines("false negatives (a failed result, read as a result)", [i for i in judged if i.outcome == "FN"],
                options.show)


if __name__ == "__main__":
    main()
