"""Traces broken in their bytes: cut short, bytes flipped, not UTF-8, NULs, odd line ends, two files in one,
formats mixed, junk lines, lines reordered, nothing to read; and gzip streams broken (a `.jsonl.gz` trace),
and a gzip bomb. damage.py gathers these and the structural ones.
"""

from __future__ import annotations

import gzip
import random
import zlib
from typing import Callable

from basetraces import Base
from structure import Mutation, registered

BYTES: dict[str, Mutation] = {}
mutation = registered(BYTES)


# -- bytes --------------------------------------------------------------------------------------------------

@mutation
def m_truncated(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Cut short at a random byte (mid-line, mid-string, mid-escape, mid UTF-8 character)."""
    text = base.text()
    return base.file_bytes(text[: rng.randrange(len(text))])


@mutation
def m_byte_flips(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """A few bytes set to random values (as a bad disk or a bad copy would)."""
    text = bytearray(base.text())
    for _ in range(rng.choice((1, 3, 20))):
        text[rng.randrange(len(text))] = rng.randrange(256)
    return base.file_bytes(bytes(text))


@mutation
def m_invalid_utf8(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Bytes that are not UTF-8 (a lone continuation, an overlong form, an encoded surrogate, Latin-1) put
    inside strings and between tokens."""
    text = bytearray(base.text())
    for _ in range(rng.randint(1, 8)):
        junk = rng.choice((b"\xff", b"\xc3", b"\x80\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"caf\xe9",
                           b"\xf4\x90\x80\x80"))
        quote = text.find(b'"', rng.randrange(len(text)))
        at = quote + 1 if quote >= 0 and rng.random() < 0.7 else rng.randrange(len(text))
        text[at:at] = junk
    return base.file_bytes(bytes(text))


@mutation
def m_nul_bytes(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """NUL bytes: inside strings, between lines, a run of them (a file preallocated and never written)."""
    text = bytearray(base.text())
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(text))
        text[at:at] = b"\x00" * rng.choice((1, 1, 4096))
    return base.file_bytes(bytes(text))


@mutation
def m_line_ends(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """CRLF, lone CR, no final newline, blank and whitespace lines, a BOM, form feeds, U+2028 between records."""
    text = base.text()
    kind = rng.randrange(6)
    if kind == 0:
        text = text.replace(b"\n", b"\r\n")
    elif kind == 1:
        text = text.replace(b"\n", b"\r")
    elif kind == 2:
        text = text.rstrip(b"\n")
    elif kind == 3:
        text = text.replace(b"\n", rng.choice((b"\n\n", b"\n   \n", b"\n\t\f\v\n")))
    elif kind == 4:
        text = b"\xef\xbb\xbf" * rng.randint(1, 2) + text
    else:
        text = text.replace(b"\n", "\u2028".encode())
    return base.file_bytes(text)


@mutation
def m_concatenated(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Two traces in one file (the same run twice, another run, another format), with or without a newline
    between them."""
    first, second = base.text(), (base if rng.random() < 0.3 else other()).text()
    if rng.random() < 0.4:
        first = first.rstrip(b"\n")
    return base.file_bytes(first + second)


@mutation
def m_mixed_formats(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Lines of another format shuffled in among this one's."""
    lines = base.text().splitlines(keepends=True)
    foreign = other().text().splitlines(keepends=True)
    for line in foreign:
        lines.insert(rng.randrange(len(lines) + 1), line)
    return base.file_bytes(b"".join(lines))


@mutation
def m_junk_lines(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Lines that are not JSON: random bytes, half objects, log lines, a line of 2 MB without a newline."""
    lines = base.text().splitlines(keepends=True)
    for _ in range(rng.randint(1, 6)):
        junk = rng.choice((rng.randbytes(rng.randint(1, 300)), b'{"v": 1, "seq":', b"INFO started\n",
                           b"}" * 50, b"[" * 3000, b"{" + b"x" * (2 << 20), b'{"v":1}' * 3, b"\x1b[2J\x1b]0;N3PWN\x07"))
        lines.insert(rng.randrange(len(lines) + 1), junk + b"\n")
    return base.file_bytes(b"".join(lines))


@mutation
def m_reordered(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Lines shuffled, reversed, or some repeated: ends before starts, children before parents."""
    lines = base.text().splitlines(keepends=True)
    kind = rng.randrange(3)
    if kind == 0:
        rng.shuffle(lines)
    elif kind == 1:
        lines.reverse()
    else:
        lines += rng.choices(lines, k=len(lines))
    return base.file_bytes(b"".join(lines))


@mutation
def m_empty_like(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """Nothing there to read: empty, whitespace, one newline, `{}`, `[]`, `null`, a BOM alone."""
    return base.file_bytes(rng.choice((b"", b"\n", b"   \n\n", b"{}\n", b"[]\n", b"null\n", b"\xef\xbb\xbf", b"0")))


# -- gzip ---------------------------------------------------------------------------------------------------

@mutation
def m_gzip_damage(rng: random.Random, base: Base, other: Callable[[], Base]) -> bytes:
    """A `.gz` trace whose compressed stream is cut short, has a flipped byte or a bad checksum, is two
    members, has garbage after its end, or is not gzip at all (and a plain file given a `.gz` content)."""
    packed = gzip.compress(base.text(), mtime=0)
    kind = rng.randrange(7)
    if kind == 0:
        return packed[: rng.randrange(1, len(packed))]
    if kind == 1:
        flipped = bytearray(packed)
        flipped[rng.randrange(10, len(flipped))] ^= 1 << rng.randrange(8)
        return bytes(flipped)
    if kind == 2:
        return packed[:-8] + rng.randbytes(8)
    if kind == 3:
        return packed + gzip.compress(other().text(), mtime=0)
    if kind == 4:
        return packed + rng.randbytes(rng.randint(1, 64))
    if kind == 5:
        return base.text() if base.gz else packed  # a .gz name on plain text, gzip under a plain name
    return zlib.compress(base.text())  # deflate without the gzip header


def bomb(rng: random.Random) -> bytes:
    """A small `.gz` that expands to 256 MiB of one byte with no newline (a line without end). Compressed a MiB at a
    time: 256 MiB made here would count in this process's peak memory, which the child a case spawns inherits as
    its own starting figure."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # the gzip wrapper, as gzip.compress
    chunk = b"a" * (1 << 20)
    parts = [compressor.compress(b"{")]
    parts.extend(compressor.compress(chunk) for _ in range(256))
    parts.append(compressor.flush())
    return b"".join(parts)
