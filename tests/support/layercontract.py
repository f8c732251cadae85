"""The package's layer contract, and the import graph it is checked against.

LAYERS lists the folders from the top down. A module may import its own folder, and any folder of a
lower layer; folders of one layer (a tuple) are independent and do not import each other. Imports
inside functions count as much as those at the top of a file: they are the ones that hide a loop.
The package's `__init__` (the library API an app imports) may import only what FACADE names.

The same picture, drawn, is in ARCHITECTURE.md; a test keeps the two equal.
"""

from __future__ import annotations

import ast
import functools
import shutil
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PACKAGE = "namel3ss_debug"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("__main__",),
    ("cli",),  # click commands: options in, one call, rendering, exit codes
    ("shell", "web"),  # the debugger shell: reads commands, writes answers; the page `view` serves on loopback
    ("render",),  # Rich and JSON views of the records
    ("ops", "testing"),  # one use case per command; the pytest plugin
    ("launch", "judging"),  # running an app: traced, or again with recorded answers; judging what a rerun showed
    ("replay", "rerun", "diffing", "checks"),  # engines over recorded runs: stepping, rerunning, comparing, rules
    ("recording",),  # a recorded run, loaded: its timeline, its calls by place, its mocks
    # pure analysis; rewriting traces without secrets; OpenTelemetry/Perfetto conversions
    ("analysis", "scrub", "interop"),
    ("integrations", "transport"),  # capture hooks: a runtime's calls, HTTP clients
    ("tracer", "store"),  # writing traces; reading them
    ("redaction",),  # finding secrets: detectors, pairs, the pre-scan, the redactor
    ("config", "otel"),  # settings and their rules; our events as OpenTelemetry span records (stdlib only)
    ("model", "schemas", "_version"),  # the shared vocabulary (stdlib only); the JSON schemas
)
FACADE = frozenset({"_version", "tracer", "transport", "launch"})  # what `namel3ss_debug/__init__.py` may import


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, `namel3ss_debug.tracer.api`
    target: str  # the imported module, `namel3ss_debug.model.events`
    path: Path
    line: int
    in_function: bool
    comment: str  # what follows `#` on the import's line, or ""
    type_only: bool = False  # under `if TYPE_CHECKING:`: for annotations, never run


def package_copy(root: Path, tmp_path: Path) -> Path:
    """A copy of the package's sources under `tmp_path`, for a test to add a wrong import to."""
    copy = tmp_path / PACKAGE
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    return copy


def folder(module: str) -> str:
    """`namel3ss_debug.tracer.api` -> `tracer`; the package itself -> `` (the facade)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports(root: Path) -> list[Import]:
    """Every import of a package module by a package module, with where it is and whether a function holds it."""
    found: list[Import] = []
    for path in sorted(root.rglob("*.py")):
        module, is_package = _module(root, path)
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, target, in_function, type_only in _file_imports("\n".join(lines), module, is_package):
            comment = lines[line - 1].partition("#")[2].strip()
            found.append(Import(module, _existing(root, target), path, line, in_function, comment, type_only))
    return found


@functools.lru_cache(maxsize=None)
def _file_imports(text: str, module: str, is_package: bool) -> tuple[tuple[int, str, bool, bool], ...]:
    """Each import of a package module in one file: its line, its target, whether a function holds it and
    whether it is under `if TYPE_CHECKING:`. Kept by text: the tests read copies of the package that differ
    from it in one file."""
    return tuple((node.lineno, target, in_function, type_only)
                 for node, in_function, type_only in _statements(ast.parse(text))
                 for target in _targets(node, module, is_package)
                 if target == PACKAGE or target.startswith(PACKAGE + "."))


def _statements(tree: ast.Module) -> Iterator[tuple[ast.AST, bool, bool]]:
    """Every node of `tree` but expressions (no import is in one), in `ast.walk`'s order, each with whether a
    function holds it and whether it is under `if TYPE_CHECKING:`; one pass (the sets of nodes under each
    function that this replaced took most of the contract tests' time)."""
    queue: deque[tuple[ast.AST, bool, bool]] = deque([(tree, False, False)])
    while queue:
        node, in_function, type_only = queue.popleft()
        yield node, in_function, type_only
        inside = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        guarded = {id(statement) for statement in node.body} if (
            isinstance(node, ast.If) and _is_type_checking(node.test)) else set()
        queue.extend((child, inside, type_only or id(child) in guarded) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, ast.expr))


def violations(found: list[Import], layers: tuple[tuple[str, ...], ...] = LAYERS) -> list[str]:
    """Each import that goes the wrong way, as `file:line: a -> b (why)`."""
    rank = {name: depth for depth, layer in enumerate(layers) for name in layer}
    wrong = []
    for item in found:
        source, target = folder(item.source), folder(item.target)
        if source == target:
            continue
        if source == "":
            why = None if target in FACADE else f"the package's API may import only {sorted(FACADE)}"
        elif target == "":
            why = "the package's API is for apps; inside the package, import the module that defines the name"
        elif source not in rank or target not in rank:
            why = f"{source if source not in rank else target} is in no layer of the contract"
        elif rank[target] < rank[source]:
            why = f"{target} is above {source}"
        elif rank[target] == rank[source]:
            why = f"{source} and {target} are independent folders of one layer"
        else:
            why = None
        if why:
            wrong.append(f"{item.path.name}:{item.line}: {source or PACKAGE} -> {target or PACKAGE} ({why})")
    return wrong


def unexplained_inner_imports(found: list[Import]) -> list[str]:
    """Imports inside functions without a reason beside them (`# noqa: PLC0415 - why`)."""
    return [f"{item.path.name}:{item.line}: {item.target}" for item in found
            if item.in_function and not _has_reason(item.comment)]


def cycles(found: list[Import]) -> list[list[str]]:
    """Groups of modules that import each other, at run time (annotations under TYPE_CHECKING aside)."""
    graph: dict[str, set[str]] = {}
    for item in found:
        if not item.type_only and item.source != item.target:
            graph.setdefault(item.source, set()).add(item.target)
    return [sorted(group) for group in _strongly_connected(graph) if len(group) > 1]


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _has_reason(comment: str) -> bool:
    _, dash, reason = comment.partition(" - ")
    return comment.startswith("noqa: PLC0415") and bool(dash) and bool(reason.strip())


def _existing(root: Path, target: str) -> str:
    """The module itself, or for `from pkg import name` where name is no module, its package."""
    path = root.parent.joinpath(*target.split("."))
    if path.is_dir() or path.with_suffix(".py").is_file():
        return target
    return target.rpartition(".")[0]


def _module(root: Path, path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _targets(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".") if is_package else module.split(".")[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join([*parts, *([node.module] if node.module else [])])
    if node.module:
        return [base]
    return [f"{base}.{alias.name}" for alias in node.names]  # `from . import x`: x is a module or a name in base
