"""`namel3ss-debug report [TRACE | BASE NEW] [-o FILE]`: the file written, and bad input (one line, exit code)."""

from __future__ import annotations

import json
import re

import orjson
import pytest
from click.testing import CliRunner
from support.tracefactory import RUN_ID, TraceBuilder, one_llm_call

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def run(*args):
    return CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)


def data_of(path):
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="n3-data">(.*?)</script>', text, re.S).group(1))


def test_it_writes_the_page_where_asked_and_says_so(tmp_path) -> None:
    done = run(str(one_llm_call(tmp_path / "run.jsonl")), "-o", str(tmp_path / "out.html"))
    assert done.exit_code == 0
    assert done.stderr.startswith(f"wrote {tmp_path / 'out.html'} (2 spans, ")
    assert data_of(tmp_path / "out.html")["runs"][0]["run_id"] == RUN_ID


def test_without_o_it_is_named_after_the_run_here(tmp_path) -> None:
    assert run(str(one_llm_call(tmp_path / "run.jsonl"))).exit_code == 0
    assert (tmp_path / f"{RUN_ID}.html").is_file()


def test_two_runs_make_a_comparison_named_after_both(tmp_path) -> None:
    base, new = one_llm_call(tmp_path / "a.jsonl"), one_llm_call(tmp_path / "b.jsonl", "20261122-110000-abcdef")
    assert run(str(base), str(new)).exit_code == 0
    assert data_of(tmp_path / f"{RUN_ID}-vs-20261122-110000-abcdef.html")["mode"] == "compare"


def test_three_traces_are_a_usage_error(tmp_path) -> None:
    trace = str(one_llm_call(tmp_path / "run.jsonl"))
    done = run(trace, trace, trace)
    assert done.exit_code == 2 and "report takes one TRACE, or two to compare" in done.stderr


def test_a_file_of_several_runs_is_a_usage_error(tmp_path) -> None:
    path = tmp_path / "two.jsonl"
    path.write_bytes(one_llm_call(tmp_path / "a.jsonl").read_bytes()
                     + one_llm_call(tmp_path / "b.jsonl", "20261122-110000-abcdef").read_bytes())
    done = run(str(path), "-o", str(tmp_path / "out.html"))
    assert done.exit_code == 2 and "holds 2 runs" in done.stderr and not (tmp_path / "out.html").exists()


def test_a_missing_trace_is_a_usage_error(tmp_path) -> None:
    done = run(str(tmp_path / "nope.jsonl"))
    assert done.exit_code == 2 and "nope.jsonl" in done.stderr and "Traceback" not in done.stderr


def test_an_empty_trace_is_an_invalid_trace(tmp_path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    done = run(str(tmp_path / "empty.jsonl"))
    assert done.exit_code == 3 and "no events" in done.stderr


def test_an_unwritable_output_is_a_usage_error_and_leaves_nothing(tmp_path) -> None:
    done = run(str(one_llm_call(tmp_path / "run.jsonl")), "-o", str(tmp_path / "missing" / "out.html"))
    assert done.exit_code == 2 and "cannot write" in done.stderr and not (tmp_path / "missing").exists()


def test_a_torn_last_line_is_warned_about_and_the_rest_is_shown(tmp_path) -> None:
    path = one_llm_call(tmp_path / "run.jsonl")
    path.write_bytes(path.read_bytes() + b'{"v":1,"run_id":"' + RUN_ID.encode())
    done = run(str(path), "-o", str(tmp_path / "out.html"))
    assert done.exit_code == 0 and "run.jsonl:5" in done.stderr
    assert len(data_of(tmp_path / "out.html")["runs"][0]["spans"]["sid"]) == 2


def test_a_bad_slow_threshold_is_a_usage_error(tmp_path) -> None:
    done = run(str(one_llm_call(tmp_path / "run.jsonl")), "--slow-threshold", "soon")
    assert done.exit_code == 2 and "--slow-threshold" in done.stderr


def test_a_run_read_from_otlp_json_shows_the_same_spans(tmp_path) -> None:
    trace = one_llm_call(tmp_path / "run.jsonl")
    otlp = tmp_path / "run.otlp.json"
    assert CliRunner().invoke(cli, ["export", str(trace), "--to", "otlp-json", str(otlp)]).exit_code == 0
    assert run(str(trace), "-o", str(tmp_path / "a.html")).exit_code == 0
    assert run(str(otlp), "-o", str(tmp_path / "b.html")).exit_code == 0
    names = [data_of(tmp_path / name)["runs"][0]["spans"]["name"] for name in ("a.html", "b.html")]
    assert names[0] == names[1] == ["app.py", "plan"]


def segmented_run(directory):
    """A run in two segment files, each opening with its `segment_start` (a file marker), as the writer rotates."""
    trace = TraceBuilder()
    root = trace.run_start()
    first = trace.instant("segment_start", "app", f"{RUN_ID}.0000.jsonl", root)
    trace.span("tool", "lookup", 5)
    second = trace.instant("segment_start", "app", f"{RUN_ID}.0001.jsonl", root)
    trace.span("llm", "plan", 5)
    trace.run_end()
    events = [dict(e, seq=n) for n, e in enumerate(trace.events)]
    cut = next(n for n, e in enumerate(events) if e["span_id"] == second)
    directory.mkdir()
    for index, part in enumerate((events[:cut], events[cut:])):
        (directory / f"{RUN_ID}.{index:04d}.jsonl").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in part))
    return directory / f"{RUN_ID}.0000.jsonl", {first, second}


def test_segment_starts_are_no_spans_of_the_report_nor_of_inspect_tree(tmp_path) -> None:
    trace, markers = segmented_run(tmp_path / "traces")
    assert run(str(trace), "-o", str(tmp_path / "out.html")).exit_code == 0
    spans = data_of(tmp_path / "out.html")["runs"][0]["spans"]
    assert spans["name"] == ["app.py", "lookup", "plan"] and not markers & set(spans["sid"])
    tree = CliRunner().invoke(cli, ["inspect", str(trace), "--tree", "--format", "json"], catch_exceptions=False)
    nodes = json.loads(tree.stdout)["nodes"]
    assert [node["name"] for node in nodes] == ["app.py", "lookup", "plan"]
    text = CliRunner().invoke(cli, ["inspect", str(trace), "--tree"], catch_exceptions=False).stdout
    assert "lookup" in text and "segment" not in text and ".jsonl" not in text
