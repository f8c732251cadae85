"""Browser tests: the report page in headless Chromium (Debian's `chromium` and `chromium-driver`), by selenium.

Fixtures:

* `browser` (session): one Chromium for the whole session, as a `Browser`. Every test that uses it starts
  on a fresh tab, and after the test the browser's log must hold no SEVERE entry and no warning (a test
  expecting one says so with `browser.allow_log("text")`)::

      def test_it_opens(browser, tmp_path):
          browser.open(tmp_path / "run.html")          # a file, or a URL; waits for body[data-ready="1"]
          browser.click("#tree .span-row[data-sid='0000000000000003']")
          assert "TimeoutError" in browser.text("#detail-error")

  Without chromium or chromedriver the tests are skipped, naming the Debian packages, unless
  NAMEL3SS_TEST_BROWSER=required (CI), where that is a failure.
* `example_trace(app, *args)` (session): the trace file of `examples/<app>.py`, recorded once per session by
  `namel3ss-debug trace` in a directory of its own holding a copy of the checkout's `.namel3ss/`.
* `make_report(*traces, out=None)`: `namel3ss-debug report TRACE [NEW] -o OUT` in a subprocess; returns OUT.
* `trace_events(trace)` (session): the events of a run, every segment read.
* `big_trace(path, spans)` (session): a synthetic run of exactly `spans` span rows (100,000 in seconds).
* `span_ids(trace)` (session): the span ids of the rows a trace holds (every event but the `*_end` ones and
  `segment_start`, a file marker).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
MISSING = ("headless Chromium is needed: install Debian's packages `chromium chromium-driver` "
           "(apt-get install chromium chromium-driver)")
WINDOW = (1280, 800)
_STOPPED_SERVER = re.compile(r"^http://127\.0\.0\.1:\d+/data\?since=\d+ - Failed to load resource: "
                             r"net::ERR_CONNECTION_REFUSED$")
ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic")


class Browser:
    """One Chromium, driven by selenium; `driver` is the WebDriver itself, for anything not wrapped here."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.allowed: list[str] = []

    # -- pages --------------------------------------------------------------------------------------------

    def fresh_tab(self) -> None:
        """A new tab, the old ones closed: no state of an earlier test stays (the log is emptied too)."""
        old = self.driver.window_handles
        self.driver.switch_to.new_window("tab")
        for handle in old:
            self.driver.switch_to.window(handle)
            self.driver.close()
        self.driver.switch_to.window(self.driver.window_handles[0])
        self.driver.set_window_size(*WINDOW)
        self.log()
        self.allowed = []

    def open(self, target: str | Path, *, ready: bool = True, timeout: float = 60.0) -> None:
        """Load a file (a Path) or a URL; with `ready`, wait until the page says it is (body[data-ready="1"])."""
        url = target.resolve().as_uri() if isinstance(target, Path) else target
        self.driver.get(url)
        if ready:
            self.wait_for("return document.body && document.body.dataset.ready", timeout=timeout,
                          message=f"{url} never became ready")
            assert self.js("return document.body.dataset.ready") == "1", "the page failed: " + self.text("body")[:500]

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def wait_for(self, script: str, *args: Any, timeout: float = 10.0, message: str = "") -> Any:
        """Poll `script` (JavaScript that returns a value) until it returns something truthy; return that."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(script, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(message or f"timed out after {timeout} s waiting for: {script}")
            time.sleep(0.03)

    def next_frame(self) -> None:
        """Wait until the page has painted the next frame (what a scroll or a click scheduled is drawn)."""
        self.driver.execute_async_script(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));")

    # -- acting as a user ----------------------------------------------------------------------------------

    def element(self, css: str) -> Any:
        from selenium.webdriver.common.by import By  # noqa: PLC0415 - optional: without it the tests skip

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def click(self, css: str) -> None:
        """A real click (the browser's own input events) on the element, scrolled into view first."""
        element = self.element(css)
        self.js("arguments[0].scrollIntoView({block: 'nearest'})", element)
        element.click()

    def type(self, css: str, text: str) -> None:
        self.element(css).send_keys(text)

    def choose(self, css: str, value: str) -> None:
        """Pick the option of a <select> by its value, as a click on it does (one `change` event). Not typed:
        a select's type-ahead forgets what was typed after a pause, which a loaded machine makes."""
        from selenium.webdriver.support.select import Select  # noqa: PLC0415 - optional, as above

        Select(self.element(css)).select_by_value(value)

    def keys(self, *keys: str) -> None:
        """Key presses sent to the element that has the focus."""
        from selenium.webdriver.common.action_chains import ActionChains  # noqa: PLC0415 - optional, as above

        chain = ActionChains(self.driver)
        for key in keys:
            chain.send_keys(key)
        chain.perform()

    def text(self, css: str) -> str:
        """The element's text as shown (`innerText`: what is rendered, not the markup)."""
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css) or ""

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        assert self.driver.save_screenshot(str(path)), f"no screenshot written to {path}"
        return path

    # -- the log -------------------------------------------------------------------------------------------

    def log(self) -> list[dict[str, Any]]:
        """The browser log entries since the last call (reading empties it)."""
        return list(self.driver.get_log("browser"))

    def allow_log(self, text: str) -> None:
        """Entries holding `text` are expected in this test: not problems."""
        self.allowed.append(text)

    def problems(self, entries: Iterable[dict[str, Any]] | None = None) -> list[str]:
        """The SEVERE and WARNING entries of the log (read now when not given) a test did not allow. A live
        page's poll refused once the test's `view` server has been stopped (fixtures stop it before this
        check, while the page still polls) is no problem of the page: it says "disconnected" and retries."""
        entries = self.log() if entries is None else entries
        return [f"{e['level']}: {e['message']}" for e in entries
                if e["level"] in ("SEVERE", "WARNING") and not any(text in e["message"] for text in self.allowed)
                and not _STOPPED_SERVER.search(e["message"])]


def _start_chromium() -> Any:
    from selenium import webdriver  # noqa: PLC0415 - optional: without it the tests skip
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415 - as above

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (*ARGS, f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture(scope="session")
def browser() -> Iterable[Browser]:
    """One headless Chromium for the session (see the module docstring)."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()) or not _has_selenium():
        if os.environ.get("NAMEL3SS_TEST_BROWSER") == "required":
            pytest.fail(MISSING + " (NAMEL3SS_TEST_BROWSER=required)", pytrace=False)
        pytest.skip(MISSING)
    driver = _start_chromium()
    try:
        yield Browser(driver)
    finally:
        driver.quit()


def _has_selenium() -> bool:
    try:
        import selenium  # noqa: F401, PLC0415 - optional: only whether it imports
    except ImportError:
        return False
    return True


@pytest.fixture(autouse=True)
def _fresh_page(request: pytest.FixtureRequest) -> Iterable[None]:
    """Tests using `browser` start on a fresh tab and end with a clean browser log."""
    if "browser" not in request.fixturenames:
        yield
        return
    chromium: Browser = request.getfixturevalue("browser")
    chromium.fresh_tab()
    yield
    problems = chromium.problems()
    assert not problems, "the browser logged:\n" + "\n".join(problems)


# -- traces and reports --------------------------------------------------------------------------------------

def _environ() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}


def cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`namel3ss-debug ARGS` as a subprocess of this Python; it must succeed."""
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=cwd, env=_environ(),
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, (f"namel3ss-debug {' '.join(args)} exited {done.returncode}:\n"
                                  f"{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="session")
def example_trace(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`example_trace("research_agent", *args)`: the run's first segment file, recorded once per session."""
    cache: dict[tuple[str, ...], Path] = {}

    def get(app: str, *args: str) -> Path:
        key = (app, *args)
        if key not in cache:
            if app == "openai_app":
                pytest.importorskip("openai")
            workdir = tmp_path_factory.mktemp(app)
            shutil.copytree(REPO / ".namel3ss", workdir / ".namel3ss")
            cli("trace", "-o", str(workdir / "traces"), str(REPO / "examples" / f"{app}.py"), *args,
                cwd=workdir, timeout=120)
            segments = sorted((workdir / "traces").glob("*.jsonl"))
            assert segments, f"no trace written for {app}"
            cache[key] = segments[0]
        return cache[key]

    return get


@pytest.fixture(scope="session")
def make_report(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`make_report(trace)` or `make_report(base, new)`: the page `namel3ss-debug report` writes."""
    def build(*traces: Path, out: Path | None = None) -> Path:
        out = out or tmp_path_factory.mktemp("report") / "report.html"
        cli("report", *map(str, traces), "-o", str(out), "--no-progress", cwd=out.parent)
        assert out.exists(), f"report wrote no {out}"
        return out

    return build


@pytest.fixture(scope="session")
def trace_events() -> Callable[[Path], list[dict[str, Any]]]:
    """`trace_events(trace)`: the events of the run, from every segment beside `trace`."""
    return run_events


@pytest.fixture(scope="session")
def span_ids() -> Callable[[Path], set[str]]:
    """`span_ids(trace)`: the span rows of a trace as the report's data document defines them (every event
    of the run but the `*_end` ones and the file markers, `segment_start`: start events and instant events),
    by span id."""
    def rows(trace: Path) -> set[str]:
        return {e["span_id"] for e in run_events(trace)
                if not e["event_type"].endswith("_end") and e["event_type"] != "segment_start"}

    return rows


def run_events(trace: Path) -> list[dict[str, Any]]:
    """The events of a run: every segment of it beside `trace` (its files share the run id's name)."""
    run_id = trace.name.split(".")[0]
    events = []
    for segment in sorted(trace.parent.glob(f"{run_id}.*.jsonl")):
        events += [json.loads(line) for line in segment.read_text(encoding="utf-8").splitlines() if line.strip()]
    return events


@pytest.fixture(scope="session")
def big_trace() -> Callable[[Path, int], Path]:
    """`big_trace(path, spans)`: a synthetic run of exactly `spans` span rows written to `path`."""
    return write_big_trace


def write_big_trace(path: Path, spans: int) -> Path:
    """A run of exactly `spans` span rows: requests of an agent span, a memory read and two turns of an LLM
    call and a tool call (one in 100 fails), on four threads; small payloads, written line by line."""
    lines: list[bytes] = []
    state = {"clock": 1_795_435_200_000_000, "ids": 1, "rows": 0}
    run_id = "20261123-120000-b16b16"

    def emit(event_type: str, component: str, name: str, span: str, parent: str | None, status: str,
             **fields: Any) -> None:
        second, micro = divmod(state["clock"], 1_000_000)
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)) + f".{micro:06d}Z"
        lines.append(orjson.dumps({"v": 1, "run_id": run_id, "seq": len(lines), "ts": ts, "event_type": event_type,
                                   "component": component, "name": name, "span_id": span, "parent_id": parent,
                                   "status": status, **fields}))
        state["rows"] += not event_type.endswith("_end")

    def new_id() -> str:
        state["ids"] += 1
        return f"{state['ids']:016x}"

    def span(kind: str, component: str, name: str, parent: str, thread: str, ms: float,
             children: Callable | None = None, **end: Any) -> None:
        sid, started = new_id(), state["clock"]
        emit(f"{kind}_start", component, name, sid, parent, "started", thread=thread, inputs={"row": state["rows"]})
        if children:
            children(sid)
        state["clock"] += int(ms * 1000)
        emit(f"{kind}_end", component, name, sid, parent, "failed" if "error" in end else "completed",
             duration_ms=(state["clock"] - started) / 1000, **end)

    def request(number: int) -> None:
        thread = f"worker-{number % 4}"

        def turns(agent: str) -> None:
            emit("memory_operation", "memory", "read", new_id(), agent, "completed", thread=thread)
            for turn in range(2):
                failed = number % 50 == 0 and turn == 1
                end = ({"error": {"type": "TimeoutError", "message": "lookup timed out", "category": "timeout"}}
                       if failed else {"outputs": {"rows": number}})
                span("agent_turn", "agent", "helper", agent, thread, 0.1, lambda t, end=end: (
                    span("llm_call", "llm", "answer", t, thread, 3.0, model="gpt-4o-mini",
                         outputs={"text": f"answer {number}"},
                         usage={"input_tokens": 40, "output_tokens": 10, "total_tokens": 50}),
                    span("tool_call", "tool", "lookup", t, thread, 1.0, **end)))

        span("agent_execution", "agent", "helper", "0000000000000001", thread, 0.2, turns)

    emit("run_start", "app", "big_app.py", "0000000000000001", None, "started",
         attrs={"entry": {"kind": "script", "name": "big_app.py"}})
    number = 0
    while state["rows"] + 8 <= spans:  # a request adds 8 rows
        request(number)
        number += 1
    while state["rows"] < spans:
        emit("performance_marker", "custom", "tick", new_id(), "0000000000000001", "completed", thread="worker-0")
    state["clock"] += 1000
    emit("run_end", "app", "big_app.py", "0000000000000001", None, "completed",
         duration_ms=(state["clock"] - 1_795_435_200_000_000) / 1000)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path
