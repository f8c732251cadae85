"""Sort an exception into one of the error categories analysis reports on."""

from __future__ import annotations

CATEGORIES = (
    "timeout",
    "rate_limit",
    "auth",
    "network",
    "parameter",
    "resource",
    "dependency",
    "unknown",
)

# Checked in order against the lower-cased "TypeName: message"; the first hit wins.
_WORD_RULES = (
    ("rate_limit", ("ratelimit", "rate limit", "rate_limit", "too many requests", " 429")),
    ("timeout", ("timeout", "timed out", "deadline exceeded")),
    ("auth", ("authentication", "unauthorized", "permission denied", "forbidden", "invalid api key", " 401", " 403")),
    ("network", ("connection", "network", "unreachable", "dns", "socket", "ssl")),
    ("resource", ("memoryerror", "out of memory", "quota", "resource exhausted", "disk full", "no space left")),
    ("dependency", ("importerror", "modulenotfounderror", "dependency", "service unavailable", " 502", " 503")),
)

_TYPE_RULES = {
    "TimeoutError": "timeout",
    "ConnectionError": "network",
    "ConnectionRefusedError": "network",
    "ConnectionResetError": "network",
    "PermissionError": "auth",
    "MemoryError": "resource",
    "ImportError": "dependency",
    "ModuleNotFoundError": "dependency",
    "ValueError": "parameter",
    "TypeError": "parameter",
    "KeyError": "parameter",
    "IndexError": "parameter",
    "AttributeError": "parameter",
}


def categorize(type_name: str, message: str) -> str:
    """Return the category for an error, from its type name and message.

    >>> categorize("RateLimitError", "slow down")
    'rate_limit'
    >>> categorize("ValueError", "bad query")
    'parameter'
    """
    text = f"{type_name}: {message}".lower()
    for category, words in _WORD_RULES:
        if any(word in text for word in words):
            return category
    short = type_name.rsplit(".", 1)[-1]
    return _TYPE_RULES.get(short, "unknown")
