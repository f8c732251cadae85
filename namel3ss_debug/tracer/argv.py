"""Is this process the namel3ss-debug CLI? Stdlib only: the package's import asks before loading the tracer."""

from __future__ import annotations

import sys
from pathlib import Path


def invoked_as_cli(orig_argv: list[str], argv0: str) -> bool:
    """True for `namel3ss-debug ...` and `python -m namel3ss_debug ...`."""
    if Path(argv0).name in ("namel3ss-debug", "namel3ss-debug.exe"):
        return True
    for i, arg in enumerate(orig_argv):
        module = orig_argv[i + 1] if arg == "-m" and i + 1 < len(orig_argv) else arg[2:] if arg.startswith("-m") else ""
        if module.split(".")[0] == "namel3ss_debug":
            return True
    return False


def process_is_cli() -> bool:
    """`invoked_as_cli` for this process's command line."""
    return invoked_as_cli(list(getattr(sys, "orig_argv", [])), sys.argv[0] if sys.argv else "")
