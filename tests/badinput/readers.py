"""Every command (and the modes that read differently) as it reads one trace the corpus damaged.

A reader turns the case's paths into the command to run: `Spec(argv, stdin, driver)`. Together they
read a trace through every command of the CLI: analyze (three formats, --strict, a directory with --all), runs
(its table, and its trend as JSON), diagnose (three formats, --expect, --strict, a directory with --all),
inspect (list, tree, timeline, one event, JSON Lines, --grep, causality, journey), replay (a console script from
a file and from standard input), check (every kind of rule, --fail-on-finding, JUnit, GitHub annotations), diff
(damaged as either side), report (one run, two compared), view (served, fetched, Ctrl-C), export (OTLP over
HTTP and gRPC to a receiver on 127.0.0.1, OTLP/JSON and Perfetto files), redact (in place and --dry-run) and
clean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from drivers import free_port, page_driver
from harness import Gate


@dataclass(frozen=True)
class Paths:
    """Where a case's files are: the damaged trace (inside `traces/`), a good run, the case directory."""

    trace: Path
    good: Path
    directory: Path
    receivers: dict[str, str] = field(default_factory=dict)


@dataclass
class Spec:
    argv: list[str]
    stdin: str | bytes | None = None
    driver: Callable[[Gate], list[str]] | None = None


# The replay console's commands, each of pdb's verbs and ours: what a script would do with a broken run.
CONSOLE = ("s\nn\nstep\nb errors\nb llm if duration_ms > 5\nc\nback\nback 3\np event\npp event.inputs\nwhere\n"
           "list\nll\ninfo\ninfo breakpoints\nstats\ngoto 3\ngoto -1\nfinish\nuntil\ntbreak tool\ncontinue\n"
           "display name\nundisplay\nmock llm:plan#1={\"text\": \"x\"}\nhelp\nq\n")


def _view(p: Paths) -> Spec:
    port = free_port()
    return Spec(["view", "--no-browser", "--port", str(port), str(p.trace)], driver=page_driver(port))


def _replay_file(p: Paths) -> Spec:
    script = p.directory / "commands.txt"
    script.write_text(CONSOLE)
    return Spec(["replay", "--no-pager", "--commands", str(script), str(p.trace)])


READERS: dict[str, Callable[[Paths], Spec]] = {
    "analyze": lambda p: Spec(["analyze", "--no-cache", "--no-pager", str(p.trace)]),
    "analyze-json": lambda p: Spec(["analyze", "--format", "json", str(p.trace)]),
    "analyze-markdown-strict": lambda p: Spec(["analyze", "--format", "markdown", "--strict", str(p.trace)]),
    "analyze-dir": lambda p: Spec(["analyze", "--all", "--no-pager", str(p.trace.parent)]),
    "diagnose": lambda p: Spec(["diagnose", "--no-pager", "--expect", "contains:x", str(p.trace)]),
    "diagnose-json-strict": lambda p: Spec(["diagnose", "--format", "json", "--strict", "--min-severity", "warning",
                                            str(p.trace)]),
    "diagnose-markdown-dir": lambda p: Spec(["diagnose", "--format", "markdown", "--all", str(p.trace.parent)]),
    "runs": lambda p: Spec(["runs", "--no-pager", str(p.trace.parent)]),
    "runs-trend-json": lambda p: Spec(["runs", "--format", "json", "--trend", "--whole-only", str(p.trace.parent)]),
    "check-findings": lambda p: Spec(["check", "--fail-on-finding", "any:info", str(p.trace)]),
    "inspect": lambda p: Spec(["inspect", "--no-pager", "--full", str(p.trace)]),
    "inspect-tree": lambda p: Spec(["inspect", "--no-pager", "--tree", str(p.trace)]),
    "inspect-timeline": lambda p: Spec(["inspect", "--no-pager", "--timeline", str(p.trace)]),
    "inspect-event": lambda p: Spec(["inspect", "--no-pager", "--event", "3", str(p.trace)]),
    "inspect-jsonl": lambda p: Spec(["inspect", "--format", "jsonl", "--errors-only", str(p.trace)]),
    "inspect-json-grep": lambda p: Spec(["inspect", "--format", "json", "--grep", "a", str(p.trace)]),
    "inspect-causality": lambda p: Spec(["inspect", "--no-pager", "--causality", "5", str(p.trace)]),
    "inspect-journey": lambda p: Spec(["inspect", "--no-pager", "--journey", "planner", str(p.trace)]),
    "replay-file": _replay_file,
    "replay-json-stdin": lambda p: Spec(["replay", "--format", "json", "--commands", "-", str(p.trace)],
                                        stdin=CONSOLE),
    "check": lambda p: Spec(["check", "--max-errors", "0", "--max-p95", "llm=1s", "--max-latency", "tool=1s",
                             "--require", "tool:search>=1", "--require-order", "llm,tool", "--forbid",
                             "error:auth", "--forbid-secrets", "--clean-integrity", "--max-component-errors",
                             "tool=0", "--max-category-errors", "timeout=0", "--max-duration", "1m",
                             "--junit", str(p.directory / "junit.xml"), str(p.trace)]),
    "check-json": lambda p: Spec(["check", "--format", "json", "--max-cost", "0.01", "--max-tokens", "10",
                                  "--max-llm-calls", "1", "--max-tool-calls", "1", str(p.trace)]),
    "check-github": lambda p: Spec(["check", "--format", "github", "--max-p99", "llm=2s", str(p.trace)]),
    "diff-base": lambda p: Spec(["diff", "--no-cache", str(p.trace), str(p.good)]),
    "diff-new-markdown": lambda p: Spec(["diff", "--format", "markdown", str(p.good), str(p.trace)]),
    "diff-json-self": lambda p: Spec(["diff", "--format", "json", "--fail-on", "cost>+10%", "--fail-on",
                                      "p95(llm)>+20%", str(p.trace), str(p.trace)]),
    "report": lambda p: Spec(["report", "-o", str(p.directory / "out.html"), str(p.trace)]),
    "report-compare": lambda p: Spec(["report", "--max-text", "50", "-o", str(p.directory / "cmp.html"),
                                      str(p.good), str(p.trace)]),
    "view": _view,
    "export-otlp-http": lambda p: Spec(["export", "--to", "otlp", "--endpoint", p.receivers["http"], "--timeout",
                                        "5", str(p.trace)]),
    "export-otlp-grpc": lambda p: Spec(["export", "--to", "otlp", "--protocol", "grpc", "--endpoint",
                                        p.receivers["grpc"], "--timeout", "5", str(p.trace)]),
    "export-otlp-json": lambda p: Spec(["export", "--to", "otlp-json", str(p.trace), "-"]),
    "export-perfetto": lambda p: Spec(["export", "--to", "perfetto", str(p.trace), str(p.directory / "p.json")]),
    "export-parquet": lambda p: Spec(["export", "--to", "parquet", str(p.trace), str(p.directory / "tables")]),
    "redact": lambda p: Spec(["redact", str(p.trace)]),
    "redact-dry-run": lambda p: Spec(["redact", "--dry-run", "--all", str(p.trace.parent)]),
    "clean": lambda p: Spec(["clean", "--days", "0.000001", "-o", str(p.trace.parent)]),
}
