"""A module loaded by its file's path, for the tests' helpers: files outside any package (`examples/`, the docs
site's hooks)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def module_at(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # where its dataclasses look up their module's names
    spec.loader.exec_module(module)
    return module
