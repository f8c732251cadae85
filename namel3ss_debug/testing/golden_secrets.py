"""What a golden run's calls ask, as they are compared: volatile values masked (`rerun/steady.py`) and every secret
one placeholder, `<secret>`, on both sides.

The recording's redaction hid its secrets before they reached the golden file: its API key, remembered from
`OPENAI_API_KEY`, is `[REDACTED:seen]` wherever the prompt held it, a key found by its shape `[REDACTED:openai_key]`.
The replay's own key is another value (the placeholder a replay gives an SDK, CI's dummy key, a developer's own),
hidden by the same rule only when it is long enough to be remembered (8 characters, not a plain word): a prompt
that holds it would ask something else than the recorded one on every replay. So before two calls are compared,
on both sides:
- every redaction marker (`[REDACTED]`, `[REDACTED:kind]`) is `<secret>`;
- so is the value of every environment variable whose name says it holds a secret (`OPENAI_API_KEY`,
  `GITHUB_TOKEN`: the redaction's rule by name, with its default names) as the replay began: a value of 8
  characters or more wherever it appears, a shorter one (`dummy`) as a whole word; a value under 4 characters,
  or `true` and `false`, is a flag and stays.
Then the volatile values are masked, so a key shaped like a UUID is a secret, not an id.

>>> masks = InputMasks(Steady(), {"OPENAI_API_KEY": "dummy"})
>>> masks({"content": "key dummy, request 3f2b8c1e-6a1d-4e2b-9f1a-0c2d3e4f5a6b"})
{'content': 'key <secret>, request <uuid>'}
>>> masks.text("key [REDACTED:seen], request 77c1d2e3-6a1d-4e2b-9f1a-0c2d3e4f5a6b")
'key <secret>, request <uuid>'
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ..model.deep import map_texts
from ..redaction.names import names_a_secret
from ..redaction.redact import DEFAULT_KEYS, key_spellings
from ..rerun.steady import Steady

SECRET = "<secret>"
MARKS = re.compile(r"\[REDACTED(?::\w+)?\]")
WHOLE = 8  # a key this long is replaced wherever it appears, as the redaction replaces what it remembers
SHORTEST = 4  # a shorter value of a secret's variable is a flag (`1`, `on`), not a key
FLAGS = frozenset({"true", "false", "none", "null"})


class InputMasks:
    """The masks a golden run compares inputs under: the volatile values' (`steady`) and the secrets' (the
    markers, and the values of `environ`'s secret variables). A callable, as `Recording` takes it."""

    def __init__(self, steady: Steady, environ: Mapping[str, str]):
        self.steady = steady
        self.keys = secret_values(environ)
        self._keys = _pattern(self.keys)

    def __call__(self, value: Any) -> Any:
        return map_texts(value, self.text)

    def text(self, text: str) -> str:
        text = MARKS.sub(SECRET, text)
        if self._keys is not None:
            text = self._keys.sub(SECRET, text)
        return self.steady.text(text)


def secret_values(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The values of `environ`'s variables whose names say they hold a secret, longest first; not the flags."""
    spellings = key_spellings(DEFAULT_KEYS)
    values = {value for name, value in environ.items()
              if len(value) >= SHORTEST and value.lower() not in FLAGS and names_a_secret(name, spellings)}
    return tuple(sorted(values, key=len, reverse=True))


def _pattern(values: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all of `values` (longest first, so none is replaced half): a short one as a whole word."""
    if not values:
        return None
    return re.compile("|".join(re.escape(value) if len(value) >= WHOLE else rf"(?<!\w){re.escape(value)}(?!\w)"
                               for value in values))
