"""An id, type or name from a trace line as text, whatever JSON a broken writer put there; such texts
interned as small codes (`Names`); and the one run a reader keeps of an input that holds several."""

from __future__ import annotations

import reprlib



def _shallow() -> reprlib.Repr:
    """For a value nested deeper than repr can go: its first levels and items, enough to tell odd ids apart
    (Python 3.11's Repr takes no arguments)."""
    shallow = reprlib.Repr()
    shallow.maxlevel, shallow.maxlist, shallow.maxdict = 32, 64, 64
    shallow.maxstring = shallow.maxother = shallow.maxlong = 256
    return shallow


_SHALLOW = _shallow()


def text_key(value: object) -> str:
    """A string as it is, anything else as its repr: one odd value is then one key everywhere. A value
    nested past the interpreter's recursion limit (a broken file's id 5,000 lists deep) keys by its
    shallow repr instead of failing."""
    if isinstance(value, str):
        return value
    try:
        return repr(value)
    except RecursionError:
        return _SHALLOW.repr(value)


class Names:
    """Texts interned as small integer codes (event types, components, names, statuses, file paths), for the
    arrays that hold a run's events or calls by code."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.texts: list[str] = []

    @classmethod
    def of(cls, texts: list[str]) -> Names:
        """The table whose codes are the positions of `texts` (as kept, to be read again)."""
        names = cls()
        names.texts = list(texts)
        names.codes = {text: code for code, text in enumerate(names.texts)}
        return names

    def __len__(self) -> int:
        return len(self.texts)

    def code(self, text: object) -> int:
        text = text_key(text)
        code = self.codes.get(text)
        if code is None:
            code = self.codes[text] = len(self.texts)
            self.texts.append(text)
        return code

    def find(self, text: str) -> int | None:
        return self.codes.get(text)


class RunChoice:
    """The run a reader keeps: the one asked for, else the first one met; events of the others are
    counted in `others` (run id -> events)."""

    def __init__(self, wanted: str | None, others: dict[str, int]):
        self.wanted = wanted
        self.others = others

    def keeps(self, run_id: str) -> bool:
        """Whether an event of `run_id` belongs to the kept run (the first run met becomes it)."""
        if run_id == self.wanted:
            return True
        if self.wanted is None:
            self.wanted = run_id
            return True
        self.others[run_id] = self.others.get(run_id, 0) + 1
        return False
