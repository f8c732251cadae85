"""Hostile values, and the JSON text that carries them, for the bad-input corpus.

Everything is drawn from the `random.Random` a case hands in, so a case's id (its seed) gives the same bytes
every time. JSON is written here by hand (`dumps`) rather than by a library, because the corpus needs what
no library writes: duplicate keys, NaN and Infinity, integers of thousands of digits, nesting 5,000 deep,
lone surrogates and raw bytes that are not UTF-8.

The strings carry canaries the checks look for in what the CLI prints (`harness.py`):

- `ESCAPES`: terminal control sequences (clear screen, set title, hyperlinks, C1 CSI, a carriage return that
  overwrites a line, bidirectional overrides). None may reach the output as they came.
- `MARKUP`: Rich markup. `[blink]N3MK[/blink]` printed as `N3MK` means Rich read a payload as markup.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from typing import Any, Callable

MARK = "N3MK"  # the canary inside the markup; printed without its tag, it was read as markup
ESCAPES = (
    "\x1b[2J\x1b[H", "\x1b]0;N3PWN\x07", "\x1b]8;;http://127.0.0.1/\x1b\\N3LNK\x1b]8;;\x1b\\", "\x9b31mred",
    "\x1bP+q544e\x1b\\", "safe\rN3CR", "abc\x08\x08\x08xyz", "\u202eN3BIDI\u202c", "\x1b[6n", "\x07\x07",
)
MARKUP = (
    f"[blink]{MARK}[/blink]", "[/]", "[/bold]", f"[link=file:///etc/passwd]{MARK}[/link]", "[bold red on white]x",
    "[", "]", "\\[x]", ":smile:", f"[@click=app.quit]{MARK}[/]", "[red]unclosed",
)
ODD = (
    "", " ", "\t", "\n", "\x00", "a\x00b", "é", "💥", "\ufeff", "\u2028\u2029", "null", "None", "NaN", "-0",
    "../../../etc/passwd", "%s%n%x", "{0}{}", "${HOME}", "$(id)", "' OR 1=1 --", "<script>alert(1)</script>",
    "]]>", "&amp;&#0;", "\\", '"', "\U0010ffff", "\ufffe\uffff", "ß" * 3, "x" * 5000,
)
LONE_SURROGATES = ("\ud800", "\udfff", "a\udc80b", "\udbff\udbff")


@dataclass(frozen=True)
class Raw:
    """JSON text put into a document as it is: nesting too deep to build, NaN, a number no float holds."""

    text: str


@dataclass(frozen=True)
class Pairs:
    """An object written with its pairs as given, duplicate keys included."""

    items: tuple[tuple[str, Any], ...]


def dumps(value: Any) -> str:
    """JSON text for `value`, `Raw` and `Pairs` included; lone surrogates become `\\udXXX` escapes, floats
    that are not finite `NaN` / `Infinity` (as Python's json and JavaScript's old writers do)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        return "{" + ",".join(f"{dumps(key)}:{dumps(item)}" for key, item in value.items) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{dumps(str(key))}:{dumps(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return json.dumps(value)  # ensure_ascii: a lone surrogate is written as its escape


def nested(depth: int, rng: random.Random) -> Raw:
    """Arrays, objects or both, `depth` deep."""
    kind = rng.choice(("list", "dict", "mixed"))
    if kind == "list":
        return Raw("[" * depth + "1" + "]" * depth)
    if kind == "dict":
        return Raw('{"a":' * depth + "1" + "}" * depth)
    opens = [rng.choice(("[", '{"k":')) for _ in range(depth)]
    return Raw("".join(opens) + "0" + "".join("]" if o == "[" else "}" for o in reversed(opens)))


def big_int(digits: int, rng: random.Random) -> Raw:
    return Raw(rng.choice(("", "-")) + str(rng.randint(1, 9)) + "".join(rng.choice("0123456789")
                                                                      for _ in range(digits - 1)))


def hostile_string(rng: random.Random) -> str:
    """A string that tries to drive the terminal, be read as markup, or not be text at all."""
    pick = rng.random()
    if pick < 0.3:
        return rng.choice(ESCAPES)
    if pick < 0.55:
        return rng.choice(MARKUP)
    if pick < 0.7:
        return rng.choice(LONE_SURROGATES)
    if pick < 0.95:
        return rng.choice(ODD)
    return rng.choice(ESCAPES) + rng.choice(MARKUP) + rng.choice(ODD)


NUMBERS: tuple[Callable[[random.Random], Any], ...] = (
    lambda rng: -1, lambda rng: 0, lambda rng: -0.0, lambda rng: 1e308, lambda rng: -1e308, lambda rng: 5e-324,
    lambda rng: float("nan"), lambda rng: float("inf"), lambda rng: float("-inf"), lambda rng: 2**63,
    lambda rng: -(2**63) - 1, lambda rng: 2**64, lambda rng: big_int(400, rng), lambda rng: big_int(4400, rng),
    lambda rng: Raw("1e999999"), lambda rng: Raw("-0e-0"), lambda rng: rng.uniform(-1e12, 1e12),
    lambda rng: Raw("0." + "0" * 400 + "1"),
)


def hostile_number(rng: random.Random) -> Any:
    return rng.choice(NUMBERS)(rng)


def wrong_value(rng: random.Random) -> Any:
    """Any JSON value at all, of any type, many of them hostile: what a field may hold in a broken file."""
    pick = rng.randrange(11)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice((True, False))
    if pick in (2, 3):
        return hostile_number(rng)
    if pick in (4, 5):
        return hostile_string(rng)
    if pick == 6:
        return rng.choice(([], {}, [None], [[]], {"": None}, [1, "a", None, {}]))
    if pick == 7:
        return nested(rng.choice((64, 1000, 5000)), rng)
    if pick == 8:
        return "x" * rng.choice((10_000, 300_000))
    if pick == 9:
        return list(range(rng.choice((1000, 50_000))))
    return {hostile_string(rng): hostile_string(rng) for _ in range(3)}
