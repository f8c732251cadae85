"""How a rerun kept the app off the network, and what the app tried: a part of the rerun's report.

Three ways, strongest first (`launch/closing.py` chooses):
- `namespace`: the app ran in a Linux network namespace with only its own loopback up; nothing it or the
  processes it started sent could leave, and the kernel counted what went nowhere (`stopped`).
- `guard`: the in-process guard alone (`launch/guard.py`): this Python process's connects, sends and
  name lookups are refused as misses; what it cannot see (`open_to`) is not closed.
- `open`: nothing closed (`--on-miss live`: a call the recording cannot answer runs for real); connections
  the app made outside the recorded HTTP clients are counted (`reached`).
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE, GUARD, OPEN = "namespace", "guard", "open"

# What each way leaves open (the report's `open_to`), written once for the report and the guide.
PATH_SOCKETS = "Unix sockets with a path (files, not the network)"
NAMESPACE_OPEN = (PATH_SOCKETS,)
GUARD_OPEN = ("processes the app starts", "native code that calls the C library itself (an extension module)",
              "servers the app starts, which others can reach", PATH_SOCKETS)
EVERYTHING = "everything: a call the recording cannot answer runs for real"
FOR_REAL = "calls the rerun runs for real, while they run"  # with --live-tools or the console: the guard's too
OUTSIDE = "where the in-process guard does not see: a process the app started, or native code"


@dataclass(frozen=True)
class Network:
    """How the network was closed (`closed_by`: namespace, guard or open), by what or why not more
    (`how`), and what stayed open (`open_to`). What the app did about it: `stopped`, connects and sends that
    went nowhere in the namespace (no route out, or no listener on its own loopback), made where the guard
    does not see (the kernel's count); `reached`, connects and sends of this process that went out under
    `--on-miss live` outside the recorded HTTP clients and the calls run for real; `processes`, how many
    processes were started in the app's process (by its code or a library's), `started` the first few of them
    (`uname from platform`)."""

    closed_by: str
    how: str
    open_to: tuple[str, ...]
    stopped: int = 0
    reached: int = 0
    processes: int = 0
    started: tuple[str, ...] = ()

    @property
    def not_reproduced(self) -> str | None:
        """Why the network makes the rerun no reproduction, or None: it was used, or tried."""
        if self.stopped:
            return f"the network namespace stopped {self.stopped} attempt(s) to connect or send ({OUTSIDE})"
        if self.reached:
            return f"{self.reached} connection(s) outside the recorded HTTP clients reached the network"
        return None

    @property
    def note(self) -> str | None:
        """The report's line about the network, or None when it was closed for everything and untouched."""
        if self.closed_by == NAMESPACE:
            return f"network: closed by {self.how}, which stopped {self.stopped} attempt(s) to connect or send " \
                   f"({OUTSIDE})" if self.stopped else None
        named = ", ".join(self.started) + (", ..." if self.processes > len(self.started) else "")
        started = f" ({self.processes} started: {named})" if self.started else \
            f" ({self.processes} started)" if self.processes else ""
        shown = [f"{what}{started}" if what == GUARD_OPEN[0] else what for what in self.open_to]
        if self.closed_by == GUARD:
            return f"network: closed by the in-process guard only ({self.how}); not covered: {'; '.join(shown)}"
        reached = f"; {self.reached} connection(s) outside the recorded HTTP clients reached it" if self.reached \
            else ""
        return f"network: open ({self.how}){reached}"

    @property
    def summary(self) -> str:
        """One line for a report's `network` row, whatever happened: how it was closed and what it stopped."""
        if self.closed_by == NAMESPACE:
            return f"closed by {self.how}; {self.stopped} attempt(s) to connect or send stopped"
        return (self.note or "").removeprefix("network: ")
