"""A tool's name, or a text, as its words in lower case: split at `_`, `-`, `.`, white space and changes of case, so
`cancel_pending_order`, `cancelPendingOrder` and "Cancel pending order" are the same three words. Read by the rules
that match what a prompt or a plan says against the tools a run called (`consent.py`, `plans.py`).
"""

from __future__ import annotations

import re

WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def words(text: str) -> list[str]:
    """The words of a name or a text, lower case, in order.

    >>> words("cancelPendingOrder"), words("Editor.create_file"), words("HTTPGet the order's details")
    (['cancel', 'pending', 'order'], ['editor', 'create', 'file'], ['http', 'get', 'the', 'order', 's', 'details'])
    """
    return [word.casefold() for word in WORDS.findall(text)]
