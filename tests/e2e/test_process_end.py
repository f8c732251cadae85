"""Under `namel3ss-debug trace`, what an app does after its main module ends is traced too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import orjson

APP = textwrap.dedent("""
    import atexit, threading, time
    from namel3ss_debug import trace_tool_call, mark
    from concurrent.futures import ThreadPoolExecutor

    @trace_tool_call
    def work(i):
        time.sleep(0.01)
        return i

    def background():
        for i in range(5):
            work(i)

    threading.Thread(target=background).start()
    ThreadPoolExecutor(max_workers=1).submit(work, 99)  # never shut down by the app
    atexit.register(lambda: mark("at_exit"))
    work(-1)
""")


def test_non_daemon_threads_and_atexit_callbacks_are_traced_before_the_run_ends(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", "t", "app.py"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    events = [orjson.loads(line) for path in sorted((tmp_path / "t").glob("*.jsonl"))
              for line in path.read_bytes().splitlines()]
    calls = sorted(e["outputs"]["return"] for e in events if e["event_type"] == "tool_call_end")
    assert (result.returncode, calls) == (0, [-1, 0, 1, 2, 3, 4, 99])
    assert [e["event_type"] for e in events[-2:]] == ["performance_marker", "run_end"]


def test_atexit_callbacks_see_the_apps_main_module(tmp_path):
    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import atexit, pickle

        class Job:
            pass

        atexit.register(lambda: print("pickled", len(pickle.dumps(Job())) > 0))
    """))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", "t", "app.py"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "pickled True", "")


def test_a_package_runs_its_main_module_with_its_package_set(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "helper.py").write_text("VALUE = 42\n")
    (tmp_path / "pkg" / "__main__.py").write_text("import sys\nfrom .helper import VALUE\nprint(VALUE, sys.argv[1:])\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", "t", "-m", "pkg", "x"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "42 ['x']")
