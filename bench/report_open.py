"""How fast a big `namel3ss-debug report` opens in a browser: 10,000 and 100,000 spans.

    python bench/report_open.py                     # 10,000 and 100,000 spans, 3 opens each (about two minutes)
    python bench/report_open.py --spans 100000 --repeats 5
    python bench/report_open.py --dir /tmp/reports --keep --json     # keep the files; JSON only on stdout

For each size, one run:

* the trace: an agent app serving requests (written here, exactly SPANS span rows: start events plus
  instant events), each request an `agent_execution` span with a memory read, then 1-4 `agent_turn`
  spans of an `llm_call` (a chat of a system prompt and a user question in, an answer with usage, model
  and cost out), a `tool_call` (2% fail, with an `error` and stack, plus an `error_occurred` event) and a
  memory write; requests rotate over four threads. Payloads are a few hundred bytes an event.
* `namel3ss-debug report TRACE -o FILE`, the real command in a subprocess: wall time and the file's size.
* headless Chromium (Debian's `chromium` + `chromium-driver`, driven by selenium) opens the file
  `--repeats` times, each in a fresh tab: the time from navigation start to `window.N3_READY_MS` (the page
  says it is ready once the tree and the timeline are first painted), then a real click on a span row
  and the time until its details show, payloads included (its details chunk read: base64, gunzip by the
  browser's DecompressionStream, JSON.parse), then the first search through every span's payloads (every
  chunk read). The median is shown, min-max beside it.
* the alternative, in the same browser and the same run: a plain HTML page of the same size (the same
  bytes of text in a <pre>, no script), from navigation start to its load event. The ratio says what the
  report costs over just loading that many bytes.

Target: the 100,000-span report ready in 3 s or less (PASS/MISS). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

SCHEMA = "namel3ss-debug/bench-report-open/1"
ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 3.0  # the 100,000-span report ready within this, from navigation start
RUN_ID = "20261123-120000-b16b16"
START_US = 1_795_435_200_000_000  # 2026-11-23T12:00:00Z in microseconds since the epoch
AGENTS = ("support_agent", "billing_agent", "research_agent")
MODELS = (("gpt-4o-mini", 0.15, 0.6), ("gpt-4o", 2.5, 10.0), ("claude-3-5-sonnet", 3.0, 15.0))
TOOLS = ("search_docs", "lookup_order", "run_sql", "send_email")
THREADS = tuple(f"ThreadPoolExecutor-0_{i}" for i in range(4))
WORDS = ("the customer order refund invoice account agent tool call model answer question shipping delay policy "
         "warranty product price discount error retry database query result summary context memory user support "
         "ticket escalate priority status update billing address payment plan cancel renew réponse naïve ✓").split()


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the trace ------------------------------------------------------------------------------------------

class SyntheticRun:
    """Writes one run's events in order, counting span rows, on a simulated clock."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lines: list[bytes] = []
        self.seq = 0
        self.ids = 2
        self.now_us = START_US
        self.rows = 0

    def text(self, low: int, high: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(low, high)))

    def ts(self) -> str:
        second, micro = divmod(self.now_us, 1_000_000)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)) + f".{micro:06d}Z"

    def advance(self, ms: float) -> None:
        self.now_us += max(1, int(ms * 1000))

    def emit(self, event_type: str, component: str, name: str, span: str, parent: str | None, status: str,
             **fields: Any) -> None:
        event = {"v": 1, "run_id": RUN_ID, "seq": self.seq, "ts": self.ts(), "event_type": event_type,
                 "component": component, "name": name, "span_id": span, "parent_id": parent, "status": status}
        event.update({key: value for key, value in fields.items() if value is not None})
        self.lines.append(orjson.dumps(event) + b"\n")
        self.seq += 1
        if not event_type.endswith("_end") and event_type != "segment_start":
            self.rows += 1

    def new_id(self) -> str:
        self.ids += 1
        return f"{self.ids:016x}"

    def span(self, prefix: str, component: str, name: str, parent: str, thread: str, body: Any = None,
             inputs: Any = None, **end_fields: Any) -> str:
        """A start event, `body(span_id)` for the children, then the end event after `took_ms`."""
        span, started = self.new_id(), self.now_us
        self.emit(f"{prefix}_start", component, name, span, parent, "started", inputs=inputs, thread=thread)
        if body:
            body(span)
        self.advance(end_fields.pop("took_ms", 0.1))
        status = "failed" if "error" in end_fields else "completed"
        self.emit(f"{prefix}_end", component, name, span, parent, status,
                  duration_ms=round((self.now_us - started) / 1000, 3), **end_fields)
        return span

    def instant(self, event_type: str, component: str, name: str, parent: str, thread: str, **fields: Any) -> None:
        self.emit(event_type, component, name, self.new_id(), parent, "completed", thread=thread, **fields)
        self.advance(0.05)


def _turn(run: SyntheticRun, agent: str, turn: str, thread: str, question: str) -> None:
    rng = run.rng
    model, price_in, price_out = rng.choice(MODELS)
    tokens_in, tokens_out = rng.randint(200, 1800), rng.randint(20, 400)
    run.span("llm_call", "llm", "answer_user", turn, thread, model=model,
             inputs={"model": model,
                     "messages": [{"role": "system", "content": f"You are {agent}. " + run.text(15, 30)},
                                  {"role": "user", "content": question}]},
             took_ms=rng.lognormvariate(5.5, 0.7),
             outputs={"text": run.text(20, 60), "finish_reason": "stop"},
             usage={"input_tokens": tokens_in, "output_tokens": tokens_out, "total_tokens": tokens_in + tokens_out},
             cost_usd=round((tokens_in * price_in + tokens_out * price_out) / 1e6, 8))
    tool = rng.choice(TOOLS)
    failed = rng.random() < 0.02
    end: dict[str, Any] = {"took_ms": rng.lognormvariate(3.5, 1.0)}
    if failed:
        end["error"] = {"type": "TimeoutError", "message": f"{tool} timed out after 10.0 s", "category": "timeout",
                        "stack": f'Traceback (most recent call last):\n  File "tools/{tool}.py", line 42, in call\n'
                                 f"TimeoutError: {tool} timed out after 10.0 s"}
    else:
        end["outputs"] = {"return": {"items": [run.text(4, 12) for _ in range(2)], "source": tool}}
    run.span("tool_call", "tool", tool, turn, thread, inputs={"query": run.text(3, 10), "limit": 5}, **end)
    if failed:
        run.instant("error_occurred", "tool", tool, turn, thread,
                    error={"type": "TimeoutError", "message": f"{tool} timed out after 10.0 s", "category": "timeout"})
    run.instant("memory_operation", "memory", "write", turn, thread, inputs={"key": "notes", "value": run.text(5, 15)})


def _request(run: SyntheticRun, number: int) -> None:
    rng = run.rng
    agent, thread = rng.choice(AGENTS), THREADS[number % len(THREADS)]
    question = run.text(8, 25) + "?"

    def body(span: str) -> None:
        run.instant("memory_operation", "memory", "read", span, thread, inputs={"key": f"conversation:{number}"})
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
            run.span("agent_turn", "agent", agent, span, thread,
                     body=lambda turn: _turn(run, agent, turn, thread, question), took_ms=0.2)

    run.advance(rng.lognormvariate(2.0, 1.0))
    run.span("agent_execution", "agent", agent, "0000000000000001", thread, body=body,
             inputs={"request_id": f"req-{number:07d}", "question": question}, took_ms=0.3)


def write_trace(path: Path, spans: int, seed: int = 7) -> int:
    """A one-segment trace of exactly `spans` span rows (the run, its spans and its instant events)."""
    run = SyntheticRun(random.Random(seed))
    run.emit("segment_start", "app", f"{RUN_ID}.0000.jsonl", "0000000000000002", "0000000000000001", "completed",
             attrs={"run_started": run.ts(), "entry": {"kind": "script", "name": "support_bot.py"}, "segment": 0,
                    "first_seq": 0, "previous_segment": None})
    run.emit("run_start", "app", "support_bot.py", "0000000000000001", None, "started",
             attrs={"entry": {"kind": "script", "name": "support_bot.py"}, "argv": ["support_bot.py"]})
    number = 0
    while run.rows < spans - 25:  # a request adds at most 22 rows
        _request(run, number)
        number += 1
    while run.rows < spans:
        run.instant("performance_marker", "custom", "idle", "0000000000000001", THREADS[0], attrs={"n": run.rows})
    run.advance(1)
    run.emit("run_end", "app", "support_bot.py", "0000000000000001", None, "completed",
             duration_ms=round((run.now_us - START_US) / 1000, 3), attrs={"exit_code": 0})
    path.write_bytes(b"".join(run.lines))
    return run.rows


# -- building the report ------------------------------------------------------------------------------------

def build_report(trace: Path, out: Path) -> dict[str, Any]:
    """`namel3ss-debug report TRACE -o OUT`, the real command in a subprocess: wall time and the file's size."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    command = [sys.executable, "-m", "namel3ss_debug", "report", str(trace), "-o", str(out), "--no-progress"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=out.parent, env=environ, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"namel3ss-debug report failed (exit {done.returncode}):\n{done.stderr}")
    return {"report_s": round(wall, 2), "report_bytes": out.stat().st_size}


def plain_page(report: Path, out: Path) -> Path:
    """The report's data in a page with no script to run, padded to the report's size: what loading (and
    parsing) that many bytes of HTML costs the browser, the floor under any one-file report."""
    text = report.read_text(encoding="utf-8")
    start = text.index('<script type="application/json" id="n3-data">')
    end = text.index("</script>", start) + len("</script>")
    page = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>plain</title></head><body>'
            "<p>A plain page of the report's size.</p>" + text[start:end] + "</body></html>")
    padding = len(text.encode("utf-8")) - len(page.encode("utf-8")) - len("<!---->")
    out.write_text(page + "<!--" + " " * max(0, padding) + "-->", encoding="utf-8")
    return out


# -- the browser ----------------------------------------------------------------------------------------------

def start_browser() -> Any:
    try:
        from selenium import webdriver  # noqa: PLC0415 - optional: a clear message when it is missing
        from selenium.webdriver.chrome.service import Service  # noqa: PLC0415 - as above
    except ImportError:
        raise SystemExit("selenium is needed: pip install selenium") from None
    if not (Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists()):
        raise SystemExit("headless Chromium is needed: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--window-size=1280,800"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def fresh_tab(driver: Any) -> None:
    old = driver.window_handles
    driver.switch_to.new_window("tab")
    for handle in old:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(driver.window_handles[0])


def wait(driver: Any, script: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.01)
    raise SystemExit(f"timed out waiting for: {script}")


# Recorded in the page: when the mouse went down on the row, and when its details, payloads included, were in
# the panel (the panel says it is still reading them with data-pending).
WATCH_DETAILS = """
window.__bench = {};
document.addEventListener('mousedown', () => { window.__bench.down = performance.now(); }, {capture: true, once: true});
const box = document.getElementById('details');
new MutationObserver((_, observer) => {
  if (box.querySelector('.detail-name') && !box.dataset.pending) {
    window.__bench.shown = performance.now(); observer.disconnect();
  }
}).observe(box, {childList: true, subtree: true, attributes: true});
"""

# The first search through the payloads: ms to read every chunk and build the text the search looks through.
FIRST_SEARCH = """
const done = arguments[0], started = performance.now();
N3.view().model.buildPayload().then(() => done(performance.now() - started));
"""

# Paint the whole-run timeline and a zoomed one a few times: the median ms of one frame's drawing.
PAINT_COST = """
const tl = N3.timeline, view = N3.view(), times = (n) => { const out = [];
  for (let k = 0; k < n; k++) { const t = performance.now(); tl.paint(); out.push(performance.now() - t); }
  return out.sort((a, b) => a - b)[n >> 1]; };
tl.fit(view); const whole = times(9);
const mid = view.model.tEnd / 2, span = view.model.tEnd / 1000; tl.setWindow(view, mid - span, mid + span);
const zoomed = times(9); tl.fit(view); tl.paint();
return [whole, zoomed];
"""


def open_report(driver: Any, report: Path) -> dict[str, float]:
    """Open the report in a fresh tab: ms to ready, then a real click on a row and ms to its details; then
    the cost of drawing the timeline, whole and zoomed in (the median of 9 paints each), and the first search
    through the payloads."""
    from selenium.webdriver.common.by import By  # noqa: PLC0415 - optional, checked by start_browser

    fresh_tab(driver)
    driver.get(report.resolve().as_uri())
    ready = wait(driver, "return document.body && document.body.dataset.ready === '1' && window.N3_READY_MS")
    driver.execute_script(WATCH_DETAILS)
    driver.find_element(By.CSS_SELECTOR, "#tree .span-row[data-row='3'] .name").click()
    bench = wait(driver, "return window.__bench.shown && window.__bench")
    whole, zoomed = driver.execute_script(PAINT_COST)
    driver.set_script_timeout(120)
    search = driver.execute_async_script(FIRST_SEARCH)
    return {"ready_ms": ready, "click_to_details_ms": bench["shown"] - bench["down"],
            "details_shown_ms": bench["shown"], "paint_whole_ms": whole, "paint_zoomed_ms": zoomed,
            "first_search_ms": search}


def open_plain(driver: Any, page: Path) -> float:
    """Open the plain page in a fresh tab: ms from navigation start to the end of its load event."""
    fresh_tab(driver)
    driver.get(page.resolve().as_uri())
    return wait(driver, "const n = performance.getEntriesByType('navigation')[0];"
                        "return document.readyState === 'complete' && n && n.loadEventEnd")


# -- the measure ----------------------------------------------------------------------------------------------

def measure_size(driver: Any, directory: Path, spans: int, repeats: int) -> dict[str, Any]:
    trace = directory / f"{RUN_ID}.0000.jsonl"
    for stale in directory.glob(f"{RUN_ID}.*"):
        stale.unlink()
    progress(f"{spans:,} spans: writing the trace")
    rows = write_trace(trace, spans)
    assert rows == spans, f"the trace has {rows} span rows, not {spans}"
    progress(f"{spans:,} spans: namel3ss-debug report")
    report = directory / f"report-{spans}.html"
    figures: dict[str, Any] = {"spans": spans, "trace_bytes": trace.stat().st_size, **build_report(trace, report)}
    plain = plain_page(report, directory / f"plain-{spans}.html")
    opens: list[dict[str, float]] = []
    plains: list[float] = []
    for repeat in range(repeats):
        progress(f"{spans:,} spans: opening, {repeat + 1} of {repeats}")
        order = (("report", "plain") if repeat % 2 == 0 else ("plain", "report"))
        for which in order:
            if which == "report":
                opens.append(open_report(driver, report))
            else:
                plains.append(open_plain(driver, plain))
    for key in ("ready_ms", "click_to_details_ms", "details_shown_ms", "paint_whole_ms", "paint_zoomed_ms",
                "first_search_ms"):
        values = [o[key] for o in opens]
        figures[key] = {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}
    figures["plain_ms"] = {"median": statistics.median(plains), "min": min(plains), "max": max(plains), "runs": plains}
    figures["ready_over_plain"] = figures["ready_ms"]["median"] / figures["plain_ms"]["median"]
    return figures


def render(result: dict[str, Any]) -> str:
    def spread(f: dict[str, Any]) -> str:
        return f"{f['median']:,.0f} ({f['min']:,.0f}-{f['max']:,.0f})"

    lines = [(f"report open: headless Chromium {result['browser']}, Python {result['python']}, {result['cpus']} CPUs, "
              f"load {result['loadavg']}; median of {result['repeats']} opens (min-max)"), "",
             (f"{'spans':>8} {'trace MB':>9} {'report s':>9} {'page MB':>8} {'ready ms':>20} {'click->details ms':>18} "
              f"{'plain page ms':>18} {'ready/plain':>12} {'paint ms (whole/zoomed)':>24} {'first search ms':>16}")]
    for f in result["sizes"]:
        lines.append(f"{f['spans']:>8,} {f['trace_bytes'] / 1e6:>9.1f} {f['report_s']:>9.2f} "
                     f"{f['report_bytes'] / 1e6:>8.1f} "
                     f"{spread(f['ready_ms']):>20} {spread(f['click_to_details_ms']):>18} {spread(f['plain_ms']):>18} "
                     f"{f['ready_over_plain']:>12.2f} {f['paint_whole_ms']['median']:>13.1f} / "
                     f"{f['paint_zoomed_ms']['median']:<8.1f} "
                     f"{f['first_search_ms']['median']:>16,.0f}")
    lines.append("")
    for t in result["targets"]:
        lines.append(f"{t['spans']:,} spans ready in {t['ready_s']:.2f} s from navigation start (details shown "
                     f"{t['details_s']:.2f} s): {'PASS' if t['passed'] else 'MISS'} (target <= {TARGET_S:g} s)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, nargs="+", default=[10_000, 100_000], help="sizes (default 10000 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="opens of each page (default 3)")
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the files in --dir")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    args = parser.parse_args(argv)
    if args.keep and args.dir is None:
        parser.error("--keep needs --dir")
    if args.repeats < 1 or min(args.spans) < 30:
        parser.error("--repeats must be >= 1 and every --spans >= 30")
    driver = start_browser()
    scratch = tempfile.mkdtemp(prefix="n3d-report-", dir=args.dir)
    try:
        sizes = [measure_size(driver, Path(scratch), spans, args.repeats) for spans in args.spans]
        browser = driver.capabilities.get("browserVersion", "?")
    finally:
        driver.quit()
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    targets = [{"spans": f["spans"], "ready_s": f["ready_ms"]["median"] / 1000,
                "details_s": f["details_shown_ms"]["median"] / 1000,
                "passed": f["ready_ms"]["median"] / 1000 <= TARGET_S} for f in sizes if f["spans"] >= 100_000]
    result = {"schema": SCHEMA, "browser": browser, "python": platform.python_version(),
              "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
              "loadavg": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
              "repeats": args.repeats, "kept": scratch if args.keep else None, "sizes": sizes, "targets": targets}
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0 if all(t["passed"] for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
