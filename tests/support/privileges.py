"""Running a command that file modes stop, when the tests run as root (as CI does): root passes over modes
(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so the command runs under `setpriv` with both capabilities dropped."""

from __future__ import annotations

import os
import shutil


def unprivileged() -> list[str] | None:
    """The words that run a command unable to read or write where the modes say no; None if that cannot be
    done here (root without setpriv)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        return None
    return ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
            "--bounding-set=-dac_override,-dac_read_search", "--"]
