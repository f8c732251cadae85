"""A module loaded by its file's path, for the tests' helpers: files outside any package (`examples/`, the docs
site's hooks)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def module_at(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
