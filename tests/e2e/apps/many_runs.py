"""`python many_runs.py APP COUNT`: COUNT runs of the app APP in this one process, each a traced run of its own
(started by `configure()`, as an app that traces itself starts one), with `sys.argv` the app's, so that each run
names the app as a run of `python APP` does (a rerun runs the app again, alone). The runs are handed on (sent,
indexed) at this process's exit, as the settings of its environment say. Prints `run RUN_ID` for each run."""

import runpy
import sys

import namel3ss_debug

app, count = sys.argv[1], int(sys.argv[2])
for _ in range(count):
    sys.argv = [app]
    namel3ss_debug.configure(enabled=True)
    with open("/dev/null", "w") as quiet:  # the app's own answer, 250 times, is not what is looked at
        saved, sys.stdout = sys.stdout, quiet
        try:
            runpy.run_path(app, run_name="__main__")
        finally:
            sys.stdout = saved
    ended = namel3ss_debug.get_tracer().end_run(exit_code=0)  # as `python APP` ends: its exit code recorded
    print(f"run {ended.run_id}", flush=True)
