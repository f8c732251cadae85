"""The diagnosis corpus: small apps that each show one failure mode, and healthy runs, with what `diagnose` must
say of each; shared by `test_corpus.py` and `bench/diagnose_corpus.py`.

A failure case names its app (in `apps/`, or a framework test app of `tests/integrations/apps/`), the kind of the
finding it must get, the evidence that finding must hold (a call address `tool:get_weather#2`, or `tool:get_weather`
for any call of the operation; `a|b` for either), the kinds that may fire beside it without being wrong (a run
ended by its turn limit also looped), and, for a run that failed, the blame (agent, decisive step). A healthy case
must get no finding above `info` and no blame.

Every app runs under `namel3ss-debug trace` in a directory holding the repository's `.namel3ss/` (as the README's
demo runs the examples), against a stub on 127.0.0.1 only: the apps of `apps/` start their own
(`apps/scripted_stub.py`), the framework test apps get `tests/support/stubserver.StubServer` through STUB_URL.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
REPO = TESTS.parent
APPS = HERE / "apps"
FRAMEWORK_APPS = TESTS / "integrations" / "apps"
EXAMPLES = REPO / "examples"
SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True)
class Blamed:
    """What the blame of a failed run must say; None: not asserted."""

    agent: Optional[str] = None
    step: Optional[str] = None  # the decisive step's call address
    finding: Optional[str] = None  # the kind of finding the decisive step belongs to (`a|b`: either)


@dataclass(frozen=True)
class Case:
    name: str
    script: Path
    kind: Optional[str]  # None: a healthy run
    evidence: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # kinds that may fire beside `kind` without counting against it
    blame: Optional[Blamed] = None
    framework: Optional[str] = None  # the package the app runs on; None: the namel3ss_debug decorators alone
    stub: bool = False  # the app reads STUB_URL / STUB_KEY (a framework test app)
    slow: bool = False  # sleeps a second or more
    xfail: Optional[str] = None  # why it is not yet diagnosed right (the rule that is missing)
    severity: Optional[str] = None  # the severity the finding must have; None: any

    @property
    def healthy(self) -> bool:
        return self.kind is None


def _app(name: str) -> Path:
    return APPS / f"{name}.py"


HANDLED = ("swallowed_error",)  # a handled tool error in a run that went on: said too, and not wrong

FAILURES = (
    Case("tool_failing_repeatedly", _app("agents_tool_failing"), "tool_failing_repeatedly",
         ("tool:lookup_weather",), also=HANDLED + ("call_loop",), framework="openai-agents"),
    Case("unknown_tool", _app("langgraph_unknown_tool"), "unknown_tool", ("llm:openai.chat#1",),
         also=HANDLED, framework="langgraph"),
    Case("missing_tool", _app("openai_missing_tool"), "missing_tool", ("llm:openai.chat#1", "tool:web_search#1"),
         also=HANDLED + ("apology_after_failure",), framework="openai"),
    Case("bad_tool_arguments", _app("pydantic_ai_bad_arguments"), "bad_tool_arguments", ("llm:openai.chat#1",),
         also=HANDLED, framework="pydantic-ai"),
    Case("unchanged_after_error", _app("decorated_unchanged_code"), "unchanged_after_error",
         ("tool:run_code#1", "tool:run_code#2")),
    Case("call_loop", _app("langgraph_call_loop"), "call_loop", ("tool:get_weather",),
         also=("cacheable_calls",), framework="langgraph"),
    Case("handoff_loop", _app("agents_handoff_loop"), "handoff_loop",
         ("llm:openai.chat#1|chain:handoff#1|agent:triage#1",), framework="openai-agents"),
    Case("no_progress", _app("decorated_no_progress"), "no_progress", ("agent:planner#2", "agent:planner#5")),
    Case("turn_limit", _app("agents_turn_limit"), "turn_limit",
         ("app:agents.exceptions.MaxTurnsExceeded|agent:weather",), also=("call_loop",),
         blame=Blamed(agent="weather", finding="turn_limit"), framework="openai-agents"),
    Case("context_overflow", _app("openai_context_overflow"), "context_overflow",
         ("llm:openai.chat#4|app:openai.BadRequestError",),
         also=("context_near_limit", "prompt_growth"),
         blame=Blamed(finding="context_overflow|context_near_limit|prompt_growth"), framework="openai"),
    Case("context_near_limit", _app("decorated_context_near_limit"), "context_near_limit", ("llm:reader#3",)),
    Case("prompt_growth", _app("decorated_prompt_growth"), "prompt_growth", ("llm:researcher_llm",)),
    Case("retry_without_backoff", _app("decorated_retry_no_backoff"), "retry_without_backoff",
         ("tool:fetch_quote#2",), also=HANDLED + ("tool_failing_repeatedly", "call_loop")),
    Case("rate_limit_burst", _app("openai_rate_limit_burst"), "rate_limit_burst", ("llm:openai.chat",),
         also=HANDLED, framework="openai"),
    Case("parallelizable_calls", _app("decorated_parallelizable"), "parallelizable_calls",
         ("tool:fetch_prices#1", "tool:fetch_news#1"), also=("slow_tool_on_critical_path",), slow=True),
    Case("parallelizable_calls most of the run", _app("decorated_sequential_lookups"), "parallelizable_calls",
         ("tool:lookup#1", "tool:lookup#4"), also=("slow_tool_on_critical_path",), severity="warning"),
    Case("cacheable_calls", _app("decorated_cacheable"), "cacheable_calls", ("tool:exchange_rate#2",),
         also=("slow_tool_on_critical_path",), slow=True),
    Case("swallowed_error", _app("decorated_swallowed_error"), "swallowed_error", ("tool:save_order#1",)),
    Case("success_claimed_after_failure", _app("decorated_claimed_success"), "success_claimed_after_failure",
         ("llm:coder_llm#2", "tool:run_tests#1"), also=HANDLED),
    Case("apology_after_failure", _app("decorated_apology"), "apology_after_failure", ("tool:get_weather#1",),
         also=HANDLED + ("tool_failing_repeatedly",),
         blame=Blamed(agent="planner", step="llm:openai.chat#1", finding="apology_after_failure"),
         framework="openai"),
    Case("answer_gives_up", _app("decorated_gives_up"), "answer_gives_up", ("llm:book#1",)),
    Case("unconfirmed_action", _app("openai_unconfirmed_action"), "unconfirmed_action",
         ("llm:openai.chat#1", "tool:cancel_pending_order#1"), framework="openai"),
    Case("plan_step_skipped", _app("openai_plan_step_skipped"), "plan_step_skipped", ("llm:openai.chat#3",),
         framework="openai"),
    Case("dominant_cost", _app("decorated_dominant_cost"), "dominant_cost", ("llm:summarize#1",)),
    Case("dominant_latency", _app("decorated_dominant_latency"), "dominant_latency", ("llm:draft#1",), slow=True),
    Case("slow_tool_on_critical_path", _app("decorated_slow_tool"), "slow_tool_on_critical_path",
         ("tool:render_pdf#1",), also=("dominant_latency",), slow=True),
    Case("unrecorded_llm_calls", FRAMEWORK_APPS / "urllib_app.py", "unrecorded_llm_calls", ("app:urllib_app.py",),
         stub=True),
)

HEALTHY = (
    Case("example research_agent", EXAMPLES / "research_agent.py", None),
    Case("example chain_app", EXAMPLES / "chain_app.py", None),
    Case("example async_multi_agent", EXAMPLES / "async_multi_agent.py", None),
    Case("example openai_app", EXAMPLES / "openai_app.py", None, framework="openai"),
    Case("openai_agents_app", FRAMEWORK_APPS / "openai_agents_app.py", None, framework="openai-agents", stub=True),
    Case("agents_handoff_app", FRAMEWORK_APPS / "agents_handoff_app.py", None, framework="openai-agents", stub=True),
    Case("langgraph_app", FRAMEWORK_APPS / "langgraph_app.py", None, framework="langgraph", stub=True),
    Case("langgraph_tools_app", FRAMEWORK_APPS / "langgraph_tools_app.py", None, framework="langgraph", stub=True),
    Case("pydantic_ai_app", FRAMEWORK_APPS / "pydantic_ai_app.py", None, framework="pydantic-ai", stub=True),
    Case("gather_app", FRAMEWORK_APPS / "gather_app.py", None, framework="openai", stub=True),
    Case("openai_confirmed_action", _app("openai_confirmed_action"), None, framework="openai"),
    Case("openai_plan_carried_out", _app("openai_plan_carried_out"), None, framework="openai"),
    Case("wire_openai_chat", FRAMEWORK_APPS / "wire_openai_chat.py", None, framework="openai", stub=True),
    Case("genai_app", FRAMEWORK_APPS / "genai_app.py", None, framework="google-genai", stub=True),
)

CASES = FAILURES + HEALTHY


def workdir(where: Path) -> Path:
    """A directory to run the apps in, holding the repository's `.namel3ss/` (its price overrides), as the demo."""
    where = where.resolve()
    where.mkdir(parents=True, exist_ok=True)
    if not (where / ".namel3ss").exists():
        shutil.copytree(REPO / ".namel3ss", where / ".namel3ss")
    return where


def environ(extra: dict[str, str]) -> dict[str, str]:
    kept = {name: value for name, value in os.environ.items()
            if not name.startswith(("NAMEL3SS_DEBUG_", "OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_"))
            and name.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    return {**kept, "NO_COLOR": "1", "NO_PROXY": "127.0.0.1,localhost", "PYTHONWARNINGS": "ignore", **extra}


def record(case: Case, where: Path) -> Path:
    """`case`'s app traced in `where` (see `workdir`); the trace file. A failure to record is an error of the
    setup, raised with the app's stderr."""
    out = where / "traces" / case.name.replace(" ", "_")
    extra: dict[str, str] = {}
    server = None
    if case.stub:
        sys.path.insert(0, str(TESTS)) if str(TESTS) not in sys.path else None
        from support.stubserver import StubServer  # noqa: PLC0415 - tests/ on the path only when a case needs the stub

        server = StubServer(api_key="sk-test-diagnosis", fresh=True).start()
        extra = {"STUB_URL": server.url, "STUB_KEY": "sk-test-diagnosis"}
    try:
        done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", str(out), str(case.script)],
                              cwd=where, env=environ(extra), capture_output=True, text=True, timeout=300)
    finally:
        if server is not None:
            server.stop()
    traces = sorted(out.glob("*.jsonl"))
    if len(traces) != 1:
        raise RuntimeError(f"{case.name}: no trace (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return traces[0]


def diagnosis_of(trace: Path, where: Path) -> dict[str, Any]:
    """`diagnose TRACE --format json` (before that command: `analyze --section findings`), as a Diagnosis dict,
    run in `where` (the directory the app ran in: its `.namel3ss/` prices the examples' fake models)."""
    has_diagnose = (REPO / "namel3ss_debug" / "cli" / "diagnose_cmd.py").exists()
    command = (["diagnose", str(trace.resolve()), "--format", "json", "--no-progress"] if has_diagnose
               else ["analyze", str(trace.resolve()), "--section", "findings", "--format", "json", "--no-progress"])
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", *command], cwd=where,
                          env=environ({}), capture_output=True, text=True, timeout=300)
    if done.returncode not in (0, 1) or not done.stdout.startswith("{"):
        raise RuntimeError(f"{' '.join(command[:1])} of {trace} exited {done.returncode}:\n{done.stderr[-3000:]}")
    document = json.loads(done.stdout)
    inner = document.get("findings")
    return inner if isinstance(inner, dict) else document


@dataclass
class Judged:
    """What `diagnose` said of one case, against what it should have said."""

    case: Case
    hits: list[dict[str, Any]] = field(default_factory=list)  # findings of the expected kind with its evidence
    misplaced: list[dict[str, Any]] = field(default_factory=list)  # of the expected kind, without its evidence
    wrong: list[dict[str, Any]] = field(default_factory=list)  # findings above info of kinds that should not be there
    blame_agent: Optional[bool] = None  # None: not judged (no blame expected)
    blame_step: Optional[bool] = None
    blame_finding: Optional[bool] = None
    blames: list[dict[str, Any]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.hits)


def addresses(finding: dict[str, Any]) -> set[str]:
    """Every address a finding's evidence names: each call address, and its operation (`tool:get_weather`)."""
    named = set()
    for item in finding.get("evidence") or []:
        if item.get("address"):
            named.add(item["address"])
            named.add(item["address"].split("#", 1)[0])
        ref = item.get("ref") or {}
        if ref.get("component") and ref.get("name"):
            named.add(f"{ref['component']}:{ref['name']}")
    return named


def shows(finding: dict[str, Any], evidence: tuple[str, ...]) -> bool:
    """Whether the finding's evidence names every address of `evidence` (`a|b`: either)."""
    named = addresses(finding)
    return all(named & set(wanted.split("|")) for wanted in evidence)


def judge(case: Case, diagnosis: dict[str, Any]) -> Judged:
    judged = Judged(case, blames=list(diagnosis.get("blames") or []))
    for finding in diagnosis.get("findings") or []:
        if finding["kind"] == case.kind and shows(finding, case.evidence) and case.severity in (None,
                                                                                           finding["severity"]):
            judged.hits.append(finding)
        elif finding["kind"] == case.kind:
            judged.misplaced.append(finding)
        elif finding["kind"] != case.kind and finding["kind"] not in case.also and finding["severity"] != "info":
            judged.wrong.append(finding)
    if case.blame is not None:
        judge_blame(judged, case.blame)
    return judged


def judge_blame(judged: Judged, expected: Blamed) -> None:
    blame = judged.blames[0] if judged.blames else {}
    step = blame.get("step") or {}
    judged.blame_agent = None if expected.agent is None else blame.get("agent") == expected.agent
    judged.blame_step = None if expected.step is None else step.get("address") == expected.step
    judged.blame_finding = None if expected.finding is None else blame.get("finding") in expected.finding.split("|")


def summary(finding: dict[str, Any]) -> str:
    """One line naming a finding, for a failing assertion and the benchmark."""
    return f"{finding['kind']} ({finding['severity']}) {sorted(addresses(finding))}: {finding.get('title', '')}"
