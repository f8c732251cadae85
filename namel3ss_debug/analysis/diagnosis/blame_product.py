"""Rule 4 of the blame, where the run's task named a file (`blame.py` states it): a run asked for a file (`the
solution file you write should be named as "solution.py"`) produced that file, not its final answer, which only
reports it; with nothing recorded going wrong, the step that first wrote the file is where the content the later
writes built on began.
"""

from __future__ import annotations

from typing import Optional

from .blame_chain import Link, Verdict, View, quote
from .products import MAX_FILES, Wrote, base_name
from .records import Failure


def by_product(view: View, failure: Failure) -> Optional[Verdict]:
    """The first write of the earliest written file that the run was given the name of; None when the failure
    judges the final answer (a failed expectation) or the run's figures (a check), or no such file was written."""
    if failure.source in ("check", "expect"):
        return None
    run = view.run
    named = [(path, wrote) for path, wrote in run.files.wrote.items() if run.given.holds(base_name(path))]
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
