"""`diagnose` answers from the result cache as `analyze` does: a second diagnosis of the same runs is the kept
answer, read from no trace, equal to a first read's; anything its answer depends on is another key."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from support.tracefactory import TraceBuilder, error

from namel3ss_debug.ops.diagnose import DiagnoseReport, DiagnoseRequest, diagnose_traces
from namel3ss_debug.ops.environment import Environment, count_bytes
from namel3ss_debug.ops.traces import TraceArgs
from namel3ss_debug.store.sources import RunSource


class Reads:
    """The runs each read was about to read (the progress the pass reports): none for an answer from the cache."""

    def __init__(self) -> None:
        self.sources: list[str] = []

    def __call__(self, sources: Sequence[RunSource]):  # type: ignore[no-untyped-def]
        self.sources += [file for source in sources for file in source.files]
        return count_bytes(sources)


def env_for(tmp_path: Path, reads: Reads | None = None, warnings: list[str] | None = None) -> Environment:
    return Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path,
                       warn=warnings.append if warnings is not None else lambda message: None,
                       progress=reads or count_bytes)


def failed_run(path: Path) -> Path:
    """A tool failing three times in a row, then the run failing with its error: findings and a blame."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "weather", kind="agent_execution")
    for _ in range(3):
        llm = trace.start("llm", "plan", agent, inputs={"messages": [{"role": "user", "content": "Paris?"}]})
        trace.end(llm, 5, outputs={"text": None, "tool_calls": [{"id": "c", "name": "get_weather",
                                                                 "arguments": '{"city": "Paris, FR"}'}]})
        trace.span("tool", "get_weather", 2, agent, inputs={"city": "Paris, FR"}, status="failed",
                   error=error("KeyError", "'Paris, FR'"))
    trace.end(agent, 1, status="failed", error=error("KeyError", "'Paris, FR'"))
    trace.run_end(status="failed", error=error("KeyError", "'Paris, FR'"))
    return trace.write(path)


def diagnose(path: Path, env: Environment, **options) -> DiagnoseReport:  # type: ignore[no-untyped-def]
    return diagnose_traces(DiagnoseRequest(TraceArgs((str(path),)), **options), env)


def test_a_second_diagnosis_is_the_kept_answer_read_from_no_trace(tmp_path: Path) -> None:
    path = failed_run(tmp_path / "run.jsonl")
    first_reads, second_reads = Reads(), Reads()
    first = diagnose(path, env_for(tmp_path, first_reads))
    second = diagnose(path, env_for(tmp_path, second_reads))
    assert first_reads.sources == [str(path)] and second_reads.sources == []
    assert second == first == diagnose(path, env_for(tmp_path), cache=False)
    assert first.blames and any(finding.kind == "tool_failing_repeatedly" for finding in first.findings)


def test_what_the_answer_depends_on_is_another_key(tmp_path: Path) -> None:
    path = failed_run(tmp_path / "run.jsonl")
    diagnose(path, env_for(tmp_path))
    for options in ({"min_severity": "critical"}, {"kinds": ("tool_failing_repeatedly",)},
                    {"expect": "contains:Lisbon"}, {"components": ("tool",)}):
        reads = Reads()
        answer = diagnose(path, env_for(tmp_path, reads), **options)
        assert reads.sources == [str(path)], options
        assert answer == diagnose(path, env_for(tmp_path), cache=False, **options)


def test_a_changed_threshold_or_workspace_check_is_another_key(tmp_path: Path) -> None:
    path = failed_run(tmp_path / "run.jsonl")
    before = diagnose(path, env_for(tmp_path))
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss" / "debug.json").write_text('{"diagnose_tool_failures": 4}')
    reads = Reads()
    after = diagnose(path, env_for(tmp_path, reads))
    assert reads.sources == [str(path)]
    assert not any(finding.kind == "tool_failing_repeatedly" for finding in after.findings) and after != before
    (tmp_path / ".namel3ss" / "debug.json").write_text('{"checks": {"max_errors": 0}}')
    checked = diagnose(path, env_for(tmp_path))
    assert any(failure.source == "check" for failure in checked.failures)


def test_a_diagnosis_read_with_problems_is_not_kept_so_its_warnings_are_said_again(tmp_path: Path) -> None:
    path = failed_run(tmp_path / "run.jsonl")
    path.write_bytes(path.read_bytes() + b'{"v": 1, "torn')
    said: list[str] = []
    diagnose(path, env_for(tmp_path, warnings=said))
    diagnose(path, env_for(tmp_path, warnings=said))
    assert len([line for line in said if "incomplete" in line]) == 2
