"""Runs a command as a child of its own and reports the child's CPU time and peak memory, for `harness.spawn`.

The kernel carries a process's high-water mark of resident memory across fork and exec, so a command started
straight from a test worker reports the worker's own peak when that is higher (a worker that grew to 500 MB
made every command it ran look 500 MB big). A child forked from this small process starts from this
process's mark instead. Signals sent to this process go on to the command; the command dies with it
(PR_SET_PDEATHSIG), under the same address-space cap.

    python -S peakshim.py FD LIMIT COMMAND...   # writes "CPU_SECONDS MAXRSS_KIB" to FD, exits as COMMAND did
"""

import ctypes
import os
import resource
import signal
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    report, limit, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    pid = os.fork()
    if pid == 0:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        os.close(report)
        os.execvp(argv[0], argv)
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, lambda number, _frame: os.kill(pid, number))
    _, status, usage = os.wait4(pid, 0)
    os.write(report, f"{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}".encode())
    os.close(report)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


main()
