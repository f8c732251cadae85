"""A question cut to a width where it parts from the others listed, not only at its start.

Runs of one app often ask the same long preamble and differ at its end ("Summarize ticket 4411: ..." and "Summarize
ticket 4412: ..."); cut from the start, every row reads alike. `shared_prefixes` says, for each text of a list, how
far it runs alike with another text of it; `cut_apart` then cuts a text that would hide its own part: the shared
words give way to `…`, and the text is shown from the word where it parts, or from further back when its end
leaves room for more of the words before.

    texts = ["What is the weather in Oslo on Friday?", "What is the weather in Paris?"]
    cut_apart(texts[0], 20, shared_prefixes(texts)[0]) == "…in Oslo on Friday?"

Sizes are terminal cells (a wide character takes two), as the runs table lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence

ELLIPSIS = "…"
LEAST_APART = 10  # cells of the part that differs a cut shows at least, else the shared words give way
MOST_BACK = 20  # characters a cut goes back from where a text parts, to the start of the word holding it


def shared_prefixes(texts: Sequence[str | None]) -> list[int]:
    """For each text, the length of the longest start it shares with another, different text of `texts` (0 for
    None, and for a text that starts like no other). In sorted order, a text's longest shared start is with a
    neighbour, so 10,000 texts take one sort."""
    distinct = sorted({text for text in texts if text})
    longest: dict[str, int] = {}
    for before, after in zip(distinct, distinct[1:]):
        shared = _common_start(before, after)
        longest[before] = max(longest.get(before, 0), shared)
        longest[after] = max(longest.get(after, 0), shared)
    return [longest.get(text, 0) if text else 0 for text in texts]


def cut_apart(text: str, width: int, shared: int) -> str:
    """`text` in `width` cells: whole when it fits; cut at its end with `…` when the cut still shows
    LEAST_APART cells of where it parts from the others (`shared`: its `shared_prefixes` length); else
    `…` and the longest end of it that starts a word and fits, or, when even the part from the word where it
    parts does not fit, that part cut at its end."""
    start = parted_start(text, width, shared)
    if not start:
        return cut_end(text, width)
    return ELLIPSIS + cut_end(text[start:], width - len(ELLIPSIS))


def parted_start(text: str, width: int, shared: int) -> int:
    """Where `cut_apart` shows `text` from, after its `…`; 0 when it keeps the text's start (a page that cuts
    the end itself, at a width it alone knows, shows `…` and the text from there)."""
    if _size(text) <= width or not shared or width <= 2 * len(ELLIPSIS):
        return 0
    if _size(text[:shared]) + LEAST_APART <= width - len(ELLIPSIS):
        return 0
    return min(_word_start(text, shared), _tail_start(text, width - len(ELLIPSIS)))


def cut_end(text: str, width: int) -> str:
    """`text` in `width` cells: whole when it fits, else its first `width - 1` and an ellipsis."""
    if _size(text) <= width:
        return text
    from rich.cells import set_cell_size  # noqa: PLC0415 - view starts without rich

    return set_cell_size(text, max(width - 1, 0)) + ELLIPSIS if width > 0 else ""


def _word_start(text: str, at: int) -> int:
    """Where the word holding `text[at]` starts, going back at most MOST_BACK characters (else `at`)."""
    space = text.rfind(" ", max(at - MOST_BACK, 0), at)
    return space + 1 if space >= 0 else at


def _tail_start(text: str, room: int) -> int:
    """Where the longest end of `text` that starts a word and fits in `room` cells starts (len(text): none)."""
    if text.isascii():
        start = max(len(text) - room, 0)
    else:
        from rich.cells import cell_len  # noqa: PLC0415 - view starts without rich

        start, used = len(text), 0
        while start and used + cell_len(text[start - 1]) <= room:
            start -= 1
            used += cell_len(text[start])
    if start and text[start - 1] != " ":
        space = text.find(" ", start)
        start = space + 1 if space >= 0 else len(text)
    return start


def _common_start(first: str, second: str) -> int:
    """The length of the start the two texts share (a binary search of slices: C compares, not a Python loop)."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _size(text: str) -> int:
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # noqa: PLC0415 - view starts without rich

    return cell_len(text)
