"""Hostile values for each kind of option the CLI takes: durations, times, counts, amounts, ids, patterns,
check specs, diff thresholds, mocks, breakpoints, headers, endpoints, JSON, paths.

`values_for(kind, rng, n)` draws `n`: half the kind's own traps, half hostile text any option may get. No
value can reach a real network (endpoints name 127.0.0.1 or cannot be parsed), and no path value leaves the
case's directory (no `..`, nothing absolute): `clean -o`, `trace -o` and `config init --path` write or
delete where they are pointed.
"""

from __future__ import annotations

import random

from hostile import ESCAPES, MARKUP

BIG = "9" * 400
HUGE = "1" + "0" * 4400
DEEP_PARENS = "(" * 3000 + "1" + ")" * 3000

# Any option may be given these. No NUL: no argv can hold one.
GENERIC = ("", " ", "-", "--", "-1", "0", "nan", "inf", "-inf", "1e309", BIG, HUGE, "１２", "0x10", "1_000", "💥",
           "\udcff\udcfe", "x" * 100_000, "a b\tc", "'\"`$(id)`", *ESCAPES[:4], *MARKUP[:4])

KINDS: dict[str, tuple[str, ...]] = {
    "duration": ("500", "1.5s", "-5s", "0", "-0ms", "1e400s", "nanms", "infs", "2m30s", "1h", "99999999999999999999h",
                 "1 s", "s", "ms", "+30s", "PT1S", "٣s", "1e-400s", "1e308m", "5x", "1.2.3s", "ms5"),
    "time": ("+30s", "-30s", "+0", "2026-13-01T00:00:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "+1e400s",
             "yesterday", "2026-11-22T10:00:00+25:00", "+nans", "2026-11-22", "T10:00", "+", "+-5s",
             "2026-11-22T10:00:00.0000000001Z", "1700000000"),
    "int": ("-1", "0", "1", "2147483648", "9223372036854775808", "1e3", "1.5", BIG, "-" + BIG, "0x10", "１２", "٣"),
    "float": ("-1", "0", "-0", "nan", "inf", "-inf", "1e309", "1e-400", "0.5", BIG, "1,5", "$1"),
    "event": ("-1", "0", "3", "99999999999999", BIG, "abc", "0000000000000001", "ffffffffffffffff", "*", "1.5",
              "-0", "٣"),
    "id": ("x", "planner", "../x", "*", "[", "0" * 16, "20261122-100000-abcdef", "run" * 1000),
    "pattern": ("[", "*", "[!", "*" * 3000, "\\", "?" * 5000, "[a-", "[]]", "[z-a]", "**/*", "llm_call_*"),
    "word": ("llm", "LLM", "bogus", "llm,tool", "llm ", "http", "custom_x", "completed", "started"),
    "target_duration": ("llm=3s", "llm=", "=3s", "llm=3s=4s", "unknown=1s", "tool:*=1s", "tool:search=-1s",
                        "llm=1e400s", "llm=nan", "tool:=1s", ":=1s", "llm:plan#0=1s", "llm:plan#-1=1s",
                        "llm:plan#99999999999999999999=1s", "[bold]x=1s", "llm"),
    "target_count": ("tool=1", "tool=", "=1", "tool=-1", "tool=1.5", "tool=" + BIG, "bogus=0", "auth=nan",
                     "timeout=1e400", "tool=١", "tool"),
    "spec": ("tool:search", "tool:", ":", "error:", "error:bogus", "llm:plan#0", "llm:plan#-1", "a:b:c:d",
             "tool:search#" + BIG, "tool:[", "tool:*", "*", "error:auth:x"),
    "spec_count": ("tool:search>=2", "tool:search>=", ">=2", "tool:search>=nan", "tool:search>=1e400",
                   "tool:search>=" + BIG, "tool:search>=-1", "tool:search>=>=2", "tool:search>=1.5", "tool:search<=2"),
    "order": ("llm,tool", ",", "llm,,tool", ",".join(["llm"] * 5000), "llm,tool:", "a:b:c,d"),
    "fail_on": ("cost>+10%", "cost>", ">+10%", "p95(llm)>+1e400%", "p95(>+1ms", "p95(llm))>+1ms", "errors>+nan",
                "cost>+10%%", "tokens<-5", "bogus>+1", "p95(tool:search)>+200ms", "p95(" + "(" * 2000 + "llm)>+1ms",
                "cost>+" + BIG + "%", "errors>=+0"),
    "mock": ('llm:planner#1={"text": "X"}', "=", "llm:=1", "llm:p#1=@missing.json", "llm:p#1=@.", "llm:p#1={",
             "llm:p#1=" + "[" * 5000 + "]" * 5000, "llm:p#1=NaN", "llm:p#1=" + "1" * 5000, "llm:p#0=1",
             "llm:p#-1=1", "bogus:p=1", "llm:p#1=@", "tool:search=" + '"\\ud800"'),
    "break": ("tool:search#2", "errors", "llm if duration_ms > 500", "llm if", "if x", "llm if " + DEEP_PARENS,
              "llm if duration_ms > 1e400", "llm if name == '\x1b[2J'", "llm if __import__('os')", "llm#0", "llm#-1",
              "llm if a.b.c.d.e.f == 1", "llm if not not not not x", "llm if duration_ms >", "tool:search#" + BIG),
    "header": ("K=V", "=V", "K=", "K", "\r\nX-Evil: 1=x", "a" * 10000 + "=b", "Authorization=Bearer " + "t" * 5000,
               "K=\x1b[2J", "K=\udcff", "Content-Length=999"),
    "json": ("{", "[" * 5000 + "]" * 5000, "NaN", BIG, '{"a": "\\ud800"}', "{}", "null", '"x"', '{"a":1,"a":2}'),
    "module": ("", ".", "..x", "pkg.", "a-b", "x" * 300, "missing_module_n3", "\x1b[2J", "1abc"),
    # Paths: relative, inside the case's directory; the special files (devices, FIFOs, loops) are paths' own test.
    "path": ("", " ", "missing/none.json", "dir", "file/child", "x" * 300, "a/" * 2000 + "f", "\x1b[2J.json",
             "[blink]N3MK[/blink].json", "\udcff.json", "💥.json", "."),
    # --endpoint: loopback or nothing a resolver is asked about.
    "endpoint": ("", "127.0.0.1:1", "http://127.0.0.1:0", "http://127.0.0.1:99999", "http://127.0.0.1:abc",
                 "ftp://127.0.0.1/", "http://[::1", "http://user:pass@127.0.0.1:1/", "unix:///nonexistent",
                 "http://127.0.0.1:1/" + "x" * 5000, "http://127.0.0.1:1/\x1b[2J", "://", "http://", "http:///x"),
}


def values_for(kind: str, rng: random.Random, n: int) -> list[str]:
    """`n` values for an option of `kind`: its own traps first, then generic hostile text (not for paths and
    endpoints, whose values are kept where they cannot do harm)."""
    own = list(KINDS.get(kind, ()))
    rng.shuffle(own)
    if kind in ("path", "endpoint"):
        return own[:n]
    generic = list(GENERIC)
    rng.shuffle(generic)
    half = (n + 1) // 2 if own else 0
    return own[:half] + generic[: n - min(half, len(own))]
