"""Resolving TRACE arguments: files, segments, run ids, directories, stdin."""

from __future__ import annotations

import os

import pytest

from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.store.sources import resolve_sources

RUN = "20261122-100000-abcdef"
OLDER = "20261122-090000-000001"


def _touch(directory, *names):
    for name in names:
        (directory / name).write_text("{}\n")


def test_a_segment_brings_its_whole_run_in_number_order(tmp_path):
    _touch(tmp_path, f"{RUN}.0010.jsonl", f"{RUN}.0002.jsonl", f"{RUN}.10000.jsonl", f"{OLDER}.0000.jsonl")
    [source] = resolve_sources([str(tmp_path / f"{RUN}.0002.jsonl")])
    assert [p.rsplit("/", 1)[1] for p in source.files] == [f"{RUN}.0002.jsonl", f"{RUN}.0010.jsonl",
                                                           f"{RUN}.10000.jsonl"]


def test_a_compressed_segment_belongs_to_its_run_and_a_plain_copy_wins(tmp_path):
    _touch(tmp_path, f"{RUN}.0000.jsonl", f"{RUN}.0001.jsonl.gz", f"{RUN}.0000.jsonl.gz")
    [source] = resolve_sources([str(tmp_path / f"{RUN}.0000.jsonl")])
    assert [p.rsplit("/", 1)[1] for p in source.files] == [f"{RUN}.0000.jsonl", f"{RUN}.0001.jsonl.gz"]


def test_a_directory_means_its_newest_run_and_all_means_every_run(tmp_path):
    _touch(tmp_path, f"{RUN}.0000.jsonl", f"{OLDER}.0000.jsonl")
    assert [s.run_id for s in resolve_sources([str(tmp_path)])] == [RUN]
    assert [s.run_id for s in resolve_sources([str(tmp_path)], all_runs=True)] == [OLDER, RUN]


def test_a_run_id_or_a_unique_prefix_is_found_in_the_trace_directory(tmp_path):
    _touch(tmp_path, f"{RUN}.0000.jsonl", f"{OLDER}.0000.jsonl")
    assert resolve_sources([RUN], trace_dir=tmp_path)[0].run_id == RUN
    assert resolve_sources(["20261122-09"], trace_dir=tmp_path)[0].run_id == OLDER


def test_an_ambiguous_prefix_is_a_usage_error_naming_the_candidates(tmp_path):
    _touch(tmp_path, f"{RUN}.0000.jsonl", f"{OLDER}.0000.jsonl")
    with pytest.raises(UsageError, match="matches 2 runs"):
        resolve_sources(["20261122"], trace_dir=tmp_path)


def test_a_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such trace file"):
        resolve_sources([str(tmp_path / "nope.jsonl")])


def test_a_directory_without_traces_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no traces in"):
        resolve_sources([str(tmp_path)])


def test_a_directory_of_other_jsonl_files_gives_the_newest(tmp_path):

    _touch(tmp_path, "flow-000001.jsonl", "flow-000002.jsonl")
    os.utime(tmp_path / "flow-000001.jsonl", (1, 1))
    assert resolve_sources([str(tmp_path)])[0].files[0].endswith("flow-000002.jsonl")


def test_dash_is_standard_input():
    assert resolve_sources(["-"])[0].files == ("-",)


def test_a_run_named_twice_is_read_once(tmp_path):
    _touch(tmp_path, f"{RUN}.0000.jsonl", f"{RUN}.0001.jsonl")
    sources = resolve_sources([str(tmp_path / f"{RUN}.0001.jsonl"), str(tmp_path), f"{tmp_path}/./{RUN}.0000.jsonl"])
    assert len(sources) == 1
