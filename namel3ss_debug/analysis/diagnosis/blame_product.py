"""The blame through the files a run wrote (`products.py`; `blame.py` states the rules):

- rule 1, a tool that ran a file the run wrote raised (`python3 solution.py` and a traceback through it): the
  file's content raised, so the step that first wrote it is decisive, not the command that ran it;
- rule 4, where the run's task named a file: a run asked for a file (`the solution file you write should be named
  as "solution.py"`) produced that file, not its final answer, which only reports it; with nothing recorded going
  wrong, the step that first wrote the file is where the content the later writes built on began.
"""

from __future__ import annotations

from typing import Optional

from .blame_chain import Link, Verdict, View, quote
from .products import MAX_FILES, Wrote, file_name, writes
from .provenance import holds
from .records import Evidence, Failure
from .steps import Step


def by_product(view: View, failure: Failure) -> Optional[Verdict]:
    """The first write of the earliest written file that the run was given the name of; None when the failure
    judges the final answer (a failed expectation) or the run's figures (a check), or no such file was written."""
    if failure.source in ("check", "expect"):
        return None
    run = view.run
    named = next(((path, wrote) for path, wrote in run.files.wrote.items()  # in the order first written
                  if (name := file_name(path)) is not None and run.given.holds(name)), None)
    if named is None:
        return None
    path, wrote = named
    said, who = quote(path), view.agent(wrote.first) or "a step"
    why = (f"rule 4: the task named the file {said} and the run wrote it ({wrote.writes} write(s)); nothing recorded "
           f"went wrong, so the file is what failed: {who} wrote it first (seq {wrote.first.seq}), the content later "
           "writes built on")
    unseen = run.files.unindexed
    if unseen:
        why += f"; {unseen} write(s) of files past the run's first {MAX_FILES:,} were counted, not read"
    return Verdict(_written(view, said, wrote, "the file the task asked for", None), "low", why)


def file_raised(view: View, tool: Step, raised: Evidence) -> Optional[Verdict]:
    """Rule 1 for a tool that ran a file the run had written: the first write of the earliest written such file
    that the error names, else that the arguments name; None when it ran none, or when the tool is itself a write
    (a write that failed ran nothing). Low, as every blame on a file's first write: on the labelled team runs it is
    no surer than that (docs/diagnose.md, "How sure")."""
    if _writes(view, tool):
        return None
    written = [(path, name, wrote) for path, wrote in view.run.files.wrote.items()
               if wrote.first.seq < tool.seq and (name := file_name(path)) is not None]
    for named, text in (("the error names", tool.error_message), ("its arguments name", tool.arguments)):
        ran = next(((path, wrote) for path, name, wrote in written if holds(text, name)), None)
        if ran is not None:
            path, wrote = ran
            said, who = quote(path), view.agent(wrote.first) or "a step"
            links = [*_written(view, said, wrote, f"which {tool.name} ran", tool.seq),
                     Link(raised, "propagated", f"{tool.name} raised {tool.error_type or 'an error'} running {said}")]
            return Verdict(links, "low", f"rule 1: {tool.name} raised running {said}, a file the run wrote ({named} "
                           f"it): its content raised, and {who} wrote it first (seq {wrote.first.seq})")
    return None


def _writes(view: View, tool: Step) -> bool:
    """Whether `tool` is a write: as the answer that asked for it asked (by call id), else as its arguments read."""
    asker = view.by_seq.get(tool.asked_by) if tool.asked_by is not None else None
    ask = next((ask for ask in asker.asked if ask.call_id == tool.tool_call_id), None) if asker is not None else None
    return writes(ask.values, ask.arguments) if ask is not None else writes(None, tool.arguments)


def _written(view: View, said: str, wrote: Wrote, what: str, before: Optional[int]) -> list[Link]:
    """The chain's start: the file's first write (decisive), then its last write (before seq `before`, when
    given), when another step made it."""
    first, last = wrote.first, wrote.last
    links = [Link(view.evidence(first, f"wrote {said}"), "decisive",
                  f"{view.agent(first) or 'a step'} wrote {said}, {what}, first")]
    if last.seq != first.seq and (before is None or last.seq < before):
        links.append(Link(view.evidence(last, f"wrote {said} last"), "propagated",
                          f"{view.agent(last) or 'a step'} wrote {said} last, over what came before"))
    return links
