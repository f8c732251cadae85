"""`inspect --tree`: the span tree with each node's duration, status, tokens and seq range."""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence, Union

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from ...analysis.fields import is_failure
from ...analysis.spans import SpanNode
from ...analysis.wide import Cut, Key
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


GUIDE_WIDTH = 4  # columns a level of guides takes
LABEL_ROOM = 60  # columns kept for a label at the deepest level drawn
_BRANCH, _LAST, _PIPE, _SPACE = "├── ", "└── ", "│   ", "    "  # Rich's own tree guides


def nesting_cap(width: int) -> int:
    """The deepest level drawn as nesting on a console `width` columns wide (at least 4)."""
    return max(4, (width - LABEL_ROOM) // GUIDE_WIDTH)


def more_text(cut: Cut, parent: str | None) -> str:
    """The line that stands for what `WidthCap` left out under a node (`parent` its name; None: a run's roots)."""
    under = f"under {parent}" if parent is not None else "at the root"
    failed = f", {cut.failed:,} of them failed" if cut.failed else ""
    spans = f"{cut.nodes:,} more spans {under}"
    if cut.nodes != cut.children:
        spans += f" ({cut.children:,} children and the spans below them{failed})"
    elif failed:
        spans += f" ({failed[2:]})"
    return f"… {spans}, not drawn: --format json has them all"


Item = Union[SpanNode, str]  # a node, or the "N more" line drawn among its siblings


def with_more(children: Sequence[SpanNode], cut: Cut | None, parent: str | None) -> list[Item]:
    """`children` with the line for what was cut among them before the first kept one past the first cut."""
    if cut is None:
        return list(children)
    items: list[Item] = list(children)
    at = next((index for index, child in enumerate(children)
               if cut.first_seq is not None and child.seq > cut.first_seq), len(children))
    items.insert(at, more_text(cut, parent))
    return items


def tree_view(roots: Sequence[SpanNode], limit: int | None = None,
              cuts: Mapping[Key, Cut] | None = None) -> RenderableType:
    """One tree per root (`SpanTree.roots`, or one node); past `limit` nodes, a line counts the rest; where a
    node's children were cut (`cuts`, by the node's key, `WidthCap`), a line among them counts what was cut.

    Print it with `soft_wrap=True`: it is drawn as lines already laid out to the console's width (a label
    too long for its line is wrapped under its guides), which renders a line in constant time. Nesting is
    drawn down to `nesting_cap(width)` levels; the spans below a span at that level are listed under it, one
    level in, in the same depth-first order, each label led by its depth (`↳ 37`). A chain of 20,000 nested
    spans is so drawn in a second, where Rich's Tree took time in the square (its guides for every level,
    each label then wrapped to a column).
    """
    return _TreeLines(roots, limit, cuts)


class _TreeLines:
    """The trees as a renderable: laid out when printed, to the width of the console it is printed on."""

    def __init__(self, roots: Sequence[SpanNode], limit: int | None, cuts: Mapping[Key, Cut] | None):
        self.roots, self.limit, self.cuts = roots, limit, cuts or {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        drawing = _Drawing(console, options.max_width, self.limit, self.cuts)
        runs = {root.run_id: None for root in self.roots}
        roots = [root for run in runs for root in
                 with_more([root for root in self.roots if root.run_id == run], self.cuts.get((run, None)), None)]
        for root in roots:
            drawing.draw(root)
        newline = Segment.line()
        for line in drawing.finish():  # segments line by line: a Text of all lines would be split again
            yield from line.render(console)
            yield newline


class _Drawing:
    """The lines of the trees drawn so far, and what the notes at the end need."""

    def __init__(self, console: Console, width: int, limit: int | None, cuts: Mapping[Key, Cut]):
        self.console, self.width, self.limit, self.cuts = console, width, limit, cuts
        self.cap = nesting_cap(width)
        self.lines: list[Text] = []
        self.shown = self.total = self.deepest = 0
        # the last span listed below the cap (its first line, guides, depth, label): drawn again as the last
        self.listed: tuple[int, str, int, Text] | None = None

    def draw(self, root: Item) -> None:
        # (node, its depth, whether it is its parent's last child, the guides before its own guide)
        pending: list[tuple[Item, int, bool, str]] = [(root, 0, True, "")]
        while pending:
            node, depth, last, guides = pending.pop()
            if isinstance(node, str):
                self._more(node, depth, last, guides)
                continue
            self.total += 1
            if self.limit is not None and self.shown >= self.limit:
                pending.extend((child, depth + 1, False, "") for child in node.children)  # counted, not drawn
                continue
            self.shown += 1
            self.deepest = max(self.deepest, depth)
            if depth <= self.cap:
                self._end_list()
                self._line(guides, depth, last, node_label(node))
                inner = "" if depth == 0 else guides + (_SPACE if last else _PIPE)
            else:  # listed under its ancestor at the cap: guides of the cap's children, depth said
                label = Text(f"↳ {depth}  ", style="dim") + node_label(node)
                self.listed = (len(self.lines), guides, depth, label)
                self._line(guides, depth, False, label)
                inner = guides
            children = with_more(node.children, self.cuts.get((node.run_id, node.span_id)), one_line(node.name, 60))
            pending.extend((child, depth + 1, index == len(children) - 1, inner)
                           for index, child in reversed(list(enumerate(children))))
        self._end_list()

    def _more(self, text: str, depth: int, last: bool, guides: str) -> None:
        """The line of what was cut among a node's children, where they are drawn (unless --limit was reached)."""
        if self.limit is not None and self.shown >= self.limit:
            return
        if depth <= self.cap:
            self._end_list()
            self._line(guides, depth, last, Text(text, style="yellow"))
        else:
            self._line(guides, depth, False, Text(f"↳ {depth}  {text}", style="yellow"))

    def _line(self, guides: str, depth: int, last: bool, label: Text) -> None:
        """The node's line (a root has no guide), its label wrapped under its guides when too long; below the
        cap, where a pathological trace may list thousands, cut with an ellipsis instead (a wrap costs as
        much as drawing ten lines)."""
        head = "" if depth == 0 else guides + (_LAST if last else _BRANCH)
        room = max(self.width - len(head), 20)
        parts: Iterable[Text] = [label]
        if _cells(label) > room:
            if depth > self.cap:
                _cut(label, room)
            else:
                parts = label.wrap(self.console, room)
        more = "" if depth == 0 else guides + (_SPACE if last else _PIPE)
        for number, part in enumerate(parts):
            line = Text(head if number == 0 else more, style="dim")
            line.append_text(part)
            self.lines.append(line)

    def _end_list(self) -> None:
        """The last span listed below the cap is drawn again with the last guide, as a tree's last child is."""
        if self.listed is not None:
            first, guides, depth, label = self.listed
            del self.lines[first:]
            self._line(guides, depth, True, label)
            self.listed = None

    def finish(self) -> list[Text]:
        """The lines, then a count of the nodes past --limit and a note on the nesting cap, when there are."""
        if self.total > self.shown:
            self.lines.append(Text(f"… {self.total - self.shown} more nodes (raise --limit to see them)", style="dim"))
        if self.deepest > self.cap:
            note = Text(f"nesting is drawn {self.cap} levels deep: the spans below are listed one level in, each "
                        f"after its depth (↳ N, down to {self.deepest}); a wider terminal draws more levels",
                        style="dim")
            self.lines.extend(note.wrap(self.console, self.width))
        if not self.lines:
            self.lines.append(Text("no spans", style="dim"))
        return self.lines


def _cells(text: Text) -> int:
    """Its width in cells; for ASCII (most labels) its length, without measuring each character."""
    plain = text.plain
    return len(plain) if plain.isascii() else text.cell_len


def _cut(text: Text, cells: int) -> None:
    """`text` cut to `cells` with an ellipsis at the end, in place."""
    if text.plain.isascii():
        text.right_crop(len(text.plain) - cells + 1)
        text.append("…")
    else:
        text.truncate(cells, overflow="ellipsis")
