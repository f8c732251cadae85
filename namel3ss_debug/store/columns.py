"""Arrays of numbers as bytes and back, for the records the result cache keeps (replay's timeline, a diff's
calls): the bytes go into msgpack as they are, and come back checked whole, as read-only views of the bytes
they were decoded from (the cache maps its entries: no copy is made)."""

from __future__ import annotations

from array import array, typecodes
from typing import Any, Union

# A column of numbers: an array while it is built, a read-only view of kept bytes once restored. Both index,
# slice, iterate and measure alike, and both are buffers for the kernels.
# Any: the item type (int or float) follows the typecode, known only when the column is read.
Column = Union["array[Any]", memoryview]


def packed(values: Column) -> tuple[str, memoryview]:
    """(typecode, the column's bytes): encoded by msgspec as bytes without a copy of the column."""
    typecode = values.typecode if isinstance(values, array) else values.format
    return typecode, memoryview(values).cast("B")


def unpacked(typecode: str, data: bytes | memoryview) -> memoryview:
    """The column again, a view of `data` (no copy); ValueError for a typecode that is not one of an array's
    or bytes that are not whole items."""
    if typecode not in _ITEM_SIZES:
        raise ValueError(f"not an array typecode: {typecode!r}")
    view = memoryview(data).cast("B")
    if len(view) % _ITEM_SIZES[typecode]:
        raise ValueError("an array cut short")
    column: memoryview = view.cast(typecode)  # type: ignore[call-overload]  # typeshed knows only literal formats
    return column


_ITEM_SIZES = {code: array(code).itemsize for code in typecodes if code != "u"}  # "u": no view of text
