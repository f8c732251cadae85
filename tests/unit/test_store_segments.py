"""Finding a run's segments and reading them in order."""

from __future__ import annotations

from namel3ss_debug.store.segments import ReadProblems, iter_events, run_segments

RUN = "20261122-070322-3f9a1c"


def test_segments_are_ordered_by_number_past_9999(tmp_path):
    for index in (9998, 9999, 10000, 10001):
        (tmp_path / f"{RUN}.{index:04d}.jsonl").write_text("{}\n")
    (tmp_path / "20261122-070322-000000.0000.jsonl").write_text("{}\n")  # another run
    names = [p.name for p in run_segments(tmp_path / f"{RUN}.9999.jsonl")]
    assert names == [f"{RUN}.{i}.jsonl" for i in (9998, 9999, 10000, 10001)]


def test_a_torn_last_line_is_noted_and_not_raised(tmp_path):
    path = tmp_path / f"{RUN}.0000.jsonl"
    path.write_bytes(b'{"seq": 0}\n{"seq": 1}\n{"seq": 2, "na')
    problems = ReadProblems(invalid=[])
    events = list(iter_events([path], problems))
    assert ([e["seq"] for e in events], problems.torn_last_line, problems.invalid) == ([0, 1], f"{path}:3", [])


def test_an_invalid_line_in_the_middle_is_counted_with_its_place(tmp_path):
    path = tmp_path / f"{RUN}.0000.jsonl"
    path.write_bytes(b'{"seq": 0}\nnot json\n{"seq": 2}\n')
    problems = ReadProblems(invalid=[])
    events = list(iter_events([path], problems))
    assert ([e["seq"] for e in events], problems.invalid) == ([0, 2], [f"{path}:2"])
