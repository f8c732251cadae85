"""The round trip: each example's trace -> `export --to otlp-json` -> read back by the store gives the same
`analyze --format json` figures (counts, tokens, cost, percentiles: everything but the file's name and size)
and the same `inspect --tree`; for the Python examples, every event comes back as it was written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {"research_agent": ["examples/research_agent.py"], "chain_app": ["examples/chain_app.py"],
            "async_multi_agent": ["examples/async_multi_agent.py"], "openai_app": ["examples/openai_app.py"],
            "namel3ss_app": ["examples/namel3ss_app/app.ai", "--input", '{"city": "Paris"}']}
PYTHON_EXAMPLES = ("research_agent", "chain_app", "async_multi_agent", "openai_app")
WHERE = ("source", "files")  # a run's file names: the two files differ by name and size, nothing else


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Each example traced (from the repository, whose config prices the fake models), then exported."""
    found = {}
    for name, argv in EXAMPLES.items():
        directory = tmp_path_factory.mktemp(name)
        done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-o", str(directory), *argv],
                              cwd=ROOT, capture_output=True, timeout=60, check=False)
        if name == "namel3ss_app" and done.returncode != 0 and b"pip install" in done.stderr:
            continue  # the namel3ss package is an extra
        assert done.returncode == 0, done.stderr.decode()
        [trace] = sorted(directory.glob("*.jsonl"))
        exported = directory / "run.otlp.jsonl"
        run("export", str(trace), "--to", "otlp-json", str(exported))
        found[name] = (trace, exported)
    return found


def figures(path: Path) -> dict[str, Any]:
    report = json.loads(run("analyze", str(path), "--format", "json").stdout)
    report["overview"].pop("bytes_read")
    for one in report["overview"]["runs"]:
        for key in WHERE:
            one.pop(key)
    return report


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_analyze_gives_the_same_figures_from_the_otlp_json_file(pairs: dict[str, tuple[Path, Path]], name: str) -> None:
    if name not in pairs:
        pytest.skip("the namel3ss package is not installed")
    trace, exported = pairs[name]
    original, read_back = figures(trace), figures(exported)
    assert read_back == original
    assert original["overview"]["events"] > 0 and original["components"]  # the comparison compared something


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_inspect_tree_is_the_same_from_the_otlp_json_file(pairs: dict[str, tuple[Path, Path]], name: str) -> None:
    if name not in pairs:
        pytest.skip("the namel3ss package is not installed")
    trace, exported = pairs[name]
    tree = run("inspect", str(trace), "--tree").stdout
    assert run("inspect", str(exported), "--tree").stdout == tree
    assert tree.count("\n") > 2


def but_start_model(event: dict[str, Any]) -> dict[str, Any]:
    """An event without the model of a span's START: the export writes one `namel3ss.model`, the end's, so a
    start's own model (openai_app's llm starts have one) is not in the file unless `namel3ss.start_model` is."""
    if event["status"] == "started":
        return {key: value for key, value in event.items() if key != "model"}
    return event


@pytest.mark.parametrize("name", PYTHON_EXAMPLES)
def test_every_event_comes_back_as_it_was_written(pairs: dict[str, tuple[Path, Path]], name: str) -> None:
    trace, exported = pairs[name]
    original = [json.loads(line) for line in trace.read_text().splitlines()]
    result = run("inspect", str(exported), "--format", "json", "--limit", "100000")
    assert list(map(but_start_model, json.loads(result.stdout)["events"])) == list(map(but_start_model, original))
