"""The network in a rerun's report (rerun/network.py): how it was closed and what stayed open, a line in the
text when it was not closed for everything or something was stopped, and a verdict that is no reproduction
when the app used or tried the network."""

from __future__ import annotations

import pytest
from support.rerunhelpers import record, rerun

from namel3ss_debug import trace_tool_call
from namel3ss_debug.render.rerun.rerun_json import report_dict
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.rerun.network import EVERYTHING, GUARD_OPEN, NAMESPACE_OPEN, Network
from namel3ss_debug.judging.report import build_report

NAMESPACE = Network("namespace", "a network namespace with its own loopback up, nothing else", NAMESPACE_OPEN)
OUTSIDE = "(where the in-process guard does not see: a process the app started, or native code)"


@pytest.mark.parametrize(("network", "note"), [
    (NAMESPACE, None),
    (Network("namespace", "a network namespace", NAMESPACE_OPEN, stopped=2),
     f"network: closed by a network namespace, which stopped 2 attempt(s) to connect or send {OUTSIDE}"),
    (Network("guard", "no network namespace: unshare(CLONE_NEWNET): Operation not permitted", GUARD_OPEN,
             processes=3),
     "network: closed by the in-process guard only (no network namespace: unshare(CLONE_NEWNET): Operation not "
     "permitted); not covered: processes the app starts (3 started); native code that calls the C library "
     "itself (an extension module); servers the app starts, which others can reach; Unix sockets with a path "
     "(files, not the network)"),
    (Network("guard", "--fork", GUARD_OPEN[:1], processes=4, started=("uname from platform", "git from __main__",
                                                                      "a fork from __main__")),
     "network: closed by the in-process guard only (--fork); not covered: processes the app starts (4 started: uname "
     "from platform, git from __main__, a fork from __main__, ...)"),
    (Network("open", "--on-miss live", (EVERYTHING,), reached=1),
     "network: open (--on-miss live); 1 connection(s) outside the recorded HTTP clients reached it"),
])
def test_the_report_says_how_the_network_was_closed_when_not_for_everything(network, note):
    assert network.note == note


def replayed(network: Network | None) -> object:
    """The report of a rerun that answered its one tool call from the recording, with `network`."""
    @trace_tool_call
    def lookup() -> str:
        return "sunny"

    _, events = record(lookup)
    _, new_events, session = rerun(events, lookup)
    return build_report("old.jsonl", session.recording, session, 0, timeline_of(new_events, "new.jsonl"),
                        ("new.jsonl",), ("app.py",), ".", network)


@pytest.mark.parametrize(("network", "exit_code", "why"), [
    (NAMESPACE, 0, None),
    (Network("namespace", "a network namespace", NAMESPACE_OPEN, stopped=1), 1,
     f"the network namespace stopped 1 attempt(s) to connect or send {OUTSIDE}"),
    (Network("open", "--on-miss live", (EVERYTHING,), reached=2), 1,
     "2 connection(s) outside the recorded HTTP clients reached the network"),
])
def test_a_rerun_that_used_or_tried_the_network_is_no_reproduction(network, exit_code, why):
    report = replayed(network)
    assert (report.exit_code, report.not_reproduced) == (exit_code, why)
    assert report_dict(report)["network"]["closed_by"] == network.closed_by
