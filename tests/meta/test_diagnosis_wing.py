"""The diagnosis wing's rooms, and the one way its imports go: the pass above the diagnosis, the records below both.

The layer contract (`support/layercontract.py`) sees `analysis/` as one folder; inside it, ROOMS lists the wing's
rooms from the top down. A module stands in the room of its longest matching prefix and imports its own room and
the rooms below it, never one above: the pass feeds the collector and asks `diagnose`, the diagnosis reads what
the pass keeps of a run and the records, and the records read neither.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import namel3ss_debug

from support.layercontract import PACKAGE, Import, imports, package_copy

ROOT = Path(namel3ss_debug.__file__).parent
WING = ROOT / "analysis" / "diagnosis"

ROOMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # the one pass, its collectors, the report's build, the merge and join of parts: they feed the diagnosis
    ("pass", ("analysis",)),
    ("diagnose", ("analysis.diagnosis",)),  # the rules and the blame over a run's clues, into a Diagnosis
    ("parts", ("analysis.diagnosis.parts",)),  # a big run read in parts: a part's collector, the join
    ("collector", ("analysis.diagnosis.collector",)),  # what `Tally` feeds, and the note-takers it calls
    ("blame", ("analysis.diagnosis.blame",)),  # the responsible agent and the decisive step of a failed run
    ("rules", ("analysis.diagnosis.rules",)),  # one file per family of findings
    ("notes", ("analysis.diagnosis.notes",)),  # what the collector keeps of a run, which the rules and blame read
    # what the pass keeps of a run as it reads it, and the definitions both apply: its thresholds, a failed run
    ("run", ("analysis.run_state", "analysis.collectors.figures", "analysis.handling", "analysis.idset",
             "analysis.loops", "analysis.traffic", "analysis.fields", "analysis.thresholds", "analysis.failed_run")),
    ("records", ("analysis.records",)),  # the report's and the diagnosis's records, below both
)


def room_of(module: str) -> tuple[int, str] | None:
    """The rank (0 at the top) and name of a module's room, by the longest prefix that holds it."""
    best: tuple[int, int, str] | None = None
    for rank, (name, prefixes) in enumerate(ROOMS):
        for prefix in prefixes:
            full = f"{PACKAGE}.{prefix}"
            if (module == full or module.startswith(full + ".")) and (best is None or len(full) > best[0]):
                best = (len(full), rank, name)
    return None if best is None else (best[1], best[2])


def upward(found: list[Import]) -> list[str]:
    """Each import, among the wing's rooms, of a room above the importer's, as `file:line: a -> b`."""
    wrong = []
    for item in found:
        source, target = room_of(item.source), room_of(item.target)
        if source and target and target[0] < source[0]:
            wrong.append(f"{item.path.relative_to(item.path.parents[2])}:{item.line}: {source[1]} -> {target[1]}"
                         f" ({item.target.removeprefix(PACKAGE + '.')})")
    return wrong


def test_the_wing_imports_go_one_way() -> None:
    assert upward(imports(ROOT)) == []


def test_a_rule_that_reads_the_pass_is_caught(tmp_path: Path) -> None:
    copy = package_copy(ROOT, tmp_path)
    tools = copy / "analysis" / "diagnosis" / "rules" / "tools.py"
    tools.write_text("from ...tally import Tally\n" + tools.read_text())
    assert upward(imports(copy)) == ["diagnosis/rules/tools.py:1: rules -> pass (analysis.tally)"]


def test_records_that_name_the_diagnosis_are_caught(tmp_path: Path) -> None:
    copy = package_copy(ROOT, tmp_path)
    report = copy / "analysis" / "records" / "report.py"
    report.write_text("from ..diagnosis.notes.steps import Step\n" + report.read_text())
    assert upward(imports(copy)) == ["analysis/records/report.py:1: records -> notes (analysis.diagnosis.notes.steps)"]


def test_every_folder_of_the_wing_is_a_room() -> None:
    folders = {f"analysis.diagnosis.{path.name}" for path in WING.iterdir() if (path / "__init__.py").exists()}
    rooms = {prefix for _, prefixes in ROOMS for prefix in prefixes}
    assert folders - rooms == set()


def _paragraphs(docstring: str) -> dict[str, str]:
    """The package docstring's bullets by what each begins with: `parts/`, `diagnose.py`, ..."""
    return {match.group(1): match.group(2) for match in
            re.finditer(r"^- `([\w/.]+)`:(.*?)(?=^- |^\S|\Z)", docstring, re.MULTILINE | re.DOTALL)}


def test_the_package_docstring_names_every_module_of_the_wing_in_its_room() -> None:
    docstring = ast.get_docstring(ast.parse((WING / "__init__.py").read_text(encoding="utf-8"))) or ""
    said = _paragraphs(docstring)
    missing = []
    for path in sorted(WING.rglob("*.py")):
        if path.stem == "__init__":
            continue
        if path.parent == WING:  # a module of the top room has a bullet of its own
            named = path.name in said
        else:
            text = said.get(f"{path.parent.name}/", "")
            named = f"`{path.name}`" in text or f"`{path.stem}`" in text
        if not named:
            missing.append(str(path.relative_to(WING)))
    assert missing == []
