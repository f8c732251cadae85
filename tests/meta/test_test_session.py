"""The test session itself: the plugins of other packages stay out of it and of every pytest a test starts,
and it ends by saying where its time went."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from support.timing import TimeSpent, kind_of, wall_clock_line

pytest_plugins = ["pytester"]

OURS = {"namel3ss_debug", "xdist", "xdist.looponfail"}  # our plugin, and the one that spreads tests over cores


def test_every_plugin_of_another_package_is_left_out(pytestconfig: pytest.Config) -> None:
    installed = {plugin.name for plugin in entry_points(group="pytest11")}
    left_out = {value.removeprefix("no:") for value in pytestconfig.getini("addopts") if value.startswith("no:")}
    assert installed - OURS <= left_out, "pyproject.toml's addopts: add `-p no:NAME` for each plugin named here"


def test_a_pytest_a_test_starts_loads_none_of_them(tmp_path: Path) -> None:
    (tmp_path / "test_modules.py").write_text(
        "import sys\n\ndef test_loaded():\n    print(sorted(m for m in ('langsmith', 'anyio') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "test_modules.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[]" in done.stdout.splitlines()


def report(nodeid: str, when: str, seconds: float, kind: str) -> pytest.TestReport:
    return pytest.TestReport(nodeid, (nodeid, 0, "test"), {"slow": 1}, "passed", None, when, [], duration=seconds,
                             user_properties=[("kind", kind), ("cpu", seconds / 2), ("child_cpu", seconds / 4)])


def test_the_time_is_summed_by_kind_and_by_file() -> None:
    spent = TimeSpent()
    for nodeid, kind in (("tests/a.py::t1", "fast"), ("tests/a.py::t2", "fast"), ("tests/b.py::t", "browser")):
        for when, seconds in (("setup", 1.0), ("call", 2.0), ("teardown", 0.5)):
            spent.add(report(nodeid, when, seconds, kind))  # the keyword `slow` (a parameter's id) is no marker
    assert spent.lines() == [
        "10 s of test time in all: fast 7 s (2 tests), browser 4 s (1 test)",
        "CPU in the test processes + in the processes they started: fast 4 s + 2 s, browser 2 s + 1 s",
        "the files that took longest (and the CPU of the processes they started):",
        "     7.0 s  tests/a.py (1.8 s)", "     3.5 s  tests/b.py (0.9 s)"]


def test_the_summary_starts_with_the_runs_wall_clock_seconds() -> None:
    assert wall_clock_line(1234.4) == "1,234 s of wall-clock time, from the session's start to this summary"


def test_each_report_carries_the_cpu_seconds_of_the_processes_its_test_started(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from support import timing\n\ndef pytest_configure(config):\n"
                          "    config.pluginmanager.register(timing, 'kinds')\n")
    pytester.makepyfile(test_child="import subprocess, sys\n\ndef test_spins():\n"
                        "    subprocess.run([sys.executable, '-c', 'sum(range(30_000_000))'], check=True)\n"
                        "def test_stays():\n    pass\n")
    pytester.syspathinsert(Path(__file__).parents[1])
    reports = {report.nodeid.split("::")[1]: dict(report.user_properties)
               for report in pytester.inline_run("-p", "no:xdist").getreports("pytest_runtest_logreport")
               if report.when == "call"}
    assert reports["test_spins"]["child_cpu"] > 0.1 > reports["test_stays"]["child_cpu"]
    assert reports["test_stays"]["kind"] == "fast"


@pytest.mark.parametrize("name", ["slow"])
def test_a_parameter_named_like_a_marker_is_no_marker(request: pytest.FixtureRequest, name: str) -> None:
    assert "slow" in request.node.keywords and kind_of(request.node) == "fast"
