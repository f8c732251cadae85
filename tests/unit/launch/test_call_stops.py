"""The rerun console's commands without the shell: a stop is a record, commands answer with records, and a
command that answers the call ends the stop with a Decision. Nothing here prints."""

from __future__ import annotations

from namel3ss_debug.model.rerun_protocol import RECORDED
from namel3ss_debug.replay.outputs import Message
from namel3ss_debug.rerun.answers import Answer
from namel3ss_debug.rerun.candidates import LiveCall
from namel3ss_debug.recording.calls import RecordedCall, fingerprint
from namel3ss_debug.rerun.answerer import Decision, PendingCall
from namel3ss_debug.launch.call_stops import CallStop, Replaced, RerunSession
from namel3ss_debug.launch.call_targets import call_breakpoints


def search(number: int = 1) -> PendingCall:
    inputs = {"query": "x"}
    live = LiveCall("tool", "search", "tool_call", 1, number, inputs, fingerprint(inputs))
    recorded = RecordedCall(10, 11, 1, "tool", "search", "tool:search", number)
    answer = Answer(RECORDED, value=["a"], outputs={"return": ["a"]}, recorded_key=recorded.key)
    return PendingCall(live, "agent:main#1 > tool:search#1", recorded, answer, None)


def test_a_stop_is_a_record_and_replace_ends_it_with_the_value():
    session = RerunSession(call_breakpoints(), step=True)
    pending = search()
    assert session.arrive(pending) == CallStop(pending, (), 1, None)
    assert (session.execute("replace 2"), session.done) == ([Replaced("tool:search#1", 2)], True)
    assert (session.leave(), session.done) == (Decision("replace", 2), False)


def test_a_call_is_no_stop_unless_stepping_or_at_a_breakpoint():
    session = RerunSession(call_breakpoints())
    session.breakpoints.add("tool:search#2")
    assert session.arrive(search(1)) is None
    assert session.arrive(search(2)).hits == (1,)


def test_commands_that_only_look_keep_the_stop_and_running_out_accepts():
    session = RerunSession(call_breakpoints(), step=True)
    session.arrive(search())
    assert session.execute("p inputs.query")[0].value == "x" and not session.done
    assert session.leave() == Decision("accept")


def test_edit_gives_the_answer_to_the_shells_editor_and_takes_what_it_saved():
    seen = []
    session = RerunSession(call_breakpoints(), step=True, edit=lambda value: seen.append(value) or '{"hits": []}')
    session.arrive(search())
    session.execute("edit")
    assert (seen, session.leave()) == ([["a"]], Decision("replace", {"hits": []}))
    unchanged = RerunSession(call_breakpoints(), step=True, edit=lambda value: None)
    unchanged.arrive(search())
    assert unchanged.execute("edit") == [Message("unchanged: the answer shown stays (accept gives it)")]
    assert not unchanged.done


def test_edit_without_an_editor_is_a_mistake_and_the_stop_stays():
    session = RerunSession(call_breakpoints(), step=True)
    session.arrive(search())
    assert session.execute("edit")[0].level == "error"
    assert (session.errors, session.done) == (1, False)


def test_the_rerun_lists_its_own_commands_in_the_order_it_always_has():
    assert list(RerunSession.commands) == ["accept", "step", "continue", "replace", "edit", "live", "break", "clear",
                                          "p", "inputs", "info", "help", "quit"]
    assert RerunSession.commands["accept"].aliases == ("ok",)
