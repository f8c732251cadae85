"""The stand-in for the LLM APIs (examples/llm_stub_server.py), loaded by its path for the tests: the
examples folder is not a package."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _stub_module() -> Any:
    spec = importlib.util.spec_from_file_location("llm_stub_server", ROOT / "examples" / "llm_stub_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


StubServer = _stub_module().StubServer
