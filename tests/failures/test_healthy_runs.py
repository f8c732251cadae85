"""Healthy runs stay healthy: no tool result of a run that went well reads as an error (`model/error_shape.py`), and
`diagnose` finds nothing above info in it. A wrong failure costs more than a missed one, so the rule is held to
every healthy run the repository can make offline:

- the example apps (examples/README.md), each traced once as a user traces it, `openai_app.py` against the stub
  server it starts itself;
- the namel3ss example (`examples/namel3ss_app/app.ai`, when the runtime is installed), in a copy of its folder;
- the framework test apps that run well and call tools (tests/integrations/apps/; not the `*_tool_error_app.py`
  ones, nor those whose tool fails on purpose: `mcp_tools_app.py`, `pydantic_ai_tools_app.py`,
  `genai_afc_app.py`, `fork_*.py`, ...; nor those without a tool, whose runs the rule cannot touch), each recorded
  once against a stub server of its own with the integration tests' `Workbench`, two at a time, the apps of this
  Python only (no framework venv).

`diagnose` reads each run twice: with the defaults, and with the checkout's `.namel3ss/debug.json` (which prices
the examples' fake models), as the README's demo runs it.

Each run is recorded here, not shared with the module that records it for its own tests (a module-scoped fixture
there): about 10 s of CPU for the examples and 45 s for the framework apps; `--durations` says which.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from click.testing import CliRunner
from support.tracehelpers import read_events

from namel3ss_debug.cli.main import cli

if str(Path(__file__).parents[1] / "integrations") not in sys.path:  # the framework tests' helpers
    sys.path.insert(0, str(Path(__file__).parents[1] / "integrations"))

from framework_support import App, Recording, Workbench, skip_unless_installed
from recordings import Recordings, planned_runs

REPO = Path(__file__).resolve().parents[2]
Event = dict[str, Any]
N3_INPUT = '{"city": "Paris"}'

# each example and the tool spans its run has (a test of "no tool span inferred" that saw none would say nothing)
EXAMPLES = {"research_agent": 7, "chain_app": 1, "async_multi_agent": 6, "openai_app": 1, "namel3ss_app": 1}
EXAMPLE_MODULES = {"openai_app": ("openai",), "namel3ss_app": ("namel3ss",)}
# each healthy framework app and the tool spans its recording has
APPS = {
    App("openai_responses", ("openai",), 5, wire_tools=1): 1,
    App("openai_agents_app", ("agents",), 4, tools=2): 2,
    App("agents_gather_app", ("agents", "openai"), 6, tools=3): 3,
    App("agents_handoff_app", ("agents", "openai"), 6): 2,
    App("autogen_app", ("autogen_agentchat", "autogen_ext.models.openai", "opentelemetry.sdk.trace"), 4, 2): 2,
    App("pydantic_ai_app", ("pydantic_ai", "openai", "anthropic"), 8, tools=4): 4,
    App("pydantic_ai_gather_tools", ("pydantic_ai", "openai"), 9, tools=6): 6,
    App("langgraph_tools_app", ("langgraph", "langchain_openai"), 6): 4,
    App("genai_app", ("google.genai",), 4, wire_tools=1): 1,
    App("otel_late_attributes_app", ("opentelemetry.sdk.trace", "openai"), 2): 1,
    App("wire_openai_chat", ("openai",), 3): 2,
    App("wire_openai_responses", ("openai",), 3): 2,
    App("wire_anthropic", ("anthropic",), 3): 2,
    App("wire_genai", ("google.genai",), 3): 2,
    App("wire_httpx_agent", ("httpx",), 3): 2,
}


def tool_ends(events: list[Event]) -> list[Event]:
    return [e for e in events if e["component"] == "tool" and e["event_type"] == "tool_call_end"]


def inferred(events: list[Event]) -> list[tuple[str, str, Any]]:
    """(tool, rule, result) of each tool span whose result was read as an error."""
    return [(e["name"], e["error"].get("rule"), e.get("outputs")) for e in tool_ends(events)
            if (e.get("error") or {}).get("inferred")]


def findings_above_info(trace: Path, config: Path) -> list[tuple[str, str, str]]:
    """(kind, severity, why) of each warning or critical finding of `diagnose --format json` on the run."""
    unset = {name: None for name in os.environ if name.startswith("NAMEL3SS_DEBUG_")}
    done = CliRunner().invoke(cli, ["diagnose", str(trace), "--config", str(config), "--format", "json"],
                              env=unset, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return [(f["kind"], f["severity"], f["why"]) for f in json.loads(done.stdout)["findings"]
            if f["severity"] in ("warning", "critical")]


@pytest.fixture(scope="module")
def empty_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace config of defaults, so the checkout's `.namel3ss/debug.json` changes nothing the app records."""
    config = tmp_path_factory.mktemp("config") / "debug.json"
    config.write_text("{}", encoding="utf-8")
    return config


@pytest.fixture(params=["defaults", "checkout"])
def config(request: pytest.FixtureRequest, empty_config: Path) -> Path:
    """The workspace config `diagnose` reads: the defaults, or the checkout's (the demo's prices)."""
    return empty_config if request.param == "defaults" else REPO / ".namel3ss" / "debug.json"


# -- the examples ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory, empty_config: Path) -> Callable[[str], Path]:
    """`example_run(app)`: the directory of the app's trace, recorded on first use."""
    runs: dict[str, Path] = {}

    def get(app: str) -> Path:
        skip_unless_installed(app, *EXAMPLE_MODULES.get(app, ()))
        if app not in runs:
            folder = tmp_path_factory.mktemp(app)
            if app == "namel3ss_app":  # the runtime keeps its state beside the app: a copy of the folder holds it
                cwd = shutil.copytree(REPO / "examples" / app, folder / app,
                                      ignore=shutil.ignore_patterns(".namel3ss", "debug", "__pycache__"))
                script = ["--input", N3_INPUT, "app.ai"]
            else:
                cwd, script = REPO, [f"examples/{app}.py"]
            env = {key: value for key, value in os.environ.items() if not key.startswith(("NAMEL3SS_DEBUG_", "N3_"))}
            done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "--config", str(empty_config),
                                   "-o", str(folder / "traces"), *script],
                                  cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            runs[app] = folder / "traces"
        return runs[app]

    return get


@pytest.mark.parametrize("app", EXAMPLES)
def test_no_tool_result_of_an_example_reads_as_an_error(example_run: Callable[[str], Path], app: str) -> None:
    events = read_events(example_run(app))
    assert (len(tool_ends(events)), inferred(events)) == (EXAMPLES[app], [])


@pytest.mark.parametrize("app", EXAMPLES)
def test_diagnose_finds_nothing_above_info_in_an_example(example_run: Callable[[str], Path], config: Path,
                                                        app: str) -> None:
    [trace] = sorted(example_run(app).glob("*.jsonl"))
    assert findings_above_info(trace, config) == []


# -- the framework apps ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Recordings]:
    """The apps' recordings, those the selected tests ask for started ahead on two threads."""
    bench = Workbench(tmp_path_factory.mktemp("healthy"), f"sk-test-{secrets.token_hex(16)}")
    recordings = Recordings(bench)
    recordings.ahead(planned_runs(request.session.items, request.module))
    yield recordings
    recordings.close()


@pytest.fixture(params=list(APPS), ids=lambda app: app.stem)
def recorded(request: pytest.FixtureRequest, recordings: Recordings) -> Recording:
    return recordings.recording(request.param)


@pytest.mark.frameworks
def test_no_tool_result_of_a_healthy_framework_app_reads_as_an_error(recorded: Recording) -> None:
    assert (len(tool_ends(recorded.events)), inferred(recorded.events)) == (APPS[recorded.app], [])


@pytest.mark.frameworks
def test_diagnose_finds_nothing_above_info_in_a_healthy_framework_app(recorded: Recording, config: Path) -> None:
    assert findings_above_info(recorded.trace, config) == []
