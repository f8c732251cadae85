"""The framework hooks wait for the app's import of each framework: importing namel3ss_debug (with
tracing on) imports none of them, and a hook that fails is one warning, never the app's error."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from namel3ss_debug.integrations import frameworks

FRAMEWORK_MODULES = ("agents", "langchain_core", "langgraph", "pydantic_ai", "mcp", "opentelemetry")


def test_importing_the_package_with_tracing_on_imports_no_framework(tmp_path: Path) -> None:
    code = ("import sys, namel3ss_debug\n"
            "print(namel3ss_debug.get_tracer().active)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORK_MODULES!r}))")
    environ = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    environ.update(NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(tmp_path / "traces"))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=environ, capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines() == ["True", "[]"]


def test_every_framework_has_its_hook_module() -> None:
    for hook in frameworks.FRAMEWORKS.values():
        module = __import__(f"namel3ss_debug.integrations.{hook}", fromlist=["install"])
        assert callable(module.install), hook


def test_a_hook_that_fails_is_one_warning_and_the_import_goes_on(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(frameworks.FRAMEWORKS, "fakework", "no_such_hook")
    frameworks._installer("fakework")(types.ModuleType("fakework"))
    err = capsys.readouterr().err
    assert err.startswith("namel3ss-debug: fakework ?: not recorded: all (ModuleNotFoundError: ")
    assert err.endswith("(this version lacks the hook point; its LLM calls are still recorded)\n")
