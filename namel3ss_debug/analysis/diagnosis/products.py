"""The files a run wrote: each file an LLM answer asked a tool to write (`Editor.write`, `write_file`,
`str_replace_editor`: a call whose arguments name a file and carry a content), with the first and the last step
that asked for a write of it, over the whole run, in bounded memory. The blame's rule 4 reads, where the run's task
named one of them, that file as what the run produced (`blame_product.py`).

A write is told by its arguments' top-level properties (`steps.ToolAsk.values`): a file under one of `PATH_KEYS`
and a text that is not blank under one of `CONTENT_KEYS`. A tool no LLM answer asked for (code calling a decorated
`write_file`) is not read: its arguments are kept only as a cut text. At most `MAX_FILES` files are noted; writes
of files past that are counted (`unindexed`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from .writers import slimmed

if TYPE_CHECKING:
    from .steps import Step

MAX_FILES = 1_024  # files noted of a run
PATH_KEYS = ("path", "file_path", "filepath", "filename", "file_name", "file")
CONTENT_KEYS = ("content", "contents", "file_text", "text", "new_content", "new_str", "insert_content", "code")
FILE_NAME = re.compile(r"[^/]*[^/.][.][A-Za-z0-9]{1,10}")  # a name with an extension


class Wrote:
    """A file's writes: the first and the last step that asked for one (slim), and how many writes were asked."""

    __slots__ = ("first", "last", "writes")

    def __init__(self, step: Step):
        self.first, self.last, self.writes = step, step, 1


class Files:
    """The files the run's LLM answers asked to write, by path as written, in the order first written;
    `unindexed`: writes of files past MAX_FILES."""

    __slots__ = ("wrote", "unindexed")

    def __init__(self) -> None:
        self.wrote: dict[str, Wrote] = {}
        self.unindexed = 0

    def note(self, step: Step) -> None:
        """An LLM step ended: the writes its answer asked for."""
        slim: Optional[Step] = None
        for ask in step.asked:
            path = written_path(ask.values)
            if path is None:
                continue
            slim = slim or slimmed(step)
            found = self.wrote.get(path)
            if found is not None:
                found.last, found.writes = slim, found.writes + 1
            elif len(self.wrote) < MAX_FILES:
                self.wrote[path] = Wrote(slim)
            else:
                self.unindexed += 1


def written_path(values: Optional[dict[str, object]]) -> Optional[str]:
    """The file a tool call's arguments write, when they name one and carry a content that is not blank."""
    if not values:
        return None
    path = next((value for key in PATH_KEYS if isinstance(value := values.get(key), str) and value.strip()), None)
    if path is None or not any(isinstance(value := values.get(key), str) and value.strip() for key in CONTENT_KEYS):
        return None
    return path.strip()


def file_name(path: str) -> Optional[str]:
    """`src/solution.py` -> `solution.py`: the name a task gives a file; None for one with no extension (`notes`,
    `output`), a word a task may hold in another sense."""
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name if FILE_NAME.fullmatch(name) else None


def writes(values: Optional[dict[str, object]], raw: Optional[str]) -> bool:
    """Whether a tool call writes a file: its arguments' properties (`values`) say so, or, with none decoded, its
    arguments' text (`raw`, as recorded) names a content key."""
    if values is not None:
        return written_path(values) is not None
    if not raw:
        return False
    return any(f'"{key}"' in raw for key in CONTENT_KEYS)
