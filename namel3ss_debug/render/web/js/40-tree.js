/* A virtualised list (only the rows in view are in the DOM, at a fixed height) and the span tree on it. */
"use strict";

N3.VirtualList = class VirtualList {
  /** `container` scrolls, `spacer` (inside it) is as tall as all rows; `render(el, index)` fills a row element. */
  constructor(container, spacer, rowHeight, render, rowClass) {
    this.container = container;
    this.spacer = spacer;
    this.rowHeight = rowHeight;
    this.render = render;
    this.rowClass = rowClass;
    this.count = 0;
    this.pool = [];
    this.schedule = N3.frame(() => this.paint());
    container.addEventListener("scroll", () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(container);
  }

  setCount(count) {
    this.count = count;
    this.spacer.style.height = count * this.rowHeight + "px";
  }

  /** Draw now (not in the next frame): the rows between scrollTop and the bottom, and a few more. */
  paint() {
    const rh = this.rowHeight, top = this.container.scrollTop, height = this.container.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / rh) - 4);
    const last = Math.min(this.count, Math.ceil((top + height) / rh) + 4);
    const need = Math.max(0, last - first);
    while (this.pool.length < need) {
      const row = document.createElement("div");
      row.className = this.rowClass;
      this.spacer.appendChild(row);
      this.pool.push(row);
    }
    while (this.pool.length > need) this.spacer.removeChild(this.pool.pop());
    for (let k = 0; k < need; k++) {
      const el = this.pool[k], index = first + k;
      el.style.transform = "translateY(" + index * rh + "px)";
      this.render(el, index);
    }
  }

  /** Scroll so that row `index` is in view (`center` puts it in the middle when it was not). */
  scrollTo(index, center) {
    const rh = this.rowHeight, c = this.container, y = index * rh, h = c.clientHeight;
    if (y < c.scrollTop || y + rh > c.scrollTop + h) c.scrollTop = center ? y - h / 2 + rh / 2 : y < c.scrollTop ? y : y + rh - h;
  }
};

/** What the page left out under a span (`cut`: [children, spans, failed]; `name` null: the run's roots), and
 * where to see it all. */
N3.cutText = function cutText(m, cut, name) {
  const [children, spans, failed] = cut;
  let text = N3.fmtInt(spans) + " more spans " + (name === null ? "at the root" : "under " + name);
  const notes = [];
  if (spans !== children) notes.push(N3.fmtInt(children) + " children and the spans below them");
  if (failed) notes.push(N3.fmtInt(failed) + " of them failed");
  if (notes.length) text += " (" + notes.join(", ") + ")";
  return text + " are not in this page: namel3ss-debug inspect " + (m.run.label || "TRACE") + " --tree --format json has them all";
};

/** The header's note on wide trees: how many spans the page leaves out, and why. */
N3.cutNote = function cutNote(m, limits) {
  const c = (limits && limits.children) || {};
  const roots = m.cut.get(-1);
  return "this page keeps a span's first " + N3.fmtInt(c.first) + ", last " + N3.fmtInt(c.last) + " and up to " +
    N3.fmtInt(c.failed) + " failed children; " +
    N3.fmtInt(m.cutSpans) + " spans are counted, not shown" + (roots ? " (" + N3.cutText(m, roots, null) + ")" : "") +
    ": namel3ss-debug inspect " + (m.run.label || "TRACE") + " --tree --format json has them all";
};

const TREE_ROW_H = 24;
const INDENT = 14;
const MAX_INDENT = 14;  // deeper rows stop moving right (and say their depth), so the name stays in view

N3.tree = {
  list: null,

  init() {
    const box = document.getElementById("tree");
    this.box = box;
    this.list = new N3.VirtualList(box, document.getElementById("tree-spacer"), TREE_ROW_H, (el, k) => this.renderRow(el, k), "span-row");
    box.addEventListener("click", (ev) => this.onClick(ev));
    box.addEventListener("keydown", (ev) => this.onKey(ev));
    box.addEventListener("scroll", () => { const v = N3.view(); if (v) v.treeTop = box.scrollTop; });
  },

  /** The rows the tree shows: the kept spans (all, without a filter), minus the collapsed subtrees. */
  rebuild(view, keepScroll) {
    const m = view.model, keep = view.keep, collapsed = view.collapsed, size = m.size;
    const vis = new Int32Array(keep ? view.keepCount : m.n);
    let n = 0;
    for (let i = 0; i < m.n; i++) {
      if (keep && !keep[i]) { i += size[i]; continue; }
      vis[n++] = i;
      if (collapsed[i]) i += size[i];
    }
    view.vis = vis.subarray(0, n);
    view.visPos = null;
    view.gen = (view.gen || 0) + 1;  // the filter or the folding changed: every row is drawn again
    this.list.setCount(n);
    document.getElementById("tree-empty").hidden = n > 0 || !!document.body.dataset.searching;
    if (!keepScroll) this.box.scrollTop = view.treeTop || 0;
    this.list.paint();
  },

  /** The position of row `i` in the shown list, or -1. */
  position(view, i) {
    if (!view.visPos) {
      view.visPos = new Map();
      for (let k = 0; k < view.vis.length; k++) view.visPos.set(view.vis[k], k);
    }
    const k = view.visPos.get(i);
    return k === undefined ? -1 : k;
  },

  renderRow(el, k) {
    const view = N3.view(), m = view.model, i = view.vis[k];
    if (el._row === i && el._sel === (i === view.sel) && el._gen === view.gen && el._model === m) return;
    el._row = i; el._sel = i === view.sel; el._gen = view.gen; el._model = m;
    el.dataset.row = String(i);
    el.dataset.sid = m.sid[i];
    el.setAttribute("role", "treeitem");
    el.setAttribute("aria-level", String(m.depth[i] + 1));
    el.setAttribute("aria-selected", i === view.sel ? "true" : "false");
    el.classList.toggle("selected", i === view.sel);
    el.classList.toggle("failed", m.hasError(i));
    el.classList.toggle("dimmed", view.match !== null && !view.match[i]);
    el.classList.toggle("critical", N3.opts.critical && (m.flags[i] & FLAG_CRITICAL) !== 0);
    el.classList.toggle("evidence", view.evidence !== null && view.evidence.has(i));  // the finding shown (55-findings.js)
    N3.clear(el);
    const head = N3.el("span", "cell-name");
    head.style.paddingLeft = 4 + Math.min(m.depth[i], MAX_INDENT) * INDENT + "px";
    const leaf = m.size[i] === 0;
    const toggle = N3.el("span", { className: "toggle" + (leaf ? " leaf" : ""), text: leaf ? "" : view.collapsed[i] ? "▸" : "▾" });
    if (!leaf) toggle.dataset.toggle = "1";
    const chip = N3.el("span", "chip");
    chip.style.background = N3.componentColour(m.compName(i), m.comp[i]);
    head.append(toggle, chip, N3.el("span", "name", m.name[i]));
    const kind = m.kindName(i);
    if (kind) head.appendChild(N3.el("span", "kind", kind));
    if (m.depth[i] > MAX_INDENT) head.appendChild(N3.el("span", { className: "badge more", text: "depth " + m.depth[i] }));
    const f = m.flags[i];
    if (f & FLAG_SLOW) head.appendChild(N3.el("span", { className: "badge slow", text: "slow" }));
    if (f & FLAG_ANOMALY) head.appendChild(N3.el("span", { className: "badge anomaly", text: "anomaly" }));
    if (view.collapsed[i]) head.appendChild(N3.el("span", { className: "badge more", text: "+" + N3.fmtInt(m.size[i]) }));
    const cut = m.cut.get(i);
    if (cut) head.appendChild(N3.el("span", { className: "badge more cut", text: "+" + N3.fmtInt(cut[1]) + " not in page", title: N3.cutText(m, cut, m.name[i]) }));
    const status = m.statusName(i);
    el.append(head,
      N3.el("span", "num", m.instant[i] ? "·" : N3.fmtMs(m.duration(i))),
      N3.el("span", "status st-" + status.replace(/[^a-z]/g, ""), status),
      N3.el("span", "num", m.tokens[i] === m.tokens[i] ? N3.fmtInt(m.tokens[i]) : ""));
  },

  /** Repaint the rows (after a selection or a toggle of the options). */
  repaint(view) {
    view.gen = (view.gen || 0) + 1;
    this.list.paint();
  },

  onClick(ev) {
    const row = ev.target.closest(".span-row");
    if (!row) return;
    const i = Number(row.dataset.row);
    if (ev.target.closest("[data-toggle]")) this.toggle(N3.view(), i);
    else N3.select(i, "tree");
    this.box.focus({ preventScroll: true });
  },

  toggle(view, i, open) {
    const now = view.collapsed[i] === 1;
    const want = open === undefined ? !now : !open;
    if (want === now || view.model.size[i] === 0) return false;
    view.collapsed[i] = want ? 1 : 0;
    const top = this.box.scrollTop;
    this.rebuild(view, true);
    this.box.scrollTop = top;
    this.repaint(view);
    return true;
  },

  /** Expand the ancestors of row `i` (so it can be shown) and scroll the tree to it. */
  reveal(view, i, center) {
    const m = view.model;
    let changed = false;
    for (let p = m.parent[i]; p >= 0; p = m.parent[p]) if (view.collapsed[p]) { view.collapsed[p] = 0; changed = true; }
    if (changed) this.rebuild(view, true);
    const k = this.position(view, i);
    if (k >= 0) this.list.scrollTo(k, center);
    this.repaint(view);
  },

  onKey(ev) {
    const view = N3.view(), m = view.model;
    const k = view.sel >= 0 ? this.position(view, view.sel) : -1;
    const go = (pos) => {
      if (!view.vis.length) return;
      const i = view.vis[N3.clamp(pos, 0, view.vis.length - 1)];
      N3.select(i, "tree");
    };
    const page = Math.max(1, Math.floor(this.box.clientHeight / TREE_ROW_H) - 1);
    switch (ev.key) {
      case "ArrowDown": go(k + 1); break;
      case "ArrowUp": go(k < 0 ? 0 : k - 1); break;
      case "PageDown": go(k + page); break;
      case "PageUp": go(k - page); break;
      case "Home": go(0); break;
      case "End": go(view.vis.length - 1); break;
      case "ArrowLeft":
        if (view.sel < 0) return;
        if (!this.toggle(view, view.sel, false) && m.parent[view.sel] >= 0) N3.select(m.parent[view.sel], "tree");
        break;
      case "ArrowRight":
        if (view.sel < 0) return;
        if (!this.toggle(view, view.sel, true) && m.size[view.sel] > 0 && k + 1 < view.vis.length) go(k + 1);
        break;
      case "Enter":
        if (view.sel >= 0) N3.select(view.sel, "enter");
        else go(0);
        break;
      default: return;
    }
    ev.preventDefault();
  },
};
