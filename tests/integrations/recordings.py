"""The framework apps of test_frameworks.py recorded once each and rerun twice, on two threads ahead of the tests
that read them: with the stub server stopped (`offline`), and with a fresh one listening at the recorded address
(`listening`), to show that nothing reaches it."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from importlib.util import find_spec
from typing import Any, Callable, Iterable

import pytest
from framework_support import App, Listened, Recording, Run, Workbench, listening_at, skip_unless_installed


STEPS = {"recorded": "recorded", "offline": "offline_rerun", "listening": "listening_rerun"}  # step: its fixture


class Recordings:
    """Each app recorded once, then rerun once with its server stopped (`offline`) and once with a
    fresh server listening at the recorded address (`listening`), on first use.

    `ahead(plan)` starts the runs the selected tests will ask for on two threads, app by app, while
    the tests look at the apps before: each run is still a subprocess of its own with a server of
    its own, and an app's runs go one after the other, so its listening server never meets its
    offline rerun. A run not planned is made when asked, after the app's planned runs."""

    def __init__(self, bench: Workbench, threads: int = 2):
        self.bench = bench
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="recordings")
        self._runs: dict[App, dict[str, Future[Any]]] = {}

    def ahead(self, plan: dict[App, list[str]]) -> None:
        for app, steps in plan.items():
            if all(find_spec(module) is not None for module in app.modules):  # else the test skips
                futures = self._runs[app] = {step: Future() for step in STEPS if step in steps}
                self._pool.submit(self._chain, app, futures)

    def recording(self, app: App) -> Recording:
        return self._result(app, "recorded")

    def offline_rerun(self, app: App) -> Run:
        return self._result(app, "offline")

    def listening_rerun(self, app: App) -> Listened:
        return self._result(app, "listening")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _result(self, app: App, step: str) -> Any:
        skip_unless_installed(app.stem, *app.modules)
        futures = self._runs.setdefault(app, {})
        if step not in futures:
            wait(list(futures.values()))
            for needed in ("recorded", step):
                if needed not in futures:
                    futures[needed] = Future()
                    _settle(futures[needed], self._run, app, needed)
        return futures[step].result()

    def _chain(self, app: App, futures: dict[str, Future[Any]]) -> None:
        for step, future in list(futures.items()):
            _settle(future, self._run, app, step)

    def _run(self, app: App, step: str) -> Any:
        if step == "recorded":
            return self.bench.record(app)
        recording = self._runs[app]["recorded"].result()
        if step == "offline":
            return self.bench.rerun(recording)
        server = listening_at(recording, self.bench.key)
        try:
            run = self.bench.rerun(recording, "--format", "json")
        finally:
            server.stop()
        return Listened(server.hits, run)


def _settle(future: Future[Any], run: Callable[..., Any], *args: Any) -> None:
    try:
        future.set_result(run(*args))
    except BaseException as error:  # pytest.fail's too: raised again in the test that asks
        future.set_exception(error)


def planned_runs(items: Iterable[pytest.Item], module: Any) -> dict[App, list[str]]:
    """What the selected tests of `module` ask of each app through the fixtures of STEPS (its
    `recorded` parameter, and `offline_rerun` or `listening_rerun`), apps in the order first asked."""
    plan: dict[App, list[str]] = {}
    for item in items:
        callspec = getattr(item, "callspec", None)
        app = callspec.params.get("recorded") if callspec else None
        if getattr(item, "module", None) is module and isinstance(app, App):
            steps = plan.setdefault(app, [])
            steps += [step for step, fixture in STEPS.items()
                      if fixture in getattr(item, "fixturenames", ()) and step not in steps]
    return plan
