"""A test's run (a golden run, or one `--n3-trace` wrote) cannot be run again by `replay --rerun`: the command says
to run the test with pytest instead, in one line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.tracefactory import TraceBuilder


def test_rerun_of_a_tests_run_says_to_run_the_test_with_pytest(tmp_path: Path) -> None:
    test = "tests/test_app.py::test_weather"
    trace = TraceBuilder()
    trace.run_start(test, entry={"kind": "pytest", "name": test}, argv=["python", "-m", "pytest", test],
                    cwd=str(tmp_path))
    trace.span("llm", "openai.chat", 5)
    trace.run_end()
    path = trace.write(tmp_path / "test_weather.jsonl")
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "replay", str(path), "--rerun"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "the pytest test tests/test_app.py::test_weather" in lines[0]
    assert "run the test again with pytest ('tests/test_app.py::test_weather')" in lines[0]
