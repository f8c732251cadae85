"""One name, one idea: no public class name (a top-level `class X`, X not starting with `_`) stands in two
modules of the package, so a name read in a traceback, a diff or a review says which idea it is without its
module (issue 101: `Judging` named three ideas, `Settings` was imported as `ParallelSettings`)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import namel3ss_debug

ROOT = Path(namel3ss_debug.__file__).parent


def shared_class_names(root: Path) -> dict[str, list[str]]:
    """Each public top-level class name defined in more than one module under `root`, with those modules
    (paths relative to `root`, sorted)."""
    modules: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                modules[node.name].append(path.relative_to(root).as_posix())
    return {name: found for name, found in modules.items() if len(found) > 1}


def test_no_public_class_name_stands_in_two_modules() -> None:
    assert shared_class_names(ROOT) == {}


def test_a_class_named_as_one_in_another_module_is_caught(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "reader.py").write_text("class Span:\n    pass\n\n\nclass _Private:\n    pass\n")
    (tmp_path / "tracer.py").write_text("class Span:\n    pass\n\n\nclass _Private:\n    pass\n\n\n"
                                        "def make():\n    class Local:\n        pass\n")
    (tmp_path / "other.py").write_text("def make():\n    class Local:\n        pass\n")
    assert shared_class_names(tmp_path) == {"Span": ["store/reader.py", "tracer.py"]}
