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
    named = [(path, wrote) for path, wrote in run.files.wrote.items()
             if (name := file_name(path)) is not None and run.given.holds(name)]
    if not named:
        return None
    path, wrote = min(named, key=lambda pair: pair[1].first.seq)
    return _verdict(view, path, wrote)


def _verdict(view: View, path: str, wrote: Wrote) -> Verdict:
    said, first, last = quote(path), wrote.first, wrote.last
    who = view.agent(first) or "a step"
    links = [Link(view.evidence(first, f"wrote {said}"), "decisive",
                  f"{who} wrote {said}, the file the task asked for, first")]
    if last.seq != first.seq:
        links.append(Link(view.evidence(last, f"wrote {said} last"), "propagated",
                          f"{view.agent(last) or 'a step'} wrote {said} last, over what came before"))
    why = (f"rule 4: the task named the file {said} and the run wrote it ({wrote.writes} write(s)); nothing recorded "
           f"went wrong, so the file is what failed: {who} wrote it first (seq {first.seq}), the content later "
           "writes built on")
    unseen = view.run.files.unindexed
    if unseen:
        why += f"; {unseen} write(s) of files past the run's first {MAX_FILES:,} were counted, not read"
    return Verdict(links, "low", why)


def file_raised(view: View, tool: Step, raised: Evidence) -> Optional[Verdict]:
    """Rule 1 for a tool that ran a file the run had written: the first write of the earliest written such file
    that the error names, else that the arguments name; None when it ran none, or when the tool is itself a write
    (a write that failed ran nothing). Low: on labelled runs the first write is the mistake's step about as often
    as its neighbours are (docs/diagnose.md, "How sure")."""
    if _writes(view, tool):
        return None
    written = [(path, name, wrote) for path, wrote in view.run.files.wrote.items()
               if wrote.first.seq < tool.seq and (name := file_name(path)) is not None]
    for named, text in (("the error names", tool.error_message), ("its arguments name", tool.arguments)):
        ran = [(path, wrote) for path, name, wrote in written if holds(text, name)]
        if ran:
            path, wrote = min(ran, key=lambda pair: pair[1].first.seq)
            return _ran(view, tool, raised, path, wrote, named)
    return None


def _writes(view: View, tool: Step) -> bool:
    """Whether `tool` is a write: as the answer that asked for it asked (by call id), else as its arguments read."""
    asker = view.by_seq.get(tool.asked_by) if tool.asked_by is not None else None
    ask = next((ask for ask in asker.asked if ask.call_id == tool.tool_call_id), None) if asker is not None else None
    return writes(ask.values, ask.arguments) if ask is not None else writes(None, tool.arguments)


def _ran(view: View, tool: Step, raised: Evidence, path: str, wrote: Wrote, named: str) -> Verdict:
    said, first = quote(path), wrote.first
    who = view.agent(first) or "a step"
    links = [Link(view.evidence(first, f"wrote {said}"), "decisive", f"{who} wrote {said}, which {tool.name} ran, "
                  "first")]
    if wrote.last.seq != first.seq and wrote.last.seq < tool.seq:
        links.append(Link(view.evidence(wrote.last, f"wrote {said} last"), "propagated",
                          f"{view.agent(wrote.last) or 'a step'} wrote {said} last before it ran"))
    links.append(Link(raised, "propagated", f"{tool.name} raised {tool.error_type or 'an error'} running {said}"))
    return Verdict(links, "low", f"rule 1: {tool.name} raised running {said}, a file the run wrote ({named} it): "
                   f"its content raised, and {who} wrote it first (seq {first.seq})")
