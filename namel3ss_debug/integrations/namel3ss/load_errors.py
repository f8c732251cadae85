"""An `.ai` app that does not load (not UTF-8, does not parse, cannot be read) as one error of ours: where it
is (`app.ai:2:13`), what is wrong and how to fix it, in one line as `n3` says it, not the runtime's traceback."""

from __future__ import annotations

from pathlib import Path

from ...config import display_path
from ...model.errors import Namel3ssDebugError

_GUIDANCE = ("What happened:", "Why:", "Fix:", "Example:")  # the parts of the runtime's longer messages


class AppLoadError(Namel3ssDebugError):
    """The app's own source is wrong: the run fails (exit 1), as `n3` fails on it."""


def load_problem(path: str, error: Exception) -> AppLoadError | None:
    """`error`, raised while the runtime loaded the app at `path`, as one line; None for an error that is
    not about the app's source (a fault of the runtime itself keeps its traceback)."""
    if isinstance(error, UnicodeDecodeError):
        return _not_utf8(path, error)
    if isinstance(error, OSError):
        return AppLoadError(f"cannot read the app: {error.strerror or error}", where=_shown(error.filename or path))
    if type(error).__name__ == "Namel3ssError":  # namel3ss.errors.base: the runtime's own report of the source
        return _runtime_error(path, error)
    return None


def _not_utf8(path: str, error: UnicodeDecodeError) -> AppLoadError:
    """The byte that is not UTF-8, placed by line and column when it is in the app file itself."""
    where = _shown(path)
    try:
        same = Path(path).read_bytes() == error.object
    except OSError:
        same = False
    if same:
        before = error.object[:error.start]
        line, column = before.count(b"\n") + 1, error.start - before.rfind(b"\n")
        where += f":{line}:{column}"
    byte = error.object[error.start:error.start + 1].hex()
    return AppLoadError(f"not UTF-8 text: byte 0x{byte} ({error.reason})", where=where,
                        hint="save the file as UTF-8, the encoding namel3ss reads")


def _runtime_error(path: str, error: Exception) -> AppLoadError:
    """The runtime's message, its place (`[line 2, col 13]` as `file:2:13`) and its advice, on one line."""
    details = getattr(error, "details", None)
    named = details.get("file") if isinstance(details, dict) else None
    where = _shown(str(Path(path).parent / named) if isinstance(named, str) else path)
    line, column = getattr(error, "line", None), getattr(error, "column", None)
    if isinstance(line, int):
        where += f":{line}:{column if isinstance(column, int) else 1}"
    parts = _guidance(str(getattr(error, "message", error)))
    message = parts.get("What happened:") or " ".join(str(getattr(error, "message", error)).split())
    advice = " ".join(f"{parts[key]}" if key == "Fix:" else f"e.g. {parts[key]}"
                      for key in ("Fix:", "Example:") if key in parts)
    return AppLoadError(f"does not load: {message.rstrip('.')}", where=where, hint=advice or "see `n3 check`")


def _guidance(text: str) -> dict[str, str]:
    """`What happened: ... / Why: ... / Fix: ... / Example: ...` lines as a dict (empty for plain text)."""
    parts: dict[str, str] = {}
    for line in text.splitlines():
        for key in _GUIDANCE:
            if line.startswith(key):
                parts[key] = line[len(key):].strip()
    return parts


def _shown(path: str) -> str:
    """The path as the user would type it: relative to the working directory when it is below it."""
    return display_path(Path(path), Path.cwd())
