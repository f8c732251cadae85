"""Whether the process that writes a run is gone: what a run's marker records of its writer as the run starts
(`this_process`), and the test a sender makes of that record (`writer_gone`) before it sends a run that never ended.

A process is named by its host, its pid namespace (a container has its own: its pid 40 is not the host's 40), its
pid, the boot it runs in and the moment it started: a pid alone is given to another process once the first is gone,
and its start tells the two apart (psutil's `create_time`). On Linux both are read from `/proc` (the pid's `stat`,
whose start is counted in clock ticks since the boot, the figure psutil's `create_time` is made of, and the boot's
id): importing psutil would cost a run's start some 25 ms, and a start time since the epoch moves when the clock is
set, where ticks since the boot do not. Elsewhere psutil reads it.

A writer is gone only when this host says so for certain: its pid is not running, is a zombie (it writes no more,
and its locks are let go), or is another process (started at another moment, or in another boot). Whatever
cannot be told counts as alive: another host's record (a folder shared between machines), another pid namespace's
(a container sharing the folder and the host's name), a process we may not look at, psutil missing. A run is kept
local rather than sent while it may still be written. Never raises.
"""

from __future__ import annotations

import os
import socket
from typing import Any

PROC = "/proc"
BOOT_ID = "/proc/sys/kernel/random/boot_id"
PID_NAMESPACE = "/proc/self/ns/pid"
# Both figures are read the same way from the same source and go through JSON exactly (a float's repr): a start
# that differs at all is another process's. The margin only absorbs a float's last digit.
SAME_START_S = 1e-6


def this_process() -> dict[str, Any]:
    """This process as `writer_gone` will judge it: host, pid, boot and start. {} when it cannot be read."""
    pid = os.getpid()
    try:
        found = _started(pid)
    except (ProcessLookupError, ValueError):
        found = None
    if found is None:
        return {}
    boot, started = found
    return {"host": socket.gethostname(), "ns": _namespace(), "pid": pid, "boot": boot, "started": started}


def writer_gone(writer: object) -> bool:
    """Whether the process `writer` names (a record of `this_process`, read from a marker) is known to be gone."""
    if not isinstance(writer, dict) or writer.get("host") != socket.gethostname():
        return False
    if writer.get("ns", "") != _namespace():
        return False
    pid, boot, started = writer.get("pid"), writer.get("boot"), writer.get("started")
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0 or not isinstance(boot, str):
        return False
    if isinstance(started, bool) or not isinstance(started, (int, float)):
        return False
    try:
        found = _started(pid)
    except ProcessLookupError:
        return True
    except ValueError:  # a stat line not of the shape Linux writes: nothing can be told from it
        return False
    if found is None:
        return False
    return found[0] != boot or abs(found[1] - started) > SAME_START_S


def _namespace() -> str:
    """This process's pid namespace (`pid:[4026531836]`), "" where there is none to read."""
    try:
        return os.readlink(PID_NAMESPACE)
    except OSError:
        return ""


def _started(pid: int) -> tuple[str, float] | None:
    """`pid`'s boot and start; ProcessLookupError when it is not running (or a zombie), None when it cannot be
    told."""
    if os.path.isdir(f"{PROC}/self"):
        return _proc_started(pid)
    return _psutil_started(pid)


def _proc_started(pid: int) -> tuple[str, float] | None:
    try:
        with open(BOOT_ID, encoding="ascii") as stream:
            boot = stream.read().strip()
    except OSError:
        boot = ""
    try:
        with open(f"{PROC}/{pid}/stat", "rb") as stream:
            line = stream.read()
    except FileNotFoundError:
        raise ProcessLookupError(pid) from None
    except OSError:  # /proc mounted with hidepid: another user's process is not ours to look at
        return None
    fields = line[line.rfind(b")") + 2:].split()  # the name may hold spaces and brackets: its last ")" ends it
    if len(fields) < 20:
        raise ValueError(f"/proc/{pid}/stat: {len(fields)} fields after the name")
    if fields[0] in (b"Z", b"X"):  # a zombie (or dying): it writes no more
        raise ProcessLookupError(pid)
    return boot, int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime


def _psutil_started(pid: int) -> tuple[str, float] | None:
    try:
        import psutil  # noqa: PLC0415 - only where there is no /proc, and only in a sender or at a run's start
    except ImportError:
        return None
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            raise ProcessLookupError(pid)
        return "", float(process.create_time())
    except psutil.NoSuchProcess:  # a zombie too, on some systems (psutil.ZombieProcess)
        raise ProcessLookupError(pid) from None
    except psutil.Error:
        return None
