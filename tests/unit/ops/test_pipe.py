"""A result comes back from a forked process of ours whole (`ops/split/pipe.py`): the message, then each big array
out of band as its typecode, size and bytes, read straight into an array of that type; a stream cut short is
one of `pipe.BROKEN`, never a wrong result."""

from __future__ import annotations

import fcntl
import os
import struct
import threading
from array import array
from pathlib import Path

import pytest

from namel3ss_debug.diffing.call_table import CallTable
from namel3ss_debug.ops.split import pipe
from namel3ss_debug.ops.split.child import Child


def wire_bytes(payload) -> bytes:
    """Everything `send` writes for `payload`, as it goes down the pipe."""
    receiver, sender = pipe.pipe()
    chunks: list[bytes] = []

    def drain() -> None:
        while chunk := os.read(receiver.fileno(), 1 << 20):
            chunks.append(chunk)

    with receiver:
        thread = threading.Thread(target=drain)
        thread.start()
        pipe.send(sender, payload)
        sender.close()
        thread.join()
    return b"".join(chunks)


def received(data: bytes):
    """What `receive` makes of these bytes, written down a pipe by a thread."""
    receiver, sender = pipe.pipe()

    def write() -> None:
        with sender:
            if data:
                os.write(sender.fileno(), data)

    with receiver:
        thread = threading.Thread(target=write)
        thread.start()
        try:
            return pipe.receive(receiver)
        finally:
            thread.join()


def big_table() -> CallTable:
    table = CallTable()
    add = table.adder()
    codes = table.codes("llm", "plan", "llm:plan")
    for index in range(20_000):
        add(index, codes, index + 1, index - 1, min(index, 5), index.to_bytes(8, "little"))
    return table


def test_a_big_tables_columns_go_out_of_band_each_as_it_is() -> None:
    """The message holds the texts (and the columns under 64 KiB); each bigger column follows it, not copied
    into it, not compressed, after its typecode and size."""
    table = big_table()
    data = wire_bytes(table)
    (size,) = struct.unpack("!Q", data[:8])  # the message's size, before it
    assert size < 50_000  # the texts, and the two columns of a byte a call (20,000 bytes each)
    at, heads = 8 + size, []
    while at < len(data):
        code, length = struct.unpack("!cQ", data[at:at + 9])
        heads.append((code.decode(), length))
        at += 9 + length
    assert at == len(data)
    assert sorted(length for _, length in heads) == [80_000] * 9 + [160_000] * 5
    assert {code for code, _ in heads} == {"I", "i", "q", "d", "Q"}
    assert struct.pack("!cQ", b"q", 160_000) + bytes(table.seq) in data
    assert received(data) == table


@pytest.mark.parametrize("typecode", ["b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "f", "d"])
def test_each_array_comes_back_as_an_array_of_its_type(typecode) -> None:
    values = array(typecode, [1, 2, 3, 0, 5]) * 20_000  # 100,000 items: out of band
    kept = received(wire_bytes(("ok", [values, array(typecode, [7])])))
    assert kept == ("ok", [values, array(typecode, [7])])
    assert type(kept[1][0]) is array and kept[1][0].typecode == typecode


@pytest.mark.parametrize("cut", [1, 4, 100, -9 - 80_000, -1])
def test_a_stream_cut_short_is_broken_not_wrong(cut) -> None:
    """The other process died while it sent: in the message, in a column's head, in a column."""
    data = wire_bytes(big_table())
    with pytest.raises(pipe.BROKEN):
        received(data[:cut])


def test_a_head_that_names_no_array_is_broken() -> None:
    data = wire_bytes(big_table())
    (size,) = struct.unpack("!Q", data[:8])
    at = 8 + size
    for head in (struct.pack("!cQ", b"z", 8), struct.pack("!cQ", b"q", 7)):  # no such type; not whole items
        with pytest.raises(pipe.BROKEN):
            received(data[:at] + head + bytes(8))


@pytest.mark.skipif(not hasattr(fcntl, "F_GETPIPE_SZ"), reason="only Linux sizes its pipes")
def test_the_pipe_a_result_comes_back_through_holds_a_mebibyte_and_carries_it_whole() -> None:
    """A call table's columns go through in 1 MiB writes, not 64 KiB ones (where the system allows it), from
    another process."""
    receiver, sender = pipe.pipe()
    with receiver:
        if int(Path("/proc/sys/fs/pipe-max-size").read_text()) >= pipe.WIDE:
            assert fcntl.fcntl(receiver.fileno(), fcntl.F_GETPIPE_SZ) == pipe.WIDE
        table = CallTable()
        add = table.adder()
        for index in range(30_000):
            add(index, table.codes("tool", "t", "tool:t"), index + 1, -1, 0, None)
        child = Child(lambda: pipe.send(sender, ("ok", table)))
        sender.close()  # the child's alone now: if it dies, the receive ends (EOFError) rather than waits
        assert pipe.receive(receiver) == ("ok", table)
        child.join()
