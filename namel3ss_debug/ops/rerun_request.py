"""What every command that runs a recorded app again was asked of the rerun, in one value: `replay --rerun` (and its
fork), `verify`, `bisect` and `diagnose --experiment` each hold one, built from the command line by one function
(`cli/rerunning.rerun_request`), and hand it down whole.

    request = RerunRequest("failed.jsonl", LiveCalls(own=True), cwd=Path("app"), consent=consent(allowed, env))
    request.traces   # ("failed.jsonl",): what open_traces reads
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..launch.choosing import Consent
from ..rerun.policy import LiveCalls


@dataclass(frozen=True)
class RerunRequest:
    """The recorded run (`trace`; None: the newest recording of trace_output_dir that is no rerun, for `replay
    --rerun`), what may go live (`live`: `--base-url`, `--live`, `--live-requests`; a fork's `--base-url`), where the
    app runs (`cwd`) and writes its new runs (`output`), the workspace config, whether the app's stdout goes to
    stderr (`--format json`: stdout is the report's), and what the user allowed (`consent`: before a tool runs with
    arguments a recording from elsewhere chose)."""

    trace: str | None = None
    live: LiveCalls = LiveCalls()
    cwd: Path | None = None
    output: str | None = None
    config_path: Path | None = None
    app_stdout_to_stderr: bool = False
    consent: Consent = Consent()

    @property
    def traces(self) -> tuple[str, ...]:
        """The TRACE argument as the reading commands take theirs: none, or the one."""
        return () if self.trace is None else (self.trace,)
