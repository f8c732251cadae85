"""The list of 10,000 runs as a user meets it (issue 80): `view DIR`'s first page in a browser, and the `runs` table,
each against the target of at most 1 s.

    python bench/runs_page.py                       # 10,000 runs in a temporary directory, 5 rounds: a few minutes
    python bench/runs_page.py --runs 1000 --repeats 3
    python bench/runs_page.py --dir /dev/shm/runs   # the runs written there and kept (written only when it has none)
    python bench/runs_page.py --json                # JSON only on stdout

The runs are bench/runs_index.py's (tests/runs/generate.py, seed 66); their index is made once before anything is
timed, as a user's first `runs` or `view` made it.

Timed, taking turns (A B C, B C A, ...), each the median of `--repeats`:
- `view DIR`'s first page: the real command (`view DIR --no-browser`, on 127.0.0.1) serving headless Chromium
  (Debian's `chromium` + `chromium-driver`, driven by selenium), a fresh tab each time: from navigation start to
  the page's `window.N3_READY_MS` (the rows, the filters and the chart drawn). The page's bytes beside it.
- the alternative, `runs DIR` as a table (`COLUMNS=200 ... --no-pager`, its output to a file): a whole command,
  interpreter start included, as a user runs it; and `runs DIR --format jsonl`.
The target of each is at most 1 s, printed with PASS or MISS. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from read_speed import CLI, byte_compile  # noqa: E402 - the shared runner, beside this file
from report_open import fresh_tab, start_browser, wait  # noqa: E402 - as above
from runs_index import the_runs  # noqa: E402 - as above

from namel3ss_debug.ops.environment import Environment  # noqa: E402 - after the bench's own modules
from namel3ss_debug.ops.runs.catalogue import CatalogueRequest, open_catalogue  # noqa: E402 - as above

FLOOR_S = 1.0
PAGE = "view DIR: first page ready"
TABLE = "runs DIR (table)"
JSONL = "runs DIR --format jsonl"


def serve(directory: Path) -> tuple[subprocess.Popen[str], str]:
    """`view DIR` started as a user starts it, and the URL it printed."""
    process = subprocess.Popen([*CLI, "view", str(directory), "--no-browser", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if found:
            return process, found.group()
    raise SystemExit(f"view DIR printed no URL (exit {process.wait()})")


def page_ready(driver: Any, url: str) -> float:
    """Seconds from navigation start to the list page's first readiness, in a fresh tab."""
    fresh_tab(driver)
    driver.get(url)
    ready = "return document.body && document.body.dataset.ready === '1' && window.N3_READY_MS"
    return float(wait(driver, ready)) / 1000


def command(argv: list[str], scratch: Path) -> float:
    began = time.perf_counter()
    with open(scratch / "out.txt", "wb") as out:
        code = subprocess.run(argv, stdout=out, stderr=subprocess.DEVNULL,
                              env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}).returncode
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {code}")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000, help="runs to generate (default 10,000)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dir", type=Path, help="write the runs here and keep them (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="only JSON on stdout")
    args = parser.parse_args()
    directory_given = args.dir.resolve() if args.dir is not None else None
    with tempfile.TemporaryDirectory(prefix="runs-page-") as scratch_name:
        scratch = Path(scratch_name)
        os.environ["XDG_CACHE_HOME"] = str(scratch / "cache")
        os.chdir(scratch)
        byte_compile()
        directory = directory_given or scratch / "runs"
        count = the_runs(directory, args.runs)
        open_catalogue(CatalogueRequest(directory=str(directory)), Environment.current()).index.close()
        process, url = serve(directory)
        driver = start_browser()
        try:
            sizes = {path: len(urllib.request.urlopen(url + path.lstrip("/")).read()) for path in ("/", "/runs.json")}
            steps = {PAGE: lambda: page_ready(driver, url),
                     TABLE: lambda: command([*CLI, "runs", str(directory), "--no-pager"], scratch),
                     JSONL: lambda: command([*CLI, "runs", str(directory), "--format", "jsonl"], scratch)}
            names = list(steps)
            for name in names:
                steps[name]()  # not counted: the browser's first start, the commands' first byte-compiled import
            seconds: dict[str, list[float]] = {name: [] for name in names}
            for number in range(args.repeats):
                print(f"round {number + 1} of {args.repeats}", file=sys.stderr)
                for name in names[number % len(names):] + names[:number % len(names)]:
                    seconds[name].append(steps[name]())
        finally:
            driver.quit()
            process.terminate()
            process.wait()
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    targets = [(f"{PAGE} at {count:,} runs <= {FLOOR_S:.0f} s", medians[PAGE] <= FLOOR_S),
               (f"{TABLE} at {count:,} runs <= {FLOOR_S:.0f} s", medians[TABLE] <= FLOOR_S)]
    if args.json:
        print(json.dumps({"runs": count, "seconds": seconds, "bytes": sizes,
                          "targets": [{"target": text, "pass": ok} for text, ok in targets]}))
        return
    print(f"{count:,} runs; {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores; "
          f"median of {args.repeats} (min-max)")
    for name, values in seconds.items():
        ratio = medians[name] / medians[TABLE]
        print(f"  {name:<32} {medians[name] * 1000:>8.0f} ms  ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"
              f"  {ratio:.2f}x the table")
    print(f"  the page's bytes: / {sizes['/'] / 1e6:.2f} MB, /runs.json {sizes['/runs.json'] / 1e6:.2f} MB")
    for text, ok in targets:
        print(f"  {'PASS' if ok else 'MISS'}  {text}")


if __name__ == "__main__":
    main()
