"""Events whose inputs and attrs are nested ~1,000 levels (the most the trace readers take) or 5,000 (a line
they refuse): every view of `inspect` and every `export` format shows or sends what it can, the deep part cut
with a marker, and never stops on a RecursionError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli
from namel3ss_debug.model.deep import DEEP_MARK, VALUE_DEPTH_MAX

pytestmark = pytest.mark.usefixtures("isolated_workspace")
MARK = DEEP_MARK.format(VALUE_DEPTH_MAX)


def deep_run(path: Path, depth: int) -> Path:
    """A run whose LLM call has inputs and attrs `depth` lists deep, and a tool call with a deep object."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "plan", 5, inputs={"prompt": "IN"}, outputs={"text": "x"}, attrs={"k": "AT"},
               usage={"input_tokens": 1, "output_tokens": 2}, model="gpt-4o")
    trace.span("tool", "search", 3, inputs={"q": "TOOL"})
    trace.run_end()
    lists, objects = "[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth
    text = trace.lines().decode().replace('{"prompt":"IN"}', lists).replace('"AT"', lists)
    path.write_text(text.replace('"TOOL"', objects))
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"COLUMNS": "160", "NO_COLOR": "1"})


VIEWS = [[], ["--format", "json"], ["--format", "jsonl"], ["--event", "1"], ["--event", "1", "--format", "json"],
         ["--event", "3"], ["--tree"], ["--tree", "--format", "jsonl"], ["--timeline"], ["--span", "0000000000000002"],
         ["--grep", "nothing-like-this"], ["--causality", "4"], ["--errors-only"]]


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: " ".join(view) or "list")
@pytest.mark.parametrize("depth", [1_000, 5_000])
def test_every_inspect_view_of_deep_values(tmp_path, depth, view):
    """At 5,000 levels the lines are not read (a warning each): a view of one of them is a usage error."""
    result = invoke("inspect", str(deep_run(tmp_path / "deep.jsonl", depth)), "--no-pager", *view)
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    if depth == 5_000 and result.exit_code == 2:
        assert result.stderr.splitlines()[-1].startswith("namel3ss-debug: error: no ")
    else:
        assert result.exit_code == 0, result.output


def test_the_deep_part_is_marked_where_it_was_cut(tmp_path):
    path = str(deep_run(tmp_path / "deep.jsonl", 1_000))
    shown = invoke("inspect", path, "--event", "1", "--format", "json").stdout
    listed = invoke("inspect", path, "--format", "jsonl").stdout
    said = "(nested deeper than 100 levels, not shown)"  # after an ellipsis, written \u2026 in JSON
    assert said in shown
    assert said in listed


def test_a_line_too_deep_to_read_is_one_warning(tmp_path):
    result = invoke("inspect", str(deep_run(tmp_path / "deep.jsonl", 5_000)), "--no-pager")
    assert result.exit_code == 0 and "deep.jsonl:2: not JSON (depth limit exceeded)" in result.stderr


@pytest.mark.parametrize("to", ["otlp-json", "perfetto"])
@pytest.mark.parametrize("depth", [1_000, 5_000])
def test_export_to_a_file(tmp_path, depth, to):
    out = tmp_path / "out.json"
    result = invoke("export", str(deep_run(tmp_path / "deep.jsonl", depth)), "--to", to, str(out))
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    for line in out.read_text().splitlines() if to == "otlp-json" else [out.read_text()]:
        json.loads(line)


def test_otlp_json_carries_the_first_levels_and_the_marker(tmp_path):
    out = tmp_path / "out.json"
    invoke("export", str(deep_run(tmp_path / "deep.jsonl", 1_000)), "--to", "otlp-json", str(out))
    request = json.loads(out.read_text().splitlines()[0])
    spans = [span for scope in request["resourceSpans"][0]["scopeSpans"] for span in scope["spans"]]
    (plan,) = [span for span in spans if span["name"] == "plan"]
    inputs = next(kv["value"]["stringValue"] for kv in plan["attributes"] if kv["key"] == "namel3ss.inputs")
    value, depth = json.loads(inputs), 0
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert (depth, value) == (VALUE_DEPTH_MAX, MARK)


def test_otlp_live_sends_the_deep_run(tmp_path):
    pytest.importorskip("opentelemetry.exporter.otlp.proto.http.trace_exporter")
    from support.otlpreceivers import HttpReceiver  # noqa: PLC0415 - needs the opentelemetry importorskip'd above

    receiver = HttpReceiver()
    try:
        result = invoke("export", str(deep_run(tmp_path / "deep.jsonl", 1_000)), "--to", "otlp",
                        "--endpoint", receiver.url)
    finally:
        receiver.close()
    assert result.exit_code == 0, result.output
    (plan,) = [span for span in receiver.spans if span["name"] == "plan"]
    assert plan["attributes"]["namel3ss.inputs"].endswith(MARK + '"' + "]" * VALUE_DEPTH_MAX)
