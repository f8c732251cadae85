"""One big run read in two halves side by side (two processes): the same report as one pass, or one pass."""

from __future__ import annotations

import json
import math
import sys

import orjson
import pytest
from click.testing import CliRunner
from tracefactory import TraceBuilder, error

from namel3ss_debug.analysis.analyze import analyze
from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.tally import Options
from namel3ss_debug.analysis.window import EventWindow, parse_bound
from namel3ss_debug.cli.errors import warn
from namel3ss_debug.cli.main import cli
from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.ops.analyze.counting import Counted
from namel3ss_debug.ops.split import cut as cut_module
from namel3ss_debug.ops.split.analyze_halves import Halves
from namel3ss_debug.ops.split.cut import Cut, find_cut, numbered
from namel3ss_debug.render.analyze.analyze_json import report_to_dict
from namel3ss_debug.store import index as index_module
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import Part, TraceReader
from namel3ss_debug.store.sources import RunSource, resolve_sources

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="two processes need fork")


def server_run(requests: int = 60) -> TraceBuilder:
    """Requests one after another, as a server's trace: quiet points between them."""
    trace = TraceBuilder()
    trace.run_start()
    for n in range(requests):
        agent = trace.start("agent", "helper")
        trace.span("llm", "plan", 20 + n % 7, agent, inputs={"q": n % 5}, model="m",
                   usage={"input_tokens": 100, "output_tokens": 10})
        failed = n % 9 == 0
        trace.span("tool", "search", 5 + n % 3, agent, inputs={"q": n % 4}, status="failed" if failed else "completed",
                   error=error("TimeoutError", "late") if failed else None)
        trace.end(agent, 40)
    trace.run_end()
    return trace


def one_pass(path, *args):
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json", "--jobs", "1", *args],
                                catch_exceptions=False)
    return json.loads(result.stdout)


def halves(path, cut=None, window=None, strict=False):
    source = RunSource(str(path), (str(path),))
    cut = cut or find_cut(source, min_bytes=0)
    reader = TraceReader(ReadProblems(strict=strict), write_index=False, reuse_buffers=True)
    done = []
    halves = Halves(source, cut, Options(), window or EventWindow(), Pricer(), strict, warn)  # as analyze's
    report = halves.report(reader, Counted(reader.problems), bytes_read=lambda: sum(done), progress=done.append)
    return report_to_dict(report), sum(done)


def comparable(document):
    document = dict(document)
    document["overview"] = {k: v for k, v in document["overview"].items() if k != "bytes_read"}
    return document


def test_a_cut_is_found_between_two_requests(tmp_path):
    path = server_run().write(tmp_path / "run.jsonl")
    cut = find_cut(RunSource(str(path), (str(path),)), min_bytes=0)
    data = path.read_bytes()
    before = orjson.loads(data[:cut.first.stop[1]].splitlines()[-1])
    assert (before["event_type"], before["parent_id"], cut.root_id) == ("agent_execution_end", cut.root_id,
                                                                         "0000000000000001")


@pytest.mark.parametrize("share", [0.3, 0.52, 0.56, 0.8])
def test_the_cut_is_the_first_quiet_point_past_the_share_asked_for(tmp_path, share):
    path = server_run(200).write(tmp_path / "run.jsonl")
    data = path.read_bytes()
    offset = find_cut(RunSource(str(path), (str(path),)), min_bytes=0, share=share).second.begin[1]
    before = data[int(len(data) * share):offset].split(b"\n")[1:-1]  # whole lines between the share and the cut
    assert offset >= len(data) * share and offset - len(data) * share < len(data) / 50
    assert orjson.loads(before[-1])["event_type"] == "agent_execution_end"
    assert not [line for line in before[:-1] if orjson.loads(line)["event_type"] == "agent_execution_end"]


@pytest.mark.parametrize("step", [1, 37, 4096])
def test_the_quiet_point_read_a_step_at_a_time_is_the_one_found_in_the_whole_window(tmp_path, monkeypatch, step):
    path = server_run(200).write(tmp_path / "run.jsonl")
    source = RunSource(str(path), (str(path),))
    whole = [find_cut(source, min_bytes=0, share=share) for share in (0.3, 0.52, 0.8)]
    monkeypatch.setattr(cut_module, "_SCAN_STEP", step)
    assert [find_cut(source, min_bytes=0, share=share) for share in (0.3, 0.52, 0.8)] == whole
    assert all(cut is not None for cut in whole)
    monkeypatch.setattr(cut_module, "SCAN_BYTES", 300)  # no end of a root child within reach: not cut
    assert find_cut(source, min_bytes=0, share=0.5) is None


def test_small_runs_compressed_runs_and_foreign_files_are_not_cut(tmp_path):
    path = server_run().write(tmp_path / "run.jsonl")
    (tmp_path / "legacy.jsonl").write_bytes(b'{"event_type": "x", "timestamp": 1.5}\n' * 10)
    assert find_cut(RunSource(str(path), (str(path),))) is None  # under cut.MIN_BYTES
    assert find_cut(RunSource("-", ("-",)), min_bytes=0) is None
    assert find_cut(RunSource("l", (str(tmp_path / "legacy.jsonl"),)), min_bytes=0) is None


def test_the_halves_give_the_one_pass_report_and_read_every_byte(tmp_path):
    path = server_run().write(tmp_path / "run.jsonl")
    document, read = halves(path)
    assert comparable(document) == comparable(one_pass(path)) and read == path.stat().st_size


def test_a_cut_that_is_not_quiet_is_read_again_in_one_pass(tmp_path):
    path = server_run().write(tmp_path / "run.jsonl")
    data = path.read_bytes()
    inside = data.index(b'"event_type":"llm_call_end"', len(data) // 2)
    offset = data.index(b"\n", inside) + 1  # just after an LLM call ends: its agent is still open
    source = RunSource(str(path), (str(path),))
    good = find_cut(source, min_bytes=0)
    cut = Cut(Part((0, 0), (0, offset)), Part((0, offset)), good.root_id, good.start_attrs, good.first_event)
    document, _ = halves(path, cut)
    assert comparable(document) == comparable(one_pass(path))


def test_time_bounds_from_the_run_start_hold_in_both_halves(tmp_path):
    path = server_run().write(tmp_path / "run.jsonl")
    window = EventWindow(until=parse_bound("+3s", "--until"))
    document, _ = halves(path, window=window)
    assert comparable(document) == comparable(one_pass(path, "--until", "+3s"))


def test_a_bad_line_in_the_second_half_is_named_with_its_own_line_number(tmp_path, capfd):
    trace = server_run()
    lines = trace.lines().split(b"\n")
    lines[len(lines) - 20] = b"not json"
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join(lines))
    document, _ = halves(path)
    assert document["integrity"]["invalid_lines"] == 1
    assert f"run.jsonl:{len(lines) - 19}: not JSON" in capfd.readouterr().err
    with pytest.raises(TraceError, match=f":{len(lines) - 19}"):
        halves(path, strict=True)


def test_the_second_half_is_numbered_after_the_lines_before_it(tmp_path):
    path = server_run().write(tmp_path / "run.jsonl")
    source = RunSource(str(path), (str(path),))
    cut = find_cut(source, min_bytes=0)
    before = path.read_bytes()[:cut.second.begin[1]]
    assert numbered(cut, source).first_line == before.count(b"\n") + 1 > 1


@pytest.mark.parametrize("window", [4096, 3 * 4096, 1 << 24])
def test_the_lines_before_a_cut_are_counted_a_window_at_a_time(tmp_path, monkeypatch, window):
    """The lines before an offset, counted in mapped windows of the file: across windows, at an offset inside
    one, at the file's end and past it (a file that got shorter)."""
    monkeypatch.setattr(cut_module, "_WINDOW", window)
    path = server_run(90).write(tmp_path / "run.jsonl")
    data = path.read_bytes()
    assert len(data) > 4 * 4096
    for offset in (0, 1, 4095, 4096, 4097, 3 * 4096 + 17, len(data) - 1, len(data), len(data) + 5000):
        assert cut_module._lines_before(str(path), offset) == data[:offset].count(b"\n")


def test_a_run_in_several_segments_cut_in_a_middle_one(tmp_path):
    lines = server_run(90).lines().splitlines(keepends=True)
    run = "20261122-100000-abcdef"
    thirds = [lines[: len(lines) // 3], lines[len(lines) // 3: 2 * len(lines) // 3], lines[2 * len(lines) // 3:]]
    for index, part in enumerate(thirds):
        (tmp_path / f"{run}.{index:04d}.jsonl").write_bytes(b"".join(part))
    [source] = resolve_sources([str(tmp_path / f"{run}.0000.jsonl")])
    cut = find_cut(source, min_bytes=0)
    assert cut.first.stop[0] == 1  # the middle of the run is in the middle file
    reader = TraceReader(ReadProblems(), write_index=False, reuse_buffers=True)
    done = []
    halves = Halves(source, cut, Options(), EventWindow(), Pricer(), False)
    document = report_to_dict(halves.report(reader, Counted(reader.problems), bytes_read=lambda: sum(done),
                                            progress=done.append))
    expected = one_pass(tmp_path / f"{run}.0001.jsonl")
    assert comparable(document) == comparable(expected) and sum(done) == sum(
        (tmp_path / f"{run}.{i:04d}.jsonl").stat().st_size for i in range(3))


def test_the_file_read_in_two_parts_still_gets_its_index(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "STRIDE", 2048)
    path = server_run(200).write(tmp_path / "run.jsonl")
    source = RunSource(str(path), (str(path),))
    cut = find_cut(source, min_bytes=0)
    reader = TraceReader(ReadProblems(), reuse_buffers=True, index_min_bytes=0)
    Halves(source, cut, Options(), EventWindow(), Pricer(), False).report(
        reader, Counted(reader.problems), bytes_read=lambda: 0, progress=lambda n: None)
    index = index_module.load_index(str(path))
    data = path.read_bytes()
    assert index is not None and index.first_seq == 0 and index.last_seq == data.count(b"\n") - 1
    assert any(offset > cut.first.stop[1] for _, _, offset in index.entries)
    for seq, line, offset in index.entries:
        assert orjson.loads(data[offset:data.index(b"\n", offset)])["seq"] == seq
        assert data.count(b"\n", 0, offset) + 1 == line


def test_costs_add_up_to_the_same_last_bit_in_halves_as_in_one_pass(tmp_path):
    # 1.0 then a hundred 1e-16s: added one by one each is lost, added up first they are not; summed exactly
    # (math.fsum of every call's cost) both readings give the exactly rounded total
    trace = TraceBuilder()
    trace.run_start()
    costs = []
    for n in range(101):
        agent = trace.start("agent", "helper")
        costs.append(1.0 if n == 0 else 1e-16)
        trace.span("llm", "plan", 5, agent, model="m", cost_usd=costs[-1],
                   usage={"input_tokens": 1, "output_tokens": 1})
        trace.end(agent, 6)
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    source = RunSource(str(path), (str(path),))
    cut = find_cut(source, min_bytes=0)
    reader = TraceReader(ReadProblems(), write_index=False, reuse_buffers=True)
    split = Halves(source, cut, Options(), EventWindow(), Pricer(), False, warn).report(
        reader, Counted(reader.problems), bytes_read=lambda: 0, progress=lambda n: None)
    once = analyze([(source, TraceReader(ReadProblems(), write_index=False).records(source))], pricer=Pricer())
    assert split.llm.cost_usd == once.llm.cost_usd == math.fsum(costs) > 1.0
    assert split.llm.models == once.llm.models
