"""Text styled as a console writes it, for views that write their lines as text rather than as Rich renderables.

A console's escape codes for a style are asked of the console itself, once a style: it prints a letter in that
style into a capture, and what comes before and after the letter is the style's (none off a terminal, no colour
under NO_COLOR, a terminal's own colour system). Only our own style names are painted: text from a trace is never
a style, and is made visible (`text.visible`) before it is painted.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

Piece = tuple[str, str]  # text, style ("": none)
_MARK = "X"  # no escape code of a style holds a letter X


class Paint:
    """The escape codes `console` writes around a style's text; `on` is False where it writes none at all."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.on = console.color_system is not None
        self._codes: dict[str, tuple[str, str]] = {"": ("", "")}

    def text(self, text: str, style: str) -> str:
        """`text` in `style`."""
        before, after = self._codes.get(style) or self._asked(style)
        return before + text + after if before or after else text

    def pieces(self, pieces: list[Piece]) -> str:
        """Each piece in its style, one after another."""
        return "".join(self.text(text, style) for text, style in pieces)

    def _asked(self, style: str) -> tuple[str, str]:
        codes = ("", "")
        if self.on:
            with self.console.capture() as capture:
                self.console.print(Text(_MARK, style=style), end="")
            before, mark, after = capture.get().partition(_MARK)
            codes = (before, after) if mark else codes
        self._codes[style] = codes
        return codes
