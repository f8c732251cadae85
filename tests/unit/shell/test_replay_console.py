"""The terminal console, driven through prompt_toolkit's pipe input; and what Tab offers."""

from __future__ import annotations

import io

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from support.hostile import LAYOUTS, Victim, plant
from support.replayfactory import agent_run
from rich.console import Console

from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.replay.debugger import ReplaySession
from namel3ss_debug.replay.engine import ReplayEngine
from namel3ss_debug.shell.completion import ReplayCompleter, candidates
from namel3ss_debug.shell.replay_console import ReplayConsole


def make_session() -> ReplaySession:
    return ReplaySession(ReplayEngine(timeline_of(agent_run())))


def interact(keys: str, history=None) -> tuple[str, ReplaySession, int]:
    session = make_session()
    out = Console(file=io.StringIO(), width=120, color_system=None)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()
        status = ReplayConsole(session, out, out).interactive(history, pipe, DummyOutput())
    return out.file.getvalue(), session, status  # type: ignore[attr-defined]


def test_the_console_shows_the_first_stop_then_runs_commands():
    text, session, status = interact("s\nn\nq\n")  # into the agent, then over it to its end
    assert (status, session.engine.current.seq, session.done) == (0, 18, True)
    assert text.startswith("start of the run") and "agent_execution_end" in text


def test_an_empty_line_repeats_the_last_command():
    _, session, _ = interact("s\n\n\nq\n")
    assert session.engine.current.seq == 3


def test_ctrl_c_clears_the_line_and_the_session_goes_on():
    _, session, status = interact("goto 12\x03s\nq\n")  # "goto 12" is dropped, "s" runs
    assert (status, session.engine.current.seq) == (0, 1)


def test_end_of_input_quits():
    _, session, status = interact("s\n")  # the pipe closes after "s": EOF
    assert (status, session.engine.current.seq) == (0, 1)


def test_ctrl_d_on_an_empty_line_quits():
    _, session, status = interact("s\n\x04s\n")
    assert (status, session.engine.current.seq) == (0, 1)


def test_commands_are_kept_in_the_history_file(tmp_path):
    history = tmp_path / ".namel3ss" / "replay_history"
    interact("b llm\nc\nq\n", history)
    assert [line for line in history.read_text().splitlines() if line.startswith("+")] == ["+b llm", "+c", "+q"]


def test_a_history_file_that_cannot_be_written_does_not_stop_the_session(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    _, session, status = interact("s\nq\n", blocker / "replay_history")  # its parent is a file
    assert (status, session.engine.current.seq) == (0, 1)


@pytest.mark.parametrize(("line", "expected"), [
    ("", ["?", "b", "back", "break"]),                       # commands and aliases, sorted
    ("fin", ["finish"]),
    ("b tool:s", ["tool:search", "tool:search#1", "tool:search#2", "tool:search#3"]),
    ("b err", ["errors"]),                                   # no error_occurred: the run has none
    ("tbreak llm_call_e", ["llm_call_end"]),
    ("b llm if usage.t", ["usage.total_tokens"]),
    ("p inp", ["inputs", "inputs.prompt"]),
    ("display outputs.return.t", ["outputs.return.text"]),
    ("condition 1 dur", ["duration_ms"]),
    ("mock llm:w", ["llm:writer#1=", "llm:writer="]),
    ("mock cl", ["clear"]),
    ("help fi", ["finish"]),
    ("info b", ["breakpoints"]),
    ("s ", []),
])
def test_tab_offers_commands_targets_keys_and_field_paths(line, expected):
    session = make_session()
    session.engine.goto(3)  # llm:planner#1's start: its end's fields are offered too
    word, options = candidates(session, line)
    assert options[: len(expected) or None] == expected


def test_the_completer_replaces_only_the_word_being_typed():
    session = make_session()
    completer = ReplayCompleter(session)
    completions = list(completer.get_completions(Document("b llm if status=='x' and dur"), CompleteEvent()))
    assert [(c.text, c.start_position) for c in completions] == [("duration_ms", -3)]


def test_a_history_path_that_is_a_directory_leaves_history_to_the_session(tmp_path):
    history = tmp_path / ".namel3ss" / "replay_history"
    history.mkdir(parents=True)
    text, session, status = interact("s\nq\n", history)
    assert (status, session.engine.current.seq, "Traceback" in text) == (0, 1, False)


def test_the_history_file_is_readable_by_its_owner_only(tmp_path):
    history = tmp_path / ".namel3ss" / "replay_history"
    interact("q\n", history)
    assert history.stat().st_mode & 0o777 == 0o600


class Interrupted(ReplaySession):
    """A session whose `list` is cut short by Ctrl-C, as a long one on a big trace can be."""

    def do_list(self, argument, column):
        """list
        Interrupted at once."""
        raise KeyboardInterrupt


def test_ctrl_c_during_a_command_returns_to_the_prompt():
    out = Console(file=io.StringIO(), width=120, color_system=None)
    session = Interrupted(ReplayEngine(timeline_of(agent_run())))
    with create_pipe_input() as pipe:
        pipe.send_text("l\ns\nq\n")
        pipe.close()
        status = ReplayConsole(session, out, out).interactive(None, pipe, DummyOutput())
    assert (status, session.engine.current.seq, "Interrupted" in out.file.getvalue()) == (0, 1, True)


def test_completions_show_trace_text_as_text():
    events = agent_run()
    events[7] = {**events[7], "name": "search\u202e"}
    session = ReplaySession(ReplayEngine(timeline_of(events)))
    shown = [c.display_text for c in ReplayCompleter(session).get_completions(Document("b tool:search"),
                                                                             CompleteEvent())]
    assert "tool:search\\u202e" in shown and not any("\u202e" in text for text in shown)


@pytest.mark.parametrize("layout", [layout for layout in LAYOUTS if layout != "readonly_dir"])
def test_a_cloned_history_file_that_is_not_ours_is_never_written(layout, tmp_path):
    victim = Victim.made(tmp_path / "victim", files=3)
    history = tmp_path / ".namel3ss" / "replay_history"
    plant(layout, history, victim)
    text, session, status = interact("s\nq\n", history)
    assert (status, session.engine.current.seq, "Traceback" in text) == (0, 1, False)
    victim.assert_untouched()
    if layout == "foreign_file":
        assert history.read_bytes() == b"another user's\n"
