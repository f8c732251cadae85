"""`render/runs/`: the list's lines (columns aligned in terminal cells, long text cut with an ellipsis, numbers to
the right, the lineage under its run), and each row's cost as analyze says it."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console

from namel3ss_debug.analysis.run_row import RunRow
from namel3ss_debug.analysis.trend import DayTrend
from namel3ss_debug.ops.runs.listing import RunsListing
from namel3ss_debug.render.runs.table import CHUNK, exchange_text, render_runs, row_cost
from namel3ss_debug.render.runs.trend import day_cost


def row(run_id: str, **fields: Any) -> RunRow:
    values: dict[str, Any] = dict(
        files=[], entry="script app.py", started="2026-11-20T10:00:00.000000Z", duration_ms=1000.0,
        status="completed", exit_code=0, models=[], frameworks=[], tags=[], llm_calls=1, tool_calls=0,
        total_tokens=100, cost_usd=0.01, unpriced_calls=0, errors=0, handled_errors=0, unhandled_errors=0,
        health="healthy", findings={}, findings_by_severity={})
    values.update(fields)
    return RunRow(run_id=run_id, **values)


class Out:
    """What `render_runs` writes to (`cli/output.Sink`): a console, and text written to its file."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def text(self, text: str) -> None:
        self.console.file.write(text)


def written(*rows: RunRow, terminal: bool = False, width: int = 400) -> str:
    out = io.StringIO()
    console = Console(width=width, file=out, force_terminal=terminal, color_system="standard" if terminal else None)
    render_runs(RunsListing(Path("traces"), list(rows), more=False), Out(console))
    return out.getvalue()


def shown(*rows: RunRow, terminal: bool = False, width: int = 400) -> list[str]:
    """The lines printed off a terminal, or on a colour terminal with the colours taken out."""
    return re.sub(r"\x1b\[[0-9;]*m", "", written(*rows, terminal=terminal, width=width)).splitlines()


def test_columns_line_up_in_terminal_cells_and_long_text_is_cut() -> None:
    lines = shown(row("r1", entry="script 日本語.py", total_tokens=5),
                  row("r2", entry="script " + "x" * 100 + ".py", total_tokens=123_456),
                  row("r3", findings={"call_loop": "critical", "cacheable_calls": "info"}))
    header, _, first, second, third, summary = lines
    def end(line: str, text: str) -> int:  # the terminal cell after `text`, as wide characters take two
        return cell_len(line[:line.index(text) + len(text)])

    assert end(first, " 5 ") - 1 == end(second, "123,456 ") - 1 == end(header, "tokens")  # numbers to the right
    assert end(first, "completed") == end(second, "completed")  # after a CJK entry, in terminal cells
    assert "…" in second and "x" * 100 not in second
    assert third.endswith("call_loop, cacheable_calls  -")  # worst first; then no question nor answer
    assert summary == "3 runs of traces"


def test_on_a_terminal_the_same_lines_in_colour() -> None:
    rows = (row("a", status="failed", exit_code=1, health="failing", findings={"call_loop": "critical"}),
            row("b", parent="a", lineage="fork", cost_usd=None, unpriced_calls=1))
    assert shown(*rows, terminal=True) == shown(*rows)


def test_a_rerun_or_fork_is_marked_under_its_run() -> None:
    lines = shown(row("child", parent="mother", lineage="fork"), row("again", parent="mother", lineage="rerun"))
    assert lines[2].startswith("child") and lines[3] == "↳ fork of mother"
    assert lines[4].startswith("again") and lines[5] == "↳ rerun of mother"


def test_no_run_is_one_line() -> None:
    assert shown() == ["no runs in traces match these options"]


def test_an_unknown_cost_is_never_zero() -> None:
    assert row_cost(row("a", cost_usd=None, unpriced_calls=2)) == "unknown"
    assert row_cost(row("a", cost_usd=0.5, unpriced_calls=1)) == "at least $0.5000"
    assert row_cost(row("a", cost_usd=None, llm_calls=0)) == "-"
    assert day_cost(DayTrend("2026-11-20", 2, None, 2, 0)) == "unknown (2 runs unpriced)"
    assert day_cost(DayTrend("2026-11-20", 2, 0.25, 1, 0)) == "at least $0.2500 (1 run unpriced)"
    assert day_cost(DayTrend("2026-11-20", 2, 0.25, 0, 0)) == "$0.2500"


def test_a_stopped_rerun_with_no_tokens_reads_unknown_not_at_least_zero() -> None:
    """Its missed call recorded no usage and its others none: `at least $0.00` would say nothing known."""
    stopped = row("a", status="stopped", stopped="no recorded answer", total_tokens=0, cost_usd=0.0, unpriced_calls=1)
    assert row_cost(stopped) == "unknown"
    assert day_cost(DayTrend("2026-11-20", 1, 0.0, 1, 0)) == "unknown (1 run unpriced)"


CITIES = ("Paris", "Lisbon", "Oslo")


def trips() -> list[RunRow]:
    return [row(f"20261120-09000{number}-abcdef", entry="script trip_agent.py", input=f"What should I see in {city}?",
                output=f"In {city}: the old town first. Then the harbour at dusk, and the museum if it rains.")
            for number, city in enumerate(CITIES)]


def test_each_run_shows_its_question_and_answer_within_100_and_200_columns() -> None:
    for width in (100, 200):
        for terminal in (False, True):
            lines = shown(*trips(), width=width, terminal=terminal)
            assert lines[0].split()[-3:] == ["question", "→", "answer"]
            assert max(cell_len(line) for line in lines) <= width
            for line, city in zip(lines[2:], CITIES):
                assert f"What should I see in {city}? → In {city}: the old town" in line
    wide, narrow = shown(*trips(), width=200)[0], shown(*trips(), width=100)[0]
    assert "started (UTC)" in wide and "tokens" in wide and "started (UTC)" not in narrow
    assert narrow.split()[:3] == ["run", "status", "health"]


def test_a_question_and_answer_too_long_are_both_cut_and_text_from_the_trace_is_shown_as_text() -> None:
    said = exchange_text("q" * 100, "a" * 100, 60)
    assert cell_len(said) == 60 and said.startswith("q" * 33 + "… → a") and said.endswith("a…")
    assert exchange_text("Paris?", "a" * 100, 40) == "Paris? → " + "a" * 30 + "…"
    assert exchange_text(None, None, 40) == "-" and exchange_text("Paris?", None, 40) == "Paris? → -"
    (line,) = shown(row("r", input="[bold red]Paris[/]\x1b[2J", output="fine\u202eenif"))[2:3]
    assert "[bold red]Paris[/]" in line and "\x1b" not in line and "\u202e" not in line


def test_on_a_colour_terminal_the_styles_are_the_consoles_own_and_off_one_there_are_none() -> None:
    failed = row("a", status="failed", exit_code=1, health="failing", findings={"call_loop": "critical"})
    coloured, plain = written(failed, terminal=True), written(failed)
    assert "\x1b[31mfailed (exit 1)\x1b[0m" in coloured and "\x1b[1;31mcall_loop\x1b[0m" in coloured
    assert "\x1b" not in plain


def test_on_a_terminal_a_line_is_cut_at_its_edge_and_off_one_printed_whole() -> None:
    long_id = "r" * 55
    lines = shown(row(long_id, parent="m" * 80, lineage="fork"), terminal=True, width=50)
    assert max(cell_len(line) for line in lines) <= 50 and lines[2].startswith("r" * 40) and "…" in lines[2]
    assert lines[3].startswith("↳ fork of mmm") and lines[3].endswith("…")
    whole = shown(row(long_id), width=50)
    assert whole[2].startswith(long_id)


def test_many_runs_are_written_a_chunk_at_a_time_and_line_up_across_chunks() -> None:
    writes = []

    class Counting(Out):
        def text(self, text: str) -> None:
            writes.append(text)
            super().text(text)

    rows = [row(f"run-{number:05d}", total_tokens=number * 1000) for number in range(CHUNK + 5)]
    out = io.StringIO()
    render_runs(RunsListing(Path("traces"), rows, more=False), Counting(Console(width=300, file=out,
                                                                                color_system=None)))
    lines = out.getvalue().splitlines()
    assert len(writes) == 4  # the header, two chunks of runs, the summary: not a write a line
    assert len(lines) == 2 + CHUNK + 5 + 1 and lines[-1] == f"{CHUNK + 5} runs of traces"
    token_ends = {line.index(f"{number * 1000:,}") + len(f"{number * 1000:,}") for number, line in
                  enumerate(lines[2:-1]) if number}
    assert token_ends == {lines[0].index("tokens") + len("tokens")}  # numbers to the right, in both chunks


def test_on_a_terminal_a_later_group_is_laid_out_as_it_comes_never_narrower_and_off_one_all_at_once() -> None:
    first = [row("a", total_tokens=5, entry="script a.py")]
    later = [row("b", total_tokens=1_234_567, entry="script a_much_longer_name.py")]

    def lines(terminal: bool) -> list[str]:
        out = io.StringIO()
        console = Console(width=200, file=out, force_terminal=terminal, color_system="standard" if terminal else None)
        render_runs(RunsListing(Path("traces"), first, more=False, rest=iter([later])), Out(console))
        return re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).splitlines()

    head, _, line_a, line_b, summary = lines(terminal=True)
    assert summary == "2 runs of traces"
    assert line_a.index("completed") == head.index("status")  # the first group's own widths
    assert line_b.index("completed") > line_a.index("completed")  # the later group's wider entry widens it
    head, _, line_a, line_b, summary = lines(terminal=False)
    assert line_a.index("completed") == line_b.index("completed") == head.index("status")
    assert summary == "2 runs of traces"
