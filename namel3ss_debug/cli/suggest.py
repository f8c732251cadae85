"""Did you mean: the nearest command, option or choice to a word the user mistyped (`analyse`, `--section error`).

`_usage_error` in `main.py` turns each refusal into one line whose hint is the guess, whatever click's version
says (click 8.1 guesses no command and no choice; 8.2+ guesses commands of eager groups only).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import click

from ..model.errors import UsageError

if TYPE_CHECKING:  # generic from click 8.2; 8.1's Choice is not subscriptable at run time
    _ChoiceOfText = click.Choice[str]
else:
    _ChoiceOfText = click.Choice


def closest(word: str, known: Iterable[str]) -> str | None:
    """The known word nearest to `word`, if one is near enough to be what was meant."""
    import difflib  # noqa: PLC0415 - only a mistyped word needs it, not the start-up of every command

    found = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return found[0] if found else None


class UnknownChoice(click.BadParameter):
    """A value that is not one of an option's choices, with the choice nearest to it (or None)."""

    def __init__(self, message: str, ctx: click.Context | None, param: click.Parameter | None, guess: str | None):
        super().__init__(message, ctx=ctx, param=param)
        self.guess = guess


class Choice(_ChoiceOfText):
    """click's Choice whose refusal carries the nearest choice: `--section error` -> `--section errors`."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as error:
            raise UnknownChoice(error.message, ctx, param, closest(str(value), map(str, self.choices))) from None


class SuggestingGroup(click.Group):
    """A group whose unknown command is refused in one line with the nearest command's name."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                            list[str]]:
        name = click.utils.make_str(args[0])
        if not name.startswith("-") and not ctx.resilient_parsing and self.get_command(ctx, name) is None:
            commands = self.list_commands(ctx)
            # a file first: `run.jsonl` is a trace to analyze, though it looks like the command `runs`
            guess = _command_for_a_file(name, commands) or closest(name, commands)
            advice = f"did you mean `{ctx.command_path} {guess}`? " if guess else ""
            raise UsageError(f"no such command {name!r}", hint=f"{advice}see `{ctx.command_path} --help`")
        return super().resolve_command(ctx, args)


def _command_for_a_file(name: str, commands: list[str]) -> str | None:
    """A file named where the command goes: an app to trace (`namel3ss-debug app.py`) or a trace to analyze."""
    if name.endswith((".py", ".ai")) and "trace" in commands:
        return f"trace {name}"
    if name.endswith((".jsonl", ".jsonl.gz")) and "analyze" in commands:
        return f"analyze {name}"
    return None


def usage_hint(error: click.UsageError, command: str) -> str:
    """What to do about one of click's refusals: the guess, if there is one, then the command's help."""
    see = f"see `{command} --help`"
    if isinstance(error, UnknownChoice) and error.guess is not None and error.param is not None:
        return f"did you mean `{_option_name(error.param)} {error.guess}`? {see}"
    if isinstance(error, click.NoSuchOption):
        guess = closest(error.option_name, error.possibilities or ())
        return f"did you mean `{guess}`? {see}" if guess else see
    return see


def usage_message(error: click.UsageError) -> str:
    """click's message, without the guess click 8.2+ puts in it for an option (the hint says it once)."""
    if isinstance(error, click.NoSuchOption):
        return f"no such option {error.option_name!r}"
    return error.format_message()


def _option_name(param: click.Parameter) -> str:
    opts: list[str] = getattr(param, "opts", None) or [param.human_readable_name]
    return max(opts, key=len)
