"""The C pre-scan and its pure-Python reference give the same answers."""

from __future__ import annotations

import random

import orjson
import pytest

from namel3ss_debug.tracer import scan
from namel3ss_debug.tracer.patterns import SCAN_MARKERS
from namel3ss_debug.tracer.redact import DEFAULT_KEYS, Redactor, key_spellings

SUFFIXES = tuple(s.encode() for s in (*key_spellings(DEFAULT_KEYS), "argv"))
MARKERS = tuple(m.encode() for m in SCAN_MARKERS)
ALPHABET = "abcXYZ019 _-\":,{}[]\\é"
WORDS = ["api_key", "Api-Key", "apiKey", "token", "max_tokens", "password", "argv", "hello", "AKIA", "x" * 20,
         "sk-", "risk-", "eyJ", "Bearer", "\n", "PRIVATE KEY-----"]

needs_c = pytest.mark.skipif(not scan.ACCELERATED, reason="the C extension was not compiled on this install")


def random_line(rng: random.Random) -> bytes:
    payload = {}
    for _ in range(rng.randint(0, 6)):
        key = rng.choice(WORDS) + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 3)))
        value = "".join(rng.choice(ALPHABET + "defghij") for _ in range(rng.randint(0, 30)))
        payload[key if rng.random() < 0.7 else key[::-1]] = value
    return orjson.dumps(payload, option=orjson.OPT_APPEND_NEWLINE)


@needs_c
def test_c_scanner_agrees_with_the_reference_on_generated_lines() -> None:
    rng = random.Random(7)
    c_scan, py_scan = scan.make_scanner(17, SUFFIXES, MARKERS), scan.scanner_py(17, SUFFIXES, MARKERS)
    lines = [random_line(rng) for _ in range(5000)]
    verdicts = [(c_scan(line), py_scan(line)) for line in lines]
    assert all(c == py for c, py in verdicts)
    assert 500 < sum(c for c, _ in verdicts) < 4500  # both answers occur, so agreement means something


@needs_c
def test_c_has_run_agrees_with_the_reference() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        data = "".join(rng.choice("ab1 -_") for _ in range(rng.randint(0, 60))).encode()
        assert scan.has_run(data, 5) == scan.has_run_py(data, 5)


@pytest.mark.parametrize("make", [scan.scanner_py, scan.make_scanner])
@pytest.mark.parametrize("line, expected", [
    (b'{"X-API-Key":"v"}', True),
    (b'{"accessToken":"v"}', True),
    (b'{"max_tokens":5}', False),
    (b'{"text":"a sk-proj-abcdefghijklmnopqrstu key"}', True),
    (b'{"text":"a short sk-abc key"}', False),
    (b'{"id":"chatcmpl-9x8Y7z6W5v4U3t2S1r0Qp"}', False),  # a run, but no marker: the fast path
    (b'{"text":"risk-taking 9x8Y7z6W5v4U3t2S1r0Qp"}', False),  # "sk-" inside a word is no marker
    (b'{"text":"line\\nsk-proj-abcdefghijklmnopqrstu"}', True),  # after a JSON escape it is
    (b'{"text":"line\\u001bsk-proj-abcdefghijklmnopqrstu"}', True),
    (b'{"pem":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC"}', True),
])
def test_scanner_answers(make, line: bytes, expected: bool) -> None:
    assert make(17, SUFFIXES, MARKERS)(line) is expected


def test_every_token_pattern_needs_a_scan_marker() -> None:
    from namel3ss_debug.tracer.patterns import TOKEN_PATTERNS

    for label, pattern, literals in TOKEN_PATTERNS:
        assert any(marker in literal or literal in marker for literal in literals for marker in SCAN_MARKERS), label


def test_redactor_uses_the_same_spellings_as_its_key_rule() -> None:
    redactor = Redactor()
    for key in ["OPENAI_API_KEY", "x-api-key", "sessionToken", "Cookie", "total_tokens", "tokenizer"]:
        line = orjson.dumps({"k": {key: "v"}})
        assert redactor.line_may_hold_secret(line) == redactor.is_sensitive_key(key)


@needs_c
def test_c_has_run_agrees_with_the_reference_across_64_byte_blocks() -> None:
    # Long inputs, runs of every length at every offset, and limits on both sides of the block width.
    rng = random.Random(13)
    for _ in range(4000):
        size = rng.randint(0, 400)
        density = rng.random()
        data = bytes(rng.choice(b"aZ9") if rng.random() < density else rng.choice(b' -"') for _ in range(size))
        limit = rng.choice([1, 2, 16, 17, 18, 63, 64, 65, 100])
        assert scan.has_run(data, limit) == scan.has_run_py(data, limit), (data, limit)


@needs_c
@pytest.mark.parametrize("offset", [0, 1, 47, 48, 63, 64, 100, 127, 128])
def test_c_finds_a_run_of_exactly_17_at_any_offset(offset: int) -> None:
    data = b" " * offset + b"a" * 17 + b" " * 70
    shorter = b" " * offset + b"a" * 16 + b" " * 70
    assert (scan.has_run(data, 17), scan.has_run(shorter, 17)) == (True, False)


@needs_c
def test_c_marker_search_agrees_with_the_reference_at_every_offset() -> None:
    # Markers at each position across 64-byte blocks, after letters, spaces and JSON escapes.
    c_scan, py_scan = scan.make_scanner(17, (), MARKERS), scan.scanner_py(17, (), MARKERS)
    run = b"Q" * 20
    for marker in (b"sk-", b"AKIA", b"eyJ", b"Bearer", b"PRIVATE KEY-----"):
        for before in (b" ", b"x", b"\\n", b"\\u001b", b"_", b"9"):
            for offset in range(0, 140):
                line = b'{"t":"' + b"a" * offset + before + marker + b" " + run + b'"}'
                assert c_scan(line) == py_scan(line), (marker, before, offset)


@needs_c
def test_c_scanner_agrees_with_the_reference_on_long_lines() -> None:
    # Several 64-byte blocks: keys, runs and markers falling on either side of block edges.
    rng = random.Random(21)
    c_scan, py_scan = scan.make_scanner(17, SUFFIXES, MARKERS), scan.scanner_py(17, SUFFIXES, MARKERS)
    verdicts = []
    for _ in range(3000):
        line = b"".join(random_line(rng)[:-1] for _ in range(rng.randint(1, 6)))
        verdicts.append((c_scan(line), py_scan(line)))
    assert all(c == py for c, py in verdicts)
    assert 300 < sum(c for c, _ in verdicts) < 2900


@needs_c
def test_an_uninitialised_scanner_raises_instead_of_crashing() -> None:
    from namel3ss_debug.tracer._scan import Scanner

    with pytest.raises(ValueError):
        Scanner.__new__(Scanner).may_hold_secret(b'"a":1')


@needs_c
def test_a_failed_reinitialisation_leaves_the_scanner_as_it_was() -> None:
    from namel3ss_debug.tracer._scan import Scanner

    scanner = Scanner(17, (b"ok",), (b"sk-",))
    with pytest.raises(TypeError):
        scanner.__init__(17, (b"",), (b"ab",))
    run = b"a" * 20
    assert (scanner.may_hold_secret(b'{"ok":1}'), scanner.may_hold_secret(b"x sk- " + run),
            scanner.may_hold_secret(b"x ab " + run)) == (True, True, False)
