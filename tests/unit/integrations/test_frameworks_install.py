"""The framework hooks wait for the app's import of each framework: importing namel3ss_debug (with
tracing on) imports none of them, and a hook that fails is one warning, never the app's error."""

from __future__ import annotations

import os
import importlib
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest

from namel3ss_debug import transport
from namel3ss_debug.integrations import frameworks
from namel3ss_debug.tracer.imports import hook_when_imported, warn_unhooked

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


def test_every_hook_a_registry_names_installs_as_the_protocol_says() -> None:
    """`tracer.imports.Hook`: each module `FRAMEWORKS` and `transport.CLIENTS` name has `install(module)`
    returning the hook points it lacks (mypy cannot follow a module imported by its name)."""
    names = [f"namel3ss_debug.integrations.{hook}" for hook in frameworks.FRAMEWORKS.values()]
    names += [f"namel3ss_debug.transport.{hook}" for hook in transport.CLIENTS.values()]
    for name in names:
        install = importlib.import_module(name).install
        assert typing.get_type_hints(install) == {"module": types.ModuleType, "return": list[str]}, name


def test_a_hook_that_fails_is_one_warning_and_the_import_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    sys.modules["fakework"] = fake = types.ModuleType("fakework")
    try:
        hook_when_imported("fakework", "namel3ss_debug.integrations.no_such_hook", unrecorded=frameworks.UNRECORDED,
                           still=frameworks.STILL)
    finally:
        del sys.modules["fakework"]
    assert fake.__name__ == "fakework"
    assert capsys.readouterr().err == (
        "namel3ss-debug: fakework ?: not recorded: all (ModuleNotFoundError: No module named "
        "'namel3ss_debug.integrations.no_such_hook') (this version lacks the hook point; its LLM calls are still "
        "recorded)\n")


def test_the_hook_points_a_version_lacks_are_named_with_its_version(capsys: pytest.CaptureFixture[str]) -> None:
    module = types.ModuleType("oldwork")
    module.__version__ = "0.9"
    warn_unhooked("oldwork", module, ["Agent.iter", "Tool.run"], unrecorded="not recorded")
    assert capsys.readouterr().err == ("namel3ss-debug: oldwork 0.9: not recorded: Agent.iter, Tool.run "
                                       "(this version lacks the hook point)\n")
