"""The command machinery both debuggers share: the table from docstrings, the one alias list, and how a line runs."""

from __future__ import annotations

from typing import Any

from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.replay.commands import ALIASES, CommandSession, aliases_of, nearest, resolve
from namel3ss_debug.replay.expr_syntax import ExprError
from namel3ss_debug.replay.outputs import Help, Message


class Lamp(CommandSession):
    """A session of two commands of its own, and its own `quit`."""

    def do_step(self, argument: str, column: int) -> list[Any]:
        """step
        Turn the lamp a step brighter.

        It has three steps."""
        return [Message("brighter")]

    def do_quit(self, argument: str, column: int) -> list[Any]:
        """quit
        Switch the lamp off."""
        return super().do_quit(argument, column)

    def do_aim(self, argument: str, column: int) -> list[Any]:
        """aim WHERE
        Point the lamp."""
        if argument == "up":
            raise UsageError("the lamp cannot point up", hint="aim down")
        raise ExprError("no such place", column, argument)


def test_a_session_lists_its_own_commands_then_help_and_quit_with_its_own_help_text():
    table = Lamp.commands
    assert list(table) == ["step", "aim", "help", "quit"]
    assert (table["step"].usage, table["step"].summary, table["step"].details) == (
        "step", "Turn the lamp a step brighter.", "It has three steps.")
    assert table["quit"].summary == "Switch the lamp off."
    assert (table["step"].aliases, table["help"].aliases, table["quit"].aliases) == (("s",), ("h", "?"), ("q", "exit"))


def test_an_alias_counts_only_in_a_session_that_has_its_command():
    assert ALIASES["ok"] == "accept" and ALIASES["n"] == "next"
    assert set(aliases_of(Lamp.commands)) == {"s", "h", "?", "q", "exit"}
    assert (resolve("s", Lamp.commands), resolve("ok", Lamp.commands), resolve("n", Lamp.commands)) == (
        "step", None, None)
    assert nearest("ox", Lamp.commands) == []  # `ok` is no alias of the lamp's


def test_a_line_runs_its_command_and_a_blank_line_does_nothing():
    lamp = Lamp()
    assert (lamp.execute("  s  "), lamp.execute("   "), lamp.errors) == ([Message("brighter")], [], 0)


def test_an_unknown_command_is_a_counted_mistake_naming_the_nearest():
    lamp = Lamp()
    assert lamp.execute("stpe") == [Message("unknown command 'stpe' (did you mean step? `help` lists the "
                                            "commands)", "error")]
    assert lamp.errors == 1


def test_a_usage_error_is_a_counted_mistake_pointing_at_its_column_when_it_has_one():
    lamp = Lamp()
    assert lamp.execute("aim up") == [Message("the lamp cannot point up (aim down)", "error")]
    assert lamp.execute("aim left") == [Message("column 5: no such place", "error", "aim left\n    ^")]
    assert lamp.errors == 2


def test_help_lists_the_commands_or_shows_one_and_quit_ends_the_session():
    lamp = Lamp()
    assert lamp.execute("help") == [Help(tuple(Lamp.commands.values()), one=False)]
    assert lamp.execute("h s") == [Help((Lamp.commands["step"],), one=True)]
    assert lamp.execute("help ok")[0].text == "no command 'ok' (`help` lists the commands)"
    assert (lamp.execute("q"), lamp.done) == ([], True)
