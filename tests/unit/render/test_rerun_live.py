"""Where a rerun's LLM misses go, as `verify` and `bisect` say it (`render/rerun/live.py`, shared by both
reports): at `--base-url`, at the endpoints the app called (`--live`), or reported; and the line each command writes
on stderr before its first rerun under `--live`."""

from __future__ import annotations

from rich.console import Console

from namel3ss_debug.render.rerun.live import going_live, misses_go


def printed(line: object) -> str:
    console = Console(width=400, color_system=None, record=True)
    with console.capture() as captured:
        console.print(line)
    return captured.get().rstrip("\n")


def test_misses_go_to_the_base_url_when_one_is_given() -> None:
    assert misses_go("http://127.0.0.1:8000", False, ()) == "LLM misses live at http://127.0.0.1:8000"


def test_misses_go_to_the_endpoints_the_app_called_under_live() -> None:
    said = misses_go(None, True, ("https://api.openai.com", "http://127.0.0.1:9"))
    assert said == "LLM misses live at the endpoints the app called (https://api.openai.com, http://127.0.0.1:9)"
    assert misses_go(None, True, ()) == "LLM misses live at the endpoints the app called (the recording names none)"


def test_misses_are_reported_with_neither_option() -> None:
    assert misses_go(None, False, ()) == "LLM misses reported (no --base-url or --live)"


def test_the_line_before_the_first_rerun_names_the_command_and_the_endpoints() -> None:
    assert printed(going_live(("https://api.openai.com",))) == (
        "verify: --live: LLM calls the recording cannot answer go to the endpoints the app called "
        "(https://api.openai.com), with the environment's keys; the report counts them")
    assert printed(going_live((), "bisect")).startswith(
        "bisect: --live: LLM calls the recording cannot answer go to the endpoints the app called "
        "(the recording names none)")
