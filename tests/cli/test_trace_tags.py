"""A run's tags: config key `tags` (workspace file, `NAMEL3SS_DEBUG_TAGS`) and `trace --tag TAG`, added to the
configured ones, reach `run_start.attrs.tags` (redacted like argv) and `analyze`'s overview; a bad one is a
usage error naming the key, the value, what is expected and where it came from."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")

APP = """
from namel3ss_debug import trace_tool_call

@trace_tool_call
def search(query):
    return [query.upper()]

search("why")
"""
SECRET = "sk-proj-Zq8Xw2Lm4Np6Rt9Vb1Cd3Ef5Gh7Jk0"


def run_trace(*args: str, **env: str):
    """`trace [ARGS] app.py` in this process, the app written first; the result and its run_start."""
    Path("app.py").write_text(textwrap.dedent(APP), encoding="utf-8")
    result = CliRunner().invoke(cli, ["trace", "-q", "-o", "traces", *args, "app.py"],
                                env={"NAMEL3SS_DEBUG_FLUSH_INTERVAL_SECONDS": "60", **env}, catch_exceptions=False)
    events = [orjson.loads(line) for path in sorted(Path("traces").glob("*.jsonl"))
              for line in path.read_bytes().splitlines()] if Path("traces").is_dir() else []
    starts = [event for event in events if event["event_type"] == "run_start"]
    return result, (starts[0] if starts else None)


def overview_run(directory: str = "traces") -> dict:
    result = CliRunner().invoke(cli, ["analyze", directory, "--no-cache", "--format", "json"], catch_exceptions=False)
    (run,) = orjson.loads(result.stdout)["overview"]["runs"]
    return run


def write_config(data: dict) -> None:
    Path(".namel3ss").mkdir(exist_ok=True)
    Path(".namel3ss/debug.json").write_text(json.dumps(data), encoding="utf-8")


def test_tags_from_the_environment_reach_run_start_and_the_overview():
    result, start = run_trace(NAMEL3SS_DEBUG_TAGS="nightly, model-b")
    assert result.exit_code == 0, result.output
    assert start["attrs"]["tags"] == ["nightly", "model-b"]
    assert start["attrs"]["config_sources"]["tags"] == "env NAMEL3SS_DEBUG_TAGS"
    assert overview_run()["tags"] == ["nightly", "model-b"]


def test_tags_from_the_workspace_file_reach_run_start():
    write_config({"tags": ["release-1.2", "eu"]})
    result, start = run_trace()
    assert result.exit_code == 0, result.output
    assert start["attrs"]["tags"] == ["release-1.2", "eu"]
    assert overview_run()["tags"] == ["release-1.2", "eu"]


def test_tag_options_are_added_to_the_configured_tags():
    write_config({"tags": ["eu"]})
    result, start = run_trace("--tag", "pr-12", "--tag", "flaky", "--tag", "eu")
    assert result.exit_code == 0, result.output
    assert start["attrs"]["tags"] == ["eu", "pr-12", "flaky"]
    assert start["attrs"]["config_sources"]["tags"].endswith("debug.json and --tag")
    assert start["attrs"]["config"]["tags"] == ["eu", "pr-12", "flaky"]
    assert overview_run()["tags"] == ["eu", "pr-12", "flaky"]


def test_a_run_without_tags_writes_none():
    result, start = run_trace()
    assert result.exit_code == 0, result.output
    assert "tags" not in start["attrs"]
    assert overview_run()["tags"] == []


def test_a_secret_in_a_tag_is_redacted_before_it_reaches_disk():
    result, start = run_trace("--tag", f"api_key={SECRET}", NAMEL3SS_DEBUG_TAGS=f"token {SECRET}")
    assert result.exit_code == 0, result.output
    written = b"".join(path.read_bytes() for path in Path("traces").glob("*.jsonl"))
    assert SECRET.encode() not in written
    assert start["attrs"]["tags"][1].startswith("api_key=")


@pytest.mark.parametrize("value, said", [
    ("nightly", 'tags = "nightly": expected a list of tags'),
    (["ok", 3], "tags = [\"ok\", 3]: expected a list of tags"),
    (["ok", "  "], "tags[1]: an empty tag"),
])
def test_a_bad_tags_value_in_the_file_is_a_usage_error_naming_it(value: object, said: str):
    write_config({"tags": value})
    result, start = run_trace()
    assert (result.exit_code, start) == (2, None)
    assert said in result.output
    assert "debug.json" in result.output


def test_a_tag_too_long_in_the_environment_is_a_usage_error_naming_the_variable():
    result, start = run_trace(NAMEL3SS_DEBUG_TAGS="a," + "x" * 201)
    assert (result.exit_code, start) == (2, None)
    assert "tags[1]: a tag of 201 characters (at most 200)" in result.output
    assert "NAMEL3SS_DEBUG_TAGS" in result.output


def test_an_empty_tag_option_is_a_usage_error_naming_the_option():
    result, start = run_trace("--tag", " ")
    assert (result.exit_code, start) == (2, None)
    assert "tags[0]: an empty tag" in result.output
    assert "--tag" in result.output
