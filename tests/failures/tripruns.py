"""The trip agent (apps/trip_agent.py) recorded under `namel3ss-debug trace` against its stub (tripstub.py), and the
commands that read its runs, each as a user runs it: the trace in a subprocess, the readers in-process.

    with TripStub() as stub:
        bench = TripBench(tmp_path, stub)
        run = bench.trace("Paris, FR", "EUR", tells="caught")   # a Traced: its trace, summary, events
        bench.cli("analyze", "--format", "json", run.trace)      # click's Result
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from tripstub import TripStub

from namel3ss_debug.cli.main import cli

APP = Path(__file__).parent / "apps" / "trip_agent.py"
FIX = ('    return WEATHER[city.lower()]', '    return WEATHER[city.split(",")[0].strip().lower()]')


@dataclass(frozen=True)
class Traced:
    """One run the app made: its trace file, the summary `trace` printed, its exit code."""

    trace: Path
    summary: str
    returncode: int

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.trace.read_text().splitlines() if line.strip()]

    def tool_ends(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events() if e["event_type"] == "tool_call_end" and e["name"] == name]


class TripBench:
    """A project folder holding a copy of the app, its traces in `debug/traces`, and the stub's address."""

    def __init__(self, folder: Path, stub: TripStub):
        self.folder = folder
        self.stub = stub
        shutil.copy(APP, folder / APP.name)
        self.environ = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
        self.environ.update(OPENAI_BASE_URL=stub.url, OPENAI_API_KEY=stub.key, NO_COLOR="1", COLUMNS="200")

    def trace(self, city: str = "Paris, FR", currency: str = "EUR", tells: str = "caught") -> Traced:
        before = set(self.traces())
        done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", APP.name, city, currency],
                              cwd=self.folder, env={**self.environ, "TRIP_TELLS": tells}, capture_output=True,
                              text=True, timeout=180)
        [trace] = set(self.traces()) - before
        return Traced(trace, done.stderr, done.returncode)

    def traces(self) -> list[Path]:
        return sorted((self.folder / "debug" / "traces").glob("*.jsonl"))

    def fix(self) -> None:
        """The fix a user makes: get_weather reads "Paris, FR" as Paris."""
        app = self.folder / APP.name
        app.write_text(app.read_text().replace(*FIX))

    def cli(self, *args: str | Path) -> Result:
        previous = Path.cwd()
        os.chdir(self.folder)
        try:
            return CliRunner().invoke(cli, [str(arg) for arg in args], env=self.environ, catch_exceptions=False)
        finally:
            os.chdir(previous)

    def json(self, *args: str | Path) -> Any:
        result = self.cli(*args, "--format", "json")
        return json.loads(result.stdout)
