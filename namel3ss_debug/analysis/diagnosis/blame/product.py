"""The blame through the files a run wrote (`notes/products.py`; `judge.py` states the rules):

- rule 1, a tool that ran a file the run wrote raised (`python3 solution.py` and a traceback through it): the
  file's content raised, so the write that made that content is decisive, not the command that ran it;
- rule 4, where the run's task named a file: a run asked for a file (`the solution file you write should be named
  as "solution.py"`) produced that file, not its final answer, which only reports it; with nothing recorded going
  wrong, the write that made the content the file holds is decisive: its first write (medium), or the last write
  that replaced its whole text with a different one (`products.Wrote.made`; low).
"""

from __future__ import annotations

from typing import Optional

from .chain import Link, BlameVerdict, BlameView, quote
from ..notes.products import MAX_FILES, Wrote, file_name, writes
from ..notes.provenance import holds
from ...records.findings import Evidence, BlamedFailure
from ..notes.steps import RunClues, Step


def by_product(view: BlameView, failure: BlamedFailure) -> Optional[BlameVerdict]:
    """The write that made the content of the earliest written file that the run was given the name of, the file's
    first write a runner-up when a later one replaced it; None when the failure judges the final answer (a failed
    expectation) or the run's figures (a check), or no such file was written."""
    if failure.source in ("check", "expect"):
        return None
    run = view.run
    named = named_file(run)
    if named is None:
        return None
    path, wrote = named
    said, made = quote(path), wrote.made
    who = view.agent(made) or "a step"
    if made is wrote.first:
        how = f"{who} wrote it first (seq {made.seq}), and no later write replaced the whole of it with another text"
    else:
        how = (f"{who} made the content it holds (seq {made.seq}): the last write that replaced the whole of it with "
               "a different text")
    why = (f"rule 4: the task named the file {said} and the run wrote it ({wrote.writes} write(s)); nothing recorded "
           f"went wrong, so the file is what failed: {how}")
    unseen = run.files.unindexed
    if unseen:
        why += f"; {unseen} write(s) of files past the run's first {MAX_FILES:,} were counted, not read"
    return BlameVerdict(_written(view, said, made, wrote.last, "the file the task asked for", None), why,
                        also=_replaced(view, said, wrote),
                        path="answer.file_first_write" if made is wrote.first else "answer.file_replaced")


def named_file(run: RunClues) -> Optional[tuple[str, Wrote]]:
    """The earliest written file whose name, with an extension, the run was given, and its writes."""
    return next(((path, wrote) for path, wrote in run.files.wrote.items()  # in the order first written
                 if (name := file_name(path)) is not None and run.given.holds(name)), None)


def file_raised(view: BlameView, tool: Step, raised: Evidence) -> Optional[BlameVerdict]:
    """Rule 1 for a tool that ran a file the run had written (`ran_file`): the write that made its content (its
    `made` when that came before the tool, else its first write)."""
    ran = ran_file(view, tool)
    if ran is None:
        return None
    path, wrote, named = ran
    said = quote(path)
    made = wrote.made if wrote.made.seq < tool.seq else wrote.first
    links = [*_written(view, said, made, wrote.last, f"which {tool.name} ran", tool.seq),
             Link(raised, "propagated", f"{tool.name} raised {tool.error_type or 'an error'} running {said}")]
    return BlameVerdict(links, f"rule 1: {tool.name} raised running {said}, a file the run wrote ({named} it): its "
                        f"content raised, and {view.agent(made) or 'a step'} made that content (seq {made.seq})",
                        path="error.file_raised")


def ran_file(view: BlameView, tool: Step) -> Optional[tuple[str, Wrote, str]]:
    """The file the run wrote before `tool` that `tool` ran: the earliest written one the error names, else that
    the arguments name, with how it was told; None when it ran none, or when the tool is itself a write (a write
    that failed ran nothing)."""
    if _writes(view, tool):
        return None
    written = [(path, name, wrote) for path, wrote in view.run.files.wrote.items()
               if wrote.first.seq < tool.seq and (name := file_name(path)) is not None]
    for named, text in (("the error names", tool.error_message), ("its arguments name", tool.arguments)):
        ran = next(((path, wrote) for path, name, wrote in written if holds(text, name)), None)
        if ran is not None:
            return (*ran, named)
    return None


def _writes(view: BlameView, tool: Step) -> bool:
    """Whether `tool` is a write: as the answer that asked for it asked (by call id), else as its arguments read."""
    asker = view.by_seq.get(tool.asked_by) if tool.asked_by is not None else None
    ask = next((ask for ask in asker.asked if ask.call_id == tool.tool_call_id), None) if asker is not None else None
    return writes(ask.values, ask.arguments) if ask is not None else writes(None, tool.arguments)


def _written(view: BlameView, said: str, made: Step, last: Step, what: str, before: Optional[int]) -> list[Link]:
    """The chain's start: the write that made the file's content (decisive), then its last write (before seq
    `before`, when given), when a later step made it."""
    links = [Link(view.evidence(made, f"wrote {said}"), "decisive",
                  f"{view.agent(made) or 'a step'} wrote {said}, {what}, in the content it holds")]
    if last.seq > made.seq and (before is None or last.seq < before):
        links.append(Link(view.evidence(last, f"wrote {said} last"), "propagated",
                          f"{view.agent(last) or 'a step'} wrote {said} last, over what came before"))
    return links


def _replaced(view: BlameView, said: str, wrote: Wrote) -> list[Link]:
    """The file's first write, when a later whole write replaced its text: a runner-up."""
    first = wrote.first
    if first is wrote.made:
        return []
    return [Link(view.evidence(first, f"wrote {said} first"), "source",
                 f"{view.agent(first) or 'a step'} wrote {said} first; a later write replaced the whole of it")]
