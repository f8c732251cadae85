"""examples/ci: the script the GitHub workflow runs traces the example, passes its rules and its diff."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_ci_script(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    environ.update({"OUT": str(tmp_path / "out"), "COLUMNS": "200", **env})
    return subprocess.run(["bash", "examples/ci/check.sh"], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=300)


def test_the_ci_script_passes_on_the_example_and_writes_its_reports(tmp_path):
    result = run_ci_script(tmp_path)
    suite = ElementTree.parse(tmp_path / "out" / "check.xml").getroot()
    assert result.returncode == 0, result.stdout + result.stderr
    assert (suite.get("failures"), int(suite.get("tests")) >= 10) == ("0", True)
    assert "No divergence" in (tmp_path / "out" / "diff.md").read_text()


def test_the_workflow_runs_the_script_with_github_annotations():
    workflow = (ROOT / "examples" / "ci" / "github-workflow.yml").read_text()
    assert "FORMAT=github OUT=ci-out bash examples/ci/check.sh" in workflow


def test_the_ci_script_exits_with_diff_s_own_code(tmp_path):
    """A baseline that is not there is diff's exit 2 (usage), not a generic 1."""
    result = run_ci_script(tmp_path, BASELINE=str(tmp_path / "no-baseline"))
    assert result.returncode == 2, result.stdout + result.stderr
