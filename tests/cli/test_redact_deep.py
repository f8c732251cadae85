"""`redact` of events nested deeper than the tracer writes: no traceback, the secrets below still go.

The tracer never writes more than 255 levels (its serializer cuts an object deeper than that at 64, with
`<max depth>`); a hand-made or hostile file can hold up to the 1,024 levels the JSON reader accepts, which
the redaction walk (one Python call a level) cannot go down. Such an event is redacted as the tracer would
have written it: cut at 64 levels.
"""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")

KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"


def deep_trace(path, depth, leaf):
    """A run whose one tool span's start event holds `leaf` under `depth` levels of attrs."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "deep", 5.0, trace.root)
    trace.run_end()
    lines = []
    for number, event in enumerate(trace.events):
        if number == 2:  # orjson writes no more than 255 levels: the deep part is spliced in as text
            head = orjson.dumps({key: value for key, value in event.items() if key != "attrs"})[:-1]
            lines.append(head + b',"attrs":' + b'{"a":' * depth + orjson.dumps(leaf) + b"}" * depth + b"}")
        else:
            lines.append(orjson.dumps(event))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def depth_of(value):
    depth = 0
    while isinstance(value, dict) and "a" in value:
        value, depth = value["a"], depth + 1
    return depth, value


@pytest.mark.parametrize("depth", [600, 1000])
def test_a_secret_a_thousand_levels_deep_is_gone_and_the_event_is_cut_as_the_tracer_writes(tmp_path, depth):
    path = deep_trace(tmp_path / "run.jsonl", depth, f"connect password=hunter22 with {KEY}")
    result = CliRunner().invoke(cli, ["redact", str(path)])
    data = path.read_bytes()
    assert (result.exit_code, result.output) == (0, f"{path}: redacted 1 event\n")
    assert KEY.encode() not in data and b"hunter22" not in data
    event = orjson.loads(data.split(b"\n")[2])
    assert depth_of(event["attrs"]) == (63, "<max depth>")
    assert [orjson.loads(line)["seq"] for line in data.split(b"\n") if line] == [0, 1, 2, 3]


def test_a_deep_event_the_tracer_could_have_written_keeps_its_depth(tmp_path):
    path = deep_trace(tmp_path / "run.jsonl", 200, f"use {KEY}")
    assert CliRunner().invoke(cli, ["redact", str(path)]).exit_code == 0
    event = orjson.loads(path.read_bytes().split(b"\n")[2])
    assert depth_of(event["attrs"]) == (200, "use [REDACTED:openai_project_key]")


def test_a_deep_event_with_nothing_to_hide_stays_byte_for_byte(tmp_path):
    path = deep_trace(tmp_path / "run.jsonl", 1000, "nothing to see here")
    before = path.read_bytes()
    result = CliRunner().invoke(cli, ["redact", str(path)])
    assert (result.exit_code, result.output, path.read_bytes()) == (0, f"{path}: redacted 0 events\n", before)


def test_deeper_than_json_is_read_is_a_clear_error_naming_the_line(tmp_path):
    path = deep_trace(tmp_path / "run.jsonl", 1100, f"use {KEY}")
    before = path.read_bytes()
    result = CliRunner().invoke(cli, ["redact", str(path)])
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert f"{path}:3: not JSON (depth limit exceeded)" in result.stderr and path.read_bytes() == before
