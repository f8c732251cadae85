"""`replay --rerun --step`'s console, driven directly: hand-built pending calls, scripted commands, and
the decisions and transcript that come back."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.model.events import span_prefix
from namel3ss_debug.model.rerun_protocol import MOCKED, RECORDED, RerunQuit
from namel3ss_debug.render.rerun.stop import SCHEMA
from namel3ss_debug.replay.breakpoints import BreakpointError
from namel3ss_debug.rerun.answers import Answer
from namel3ss_debug.rerun.candidates import LiveCall
from namel3ss_debug.recording.calls import RecordedCall, fingerprint
from namel3ss_debug.rerun.answerer import Decision, PendingCall
from namel3ss_debug.launch.call_stops import COMMANDS
from namel3ss_debug.launch.call_targets import call_breakpoints
from namel3ss_debug.shell.rerun_console import RerunConsole

ACCEPT, LIVE = Decision("accept"), Decision("live")


def call(component: str = "tool", name: str = "search", number: int = 1, inputs: Any = None,
         result: Any = "found", error: BaseException | None = None, miss: str | None = None,
         source: str = RECORDED) -> PendingCall:
    """A call about to be answered: by `result`, by raising `error`, or (with `miss`) not at all."""
    inputs = {"query": "x"} if inputs is None else inputs
    live = LiveCall(component, name, span_prefix(component), 1, number, inputs,
                    fingerprint(inputs))
    if miss is not None:
        return PendingCall(live, f"agent:main#1 > {live.key}", None, None, None, miss)
    recorded = RecordedCall(10 * number, 10 * number + 1, 1, component, name, f"{component}:{name}", number)
    if error is not None:
        answer = Answer(source, error=error, outputs=None, recorded_key=recorded.key)
    else:
        answer = Answer(source, value=result, outputs={"return": result}, recorded_key=recorded.key)
    return PendingCall(live, f"agent:main#1 > {live.key}", recorded, answer, None)


class FakeRecording:
    def where(self, recorded: RecordedCall) -> str:
        return f"run.jsonl:{recorded.start}"


def stepper(lines: list[str] | None, **options: Any) -> tuple[RerunConsole, io.StringIO]:
    text = io.StringIO()
    console = Console(file=text, width=200, color_system=None, highlight=False, emoji=False)
    options.setdefault("step", True)
    return RerunConsole(console, console, lines=lines, recording=FakeRecording(), **options), text


def run(lines: list[str] | None, calls: list[PendingCall], **options: Any) -> tuple[list[Decision], str, RerunConsole]:
    steps, text = stepper(lines, **options)
    decisions = [steps.decide(pending) for pending in calls]
    return decisions, text.getvalue(), steps


# -- a stop and the answer ------------------------------------------------------------------------

def test_a_stop_shows_the_call_where_it_was_recorded_its_inputs_and_its_answer():
    decisions, text, _ = run(["accept"], [call()])
    assert decisions == [ACCEPT]
    assert text.splitlines() == [
        "Stop 1 before tool:search#1  (step)",
        "  path     agent:main#1 > tool:search#1",
        "  recorded tool:search#1 at run.jsonl:10",
        '  inputs   {"query":"x"}',
        '  returns  "found"  (recorded)',
        "(rerun) accept",
    ]


def test_accept_keeps_stepping_and_continue_runs_on_without_breakpoints():
    decisions, text, _ = run(["ok", "c"], [call(number=1), call(number=2), call(number=3)])
    assert decisions == [ACCEPT, ACCEPT, ACCEPT]
    assert "Stop 2 before tool:search#2" in text and "tool:search#3" not in text


def test_replace_with_inline_json_is_what_the_call_returns():
    decisions, text, steps = run(['replace {"hits": [], "n": 0}'], [call()])
    assert decisions == [Decision("replace", {"hits": [], "n": 0})]
    assert 'tool:search#1 returns {"hits":[],"n":0}' in text and steps.errors == 0


def test_bad_json_keeps_the_stop_points_at_the_column_and_counts_an_error():
    decisions, text, steps = run(['replace {"hits": x}', "accept"], [call()])
    assert decisions == [ACCEPT]
    assert steps.errors == 1
    assert "*** column 18: not JSON: unexpected character" in text
    lines = text.splitlines()
    caret = lines[lines.index('replace {"hits": x}') + 1]
    assert caret == " " * 17 + "^"


def test_replace_without_a_value_is_a_mistake():
    decisions, text, steps = run(["replace", "accept"], [call()])
    assert (decisions, steps.errors) == ([ACCEPT], 1)
    assert "replace needs a JSON value" in text


def test_live_runs_the_call_for_real():
    decisions, text, _ = run(["live"], [call()])
    assert decisions == [LIVE]
    assert "tool:search#1 runs live" in text


def test_quit_stops_the_app():
    steps, _ = stepper(["q"])
    with pytest.raises(RerunQuit):
        steps.decide(call())


# -- breakpoints ----------------------------------------------------------------------------------

def test_continue_runs_to_the_nth_call_of_a_breakpoint():
    calls = [call(number=1), call("llm", "planner"), call(number=2), call(number=3)]
    decisions, text, steps = run(["b tool:search#2", "c", "replace 1", "c"], calls)
    assert decisions == [ACCEPT, ACCEPT, Decision("replace", 1), ACCEPT]
    assert "Breakpoint 1 at tool:search#2" in text
    assert "Stop 2 before tool:search#2  (breakpoint 1)" in text
    assert "llm:planner" not in text and "Stop 3" not in text
    assert steps.session.breakpoints.items[1].hits == 1


def test_a_condition_over_the_inputs_picks_the_call():
    calls = [call(inputs={"query": "a"}), call(number=2, inputs={"query": "x"})]
    decisions, text, _ = run(["live"], calls, step=False, breakpoints=['tool:search if inputs.query == "x"'])
    assert decisions == [ACCEPT, LIVE]
    assert text.startswith("Stop 1 before tool:search#2  (breakpoint 1)")


def test_a_pattern_target_matches_names():
    decisions, _, _ = run(["live"], [call(name="fetch"), call(name="search_web")], step=False,
                          breakpoints=["tool:search*"])
    assert decisions == [ACCEPT, LIVE]


def test_errors_stops_before_an_answer_that_raises_and_before_a_miss():
    calls = [call(), call(number=2, error=TimeoutError("took too long")),
             call(number=3, miss="the recording has no call here")]
    decisions, text, _ = run(None, calls, step=False, breakpoints=["errors"])  # walk: show and accept
    assert decisions == [ACCEPT, ACCEPT, ACCEPT]
    assert "Stop 1 before tool:search#2  (breakpoint 1)" in text
    assert "  raises   TimeoutError: took too long  (recorded)" in text
    assert "Stop 2 before tool:search#3  (breakpoint 1)" in text
    assert "  recorded no recorded call here" in text
    assert "  result   no recorded result: the recording has no call here; accept stops the run, live runs it" in text
    assert "tool:search#1" not in text


def test_a_bad_condition_in_a_command_points_at_its_column():
    _, text, steps = run(["b tool if inputs.query ==", "accept"], [call()])
    lines = text.splitlines()
    assert "*** column 26: expected a value after '=='" in text
    assert lines[lines.index("b tool if inputs.query ==") + 1] == " " * 25 + "^"
    assert steps.errors == 1 and not steps.session.breakpoints.items


def test_clear_deletes_breakpoints_and_info_lists_them():
    _, text, steps = run(["b llm", "b tool:search", "cl 1", "info", "cl 7", "accept"], [call()])
    assert list(steps.session.breakpoints.items) == [2]
    assert "Deleted breakpoint 1" in text
    assert "2    break  yes  0     0       tool:search" in text
    assert "*** no breakpoint number 7 (breakpoints: 2)" in text


@pytest.mark.parametrize("spec, message", [
    ("tol:search", "tol is not a component (did you mean tool?)"),
    ("tool:search#0", "a call number is # and a number from 1"),
    ("tool:", "a call is component:name"),
    ("@12", "a rerun has no seqs"),
    ("tool_call_end", "a rerun stops before a call, at its start (b tool_call_start)"),
    ("tool junk", "expected `if CONDITION` after tool"),
    ("", "a breakpoint needs a target"),
])
def test_bad_breakpoint_specs_are_usage_errors_with_a_hint(spec, message):
    with pytest.raises(BreakpointError) as caught:
        call_breakpoints().add(spec)
    assert isinstance(caught.value, UsageError) and message in str(caught.value)


def test_a_bad_breakpoint_given_to_the_constructor_is_raised():
    with pytest.raises(UsageError, match="column 16"):
        stepper(None, breakpoints=["tool if inputs.="])


# -- looking --------------------------------------------------------------------------------------

def test_p_evaluates_over_the_view_of_the_call():
    _, text, _ = run(["p inputs.query", 'p source == "mocked"', "p usage", "accept"],
                     [call(source=MOCKED)])
    assert '(rerun) p inputs.query\n"x"\n' in text
    assert "(rerun) p source == \"mocked\"\ntrue\n" in text
    assert "usage: no such field here" in text


def test_text_from_the_trace_is_shown_literally_with_controls_escaped():
    hostile = "[red]x[/red]\x1b[2J\x9b"
    _, text, _ = run(["inputs", "p inputs.query", "accept"],
                     [call(inputs={"query": hostile}, error=RuntimeError("[bold]boom\x1b]0;t\x07"))])
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert '  inputs   {"query":"[red]x[/red]\\u001b[2J\\x9b"}' in text
    assert "  raises   RuntimeError: [bold]boom\\x1b]0;t\\x07  (recorded)" in text
    assert '"query": "[red]x[/red]\\u001b[2J\\x9b"' in text  # `inputs`, in full


def test_help_lists_every_command_and_help_name_shows_its_usage():
    _, text, _ = run(["help", "help ok", "accept"], [call()])
    listing = text.split("(rerun) help ok")[0]
    for name, command in COMMANDS.items():
        assert f"  {name}" in listing and command.summary in listing
    assert "accept    aliases: ok" in text


def test_every_command_has_a_docstring():
    assert all(command.usage and command.summary for command in COMMANDS.values())


def test_an_unknown_command_is_a_counted_mistake_with_a_suggestion():
    decisions, text, steps = run(["acept", "accept"], [call()])
    assert decisions == [ACCEPT] and steps.errors == 1
    assert "*** unknown command 'acept' (did you mean accept? `help` lists the commands)" in text


# -- scripts, walks, JSON -------------------------------------------------------------------------

def test_when_the_script_runs_out_every_remaining_call_is_accepted_without_stopping():
    decisions, text, _ = run(["accept"], [call(number=1), call(number=2), call(number=3)])
    assert decisions == [ACCEPT, ACCEPT, ACCEPT]
    assert text.count("Stop ") == 2
    assert text.count("(end of the commands: every remaining call gets its answer)") == 1
    assert "tool:search#3" not in text


def test_a_blank_line_in_a_script_does_nothing():
    decisions, _, steps = run(["live", "", "accept"], [call(), call(number=2)])
    assert decisions == [LIVE, ACCEPT] and steps.errors == 0


def test_a_walk_shows_each_step_and_accepts():
    decisions, text, _ = run(None, [call(number=1), call(number=2)])
    assert decisions == [ACCEPT, ACCEPT]
    assert "Stop 2 before tool:search#2  (step)" in text and "(rerun)" not in text


def test_json_lines_carry_each_stop_and_messages_go_to_the_err_console():
    out, err, data = io.StringIO(), io.StringIO(), io.BytesIO()
    steps = RerunConsole(Console(file=out, color_system=None), Console(file=err, color_system=None, width=200),
                         step=True, lines=["replace 2"], interactive=False, json_out=data, recording=FakeRecording())
    assert steps.decide(call(inputs={"q": "\x1b"})) == Decision("replace", 2)
    document = json.loads(data.getvalue())
    assert document["schema"] == SCHEMA == "namel3ss-debug/rerun-stop/v1"
    assert (document["call"], document["reason"], document["recorded_at"]) == ("tool:search#1", "step", "run.jsonl:10")
    assert document["inputs"] == {"q": "\x1b"}
    assert document["answer"] == {"source": "recorded", "outputs": {"return": "found"}, "error": None}
    assert out.getvalue() == "" and "tool:search#1 returns 2" in err.getvalue()


# -- edit -----------------------------------------------------------------------------------------

EDITOR = """
import sys
from pathlib import Path
path = Path(sys.argv[-1])  # the editor command's own arguments come first, the file last
Path(sys.argv[0]).with_name("seen.json").write_text(path.read_text())
path.write_text(sys.argv[1] if len(sys.argv) > 2 else '{"edited": true}')
"""


def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> Path:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", shlex.join([sys.executable, str(script), *extra]))
    return tmp_path / "seen.json"


def test_edit_opens_the_answer_as_json_and_the_saved_json_replaces_it(tmp_path, monkeypatch):
    seen = editor(tmp_path, monkeypatch)
    decisions, text, _ = run(["edit"], [call(result={"hits": ["a"]})])
    assert decisions == [Decision("replace", {"edited": True})]
    assert seen.read_text() == '{\n  "hits": [\n    "a"\n  ]\n}\n'
    assert 'tool:search#1 returns {"edited":true}' in text


def test_edit_saving_bad_json_keeps_the_stop(tmp_path, monkeypatch):
    editor(tmp_path, monkeypatch, "{oops")
    decisions, text, steps = run(["edit", "accept"], [call()])
    assert decisions == [ACCEPT] and steps.errors == 1
    assert "*** the saved file is not JSON: line 1 column 2" in text


def test_an_editor_that_fails_keeps_the_stop(tmp_path, monkeypatch):
    script = tmp_path / "fail.py"
    script.write_text("raise SystemExit(3)")
    monkeypatch.setenv("VISUAL", shlex.join([sys.executable, str(script)]))
    decisions, text, steps = run(["edit", "accept"], [call()])
    assert decisions == [ACCEPT] and steps.errors == 1
    assert "exited with status 3 (the answer shown stays)" in text


def test_an_editor_that_is_not_there_keeps_the_stop(tmp_path, monkeypatch):
    monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
    decisions, text, _ = run(["edit", "live"], [call()])
    assert decisions == [LIVE] and "cannot run the editor" in text


def test_an_unchanged_file_keeps_the_answer(tmp_path, monkeypatch):
    editor(tmp_path, monkeypatch, '"found"')
    decisions, text, steps = run(["edit", "accept"], [call()])
    assert decisions == [ACCEPT] and steps.errors == 0
    assert "unchanged: the answer shown stays" in text


# -- the terminal ---------------------------------------------------------------------------------

def interact(keys: str, calls: list[PendingCall]) -> tuple[list[Decision], str]:
    text = io.StringIO()
    console = Console(file=text, width=200, color_system=None)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        steps = RerunConsole(console, console, step=True, lines=None, interactive=True,
                             prompt_input=pipe, prompt_output=DummyOutput())
        decisions = [steps.decide(pending) for pending in calls]
    return decisions, text.getvalue()


def test_at_the_terminal_an_empty_line_repeats_the_last_command():
    decisions, text = interact("p key\n\nlive\n", [call()])
    assert decisions == [LIVE]
    assert text.count('"tool:search#1"') == 2


def test_at_the_terminal_end_of_input_quits():
    with pytest.raises(RerunQuit):
        interact("\x04", [call()])


def test_at_the_terminal_inside_an_asyncio_app_the_prompt_still_reads():
    async def app() -> tuple[list[Decision], str]:
        return interact("live\n", [call()])  # asyncio loops do not nest: the prompt runs in a thread

    decisions, _ = asyncio.run(app())
    assert decisions == [LIVE]


def test_a_replacement_the_codec_cannot_rebuild_keeps_the_stop() -> None:
    @dataclasses.dataclass
    class Reply:
        text: str
        model: str

    pending = dataclasses.replace(call("llm", "ask", result={"text": "a", "model": "m"}), codec=Reply)
    decisions, text, steps = run(['replace {"text": "only"}', 'replace {"text": "b", "model": "m"}'], [pending])
    assert decisions == [Decision("replace", {"text": "b", "model": "m"})]
    assert steps.errors == 1
    assert "could not rebuild the object {text}" in text and "codec needs" in text
