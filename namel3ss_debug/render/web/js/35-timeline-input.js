/* The timeline's input: hover (tooltip), wheel (zoom around the cursor; over the track names, scroll),
 * drag (pan; on the axis strip or with shift, select a time range, which filters), click (select),
 * double-click (reset), keys; and the legend under the canvas. */
"use strict";

Object.assign(N3.timeline, {
  point(ev) {
    const rect = this.canvas.getBoundingClientRect();
    return { x: ev.clientX - rect.left, y: ev.clientY - rect.top };
  },

  /** The span under (x, y), or -1: the closest one within 3 px in that lane row, a matching one first. */
  hit(x, y) {
    const view = N3.view(), m = view.model;
    if (x < GUTTER || y < AXIS) return -1;
    const lay = this.layout(view);
    const ly = y - AXIS + view.scrollY;
    const rows = m.lanes.rows;
    let r = -1;
    for (let k = 0; k < rows.length; k++) if (ly >= lay.rowY[k] && ly < lay.rowY[k] + ROW_H) { r = k; break; }
    if (r < 0) return -1;
    const scale = this.scale(view), t = this.timeAt(view, x), tol = 3 / scale;
    const row = rows[r];
    let best = -1, bestScore = Infinity;
    let k = N3.lowerBound(row.maxEnd, t - tol);
    for (let seen = 0; k < row.spans.length && seen < 20000; k++, seen++) {
      if (row.starts[k] > t + tol) break;
      const i = row.spans[k];
      if (m.end[i] < t - tol) continue;
      const inside = t >= m.start[i] && t <= m.end[i];
      let score = inside ? m.end[i] - m.start[i] : Math.min(Math.abs(t - m.start[i]), Math.abs(t - m.end[i])) + 1e9;
      if (view.match && !view.match[i]) score += 1e12;
      if (score < bestScore) { bestScore = score; best = i; }
    }
    return best;
  },

  setHover(i, p) {
    const view = N3.view();
    if (i !== this.hover) { this.hover = i; this.draw(); }
    if (i < 0 || !p) { this.tip.hidden = true; return; }
    const m = view.model;
    const lines = [m.name[i], m.compName(i) + " · " + m.kindName(i) + " · " + m.statusName(i),
      m.instant[i] ? "instant at " + N3.fmtMs(m.start[i]) : N3.fmtMs(m.duration(i)) + (m.duration(i) === null ? " (" + m.statusName(i) + ")" : "") + "  from " + N3.fmtMs(m.start[i])];
    const f = m.flags[i], notes = [];
    if (f & FLAG_SLOW) notes.push("slow");
    if (f & FLAG_CRITICAL) notes.push("critical path");
    if (f & FLAG_ANOMALY) notes.push("anomaly");
    if (m.hasError(i)) notes.push("error" + (m.catName(i) ? ": " + m.catName(i) : ""));
    if (notes.length) lines.push(notes.join(" · "));
    N3.clear(this.tip);
    lines.forEach((line, k) => this.tip.appendChild(N3.el("div", k === 0 ? "tip-name" : "tip-line", line)));
    this.tip.hidden = false;
    const pane = this.canvas.parentElement.getBoundingClientRect();
    const tw = this.tip.offsetWidth, th = this.tip.offsetHeight;
    let left = p.x + 14, top = p.y + 14;
    if (left + tw > pane.width - 4) left = p.x - tw - 10;
    if (top + th > pane.height - 4) top = p.y - th - 10;
    this.tip.style.left = Math.max(2, left) + "px";
    this.tip.style.top = Math.max(2, top) + "px";
  },

  onHover(ev) {
    const p = this.point(ev);
    this.canvas.style.cursor = p.y < AXIS ? "col-resize" : p.x < GUTTER ? "ns-resize" : "default";
    this.setHover(this.hit(p.x, p.y), p);
  },

  onWheel(ev) {
    ev.preventDefault();
    const view = N3.view(), p = this.point(ev);
    const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? this.height : 1;
    const dx = ev.deltaX * unit, dy = ev.deltaY * unit;
    if (p.x < GUTTER) {
      view.scrollY = N3.clamp(view.scrollY + dy, 0, this.maxScroll(view));
      this.draw();
    } else if (Math.abs(dx) > Math.abs(dy)) {
      const shift = dx / this.scale(view);
      this.setWindow(view, view.t0 + shift, view.t1 + shift);
    } else {
      this.zoomBy(Math.exp(N3.clamp(dy, -300, 300) * 0.0022), Math.max(p.x, GUTTER));
    }
    this.tip.hidden = true;
  },

  onDown(ev) {
    if (ev.button !== 0) return;
    const view = N3.view(), p = this.point(ev);
    this.canvas.focus({ preventScroll: true });
    ev.preventDefault();
    const mode = p.y < AXIS || ev.shiftKey ? "range" : p.x < GUTTER ? "scroll" : "pan";
    this.drag = { mode, x: p.x, y: p.y, t0: view.t0, t1: view.t1, scrollY: view.scrollY, moved: false,
      t: this.timeAt(view, Math.max(p.x, GUTTER)), tNow: 0 };
    this.tip.hidden = true;
  },

  onDrag(ev) {
    const view = N3.view(), p = this.point(ev), d = this.drag;
    if (Math.abs(p.x - d.x) + Math.abs(p.y - d.y) > 3) d.moved = true;
    if (!d.moved) return;
    if (d.mode === "pan") {
      const shift = (d.x - p.x) / this.scale(view);
      this.setWindow(view, d.t0 + shift, d.t1 + shift);
      view.scrollY = N3.clamp(d.scrollY + (d.y - p.y), 0, this.maxScroll(view));
    } else if (d.mode === "scroll") {
      view.scrollY = N3.clamp(d.scrollY + (d.y - p.y), 0, this.maxScroll(view));
    } else {
      d.tNow = this.timeAt(view, N3.clamp(p.x, GUTTER, this.width));
    }
    this.draw();
  },

  onUp(ev) {
    const d = this.drag, p = this.point(ev);
    this.drag = null;
    if (d.mode === "range" && d.moved) {
      const a = Math.max(0, Math.min(d.t, d.tNow)), b = Math.max(d.t, d.tNow);
      if (b > a) {
        N3.filterBar.setRange([a, b]);
        const pad = (b - a) * 0.05;
        this.setWindow(N3.view(), a - pad, b + pad);
      }
      return;
    }
    if (!d.moved && d.mode === "pan") {
      const i = this.hit(p.x, p.y);
      if (i >= 0) N3.select(i, "timeline");
    }
    this.draw();
  },

  onDouble(ev) {
    const p = this.point(ev);
    if (p.y < AXIS) N3.filterBar.setRange(null);
    else this.reset(false);
  },

  onKey(ev) {
    const view = N3.view(), span = view.t1 - view.t0;
    const keys = {
      "+": () => this.zoomBy(0.5), "=": () => this.zoomBy(0.5), "-": () => this.zoomBy(2), "0": () => this.reset(false),
      ArrowLeft: () => this.setWindow(view, view.t0 - span * 0.2, view.t1 - span * 0.2),
      ArrowRight: () => this.setWindow(view, view.t0 + span * 0.2, view.t1 + span * 0.2),
    };
    if (keys[ev.key]) { ev.preventDefault(); keys[ev.key](); }
  },

  /** The legend under the canvas: what the colours and the marks mean. */
  showLegend(view) {
    const lg = N3.clear(this.legend), m = view.model;
    const item = (colour, label, shape) => {
      const sw = N3.el("span", "swatch" + (shape ? " " + shape : ""));
      sw.style.background = colour;
      lg.appendChild(N3.el("span", "legend-item", sw, label));
    };
    if (N3.opts.colourBy === "status") m.tables.statuses.forEach((s) => item(N3.statusColour(s), s));
    else {
      const present = new Set();
      for (let i = 0; i < m.n; i++) present.add(m.comp[i]);
      m.tables.components.forEach((c, k) => { if (present.has(k)) item(N3.componentColour(c, k), c); });
    }
    const col = this.theme();
    lg.appendChild(N3.el("span", "legend-sep"));
    item(col.error, "failed", "outline");
    item(col.slow, "slow", "corner");
    item(col.critical, "critical path", "under");
    item(col.anomaly, "anomaly", "diamond");
  },
});
