"""Text copied out of a run (a result kept in the cache) against the run's redaction: would it hide any?

A kept result holds text from its run: operation and model names, error messages, previews of outputs.
`would_hide` says whether redacting the run would hide any of it, by the same rules as `redact` (the
tracer's redactor with its default keys and patterns): by shape (a credential's form, a URL's password, a
`password=...` pair: every string is searched as error text is, strictly), and by memory (a value the run
holds under a sensitive key, found by `learn.learn_run`). The run's files are read only when the text
passes the first test, and only the lines the pre-scan flags are decoded.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import msgspec

from ..redaction.redact import Redactor
from .learn import learn_run

_BINARY = (bytes, bytearray, memoryview)  # a result's arrays: numbers, not text


def would_hide(value: Any, files: Iterable[str], learned: Mapping[str, Iterable[str]] | None = None) -> bool:
    """Whether redacting `files` (the run `value` was read from) would hide any text `value` holds:
    its strings, and its dictionaries' keys. `learned`: what some of the files teach, learned already from the
    read that made `value` (`learn.StreamLearner`); those are not read again."""
    texts = strings(msgspec.to_builtins(value, builtin_types=_BINARY))
    redactor = Redactor()
    if _hides(redactor, texts):
        return True
    known = learned or {}
    for values in known.values():
        for secret in values:
            redactor.learn(secret)
    learn_run(redactor, [file for file in files if file not in known])
    return bool(redactor.learned) and _hides(redactor, texts)


def redactions(value: Any, files: Iterable[str]) -> dict[str, str]:
    """Each string (and key) of `value` that redacting `files` would change, with what it reads redacted, the run's
    files learned in full: what a copy that `would_hide` refused must leave out, or keep redacted, to be kept (the
    run index's row)."""
    redactor = Redactor()
    learn_run(redactor, files)
    found = {}
    for text in strings(msgspec.to_builtins(value, builtin_types=_BINARY)):
        redacted = redactor.redact_text(text, pairs=True)
        if redacted != text:
            found[text] = redacted
    return found


def strings(value: Any) -> set[str]:
    """Every string in a JSON-shaped value, once each, found without recursion (a result is shallow, but
    nothing here should depend on it)."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            found.update(key for key in item if isinstance(key, str))
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def _hides(redactor: Redactor, texts: set[str]) -> bool:
    return any(redactor.redact_text(text, pairs=True) != text for text in texts)
