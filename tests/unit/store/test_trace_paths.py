"""TRACE names that are not plain trace files: pipes and devices are streams (read once, never a second time,
no offset, no cache key), loops and sockets are usage errors, what cannot be listed or opened is a TraceError."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from namel3ss_debug.model.errors import TraceError, UsageError
from namel3ss_debug.store.lookup import first_event
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource, _listing, is_stream, resolve_sources, seekable

RUN = "20261122-100000-abcdef"


def test_a_named_pipe_is_one_stream_source_with_no_offsets(tmp_path: Path) -> None:
    pipe = tmp_path / "trace.jsonl"
    os.mkfifo(pipe)
    [source] = resolve_sources([str(pipe)])
    assert source.files == (str(pipe),)
    assert is_stream(str(pipe)) and not seekable(str(pipe))


def test_a_character_device_is_a_stream_and_a_regular_file_is_not(tmp_path: Path) -> None:
    plain = tmp_path / "run.jsonl"
    plain.write_text("{}\n")
    assert is_stream("/dev/null") and not seekable("/dev/null")
    assert not is_stream(str(plain)) and seekable(str(plain))
    assert is_stream("-") and not seekable("-")


def test_the_first_event_of_a_pipe_is_not_read_a_second_time(tmp_path: Path) -> None:
    pipe = tmp_path / "trace.jsonl"
    os.mkfifo(pipe)  # nobody writes: opening it again would wait for ever
    assert first_event(RunSource(str(pipe), (str(pipe),))) is None


def test_a_symbolic_link_loop_is_a_usage_error_that_says_so(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").symlink_to(tmp_path / "b.jsonl")
    (tmp_path / "b.jsonl").symlink_to(tmp_path / "a.jsonl")
    with pytest.raises(UsageError, match="a symbolic link that leads back to itself"):
        resolve_sources([str(tmp_path / "a.jsonl")])


def test_a_socket_is_a_usage_error_naming_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(UsageError, match="not a regular file but a socket"):
            resolve_sources([str(path)])


def test_a_pipe_or_directory_named_like_a_segment_is_no_segment_of_the_run(tmp_path: Path) -> None:
    (tmp_path / f"{RUN}.0000.jsonl").write_text("{}\n")
    os.mkfifo(tmp_path / f"{RUN}.0001.jsonl")
    (tmp_path / f"{RUN}.0002.jsonl").mkdir()
    [source] = resolve_sources([str(tmp_path / f"{RUN}.0000.jsonl")])
    assert source.files == (str(tmp_path / f"{RUN}.0000.jsonl"),)
    [newest] = resolve_sources([str(tmp_path)])
    assert newest.files == source.files


def test_a_directory_that_cannot_be_listed_is_a_trace_error_with_what_the_system_said(tmp_path: Path) -> None:
    # Root lists any directory, so the permission case runs in tests/cli/test_bad_trace_inputs.py with the
    # capability dropped; here the same listing fails for real, on a directory removed after it was named.
    gone = tmp_path / "traces"
    with pytest.raises(TraceError, match="cannot read .*traces: No such file or directory"):
        _listing(gone)


def test_a_file_that_cannot_be_opened_is_a_trace_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        reader = TraceReader(ReadProblems())
        with pytest.raises(TraceError, match=r"cannot read .*s\.jsonl: No such device or address"):
            list(reader.events(RunSource(str(path), (str(path),))))


def test_a_read_that_fails_is_a_trace_error_not_a_traceback() -> None:
    reader = TraceReader(ReadProblems())
    with pytest.raises(TraceError, match="cannot read /proc/self/mem: Input/output error"):
        list(reader.records(RunSource("/proc/self/mem", ("/proc/self/mem",))))
