"""Where a rerun's LLM misses go, as `verify` and `bisect` say it (`render/rerun/live.py`, shared by both
reports): at `--base-url`, where the app sends them (`--live`: where the runs' live calls went, read from their
traces, then the recording's origins as where it sent them then), or reported; a run's live count with where its
calls went; and the line each command writes on stderr before its first rerun under `--live`."""

from __future__ import annotations

from rich.console import Console

from namel3ss_debug.render.rerun.live import fork_going_live, going_live, misses_go, ran_live


def printed(line: object) -> str:
    console = Console(width=400, color_system=None, record=True)
    with console.capture() as captured:
        console.print(line)
    return captured.get().rstrip("\n")


def test_misses_go_to_the_base_url_when_one_is_given() -> None:
    assert misses_go("http://127.0.0.1:8000", False, ()) == "LLM misses live at http://127.0.0.1:8000"


def test_under_live_misses_name_where_they_went_then_the_recorded_origins_as_then() -> None:
    said = misses_go(None, True, ("https://api.openai.com", "http://127.0.0.1:9"), ("http://127.0.0.1:8001",))
    assert said == ("LLM misses live where the app sends them (they went to http://127.0.0.1:8001; the recording's "
                    "went to https://api.openai.com, http://127.0.0.1:9)")
    assert misses_go(None, True, ("http://127.0.0.1:9",), ("http://127.0.0.1:9",)) == \
        "LLM misses live where the app sends them (they went to http://127.0.0.1:9, as the recording's did)"
    assert misses_go(None, True, ()) == \
        "LLM misses live where the app sends them (none went live; the recording names no endpoint)"


def test_a_run_s_live_count_names_where_its_calls_went() -> None:
    assert ran_live(2, ("http://127.0.0.1:8001",)) == "2 run live (to http://127.0.0.1:8001)"
    assert ran_live(1, ()) == "1 run live"  # a tool's body, or a call whose trace names no URL


def test_misses_are_reported_with_neither_option() -> None:
    assert misses_go(None, False, ()) == "LLM misses reported (no --base-url or --live)"


def test_the_line_before_the_first_rerun_says_calls_go_where_the_app_sends_them() -> None:
    assert printed(going_live(("https://api.openai.com",))) == (
        "verify: --live: LLM calls the recording cannot answer go live where the app sends them, as in a plain run "
        "(the recording's went to https://api.openai.com), with the environment's keys; the report names where they "
        "went and counts them")
    assert printed(going_live((), "bisect")).startswith(
        "bisect: --live: LLM calls the recording cannot answer go live where the app sends them, as in a plain run "
        "(the recording names no endpoint)")


def test_a_fork_with_no_base_url_says_its_calls_go_where_the_app_sends_them() -> None:
    assert printed(fork_going_live("llm:openai.chat#2", ("http://127.0.0.1:9",), False)).startswith(
        "fork: LLM calls the recording cannot answer from llm:openai.chat#2 on go live to where the app sends them "
        "(the recording's went to http://127.0.0.1:9); --base-url URL sends them elsewhere")
