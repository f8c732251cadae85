"""Arrays of numbers as bytes and back, for the records the result cache keeps (replay's timeline, a diff's
calls): the bytes go into msgpack as they are, and come back checked whole."""

from __future__ import annotations

from array import array


def packed(values: array) -> tuple[str, memoryview]:
    """(typecode, the array's bytes): encoded by msgspec as bytes without a copy of the array."""
    return values.typecode, memoryview(values).cast("B")


def unpacked(typecode: str, data: bytes | memoryview) -> array:
    """The array again; ValueError for a typecode that is not one or bytes that are not whole items."""
    values = array(typecode)
    if len(data) % values.itemsize:
        raise ValueError("an array cut short")
    values.frombytes(data)
    return values
