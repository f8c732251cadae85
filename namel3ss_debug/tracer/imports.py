"""Run a callback when a module is imported (at once, if it already is): how an HTTP client or an agent
framework is hooked only if the app imports it, without importing it ourselves.

A finder at the front of `sys.meta_path` finds the module with the other finders and wraps its
loader, so the callback runs right after the module's own code. The callback's failures are the
caller's to catch: it runs inside the app's `import` statement. `hook_when_imported` is that
callback for a hook module of ours: what it cannot hook is one warning, never the app's error.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any, Callable, Protocol, cast

Callback = Callable[[ModuleType], None]


class Hook(Protocol):
    """A hook module a registry names (`integrations.frameworks.FRAMEWORKS`, `transport.CLIENTS`)."""

    def install(self, module: ModuleType, /) -> list[str]:
        """Hook the package `module` just imported; return the hook points its version lacks."""


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.callbacks: dict[str, list[Callback]] = {}
        self._busy = threading.local()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.callbacks or getattr(self._busy, "name", None) == fullname:
            return None
        self._busy.name = fullname  # the finders after us answer this one
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._busy.name = None
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = _Loader(spec.loader, self.callbacks.pop(fullname))
        return spec


class _Loader(importlib.abc.Loader):
    def __init__(self, loader: Any, callbacks: list[Callback]):
        self._loader, self._callbacks = loader, callbacks

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        for callback in self._callbacks:
            callback(module)

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package, get_code...
        return getattr(self._loader, name)


_FINDER = _Finder()
_LOCK = threading.Lock()


def when_imported(name: str, callback: Callback) -> None:
    """Call `callback(module)` once `name` is imported: now if it is already loaded."""
    with _LOCK:
        module = sys.modules.get(name)
        if module is None:
            _FINDER.callbacks.setdefault(name, []).append(callback)
            if _FINDER not in sys.meta_path:
                sys.meta_path.insert(0, _FINDER)
            return
    callback(module)


def hook_when_imported(name: str, hook: str, *, unrecorded: str, still: str = "",
                       distribution: str | None = None) -> None:
    """Once `name` is imported, call `install(module)` of our module `hook`, which returns the hook
    points this version lacks; those (or the hook's failure) are one warning on stderr."""
    def install(module: ModuleType) -> None:
        try:
            # a registry names its hooks as text, so that none loads before its package: mypy cannot follow it
            missing = cast(Hook, importlib.import_module(hook)).install(module)
        except Exception as exc:  # the package changed under us: what it does goes unrecorded, the app goes on
            missing = [f"all ({type(exc).__name__}: {exc})"]
        if missing:
            warn_unhooked(name, module, missing, unrecorded=unrecorded, still=still, distribution=distribution)

    when_imported(name, install)


def warn_unhooked(name: str, module: ModuleType | None, missing: list[str], *, unrecorded: str, still: str = "",
                  distribution: str | None = None) -> None:
    """`namel3ss-debug: httpx 0.13.0: requests not recorded: POINT (this version lacks the hook point)`."""
    if sys.stderr is None:  # no stderr (pythonw): nothing to say it on, and no error
        return
    version = getattr(module, "__version__", None) or _installed_version(distribution or name)
    after = f"; {still}" if still else ""
    print(f"namel3ss-debug: {name} {version}: {unrecorded}: {', '.join(missing)} "
          f"(this version lacks the hook point{after})", file=sys.stderr)


def _installed_version(distribution: str) -> str:
    from importlib import metadata  # noqa: PLC0415 - only a warning needs it

    try:
        return metadata.version(distribution)
    except Exception:  # no metadata: the warning says "?"
        return "?"
