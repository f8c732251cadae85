"""A result sent back from a forked process of ours over a private pipe (`forked.py`, `second_half.py`).

Pickled with protocol 5, each big `array` (a timeline's or a call table's columns) out of band: the message
first, then each such array's bytes as they are, each read when the unpickler comes to it. So neither side
copies the columns into one message, nor compresses them, and the receiver holds at most one column twice
while it builds the result. Only our own forked process writes to the pipe: nothing read from a trace is
ever unpickled.
"""

from __future__ import annotations

import io
import pickle
from array import array
from typing import Any, Iterator

OUT_OF_BAND = 1 << 16  # an array of this many bytes or more is sent after the message, as it is
BROKEN = (EOFError, OSError, pickle.UnpicklingError)  # what `receive` raises when the other end sent no whole answer
WIDE = 1 << 20  # bytes a pipe holds (Linux's default limit for it): 16 times fewer turns than its 64 KiB


def pipe(context: Any) -> tuple[Any, Any]:
    """(receiver, sender): a one-way `multiprocessing` pipe of `context`, widened to WIDE where the system
    lets us, so that a call table's columns go through in 1 MiB writes rather than 64 KiB ones."""
    receiver, sender = context.Pipe(duplex=False)
    try:
        import fcntl  # noqa: PLC0415 - POSIX only

        fcntl.fcntl(receiver.fileno(), fcntl.F_SETPIPE_SZ, WIDE)
    except (ImportError, AttributeError, OSError):  # not Linux, or a lower limit here: the pipe as it is
        pass
    return receiver, sender


def send(sender: Any, payload: Any) -> None:
    """`payload` down `sender` (a `multiprocessing` connection), its big arrays out of band."""
    buffers: list[pickle.PickleBuffer] = []
    message = io.BytesIO()
    _Pickler(message, buffers).dump(payload)
    sender.send_bytes(message.getbuffer())
    for buffer in buffers:
        sender.send_bytes(buffer.raw())


def receive(receiver: Any) -> Any:
    """What `send` sent. Raises one of `BROKEN` when the other end closed before it was whole."""
    return pickle.loads(receiver.recv_bytes(), buffers=_buffers(receiver))


def _buffers(receiver: Any) -> Iterator[bytes]:
    while True:
        yield receiver.recv_bytes()


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
    values = array(typecode)
    values.frombytes(data)
    return values
