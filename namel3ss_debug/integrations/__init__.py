"""Instrumentation of code the app calls but we do not own: the openai and anthropic SDKs.

`instrument(names)` arranges for each named SDK to be wrapped when the app imports it (at once if it
already has): nothing is imported on the app's behalf. A hook point an SDK version lacks is named
in one warning on stderr, and the rest of the SDK is still traced; a failure while wrapping is
reported the same way and never reaches the app.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from ..config_rules import INSTRUMENTABLE

SDKS = {name: f"{name}_sdk" for name in INSTRUMENTABLE}  # the `instrument` key's names -> their modules here

_requested: set[str] = set()


def instrument(names: tuple[str, ...] | list[str] = tuple(SDKS)) -> None:
    """Trace the named SDKs' LLM calls (and let `replay --rerun` answer them). Idempotent."""
    for name in names:
        if name not in SDKS:
            raise ValueError(f"{name!r} is not an SDK namel3ss-debug instruments (known: {', '.join(SDKS)})")
        if name not in _requested:
            from .imports import when_imported  # noqa: PLC0415 - importlib.abc: not at the package's import

            _requested.add(name)
            when_imported(name, _installer(name))


def _installer(name: str):  # noqa: ANN202 - a callback for when_imported
    def install(module: ModuleType) -> None:
        try:
            integration = importlib.import_module(f"{__name__}.{SDKS[name]}")
            missing = integration.install(module)
        except Exception as exc:  # the SDK changed under us: its calls go untraced, the app goes on
            missing = [f"all ({type(exc).__name__}: {exc})"]
        if missing and sys.stderr is not None:  # no stderr (pythonw): nothing to say it on, and no error
            version = getattr(module, "__version__", "?")
            print(f"namel3ss-debug: {name} {version}: not traced: {', '.join(missing)} "
                  "(this SDK version lacks the hook point; calls through it are not recorded)", file=sys.stderr)

    return install


__all__ = ["instrument", "SDKS"]
