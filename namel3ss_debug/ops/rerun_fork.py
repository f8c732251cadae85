"""`replay --rerun --fork`'s options made into the fork's plan (`rerun/fork.py`), VALUE read from `@FILE`.

What the plan then asks of the recording, and how a fork's command ends, its policy says
(`rerun/fork_policy.ForkPolicy`).
"""

from __future__ import annotations

import orjson

from ..model.json_types import JsonValue
from ..rerun.fork import ForkError, ForkPlan, fork_plan

MAX_VALUE = 64 << 20  # as a mock file's limit


def make_fork(call: str | None, answer: str | None, ask: str | None, model: str | None, offline: bool,
              base_url: str | None) -> ForkPlan | None:
    """The plan of `--fork CALL` and its options, or None without `--fork`. VALUE (`--answer`, `--ask`) is
    JSON, or `@FILE` for a file of it; an `--answer` that is not JSON is a text."""
    if call is None:
        given = next((name for name, value in (("--answer", answer), ("--ask", ask), ("--model", model),
                                               ("--offline", offline), ("--base-url", base_url)) if value), None)
        if given is not None:
            raise ForkError(f"{given} works only with --fork CALL", hint=f"add --fork CALL, or drop {given}")
        return None
    if model is not None and not model.strip():
        raise ForkError("--model takes a model's name", hint="e.g. --model gpt-4o-mini")
    changes = {"answer": _value(answer, "--answer", text_ok=True), "ask": _value(ask, "--ask", text_ok=False),
               "model": model}
    return fork_plan(call.strip(), changes, offline, base_url)


def _value(given: str | None, option: str, text_ok: bool) -> JsonValue:
    if given is None:
        return None
    data, where = (_read(given[1:], option), f"{option} @{given[1:]}") if given.startswith("@") \
        else (given.encode("utf-8", "surrogateescape"), option)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        if text_ok:
            return data.decode("utf-8", "replace")
        raise ForkError(f"{where}: not JSON ({error.msg})",
                        hint="quote strings with double quotes; in a shell, put the whole value in '...'") from None


def _read(path: str, option: str) -> bytes:
    try:
        with open(path, "rb") as handle:  # read up to the limit: a device or a pipe has no size to check
            data = handle.read(MAX_VALUE + 1)
    except OSError as error:
        raise ForkError(f"cannot read {option} @{path}: {error.strerror or error}",
                        hint="check the path (it is relative to the working directory)") from None
    if len(data) > MAX_VALUE:
        raise ForkError(f"{option} @{path}: larger than {MAX_VALUE >> 20} MB", hint="a value is one call's answer")
    return data.removeprefix(b"\xef\xbb\xbf")
