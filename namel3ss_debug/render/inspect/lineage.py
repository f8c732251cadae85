"""`inspect`'s header for a rerun or a fork: the run it came from and where it parted, one line a run.

    run R: fork of P at llm:openai.chat#2 (answer), parted at llm:openai.chat#2 (forked)

The text from the trace goes through `one_line`: shown, never interpreted, one line, cut when long.
"""

from __future__ import annotations

from rich.text import Text

from ...model.lineage import Lineage
from ..event_text import one_line

SHOWN = 200  # characters of each text from the trace (a call key, a run id)


def lineage_view(lineages: list[tuple[str, Lineage]]) -> Text:
    """One line a run that is a rerun or a fork, in the order the runs were named."""
    lines = [Text(f"run {_shown(run_id)}: {lineage.said(_shown)}", style="yellow") for run_id, lineage in lineages]
    return Text("\n").join(lines)


def _shown(text: str) -> str:
    return one_line(text, SHOWN)
