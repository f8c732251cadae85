"""`namel3ss-debug runs` over 20 traced runs of a trip agent (`tests/runs/trips.py`), 3 of them crashes: each run
listed with its question and answer (table at 100 and 200 columns, JSON), `--grep` finding exactly the runs whose
question, answer or error messages hold its text (FTS5's own syntax in it searched as text), and `--trend` judging
each run against the last earlier run that did not crash: no recovery is a regression, a real one still is.
Questions that run alike past the table's cut are shown from where they part."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from runs.trips import Trip, record_trips

from namel3ss_debug.cli.main import cli
from namel3ss_debug.schemas import load_runs_schema

pytestmark = pytest.mark.usefixtures("isolated_workspace")

LOUVRE = Trip("Lyon", question="Where is the Louvre?", answer="The Louvre is in Paris.")
TRIPS = [Trip("Paris"), Trip("Lisbon"), Trip("Oslo"), Trip("Rome"),
         Trip("Nice", crash=True, question="Where next?"),  # 4: a crash (80 tokens)
         Trip("Lisbon"),  # 5: back to 190 tokens after it: a recovery, no regression
         LOUVRE, Trip("Rome"), Trip("Madrid"),
         Trip("Paris", crash=True),  # 9
         Trip("Berlin"),  # 10: a recovery
         Trip("Vienna"), Trip("Prague"),
         Trip("Oslo", crash=True),  # 13
         Trip("Rome", tokens=380),  # 14: after a crash, twice the tokens and cost of the last good run: a regression
         Trip("Lisbon"), Trip("Porto"), Trip("Paris"), Trip("Nice"), Trip("Milan")]
CRASHES = (4, 9, 13)


@pytest.fixture(scope="module")
def trips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    directory = tmp_path_factory.mktemp("trips")
    return directory, record_trips(directory, TRIPS)


def invoke(*args: str, columns: int = 200):
    return CliRunner().invoke(cli, ["runs", *args], catch_exceptions=False,
                              env={"COLUMNS": str(columns), "NO_COLOR": "1"})


def listed(directory: Path, *args: str) -> list[dict[str, Any]]:
    result = invoke(str(directory), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [error.message for error in Draft202012Validator(load_runs_schema()).iter_errors(data)] == []
    return data["runs"]


def said(trip: Trip) -> str:
    """The run's answer as listed: its last LLM answer, on one line."""
    return f"Let me think about {trip.city}." if trip.crash else " ".join(trip.said.split())


def test_each_run_has_its_question_answer_and_error_messages_in_json(trips) -> None:
    directory, run_ids = trips
    rows = {row["run_id"]: row for row in listed(directory)}
    for number, (run_id, trip) in enumerate(zip(run_ids, TRIPS)):
        row = rows[run_id]
        assert (row["input"], row["output"]) == (trip.asked, said(trip))
        assert row["error_messages"] == ([f"no flights to {trip.city} today"] if number in CRASHES else [])


@pytest.mark.parametrize("columns", [100, 200])
def test_each_row_of_the_table_shows_its_question_and_answer(trips, columns: int) -> None:
    directory, run_ids = trips
    lines = invoke(str(directory), columns=columns).output.splitlines()
    assert lines[0].rstrip().endswith("question → answer")
    for run_id, trip in zip(run_ids, TRIPS):
        (line,) = [line for line in lines if line.startswith(run_id)]
        assert len(line) <= columns and f"{trip.asked} → {said(trip)[:15]}" in line


TICKET = "Read the customer's ticket below, say which team owns it and how urgent it is, in one line: "
TICKETS = [Trip(city, question=TICKET + issue, answer=f"Team {city}.") for city, issue in (
    ("Billing", "my invoice for March was charged twice"), ("Auth", "login loops after SSO"),
    ("Exports", "CSV export times out after 30 seconds"))]


@pytest.mark.parametrize("columns", [100, 200])
def test_questions_alike_at_their_start_are_shown_from_where_they_part(tmp_path: Path, columns: int) -> None:
    """Cut at its end, each question would read as the shared preamble; each row shows the words that set it apart."""
    run_ids = record_trips(tmp_path, TICKETS)
    lines = invoke(str(tmp_path), columns=columns).stdout.splitlines()
    for run_id, trip in zip(run_ids, TICKETS):
        (line,) = [line for line in lines if line.startswith(run_id)]
        shown = line.split("  ")[-1].strip()
        part = trip.asked[len(TICKET):]
        assert len(line) <= columns and shown.startswith("…") and f"{part} → Team {trip.city}." in shown
        assert TICKET not in line


def test_grep_lists_exactly_the_runs_whose_question_answer_or_error_mention_it(trips) -> None:
    directory, run_ids = trips
    paris = {run_ids[number] for number, trip in enumerate(TRIPS) if trip.city == "Paris" or trip is LOUVRE}
    assert len(paris) == 4
    assert {row["run_id"] for row in listed(directory, "--grep", "Paris")} == paris
    assert {row["run_id"] for row in listed(directory, "--grep", "NO FLIGHTS")} == {run_ids[n] for n in CRASHES}
    table = invoke(str(directory), "--grep", "paris").output
    assert sum(line.startswith(tuple(paris)) for line in table.splitlines()) == 4 and "4 runs of" in table


def _searched(row: dict[str, Any]) -> str:
    """What `--grep` reads of a row (docs/runs.md), a line each, in lower case."""
    texts = [row["run_id"], row["entry"] or "", *row["tags"], *row["models"], *row["frameworks"], *row["tools"],
             *row["error_types"], *row["findings"], row["input"] or "", row["output"] or "", *row["error_messages"]]
    return "\n".join(texts).lower()


@pytest.mark.parametrize("text", ['"', '"Paris', 'Paris"', "Par*", "Paris -Oslo", "-Oslo", "NEAR(Paris Oslo)",
                                  "NEAR", "Paris)", "((Paris", "AND", "Paris OR Oslo", "^In", "in:", "Pa", "o",
                                  "the old town first. then", "a\x00b", "'; DROP TABLE runs; --"])
def test_grep_searches_fts5_syntax_as_text_and_never_fails(trips, text: str) -> None:
    directory, _ = trips
    every = listed(directory)
    want = {row["run_id"] for row in every if text.lower() in _searched(row)}
    assert {row["run_id"] for row in listed(directory, "--grep", text)} == want


def test_trend_passes_over_crashes_no_recovery_is_a_regression_and_a_real_one_is_found(trips) -> None:
    directory, run_ids = trips
    result = invoke(str(directory), "--format", "json", "--trend", "--regression", "tokens>+25%",
                    "--regression", "cost>+25%")
    found = {item["run_id"]: item for item in json.loads(result.stdout)["trend"]["regressions"]}
    # the crashes regressed (health), each against the run before it; the runs after them did not
    assert {run_ids[n]: found[run_ids[n]]["previous"] for n in CRASHES} == {run_ids[n]: run_ids[n - 1]
                                                                           for n in CRASHES}
    assert set(found) == {*(run_ids[n] for n in CRASHES), run_ids[14]}
    costly = found[run_ids[14]]
    assert (costly["previous"], costly["crashed_between"]) == (run_ids[12], 1)
    reasons = {reason["metric"]: reason for reason in costly["reasons"]}
    assert set(reasons) == {"tokens", "cost"}
    assert (reasons["tokens"]["before"], reasons["tokens"]["after"]) == (190, 380)
    table = invoke(str(directory), "--trend", "--regression", "tokens>+25%", "--regression", "cost>+25%").output
    assert "against the last earlier run of the same entry that did not crash" in table
    assert f"{run_ids[14]}  {run_ids[12]} (after 1 crashed run)" in table
