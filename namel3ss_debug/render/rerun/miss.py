"""A rerun's miss as text, as every command that reruns an app shows it (`replay --rerun`, `verify`, `bisect`): the
call, where it was made and why it had no recorded answer, what it asked, and the nearest recorded calls of its kind
with why each did not match. What to do about it is each command's own line, after these."""

from __future__ import annotations

from rich.text import Text

from ...rerun.candidates import Miss, short_repr
from ..text import visible


def miss_lines(miss: Miss, label: str = "miss", width: int = 14) -> list[Text]:
    """The miss under `label`, each field's label `width` characters wide (its own indented under it)."""
    where = f" at {miss.path}" if miss.path != "-" else ""
    lines = [Text(visible(f"{label:<{width}}{miss.call}{where}: {miss.why}"), style="red")]
    if miss.inputs is not None:
        lines.append(Text(visible(f"{'  inputs':<{width}}{short_repr(miss.inputs, 120)}")))
    if not miss.candidates:
        lines.append(Text(visible(f"  {none_offered(miss)}")))
    for number, candidate in enumerate(miss.candidates, 1):
        lines.append(Text(visible(f"{f'  nearest {number}':<{width}}{candidate.key} ({candidate.where}) "
                                  f"at {candidate.path}")))
        lines.extend(Text(visible(f"{'':<{width + 2}}- {reason}")) for reason in candidate.reasons)
    return lines


def none_offered(miss: Miss) -> str:
    """What a miss with no nearest call says: the recording has no call of its kind (a connection the network
    guard refused has none: nothing recorded answers a connection)."""
    if miss.path == "-":
        return "the recording has no calls to offer"
    return f"the recording has no {miss.call.partition(':')[0]} calls"
