"""The JSON files a user hands the CLI besides traces, broken: the workspace config (`.namel3ss/debug.json`),
rules (`check --rules`), prices (`--prices`), mocks (`replay --mock-file`), and the replay console's command
scripts (`replay --commands`).

Each `*_document(rng, target)` returns the file's bytes: a good document with `target` (one key) holding a
hostile value, or for target "damage:KIND" the whole document broken in one way (damage.py's byte mutations
and more: not an object, comments, trailing commas, 5,000 deep, 10 MB).
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from hostile import ESCAPES, LONE_SURROGATES, MARKUP, Pairs, Raw, dumps, hostile_string, nested, wrong_value

from namel3ss_debug.config import Settings
from namel3ss_debug.model.choices import CHECK_VOCABULARY

CONFIG_KEYS = tuple(field.name for field in dataclasses.fields(Settings))
RULE_KEYS = tuple(CHECK_VOCABULARY)

# Values a careful reviewer tries on a key of each meaning, beyond any wrong type (wrong_value).
OWN: dict[str, tuple[Any, ...]] = {
    "redact_patterns": (["("], ["(a+)+$"], ["["], ["\\"], ["(?P<x>"], ["a{99999999999}"], ["(?i"], [""], ["." * 5000],
                        [LONE_SURROGATES[0]]),
    "redact_keys": ([""], ["*"], [1], "api_key", [None], ["a" * 100_000]),
    "capture_http": ("bogus", "", "ALL", ["all"]),
    "exporters": (["bogus"], [], ["jsonl", "jsonl"], "jsonl", [["otlp"]]),
    "price_overrides": ({"m": {"input": -1, "output": "x"}}, {"m": {"input": float("nan"), "output": 1}},
                        {"m": {"input": 1}}, {"": {"input": 1, "output": 1}}, {"m": {"input": Raw("1e999"),
                                                                                       "output": 1}},
                        {hostile_string(random.Random(1)): {"input": 1, "output": 1}}, {"m": []}),
    "trace_output_dir": ("", " ", "x" * 300, "a/" * 2000, "\x1b[2J", "file", "dir", "."),
    "default_components": (["bogus"], "llm", [""], [1]),
    "default_event_types": (["bogus"], "llm_call_end", [""], ["*"]),
    "sample_rate": (-0.5, 1.5, float("nan"), "0.5"),
    "max_trace_file_size_mb": (0, -1, float("inf"), 1e-300),
    "buffer_size": (0, -1, 2**63, 1.5),
    "checks": ({"max_errors": "x"}, {"bogus": 1}, [], {"max_p95": {"llm": "1e400s"}},
               {"require": ["tool:" + "x" * 10000]}, {"forbid": [[]]}),
}
RULE_OWN: dict[str, tuple[Any, ...]] = {
    "max_errors": (-1, 1.5, "0", Raw("9" * 400), float("nan")),
    "max_component_errors": ({"tool": -1}, {"bogus": 1}, {"tool": "x"}, {"": 0}, ["tool=1"]),
    "max_category_errors": ({"auth": -1}, {"bogus": 0}, {"auth": None}),
    "max_p95": ({"llm": "-1s"}, {"llm": "1e400s"}, {"tool:": "1s"}, {"": "1s"}, {"llm": 5}, {"llm": ["1s"]}),
    "max_p99": ({"llm": "nan"}, {"llm:plan#0": "1s"}),
    "max_latency": ({"tool:search": "infs"}, {"[bold]x": "1s"}),
    "max_cost": (-0.5, "0.5", float("inf"), Raw("1e999")),
    "max_duration": ("-1m", "1e400h", 5, "PT1S", ""),
    "require": (["tool:search>=nan"], ["tool:search>=" + "9" * 400], [""], "tool:search", [["x"]], ["error:bogus"]),
    "require_order": ([["llm", "tool"]], [[]], [["llm"] * 5000], "llm,tool", [[1, 2]], [[["x"]]]),
    "forbid": (["tool:"], [":"], ["tool:search#-1"], {}, ["*"]),
    "forbid_secrets": ("yes", 1, None, []),
    "clean_integrity": ("true", 0, {}),
}


def _value(rng: random.Random, own: tuple[Any, ...]) -> Any:
    return rng.choice(own) if own and rng.random() < 0.6 else wrong_value(rng)


def config_document(rng: random.Random, target: str) -> bytes:
    """A workspace config: good values for every key, `target` hostile (or the document damaged)."""
    good: dict[str, Any] = {"enabled": False, "trace_output_dir": "traces", "redact": True,
                            "price_overrides": {"gpt-4o": {"input": 2.5, "output": 10}},
                            "checks": {"max_errors": 5}}
    if target.startswith("damage:"):
        return damaged(rng, good, target.removeprefix("damage:"))
    # A directory the case's commands write traces to stays inside the case's directory.
    own = OWN.get(target, ())
    good[target] = rng.choice(own) if target == "trace_output_dir" else _value(rng, own)
    return dumps(good).encode("utf-8", "surrogatepass")


def rules_document(rng: random.Random, target: str) -> bytes:
    good: dict[str, Any] = {"max_errors": 5, "max_p95": {"llm": "3s"}, "require": ["tool:search"]}
    if target.startswith("damage:"):
        return damaged(rng, good, target.removeprefix("damage:"))
    good[target] = _value(rng, RULE_OWN.get(target, ()))
    document: Any = {"checks": good} if rng.random() < 0.3 else good
    return dumps(document).encode("utf-8", "surrogatepass")


def prices_document(rng: random.Random, target: str) -> bytes:
    good: dict[str, Any] = {"gpt-4o": {"input": 2.5, "output": 10}, "m-small": {"input": 0.1, "output": 0.2}}
    if target.startswith("damage:"):
        return damaged(rng, good, target.removeprefix("damage:"))
    if target == "model-name":
        good[hostile_string(rng)] = {"input": 1, "output": 1}
    elif target == "many-models":
        good.update({f"model-{n}": {"input": n, "output": n} for n in range(100_000)})
    else:  # "input" / "output" / "entry"
        entry = good["gpt-4o"]
        if target == "entry":
            good["gpt-4o"] = wrong_value(rng)
        else:
            entry[target] = _value(rng, (-1, float("nan"), float("inf"), "2.5", Raw("1e999"), Raw("9" * 400), None))
    return dumps(good).encode("utf-8", "surrogatepass")


def mocks_document(rng: random.Random, target: str) -> bytes:
    good: dict[str, Any] = {"llm:planner#1": {"text": "X"}, "tool:search": {"rows": []}}
    if target.startswith("damage:"):
        return damaged(rng, good, target.removeprefix("damage:"))
    if target == "key":
        good[rng.choice(("", "=", "llm:", "llm:p#0", "llm:p#-1", "bogus:x", "llm:p#" + "9" * 400, *ESCAPES[:3],
                         *MARKUP[:3], "tool:" + "x" * 100_000))] = {"text": "Y"}
    else:
        good["llm:planner#1"] = wrong_value(rng)
    return dumps(good).encode("utf-8", "surrogatepass")


def damaged(rng: random.Random, good: dict[str, Any], kind: str) -> bytes:
    """`good` as a broken document of one `kind` (DAMAGES)."""
    text = dumps(good).encode()
    if kind == "truncated":
        return text[: rng.randrange(len(text))]
    if kind == "byte-flips":
        flipped = bytearray(text)
        for _ in range(3):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        return bytes(flipped)
    if kind == "invalid-utf8":
        return text[:-2] + b'"\xff\xfe\xc3":1}'
    if kind == "nul":
        return text.replace(b":", b":\x00", 1)
    if kind == "bom":
        return b"\xef\xbb\xbf\xef\xbb\xbf" + text
    if kind == "not-object":
        return rng.choice((b"[]", b"null", b"1", b'"text"', b"true", b"[" + text + b"]"))
    if kind == "comments":
        return b"// a comment\n" + text.replace(b",", b", /* c */", 1)
    if kind == "trailing-comma":
        return text[:-1] + b",}"
    if kind == "deep":
        return dumps({**good, "x": nested(rng.choice((1000, 5000)), rng)}).encode()
    if kind == "duplicate-keys":
        key = rng.choice(list(good))
        return dumps(Pairs((*good.items(), (key, wrong_value(rng))))).encode("utf-8", "surrogatepass")
    if kind == "huge":
        return dumps({**good, "x": "y" * (10 << 20)}).encode()
    if kind == "escapes-keys":
        return dumps({**good, **{hostile_string(rng): hostile_string(rng) for _ in range(5)}}).encode(
            "utf-8", "surrogatepass")
    if kind == "empty":
        return rng.choice((b"", b" ", b"\n", b"{}"))
    if kind == "two-documents":
        return text + b"\n" + text
    if kind == "numbers":
        return dumps({key: Raw(rng.choice(("NaN", "Infinity", "-Infinity", "1e999", "9" * 5000)))
                      for key in good}).encode()
    raise ValueError(kind)


DAMAGES = ("truncated", "byte-flips", "invalid-utf8", "nul", "bom", "not-object", "comments", "trailing-comma",
           "deep", "duplicate-keys", "huge", "escapes-keys", "empty", "two-documents", "numbers")


# -- the replay console's scripts ---------------------------------------------------------------------------

CONSOLE_LINES = (
    "bogus", "s " + "9" * 400, "goto 99999999999999999999", "goto -99999999", "back " + "9" * 400, "b", "b if",
    "b llm if " + "(" * 3000 + "1" + ")" * 3000, "b llm if duration_ms > 1e400", "b llm if name ==", "b llm if a.b.c",
    "condition 1 x >", "condition 99 x", "ignore 1 -5", "ignore 1 " + "9" * 400, "enable 99", "disable -1",
    "clear 0", "p " + "a." * 3000 + "b", "pp event." + "x" * 10000, "p event.inputs[99999]", "display " + "(" * 5000,
    "mock llm:planner#1={", "mock llm:planner#1=" + "[" * 5000 + "]" * 5000, "mock =", "mock bogus:x=1",
    "tbreak " + "x" * 100_000, "until -1", "list 99999999999", "list -5", "help bogus", "help " + "\x1b[2J",
    "info " + MARKUP[0], "p " + ESCAPES[1], "s\x00n", "", "   ", "#comment", "c " * 5000, "q extra words",
)


def console_script(rng: random.Random, kind: str) -> bytes:
    """A `--commands` script: hostile lines among real ones, lines not UTF-8, a line of 1 MB, 1,000 moves."""
    real = ["s", "n", "c", "back", "where", "list", "info", "stats"]
    if kind == "lines":
        lines = rng.sample(CONSOLE_LINES, 8) + rng.sample(real, 3)
        rng.shuffle(lines)
        return ("\n".join(lines) + "\nq\n").encode("utf-8", "surrogatepass")
    if kind == "invalid-utf8":
        return b"s\n\xff\xfe\nb tool:\xc3\nq\n"
    if kind == "long-line":
        return b"p " + b"x" * (1 << 20) + b"\nq\n"
    if kind == "many-moves":
        return ("\n".join(rng.choice(("s", "back", "n", "goto 0", "finish")) for _ in range(1000)) + "\nq\n").encode()
    if kind == "crlf":
        return b"s\r\nn\r\nb errors\r\nc\r\nq\r\n"
    if kind == "no-quit":
        return b"s\nn"
    raise ValueError(kind)


CONSOLE_KINDS = ("lines", "lines", "lines", "lines", "lines", "lines", "invalid-utf8", "long-line", "many-moves",
                 "crlf", "no-quit")
