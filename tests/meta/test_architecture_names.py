"""ARCHITECTURE.md names only what exists: every path (`ops/analyze/analyze.py`, `render/analyze/`,
`tests/meta/test_layers.py`), every module's name (`cli/analyze_cmd._print`, `analysis.analyze`, `core.Tracer`,
`Tracer.start_span`) and every class it names bare (`GuardedRerun`) is found in the repository, read with ast.

A backticked name is read as code when it is a path, or when its head is a module or a class of the package:
then each name after the head must be defined where the one before it says (a module's top-level names and
submodules, a class's methods, fields and `self.` attributes, its bases' too). A name whose head is neither
(`run_end`, `replay --rerun`), or is a field of the trace's events (`attrs.replay`, `error.inferred`), is the
trace's or the command line's, not code's; a class name said bare may also be a text the code writes (an error
type of the trace: `ToolError`).
"""

from __future__ import annotations

import ast
import builtins
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "namel3ss_debug"
GUIDE = ROOT / "ARCHITECTURE.md"
FILE_ENDINGS = (".py", ".c", ".h", ".json", ".js", ".css", ".html", ".md", ".yml", ".yaml", ".toml")
IDENTIFIER = r"[A-Za-z_]\w*"
DOTTED = re.compile(rf"{IDENTIFIER}(\.{IDENTIFIER})*")
# a name said bare that can only be code's: `GuardedRerun`, `FACADE`, `read_report`; not `trace`, `analyze`
BARE_NAME = re.compile(r"_?[A-Z]\w+|_?[a-z0-9]+(_[a-z0-9]+)+")
# a definition in a file read as text: `def name`, `class Name`, `NAME = ...` at the start of a line
DEFINITION = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)|^(\w+)\s*(?::[^=\n]*)?=", re.M)
# Where a file named without its folder (`test_layers.py`) is looked for
FOLDERS = ("namel3ss_debug", "tests", "docs", "bench", "examples", "tools")
# Names of others the guide names bare (the standard library's, the SDKs' and frameworks' it hooks), and a key
# it gives as an example of data
FOREIGN = {"Any", "Protocol", "BaseException", "KeyboardInterrupt", "Exception", "Console", "HTTPTransport",
           "AsyncHTTPTransport", "literal_eval", "include_usage", "time_to_first_token"}


@dataclass
class Scope:
    """What a module or a class defines: names, with the classes among them, and a module's submodules."""

    names: set[str] = field(default_factory=set)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    submodules: dict[str, Scope] = field(default_factory=dict)


def targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [name for element in node.elts for name in targets(element)]
    return []


def defined(body: list[ast.stmt]) -> Scope:
    """The names a module's or a class's body defines, those under `if`/`try` too."""
    scope = Scope()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            scope.names.add(node.name)
            scope.classes[node.name] = node
        elif isinstance(node, ast.Assign):
            scope.names.update(name for target in node.targets for name in targets(target))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            scope.names.update(targets(node.target))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            scope.names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            for inner in (node.body, node.orelse, *[handler.body for handler in getattr(node, "handlers", [])]):
                nested = defined(inner)
                scope.names |= nested.names
                scope.classes |= nested.classes
    return scope


@functools.cache
def parsed() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}


@dataclass
class Index:
    """One walk of the package: its classes by name (top level or nested), and every name it defines anywhere
    (a function, a class, a variable, an attribute it sets) or writes as a string (a trace's error type, a
    config key)."""

    classes: dict[str, list[ast.ClassDef]] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)


@functools.cache
def index() -> Index:
    found = Index()
    for tree in parsed().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                found.classes.setdefault(node.name, []).append(node)
                found.names.add(node.name)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found.names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                found.names.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.names.add(node.value)
    return found


@functools.cache
def defined_beside() -> frozenset[str]:
    """What the tools' and the tests' Python defines (`CHECKED_AFTER`, `EXEMPT`): found by a pattern, not
    parsed, since the guide only names a few of them."""
    return frozenset(next(name for name in found.groups() if name) for folder in ("tools", "tests")
                     for path in (ROOT / folder).rglob("*.py")
                     for found in DEFINITION.finditer(path.read_text(encoding="utf-8")))


@functools.cache
def modules() -> dict[tuple[str, ...], Scope]:
    """Each module and package of the package by its path's parts (`("cli", "main")`, `("tracer",)`)."""
    found: dict[tuple[str, ...], Scope] = {}
    for path, tree in parsed().items():
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        key = parts[:-1] if parts[-1] == "__init__" else parts
        found[key] = defined(tree.body)
    for key, scope in found.items():
        if key and key[:-1] in found:
            found[key[:-1]].submodules[key[-1]] = scope
    return found


def members(node: ast.ClassDef, seen: frozenset[str] = frozenset()) -> Scope:
    """A class's names: its body's, what its methods set on `self`, and its bases' (ours, by name)."""
    scope = defined(node.body)
    for inner in ast.walk(node):
        if isinstance(inner, (ast.Assign, ast.AnnAssign)):
            for target in inner.targets if isinstance(inner, ast.Assign) else [inner.target]:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(element, ast.Attribute) and getattr(element.value, "id", "") == "self":
                        scope.names.add(element.attr)
    for base in node.bases:
        name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
        for parent in index().classes.get(name, []) if name not in seen else []:
            inherited = members(parent, seen | {node.name})
            scope.names |= inherited.names
            scope.classes |= inherited.classes
    return scope


def chain_resolves(scope: Scope, names: list[str]) -> bool:
    """`names` one inside the other from `scope`: a submodule, a class, then a last name of any kind."""
    for position, name in enumerate(names):
        if name not in scope.names and name not in scope.submodules:
            return False
        if position == len(names) - 1:
            return True
        if name in scope.classes:
            scope = members(scope.classes[name])
        elif name in scope.submodules:
            scope = scope.submodules[name]
        else:
            return False
    return True


def module_heads(parts: list[str]) -> list[tuple[Scope, list[str]]]:
    """Each way `parts` starts with the end of a module's path, with the names left after it."""
    heads = []
    for cut in range(len(parts), 0, -1):
        suffix = tuple(parts[:cut])
        heads += [(scope, parts[cut:]) for key, scope in modules().items() if key[-len(suffix):] == suffix]
    return heads


def dotted_ok(name: str) -> bool | None:
    """True if `name` is found, False if its head is ours and the rest is not, None if it is not code."""
    parts = name.split(".")
    heads = module_heads(parts)
    heads += [(members(node), parts[1:]) for node in index().classes.get(parts[0], [])]
    if not heads:
        return None
    return any(not rest or chain_resolves(scope, rest) for scope, rest in heads)


@functools.cache
def trace_fields() -> frozenset[str]:
    schema = json.loads((PACKAGE / "schemas" / "trace-v1.schema.json").read_text(encoding="utf-8"))
    return frozenset(schema["properties"])


def path_ok(path: str) -> bool:
    """A file or folder of the repository, from its root, the package or any folder of the package; a file
    named alone, in any folder of `FOLDERS`."""
    pattern = path.rstrip("/")
    if (ROOT / pattern).exists() or list(ROOT.glob(pattern)) or list(PACKAGE.glob(pattern)):
        return True
    if "/" not in pattern:
        return any(any((ROOT / folder).glob(f"**/{pattern}")) for folder in FOLDERS)
    return any(PACKAGE.glob(f"**/{pattern}"))


def verdict(span: str) -> bool | None:
    """Whether the name a code span holds exists: None when it names no code (a command line, a trace field)."""
    name = re.sub(r"\(.*\)$", "", span.strip())
    if re.search(r"[\s<>\[\]{}=\"',|]", name) or name.startswith(("-", ".", "~", "$")):
        return None
    if "/" in name:
        folder, _, last = name.rpartition("/")
        if not last or last.endswith(FILE_ENDINGS) or "*" in last or "." not in last:
            return path_ok(name)
        module, _, attributes = last.partition(".")
        if not (path_ok(f"{folder}/{module}.py") or path_ok(f"{folder}/{module}/__init__.py")):
            return False
        return dotted_ok(f"{folder.replace('/', '.')}.{module}.{attributes}") is True
    if name.endswith(FILE_ENDINGS):
        return path_ok(name)
    if not DOTTED.fullmatch(name):
        return None
    if "." not in name:
        if not BARE_NAME.fullmatch(name) or name in FOREIGN or hasattr(builtins, name):
            return None
        return name in index().names or name in defined_beside() or name in trace_fields() or (ROOT / name).is_dir()
    found = dotted_ok(name)
    return None if found is False and name.split(".")[0] in trace_fields() else found


def code_spans(text: str) -> list[tuple[int, str]]:
    """Each inline code span with its line, fenced blocks left out; a span may run over a line's end."""
    text = re.sub(r"^```.*?^```", lambda fence: "\n" * fence.group().count("\n"), text, flags=re.M | re.S)
    return [(text.count("\n", 0, found.start()) + 1, " ".join(found.group(1).split()))
            for found in re.finditer(r"`([^`]+)`", text)]


def missing(text: str) -> list[str]:
    return [f"ARCHITECTURE.md:{line}: {span}" for line, span in code_spans(text) if verdict(span) is False]


def test_every_name_the_guide_gives_exists() -> None:
    assert missing(GUIDE.read_text(encoding="utf-8")) == []


def test_every_meta_test_is_in_the_guide() -> None:
    """The contracts CI enforces are listed in the guide: a new one in `tests/meta/` is named there too."""
    text = GUIDE.read_text(encoding="utf-8")
    assert [path.name for path in sorted((ROOT / "tests" / "meta").glob("test_*.py")) if path.name not in text] == []


def test_a_name_that_is_gone_is_caught() -> None:
    text = ("`cli/analyze_cmd._print` picks a view; `analysis.analyse` and `Tracer.start_spam` are typos;\n"
            "`store/readers.py`, `render/analyse/` and `ops/cache.ResultCache.keys` were moved; `GuardedRerunner`.\n"
            "Still here: `cli/analyze_cmd.py`, `analysis.analyze`, `core.Tracer.start_span`, `main.COMMANDS`,\n"
            "`ops/cache.ResultCache.key`, `render/analyze/`, `tests/meta/test_layers.py`, `Tracer.rerun`,\n"
            "`GuardedRerun`, `ToolError`, `test_layers.py`; not code: `attrs.replay`, `error.inferred`, `run_end`,\n"
            "`replay --rerun`, `--jobs N`.")
    assert [entry.split(": ", 1)[1] for entry in missing(text)] == [
        "cli/analyze_cmd._print", "analysis.analyse", "Tracer.start_spam", "store/readers.py", "render/analyse/",
        "ops/cache.ResultCache.keys", "GuardedRerunner"]
