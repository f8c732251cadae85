"""An event read from an OTLP/JSON file is placed at the line of the request its span came from, as every
reading command shows it (`file:LINE`, never `file:0`): inspect, check's failing events, replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from namel3ss_debug.cli.main import cli
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

TRACE = "5b8efff798038103d269b633813fc60c"
OTHER = "0af7651916cd43dd8448eb211c80319c"
SDK_FILE = Path(__file__).resolve().parents[1] / "data" / "otlp" / "openinference-openai.jsonl"


def span(trace: str, span_id: str, name: str, start_s: int, end_s: int, parent: str | None = None,
         **extra: Any) -> dict[str, Any]:
    found = {"traceId": trace, "spanId": span_id, "name": name, "startTimeUnixNano": f"{1700000000 + start_s}000000000",
             "endTimeUnixNano": f"{1700000000 + end_s}000000000", **extra}
    if parent:
        found["parentSpanId"] = parent
    return found


def request(*spans: dict[str, Any]) -> str:
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "agent-app"}}]}, "scopeSpans": [{"spans": list(spans)}]}]})


def collector_file(tmp_path: Path) -> Path:
    """What a Collector's file exporter writes: a request a line, here the parent after its child (batches come
    in any order), a blank line, and a second trace."""
    failed = {"status": {"code": 2}, "events": [{"name": "exception", "timeUnixNano": "1700000002000000000",
                                                 "attributes": [{"key": "exception.type",
                                                                 "value": {"stringValue": "TimeoutError"}}]}]}
    path = tmp_path / "collector.otlp.jsonl"
    path.write_text("\n".join([
        request(span(TRACE, "00000000000000b2", "search", 1, 2, parent="00000000000000a1", **failed)),
        request(span(TRACE, "00000000000000a1", "plan", 0, 3)),
        "",
        request(span(OTHER, "00000000000000c1", "other", 0, 1)),
    ]) + "\n")
    return path


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result


def places(path: Path) -> dict[tuple[str, str, str], int]:
    """(run, event type, name) -> line, for every event of every run of the file, as the dict reader places them."""
    reader = TraceReader(ReadProblems(), write_index=False)
    data, found = path.read_bytes(), {}
    for located in reader.events(RunSource(str(path), (str(path),))):
        assert located.path == str(path) and located.where == f"{path}:{located.line}"
        assert data.count(b"\n", 0, located.offset) == located.line - 1  # the offset: that line's start
        assert located.offset == 0 or data[located.offset - 1:located.offset] == b"\n"
        found[(located.event["run_id"][:4], located.event["event_type"], located.event["name"])] = located.line
    return found


def test_each_event_is_at_the_line_of_its_spans_request(tmp_path: Path) -> None:
    path = collector_file(tmp_path)
    assert places(path) == {  # a run's own start and end: at its first and last span in the file
        ("5b8e", "run_start", "agent-app"): 1, ("5b8e", "run_end", "agent-app"): 2,
        ("5b8e", "custom_span_start", "plan"): 2, ("5b8e", "custom_span_end", "plan"): 2,
        ("5b8e", "custom_span_start", "search"): 1, ("5b8e", "custom_span_end", "search"): 1,
        ("0af7", "run_start", "agent-app"): 4, ("0af7", "run_end", "agent-app"): 4,
        ("0af7", "custom_span_start", "other"): 4, ("0af7", "custom_span_end", "other"): 4,
    }


def test_the_events_of_a_document_over_many_lines_are_at_the_line_it_begins_on(tmp_path: Path) -> None:
    path = tmp_path / "pretty.json"
    path.write_text("\n\n" + json.dumps(json.loads(request(span(TRACE, "00000000000000a1", "plan", 0, 3))), indent=2))
    assert set(places(path).values()) == {3}


def test_inspect_names_the_events_line(tmp_path: Path) -> None:
    path = collector_file(tmp_path)
    listed = [json.loads(line) for line in run("inspect", str(path), "--format", "jsonl").stdout.splitlines()]
    search_end = next(e["seq"] for e in listed if e["name"] == "search" and e["status"] == "failed")
    shown = json.loads(run("inspect", str(path), "--event", str(search_end), "--format", "json").stdout)
    assert shown["where"] == [f"{path}:1"]
    table = CliRunner(env={"COLUMNS": "400"}).invoke(cli, ["inspect", str(path), "--event", str(search_end),
                                                            "--no-pager"], catch_exceptions=False).stdout
    assert f"{path}:1" in table and f"{path}:0" not in table


def test_checks_failing_event_and_replay_say_the_line(tmp_path: Path) -> None:
    path = collector_file(tmp_path)
    checked = json.loads(run("check", str(path), "--max-errors", "0", "--format", "json").stdout)
    assert f"{path}:1" in json.dumps(checked) and f"{path}:0" not in json.dumps(checked)
    replayed = CliRunner().invoke(cli, ["replay", str(SDK_FILE), "--run", "c4af80ec45b3796836e069e3dfdebf34",
                                        "--commands", "-"], input="c\n", catch_exceptions=False)
    assert f"{SDK_FILE}:2" in replayed.stdout and f"{SDK_FILE}:0" not in replayed.stdout
