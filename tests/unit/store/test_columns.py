"""The result cache's columns: packed to bytes and back as views of those bytes, refused when not whole."""

from __future__ import annotations

import random
from array import array, typecodes

import msgspec
import pytest

from namel3ss_debug.store.columns import packed, unpacked

CODES = [code for code in typecodes if code != "u"]


@pytest.mark.parametrize("typecode", CODES)
def test_a_column_comes_back_item_for_item_through_msgpack(typecode) -> None:
    rng = random.Random(typecode)
    values = array(typecode, [rng.randrange(0, 100) for _ in range(257)])
    encoded = msgspec.msgpack.encode(packed(values))
    back = unpacked(*msgspec.msgpack.decode(encoded, type=tuple[str, memoryview]))
    assert back.tolist() == values.tolist() and len(back) == len(values) and back.format == typecode
    assert packed(back) == (typecode, memoryview(values).cast("B"))  # a restored column packs as it was


def test_a_restored_column_is_the_kept_bytes_not_a_copy() -> None:
    data = bytearray(array("q", [1, 2, 3]).tobytes())
    column = unpacked("q", data)
    data[:8] = array("q", [9]).tobytes()
    assert column[0] == 9


@pytest.mark.parametrize(("typecode", "data"), [("q", bytes(7)), ("I", bytes(5)), ("z", bytes(8)), ("u", bytes(8)),
                                                ("qq", bytes(16))])
def test_bytes_that_are_not_whole_items_are_refused(typecode, data) -> None:
    with pytest.raises(ValueError):
        unpacked(typecode, data)
