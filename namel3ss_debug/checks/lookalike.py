"""Names in a run that read like a forbidden one but are spelled with other letters: `dеlete_db` with a Cyrillic
`е` (U+0435) beside `forbid tool:delete_db`.

`forbid` does not count them: a letter of another script is a real letter (the framework that dispatched the
tool told the names apart too), and telling a lookalike from a different name needs Unicode's confusables
table, which the standard library lacks. A partial table would promise more than it holds. Instead each is
named in a note, its foreign letters written as escapes, so the user sees the difference and can forbid it by
its own name. Invisible characters are another matter: `name_key` drops them, and such a name is counted.
"""

from __future__ import annotations

import unicodedata
from weakref import WeakKeyDictionary

from ..model.events import COMPONENTS
from ..model.invisible import name_key
from .scan import EventScan
from .specs import EventSpec, has_wildcard


def lookalike_notes(spec: EventSpec, scan: EventScan) -> list[str]:
    """A note for each `component:name` label of the run that reads like `spec`'s plain name and is not it."""
    if spec.is_error or spec.name is None or has_wildcard(spec.name):
        return []
    wanted = name_key(spec.name)
    notes = []
    for label in _foreign_labels(scan):
        component, _, name = label.partition(":")
        if spec.head in COMPONENTS and name_key(component) != spec.head:
            continue
        letters = _foreign_letters(name_key(name), wanted)
        if letters:
            notes.append(_note(component, name_key(name), letters, spec.text))
    return notes


# Held no longer than its scan: a cache that kept the scan would keep its plans through the rendering.
_FOREIGN: WeakKeyDictionary[EventScan, tuple[str, ...]] = WeakKeyDictionary()


def _foreign_labels(scan: EventScan) -> tuple[str, ...]:
    """The run's labels with a character outside ASCII (only those can be lookalikes), found once for all its
    forbid rules: a rules file of 200,000 of them would otherwise go through every label 200,000 times."""
    found = _FOREIGN.get(scan)
    if found is None:
        found = _FOREIGN[scan] = tuple(label for label in scan.seen if not label.isascii())
    return found


def _foreign_letters(name: str, wanted: str) -> list[int]:
    """The places where `name` has a letter or digit outside ASCII and `wanted` an ASCII one, when `name` differs
    from `wanted` only there; [] otherwise."""
    if len(name) != len(wanted) or name == wanted:
        return []
    places = []
    for at, (have, want) in enumerate(zip(name, wanted)):
        if have == want:
            continue
        if have.isascii() or not have.isalnum() or not (want.isascii() and want.isalnum()):
            return []
        places.append(at)
    return places


def _note(component: str, name: str, places: list[int], target: str) -> str:
    shown = "".join(f"\\u{ord(char):04x}" if at in places else char for at, char in enumerate(name))
    letters = ", ".join(dict.fromkeys(f"U+{ord(name[at]):04X} {unicodedata.name(name[at], '?')}" for at in places))
    return (f"{component}:{shown} reads like {target} but is spelled with other letters ({letters}): not counted; "
            f"forbid it by its own name to count it")
