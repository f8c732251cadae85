"""Rule 5 of the blame (`blame/fallback.py`): where no rule points at a step, a reading of the run still names the
best candidate, low, with its reason and runners-up; only a run with no step at all has none. Real traces, read by
the one pass as `diagnose` reads them."""

from __future__ import annotations

from pathlib import Path

from support.blametraces import blames, expect_failure
from support.tracefactory import TraceBuilder

WEAK = "no rule points at a step:"


def team_run(path: Path, turns: list[tuple[str, str, str | None]]) -> Path:
    """A team's agent turns under one system span, each turn's output and, when given, a search it ran first."""
    trace = TraceBuilder()
    trace.run_start()
    team = trace.start("agent", "Team")
    for agent, said, found in turns:
        turn = trace.start("agent", agent, team, kind="agent_turn")
        if found is not None:
            trace.span("tool", "search", 3, turn, inputs={"query": "where"}, outputs={"return": found})
        trace.end(turn, 5, outputs={"output": said})
    trace.end(team, 1)
    trace.run_end()
    return trace.write(path)


# lower-case words only: no number, quoted term or name for rule 4 to trace, and no error for rule 1
WORKSHOP = [("human", "where was the tower built?", None),
            ("Researcher", "it was built in a small workshop near the river", "a workshop near the river made iron"),
            ("Writer", "the tower was built in a small workshop near the river", None)]


def test_a_failed_run_no_rule_points_at_gets_a_step_low_with_its_reason_and_runners_up(tmp_path: Path) -> None:
    path = team_run(tmp_path / "workshop.jsonl", WORKSHOP)
    [blame] = blames(path, lambda clues: expect_failure(clues, "contains:Paris"))
    assert blame.step is not None and blame.confidence == "low" and blame.why.startswith(WEAK)
    assert (blame.agent, blame.step.address) == ("Researcher", "agent:Researcher#1")  # what the answer restates
    assert "'workshop'" in blame.why and blame.chain[-1].role == "failure"
    assert [(candidate.step.address, candidate.why.startswith(WEAK)) for candidate in blame.candidates] == [
        ("agent:Researcher#1", True), ("agent:Writer#1", True), ("tool:search#1", True)]
    assert len({candidate.ranked for candidate in blame.candidates}) == 3  # each says why it ranks where it does


def test_a_run_of_several_agents_no_rule_points_at_names_a_step_and_its_agent(tmp_path: Path) -> None:
    turns = [("human", "is it cold outside?", None), ("Checker", "let me look at the window", None),
             ("Solver", "it is warm and sunny", None)]
    [blame] = blames(team_run(tmp_path / "vague.jsonl", turns), lambda clues: expect_failure(clues, "contains:cold"))
    assert (blame.agent, blame.step and blame.step.address) == ("Solver", "agent:Solver#1")  # the answer's step
    assert blame.why.startswith(WEAK) and "final answer" in blame.why


def test_a_failed_run_with_no_step_at_all_has_no_step_and_says_why(tmp_path: Path) -> None:
    trace = TraceBuilder()
    trace.run_start()
    trace.run_end("failed")
    [blame] = blames(trace.write(tmp_path / "empty.jsonl"))
    assert (blame.agent, blame.step, blame.confidence, blame.chain, blame.candidates) == (None, None, "low", [], [])
    assert "made no LLM or tool call and took no agent turn" in blame.why


def test_a_run_that_gave_no_final_answer_is_blamed_at_its_last_llm_answer(tmp_path: Path) -> None:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "worker")
    for said in ("let me think", "i will look it up"):
        trace.span("llm", "chat", 5, agent, outputs={"text": said})
    trace.span("tool", "lookup", 5, agent, outputs={"return": "nothing found"})
    trace.end(agent, 1)
    trace.run_end("failed")
    [blame] = blames(trace.write(tmp_path / "unanswered.jsonl"))
    assert blame.step is not None and blame.why.startswith(WEAK)
    assert (blame.agent, blame.step.address) == ("worker", "llm:chat#2")
