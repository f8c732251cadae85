"""The pre-scan's rules (scan.py), and the C kernels giving the reference's answers."""

from __future__ import annotations

import random
import subprocess
import sys

import orjson
import pytest

from namel3ss_debug.redaction import detectors, scan
from namel3ss_debug.redaction.redact import DEFAULT_KEYS, key_spellings

SPELLINGS = (*key_spellings(DEFAULT_KEYS), "argv", "$bytes")
SUFFIXES = tuple(s.encode() for s in SPELLINGS)
MARKERS = tuple((m.text.encode(), m.boundary, m.min_body) for m in detectors.markers())

needs_c = pytest.mark.skipif(not scan.ACCELERATED, reason="the C extension was not compiled on this install")
KERNELS: tuple[str, ...] = ()
if scan.ACCELERATED:
    from namel3ss_debug.redaction._scan import KERNELS, Scanner


def kernel_scanners(suffixes: tuple[bytes, ...], markers: tuple) -> list:
    """One scanner per mask builder this machine runs (AVX2, SSSE3, portable)."""
    return [Scanner(suffixes, markers, kernel).may_hold_secret for kernel in KERNELS]


def every_scanner(suffixes: tuple[bytes, ...] = SUFFIXES, markers: tuple = MARKERS) -> list:
    return [scan.scanner_py(suffixes, markers), *kernel_scanners(suffixes, markers)]


def verdict(line: bytes, suffixes: tuple[bytes, ...] = SUFFIXES, markers: tuple = MARKERS) -> bool:
    """The one answer every implementation gives (the test fails if they differ)."""
    answers = {may_hold_secret(line) for may_hold_secret in every_scanner(suffixes, markers)}
    assert len(answers) == 1, (line, answers)
    return answers.pop()


# ------------------------------------------------------------------------------ each rule

@pytest.mark.parametrize("line", [
    b'{"api_key":"v"}', b'{"X-API-Key":"v"}', b'{"accessToken":"v"}',
    b"password=hunter2", b"PASSWORD =x", b"api_key: v", b"connect(password = 'x')",
    b'{"text":"{\\"password\\": \\"x\\"}"}',  # a JSON document inside a JSON string
    b"'token' = x", b'--argv="a"', b'{"$bytes":"AAAA"}', b"api_key" + b" " * 8 + b":",
])
def test_a_sensitive_name_before_a_separator(line: bytes) -> None:
    assert verdict(line) is True


@pytest.mark.parametrize("line", [
    b'{"max_tokens":5}', b'{"tokenizer":"x"}', b"tokens=5", b"api_key" + b" " * 9 + b":",  # too far
    b"password", b"the password is long", b'{"password_hint":"x"}', b"=token",
])
def test_no_sensitive_name_before_a_separator(line: bytes) -> None:
    assert verdict(line) is False


@pytest.mark.parametrize("line", [
    b"key ghp_" + b"a" * 30,  # min_body met exactly
    b"x\\nghp_" + b"a" * 30,  # after a JSON escape, a word starts
    b"x\\u001bghp_" + b"a" * 30,
    b"-ghp_" + b"a" * 30,
    b"abc8Q~" + b"b" * 30,  # `Q~` need not start a word
    b"-----BEGIN PRIVATE KEY-----",  # min_body 0
    b"use Bearer " + b"t" * 16,
])
def test_a_marker_where_its_rule_holds(line: bytes) -> None:
    assert verdict(line) is True


@pytest.mark.parametrize("line", [
    b"key ghp_" + b"a" * 29,  # min_body not met
    b"key ghp_" + b"a" * 20 + b" " + b"a" * 20,  # the body stops at the first byte not of a token
    b"xghp_" + b"a" * 30,  # inside a word
    b"risk-proj-" + b"a" * 20,
    b"abc8Q~" + b"b" * 29,
    b"Bearer" + b"t" * 20,  # `Bearer ` has its space
    b"a short sk-abc key",
])
def test_no_marker_where_its_rule_fails(line: bytes) -> None:
    assert verdict(line) is False


@pytest.mark.parametrize("line, expected", [
    (b"postgres://app:s3cret@db:5432/x", True),
    (b'{"url":"https://u:p@h"}', True),
    (b"redis://:pw@cache", True),
    (b"//" + b"u" * 127 + b":" + b"p" * 128 + b"@h", True),  # 256 bytes back: the reach
    (b"//" + b"u" * 128 + b":" + b"p" * 128 + b"@h", False),
    (b"mail me at a@b.com", False),
    (b"mailto:a@b.com", False),
    (b"ssh git@github.com", False),
    (b"https://user@host", False),  # no password
    (b"https://u:p/x@h", False),  # a slash between
    (b"x:/u:p@h", False),  # one slash
])
def test_url_credentials(line: bytes, expected: bool) -> None:
    assert verdict(line, (), ()) is expected


def ordinary_event_line() -> bytes:
    """An `llm_call_end` as the tracer writes it: prose, a provider id, usage (about 1.4 KB)."""
    prose = ("Press little late while but spell again number near saw latency say. Database low left if go "
             "latency say real place last just near. Where follow find start page world by follow some an keep "
             "any. Point name most never read want must each like to way run. Boy where who never side draw "
             "such home animal part let. ") * 2
    event = {
        "v": 1, "run_id": "20261122-070322-3f9a1c", "seq": 41, "ts": "2026-11-22T07:00:00.929226Z",
        "event_type": "llm_call_end", "component": "llm", "name": "chat", "span_id": "0000000000000003",
        "parent_id": "0000000000000002", "status": "completed", "duration_ms": 2364.61,
        "inputs": {"messages": [
            {"role": "system", "content": "You are a careful support assistant for an online store. Answer in "
                                          "plain English, at most five sentences. Never reveal internal notes."},
            {"role": "user", "content": "Set study be out head very work then sentence story get put. My order "
                                        "is 44908?"},
        ], "model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 512},
        "outputs": {"return": {"id": "chatcmpl-fIwM6dWi6ZyZAhwUlxniLFi05C6E1", "text": prose,
                               "finish_reason": "stop"}},
        "model": "gpt-4o-mini-2024-07-18",
        "usage": {"input_tokens": 123, "output_tokens": 77, "total_tokens": 200}, "thread": "MainThread",
    }
    return orjson.dumps(event)


def test_an_ordinary_llm_event_needs_no_walk() -> None:
    line = ordinary_event_line()
    assert 1300 < len(line) < 1600
    assert verdict(line) is False


# ------------------------------------------------------------------------------ generated lines

FILLER = ["the", "order", "when", "before", "Press", "between", "chatcmpl-fIwM6dWi6ZyZAhwUlx", "é", "\\n", "\\u001b",
          '\\"', "2026-11-22T07:00:00Z", "gpt-4o-mini-2024-07-18", "a@b.com", "mailto:x@y", "max_tokens", "risk-",
          "tokenizer", "add", "hooks", "Q", "~", "=", ":", "@", "/", "//"]
BEFORE = ["", " ", "x", "-", "_", "9", "\\n", "\\u001b", '"', "é", "a8"]
SKIPS = ['"', "'", " ", "\\", '\\"']
TOKEN_CHARS = "aZ9_-+/=.~"


def marker_piece(rng: random.Random) -> str:
    """A real marker, before and after which the rule may or may not hold (body around min_body)."""
    text, _, min_body = rng.choice(MARKERS)
    body_length = max(0, min_body + rng.choice([-2, -1, 0, 0, 1, 5]))
    body = "".join(rng.choice(TOKEN_CHARS) for _ in range(body_length))
    if body and rng.random() < 0.2:  # a byte that ends the token inside the body
        cut = rng.randrange(len(body))
        body = body[:cut] + rng.choice(" ,é") + body[cut + 1:]
    return rng.choice(BEFORE) + text.decode() + body


def name_piece(rng: random.Random) -> str:
    """A sensitive spelling (any case), or a near miss, then quotes/spaces and a separator."""
    name = rng.choice(SPELLINGS)
    name = "".join(c.upper() if rng.random() < 0.3 else c for c in name)
    name = rng.choice([name, name, name + "s", name[:-1], "x" + name, name + "_id"])
    skips = "".join(rng.choice(SKIPS) for _ in range(rng.choice([0, 0, 1, 2, 4, 8, 9])))
    return rng.choice(BEFORE) + name + skips + rng.choice(":=:") + rng.choice(['"v"', " v", ""])


def url_piece(rng: random.Random) -> str:
    user = "u" * rng.choice([0, 1, 5, 127, 128, 200])
    password = rng.choice(["", ":", ":pw", ":" + "p" * 128, ":a:b"])
    scheme = rng.choice(["https://", "x://", "/", "mailto:", "", "//a/"])
    return scheme + user + password + rng.choice(["@", "@", "/@", " @"]) + "host"


def random_line(rng: random.Random, pieces: int, density: float) -> bytes:
    """Filler with pieces that may hold a secret (`density` of them), shifted across block edges."""
    parts = [" " * rng.choice([0, 0, 1, 30, 60, 63, 64, 65])]
    for _ in range(pieces):
        kind = rng.random() / density
        make = marker_piece if kind < 0.4 else name_piece if kind < 0.8 else url_piece if kind < 1 else None
        parts.append(make(rng) if make else rng.choice(FILLER))
        parts.append(rng.choice([" ", " ", "", ",", '","']))
    return "".join(parts).encode()


def agreed_verdicts(seed: int, lines: int, pieces: tuple[int, int], density: float) -> list[bool]:
    """The reference's verdicts on `lines` random lines of `pieces` (least, most) pieces, each asserted to be
    every kernel's verdict too."""
    rng = random.Random(seed)
    reference, kernels = scan.scanner_py(SUFFIXES, MARKERS), kernel_scanners(SUFFIXES, MARKERS)
    verdicts = []
    for _ in range(lines):
        line = random_line(rng, rng.randint(*pieces), density)
        expected = reference(line)
        assert [k(line) for k in kernels] == [expected] * len(kernels), line
        verdicts.append(expected)
    return verdicts


@needs_c
def test_the_kernels_agree_with_the_reference_on_generated_lines() -> None:
    verdicts = agreed_verdicts(7, 4000, (1, 14), 0.45)
    assert 0.25 < sum(verdicts) / len(verdicts) < 0.75  # both answers occur often, so agreement means something


@needs_c
def test_the_kernels_agree_with_the_reference_on_long_lines() -> None:
    # Several 64-byte blocks, so the pieces fall on either side of every block edge.
    verdicts = agreed_verdicts(21, 1500, (20, 80), 0.04)
    assert 0.25 < sum(verdicts) / len(verdicts) < 0.75


@needs_c
def test_the_kernels_find_a_marker_at_every_offset() -> None:
    # Around the 64-byte block edges: after letters, spaces and JSON escapes, with the body just long enough
    # or one byte short, and at the very end of the line.
    markers = ((b"sk-proj-", True, 16), (b"eyJ", True, 10), (b"Bearer ", True, 16), (b"Q~", False, 30),
               (b"PRIVATE KEY", True, 0))
    reference, kernels = scan.scanner_py((), markers), kernel_scanners((), markers)
    for text, _, min_body in markers:
        for before in (b" ", b"x", b"\\n", b"\\u001b", b"_", b"9"):
            for offset in range(0, 140):
                for body in (b"a" * min_body, b"a" * max(0, min_body - 1) + b" "):
                    line = b"a" * offset + before + text + body
                    expected = reference(line)
                    assert [k(line) for k in kernels] == [expected] * len(kernels), (text, before, offset)


@needs_c
def test_the_kernels_find_a_separator_and_an_at_sign_at_every_offset() -> None:
    kernels = kernel_scanners(SUFFIXES, ())
    for offset in range(0, 140):
        for piece, expected in ((b'"password":', True), (b'"passwordx":', False), (b"s://u:p@", True),
                                (b"mailto:u@", False)):
            line = b"a b" * (offset // 3) + b" " * (offset % 3) + piece + b"h"
            assert [k(line) for k in kernels] == [expected] * len(kernels), (piece, offset)


@needs_c
def test_the_kernels_agree_on_unusual_marker_sets() -> None:
    # One-byte markers, markers starting with bytes from 0x80 up or with a zero byte, markers with spaces:
    # the SIMD filters must stay supersets whatever the table.
    rng = random.Random(5)
    alphabet = ["a", "b", "Q", "~", " ", "-", "\x00", "é", "\\n", ":", "=", "@", "/"]
    for _ in range(300):
        markers = tuple(("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3))).encode(),
                         rng.random() < 0.6, rng.choice([0, 0, 1, 3, 20])) for _ in range(rng.randint(1, 5)))
        suffixes = tuple({"".join(rng.choice("ab:é") for _ in range(rng.randint(1, 3))).encode()
                          for _ in range(rng.randint(0, 3))} - {b""})
        reference, kernels = scan.scanner_py(suffixes, markers), kernel_scanners(suffixes, markers)
        for _ in range(20):
            line = "".join(rng.choice(alphabet + ["aaaa", "~~~~~~"]) for _ in range(rng.randint(0, 150))).encode()
            expected = reference(line)
            assert [k(line) for k in kernels] == [expected] * len(kernels), (markers, suffixes, line)


# ------------------------------------------------------------------------------ arguments and misuse

@pytest.mark.parametrize("suffixes, markers, error", [
    ([b"a"], (), TypeError),
    ((b"",), (), TypeError),
    (("a",), (), TypeError),
    ((b"key'",), (), ValueError),
    ((), ((b"", True, 0),), TypeError),
    ((), ((b"a", True),), TypeError),
    ((), ((b"a", True, -1),), ValueError),
    ((), ((b"a", True, "1"),), TypeError),
])
def test_bad_arguments_raise_the_same_errors(suffixes, markers, error) -> None:
    for make in (scan.scanner_py, *((scan.make_scanner,) if scan.ACCELERATED else ())):
        with pytest.raises(error):
            make(suffixes, markers)


@needs_c
def test_an_uninitialised_scanner_raises_instead_of_crashing() -> None:
    with pytest.raises(ValueError):
        Scanner.__new__(Scanner).may_hold_secret(b'"a":1')


@needs_c
def test_a_failed_reinitialisation_leaves_the_scanner_as_it_was() -> None:
    scanner = Scanner((b"ok",), ((b"sk-", True, 3),))
    with pytest.raises(TypeError):
        scanner.__init__((b"",), ((b"ab", True, 0),))
    assert (scanner.may_hold_secret(b'{"ok":1}'), scanner.may_hold_secret(b"x sk-abc"),
            scanner.may_hold_secret(b"x ab")) == (True, True, False)


@needs_c
def test_an_unknown_kernel_is_refused() -> None:
    with pytest.raises(ValueError):
        Scanner((), (), "sse9")


@needs_c
def test_find_agrees_with_the_reference_on_generated_lines() -> None:
    rng = random.Random(15)
    reference, compiled = scan.ScannerPy(SUFFIXES, MARKERS), scan.make_scan(SUFFIXES, MARKERS)
    answers = []
    for _ in range(2000):
        line = random_line(rng, rng.randint(1, 14), 0.45)
        expected = reference.find(line)
        assert compiled.find(line) == expected, line
        assert bool(expected) == reference.may_hold_secret(line), line  # find says why, the scan whether
        answers.append(expected)
    assert 0.25 < sum(bool(a) for a in answers) / len(answers) < 0.75
    assert len({hit for answer in answers for hit in answer}) > 30  # many markers, names and URLs were found


@pytest.mark.parametrize("make", [scan.ScannerPy, scan.make_scan])
def test_find_names_each_marker_once_in_order_then_a_name_and_url_credentials(make) -> None:
    markers = ((b"ghp_", 1, 4), (b"sk-", 1, 4), (b"Q~", 0, 0))
    found = make((b"password",), markers).find(b"sk-abcd ghp_abcd sk-efgh password=x https://u:p@h 8Q~")
    assert found == (0, 1, 2, -1, -2)


@pytest.mark.parametrize("make", [scan.ScannerPy, scan.make_scan])
def test_find_names_a_marker_that_starts_with_a_separator_or_an_at_sign(make) -> None:
    markers = ((b"@Xy9", 0, 0), (b"=ab", 1, 2), (b":q", 2, 0))
    assert make((b"password",), markers).find(b"a @Xy9 b =abcd :q password=1") == (0, 1, 2, -1)


@needs_c
def test_find_of_every_kernel_agrees_with_the_reference_on_generated_lines() -> None:
    rng = random.Random(62)
    reference = scan.ScannerPy(SUFFIXES, MARKERS)
    kernels = [Scanner(SUFFIXES, MARKERS, kernel) for kernel in KERNELS]
    for _ in range(2000):
        line = random_line(rng, rng.randint(1, 14), 0.45)
        expected = reference.find(line)
        assert [k.find(line) for k in kernels] == [expected] * len(kernels), line


@pytest.mark.parametrize("make", [scan.ScannerPy, scan.make_scan])
def test_find_of_nothing_is_empty(make) -> None:
    assert make(SUFFIXES, MARKERS).find(b"an ordinary sentence, with a chatcmpl-9x8Y7z6W5v4U3t2S1r0Qp id") == ()


@pytest.mark.parametrize("make", [scan.ScannerPy, scan.make_scan])
@pytest.mark.parametrize("line, expected", [
    (b" MTk4NjIyNDgzNDcxOTI1MjQ4", True),
    (b"\\nMTk4NjIyNDgzNDcxOTI1MjQ4", True),  # after a JSON escape
    (b"chatcmpl-MTk4NjIyNDgzNDcxOTI1MjQ4", False),  # inside an id: a token does not start there
    (b"x_MTk4NjIyNDgzNDcxOTI1MjQ4", False),
])
def test_a_token_start_marker_is_not_found_after_a_dash_or_underscore(make, line: bytes, expected: bool) -> None:
    assert make((), ((b"MT", scan.TOKEN_START, 20),)).may_hold_secret(line) is expected


def test_a_build_that_refuses_its_arguments_falls_back_to_the_reference(tmp_path) -> None:
    """A stale or broken `_scan` (its Scanner raising on the current rules) leaves redaction to `ScannerPy`."""
    fake = tmp_path / "fake.py"
    fake.write_text("class Scanner:\n    def __init__(self, *args):\n        raise SystemError('stale build')\n")
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('namel3ss_debug.redaction._scan', {str(fake)!r})\n"
            "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
            "sys.modules['namel3ss_debug.redaction._scan'] = module\n"
            "from namel3ss_debug.redaction import scan\n"
            "scanner = scan.make_scan((b'password',), ((b'sk-', 2, 20),))\n"
            "print(scan.ACCELERATED, type(scanner).__name__, scanner.may_hold_secret(b'{\"password\": 1}'),\n"
            "      scanner.may_hold_secret(b'ok'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "ScannerPy", "True", "False"]
