"""Rule 4 of the blame (`judge.py` states it): a failure with no error to follow, traced through the final
answer's decisive content (numbers, quoted terms, names) to the earliest step that wrote it.
"""

from __future__ import annotations

from typing import Optional

from ..notes import provenance
from .chain import Link, BlameVerdict, BlameView, quote
from .product import by_product
from ..notes.provenance import Term, normal, terms_of
from ...records.findings import BlamedFailure
from ..notes.steps import Step
from ..notes.writers import MAX_TERMS


def by_content(view: BlameView, failure: BlamedFailure) -> Optional[BlameVerdict]:
    """Rule 4: the file the task named, when the run wrote one (`product.py`), the final answer's step that
    the content points at beside it; else the final answer's content."""
    answered = _by_answer(view, failure)
    product = by_product(view, failure)
    if product is None:
        return answered
    if answered is not None:
        step = answered.links[0]
        product.also.append(Link(step.evidence, "source", f"the final answer's content points here: {step.why}"))
    return product


def _by_answer(view: BlameView, failure: BlamedFailure) -> Optional[BlameVerdict]:
    if failure.source == "check":
        return None
    final = final_step(view)
    text = view.run.final_text or (final.text if final is not None else None)
    if final is None or not text:
        return None
    terms = _introduced_terms(view, terms_of(text, _expected(failure)), final)
    if not terms:
        return None
    kind = terms[0].kind

    def before(step: Step) -> bool:
        return step.seq < final.seq and not view.is_user(step)

    traced = [(view.first_writer(term.text, before) or final, term) for term in terms if term.kind == kind]
    introduced = [(writer, term) for writer, term in traced if writer.component != "tool"]
    source, term = min(introduced or traced, key=lambda pair: pair[0].seq)
    if introduced or _passed_on(source, kind, text):
        verdict = _introduced(view, source, term, final, [step for step in view.steps if before(step)])
        verdict.path = verdict.path if introduced else "answer.passed_on"
    else:
        verdict = _grounded(view, source, term, final)
    unseen = view.run.writers.unindexed
    if unseen:  # what the bound left out: those terms' first writers were looked for in the kept steps only
        verdict.why += (f"; {unseen} term(s) first written after the run's first {MAX_TERMS:,} were traced in the kept "
                        "steps only")
    return verdict


def _introduced_terms(view: BlameView, terms: list[Term], final: Step) -> list[Term]:
    """`terms` without those the run was given: its task and its user's words (`RunClues.given`), what a step of
    the user wrote before the final answer (kept, or the term's first writer of the whole run), and, where the
    user's message is no step, the names the run's first LLM answer wrote (it restates it)."""

    def by_user(step: Step) -> bool:
        return step.seq < final.seq and view.is_user(step)

    given = view.run.given
    terms = [term for term in terms if not given.holds(term.text) and view.first_writer(term.text, by_user) is None]
    first = view.steps[0] if view.steps else None
    if any(by_user(step) for step in view.steps) or first is None or first is final or first.component != "llm":
        return terms
    return [term for term in terms if term.kind != "name" or not provenance.wrote(first, term.text)]


def final_step(view: BlameView) -> Optional[Step]:
    """The step that gave the final answer: at `final_seq`, else the last step with a text."""
    run = view.run
    step = view.by_seq.get(run.final_seq) if run.final_seq is not None else None
    return step or next((step for step in reversed(view.steps) if step.text), None)


def _expected(failure: BlamedFailure) -> Optional[str]:
    """What a failed expectation wanted: in `expect contains:TEXT not met (...)` (`ops/diagnose.py`), TEXT."""
    if failure.source != "expect":
        return None
    for kind in ("contains:", "equals:"):
        start = failure.what.find(kind)
        if start >= 0:
            wanted = failure.what[start + len(kind):]
            end = wanted.find(" not met (")  # the answer quoted after it may say "not met" too
            return (wanted[:end] if end >= 0 else wanted).strip()
    return None


def _introduced(view: BlameView, writer: Step, term: Term, final: Step, earlier: list[Step]) -> BlameVerdict:
    said = quote(term.text)
    if writer is final:
        return BlameVerdict([Link(view.evidence(final, f"says {said}"), "decisive",
                                  f"{said} appears in no earlier step")],
                            f"rule 4: the final answer's {term.kind} {said} appears in no earlier step: the final step "
                            "introduced it", path="answer.final_introduced")
    who = view.agent(writer) or "a step"
    links = [Link(view.evidence(writer, f"wrote {said}"), "decisive",
                  f"{who} introduced {said}, the final answer's {term.kind}")]
    repeats = [step for step in earlier if step.seq > writer.seq and provenance.wrote(step, term.text)]
    if repeats:
        links.append(Link(view.evidence(repeats[-1], f"repeated {said}"), "propagated",
                          f"{view.agent(repeats[-1]) or 'a step'} carried {said} on"))
    return BlameVerdict(links, f"rule 4: the final answer's {term.kind} {said} was written first by {who} "
                        f"(seq {writer.seq}), {_repeated(view, writer, term, final, len(repeats))} later step(s) "
                        "repeated it", path=f"answer.{term.kind}_introduced")


def _passed_on(source: Step, kind: str, answer: str) -> bool:
    """Whether the answer holds every term of `kind` that the tool's result `source` holds: it passed the result
    on as it was (a weather tool's "sunny, 21 C"), rather than picking its content out of a result that said more
    (a search's documents)."""
    offered = {normal(term.text) for text in provenance.outputs_of(source) for term in terms_of(text)
               if term.kind == kind}
    said = {normal(term.text) for term in terms_of(answer) if term.kind == kind}
    return offered <= said


def _grounded(view: BlameView, source: Step, term: Term, final: Step) -> BlameVerdict:
    """Every traced term of the answer first came from a tool's result, which said more than the answer took: no
    step introduced them, so the final step, which picked the answer out of those results, is decisive (low); the
    tool whose result held the first term is a runner-up (what it returned may be what was wrong)."""
    said, kind = quote(term.text), term.kind
    return BlameVerdict([Link(view.evidence(final, f"says {said}"), "decisive",
                              f"the answer drew {said} from {source.address}'s result")],
                        f"rule 4: every {kind} of the final answer came from a tool's result ({said} first from "
                        f"{source.address}, seq {source.seq}, which held more {kind}s than the answer took), none was "
                        "introduced by a step: the final step picked the answer out of what the tools returned",
                        also=[Link(view.evidence(source, f"returned {said}"), "source",
                                   f"{source.address} returned {said}, which the final answer holds")],
                        path="answer.picked")


def _repeated(view: BlameView, writer: Step, term: Term, final: Step, kept: int) -> int:
    """How many steps between `writer` and the final answer wrote `term`: of the whole run when `writer` is the
    term's first writer there (every step counted, kept or not), else of the kept steps."""
    noted = view.run.writers.first(term.text)
    if noted is None or noted.first.seq != writer.seq:
        return kept
    return max(noted.steps - 1 - (1 if provenance.wrote(final, term.text) else 0), kept)


