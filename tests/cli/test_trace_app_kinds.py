"""`trace`'s options for the kind of app: --flow and --input for a namel3ss `.ai` app (and the package
it needs), --capture-http. Each mistake is a usage error before any run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def trace(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["trace", *args])
    return result.exit_code, result.output


def no_trace_written(directory: Path) -> bool:
    return not (directory / "debug" / "traces").exists() or not any((directory / "debug" / "traces").iterdir())


def test_flow_is_for_an_ai_app(isolated_workspace: Path) -> None:
    (isolated_workspace / "app.py").write_text("print('ran')\n")
    code, output = trace("--flow", "main", "app.py")
    assert code == 2
    assert "--flow is for a namel3ss .ai app" in output
    assert "ran" not in output
    assert no_trace_written(isolated_workspace)


def test_input_is_for_an_ai_app_even_with_a_module(isolated_workspace: Path) -> None:
    code, output = trace("--input", "{}", "-m", "json.tool")
    assert code == 2
    assert "--input is for a namel3ss .ai app" in output


def test_input_must_be_json(isolated_workspace: Path) -> None:
    (isolated_workspace / "app.ai").write_text('spec is "1.0"\n')
    code, output = trace("--input", "{city: Paris}", "app.ai")
    assert code == 2
    assert "--input is not JSON" in output
    assert """e.g. --input '{"city": "Paris"}'""" in output
    assert no_trace_written(isolated_workspace)


def test_an_ai_app_without_the_namel3ss_package_says_how_to_install_it(isolated_workspace: Path) -> None:
    (isolated_workspace / "app.ai").write_text('spec is "1.0"\n')
    # The package is hidden from this process alone: a None in sys.modules is an import that fails.
    program = ("import sys; sys.modules['namel3ss'] = None; sys.argv = ['namel3ss-debug', 'trace', 'app.ai']; "
               "from namel3ss_debug.cli.main import main; main()")
    result = subprocess.run([sys.executable, "-c", program], cwd=isolated_workspace, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "app.ai is a namel3ss .ai app, and the namel3ss package is not installed" in result.stderr
    assert "pip install 'namel3ss-debug[namel3ss]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert no_trace_written(isolated_workspace)


def test_capture_http_takes_all_llm_or_off(isolated_workspace: Path) -> None:
    (isolated_workspace / "app.py").write_text("print('ran')\n")
    code, output = trace("--capture-http", "some", "app.py")
    assert code == 2
    assert "'some' is not one of 'all', 'llm', 'off'" in output


@pytest.mark.parametrize(("flags", "recorded"), [((), "all"), (("--capture-http", "off"), "off"),
                                                 (("--capture-http", "llm"), "llm")])
def test_the_http_capture_is_recorded_in_run_start(isolated_workspace: Path, flags: tuple[str, ...],
                                                   recorded: str) -> None:
    (isolated_workspace / "app.py").write_text("print('ran')\n")
    code, output = trace("-q", *flags, "app.py")
    assert code == 0, output
    [path] = (isolated_workspace / "debug" / "traces").glob("*.jsonl")
    start = next(e for e in map(json.loads, path.read_text().splitlines()) if e["event_type"] == "run_start")
    assert start["attrs"]["config"]["capture_http"] == recorded


def test_an_ai_app_takes_no_arguments_of_its_own(isolated_workspace: Path) -> None:
    (isolated_workspace / "app.ai").write_text('spec is "1.0"\n')
    code, output = trace("app.ai", "--verbose")
    assert code == 2
    assert "an .ai app takes no arguments of its own: '--verbose'" in output
    code, output = trace("--flow", "a", "app.ai", "--flow", "b")
    assert code == 2
    assert "--flow is given twice (before and after the app)" in output
    code, output = trace("app.ai", "--input")
    assert code == 2
    assert "--input needs a value" in output


EXAMPLE_APP = Path(__file__).resolve().parents[2] / "examples" / "namel3ss_app" / "app.ai"


@pytest.mark.parametrize("order", ["before", "after", "after="])
def test_flow_options_reach_the_flow_before_or_after_the_app(isolated_workspace: Path, order: str) -> None:
    pytest.importorskip("namel3ss", reason="namel3ss (pip install 'namel3ss-debug[namel3ss]') is not installed")
    shutil.copy(EXAMPLE_APP, isolated_workspace / "app.ai")
    given = '{"city": "Oslo"}'
    args = {"before": ["--input", given, "app.ai"], "after": ["app.ai", "--input", given],
            "after=": ["app.ai", f"--input={given}"]}[order]
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", *args], cwd=isolated_workspace,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert ":: Oslo" in result.stdout


def test_a_python_apps_own_namel3ss_debug_error_is_its_unhandled_exception(isolated_workspace: Path) -> None:
    # Only an .ai app's usage error (found inside its run) is ours to print in one line; a script that
    # raises one of our errors (a misused library API) fails as with any other exception.
    (isolated_workspace / "app.py").write_text("from namel3ss_debug.model.errors import UsageError\n"
                                               "raise UsageError('misused')\n")
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "app.py"],
                            cwd=isolated_workspace, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "UsageError: misused" in result.stderr
    [path] = (isolated_workspace / "debug" / "traces").glob("*.jsonl")
    run_end = [e for e in map(json.loads, path.read_text().splitlines()) if e["event_type"] == "run_end"]
    assert run_end[0]["attrs"]["exit_code"] == 1
