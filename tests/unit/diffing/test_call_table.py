"""A run's calls as columns: the calls a table gives are the calls recorded, in order, as a list gives them;
kept in the cache and restored they are the same calls; a kept table that is not whole is not used."""

from __future__ import annotations

import json
import random
from array import array
from pathlib import Path

import msgspec
import pytest
from support.tracefactory import random_calls_run

from namel3ss_debug.diffing import call_table
from namel3ss_debug.diffing.call_table import (
    INPUTS_AT_START,
    NO_INPUTS,
    CallTable,
    CompactCall,
    KeptCalls,
    kept,
    restored,
)
from namel3ss_debug.diffing.profile import profile_lines
from namel3ss_debug.model import arrays
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


def table_of(tmp_path: Path, seed: int, rereadable: bool = True) -> CallTable:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(json.dumps(event).encode() + b"\n" for event in random_calls_run(random.Random(seed))))
    source = RunSource(str(path), (str(path),))
    reader = TraceReader(ReadProblems(strict=False, on_warning=lambda message: None))
    profile = profile_lines(source, reader.line_blocks(source), problems=reader.problems, rereadable=rereadable)
    return profile.calls.calls


def through_cache(table: CallTable) -> KeptCalls:
    return msgspec.msgpack.decode(msgspec.msgpack.encode(kept(table)), type=KeptCalls)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("rereadable", [False, True])
def test_a_table_kept_and_restored_gives_the_same_calls(tmp_path, seed, rereadable) -> None:
    table = table_of(tmp_path, seed, rereadable)
    again = restored(through_cache(table))
    assert again is not None and again == table and list(again) == list(table)
    assert again.operations() == [call.operation for call in table]


def test_a_kept_tables_columns_are_read_in_place_from_the_cache_files_bytes(tmp_path) -> None:
    """Decoded from the file's bytes without a copy of each column (the arrays copy them once, when restored)."""
    data = msgspec.msgpack.encode(kept(table_of(tmp_path, 4)))
    decoded = msgspec.msgpack.decode(data, type=KeptCalls)
    views = [view for _, view in decoded.arrays.values()]
    assert views and all(isinstance(view, memoryview) and view.obj is data for view in views)
    assert restored(decoded) == table_of(tmp_path, 4)


def test_a_table_reads_like_a_list_of_its_calls(tmp_path) -> None:
    table = table_of(tmp_path, 3)
    calls = list(table)
    assert len(calls) == len(table) > 5 and all(isinstance(call, CompactCall) for call in calls)
    assert [table[i] for i in range(-len(table), len(table))] == calls + calls
    assert table[2:5] == calls[2:5] and table[-3:] == calls[-3:] and table[::2] == calls[::2]
    assert [call.index for call in calls] == list(range(len(calls)))
    with pytest.raises(IndexError):
        table[len(table)]
    with pytest.raises(IndexError):
        table[-len(table) - 1]
    for index, call in enumerate(calls):
        assert table.component_of(index) == call.component
        output, status = table.output_key(index)
        assert status == call.status
        assert (output is None) == (call.outputs_hash is None)


def test_an_empty_table_keeps_and_restores() -> None:
    again = restored(through_cache(CallTable()))
    assert again is not None and len(again) == 0 and list(again) == []


def damaged(kept_calls: KeptCalls, column: str, change) -> KeptCalls:
    typecode, data = kept_calls.arrays[column]
    values = array(typecode, data)
    change(values)
    return msgspec.structs.replace(kept_calls, arrays={**kept_calls.arrays, column: (typecode, values.tobytes())})


@pytest.mark.parametrize("checks", ["compiled", "reference"])
@pytest.mark.parametrize("damage", ["a column cut short", "bytes cut", "a code past the texts",
                                    "a parent after its call", "a parent past the start", "a place past the files",
                                    "a bad typecode",
                                    "a missing column", "a start past the files", "inputs to read with no start",
                                    "a start with no inputs to read", "inputs of no known kind"])
def test_a_kept_table_that_is_not_whole_is_not_used(tmp_path, monkeypatch, damage, checks) -> None:
    if checks == "reference":  # min, max and map, as without the compiler
        monkeypatch.setattr(call_table, "bounds", arrays.bounds_py)
        monkeypatch.setattr(call_table, "parents_before", arrays.parents_before_py)
    table = table_of(tmp_path, 5)
    kept_calls = through_cache(table)
    assert restored(kept_calls) is not None
    read_again = table.has_inputs.index(INPUTS_AT_START)
    kept_alone = table.has_inputs.index(NO_INPUTS) if NO_INPUTS in table.has_inputs else None
    if damage == "a column cut short":
        broken = damaged(kept_calls, "seq", lambda values: values.pop())
    elif damage == "bytes cut":
        typecode, data = kept_calls.arrays["duration"]
        broken = msgspec.structs.replace(kept_calls, arrays={**kept_calls.arrays, "duration": (typecode, data[:-1])})
    elif damage == "a code past the texts":
        broken = damaged(kept_calls, "operation", lambda values: values.__setitem__(0, len(kept_calls.texts)))
    elif damage == "a parent after its call":
        broken = damaged(kept_calls, "parent", lambda values: values.__setitem__(1, 5))
    elif damage == "a parent past the start":
        broken = damaged(kept_calls, "parent", lambda values: values.__setitem__(1, -2))
    elif damage == "a place past the files":
        broken = damaged(kept_calls, "place_file", lambda values: values.__setitem__(0, len(kept_calls.files)))
    elif damage == "a bad typecode":
        broken = msgspec.structs.replace(kept_calls, arrays={**kept_calls.arrays, "seq": ("z", b"")})
    elif damage == "a missing column":
        kept_arrays = {k: v for k, v in kept_calls.arrays.items() if k != "depth"}
        broken = msgspec.structs.replace(kept_calls, arrays=kept_arrays)
    elif damage == "a start past the files":
        broken = damaged(kept_calls, "start_file", lambda values: values.__setitem__(read_again, len(kept_calls.files)))
    elif damage == "inputs to read with no start":
        broken = damaged(kept_calls, "start_file", lambda values: values.__setitem__(read_again, -1))
    elif damage == "a start with no inputs to read":
        assert kept_alone is not None
        broken = damaged(kept_calls, "start_file", lambda values: values.__setitem__(kept_alone, 0))
    else:
        broken = damaged(kept_calls, "has_inputs", lambda values: values.__setitem__(0, INPUTS_AT_START + 1))
    assert restored(broken) is None
    assert restored(kept_calls) is not None


def test_a_call_takes_78_bytes_of_columns(tmp_path):
    # what a diff of two big runs holds at once: every call of both (the 250 MB target of bench/read_speed.py)
    table = table_of(tmp_path, 3)
    columns = [values for values in vars(table).values() if isinstance(values, array)]
    assert len(table) > 1 and all(len(values) == len(table) for values in columns)
    assert sum(values.itemsize for values in columns) == 78
    assert min(table.parent) == -1 and [call.parent for call in table][:3] == list(table.parent[:3])
