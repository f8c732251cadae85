"""Rule 4 where the task named a file: a team asked for `solution.py` produced that file, so a run that failed with
nothing recorded going wrong is blamed on the write that made the content it holds, not on the hand-over the run
ended with; and rule 1 on a file the run wrote that raised when run."""

from __future__ import annotations

from pathlib import Path

import pytest
from namel3ss_debug.analysis.diagnosis.blame import product as blame_product
from namel3ss_debug.analysis.diagnosis.notes import products
from namel3ss_debug.analysis.diagnosis.notes.products import Files, file_name, writes, written_path
from namel3ss_debug.analysis.diagnosis.notes.steps import ToolAsk
from support.blametraces import blames, expect_failure
from support.handsteps import step
from support.tracefactory import TraceBuilder, error

TASK = 'Write the function add(a, b). The solution file you write should be named as "solution.py".'
WRONG = "def add(a, b):\n    return a - b\n"


def team(path: Path, task: str = TASK, files: tuple[tuple[str, str, str], ...] = (
        ("Engineer", "solution.py", WRONG), ("Engineer", "solution.py", WRONG + "\nprint(add(1, 2))\n")),
         ending: str = "failed") -> Path:
    """A MetaGPT-like team under one system span: the user's task, the leader's hand-out, an engineer's turns each
    asking an editor to write a file (and the editor's call), and the leader's closing message to Alex."""
    trace = TraceBuilder()
    trace.run_start()
    system = trace.start("agent", "team", inputs={"task": "add"})
    user = trace.start("agent", "user", system, kind="agent_turn")
    trace.end(user, 1, outputs={"output": task})
    said(trace, system, "Team Leader", "Alex, please write the solution as the task asks.")
    for number, (agent, file, content) in enumerate(files):
        write_turn(trace, system, agent, content, file, f"w{number}")
    said(trace, system, "Team Leader", "Alex has finished the task. The Product Manager may close it.")
    trace.end(system, 1)
    trace.run_end(ending)
    return trace.write(path)


def write_turn(trace: TraceBuilder, system: str, agent: str, content: str, file: str = "solution.py",
          call_id: str = "w1") -> None:
    """A turn of `agent` whose answer asks an editor to write `file`, and the editor's call."""
    arguments = {"path": file, "content": content}
    turn = trace.start("agent", agent, system, kind="agent_turn")
    trace.span("llm", "chat", 5, turn, outputs={"text": "I will write the file.", "tool_calls": [
        {"id": call_id, "name": "Editor.write", "arguments": arguments}]})
    trace.span("tool", "Editor.write", 1, turn, inputs=arguments, outputs={"return": None},
               attrs={"tool_call_id": call_id})
    trace.end(turn, 5, outputs={"output": "I will write the file."})


def said(trace: TraceBuilder, system: str, agent: str, text: str) -> None:
    turn = trace.start("agent", agent, system, kind="agent_turn")
    trace.span("llm", "chat", 5, turn, outputs={"text": text})
    trace.end(turn, 5, outputs={"output": text})


def test_a_file_the_task_named_blames_the_write_that_made_its_content_not_the_hand_over(tmp_path: Path) -> None:
    [blame] = blames(team(tmp_path / "team.jsonl"))  # the second write replaced the whole file with another text
    assert (blame.agent, blame.step and blame.step.address, blame.confidence) == ("Engineer", "llm:chat#3", "low")
    assert blame.why.startswith("rule 4: the task named the file 'solution.py' and the run wrote it (2 write(s))")
    assert "Engineer made the content it holds (seq" in blame.why
    assert [(link.role, link.evidence.address) for link in blame.chain] == [("decisive", "llm:chat#3"),
                                                                           ("failure", None)]


def test_a_file_written_again_with_the_same_text_was_made_by_its_first_write(tmp_path: Path) -> None:
    again = (("Engineer", "solution.py", WRONG), ("Engineer", "solution.py", "  " + WRONG.replace("\n", "\n\n")))
    [blame] = blames(team(tmp_path / "team.jsonl", files=again))  # the same lines, spaced otherwise
    assert (blame.step and blame.step.address, blame.confidence) == ("llm:chat#2", "low")  # unmeasured: low
    assert "no later write replaced the whole of it with another text" in blame.why
    assert [(link.role, link.evidence.address) for link in blame.chain] == [
        ("decisive", "llm:chat#2"), ("propagated", "llm:chat#3"), ("failure", None)]


def test_the_first_write_and_the_final_answers_content_are_the_runners_up(tmp_path: Path) -> None:
    [blame] = blames(team(tmp_path / "team.jsonl"))
    [decisive, replaced, answered] = blame.candidates
    assert (decisive.step.address, replaced.step.address) == ("llm:chat#3", "llm:chat#2")
    assert "wrote 'solution.py' first; a later write replaced the whole of it" in replaced.why
    assert "the final answer's content points here" in answered.why  # 'Alex', which the leader wrote first
    assert answered.agent == "Team Leader"


def test_another_agent_that_wrote_the_whole_file_anew_made_its_content(tmp_path: Path) -> None:
    wrote = (("Product Manager", "solution.py", "# add two numbers\n"), ("Engineer", "solution.py", WRONG))
    [blame] = blames(team(tmp_path / "team.jsonl", files=wrote))
    assert (blame.agent, [candidate.agent for candidate in blame.candidates[:2]]) == (
        "Engineer", ["Engineer", "Product Manager"])


def test_a_part_written_into_the_file_builds_on_the_content_before_it(tmp_path: Path) -> None:
    files = Files()
    asks = [("Editor.write", {"path": "a.py", "content": "x = 1"}),
            ("Editor.insert_content_at_line", {"file_name": "/work/a.py", "insert_content": "y = 2"}),
            ("Editor.write", {"path": "./a.py", "content": "x = 1\n\n"})]
    for seq, (name, values) in enumerate(asks):
        files.note(step(seq * 4, "llm", "chat", text="writing", asked=(ToolAsk(name, None, values=values,
                                                                               digest=products.digest(values)),)))
    [(path, wrote)] = files.wrote.items()  # one file under three paths that name it
    assert (path, wrote.made.seq, wrote.last.seq, wrote.writes) == ("a.py", 0, 8, 3)


def test_a_whole_text_is_told_apart_past_the_characters_a_step_keeps() -> None:
    head = "x = 1\n" * 100
    assert products.digest({"content": head + "y = 2"}) != products.digest({"content": head + "y = 3"})
    assert products.digest({"path": "a.py"}) is None


def test_a_file_the_task_did_not_name_is_no_product(tmp_path: Path) -> None:
    [blame] = blames(team(tmp_path / "team.jsonl", task="Write the function add(a, b)."))
    assert "the task named the file" not in blame.why
    assert blame.agent == "Team Leader"  # rule 4 on the final answer's content: 'Alex', the leader's


def test_a_failed_expectation_judges_the_answer_not_the_file(tmp_path: Path) -> None:
    [blame] = blames(team(tmp_path / "team.jsonl", ending="completed"),
                     lambda clues: expect_failure(clues, "contains:done"))
    assert "the task named the file" not in blame.why


def test_a_run_that_did_not_fail_is_not_blamed_for_its_file(tmp_path: Path) -> None:
    assert blames(team(tmp_path / "team.jsonl", ending="completed")) == []


def test_a_write_needs_a_file_and_a_content_that_is_not_blank() -> None:
    assert written_path({"path": "src/app.py", "content": "x = 1"}) == "src/app.py"
    assert written_path({"file_name": " notes.md ", "insert_content": "- one"}) == "notes.md"
    assert written_path({"path": "src/app.py"}) is None  # a read, an open
    assert written_path({"path": "src/app.py", "content": "  "}) is None  # an empty file created
    assert written_path({"query": "weather", "text": "Paris"}) is None
    assert written_path(None) is None


def test_the_files_keep_the_first_and_last_writer_and_count_the_writes() -> None:
    files = Files()
    for seq in (3, 8, 12):
        write = ToolAsk("Editor.write", None, values={"path": "a.py", "content": f"v{seq}"})
        files.note(step(seq, "llm", "chat", text="writing", asked=(write,)))
    wrote = files.wrote["a.py"]
    assert (wrote.first.seq, wrote.last.seq, wrote.writes) == (3, 12, 3)
    assert wrote.first.text is None  # slim: what evidence names, no texts


def ran(path: Path, message: str, command: str = "python3 solution.py") -> Path:
    """An engineer writes solution.py, then a terminal runs `command` and fails with `message`; the run fails."""
    trace = TraceBuilder()
    trace.run_start()
    system = trace.start("agent", "team")
    said(trace, system, "Team Leader", "Engineer, write solution.py and run it.")
    write_turn(trace, system, "Engineer", WRONG + "assert add(1, 2) == 3\n")
    tester = trace.start("agent", "Tester", system, kind="agent_turn")
    trace.span("llm", "chat", 5, tester, outputs={"text": "Running it.", "tool_calls": [
        {"id": "r1", "name": "Terminal.run", "arguments": {"cmd": command}}]})
    failure = error("AssertionError", message)
    trace.span("tool", "Terminal.run", 1, tester, status="failed", inputs={"cmd": command}, error=failure,
               attrs={"tool_call_id": "r1"})
    trace.end(tester, 5, status="failed", error=failure)
    trace.end(system, 1, status="failed", error=failure)
    trace.run_end("failed", error=failure)
    return trace.write(path)


def test_a_file_the_run_wrote_that_raised_when_run_blames_its_writer_not_the_command(tmp_path: Path) -> None:
    traceback = 'Traceback (most recent call last):\n  File "/work/solution.py", line 3, in <module>\nAssertionError'
    [blame] = blames(ran(tmp_path / "ran.jsonl", traceback))
    assert (blame.agent, blame.step and blame.step.address, blame.confidence) == ("Engineer", "llm:chat#2", "low")
    assert "raised running 'solution.py', a file the run wrote (the error names it)" in blame.why
    assert [link.role for link in blame.chain] == ["decisive", "propagated", "failure"]


def test_a_file_only_the_command_names_is_the_writers_too(tmp_path: Path) -> None:
    [blame] = blames(ran(tmp_path / "ran.jsonl", "exit status 1"))
    assert (blame.agent, blame.confidence) == ("Engineer", "low")
    assert "(its arguments name it)" in blame.why


def test_a_command_that_ran_no_file_the_run_wrote_is_the_models_that_asked_for_it(tmp_path: Path) -> None:
    [blame] = blames(ran(tmp_path / "ran.jsonl", "exit status 1", command="python3 other.py"))
    assert (blame.agent, blame.step and blame.step.address) == ("Tester", "llm:chat#3")


def went_on(path: Path, error_ends_the_run: bool = False, answered_after: bool = True) -> Path:
    """An engineer writes solution.py; an architect's `mkdir -p app && tree` fails (no `tree`), and the team goes
    on (or not) to a closing message; the run fails with no error of its own (or with that one)."""
    trace = TraceBuilder()
    trace.run_start()
    system = trace.start("agent", "team")
    user = trace.start("agent", "user", system, kind="agent_turn")
    trace.end(user, 1, outputs={"output": TASK})
    write_turn(trace, system, "Engineer", WRONG)
    architect = trace.start("agent", "Architect", system, kind="agent_turn")
    command = {"cmd": "mkdir -p app && tree app"}
    trace.span("llm", "chat", 5, architect, outputs={"text": "Laying out the project.", "tool_calls": [
        {"id": "t1", "name": "Terminal.run_command", "arguments": command}]})
    failure = error("CommandFailed", "bash: line 4: tree: command not found")
    trace.span("tool", "Terminal.run_command", 1, architect, status="failed", inputs=command, error=failure,
               attrs={"tool_call_id": "t1"})
    trace.end(architect, 5)
    if answered_after:
        said(trace, system, "Team Leader", "The team has finished. Closing the task.")
    trace.end(system, 1)
    trace.run_end("failed")
    if error_ends_the_run:
        trace.events[-1]["error"] = failure
    return trace.write(path)


def test_an_error_the_team_went_on_past_ranks_after_the_file_the_task_named(tmp_path: Path) -> None:
    [blame] = blames(went_on(tmp_path / "team.jsonl"))
    assert (blame.agent, blame.step and blame.step.address) == ("Engineer", "llm:chat#1")
    assert "the task named the file 'solution.py'" in blame.why
    assert blame.candidates[0].ranked.startswith("rule 4 (the final answer's content) goes first: the run went on "
                                                 "past rule 1's error")
    assert any("Terminal.run_command" in candidate.why and candidate.ranked.startswith("rule 1 (an error)")
               for candidate in blame.candidates[1:])


@pytest.mark.parametrize("variant", [{"error_ends_the_run": True}, {"answered_after": False}])
def test_an_error_the_run_ended_with_or_stopped_at_stays_first(tmp_path: Path, variant: dict[str, bool]) -> None:
    [blame] = blames(went_on(tmp_path / "team.jsonl", **variant))
    assert blame.why.startswith("rule 1:") and blame.agent == "Architect"


def test_a_write_of_the_file_that_failed_ran_nothing(tmp_path: Path) -> None:
    """The second write of solution.py raised (its edit out of range): the error names the file, but nothing ran
    it."""
    trace = TraceBuilder()
    trace.run_start()
    system = trace.start("agent", "team")
    turn = trace.start("agent", "Engineer", system, kind="agent_turn")
    for number in (1, 2):
        arguments = {"path": "solution.py", "content": WRONG}
        trace.span("llm", "chat", 5, turn, outputs={"text": "Writing.", "tool_calls": [
            {"id": f"w{number}", "name": "Editor.write", "arguments": arguments}]})
        failure = error("ValueError", "line 40 is past the end of 'solution.py'") if number == 2 else None
        trace.span("tool", "Editor.write", 1, turn, inputs=arguments, attrs={"tool_call_id": f"w{number}"},
                   **({"status": "failed", "error": failure} if failure else {"outputs": {"return": None}}))
    trace.end(turn, 5, status="failed", error=failure)
    trace.end(system, 1, status="failed", error=failure)
    trace.run_end("failed", error=failure)
    [blame] = blames(trace.write(tmp_path / "full.jsonl"))
    assert "a file the run wrote" not in blame.why
    assert blame.step is not None and blame.step.address == "llm:chat#2"  # the model that asked for the write


def test_a_name_with_no_extension_is_no_file_a_task_names(tmp_path: Path) -> None:
    wrote = (("Engineer", "notes", "- add(a, b) returns a - b\n"),)
    [blame] = blames(team(tmp_path / "team.jsonl", task="Write the function add(a, b) and keep notes.",
                          files=wrote))
    assert "the task named the file" not in blame.why


def test_a_file_name_has_an_extension() -> None:
    assert [file_name(path) for path in ("src/solution.py", "C:\\\\work\\\\app.test.ts", "notes", ".env", "out/")] == [
        "solution.py", "app.test.ts", None, None, None]


def test_writes_of_files_past_the_bound_are_counted_and_the_blame_says_so(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(products, "MAX_FILES", 1)
    monkeypatch.setattr(blame_product, "MAX_FILES", 1)
    wrote = (("Engineer", "solution.py", WRONG), ("Engineer", "notes.md", "- a - b\n"),
              ("Engineer", "notes.md", "- a + b\n"))
    [blame] = blames(team(tmp_path / "team.jsonl", files=wrote))
    assert blame.why.endswith("; 2 write(s) of files past the run's first 1 were counted, not read")


def test_a_write_no_answer_is_known_to_have_asked_for_is_told_by_its_arguments() -> None:
    assert writes(None, '{"path": "solution.py", "content": "x = 1"}')
    assert not writes(None, '{"cmd": "python3 solution.py"}') and not writes(None, None)
