"""A trace does not choose what runs (launch/choosing.py): a tool whose arguments a recording not written here
chose is asked about, refused without a terminal, run with --yes; a recording written here is never asked about."""

from __future__ import annotations

import io

import pytest

from namel3ss_debug.cli.questions import ask_tool, consent
from namel3ss_debug.launch.choosing import ALL, NO, YES, Choosing, Consent, RerunRefused, asked_calls, tool_call
from namel3ss_debug.ops.environment import Environment


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def choosing(written_here: bool, answers: tuple[str, ...] = (), terminal: bool = True,
             **given: object) -> tuple[Choosing, list[str]]:
    """A choosing of a recording (written here or not) whose terminal gives `answers`, and the calls it asked."""
    asked: list[str] = []
    waiting = list(answers)

    def ask(call: str) -> str:
        asked.append(call)
        return waiting.pop(0)

    return Choosing(Consent(ask=ask if terminal else None, **given), written_here), asked  # type: ignore[arg-type]


def test_a_recording_written_here_is_never_asked_about():
    chooser, asked = choosing(True)
    chooser.approve("shell", {"cmd": "rm -rf ~"})
    assert asked == []


def test_without_a_terminal_the_tool_is_refused_and_named():
    chooser, _ = choosing(False, terminal=False)
    with pytest.raises(RerunRefused):
        chooser.approve("shell", {"cmd": "touch x"})
    assert chooser.refusal == 'shell({"cmd":"touch x"})'


def test_yes_runs_it_and_warns_once():
    warned: list[str] = []
    chooser, asked = choosing(False, allowed=True, warn=warned.append)
    chooser.approve("shell", {"cmd": "a"})
    chooser.approve("shell", {"cmd": "b"})
    assert asked == [] and len(warned) == 1 and 'shell({"cmd":"a"})' in warned[0]


def test_all_lets_the_rest_run_without_asking():
    chooser, asked = choosing(False, answers=(ALL,))
    chooser.approve("shell", {"cmd": "a"})
    chooser.approve("write_file", {"path": "b"})
    assert asked == ['shell({"cmd":"a"})']


def test_a_tool_a_recorded_answer_asked_for_is_asked_about_once():
    chooser, asked = choosing(False, answers=(YES, YES))
    chooser.approve("shell", '{"cmd": "a"}', asked=True)  # the answer handed to the app
    chooser.approve("shell", {"cmd": "a"})  # the hooked tool it then runs
    chooser.approve("shell", {"cmd": "b"})  # another call: asked again
    assert asked == ['shell({"cmd":"a"})', 'shell({"cmd":"b"})']


def test_no_refuses_and_stops():
    chooser, _ = choosing(False, answers=(NO,))
    with pytest.raises(RerunRefused, match="was not run"):
        chooser.approve("shell", {"cmd": "a"})


def test_the_call_is_one_line_of_safe_text_cut_short():
    shown = tool_call("shell", {"cmd": "echo \x1b[2J\nhi" + "x" * 1000})
    assert "\n" not in shown and "\x1b" not in shown
    assert shown.endswith("... (1028 characters))")


def test_asked_calls_are_read_from_the_outputs_tool_calls():
    outputs = {"text": None, "tool_calls": [{"id": "c", "name": "shell", "arguments": '{"cmd": "a"}'}, "junk"]}
    assert asked_calls(outputs) == [("shell", '{"cmd": "a"}')]
    assert asked_calls({"text": "hi"}) == [] and asked_calls(None) == []


@pytest.mark.parametrize(("typed", "answer"), [("y\n", YES), ("yes\n", YES), ("a\n", ALL), ("\n", NO), ("", NO),
                                              ("n\n", NO)])
def test_the_question_shows_the_call_and_reads_the_answer(typed, answer):
    stderr = io.StringIO()
    assert ask_tool('shell({"cmd":"a"})', io.StringIO(typed), stderr) == answer
    assert 'tool  shell({"cmd":"a"})' in stderr.getvalue() and "[y/N/a(ll)]" in stderr.getvalue()


def test_the_question_is_asked_only_on_a_terminal():
    assert consent(False, Environment(), io.StringIO(), io.StringIO()).ask is None
    assert consent(False, Environment(), Terminal(), Terminal()).ask is not None
