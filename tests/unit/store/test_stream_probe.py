"""A source whose length is unknown (standard input, a pipe, a device, a .gz file) must show an event in its
first 16 MiB, or it is not a trace: `/dev/urandom` has newlines, so the line bound alone never stops it."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import threading
from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource
from namel3ss_debug.store.streams import PROBE


def garbage(size: int, seed: int = 1) -> bytes:
    """Lines of random bytes that are not JSON, `size` bytes in all."""
    rng = random.Random(seed)
    line = bytes(rng.randrange(1, 256) for _ in range(999)).replace(b"\n", b"x") + b"\n"
    return line * (size // len(line) + 1)


def events_bytes() -> bytes:
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "search", 5.0)
    trace.run_end()
    return trace.lines()


def read_stdin(data: bytes) -> tuple[int, ReadProblems]:
    problems = ReadProblems()
    reader = TraceReader(problems, stdin=io.BytesIO(data))
    return sum(len(records) for records in reader.records(RunSource("<stdin>", ("-",)))), problems


def test_a_stream_without_an_event_in_its_first_16_mib_is_not_a_trace() -> None:
    with pytest.raises(TraceError, match="-: not a trace: no event in its first 16 MiB") as raised:
        read_stdin(garbage(PROBE + (1 << 20)))
    assert raised.value.exit_code == 3


def test_a_random_device_is_read_no_further_than_the_probe() -> None:
    reader = TraceReader(ReadProblems())
    with pytest.raises(TraceError, match="/dev/urandom: not a trace: no event in its first 16 MiB"):
        list(reader.records(RunSource("/dev/urandom", ("/dev/urandom",))))


def test_a_newline_free_device_stops_at_the_probe_not_at_the_256_mib_line_bound() -> None:
    reader = TraceReader(ReadProblems())
    with pytest.raises(TraceError, match="/dev/zero: not a trace: no event in its first 16 MiB"):
        list(reader.records(RunSource("/dev/zero", ("/dev/zero",))))


def test_a_stream_whose_events_come_after_garbage_within_the_probe_is_read_to_its_end() -> None:
    count, problems = read_stdin(garbage(PROBE - (2 << 20)) + events_bytes() + garbage(2 * PROBE, seed=2))
    assert count == 4
    assert problems.invalid_count > 16_000


def test_an_otlp_stream_counts_its_spans_though_its_events_come_at_the_end() -> None:
    span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "00000000000000a1", "name": "fine",
            "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000001000000000"}
    request = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode() + b"\n"
    count, problems = read_stdin(request + (b" " * 999 + b"\n") * (PROBE // 1000 + 1000))
    assert count == 4  # run_start, the span's start and end, run_end
    assert not problems.any


def test_a_gz_file_is_probed_in_its_decompressed_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(garbage(PROBE + (1 << 20)))
    reader = TraceReader(ReadProblems())
    with pytest.raises(TraceError, match="noise.jsonl.gz: not a trace: no event in its first 16 MiB"):
        list(reader.records(RunSource(str(path), (str(path),))))


def test_a_regular_file_is_not_probed_its_size_is_known(tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    path.write_bytes(garbage(PROBE + (1 << 20)) + events_bytes())
    problems = ReadProblems()
    reader = TraceReader(problems, write_index=False)
    assert sum(len(records) for records in reader.records(RunSource(str(path), (str(path),)))) == 4


def test_a_named_pipe_is_read_once_front_to_back_until_its_writer_closes(tmp_path: Path) -> None:
    pipe = tmp_path / "trace.jsonl"
    os.mkfifo(pipe)
    data = events_bytes()

    def write() -> None:
        with open(pipe, "wb") as out:
            out.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    reader = TraceReader(ReadProblems())
    events = [located.event for located in reader.events(RunSource(str(pipe), (str(pipe),)))]
    writer.join()
    assert [event["seq"] for event in events] == [0, 1, 2, 3]
    assert not (tmp_path / "trace.jsonl.idx").exists()
