"""The files a run wrote: each file an LLM answer asked a tool to write (`Editor.write`, `write_file`,
`str_replace_editor`: a call whose arguments name a file and carry a content), with the first and the last step
that asked for a write of it, over the whole run, in bounded memory. The blame's rule 4 reads, where the run's task
named one of them, that file as what the run produced (`blame/product.py`).

A write is told by its arguments' top-level properties (`steps.ToolAsk.values`): a file under one of `PATH_KEYS`
and a text that is not blank under one of `CONTENT_KEYS`. A tool no LLM answer asked for (code calling a decorated
`write_file`) is not read: its arguments are kept only as a cut text. At most `MAX_FILES` files are noted; writes
of files past that are counted (`unindexed`). A path and a longer one ending in it (`solution.py`,
`/work/solution.py`) are one file, noted under the path first written.

Which write made the content a file holds: a write under one of `WHOLE_KEYS` (`Editor.write`'s `content`,
`str_replace_editor`'s `file_text`) gives the whole file, one under the others (`insert_content`, `new_str`) a part
of it. Each write's text is known by a digest of the whole of it (`ToolAsk.digest`: its lines stripped, blank ones
left out), not only the cut text a step keeps. The file's content was made by its first write, or by the last whole
write whose text differed from the text written before it (the first write's, then each whole write's): a whole
write of the same text again (a write retried, a file rewritten unchanged) made nothing, and the partial writes after
it built on it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from .provenance import text_digest
from .writers import slimmed

if TYPE_CHECKING:
    from .steps import Step

MAX_FILES = 1_024  # files noted of a run
PATH_KEYS = ("path", "file_path", "filepath", "filename", "file_name", "file")
WHOLE_KEYS = ("content", "contents", "file_text", "text", "code")  # a text that is the whole file
CONTENT_KEYS = (*WHOLE_KEYS, "new_content", "new_str", "insert_content")
FILE_NAME = re.compile(r"[^/]*[^/.][.][A-Za-z0-9]{1,10}")  # a name with an extension


class Wrote:
    """A file's writes: the first and the last step that asked for one (slim), how many writes were asked, the write
    that made the content the file holds (`made`) and the digest of the text written last as a whole (`digest`)."""

    __slots__ = ("first", "last", "writes", "made", "digest")

    def __init__(self, step: Step, digest: Optional[int]):
        self.first, self.last, self.made, self.writes, self.digest = step, step, step, 1, digest

    def again(self, step: Step, whole: bool, digest: Optional[int]) -> None:
        """A later write: a whole one of a text unlike the one before made the file's content."""
        self.last, self.writes = step, self.writes + 1
        if whole:
            if digest != self.digest:
                self.made = step
            self.digest = digest


class Files:
    """The files the run's LLM answers asked to write, by path as first written, in the order first written;
    `unindexed`: writes of files past MAX_FILES."""

    __slots__ = ("wrote", "named", "unindexed")

    def __init__(self) -> None:
        self.wrote: dict[str, Wrote] = {}
        self.named: dict[str, list[str]] = {}  # a path's last part -> the paths noted that end in it
        self.unindexed = 0

    def note(self, step: Step) -> None:
        """An LLM step ended: the writes its answer asked for."""
        slim: Optional[Step] = None
        for ask in step.asked:
            written = written_path(ask.values)
            if written is None:
                continue
            slim = slim or slimmed(step)
            path = self.known(written)
            found = self.wrote.get(path) if path is not None else None
            if found is not None:
                found.again(slim, whole(ask.values), ask.digest)
            elif len(self.wrote) < MAX_FILES:
                self.wrote[written] = Wrote(slim, ask.digest)
                self.named.setdefault(last_part(written), []).append(written)
            else:
                self.unindexed += 1

    def known(self, path: str) -> Optional[str]:
        """The path `path` was noted under: itself, or one it ends in or that ends in it."""
        if path in self.wrote:
            return path
        return next((known for known in self.named.get(last_part(path), ())
                     if known.endswith("/" + path) or path.endswith("/" + known)), None)


def written_path(values: Optional[dict[str, object]]) -> Optional[str]:
    """The file a tool call's arguments write, when they name one and carry a content that is not blank."""
    if not values:
        return None
    path = next((value for key in PATH_KEYS if isinstance(value := values.get(key), str) and value.strip()), None)
    if path is None or _content(values) is None:
        return None
    return path.strip().replace("\\", "/").removeprefix("./")


def whole(values: Optional[dict[str, object]]) -> bool:
    """Whether a write's text is the whole file."""
    content = _content(values) if values is not None else None
    return content is not None and content[0] in WHOLE_KEYS


def digest(values: dict[str, object]) -> Optional[int]:
    """The digest of a write's whole text (`values` as decoded, texts not cut); None when it carries none."""
    content = _content(values)
    if content is None:
        return None
    return text_digest(content[1])


def _content(values: dict[str, object]) -> Optional[tuple[str, str]]:
    """The key and text of a write's content: the first of CONTENT_KEYS whose text is not blank."""
    return next(((key, value) for key in CONTENT_KEYS if isinstance(value := values.get(key), str) and value.strip()),
                None)


def last_part(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def file_name(path: str) -> Optional[str]:
    """`src/solution.py` -> `solution.py`: the name a task gives a file; None for one with no extension (`notes`,
    `output`), a word a task may hold in another sense."""
    name = last_part(path.replace("\\", "/"))
    return name if FILE_NAME.fullmatch(name) else None


def writes(values: Optional[dict[str, object]], raw: Optional[str]) -> bool:
    """Whether a tool call writes a file: its arguments' properties (`values`) say so, or, with none decoded, its
    arguments' text (`raw`, as recorded) names a content key."""
    if values is not None:
        return written_path(values) is not None
    if not raw:
        return False
    return any(f'"{key}"' in raw for key in CONTENT_KEYS)
