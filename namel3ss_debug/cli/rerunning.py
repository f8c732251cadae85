"""The one place the command line's options become a rerun's request (`ops/rerun_request.RerunRequest`): `replay
--rerun`, `verify`, `bisect` and `diagnose --experiment` all build theirs here, so `--cwd`, `-o`, `--config`,
`--yes`, `--base-url`, `--live`, `--live-requests` and `--format json` mean one thing in each.

    request = rerun_request(trace, fmt, env, cwd=cwd, output=output, config_path=config_path, allowed=allowed,
                            base_url=base_url, live_own=live_own, live_requests=live_requests)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..ops.rerun_request import RerunRequest
from ..rerun.policy import LiveCalls
from .questions import consent

if TYPE_CHECKING:
    from ..ops.environment import Environment


def rerun_request(trace: str | None, fmt: str, env: Environment, *, cwd: Path | None, output: str | None,
                  config_path: Path | None, allowed: bool, base_url: str | None = None, live_own: bool = False,
                  live_requests: bool = False) -> RerunRequest:
    """The rerun's request from the options as click parsed them: the app's stdout on stderr with `--format json`
    (stdout is the report's), `--yes` as the consent to tools a recording from elsewhere chose."""
    return RerunRequest(trace, LiveCalls(base_url, live_own, live_requests), cwd, output, config_path,
                        app_stdout_to_stderr=fmt == "json", consent=consent(allowed, env))
