"""`verify --format json` and `bisect --format json` against their schemas (`schemas/verify-v1.schema.json`,
`schemas/bisect-v1.schema.json`): both are valid draft 2020-12 schemas with every property described, each
definition holds exactly the fields of the record it describes (and the ones the JSON view adds), the definitions the
two share are the same, and a report built in code with every optional part filled validates. The commands' real
output is validated by `tests/cli/test_verify_cmd.py` and `tests/cli/test_bisect_cmd.py`."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator

from namel3ss_debug.judging.bisect_report import BisectCandidate, BisectReport, BisectRerun
from namel3ss_debug.judging.call_compare import CallChange, CallComparison
from namel3ss_debug.judging.outcome import Failure, Outcome
from namel3ss_debug.judging.said import Said
from namel3ss_debug.judging.verdict import Repeats, Verdict
from namel3ss_debug.judging.verify_report import Try, VerifyReport
from namel3ss_debug.render.bisect.bisect_json import bisect_json
from namel3ss_debug.render.verify.verify_json import verify_json
from namel3ss_debug.rerun.candidates import Candidate as Nearest, Miss
from namel3ss_debug.rerun.network import Network
from namel3ss_debug.rerun.policy import LiveCalls
from namel3ss_debug.schemas import bisect_schema_path, load_bisect_schema, load_verify_schema, verify_schema_path

SHARED = ("verdict", "miss", "nearestCall", "network")
FAILED = Outcome("r1", "failed", 1, (Failure("ended", "", "ended failed (exit code 1)"),
                                     Failure("unhandled", "KeyError", "unhandled KeyError")), None, 1, 0, 1)
PASSED = Outcome("r2", "completed", 0, (), "Sunny in Lisbon.", 3, 0, 0)
MISS = Miss("tool:weather#2", "agent:trip#1 > tool:weather#2", {"city": "Oslo"}, "the recording has no such call",
            (Nearest("tool:weather#1", "old.jsonl:8", "agent:trip#1 > tool:weather#1", ("inputs: city",)),))
NETWORK = Network("guard", "--live: LLM misses go live", ("processes the app starts",), 0, 0, 1)
SAID = Said("completed", None, None, {"city": "Lisbon"}, (("weather", '{"city":"Lisbon"}'),))


def verify_report() -> VerifyReport:
    change = CallChange("llm:chat#1", "different", Said("failed", "KeyError: 'x'", None, None, ()), SAID, "status")
    calls = CallComparison((change, CallChange("tool:weather#1", "only_new", None, SAID)), change)
    fixed = Verdict("fixed", "the new run passes")
    tries = (Try(1, "r2", ("new.jsonl",), {"recorded": 1, "reran": 1, "live": 1, "missed": 0}, (), PASSED, calls,
                 fixed, NETWORK),
             Try(2, "r3", ("new2.jsonl",), {"recorded": 1, "reran": 0, "live": 0, "missed": 1}, (MISS,), FAILED, None,
                 Verdict("inconclusive", "the new run was stopped"), NETWORK, "tool:weather#2 had no recorded answer"))
    repeats = Repeats(Verdict("inconclusive", "the tries disagree"), tuple(t.verdict for t in tries), 1, (0.5, 0.0))
    return VerifyReport("old.jsonl", "r1", ("app.py",), "/tmp", None, True, True, ("http://127.0.0.1:8000",),
                        "contains:sunny", ("max_errors",), FAILED, tries, repeats)


def bisect_report() -> BisectReport:
    reruns = (BisectRerun(1, ("llm:chat#1",), ("new.jsonl",), {"recorded": 1, "mocked": 1, "live": 0}, None, PASSED,
                          Verdict("fixed", "the new run passes"), True, NETWORK),
              BisectRerun(2, ("llm:chat#2",), (), {"recorded": 1, "mocked": 0, "live": 0}, "a miss", None,
                          Verdict("inconclusive", "stopped"), None, None, (MISS,)))
    return BisectReport("bad.jsonl", "r1", "the good run good.jsonl", ("app.py", "Atlantis"), "/tmp", FAILED,
                        (BisectCandidate("llm:chat#1", {"text": "Lisbon"}),
                         BisectCandidate("llm:chat#2", "plain text")),
                        "found", "llm:chat#1", True, reruns, LiveCalls(own=True), ("http://127.0.0.1:8000",))


def errors(schema: dict[str, Any], document: Any) -> list[str]:
    validator = Draft202012Validator(schema)
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]


def undescribed(node: object, path: str = "") -> list[str]:
    missing: list[str] = []
    if isinstance(node, dict):
        missing += [f"{path}.{key}" for key, value in node.get("properties", {}).items() if "description" not in value]
        for key, value in node.items():
            missing += undescribed(value, f"{path}/{key}")
    elif isinstance(node, list):
        for value in node:
            missing += undescribed(value, path)
    return missing


@pytest.mark.parametrize("path, load", [(verify_schema_path, load_verify_schema),
                                        (bisect_schema_path, load_bisect_schema)], ids=["verify", "bisect"])
def test_each_schema_is_a_valid_draft_2020_12_schema_with_every_property_described(path, load) -> None:
    assert path().is_file()
    Draft202012Validator.check_schema(load())
    assert undescribed(load()) == []


def test_the_definitions_both_reports_share_are_the_same_in_both_schemas() -> None:
    verify, bisect = load_verify_schema()["$defs"], load_bisect_schema()["$defs"]
    assert {name: verify[name] for name in SHARED} == {name: bisect[name] for name in SHARED}


# each definition, the record it describes, and what the JSON view adds to the record's fields
VERIFY_DEFS = {"try": (Try, ["passed"]), "outcome": (Outcome, ["passed"]), "failure": (Failure, ["label"]),
               "verdict": (Verdict, []), "callComparison": (CallComparison, []), "callChange": (CallChange, []),
               "said": (Said, []), "miss": (Miss, []), "nearestCall": (Nearest, []), "network": (Network, [])}
BISECT_DEFS = {"rerun": (BisectRerun, []), "candidate": (BisectCandidate, []), "outcome": (Outcome, []),
               "failure": (Failure, [])}


@pytest.mark.parametrize("load, definition, record, added",
                         [(load_verify_schema, name, *spec) for name, spec in VERIFY_DEFS.items()]
                         + [(load_bisect_schema, name, *spec) for name, spec in BISECT_DEFS.items()],
                         ids=[f"verify-{name}" for name in VERIFY_DEFS] + [f"bisect-{name}" for name in BISECT_DEFS])
def test_each_definition_holds_exactly_its_record_s_fields(load, definition, record, added) -> None:
    node = load()["$defs"][definition]
    names = [item.name for item in fields(record)] + added
    assert (list(node["properties"]), node["required"]) == (names, names)


def test_the_top_level_holds_exactly_what_the_views_write() -> None:
    verify = orjson.loads(verify_json(verify_report()))
    bisect = orjson.loads(bisect_json(bisect_report()))
    assert list(load_verify_schema()["properties"]) == list(verify)
    assert list(load_bisect_schema()["properties"]) == list(bisect)


def test_reports_with_every_optional_part_filled_validate() -> None:
    assert errors(load_verify_schema(), orjson.loads(verify_json(verify_report()))) == []
    assert errors(load_bisect_schema(), orjson.loads(bisect_json(bisect_report()))) == []


def test_an_unknown_key_and_an_unknown_verdict_are_refused() -> None:
    document = orjson.loads(verify_json(verify_report()))
    document["tries"][0]["surprise"] = 1
    document["verdict"] = "fine"
    assert len(errors(load_verify_schema(), document)) == 2
    document = orjson.loads(bisect_json(bisect_report()))
    document["reruns"][0]["counts"]["reran"] = 1
    document["status"] = "found it"
    assert len(errors(load_bisect_schema(), document)) == 2
