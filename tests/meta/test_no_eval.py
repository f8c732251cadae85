"""No code in the package runs text as Python or unpickles data: a trace is untrusted input, and a
breakpoint condition is parsed by `replay/expr.py`, never evaluated.

Each module is read with `ast`: a call to a bare `eval`, `exec`, `compile` or `__import__`, any
`literal_eval`, or an import of pickle, marshal, shelve or dill fails here. `re.compile(...)` is an
attribute call, not the builtin, and passes.

EXEMPT lists, module by module, the exact uses that were reviewed and are not about untrusted text;
one more use in those modules, or one fewer, fails too, so the list cannot go stale.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "namel3ss_debug"
BUILTINS = frozenset({"eval", "exec", "compile", "__import__"})
MODULES = frozenset({"pickle", "marshal", "shelve", "dill"})
SOURCES = sorted(PACKAGE.rglob("*.py"))
EXEMPT = {
    # `namel3ss-debug trace SCRIPT` runs the user's own program, as `python SCRIPT` would
    "launch/app.py": ["exec(...)", "compile(...)"],
    # a part of a big run read in parts: the answer this read's own worker process (forked) wrote (the objects the
    # worker pool would pickle through its pipe), read back once relative to the descriptor of the directory this
    # read made (0700) and holds, never by its name: no text of a trace, nothing another user could have written
    "ops/reading/handoff.py": ["import pickle"],
}


def offences(tree: ast.AST) -> list[str]:
    """`line: what` for each forbidden call or import in `tree`, in line order."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += _call_offence(node)
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {alias.name}" for alias in node.names if _root(alias.name) in MODULES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:  # `from .pickle import x` is our own module
            found += _from_offence(node)
    return sorted(found, key=lambda offence: int(offence.split(":")[0]))


def _call_offence(node: ast.Call) -> list[str]:
    function = node.func
    if isinstance(function, ast.Name) and function.id in BUILTINS:
        return [f"{node.lineno}: {function.id}(...)"]
    if isinstance(function, ast.Attribute) and function.attr == "literal_eval":
        return [f"{node.lineno}: .literal_eval(...)"]
    return []


def _from_offence(node: ast.ImportFrom) -> list[str]:
    module = node.module or ""
    if _root(module) in MODULES:
        return [f"{node.lineno}: from {module} import ..."]
    wanted = {"ast": {"literal_eval"}, "builtins": BUILTINS}.get(module, set())
    return [f"{node.lineno}: from {module} import {alias.name}" for alias in node.names if alias.name in wanted]


def _root(module: str) -> str:
    return module.split(".")[0]


def test_the_package_is_found() -> None:
    assert PACKAGE / "replay" / "expr.py" in SOURCES


@pytest.mark.parametrize("path", SOURCES, ids=[str(path.relative_to(PACKAGE)) for path in SOURCES])
def test_no_module_evaluates_text_or_unpickles(path: Path) -> None:
    name = path.relative_to(PACKAGE).as_posix()
    found = [offence.split(": ", 1)[1] for offence in offences(ast.parse(path.read_text(encoding="utf-8")))]
    assert sorted(found) == sorted(EXEMPT.get(name, [])), f"{name} runs text as code or unpickles: {found}"


@pytest.mark.parametrize("name", sorted(EXEMPT))
def test_every_exempt_module_exists(name: str) -> None:
    assert PACKAGE / name in SOURCES


def test_the_check_finds_each_forbidden_form_and_spares_attribute_calls() -> None:
    source = """
eval("1")
exec("x = 1")
compile("1", "f", "eval")
__import__("os")
ast.literal_eval("1")
import pickle
import dill.source
from marshal import loads
from shelve import open
from ast import literal_eval
from builtins import eval as run
re.compile("x")
pattern.eval()
from .pickle import helper
"""
    assert offences(ast.parse(source)) == [
        "2: eval(...)",
        "3: exec(...)",
        "4: compile(...)",
        "5: __import__(...)",
        "6: .literal_eval(...)",
        "7: import pickle",
        "8: import dill.source",
        "9: from marshal import ...",
        "10: from shelve import ...",
        "11: from ast import literal_eval",
        "12: from builtins import eval",
    ]
