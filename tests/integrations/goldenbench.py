"""A user's test suite of `@pytest.mark.n3replay` tests (test_golden_*.py), run under pytester as a user runs it:
recorded once (`--n3-record=once`) against a stub model on 127.0.0.1 with the API key in the environment, then
replayed (plain `pytest`: record mode `none`) with no key, the stub still listening so that a request reaching it
is counted.

The suite's tests add one JSON line each to `seen.jsonl` (what they got, from the app and from `n3trace`), and
their tools one line per body run to `tool_bodies.log`: a session's `seen` and `bodies` are the lines it added.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.stubserver import StubServer
from support.venvs import FrameworkVenv

SDK_PREFIXES = ("NAMEL3SS_DEBUG_", "OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_")

# What every suite's tests use to tell what they saw (written into the suite as `goldenseen.py`).
SEEN = '''
import json


def note(n3trace, test, **got):
    """One line of seen.jsonl: what the test got, its calls (component, name, status), its tokens, the
    replay_of of its run (None when the run was recorded) and how the replay answered each call (None: not
    a replay)."""
    [start] = n3trace.events("run_start")
    calls = n3trace.calls("llm") + n3trace.calls("tool")
    line = {"test": test, "got": got, "calls": sorted([call.component, call.name, call.status] for call in calls),
            "tokens": n3trace.total_tokens, "replay_of": start["attrs"].get("replay_of"),
            "replay": sorted([call.component, call.name, str(call.event.get("attrs", {}).get("replay"))]
                             for call in calls)}
    with open("seen.jsonl", "a") as seen:
        seen.write(json.dumps(line) + "\\n")
'''


@dataclass
class Session:
    """One pytest session of the suite: its result, the requests that reached the stub during it, what its tests
    noted, and the tool bodies that ran in it."""

    result: pytest.RunResult
    requests: int
    seen: dict[str, dict[str, Any]]
    bodies: list[str]


class GoldenSuite:
    """The suite in pytester's directory, its stub model, and the key the recording runs with (in each of
    `key_variables`). With a framework's `venv` it runs from that venv's interpreter, namel3ss-debug imported
    from this checkout, not installed there: the plugin is loaded with `-p namel3ss_debug_pytest`."""

    def __init__(self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, server: StubServer, key: str,
                 key_variables: tuple[str, ...], venv: FrameworkVenv | None = None):
        self.pytester, self.monkeypatch, self.server = pytester, monkeypatch, server
        self.key, self.key_variables, self.venv = key, key_variables, venv
        self._sessions = 0
        for name in [n for n in os.environ if n.startswith(SDK_PREFIXES)]:
            monkeypatch.delenv(name)
        for name in ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "http_proxy", "https_proxy", "all_proxy",
                     "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("STUB_URL", server.url)
        monkeypatch.setenv("PYTHONWARNINGS", "ignore")
        if venv is not None:  # the plugin from `-p` alone: an egg-info of the checkout may hold its entry point
            monkeypatch.setenv("PYTHONPATH", venv.environ(dict(os.environ))["PYTHONPATH"])
            monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        pytester.makepyfile(goldenseen=SEEN)

    def record(self, *args: str) -> Session:
        """`--n3-record=once`, the key in the environment."""
        for name in self.key_variables:
            self.monkeypatch.setenv(name, self.key)
        return self._session("--n3-record=once", *args)

    def replay(self, *args: str) -> Session:
        """Plain `pytest`, as CI runs it (record mode `none`, the default), no key in the environment."""
        for name in self.key_variables:
            self.monkeypatch.delenv(name, raising=False)
        return self._session(*args)

    def golden(self, module: str, test: str) -> Path:
        return self.pytester.path / "golden" / module / f"{test}.jsonl"

    def _session(self, *args: str) -> Session:
        seen, bodies, requests = self._lines("seen.jsonl"), self._lines("tool_bodies.log"), len(self.server.hits)
        if self.venv is None:
            result = self.pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
        else:
            self._sessions += 1
            basetemp = self.pytester.path / f"basetemp-{self._sessions}"
            result = self.pytester.run(self.venv.python, "-m", "pytest", "-p", "namel3ss_debug_pytest", "-p",
                                       "no:cacheprovider", f"--basetemp={basetemp}", *args, timeout=600)
        noted = [json.loads(line) for line in self._lines("seen.jsonl")[len(seen):]]
        return Session(result, len(self.server.hits) - requests, {line["test"]: line for line in noted},
                       self._lines("tool_bodies.log")[len(bodies):])

    def _lines(self, name: str) -> list[str]:
        path = self.pytester.path / name
        return path.read_text().splitlines() if path.exists() else []
