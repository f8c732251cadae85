"""What `trace` checks before a run starts, so that a mistake is one usage error (exit 2), never a run that
fails inside runpy or an app that runs untraced."""

from __future__ import annotations

import difflib
import json
import sys
import tempfile
from pathlib import Path
from typing import Iterable

from ...launch.app import Target
from ...model.errors import UsageError


def check_no_stray_option(target: tuple[str, ...], known: Iterable[str]) -> None:
    """Report an unknown option given where SCRIPT goes.

    Unknown options pass through to SCRIPT's place (so that everything after SCRIPT reaches the app
    untouched), which would make `trace --ouput d app.py` look for a script named `--ouput`.
    """
    first = target[0] if target else ""
    if not first.startswith("-") or first in ("-", "--"):
        return
    name = first.split("=", 1)[0]
    close = difflib.get_close_matches(name, list(known), n=1)
    guess = f"did you mean {close[0]}? " if close else ""
    raise UsageError(f"unknown option {name} for trace",
                     hint=f"{guess}options go before SCRIPT; see namel3ss-debug trace --help")


def check_module(name: str, cwd: Path) -> None:
    """Fail unless `python -m NAME`, run from `cwd`, would find a module to run.

    Nothing is imported: a package's `__init__` must run inside the traced run, as its first events.
    So the finders are asked directly, level by level, with `cwd` first on sys.path as runpy has it.
    """
    saved = sys.path[:]
    sys.path.insert(0, str(cwd))
    try:
        missing = _first_missing(name)
    finally:
        sys.path[:] = saved
    if missing is None:
        return
    if missing == f"{name}.__main__":
        raise UsageError(f"no module named {missing}",
                         hint=f"{name} is a package: give it a __main__.py, or name one of its modules")
    raise UsageError(f"no module named {missing}",
                     hint="modules are found from the working directory and sys.path, as under python -m")


def _first_missing(name: str) -> str | None:
    """The first of `a`, `a.b`, `a.b.c` (then `a.b.c.__main__` for a package) that cannot be found."""
    parts = name.split(".")
    if not all(parts):
        return name  # ".x", "a..b": relative or empty names, which python -m refuses too
    search: list[str] | None = None
    for depth in range(1, len(parts) + 1):
        fullname = ".".join(parts[:depth])
        if depth > 1 and search is None:
            return fullname  # a submodule of a plain module
        found, search = _locate(fullname, search)
        if not found:
            return fullname
    if search is not None and not _locate(f"{name}.__main__", search)[0]:
        return f"{name}.__main__"
    return None


def _locate(fullname: str, search: list[str] | None) -> tuple[bool, list[str] | None]:
    """Whether `fullname` exists, and where its submodules are (None: it is not a package)."""
    module = sys.modules.get(fullname)
    if module is not None:
        return True, _as_list(getattr(module, "__path__", None))
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        try:
            spec = find_spec(fullname, search) if find_spec else None
        except (ImportError, ValueError):
            spec = None
        if spec is not None:
            return True, _as_list(spec.submodule_search_locations)
    return False, None


def _as_list(locations: Iterable[str] | None) -> list[str] | None:
    return None if locations is None else list(locations)


def prepare_output_dir(directory: Path) -> None:
    """Create the trace directory and prove a file can be written in it.

    The tracer never stops an app: left to itself, it would warn and run the app untraced.
    """
    hint = "choose another with -o DIRECTORY or trace_output_dir"
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"cannot write traces to {directory}: it is a file, not a directory", hint=hint)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create trace directory {directory}: {exc.strerror or exc}", hint=hint) from None
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write traces to {directory}: {exc.strerror or exc}", hint=hint) from None


def check_ai_options(app: Target | None, flow: str | None, flow_input: str | None) -> None:
    """`--flow` and `--input` are for a namel3ss `.ai` app, and an `.ai` app needs the `namel3ss` package."""
    if app is None or not app.is_ai_app:
        given = "--flow" if flow is not None else "--input" if flow_input is not None else None
        if given:
            raise UsageError(f"{given} is for a namel3ss .ai app", hint="give an app.ai file, or drop " + given)
        return
    if flow_input is not None:
        try:
            json.loads(flow_input)
        except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than the parser goes
            raise UsageError(f"--input is not JSON: {error}", hint="""e.g. --input '{"city": "Paris"}'""") from None
    from ...integrations.namel3ss.runner import require_runtime  # noqa: PLC0415 - only .ai apps need it

    require_runtime(str(app.script))


_AI_OPTIONS = ("--flow", "--input")


def ai_app_options(args: tuple[str, ...]) -> dict[str, str]:
    """`--flow` and `--input` written after an `.ai` app's path (`trace app.ai --input '{...}'`): an
    `.ai` app has no arguments of its own, so these are ours; anything else is a usage error."""
    given: dict[str, str] = {}
    rest = list(args)
    while rest:
        word = rest.pop(0)
        name, equals, value = word.partition("=")
        if name not in _AI_OPTIONS:
            raise UsageError(f"an .ai app takes no arguments of its own: {word!r}",
                             hint="give the flow and its input with --flow NAME and --input JSON")
        if not equals:
            if not rest:
                raise UsageError(f"{name} needs a value", hint=f"e.g. {name} " +
                                 ("plan_trip" if name == "--flow" else """'{"city": "Paris"}'"""))
            value = rest.pop(0)
        if name in given:
            raise UsageError(f"{name} is given twice", hint=f"give {name} once")
        given[name] = value
    return given
