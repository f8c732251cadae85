"""A result sent back from a forked process of ours over a private pipe (`forked.py`, `second_half.py`).

Pickled with protocol 5, each big `array` (a timeline's or a call table's columns) out of band: the message
first (its size, then its bytes), then each such array as its typecode, its size and its bytes as they are,
read straight into a new array of that type when the unpickler comes to it. So neither side copies the columns
into one message, nor compresses them, and each column is copied once on each side (`multiprocessing`'s
`recv_bytes` copied it three or four times on the way in; a diff's 56 MB of columns took 0.2 s to arrive). Only
our own forked process writes to the pipe: nothing read from a trace is ever unpickled.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
from array import array, typecodes
from typing import Any, Iterator

OUT_OF_BAND = 1 << 16  # an array of this many bytes or more is sent after the message, as it is
BROKEN = (EOFError, OSError, pickle.UnpicklingError)  # what `receive` raises when the other end sent no whole answer
WIDE = 1 << 20  # bytes a pipe holds (Linux's default limit for it): 16 times fewer turns than its 64 KiB
_HEAD = struct.Struct("!cQ")  # an out-of-band array's typecode and size in bytes, before its bytes
_SIZE = struct.Struct("!Q")  # the message's size in bytes, before its bytes


class End:
    """One end of a pipe: its file descriptor, closed once (also by `with`)."""

    def __init__(self, fd: int):
        self.fd = fd

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> End:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pipe() -> tuple[End, End]:
    """(receiver, sender): a one-way pipe, widened to WIDE where the system lets us, so that a call table's
    columns go through in 1 MiB writes rather than 64 KiB ones."""
    receiver, sender = (End(fd) for fd in os.pipe())
    try:
        import fcntl  # noqa: PLC0415 - POSIX only

        fcntl.fcntl(receiver.fileno(), fcntl.F_SETPIPE_SZ, WIDE)
    except (ImportError, AttributeError, OSError):  # not Linux, or a lower limit here: the pipe as it is
        pass
    return receiver, sender


def send(sender: End, payload: Any) -> None:
    """`payload` down `sender`, its big arrays out of band."""
    buffers: list[pickle.PickleBuffer] = []
    message = io.BytesIO()
    _Pickler(message, buffers).dump(payload)
    with message.getbuffer() as data:
        _write(sender.fileno(), _SIZE.pack(data.nbytes))
        _write(sender.fileno(), data)
    for buffer in buffers:
        raw = buffer.raw()
        _write(sender.fileno(), _HEAD.pack(_typecode(buffer).encode(), raw.nbytes))
        _write(sender.fileno(), raw)


def receive(receiver: End) -> Any:
    """What `send` sent. Raises one of `BROKEN` when the other end closed before it was whole."""
    size = bytearray(_SIZE.size)
    _read_into(receiver.fileno(), memoryview(size))
    message = bytearray(_SIZE.unpack(size)[0])
    _read_into(receiver.fileno(), memoryview(message))
    return pickle.loads(message, buffers=_buffers(receiver.fileno()))


def _typecode(buffer: pickle.PickleBuffer) -> str:
    """The array typecode of an out-of-band buffer's items ("B", bytes, for anything else)."""
    with memoryview(buffer) as view:
        return view.format if len(view.format) == 1 and view.format in typecodes else "B"


def _write(fd: int, data: Any) -> None:
    with memoryview(data) as view:
        view = view.cast("B")
        while view:
            view = view[os.write(fd, view):]


def _buffers(fd: int) -> Iterator[array]:
    """Each out-of-band array, read into a new array of its type as the unpickler asks for it."""
    while True:
        head = bytearray(_HEAD.size)
        _read_into(fd, memoryview(head))
        code, size = _HEAD.unpack(head)
        typecode = code.decode("latin-1")
        if typecode not in typecodes:
            raise pickle.UnpicklingError(f"not an array's head: {bytes(head)!r}")
        zero = array(typecode, bytes(array(typecode).itemsize))
        if size % zero.itemsize:
            raise pickle.UnpicklingError(f"not an array's head: {bytes(head)!r}")
        values = zero * (size // zero.itemsize)  # one pass that fills it, then the pipe's bytes over it
        with memoryview(values) as view:
            _read_into(fd, view.cast("B"))
        yield values


def _read_into(fd: int, view: memoryview) -> None:
    """Fill `view` from the pipe; EOFError if the other end closed first."""
    done = 0
    while done < len(view):
        count = os.readv(fd, [view[done:]])
        if count == 0:
            raise EOFError("the other end closed in the middle of a message")
        done += count


class _Pickler(pickle.Pickler):
    def __init__(self, stream: io.BytesIO, buffers: list[pickle.PickleBuffer]):
        super().__init__(stream, protocol=5, buffer_callback=self._in_band)
        self.buffers = buffers

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is array:
            return _array_of, (obj.typecode, pickle.PickleBuffer(obj))
        return NotImplemented

    def _in_band(self, buffer: pickle.PickleBuffer) -> bool:
        if buffer.raw().nbytes < OUT_OF_BAND:
            return True
        self.buffers.append(buffer)
        return False


def _array_of(typecode: str, data: Any) -> array:
    """An array again: as `_buffers` read it when it came out of band, else from its bytes in the message."""
    if type(data) is array and data.typecode == typecode:
        return data
    values = array(typecode)
    values.frombytes(data)
    return values
