"""`forbid_secrets`: text in a recorded event that looks like a credential, by the tracer's own rules and more.

First the tracer's `Redactor` (sensitive keys, token shapes, `password=...` pairs, URL passwords, plus
the configured `redact_keys` and `redact_patterns`) is asked what it would hide: anything it would change
that is not already a redaction marker is a finding, so the check is at least as strong as redaction.
Then the rules redaction has no business applying, for the leaks it lets through (`leaks.py`): random-looking
tokens, and values under keys named like secrets. Every field is searched that the tracer redacts (all but
its own envelope fields: ids, times, usage), and the keys of dictionaries too. What the check cannot see
is said in `model/secret_scope.py`. A finding names the field and the rule, never the secret.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Optional

from ..scrub.lines import needs_walk
from ..redaction.patterns import MARK
from ..redaction.redact import OURS, Redactor
from .leaks import LeakLineTest, first_random_token, names_an_id, random_tokens, secret_named

_PACKAGES = ("attrs", "packages")  # run_start's versions, by distribution name: names, not secrets
_VALUE, _KEY = 0, 1  # the walk's two kinds of work: a value to look into, a dictionary's key and its value
PATH_PARTS = 12
_MARKERS = re.compile(r"\[REDACTED(?::([A-Za-z0-9_]+))?\]")
RANDOM = "a random-looking token"
NAMED = "a value under a key named like a secret"
SENSITIVE_KEY = "a sensitive key"
_LABELS = {None: "a name=value pair", "seen": "a value seen under a sensitive key", "pattern": "redact_patterns"}


class SecretFinder:
    def __init__(self, keys: Iterable[str] = (), patterns: Iterable[str] = ()):
        self._redactor = Redactor(keys, patterns)
        self._leaks = LeakLineTest()

    def line_scanner(self) -> Callable[[bytes], bool]:
        """A cheap test of an event's JSON line: the tracer's own (`scrub.lines.needs_walk`), or the line test
        of the check's own rules (`leaks.LeakLineTest`). False means nothing in the event can be a finding,
        so `check` passes it without decoding the line."""
        redaction, leaks = needs_walk(self._redactor), self._leaks
        return lambda line: redaction(line) or leaks(line)

    def find(self, event: dict[str, Any]) -> Optional[str]:
        """Where the first secret-looking value is and by which rule: `inputs.headers.authorization: a
        sensitive key`, `outputs.text: openai_project_key`.

        A key on the path that itself looks like a secret is shown redacted: the path is printed in CI logs.
        The walk keeps its own stack, so a payload nested as deep as JSON is read (1,024 levels) is looked
        into like any other; a path of more than `PATH_PARTS` parts is shown by its ends.
        """
        work: list[tuple[Any, ...]] = [(_VALUE, value, (name,)) for name, value in reversed(event.items())
                                       if name not in OURS]
        while work:
            kind, *item = work.pop()
            found = self._key(work, *item) if kind == _KEY else self._value(work, *item)
            if found is not None:
                return found
        return None

    def _value(self, work: list[tuple[Any, ...]], value: Any, path: tuple[str, ...]) -> Optional[str]:
        """A finding in `value` itself, or its parts put on `work` (in reverse, so that they come in order)."""
        if isinstance(value, str):
            return self._text(value, path)
        if isinstance(value, dict):
            if "$bytes" in value:
                found = self._redactor.redact(value, pairs=path[0] == "error") != value
                return _where(path, "encoded text") if found else None
            work.extend((_KEY, key, item, path) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            if path[-1].endswith("argv") and all(isinstance(item, str) for item in value) and \
                    any(_changed(a, b) for a, b in zip(value, self._redactor.redact_argv(value))):
                return _where(path, "a command-line flag")
            work.extend((_VALUE, item, (*path[:-1], f"{path[-1]}[{index}]"))
                        for index, item in reversed(list(enumerate(value))))
        return None

    def _key(self, work: list[tuple[Any, ...]], key: Any, item: Any, path: tuple[str, ...]) -> Optional[str]:
        text = str(key)
        shown = self._key_text(text)
        inner = (*path, shown)
        if shown != text:
            return _where(inner, "a secret in a key")
        found = self._by_name(text, item, inner, path)
        if found is None:
            work.append((_VALUE, item, inner))
        return found

    def _text(self, text: str, path: tuple[str, ...]) -> Optional[str]:
        # Every `password=...` value is a secret in error text, as the tracer hides them; elsewhere only
        # one that looks like a credential (`the secret: patience` in a prompt is prose).
        hidden = self._redactor.redact_text(text, pairs=path[0] == "error")
        if _changed(text, hidden):
            return _where(path, _rule(text, hidden))
        if names_an_id(path[-1].partition("[")[0]):
            return None
        return _where(path, RANDOM) if first_random_token(text) is not None else None

    def _by_name(self, key: str, item: Any, inner: tuple[str, ...], path: tuple[str, ...]) -> Optional[str]:
        if path == _PACKAGES:  # `tiktoken` is a package
            return None
        if self._redactor.is_sensitive_key(key):
            return _where(inner, SENSITIVE_KEY) if isinstance(item, str) and item and not _marker(item) else None
        return _where(inner, NAMED) if secret_named(key, item) else None

    def _key_text(self, key: str) -> str:
        """A key as a path may print it: with what redaction hides, and random-looking tokens, replaced."""
        text = self._redactor.redact_text(key)
        for token in random_tokens(text.encode("utf-8", "surrogatepass")):
            text = text.replace(token, "[REDACTED:random]")
        return text


def _where(path: tuple[str, ...], rule: str) -> str:
    """`inputs.headers.authorization: a sensitive key`; a deep path by its ends (`inputs.a.a.a.a ... (902
    parts) ... a.a.a.a.api_key`)."""
    if len(path) > PATH_PARTS:
        half = PATH_PARTS // 2
        return f"{'.'.join(path[:half])} ... ({len(path)} parts) ... {'.'.join(path[-half:])}: {rule}"
    return f"{'.'.join(path)}: {rule}"


def _rule(before: str, after: str) -> str:
    """The rule that hid something: the label of the first redaction marker the text did not have."""
    had = {match.group(1) for match in _MARKERS.finditer(before)}
    for match in _MARKERS.finditer(after):
        label = match.group(1)
        if label not in had:
            return _LABELS.get(label, label)
    return _LABELS[None]


def _marker(text: str) -> bool:
    """`[REDACTED]`, `[REDACTED:openai_key]`: what the tracer already hid."""
    return text.startswith(MARK)


def _changed(before: str, after: str) -> bool:
    """Whether redaction would hide something (a marker the tracer wrote is left as it is)."""
    return before != after
