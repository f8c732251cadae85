"""`diagnose --experiment --format json` against its schema (`schemas/experiment-v1.schema.json`): a valid draft
2020-12 schema with every property described; each definition holds exactly the fields of the record it describes
(and the ones the JSON view adds), so a field added to the report without the schema fails here; and reports built
in code validate: one verified, one not confirmed for each reason, with stopped tries and an unknown cost."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

import msgspec
import orjson
import pytest
from jsonschema import Draft202012Validator

from namel3ss_debug.judging.experiment import (BUDGET, INTERRUPTED, NO_RESCUE, REASONS, UNJUDGED, UNSURE, Conclusion,
                                               ForkPoint, PointTried, Search)
from namel3ss_debug.judging.experiment_report import EXPERIMENT_SCHEMA, Budget, ExperimentReport, Spent
from namel3ss_debug.render.diagnose.experiment_json import experiment_json
from namel3ss_debug.schemas import experiment_schema_path, load_experiment_schema

POINTS = [ForkPoint(f"llm:openai.responses#{index}", index, 4 * index, "clerk", 0 if index == 6 else None)
          for index in range(1, 7)]


def tried(index: int, passes: int, tries: int = 3, stopped: int = 0) -> PointTried:
    forks = [f"r{index}-{number}" for number in range(tries)]
    outcomes = ["stopped: llm:openai.responses#5 had no recorded answer"] * stopped
    outcomes += ["failed: ended failed (exit code 1)"] * (tries - stopped - passes) + ["passed"] * passes
    return PointTried(POINTS[index - 1], tries, passes, stopped, forks, outcomes)


def report(tries: list[PointTried], conclusion: Conclusion, cost: float | None = 0.00066,
           record: str | None = "traces/r0.experiment.json") -> ExperimentReport:
    return ExperimentReport(EXPERIMENT_SCHEMA, "namel3ss-debug 0.1.0", "r0", "traces/r0.0000.jsonl",
                            "failed: ended failed (exit code 1)", len(POINTS), "llm:openai.responses#6",
                            "llm:openai.responses#6", "low", tries, conclusion,
                            Spent(sum(done.tries for done in tries), 42, cost),
                            Budget(3, 200, 0.5), "--base-url", ["http://127.0.0.1:8000"], "contains:balances", record)


def verified() -> ExperimentReport:
    """Call 3 decisive: 3/3 from it on, 0/9 from call 4 on (a drop beyond chance past its first round); call 1 had
    a try stopped at a miss."""
    done = [tried(6, 0), tried(1, 1, stopped=1), tried(3, 3), tried(4, 0, tries=9)]
    return report(done, Search(POINTS, [6]).conclude({t.point.index: t for t in done}, None))


def not_confirmed(reason: str) -> ExperimentReport:
    """Not confirmed for `reason`, with an unknown cost and no record (no fork made, for `budget`)."""
    done = {NO_RESCUE: [tried(6, 0), tried(1, 0, tries=12)], BUDGET: [tried(6, 0), tried(1, 1), tried(3, 1, tries=1)],
            INTERRUPTED: [tried(6, 0), tried(1, 0, tries=1, stopped=1)],
            UNJUDGED: [tried(6, 0), tried(1, 0, stopped=3), tried(2, 0, stopped=3)],
            UNSURE: [tried(6, 0), tried(1, 1), tried(3, 1, tries=12), tried(4, 0, tries=12)]}[reason]
    stopped = reason if reason in (BUDGET, INTERRUPTED) else None
    conclusion = Search(POINTS, [6]).conclude({t.point.index: t for t in done}, stopped)
    assert conclusion.reason == reason
    return report(done, conclusion, cost=None, record=None)


REPORTS: dict[str, Callable[[], ExperimentReport]] = {
    "verified": verified, **{f"not-confirmed-{reason}": partial(not_confirmed, reason) for reason in REASONS}}


def document(built: ExperimentReport) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(experiment_json(built))
    return loaded


def errors(instance: Any) -> list[str]:
    validator = Draft202012Validator(load_experiment_schema())
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)]


def undescribed(node: object, path: str = "") -> list[str]:
    """Every property without a description (the conditions' restatements, under if/then/else, excepted)."""
    missing: list[str] = []
    if isinstance(node, dict):
        missing += [f"{path}.{key}" for key, value in node.get("properties", {}).items() if "description" not in value]
        for key, value in node.items():
            if key not in ("if", "then", "else"):
                missing += undescribed(value, f"{path}/{key}")
    elif isinstance(node, list):
        for value in node:
            missing += undescribed(value, path)
    return missing


def test_the_schema_is_a_valid_draft_2020_12_schema_with_every_property_described() -> None:
    assert experiment_schema_path().is_file()
    Draft202012Validator.check_schema(load_experiment_schema())
    assert undescribed(load_experiment_schema()) == []


# each definition, the record it describes, and what the JSON view adds to the record's fields
DEFINITIONS = {"forkPoint": (ForkPoint, []), "pointTried": (PointTried, ["interval"]),
               "conclusion": (Conclusion, [])}


@pytest.mark.parametrize("definition, record, added", [(name, *spec) for name, spec in DEFINITIONS.items()],
                         ids=list(DEFINITIONS))
def test_each_definition_holds_exactly_its_record_s_fields(definition: str, record: type, added: list[str]) -> None:
    node = load_experiment_schema()["$defs"][definition]
    names = [item.name for item in msgspec.structs.fields(record)] + added
    assert (list(node["properties"]), node["required"]) == (names, names)


@pytest.mark.parametrize("section, record", [("spent", Spent), ("budget", Budget)])
def test_spent_and_budget_hold_exactly_their_record_s_fields(section: str, record: type) -> None:
    node = load_experiment_schema()["properties"][section]
    names = [item.name for item in msgspec.structs.fields(record)]
    assert (list(node["properties"]), node["required"]) == (names, names)


@pytest.mark.parametrize("name", list(REPORTS))
def test_the_schema_lists_every_key_the_json_has_in_its_order(name: str) -> None:
    schema = load_experiment_schema()
    written = document(REPORTS[name]())
    assert list(schema["properties"]) == list(written) == schema["required"]
    assert list(written)[:len(msgspec.structs.fields(ExperimentReport))] == \
        [item.name for item in msgspec.structs.fields(ExperimentReport)]


@pytest.mark.parametrize("name", list(REPORTS))
def test_each_report_validates(name: str) -> None:
    assert errors(document(REPORTS[name]())) == []


def test_the_reports_built_show_what_they_stand_for() -> None:
    shown = document(verified())
    assert (shown["verified"], shown["agrees"], shown["conclusion"]["decisive"]["index"]) == (True, False, 3)
    assert shown["tried"][1]["stopped"] == 1 and shown["tried"][1]["interval"] == [0.0945, 0.9055]
    unknown = document(not_confirmed(BUDGET))
    assert (unknown["verified"], unknown["agrees"], unknown["spent"]["cost_usd"]) == (False, None, None)
    assert unknown["conclusion"]["between"] == ["llm:openai.responses#3", "llm:openai.responses#5"]


def test_an_unknown_key_a_verdict_and_a_reason_out_of_place_are_refused() -> None:
    shown = document(verified())
    shown["tried"][0]["surprise"] = 1
    shown["conclusion"]["reason"] = BUDGET  # a verified conclusion has no reason
    shown["budget"]["tries"] = 0
    assert len(errors(shown)) == 3
    shown = document(not_confirmed(NO_RESCUE))
    shown["conclusion"]["verdict"] = "refuted"
    shown["conclusion"]["reason"] = "out of luck"
    shown["live"] = "--offline"
    assert len(errors(shown)) == 3
