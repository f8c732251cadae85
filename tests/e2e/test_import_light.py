"""What a traced application imports stays light: never click, rich, prompt_toolkit, nor psutil
unless `capture_memory` asks for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("click", "rich", "prompt_toolkit", "psutil")
PROBE = (
    "import json, sys, namel3ss_debug; "
    f"print(json.dumps({{'heavy': sorted(m for m in {HEAVY!r} if m in sys.modules), "
    "'tracing': namel3ss_debug.get_tracer().active}))"
)


def imported(tmp_path: Path, **extra: str) -> dict:
    """Import namel3ss_debug in a fresh interpreter: which heavy modules came along, and whether a run started."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    env.update(NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(tmp_path / "traces"), **extra)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_import_pulls_in_no_cli_dependency(tmp_path):
    assert imported(tmp_path) == {"heavy": [], "tracing": False}


def test_import_with_tracing_on_pulls_in_no_cli_dependency(tmp_path):
    assert imported(tmp_path, NAMEL3SS_DEBUG_ENABLED="1") == {"heavy": [], "tracing": True}


def test_capture_memory_is_what_imports_psutil(tmp_path):
    assert imported(tmp_path, NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_CAPTURE_MEMORY="1") == {
        "heavy": ["psutil"], "tracing": True}


def test_the_testing_helpers_pull_in_no_cli_dependency(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    code = ("import sys, namel3ss_debug.testing, namel3ss_debug.testing.fake_llm; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
