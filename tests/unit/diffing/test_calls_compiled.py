"""diff's fingerprints in C (`diffing/_fingerprint.c`): from a JSON text, the fingerprint its Python reference
(`raw_fingerprint_py`: decode, then canonical JSON) gives, or None where it leaves the text to the reference."""

from __future__ import annotations

import json
import random

import orjson
import pytest

from namel3ss_debug.diffing import calls
from namel3ss_debug.diffing.calls import raw_fingerprint, raw_fingerprint_py
from namel3ss_debug.store.records import BLOCK_DECODER

needs_c = pytest.mark.skipif(not calls.ACCELERATED, reason="the C extension was not compiled on this install")
if calls.ACCELERATED:
    from namel3ss_debug.diffing._fingerprint import fingerprint as compiled

TEXTS = ["", "a", "zz", "café", "naïve → ✓", "\U0001f600", "quote \" back \\ slash /", "tab\tnew\nline\r",
         "\x00\x01\x1f\x7f", "\u2028", "é" * 3, "12", "-"]
NUMBERS = [0, -1, 7, 10**17, -(10**18) + 1, 10**18, 2**63 - 1, 2**64 - 1, -(2**63), 10**30, 0.0, -0.0, 0.1, 1.5,
           1e16, 1e-7, 5e-324, 1.7976931348623157e308, 123456789.123, -2.5e-3]


def random_value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth < 5 and roll < 0.25:
        return {rng.choice(TEXTS + [f"k{n}" for n in range(6)]): random_value(rng, depth + 1)
                for _ in range(rng.randint(0, 6))}
    if depth < 5 and roll < 0.4:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    if roll < 0.65:
        return rng.choice(TEXTS)
    if roll < 0.85:
        return rng.choice(NUMBERS)
    return rng.choice([True, False, None])


def writings(value, rng: random.Random) -> list[bytes]:
    """The value as orjson (where it can: not an integer past 64 bits) and json (escaped and not, spaced and
    indented) write it."""
    texts = [json.dumps(value).encode(), json.dumps(value, ensure_ascii=False).encode(),
             json.dumps(value, indent=rng.choice([1, 2]), ensure_ascii=False).encode(),
             json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()]
    try:
        return [orjson.dumps(value), orjson.dumps(value, option=orjson.OPT_SORT_KEYS), *texts]
    except TypeError:
        return texts


def damaged(text: bytes, rng: random.Random) -> bytes:
    """A byte changed, dropped or added: text that may not be JSON, or not UTF-8, or another value."""
    if not text:
        return text
    at = rng.randrange(len(text))
    roll = rng.random()
    if roll < 0.3:
        return text[:at] + text[at + 1:]
    byte = bytes([rng.choice(b'{}[]",:\\01-.eE nul\xc3\xa9\xff\x80\x1f')])
    return text[:at] + byte + text[at + (roll < 0.6):]


@needs_c
@pytest.mark.parametrize("seed", range(40))
def test_the_fingerprint_of_a_text_is_the_references(seed):
    rng = random.Random(seed)
    answered = 0
    for _ in range(40):
        for text in writings(random_value(rng), rng):
            for candidate in (text, damaged(text, rng), damaged(damaged(text, rng), rng)):
                fast = compiled(candidate)
                if fast is not None:
                    answered += 1
                    assert fast == raw_fingerprint_py(candidate), candidate
                assert raw_fingerprint(candidate) == raw_fingerprint_py(candidate), candidate
    assert answered > 100  # many are answered here (those json writes with \\u escapes are not)


@needs_c
@pytest.mark.parametrize("text", [
    b'{"b":1,"a":2}', b' { "b" : [ 1 , 2.50 , -0 ] , "a" : { } } ', b'"caf\xc3\xa9 \\u001f \\n"', b'[]', b'true',
    b'12345678901234567890', b'1e5', b'-0.0', b'[18446744073709551615,-9223372036854775808]',
    b'{"z":{"y":{"x":[{"w":null}]}}}', b'{"\xe2\x86\x92":1,"a":2,"\xc3\xa9":3,"ab":4,"b":5}',
])
def test_these_are_answered_here(text):
    assert compiled(text) == raw_fingerprint_py(text)


@needs_c
@pytest.mark.parametrize("text", [
    b"null", b' null', b'{"a":1,"a":2}', b'{"\\u0061":1}', b'"\\u00e9"', b'"\\/"', b'"\\u001F"', b'"\\u000a"',
    b'"\xff"', b'"\xed\xa0\x80"', b'"\xc0\xaf"', b'1e400', b'[1,]', b'{"a":1', b'[' * 200 + b']' * 200, b'',
    b'nul', b'"\x01"', b'01', b'[1] x',
])
def test_these_are_left_to_the_reference(text):
    """Escapes orjson writes otherwise, keys with escapes or twice, not UTF-8, past a double, not JSON, deep."""
    assert compiled(text) is None
    assert raw_fingerprint(text) == raw_fingerprint_py(text)


# Around what the scan for plain bytes (16 and 8 bytes at a time) stops at or passes: bytes written as orjson
# writes them (answered here), then an escape orjson writes otherwise, a control and bytes that are not UTF-8.
ANSWERED = [b'\\"', b"\\\\", b"\\n", b"\\u001f", b"\xc3\xa9", b"\xe2\x9c\x93", b"\xf0\x9f\x98\x80", b"\x7f", b"~"]
STOPS = [*ANSWERED, b"\\u00e9", b"\\/", b"\x01", b"\xff", b"\xc3"]


@needs_c
@pytest.mark.parametrize("stop", STOPS)
def test_a_string_is_read_whatever_the_place_of_the_bytes_that_stop_the_scan(stop):
    """The stop at each place of the first 40 around the scan's words, alone and twice, in a key and a value,
    so that a scan that jumps one byte too far or too short (past a quote, into a character) differs."""
    for size in range(40):
        for at in range(size + 1):
            for text in (b"a" * at + stop + b"b" * (size - at),
                         b"a" * at + stop + b"c" * (size - at) + stop + b"d" * 17):
                string, pair = b'"' + text + b'"', b'{"' + text + b'":"' + text + b'"}'
                answered = stop in ANSWERED
                for candidate, expected in ((string, answered), (pair, answered and b"\\" not in stop),
                                            (b'"' + text, False)):  # a key with an escape, a string not closed
                    reference = raw_fingerprint_py(candidate)
                    assert compiled(candidate) == (reference if expected else None), candidate
                    assert raw_fingerprint(candidate) == reference, candidate
    plain = b'"' + b"a" * 39 + stop + b'"'
    assert compiled(plain) == (raw_fingerprint_py(plain) if stop in ANSWERED else None)


@needs_c
def test_it_reads_any_buffer():
    record = BLOCK_DECODER.decode(orjson.dumps({
        "v": 1, "run_id": "r", "seq": 0, "ts": "t", "event_type": "tool_call_start", "component": "tool",
        "name": "n", "span_id": "s", "parent_id": None, "status": "started", "inputs": {"b": 1, "a": [2.5]}}))
    assert compiled(record.inputs) == compiled(memoryview(b'{"a":[2.5],"b":1}')) == raw_fingerprint_py(record.inputs)
    with pytest.raises(TypeError):
        compiled("not bytes")


MASK = 2**64 - 1
MASK_A, MASK_B, MASK_C = 0xF9FBFDFFFAFCFEF8, 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F


def fold(a: int, b: int) -> int:
    product = a * b
    return (product & MASK) ^ (product >> 64)


def model_hash(data: bytes) -> bytes:
    """`_hash64.h`'s hash64, word for word: 16 bytes at a time (the last 0-15 padded with zeros) folded in."""
    state, at = fold(len(data) ^ MASK_B, MASK_C), 0
    while True:
        chunk = data[at:at + 16].ljust(16, b"\0")
        first, second = int.from_bytes(chunk[:8], "little"), int.from_bytes(chunk[8:], "little")
        state = fold(first ^ MASK_A, second ^ state ^ MASK_B)
        if len(data) - at <= 16:
            break
        at += 16
    return fold(state ^ MASK_C, MASK_A).to_bytes(8, "little")


@needs_c
def test_the_hash_is_its_model_at_every_length():
    rng = random.Random(5)
    for size in [*range(70), 127, 128, 129, 1000, 4096, 70000]:
        data = bytes(rng.randrange(256) for _ in range(size))
        assert calls._compiled_digest(data) == model_hash(data), size
    assert calls._compiled_digest(b"a") != calls._compiled_digest(b"a\0")  # the length is in it


@needs_c
def test_a_value_hashed_from_its_text_or_from_itself_is_the_same():
    value = {"b": [1, 2.5, "é"], "a": {"z": None, "y": True}}
    assert compiled(orjson.dumps(value)) == calls.fingerprint(value) == model_hash(
        orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
    assert calls.FINGERPRINTS == "fold64"
