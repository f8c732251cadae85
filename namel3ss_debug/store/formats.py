"""Which foreign format a file is in, from its first JSON object (or, for a JSON document over many lines,
its first bytes); v1 needs no mapper."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import orjson

from ..model.errors import TraceError
from ..model.json_types import JsonEvent
from . import remote
from .blocks import open_trace
from .line_events import first_object
from .located import Mapper
from .problems import ReadProblems
from .sources import RunSource, is_stream, seekable

SNIFF = 1 << 20
_PRETTY_LINE = 16 << 10  # no pretty-printer writes a first line longer


def mapper_for(first: JsonEvent | None, path: str, *, head: bytes = b"",
               problems: ReadProblems | None = None) -> Mapper | None:
    """A mapper onto v1 for a legacy, n3 or OTLP/JSON file; None for a v1 file (or anything else, read as v1).

    `head` is the file's first bytes (a pretty-printed OTLP/JSON document has no JSON object on a line of
    its own); `problems` hears about the spans an OTLP mapper cannot read.
    """
    # The mappers load only for a file in their format: a v1 file (nearly all) does not pay for their import.
    if head and looks_otlp_document(head):
        from .otlp.reader import OtlpMapper  # noqa: PLC0415 - only for an OTLP/JSON file

        return OtlpMapper(path, problems, document=True)
    if first is None or "v" in first:
        return None
    from .legacy import LegacyMapper, looks_legacy  # noqa: PLC0415 - only for a file that is not v1
    from .n3_native import N3StepMapper, looks_n3_step  # noqa: PLC0415 - only for a file that is not v1
    from .otlp.reader import OtlpMapper  # noqa: PLC0415 - only for a file that is not v1
    from .otlp.documents import is_otlp_request  # noqa: PLC0415 - only for a file that is not v1

    if is_otlp_request(first):
        return OtlpMapper(path, problems)
    if looks_n3_step(first):
        return N3StepMapper(_n3_run_id(path), clock_base=_mtime(path))
    if looks_legacy(first):
        return LegacyMapper()
    return None


def looks_otlp_document(head: bytes) -> bool:
    """True when a file's first bytes begin an OTLP/JSON document spread over lines (pretty-printed)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith((b"{", b"[")):
        return False
    first_line = text.split(b"\n", 1)[0].rstrip()
    if len(first_line) > _PRETTY_LINE:
        return False  # a request on a line of its own, longer than the head: lazy_request reads it a span at a time
    if first_line.endswith((b"}", b"]")):
        return False  # a whole object on the first line: JSON Lines (one orjson refuses is an invalid line)
    try:
        orjson.loads(first_line)
        return False
    except orjson.JSONDecodeError:
        return b'"resourceSpans"' in head or b'"resource_spans"' in head


def _mtime(path: str) -> float:
    """The n3 runtime numbers its steps instead of timing them: the file's mtime is the best clock there is."""
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _n3_run_id(path: str) -> str:
    """`.namel3ss/traces/answer-000003.jsonl` -> `answer-000003`: the runtime names a file per flow run."""
    name = Path(path).name
    for suffix in (".gz", ".jsonl", ".ndjson"):
        name = name.removesuffix(suffix)
    return name or "n3"


def rereadable(source: RunSource, packed: bool = False) -> bool:
    """Whether each event of the run can be read again from its file at its byte offset: plain v1 files
    (not standard input, a pipe, or a format whose events are made from its lines); with `packed`, also
    `.gz` files, whose offsets are in their decompressed bytes, and objects in a store (read again from a copy:
    `packed.spooled`, `remote.spooled`)."""
    return all(seekable(path) or (packed and _packed_file(path)) for path in source.files) and _is_v1(
        source.files[0])


def _packed_file(path: str) -> bool:
    """A `.gz` file, or an object in a store: read again from a copy (`packed.spooled`, `remote.spooled`)."""
    return (path.endswith(".gz") or remote.is_url(path)) and not is_stream(path)


def _is_v1(path: str) -> bool:
    """The first JSON object of the file has a `v` field, as the reader decides (a file without one in its
    first MiB is read as v1, unless it begins an OTLP/JSON document)."""
    try:
        stream, _ = open_trace(path, None)
        with stream:
            head = stream.read(SNIFF)
    except (OSError, EOFError, zlib.error, TraceError):
        return False  # not read again: the reader, reading it once, says why it cannot be read
    return head_is_v1(head)


def head_is_v1(head: bytes) -> bool:
    """`_is_v1` of a file's first `SNIFF` bytes (all of a smaller file)."""
    if looks_otlp_document(head):
        return False
    first = first_object(head.splitlines())
    return first is None or "v" in first
