"""`name=value` pairs in free text: `password=hunter2`, `"api_key": "..."`, `Authorization: Basic ...`,
`Cookie: a=1`. Outside error messages and command lines a value must look like a credential, not prose or
code (`the secret: patience`, `api_key = os.environ["KEY"]` and `password=None` stay as they are).
"""

from __future__ import annotations

import re
import string
from typing import Iterable, Iterator

from .names import names_a_secret
from .patterns import MARK, REDACTED

# HTTP auth schemes whose credentials follow a space: `Authorization: Basic dXNlcjpw...`
_SCHEMES = r"(?i:basic|bearer|digest|token|negotiate|apikey)\s++"
_PAIR_VALUE = (
    r'\\"(?:[^"\\\n]|\\[^"])*+(?:\\")?'  # \"quoted\" in JSON that is itself inside a string
    r"|b?\"(?:[^\"\\\n]|\\.)*+\"?"  # "quoted", with escapes (and a quote cut off at the end of the text)
    r"|b?'(?:[^'\\\n]|\\.)*+'?"
    r"|`(?:[^`\\\n]|\\.)*+`?"
    rf"|{_SCHEMES}[^\s'\",;}}]++"
    r"|(?:[^\s'\",;}&\\]|\\(?![nrt\"\\]))++"  # unquoted: up to a space, punctuation or a JSON escape
)
_COOKIE = re.compile(r"(?i)((?:set-)?cookie\\?['\"]?\s*+[:=]\s*+)([^\n]++)")
_VALUE = re.compile(rf"\s*+({_PAIR_VALUE})")
_BETWEEN = frozenset("\"' \\")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_PLACEHOLDERS = frozenset({"none", "null", "nil", "true", "false", "undefined", "...", "***", "xxx", "redacted"})
_CODE = re.compile(r"[A-Za-z_][\w.]*+[(\[]|\w++[)\]]")  # `getpass()`, `os.environ[`, `str)`
_DOTTED_NAME = re.compile(r"[A-Za-z_]++(?:\.[A-Za-z_]++)*+")
_CREDENTIAL_LIKE = re.compile(r"[^A-Za-z]|.[A-Z]")  # a digit, a symbol, a space or a capital after the first


_SCHEME = re.compile(_SCHEMES)
# A value is judged by its first WINDOW characters (a credential is shorter): a run of `password=password=...`
# with no space would otherwise be read to its end again at each `=` (time in the square: 20,000 of them took
# minutes). A value judged a secret is hidden whole, and the search goes on after it.
WINDOW = 256
MAX_NAME = 128  # characters of a pair's name read back for its meaning (`names.names_a_secret`)
_ASCII_NAME = string.ascii_letters + string.digits + "_.-"  # what a name is made of, as far as ASCII goes
MAX_VERDICTS = 4096  # names judged and remembered by one PairPatterns (the same few recur: `Authorization`)


def _hidden(value: str) -> str:
    """A pair's value replaced, its quotes and auth scheme kept: `"[REDACTED]"`, `Basic [REDACTED]`."""
    for quote in ('\\"', '"', "'"):
        if value.lstrip("b").startswith(quote):
            return quote + REDACTED + quote
    scheme = _SCHEME.match(value)
    return value[: scheme.end()] + REDACTED if scheme else REDACTED


def credential_like(text: str, long: int) -> bool:
    """Not a plain word: a digit, a symbol or a capital after the first letter, or `long` characters or more."""
    return len(text) >= long or _CREDENTIAL_LIKE.search(text) is not None


def _hidden_already(value: str) -> bool:
    """`[REDACTED...]`, quoted or after an auth scheme (`Bearer [REDACTED:bearer]`): a detector was first."""
    if MARK not in value:  # most values: no marker anywhere
        return False
    scheme = _SCHEME.match(value)
    return value[scheme.end() if scheme else 0:].lstrip("b\\\"'`").startswith(MARK)  # the scheme kept whole: `bearer`


def _separators(text: str) -> Iterator[int]:
    """The places of `:` and `=` in `text`, in order (str.find is much faster than a regex here)."""
    colon, equals = text.find(":"), text.find("=")
    while colon != -1 or equals != -1:
        if equals == -1 or (colon != -1 and colon < equals):
            yield colon
            colon = text.find(":", colon + 1)
        else:
            yield equals
            equals = text.find("=", equals + 1)


def _name_before(text: str, end: int) -> str:
    """The name that ends at `text[end]`: its letters, digits, `_`, `.` and `-` (at most MAX_NAME of them)."""
    window = text[max(0, end - MAX_NAME):end]
    rest = window.rstrip(_ASCII_NAME)  # in C: most names are ASCII
    if not rest or not (rest[-1].isalnum() or rest[-1] in "_.-"):
        return window[len(rest):]
    start = end
    while start > 0 and end - start < MAX_NAME and (text[start - 1].isalnum() or text[start - 1] in "_.-"):
        start -= 1
    return text[start:end]


def _cookie_header(match: re.Match[str]) -> bool:
    """`Cookie: a=1; b=2` as a header, not `document.cookie = "..."` in code."""
    return ":" in match.group(1) and "=" in match.group(2)


class PairPatterns:
    """`password=hunter2`, `"api_key": "..."`, `Authorization: Basic ...`, `Cookie: a=1; b=2` in free text.

    Each `:` or `=` is a possible pair: the text before it (quotes, backslashes and spaces skipped) must end
    with a sensitive spelling, whatever comes before (`accessToken`, `dbpassword`, `OPENAI_API_KEY`), and the
    name it ends must name a secret as a key would (`names.names_a_secret`: `time_to_first_token=0.4` is a
    figure); the value after it is a quoted string, an auth scheme and its credentials, or a run of characters up to a
    space or punctuation. A cookie header is hidden to the end of its line. With `strict` (error messages,
    argv) every value is hidden; otherwise only one that looks like a credential (see `plausible`).
    """

    def __init__(self, names: Iterable[str], spellings: tuple[str, ...]):
        self._passed_on = re.compile("|".join(re.escape(name.replace("_", "")) for name in names))
        self._spellings = spellings
        self._longest = max(map(len, spellings), default=0)
        self._verdicts: dict[str, bool] = {}  # a name before a separator -> whether it names a secret
        # no spelling ends a marker, so the `:` after one (`[REDACTED:bearer]`) is no pair: it is stepped over
        self._marker_unnamed = not MARK.lower().endswith(spellings)

    def redact(self, text: str, strict: bool = False) -> str:
        if "ookie" in text or "OOKIE" in text:
            text = _COOKIE.sub(lambda m: m.group(1) + REDACTED if strict or _cookie_header(m) else m.group(), text)
        parts: list[str] = []
        done = 0
        for at in _separators(text):
            if at < done or (self._marker_unnamed and at >= len(MARK) and text.startswith(MARK, at - len(MARK))):
                continue  # inside a value hidden here, or a marker's own `:` (`[REDACTED:bearer]`)
            name = self._named(text, at)
            if name is None or (not strict and text[at] == "=" and name.endswith("cookie")):
                continue  # `document.cookie = "..."` is code; a cookie header has a colon
            value = _VALUE.match(text, at + 1, at + 1 + WINDOW)
            if value is None or value.group(1)[:1] == "=" or text[at - 1:at] in ("!", "<", ">", "="):
                continue  # `password == x`, `token := f()`, `a <= b`: code, not a pair
            if _hidden_already(value.group(1)):
                continue
            if strict or self.plausible(text[at], value.group(1), spaced=text[at - 1:at] == " "):
                if value.end() == at + 1 + WINDOW:  # cut by the window: the whole value is hidden
                    value = _VALUE.match(text, at + 1) or value
                parts += (text[done:value.start(1)], _hidden(value.group(1)))
                done = value.end(1)
        return "".join(parts) + text[done:] if parts else text

    def _named(self, text: str, at: int) -> str | None:
        """The text before `text[at]` (quotes, backslashes and a few spaces stepped over), lower-cased, when it
        ends with a sensitive spelling."""
        end = at
        while end > 0 and at - end < 8 and text[end - 1] in _BETWEEN:
            end -= 1
        before = text[max(0, end - self._longest):end].lower()
        if not before.endswith(self._spellings):
            return None
        name = _name_before(text, end)
        verdict = self._verdicts.get(name)
        if verdict is None:
            verdict = names_a_secret(name, self._spellings)
            if len(self._verdicts) < MAX_VERDICTS:
                self._verdicts[name] = verdict
        return before if verdict else None

    def plausible(self, separator: str, value: str, spaced: bool = False) -> bool:
        """Whether a pair's value, outside errors and argv, looks like a credential rather than prose or code.

        Kept: an empty value, a marker, a placeholder or template (`None`, `{token}`, `${TOKEN}`, `<your key>`),
        code (`getpass()`, `os.environ[...]`, `settings.password`, `str)`), a name passed on
        (`password=password`), and after `:` or a spaced ` = ` (prose, assignments) a plain word.
        """
        quoted = value[:1] in "\"'`\\" or value[:2] in ('b"', "b'")
        inner = value.lstrip("b\\").strip("\"'`\\")
        lowered = inner.lower()
        if not _ALNUM.search(inner) or inner.startswith(MARK) or lowered in _PLACEHOLDERS or "{" in inner \
                or inner[:1] in "$<%":
            return False
        if quoted:
            return True
        if _CODE.match(inner) is not None or (_DOTTED_NAME.fullmatch(inner) is not None and "." in inner):
            return False
        if self._passed_on.search(lowered.replace("_", "")) is not None:
            return False
        if separator == ":" or spaced:
            return credential_like(inner, 16)
        return True
