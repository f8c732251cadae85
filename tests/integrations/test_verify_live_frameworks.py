"""verify reaches a verdict on hooked and wire-seen frameworks when a tool changes: the changed tool's result goes
into the next model request, which the recording cannot answer. With `--live` that request goes where the app
sent it (stub A, standing at the recorded URL): a fixed tool is `fixed`, a broken one `regressed`. Offline (no
`--live`), a tool broken before the miss is `regressed` by what failed before the stop, and one only reworded is
`inconclusive`: what the stop itself unwound (LlamaIndex's cancelled agent task) is no failure of the app's.
LangGraph (a `ToolNode`), openai-agents and LlamaIndex (hooked), Haystack (seen on the wire, from a venv of its
own); pydantic-ai has the same tests beside its other fork tests (test_pydantic_ai_fork.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from forkbench import ForkBench
from framework_support import Workbench, skip_unless_installed
from support.venvs import framework_venv
from test_haystack_fork import HAYSTACK
from test_llama_index_hook import PINS as LLAMA_INDEX

pytestmark = pytest.mark.frameworks


@dataclass(frozen=True)
class Case:
    """A framework's app, its tool's body as it is and broken, and where the framework comes from."""

    app: str
    good: str
    broken: str
    modules: tuple[str, ...] = ()  # in this interpreter (no venv)
    venv: tuple[str, tuple[str, ...]] | None = None  # (name, pins) of a venv of its own
    beside: tuple[str, ...] = ()  # files the app imports, copied beside it
    raises: bool = False  # the framework lets the tool's error out (the app fails) instead of telling the model

    def bench(self, directory: Path) -> ForkBench:
        if self.modules:
            skip_unless_installed(self.app, *self.modules)
        venv = framework_venv(*self.venv) if self.venv is not None else None
        return ForkBench(Workbench(directory, f"sk-test-{secrets.token_hex(16)}", venv), self.app, *self.beside)


BROKEN = 'raise ValueError("the weather service is down")'
CASES = {
    "langgraph": Case("langgraph_tools_app.py", 'return f"sunny in {city}"', BROKEN,
                      modules=("langgraph", "langchain_openai"), raises=True),  # ToolNode re-raises a ValueError
    "openai-agents": Case("openai_agents_app.py",
                          'return {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}.get(city.lower(), "clear, 18 C")',
                          BROKEN, modules=("agents",)),
    "llama-index": Case("llama_index_app.py", 'return WEATHER.get(city.lower().strip("?."), "clear, 18 C")', BROKEN,
                        venv=("llama_index", LLAMA_INDEX), raises=True),  # its workflow step calls the tool itself
    "haystack": Case("fork_haystack.py", "return FORECASTS[city]", BROKEN, venv=("haystack", HAYSTACK),
                     beside=("wire_tools.py",), raises=True),  # its agent is told to raise on a tool's failure
}


@pytest.fixture(scope="module", params=list(CASES))
def framework(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Case,
                                                                                                            ForkBench]]:
    case = CASES[request.param]
    bench = case.bench(tmp_path_factory.mktemp(f"verify-live-{request.param}"))
    yield case, bench
    bench.stop()


def _changed(case: Case, bench: ForkBench, name: str, recorded_as: str, changed_to: str) -> tuple[Path, Path]:
    """The app as `name` with its tool's body `recorded_as`, recorded; then changed to `changed_to`."""
    app = bench.bench.directory / name
    source = (bench.bench.directory / case.app).read_text()
    assert case.good in source, f"{case.app} no longer has {case.good!r}"
    app.write_text(source.replace(case.good, recorded_as))
    trace = bench.record(name, exit_code=1 if case.raises and recorded_as == case.broken else 0)
    app.write_text(source.replace(case.good, changed_to))
    return app, trace


def test_verify_live_says_a_broken_tool_regressed(framework):
    case, bench = framework
    _, trace = _changed(case, bench, "broken_live.py", case.good, case.broken)
    run, report, reached = bench.live("verify", str(trace))
    assert (run.returncode, report["verdict"]) == (1, "regressed"), run.stderr[-3000:]
    attempt = report["tries"][0]
    assert attempt["misses"] == [] and attempt["stopped"] is None  # a verdict of a run that ended by itself
    if reached:  # the framework told the model (a handled failure); one that lets the error out ends the app
        assert attempt["counts"]["live"] == len(reached)  # what went live is counted (openai-agents hides the text)


def test_verify_offline_says_a_tool_broken_before_the_miss_regressed(framework):
    case, bench = framework
    _, trace = _changed(case, bench, "broken_offline.py", case.good, case.broken)
    run, report = bench.verify(trace)
    assert (run.returncode, report["verdict"]) == (1, "regressed"), run.stderr[-3000:]
    assert report["why"].startswith("before it was stopped, the new run failed where the recording did not: ") \
        or report["tries"][0]["stopped"] is None, report["why"]  # a framework that raises ends the run by itself


def test_verify_live_says_a_fixed_tool_fixed(framework):
    case, bench = framework
    _, trace = _changed(case, bench, "fixed_live.py", case.broken, case.good)
    run, report, reached = bench.live("verify", str(trace))
    assert (run.returncode, report["verdict"]) == (0, "fixed"), run.stderr[-3000:]
    assert reached and report["tries"][0]["outcome"]["passed"] is True


def test_verify_offline_says_a_reworded_tool_stopped_at_the_miss_inconclusive(framework):
    case, bench = framework
    _, trace = _changed(case, bench, "reworded_offline.py", case.good, f'return "Forecast: " + str({_body(case)})')
    run, report = bench.verify(trace)
    assert (run.returncode, report["verdict"]) == (1, "inconclusive"), (report["why"], run.stderr[-3000:])
    attempt = report["tries"][0]
    assert attempt["stopped"] is not None, attempt
    assert attempt["outcome"]["failures"] == [], attempt["outcome"]  # what the stop cancelled is not the app's


def _body(case: Case) -> str:
    """The good body's returned expression."""
    return case.good.removeprefix("return ")
