"""Where `python -m NAME` would load its code from, found without importing or running anything.

`importlib.util.find_spec("a.b")` imports `a` (its `__init__` runs) to find `b`, so a rerun cannot use
it to decide whether a module named by a trace is the project's own before running it. This walks
the same finders the import system does, one name at a time, and takes each package's search
locations from its spec instead: the files found are the ones the launcher (`launch/app.py`) would
run, with the directory the app runs in first on the path, as it puts it there.

    module_files("pkg", Path("/proj"), sys.path, sys.modules)
    # ['/proj/pkg/__init__.py', '/proj/pkg/__main__.py']
"""

from __future__ import annotations

import importlib.machinery
import sys
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any, Mapping, Sequence

MAIN = "__main__"


def is_module_name(name: str) -> bool:
    """`pkg.mod`, not `-c` nor `timeit -s X`: what `python -m` accepts as a name."""
    return bool(name) and all(part.isidentifier() for part in name.split("."))


@dataclass(frozen=True)
class Code:
    """A file `python -m` runs: the module's full name, where its code comes from (a path, or `built-in`,
    `frozen`), and whether it is a package's `__init__`."""

    name: str
    origin: str
    package: bool


def module_files(name: str, first: Path, path: Sequence[str], modules: Mapping[str, Any]) -> list[str] | None:
    """The origins of `module_code`, in order."""
    code = module_code(name, first, path, modules)
    return None if code is None else [part.origin for part in code]


def module_code(name: str, first: Path, path: Sequence[str], modules: Mapping[str, Any]) -> list[Code] | None:
    """What `python -m name` run in `first` would execute, in order: each package's `__init__` on the way
    (a namespace package has none), then the module (a package's `__main__`). An origin that is no file
    (`built-in`, `frozen`) is given as it is. None when no finder knows the name."""
    search = [str(first), *(_absolute(entry, first) for entry in path)]
    parts = name.split(".")
    files: list[Code] = []
    locations: list[str] | None = None  # None: a top-level name, looked for on `search`
    for depth in range(1, len(parts) + 1):
        found = _find(".".join(parts[:depth]), locations, search, modules)
        if found is None:
            return None
        spec, locations = found
        files.extend(_code_of(spec, locations is not None))
        if depth < len(parts) and locations is None:
            return None  # a module, not a package: it has no submodules
    if locations is not None:  # a package: `-m` runs its __main__
        found = _find(f"{name}.{MAIN}", locations, search, modules)
        if found is None:
            return None
        files.extend(_code_of(found[0], False))
    return files


def _find(fullname: str, locations: list[str] | None, search: list[str],
          modules: Mapping[str, Any]) -> tuple[ModuleSpec, list[str] | None] | None:
    """The spec of `fullname` and, for a package, where its submodules are: as the import system finds
    them (an imported module is taken as it is, then each finder of `sys.meta_path` in turn)."""
    if fullname in modules:
        module = modules[fullname]
        spec = getattr(module, "__spec__", None)
        where = getattr(module, "__path__", None)
        return (spec, list(where) if where is not None else None) if spec is not None else None
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if find is None:
            continue
        at = search if locations is None and finder is importlib.machinery.PathFinder else locations
        spec = find(fullname, at)
        if spec is not None:
            where = spec.submodule_search_locations
            return spec, list(where) if where is not None else None
    return None


def _code_of(spec: ModuleSpec, package: bool) -> list[Code]:
    """The file a module's code comes from; none for a namespace package, which has no code."""
    if spec.origin is None or (spec.origin == "namespace" and spec.submodule_search_locations is not None):
        return []
    return [Code(spec.name, spec.origin, package)]


def _absolute(entry: str, first: Path) -> str:
    """A path entry as the import system will read it once the app runs in `first` ('' is that directory)."""
    return str(first / entry) if not Path(entry).is_absolute() else entry
