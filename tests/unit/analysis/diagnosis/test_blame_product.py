"""Rule 4 where the task named a file: a team asked for `solution.py` produced that file, so a run that failed with
nothing recorded going wrong is blamed on the step that first wrote it, not on the hand-over the run ended with."""

from __future__ import annotations

from pathlib import Path

import pytest
from namel3ss_debug.analysis.diagnosis import blame_product, products
from namel3ss_debug.analysis.diagnosis.products import Files, file_name, writes, written_path
from namel3ss_debug.analysis.diagnosis.steps import ToolAsk
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
        arguments = {"path": file, "content": content}
        turn = trace.start("agent", agent, system, kind="agent_turn")
        trace.span("llm", "chat", 5, turn, outputs={"text": "I will write the file.", "tool_calls": [
            {"id": f"w{number}", "name": "Editor.write", "arguments": arguments}]})
        trace.span("tool", "Editor.write", 1, turn, inputs=arguments, outputs={"return": None},
                   attrs={"tool_call_id": f"w{number}"})
        trace.end(turn, 5, outputs={"output": "I will write the file."})
    said(trace, system, "Team Leader", "Alex has finished the task. The Product Manager may close it.")
    trace.end(system, 1)
    trace.run_end(ending)
    return trace.write(path)


def said(trace: TraceBuilder, system: str, agent: str, text: str) -> None:
    turn = trace.start("agent", agent, system, kind="agent_turn")
    trace.span("llm", "chat", 5, turn, outputs={"text": text})
    trace.end(turn, 5, outputs={"output": text})


def test_a_file_the_task_named_blames_the_step_that_wrote_it_first_not_the_hand_over(tmp_path: Path) -> None:
    [blame] = blames(team(tmp_path / "team.jsonl"))
    assert (blame.agent, blame.step and blame.step.address, blame.confidence) == ("Engineer", "llm:chat#2", "low")
    assert blame.why.startswith("rule 4: the task named the file 'solution.py' and the run wrote it (2 write(s))")
    assert [(link.role, link.evidence.address) for link in blame.chain] == [
        ("decisive", "llm:chat#2"), ("propagated", "llm:chat#3"), ("failure", None)]


def test_the_final_answers_content_is_the_runner_up_beside_the_file(tmp_path: Path) -> None:
    [blame] = blames(team(tmp_path / "team.jsonl"))
    [decisive, *others] = blame.candidates
    assert decisive.step.address == "llm:chat#2"
    assert "the final answer's content points here" in others[0].why  # 'Alex', which the leader wrote first
    assert others[0].agent == "Team Leader"


def test_the_first_write_of_a_file_another_agent_wrote_over_is_still_the_decisive_one(tmp_path: Path) -> None:
    wrote = (("Product Manager", "solution.py", "# add two numbers\n"), ("Engineer", "solution.py", WRONG))
    [blame] = blames(team(tmp_path / "team.jsonl", files=wrote))
    assert (blame.agent, [link.evidence.agent for link in blame.chain[:2]]) == (
        "Product Manager", ["Product Manager", "Engineer"])


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
    turn = trace.start("agent", "Engineer", system, kind="agent_turn")
    arguments = {"path": "solution.py", "content": WRONG + "assert add(1, 2) == 3\n"}
    trace.span("llm", "chat", 5, turn, outputs={"text": "Writing.", "tool_calls": [
        {"id": "w1", "name": "Editor.write", "arguments": arguments}]})
    trace.span("tool", "Editor.write", 1, turn, inputs=arguments, outputs={"return": None},
               attrs={"tool_call_id": "w1"})
    trace.end(turn, 5, outputs={"output": "Written."})
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
