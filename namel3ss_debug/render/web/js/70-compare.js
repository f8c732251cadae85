/* The Compare tab (mode "compare"): the diff's summary, the calls of both runs aligned row by row
 * (BASE | NEW), the marks on each row, the first divergence; a row's two spans side by side. */
"use strict";

const CMP_ROW_H = 26;

N3.compare = {
  built: false,
  sel: -1,
  changesOnly: false,

  init(box) {
    const cmp = N3.doc.compare;
    this.cmp = cmp;
    this.marks = new Map();
    for (const [row, kind, text] of cmp.marks || []) {
      if (!this.marks.has(row)) this.marks.set(row, []);
      this.marks.get(row).push([kind, text]);
    }
    N3.clear(box);
    box.appendChild(this.summary(cmp));
    const bar = N3.el("div", "cmp-bar");
    const only = N3.el("input", { type: "checkbox", id: "cmp-changes" });
    only.addEventListener("change", () => { this.changesOnly = only.checked; this.rebuild(); });
    const jump = N3.el("button", { type: "button", id: "cmp-jump", text: "first divergence" });
    jump.disabled = cmp.parted_at === null || cmp.parted_at === undefined;
    jump.addEventListener("click", () => this.focusRow(cmp.parted_at));
    bar.append(N3.el("label", "tool-check", only, " changed rows only"), jump, N3.el("span", { id: "cmp-count", className: "muted" }));
    box.appendChild(bar);
    const head = N3.el("div", "cmp-row cmp-head", N3.el("span", "num", "#"), N3.el("span", null, "tag"),
      N3.el("span", null, "BASE · " + N3.runs[0].run.name), N3.el("span", null, "NEW · " + N3.runs[1].run.name), N3.el("span", null, "marks"));
    const scroller = N3.el("div", { id: "cmp-list", tabIndex: 0 });
    const spacer = N3.el("div", "spacer");
    scroller.appendChild(spacer);
    box.append(head, scroller);
    this.pair = N3.el("div", { id: "cmp-details" });
    this.base = N3.el("div", { id: "cmp-base", className: "details-pane" });
    this.next = N3.el("div", { id: "cmp-new", className: "details-pane" });
    this.pair.append(this.base, this.next);
    this.note = N3.el("div", { id: "cmp-note", hidden: true });
    box.append(this.note, this.pair);
    this.list = new N3.VirtualList(scroller, spacer, CMP_ROW_H, (el, k) => this.renderRow(el, k), "cmp-row");
    scroller.addEventListener("click", (ev) => {
      const row = ev.target.closest(".cmp-row");
      if (row && row.dataset.row !== undefined) this.select(Number(row.dataset.row));
    });
    scroller.addEventListener("keydown", (ev) => this.onKey(ev));
    this.rebuild();
    this.showPair(-1);
    this.built = true;
  },

  /** On first showing: the first divergence in view and selected. */
  opened() {
    this.list.paint();
    if (this.cmp.parted_at !== null && this.cmp.parted_at !== undefined && this.sel < 0) this.focusRow(this.cmp.parted_at);
  },

  rebuild() {
    const rows = this.cmp.rows || [];
    const shown = [];
    for (let r = 0; r < rows.length; r++) if (!this.changesOnly || rows[r][0] !== "equal" || this.marks.has(r)) shown.push(r);
    this.shown = shown;
    this.pos = new Map(shown.map((r, k) => [r, k]));
    this.list.setCount(shown.length);
    N3.text(document.getElementById("cmp-count"), N3.fmtInt(shown.length) + " of " + N3.fmtInt(rows.length) + " aligned rows · " +
      N3.fmtInt(this.marks.size) + " marked");
    this.list.paint();
  },

  summary(cmp) {
    const diff = cmp.diff || {};
    const box = N3.el("div", { id: "cmp-summary", className: "cards" });
    const card = (title, body) => box.appendChild(N3.el("section", "card", N3.el("h3", null, title), body));
    const table = N3.el("table", "grid-table");
    table.appendChild(N3.el("thead", null, N3.el("tr", null, ["", "BASE", "NEW", "change"].map((h) => N3.el("th", null, h)))));
    const body = N3.el("tbody");
    for (const c of diff.overview || []) {
      const worse = c.delta > 0 && c.metric !== "llm_calls" && c.metric !== "tool_calls";
      body.appendChild(N3.el("tr", null, N3.el("td", null, c.metric.replace(/_/g, " ")), N3.el("td", "num", N3.fmtValue(c.unit, c.base)),
        N3.el("td", "num", N3.fmtValue(c.unit, c.new)), N3.el("td", "num " + (c.delta ? (worse ? "up" : "down") : ""), N3.fmtDelta(c))));
    }
    table.appendChild(body);
    card("overview", table);
    const ops = (diff.operations || []).filter((o) => o.p95_ms && o.p95_ms.delta !== null && o.p95_ms.delta !== undefined)
      .sort((x, y) => Math.abs(y.p95_ms.delta) - Math.abs(x.p95_ms.delta)).slice(0, 6);
    const opList = N3.el("table", "grid-table");
    opList.appendChild(N3.el("thead", null, N3.el("tr", null, ["operation", "p95 BASE", "p95 NEW", "change"].map((h) => N3.el("th", null, h)))));
    const opBody = N3.el("tbody");
    for (const o of ops) {
      opBody.appendChild(N3.el("tr", null, N3.el("td", null, o.operation), N3.el("td", "num", N3.fmtMs(o.p95_ms.base)),
        N3.el("td", "num", N3.fmtMs(o.p95_ms.new)), N3.el("td", "num " + (o.p95_ms.delta > 0 ? "up" : "down"), N3.fmtDelta(o.p95_ms))));
    }
    opList.appendChild(opBody);
    card("largest p95 changes", ops.length ? opList : N3.el("div", "muted", "no operation in both runs"));
    const calls = diff.calls || {}, outputs = diff.outputs || {};
    const facts = N3.el("ul", "plain-list");
    facts.appendChild(N3.el("li", null, "calls: " + N3.fmtInt(calls.base) + " → " + N3.fmtInt(calls.new) + " (aligned " + N3.fmtInt(calls.aligned) +
      ", added " + N3.fmtInt(calls.added) + ", removed " + N3.fmtInt(calls.removed) + ")"));
    facts.appendChild(N3.el("li", null, "outputs changed: " + N3.fmtInt(outputs.changed) + " of " + N3.fmtInt(outputs.compared) + " compared"));
    for (const [name, side] of [["BASE", diff.base], ["NEW", diff.new]]) {
      // how each run turned out, as analyze's health says it: a failed run is never left to be guessed
      if (!side || !side.outcome) continue;
      const said = side.outcome === "healthy" || !side.outcome_reason ? side.outcome : side.outcome + ": " + side.outcome_reason;
      facts.appendChild(N3.el("li", { className: "cmp-outcome " + (side.outcome === "healthy" ? "ok-line" : "bad-line"),
        text: name + " health: " + said }));
    }
    if (cmp.kin) facts.appendChild(N3.el("li", { className: "rerun-of", text: cmp.kin }));
    const parted = cmp.parted_at;
    facts.appendChild(N3.el("li", parted === null || parted === undefined ? "ok-line" : "bad-line",
      parted === null || parted === undefined ? "the runs never diverge" : "first divergence at aligned row " + parted));
    const thresholds = diff.thresholds || [];
    const crossed = thresholds.filter((t) => t.crossed);
    facts.appendChild(N3.el("li", crossed.length ? "bad-line" : null, "thresholds crossed: " + crossed.length + " of " + thresholds.length));
    for (const t of thresholds) {
      facts.appendChild(N3.el("li", t.crossed ? "bad-line" : "muted", (t.crossed ? "✕ " : "✓ ") + t.expression + ": " +
        N3.fmtValue(t.metric_unit, t.base) + " → " + N3.fmtValue(t.metric_unit, t.new) + (t.note ? " (" + t.note + ")" : "")));
    }
    card("alignment", facts);
    return box;
  },

  cell(m, i) {
    if (i < 0 || !m) return N3.el("span", "cmp-cell none", "—");
    const chip = N3.el("span", "chip");
    chip.style.background = N3.componentColour(m.compName(i), m.comp[i]);
    const name = N3.el("span", "name", m.name[i]);
    const cell = N3.el("span", "cmp-cell" + (m.hasError(i) ? " failed" : ""), chip, name,
      N3.el("span", "kind", m.kindName(i)), N3.el("span", "num", m.instant[i] ? "·" : N3.fmtMs(m.duration(i))));
    if (m.hasError(i)) cell.appendChild(N3.el("span", "pill st-failed", m.statusName(i)));
    cell.style.paddingLeft = Math.min(m.depth[i], 12) * 8 + "px";
    return cell;
  },

  renderRow(el, k) {
    const r = this.shown[k], row = this.cmp.rows[r];
    el.dataset.row = String(r);
    const marks = this.marks.get(r) || [];
    el.className = "cmp-row tag-" + row[0] + (r === this.sel ? " selected" : "") + (r === this.cmp.parted_at ? " parted" : "") + (marks.length ? " marked" : "");
    N3.clear(el);
    const markBox = N3.el("span", "marks");
    if (r === this.cmp.parted_at) markBox.appendChild(N3.el("span", "mark mark-parted", "first divergence"));
    for (const [kind, text] of marks) markBox.appendChild(N3.el("span", { className: "mark mark-" + String(kind).replace(/[^a-z]/g, ""), text: kind, title: text }));
    el.append(N3.el("span", "num muted", String(r)), N3.el("span", "tag", row[0]), this.cell(N3.runs[0], row[1]), this.cell(N3.runs[1], row[2]), markBox);
  },

  select(r) {
    this.sel = r;
    this.list.paint();
    this.showPair(r);
  },

  focusRow(r) {
    if (r === null || r === undefined) return;
    let k = this.pos.get(r);
    if (k === undefined) { this.changesOnly = false; document.getElementById("cmp-changes").checked = false; this.rebuild(); k = this.pos.get(r); }
    this.list.scrollTo(k, true);
    this.select(r);
  },

  showPair(r) {
    const row = r >= 0 ? this.cmp.rows[r] : null;
    const side = (box, k, i, label) => {
      N3.clear(box);
      box.appendChild(N3.el("div", "pane-label", label + " · " + N3.runs[k].run.name));
      const inner = N3.el("div", "details-body");
      box.appendChild(inner);
      if (!row) inner.appendChild(N3.el("div", "empty", "Click an aligned row to compare its two spans."));
      else if (i < 0) inner.appendChild(N3.el("div", "empty", "No span on this side: " + (row[0] === "insert" ? "added in NEW." : "removed in NEW.")));
      else N3.details.render(inner, N3.runs[k], i, false);
      if (row && i >= 0) {
        const open = N3.el("button", { type: "button", className: "link", text: "show on the " + label + " timeline" });
        open.addEventListener("click", () => N3.showSpan(k, i));
        box.insertBefore(open, inner);
      }
    };
    side(this.base, 0, row ? row[1] : -1, "BASE");
    side(this.next, 1, row ? row[2] : -1, "NEW");
    const marks = this.marks.get(r) || [];
    N3.clear(this.note);
    this.note.hidden = !marks.length;
    for (const [kind, text] of marks) {
      this.note.appendChild(N3.el("span", "note-item", N3.el("span", "mark mark-" + String(kind).replace(/[^a-z]/g, ""), kind), " " + (text || "")));
    }
  },

  onKey(ev) {
    const k = this.sel >= 0 ? this.pos.get(this.sel) : -1;
    let to = null;
    if (ev.key === "ArrowDown") to = (k === undefined ? -1 : k) + 1;
    else if (ev.key === "ArrowUp") to = (k === undefined ? 1 : k) - 1;
    if (to === null) return;
    ev.preventDefault();
    to = N3.clamp(to, 0, this.shown.length - 1);
    this.list.scrollTo(to, false);
    this.select(this.shown[to]);
  },
};
