"""Context propagation: threads, thread pools and asyncio tasks parent their spans under the caller's span."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Callable

import pytest

from namel3ss_debug.tracer import context
from namel3ss_debug.tracer.api import mark, span


def parent_of(events: list[dict], name: str) -> set[str]:
    return {e["parent_id"] for e in events if e["name"] == name}


def patched_attributes() -> tuple[object, object, object]:
    return (vars(threading.Thread)["start"], vars(threading.Thread)["_bootstrap_inner"],
            vars(ThreadPoolExecutor)["submit"])


@pytest.fixture
def other_library():
    """Patch `Thread.start` as another library would (wrapping what is there); put everything back after."""
    before, saved, installed = patched_attributes(), dict(context._saved), set(context._installed)
    calls: list[str] = []

    def install() -> None:
        wrapped = threading.Thread.start

        def start(self: threading.Thread) -> None:
            calls.append(self.name)
            wrapped(self)

        threading.Thread.start = start  # type: ignore[method-assign]

    yield SimpleNamespace(install=install, calls=calls)
    for owner, name, value in zip((threading.Thread, threading.Thread, ThreadPoolExecutor),
                                  ("start", "_bootstrap_inner", "submit"), before):
        setattr(owner, name, value)
    context._saved.clear()
    context._saved.update(saved)
    context._installed.clear()
    context._installed.update(installed)


def run_in_thread(fn: Callable[[], None], name: str = "worker") -> None:
    thread = threading.Thread(target=fn, name=name)
    thread.start()
    thread.join()


def test_span_in_a_thread_parents_under_the_span_that_started_it(capture):
    def work() -> None:
        with span("in_thread"):
            pass

    with capture() as run:
        with span("outer") as outer:
            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
    assert parent_of(run.events, "in_thread") == {outer.span_id}


def test_thread_subclass_overriding_run_gets_the_context(capture):
    class Worker(threading.Thread):
        def run(self) -> None:
            mark("in_subclass")

    with capture() as run:
        with span("outer") as outer:
            worker = Worker()
            worker.start()
            worker.join()
    assert parent_of(run.events, "in_subclass") == {outer.span_id}


def test_span_in_a_thread_pool_task_parents_under_the_submitting_span(capture):
    with capture() as run:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(mark, "warmup").result()  # the worker thread exists before the spans below
            with span("first") as first:
                pool.submit(mark, "task_a").result()
            with span("second") as second:
                pool.submit(mark, "task_b").result()
    assert (parent_of(run.events, "task_a"), parent_of(run.events, "task_b")) == ({first.span_id}, {second.span_id})


def test_run_in_executor_parents_under_the_awaiting_span(capture):
    async def main() -> str:
        async with span("outer") as outer:
            await asyncio.get_running_loop().run_in_executor(None, mark, "in_executor")
        return outer.span_id

    with capture() as run:
        outer_id = asyncio.run(main())
    assert parent_of(run.events, "in_executor") == {outer_id}


def test_asyncio_task_created_inside_a_span_parents_under_it(capture):
    async def child(name: str) -> None:
        await asyncio.sleep(0)
        with span(name):
            await asyncio.sleep(0)

    async def main() -> str:
        with span("outer") as outer:
            await asyncio.gather(asyncio.create_task(child("a")), asyncio.create_task(child("b")))
        return outer.span_id

    with capture() as run:
        outer_id = asyncio.run(main())
    assert parent_of(run.events, "a") == parent_of(run.events, "b") == {outer_id}


def test_concurrent_tasks_do_not_see_each_others_spans(capture):
    async def child(name: str, started: asyncio.Event, other: asyncio.Event) -> None:
        with span(name):
            started.set()
            await other.wait()
            mark(name + "_mark")

    async def main() -> None:
        a, b = asyncio.Event(), asyncio.Event()
        await asyncio.gather(child("a", a, b), child("b", b, a))

    with capture() as run:
        asyncio.run(main())
    span_ids = {e["name"]: e["span_id"] for e in run.events if e["event_type"] == "custom_span_start"}
    assert parent_of(run.events, "a_mark") == {span_ids["a"]}
    assert parent_of(run.events, "b_mark") == {span_ids["b"]}


def test_thread_patches_are_installed_while_a_run_is_active(capture):
    with capture():
        assert ThreadPoolExecutor.submit is context._submit
        assert threading.Thread.start is context._start
        assert threading.Thread._bootstrap_inner is context._bootstrap_inner


def test_thread_patches_are_removed_after_the_run_ends(capture):
    before = patched_attributes()
    with capture():
        pass
    assert patched_attributes() == before


def test_thread_started_after_the_run_sees_no_span(capture):
    seen: list[object] = []
    with capture():
        with span("outer"):
            pass
    thread = threading.Thread(target=lambda: seen.append(context.current.get()))
    thread.start()
    thread.join()
    assert seen == [None]


def test_a_thread_start_patch_installed_before_the_run_is_called_during_it(capture, other_library):
    other_library.install()
    with capture() as run:
        with span("outer") as outer:
            run_in_thread(lambda: mark("in_thread"), name="during")
    assert other_library.calls == ["during"]
    assert parent_of(run.events, "in_thread") == {outer.span_id}


def test_a_thread_start_patch_installed_before_the_run_is_back_after_it(capture, other_library):
    other_library.install()
    theirs = threading.Thread.start
    with capture():
        pass
    assert threading.Thread.start is theirs


def test_a_thread_start_patch_installed_during_the_run_stays_after_it(capture, other_library):
    with capture():
        other_library.install()
        theirs = threading.Thread.start
    run_in_thread(lambda: None, name="after")
    assert (threading.Thread.start, other_library.calls) == (theirs, ["after"])


def test_a_thread_started_after_the_run_under_a_later_patch_sees_no_span(capture, other_library):
    seen: list[object] = []
    with capture():
        with span("outer"):
            other_library.install()
    run_in_thread(lambda: seen.append(context.current.get()))
    assert seen == [None]


def test_the_next_run_propagates_through_a_patch_left_over_ours(capture, other_library):
    with capture():
        other_library.install()
    with capture() as run:
        with span("outer") as outer:
            run_in_thread(lambda: mark("in_thread"), name="second_run")
    assert other_library.calls == ["second_run"]  # once: ours and theirs do not call each other in a loop
    assert parent_of(run.events, "in_thread") == {outer.span_id}
