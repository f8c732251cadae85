"""The layer contract (tests/support/layercontract.py) holds for the package, and catches a wrong-way import."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import namel3ss_debug

from support.layercontract import (LAYERS, PACKAGE, cycles, folder, imports, package_copy, unexplained_inner_imports,
                                   violations)

ROOT = Path(namel3ss_debug.__file__).parent
GUIDE = Path(__file__).parents[2] / "ARCHITECTURE.md"


def test_no_import_goes_the_wrong_way() -> None:
    assert violations(imports(ROOT)) == []


def test_no_modules_import_each_other() -> None:
    assert cycles(imports(ROOT)) == []


def test_a_loop_inside_one_folder_is_caught(tmp_path: Path) -> None:
    copy = package_copy(ROOT, tmp_path)
    errors = copy / "model" / "errors.py"
    errors.write_text(errors.read_text() + "\n\ndef _back():\n    from . import events  # noqa: PLC0415 - test\n")
    events = copy / "model" / "events.py"
    events.write_text("from . import errors\n" + events.read_text())
    assert [f"{PACKAGE}.model.errors", f"{PACKAGE}.model.events"] in cycles(imports(copy))


def test_every_folder_of_the_package_is_in_a_layer() -> None:
    named = {name for layer in LAYERS for name in layer}
    folders = {folder(f"{PACKAGE}.{path.stem if path.is_file() else path.name}") for path in ROOT.iterdir()
               if (path.is_dir() and (path / "__init__.py").exists())
               or (path.suffix == ".py" and path.stem != "__init__")}
    assert folders - named == set()


def test_an_import_inside_a_function_says_why() -> None:
    assert unexplained_inner_imports(imports(ROOT)) == []


def test_a_wrong_way_import_inside_a_function_is_caught(tmp_path: Path) -> None:
    copy = package_copy(ROOT, tmp_path)
    events = copy / "model" / "events.py"
    wrong = "\n\ndef _wrong():\n    from ..render import console  # noqa: PLC0415 - test\n"
    events.write_text(events.read_text() + wrong)
    found = violations(imports(copy))
    assert len(found) == 1
    assert re.fullmatch(r"events\.py:\d+: model -> render \(render is above model\)", found[0])


def test_a_loop_between_capture_and_the_rerun_is_caught(tmp_path: Path) -> None:
    copy = package_copy(ROOT, tmp_path)
    opening = copy / "transport" / "opening.py"
    opening.write_text("from ..rerun.answers import Answer\n" + opening.read_text())
    assert violations(imports(copy)) == ["opening.py:1: transport -> rerun (rerun is above transport)"]


def test_siblings_of_one_layer_are_independent(tmp_path: Path) -> None:
    copy = package_copy(ROOT, tmp_path)
    target = next((copy / "diffing").glob("*.py"))
    target.write_text("from ..checks import rules\n" + target.read_text())
    assert violations(imports(copy)) == [f"{target.name}:1: diffing -> checks "
                                         "(diffing and checks are independent folders of one layer)"]


def test_an_inner_import_without_a_reason_is_named(tmp_path: Path) -> None:
    copy = package_copy(ROOT, tmp_path)
    events = copy / "model" / "events.py"
    before = set(unexplained_inner_imports(imports(copy)))
    events.write_text(events.read_text() + "\n\ndef _late():\n    from . import errors\n")
    added = set(unexplained_inner_imports(imports(copy))) - before
    assert [line.split(": ", 1)[1] for line in added] == [f"{PACKAGE}.model.errors"]


def test_the_guide_draws_the_contract() -> None:
    block = GUIDE.read_text(encoding="utf-8").split("<!-- layers -->", 2)[1]
    drawn = [tuple(row.split("|", 1)[0].split()) for row in block.splitlines() if "|" in row]
    assert drawn == list(LAYERS)


def test_an_apps_import_of_the_tracer_loads_no_launcher(tmp_path: Path) -> None:
    code = ("import sys, namel3ss_debug.tracer.api, namel3ss_debug.transport, namel3ss_debug.integrations.calls\n"
            "print(sorted(m for m in sys.modules if m.startswith('namel3ss_debug.launch')))\n"
            "print(sorted({'click', 'rich', 'prompt_toolkit'} & set(sys.modules)))")
    environ = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=environ, capture_output=True, text=True,
                          check=True)
    # autostart is the package's own (it starts a run when the environment says so), with the hooks it
    # installs then (capture); nothing else of launch/
    assert done.stdout.splitlines() == [
        "['namel3ss_debug.launch', 'namel3ss_debug.launch.autostart', 'namel3ss_debug.launch.capture']", "[]"]
