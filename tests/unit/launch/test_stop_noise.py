"""StopNoise's two bounds: what it keeps of the noise (the first MAX_KEPT bytes; the rest counted, not kept), and
how long giving stderr back waits for the last of it (DRAIN_S: the reader is left behind when something the app
started still holds the pipe). The constants are made small here; stderr (descriptor 2) is turned aside for
real, by a stop made in this process, and pytest's capture is what it is given back to. No wall-clock
assertion: the guard thread's timeout only keeps a broken bound from hanging the session."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.hostile import Victim, plant

from namel3ss_debug.launch import stop_noise
from namel3ss_debug.launch.stop_noise import StopNoise
from namel3ss_debug.model.rerun_protocol import RerunStop

GUARD_S = 60.0  # far beyond any bound below: only a hang reaches it


@pytest.fixture
def noise(tmp_path: Path) -> Iterator[StopNoise]:
    """A StopNoise listening (the test makes the stop: pytest's capture takes descriptor 2 back between a
    fixture and its test), ended after the test if the test did not end it."""
    listening = StopNoise(tmp_path / "run.stop-noise.log").listen()
    yield listening
    listening.end()


def stop() -> None:
    """A stop made, as a rerun makes it just before raising it: the listening StopNoise turns stderr aside."""
    RerunStop("stopped")


def ended(noise: StopNoise, unwound: bool = True) -> str | None:
    """`noise.end(unwound)`, run in a thread the test waits for, no longer than GUARD_S."""
    said: list[str | None] = []
    ender = threading.Thread(target=lambda: said.append(noise.end(unwound)), daemon=True)
    ender.start()
    ender.join(GUARD_S)
    assert said, "StopNoise.end did not return: the drain is unbounded"
    return said[0]


def wait_for(condition: Callable[[], bool]) -> None:
    """Wait for `condition` (the reader thread catching up), no longer than GUARD_S."""
    pause = threading.Event()  # never set: its wait is a sleep
    for _ in range(int(GUARD_S / 0.01)):
        if condition():
            return
        pause.wait(0.01)
    raise AssertionError("the reader did not catch up")


def test_noise_past_max_kept_is_counted_not_kept(noise: StopNoise, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stop_noise, "MAX_KEPT", 10)
    stop()
    os.write(2, b"0123456789abcdefghijklmno")  # 25 bytes: 10 kept, 15 counted
    said = ended(noise)
    assert noise.path.read_text() == "0123456789\n[namel3ss-debug: 15 more bytes were not kept]\n"
    assert said == f"namel3ss-debug: what the frameworks printed while the stop unwound the app (1 lines) is in " \
                   f"{noise.path}"


def test_noise_given_back_to_the_terminal_is_cut_at_max_kept_too(capfd: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  noise: StopNoise) -> None:
    """An app that caught the stop and went on gets its lines back on stderr (capfd's, requested before the
    noise turns descriptor 2 aside), cut at MAX_KEPT as the file is."""
    monkeypatch.setattr(stop_noise, "MAX_KEPT", 4)
    stop()
    os.write(2, b"caught, went on\n")
    assert ended(noise, unwound=False) is None
    assert capfd.readouterr().err == "caug\n[namel3ss-debug: 12 more bytes of stderr were not kept]\n"
    assert not noise.path.exists()


class ReadsAfterGivingBack:
    """`os` as stop_noise sees it, but for a reader that reads nothing until stderr is given back (the second
    dup2), then slowly, 256 bytes a read: most of the noise is still in the pipe when end() starts waiting for it."""

    def __init__(self) -> None:
        self.given_back = threading.Event()
        self.dup2s = 0

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def dup2(self, descriptor: int, into: int) -> int:
        done = os.dup2(descriptor, into)
        self.dup2s += 1
        if self.dup2s == 2:
            self.given_back.set()
        return done

    def read(self, descriptor: int, size: int) -> bytes:
        self.given_back.wait(GUARD_S)
        threading.Event().wait(0.001)
        return os.read(descriptor, min(size, 256))


def test_giving_stderr_back_waits_for_the_noise_still_in_the_pipe(noise: StopNoise,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Every writer closed when stderr is given back: the reader gets up to DRAIN_S to reach the pipe's end, and
    all that was in the pipe by then is kept."""
    monkeypatch.setattr(stop_noise, "os", ReadsAfterGivingBack())
    monkeypatch.setattr(stop_noise, "DRAIN_S", GUARD_S)  # a bound that holds on a loaded machine: the reader is quick
    stop()
    written = b"".join(b"line %04d of a framework's traceback\n" % number for number in range(1000))
    os.write(2, written)  # 37,000 bytes: less than a pipe holds, so the write does not wait for the reader
    ended(noise)
    assert noise.path.read_bytes() == written


def test_a_writer_that_keeps_the_pipe_open_delays_the_end_by_drain_s_only(
        noise: StopNoise, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process the app started holds the pipe (here, a descriptor of it this test keeps): end() gives up on the
    reader after DRAIN_S and keeps what came by then; the reader ends when the last writer closes the pipe."""
    monkeypatch.setattr(stop_noise, "DRAIN_S", 0.05)
    stop()
    held = os.dup(2)
    try:
        os.write(held, b"a child's line\n")
        wait_for(lambda: noise.path.exists() or b"a child's line" in bytes(noise._kept))
        said = ended(noise)
        reader = noise._reader
        assert reader is not None and reader.is_alive()  # the pipe is still open: the bound ended the wait
        assert noise.path.read_text() == "a child's line\n"
        assert said is not None and said.endswith(f"(1 lines) is in {noise.path}")
    finally:
        os.close(held)
    reader.join(GUARD_S)
    assert not reader.is_alive()


@pytest.mark.parametrize("layout", ["link_to_file", "fifo", "device"])
def test_noise_kept_beside_the_trace_replaces_what_a_stranger_put_at_its_name(layout: str, tmp_path: Path) -> None:
    victim = Victim.made(tmp_path / "victim", files=3)
    path = tmp_path / "traces" / "run.stop-noise.log"
    plant(layout, path, victim)
    noise = StopNoise(path).listen()
    try:
        stop()
        os.write(2, b"a framework's line\n")
        said = ended(noise)
    finally:
        noise.end()
    victim.assert_untouched()
    assert said is not None and said.endswith(f"is in {path}")
    assert not path.is_symlink() and path.read_text() == "a framework's line\n"
