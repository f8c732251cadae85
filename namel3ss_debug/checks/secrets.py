"""`forbid_secrets`: text in a recorded event that looks like a credential, by the tracer's own rules.

No new patterns: the tracer's `Redactor` (sensitive keys, token shapes, `password=...` pairs, plus the
configured `redact_keys` and `redact_patterns`) is asked what it would hide. Anything it would change that
is not already a redaction marker is a finding. The finding names the field, never the secret.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from ..scrub.lines import needs_walk
from ..tracer.patterns import MARK
from ..tracer.redact import Redactor

_PAYLOAD = ("inputs", "outputs", "error", "attrs")
_PACKAGES = "attrs.packages"  # run_start's versions, by distribution name: names, not secrets


class SecretFinder:
    def __init__(self, keys: Iterable[str] = (), patterns: Iterable[str] = ()):
        self._redactor = Redactor(keys, patterns)

    def line_scanner(self) -> Callable[[bytes], bool]:
        """A cheap test of an event's JSON line (`scrub.lines.needs_walk`, the tracer's own): False means the
        tracer would write the event as it is, so `check` passes it without decoding the line."""
        return needs_walk(self._redactor)

    def find(self, event: dict[str, Any]) -> Optional[str]:
        """The dotted path of the first field holding a secret-looking value (`inputs.headers.authorization`).

        A key on the path that itself looks like a secret is shown redacted: the path is printed in CI logs.
        A payload nested too deep to walk is reported as such rather than passed as clean.
        """
        try:
            for name in _PAYLOAD:
                if name in event:
                    found = self._walk(event[name], name)
                    if found is not None:
                        return found
        except RecursionError:
            return "(a payload nested too deep to look into)"
        return None

    def _walk(self, value: Any, path: str) -> Optional[str]:
        if isinstance(value, str):
            # Every `password=...` value is a secret in error text, as the tracer hides them; elsewhere only
            # one that looks like a credential (`the secret: patience` in a prompt is prose).
            strict = path.startswith("error")
            return path if _changed(value, self._redactor.redact_text(value, pairs=strict)) else None
        if isinstance(value, dict):
            return self._walk_dict(value, path)
        if isinstance(value, list):
            if path.endswith("argv") and all(isinstance(item, str) for item in value):
                if any(_changed(a, b) for a, b in zip(value, self._redactor.redact_argv(value))):
                    return path
            for index, item in enumerate(value):
                found = self._walk(item, f"{path}[{index}]")
                if found is not None:
                    return found
        return None

    def _walk_dict(self, value: dict[Any, Any], path: str) -> Optional[str]:
        if "$bytes" in value:
            return path if self._redactor.redact(value, pairs=path.startswith("error")) != value else None
        for key, item in value.items():
            inner = f"{path}.{self._redactor.redact_text(str(key))}"
            sensitive = self._redactor.is_sensitive_key(key) and path != _PACKAGES  # `tiktoken` is a package
            if sensitive and isinstance(item, str) and item and not _marker(item):
                return inner
            found = self._walk(item, inner)
            if found is not None:
                return found
        return None


def _marker(text: str) -> bool:
    """`[REDACTED]`, `[REDACTED:openai_key]`: what the tracer already hid."""
    return text.startswith(MARK)


def _changed(before: str, after: str) -> bool:
    """Whether redaction would hide something (a marker the tracer wrote is left as it is)."""
    return before != after
