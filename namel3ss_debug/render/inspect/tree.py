"""`inspect --tree`: the span tree with each node's duration, status, tokens and seq range."""

from __future__ import annotations

from typing import Sequence

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from ...analysis.fields import is_failure
from ...analysis.spans import SpanNode
from ..event_text import duration, error_summary, kind, one_line, status_text


def node_label(node: SpanNode) -> Text:
    """`llm_call planner  completed  3.1ms  35 tok  seq 4-5`, and the error of a failed node."""
    label = Text.assemble((one_line(kind(node.first.get("event_type")), 40), "cyan"), " ",
                          (one_line(node.name, 60), "bold"), "  ")
    label.append_text(status_text("unclosed" if node.unclosed else node.status))
    if node.kind == "span" and not node.unclosed:
        label.append(f"  {duration(node.duration_ms)}")
    if node.total_tokens:
        label.append(f"  {node.total_tokens} tok", style="magenta")
    label.append(f"  {_seqs(node)}", style="dim")
    if node.failed:
        failed = node.end if node.end is not None and is_failure(node.end) else node.first
        label.append(f"  {one_line(error_summary(failed), 100)}", style="red")
    return label


def _seqs(node: SpanNode) -> str:
    if node.start is not None and node.end is not None:
        return f"seq {node.start['seq']}-{node.end['seq']}"
    if node.kind == "span" and node.start is None:
        return f"seq {node.seq} (end only)"
    return f"seq {node.seq}"


def tree_view(roots: Sequence[SpanNode], limit: int | None = None) -> RenderableType:
    """One Rich Tree per root (`SpanTree.roots`, or one node); past `limit` nodes, a line counts the rest."""
    shown, total = 0, 0
    trees: list[RenderableType] = []
    for root in roots:
        parents: list[Tree] = []
        for depth, node in root.walk():
            total += 1
            if limit is not None and shown >= limit:
                continue
            shown += 1
            del parents[depth:]
            branch = Tree(node_label(node)) if depth == 0 else parents[-1].add(node_label(node))
            if depth == 0:
                trees.append(branch)
            parents.append(branch)
    if total > shown:
        trees.append(Text(f"… {total - shown} more nodes (raise --limit to see them)", style="dim"))
    if not trees:
        trees.append(Text("no spans", style="dim"))
    return Group(*trees)
