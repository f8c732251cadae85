/* The waterfall timeline on a <canvas>: a lane group per track, a row per depth, an axis on top.
 *
 * Only what is in view is drawn. A span narrower than MIN_W pixels is not drawn alone: the spans of a
 * lane row that fall in one pixel column are summed into a density bar (runs of equal columns are one
 * fillRect), so a zoomed-out run of 100,000 spans costs a pass over the visible rows and a few hundred
 * rectangles. Redraws go through requestAnimationFrame (N3.timeline.draw schedules one). */
"use strict";

const GUTTER = 136;      // px: the track names on the left
const AXIS = 24;         // px: the time axis strip on top (drag there to select a time range)
const ROW_H = 18;        // px: one lane row
const GROUP_GAP = 8;     // px: between two tracks
const MIN_W = 1.5;       // px: spans narrower than this are aggregated per pixel column
const CHAR_W = 6.3;      // px: an estimate of one character of the label font, to cut labels

N3.timeline = {
  canvas: null, ctx: null, tip: null, legend: null,
  width: 0, height: 0, dpr: 1,
  hover: -1,
  drag: null,          // the gesture under way: {mode: "pan"|"range"|"scroll", ...}
  colours: null,

  init() {
    this.canvas = document.getElementById("timeline");
    this.ctx = this.canvas.getContext("2d", { alpha: false });
    this.tip = document.getElementById("tl-tip");
    this.legend = document.getElementById("legend");
    this.draw = N3.frame(() => this.paint());
    const pane = document.getElementById("timeline-pane");
    new ResizeObserver(() => this.resize()).observe(pane);
    window.addEventListener("resize", () => this.resize());
    const c = this.canvas;
    c.addEventListener("wheel", (ev) => this.onWheel(ev), { passive: false });
    c.addEventListener("mousedown", (ev) => this.onDown(ev));
    c.addEventListener("mousemove", (ev) => { if (!this.drag) this.onHover(ev); });
    c.addEventListener("mouseleave", () => { if (!this.drag) this.setHover(-1, null); });
    c.addEventListener("dblclick", (ev) => this.onDouble(ev));
    c.addEventListener("keydown", (ev) => this.onKey(ev));
    window.addEventListener("mousemove", (ev) => { if (this.drag) this.onDrag(ev); });
    window.addEventListener("mouseup", (ev) => { if (this.drag) this.onUp(ev); });
    document.getElementById("z-in").addEventListener("click", () => this.zoomBy(0.5));
    document.getElementById("z-out").addEventListener("click", () => this.zoomBy(2));
    document.getElementById("z-reset").addEventListener("click", () => this.reset(true));
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => { this.colours = null; this.draw(); });
    this.resize();
  },

  theme() {
    if (!this.colours) {
      this.colours = {
        bg: N3.cssVar("--bg") || "#fff", band: N3.cssVar("--band") || "#f6f7f9", text: N3.cssVar("--fg") || "#222",
        muted: N3.cssVar("--muted") || "#777", grid: N3.cssVar("--grid") || "#e4e6ea", dim: N3.cssVar("--dim") || "#c9ccd2",
        critical: N3.cssVar("--critical") || "#f5b301", select: N3.cssVar("--select") || "#1b6ef3",
        error: N3.cssVar("--error") || "#e5484d", slow: N3.cssVar("--slow") || "#f08c00",
        anomaly: N3.cssVar("--anomaly") || "#d6336c", shade: N3.cssVar("--shade") || "rgba(0,0,0,0.08)",
      };
    }
    return this.colours;
  },

  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(50, Math.floor(rect.width)), h = Math.max(40, Math.floor(rect.height));
    if (w === this.width && h === this.height && dpr === this.dpr) return;
    this.width = w; this.height = h; this.dpr = dpr;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.paint();
  },

  // -- geometry ----------------------------------------------------------------------------------------

  /** The y of each lane row (px from the top of the lanes) for the view's model, computed once. */
  layout(view) {
    if (view.layout && view.layout.model === view.model) return view.layout;
    const lanes = view.model.lanes;
    const rowY = new Float64Array(lanes.rows.length);
    const groupY = [];
    let y = 4;
    for (const g of lanes.groups) {
      groupY.push(y);
      for (let r = g.first; r < g.first + g.count; r++) { rowY[r] = y; y += ROW_H; }
      y += GROUP_GAP;
    }
    view.layout = { model: view.model, rowY, groupY, height: y };
    return view.layout;
  },

  /** Size the timeline pane to its lanes (a small run leaves more room to the tree), at most 42% of the window. */
  fitPane(view) {
    const pane = document.getElementById("timeline-pane");
    const want = AXIS + this.layout(view).height + 34;
    pane.style.height = Math.round(N3.clamp(want, 150, Math.max(150, window.innerHeight * 0.42))) + "px";
    this.resize();
  },

  plotWidth() { return Math.max(10, this.width - GUTTER); },
  scale(view) { return this.plotWidth() / (view.t1 - view.t0); },
  timeAt(view, x) { return view.t0 + (x - GUTTER) / this.scale(view); },
  maxScroll(view) { return Math.max(0, this.layout(view).height - (this.height - AXIS)); },

  fit(view) {
    const pad = view.model.tEnd * 0.01;
    view.t0 = -pad;
    view.t1 = view.model.tEnd + pad;
  },

  setWindow(view, t0, t1) {
    const extent = view.model.tEnd, pad = extent * 0.05;
    let span = Math.max(t1 - t0, 1e-4);
    span = Math.min(span, extent + 2 * pad);
    t0 = N3.clamp(t0, -pad, extent + pad - span);
    view.t0 = t0;
    view.t1 = t0 + span;
    this.draw();
  },

  zoomBy(factor, atX) {
    const view = N3.view();
    const x = atX === undefined ? GUTTER + this.plotWidth() / 2 : atX;
    const t = this.timeAt(view, x);
    this.setWindow(view, t - (t - view.t0) * factor, t + (view.t1 - t) * factor);
  },

  /** Show the whole run; with `clearRange` drop the time range filter too. */
  reset(clearRange) {
    const view = N3.view();
    this.fit(view);
    view.scrollY = 0;
    if (clearRange && view.filters.range) N3.filterBar.setRange(null);
    this.draw();
  },

  /** Where row `i` is drawn: the middle of its bar (or tick), in CSS pixels from the canvas' top left. */
  pointOf(i) {
    const view = N3.view(), m = view.model, lay = this.layout(view), scale = this.scale(view);
    const a = Math.max(m.start[i], view.t0), b = Math.min(m.end[i], view.t1);
    return { x: GUTTER + ((a + b) / 2 - view.t0) * scale, y: AXIS + lay.rowY[m.lanes.rowOf[i]] - view.scrollY + ROW_H / 2 };
  },

  /** Bring row `i` into view: pan to it (zoom out when it is wider than the window) and scroll to its lane. */
  reveal(i) {
    const view = N3.view(), m = view.model;
    const a = m.start[i], b = Math.max(m.end[i], a + 1e-4);
    const span = view.t1 - view.t0;
    if (b - a > span * 0.9) this.setWindow(view, a - (b - a) * 0.1, b + (b - a) * 0.1);
    else if (a < view.t0 || b > view.t1) this.setWindow(view, (a + b) / 2 - span / 2, (a + b) / 2 + span / 2);
    const lay = this.layout(view);
    const y = lay.rowY[m.lanes.rowOf[i]];
    const visible = this.height - AXIS;
    if (y < view.scrollY || y + ROW_H > view.scrollY + visible) view.scrollY = N3.clamp(y - visible / 2, 0, this.maxScroll(view));
    this.draw();
  },

  // -- painting ----------------------------------------------------------------------------------------

  paint() {
    const view = N3.view();
    if (!view || !this.ctx || N3.tab !== "timeline") return;
    const ctx = this.ctx, col = this.theme(), W = this.width, H = this.height;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = col.bg;
    ctx.fillRect(0, 0, W, H);
    const lay = this.layout(view);
    view.scrollY = N3.clamp(view.scrollY || 0, 0, this.maxScroll(view));
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS, W, H - AXIS);
    ctx.clip();
    this.paintBands(view, lay);
    this.paintGrid(view);
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, AXIS, W - GUTTER, H - AXIS);
    ctx.clip();
    this.paintRows(view, lay);
    this.paintMarks(view, lay);
    ctx.restore();
    this.paintGutter(view, lay);
    ctx.restore();
    this.paintAxis(view);
    this.paintRange(view);
  },

  paintBands(view, lay) {
    const ctx = this.ctx, col = this.theme(), groups = view.model.lanes.groups;
    for (let g = 0; g < groups.length; g++) {
      const y = AXIS + lay.groupY[g] - view.scrollY - 2;
      const h = groups[g].count * ROW_H + 4;
      if (y > this.height || y + h < AXIS) continue;
      ctx.fillStyle = g % 2 ? col.bg : col.band;
      ctx.fillRect(0, y, this.width, h);
    }
  },

  ticks(view) {
    const scale = this.scale(view);
    const raw = 110 / scale;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = raw / p < 2 ? 2 * p : raw / p < 5 ? 5 * p : 10 * p;
    const out = [];
    for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) out.push(t);
    return { step, list: out, scale };
  },

  paintGrid(view) {
    const ctx = this.ctx, col = this.theme(), tk = this.ticks(view);
    ctx.fillStyle = col.grid;
    for (const t of tk.list) {
      const x = Math.round(GUTTER + (t - view.t0) * tk.scale);
      ctx.fillRect(x, AXIS, 1, this.height - AXIS);
    }
  },

  paintAxis(view) {
    const ctx = this.ctx, col = this.theme(), tk = this.ticks(view);
    ctx.fillStyle = col.band;
    ctx.fillRect(0, 0, this.width, AXIS);
    ctx.fillStyle = col.grid;
    ctx.fillRect(0, AXIS - 1, this.width, 1);
    ctx.font = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
    ctx.textBaseline = "middle";
    ctx.fillStyle = col.muted;
    ctx.textAlign = "left";
    ctx.fillText("time ↔ drag to select", 6, AXIS / 2);
    ctx.textAlign = "center";
    for (const t of tk.list) {
      const x = GUTTER + (t - view.t0) * tk.scale;
      if (x < GUTTER + 20) continue;
      ctx.fillRect(Math.round(x), AXIS - 5, 1, 4);
      ctx.fillText(N3.fmtTick(t, tk.step), x, AXIS / 2 - 2);
    }
    ctx.textAlign = "left";
  },

  paintGutter(view, lay) {
    const ctx = this.ctx, col = this.theme(), groups = view.model.lanes.groups;
    ctx.fillStyle = col.grid;
    ctx.fillRect(GUTTER - 1, AXIS, 1, this.height - AXIS);
    ctx.font = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
    ctx.textBaseline = "middle";
    for (let g = 0; g < groups.length; g++) {
      const y = AXIS + lay.groupY[g] - view.scrollY;
      if (y > this.height || y + groups[g].count * ROW_H < AXIS) continue;
      ctx.fillStyle = col.muted;
      ctx.fillText(cut(N3.visible(groups[g].name), (GUTTER - 12) / CHAR_W), 6, y + ROW_H / 2);
    }
  },

  colourOf(view, i) {
    const m = view.model;
    if (N3.opts.colourBy === "status") return N3.statusColour(m.statusName(i));
    return N3.componentColour(m.compName(i), m.comp[i]);
  },

  paintRows(view, lay) {
    const ctx = this.ctx, col = this.theme(), m = view.model, rows = m.lanes.rows;
    const t0 = view.t0, t1 = view.t1, scale = this.scale(view);
    const match = view.match, top = view.scrollY, H = this.height;
    const start = m.start, end = m.end, instant = m.instant, flags = m.flags;
    const showCritical = N3.opts.critical;
    ctx.font = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
    ctx.textBaseline = "middle";
    const compColour = m.tables.components.map((name, c) => N3.componentColour(name, c));
    const statusColour = m.tables.statuses.map((name) => N3.statusColour(name));
    const byStatus = N3.opts.colourBy === "status";
    let labels = [];
    for (let r = 0; r < rows.length; r++) {
      const y = AXIS + lay.rowY[r] - top;
      if (y + ROW_H < AXIS || y > H) continue;
      const row = rows[r];
      const spans = row.spans, starts = row.starts;
      let k = N3.lowerBound(row.maxEnd, t0);
      // the aggregation of sub-pixel spans: one pending column, then one pending run of equal columns
      let aCol = -1, aCover = 0, aColour = "", aErr = 0, aMatch = 0;
      let runX = -1, runW = 0, runStyle = "", runAlpha = 0;
      let lastTick = -1;
      const flushRun = () => {
        if (runW <= 0) return;
        ctx.globalAlpha = runAlpha;
        ctx.fillStyle = runStyle;
        ctx.fillRect(runX, y + 2, runW, ROW_H - 4);
        runW = 0;
      };
      const flushCol = () => {
        if (aCol < 0) return;
        const style = aErr && aMatch ? col.error : aMatch ? aColour : col.dim;
        const density = Math.min(1, aCover);
        const alpha = !aMatch ? 0.45 : density > 0.75 ? 1 : density > 0.4 ? 0.8 : density > 0.15 ? 0.62 : 0.45;
        if (runW > 0 && runX + runW === aCol && style === runStyle && alpha === runAlpha) runW++;
        else { flushRun(); runX = aCol; runW = 1; runStyle = style; runAlpha = alpha; }
        aCol = -1;
      };
      for (; k < spans.length; k++) {
        const s0 = starts[k];
        if (s0 > t1) break;
        const i = spans[k];
        const e0 = end[i];
        if (e0 < t0) continue;
        const matched = match === null || match[i] === 1;
        const x0 = GUTTER + (s0 - t0) * scale;
        if (instant[i]) {
          const c = x0 | 0;
          if (c === lastTick) continue;
          lastTick = c;
          ctx.globalAlpha = matched ? 1 : 0.35;
          ctx.fillStyle = !matched ? col.dim : flags[i] & FLAG_ERROR ? col.error : byStatus ? statusColour[m.status[i]] : compColour[m.comp[i]];
          ctx.fillRect(c, y + 4, 2, ROW_H - 5);
          ctx.beginPath();
          ctx.moveTo(c - 3, y); ctx.lineTo(c + 5, y); ctx.lineTo(c + 1, y + 5);
          ctx.closePath();
          ctx.fill();
          continue;
        }
        const w = (e0 - s0) * scale;
        if (w < MIN_W) {
          const c = x0 | 0;
          if (c !== aCol) {
            flushCol();
            aCol = c; aCover = 0; aErr = 0; aMatch = 0;
            aColour = byStatus ? statusColour[m.status[i]] : compColour[m.comp[i]];
          }
          aCover += w;
          if (matched) { aMatch = 1; if (flags[i] & FLAG_ERROR) aErr = 1; }
          continue;
        }
        const xa = Math.max(x0, GUTTER - 2), xb = Math.min(x0 + w, this.width + 2);
        ctx.globalAlpha = matched ? 1 : 0.3;
        ctx.fillStyle = matched ? (byStatus ? statusColour[m.status[i]] : compColour[m.comp[i]]) : col.dim;
        ctx.fillRect(xa, y + 1, xb - xa, ROW_H - 2);
        if (!matched) continue;
        const f = flags[i];
        if (m.status[i] === m.failedStatus || (f & FLAG_ERROR)) {
          ctx.strokeStyle = col.error;
          ctx.lineWidth = 2;
          ctx.strokeRect(xa + 1, y + 2, Math.max(1, xb - xa - 2), ROW_H - 4);
          ctx.fillStyle = col.error;
          ctx.fillRect(xa, y + 1, Math.min(4, xb - xa), ROW_H - 2);
        }
        if (m.status[i] === m.unclosedStatus && xb - xa > 6) {
          ctx.fillStyle = col.bg;
          ctx.globalAlpha = 0.5;
          ctx.fillRect(xb - 6, y + 1, 6, ROW_H - 2);
          ctx.globalAlpha = 1;
        }
        if (showCritical && (f & FLAG_CRITICAL)) {
          ctx.fillStyle = col.critical;
          ctx.fillRect(xa, y + ROW_H - 4, xb - xa, 3);
        }
        if (f & FLAG_SLOW) {
          ctx.fillStyle = col.slow;
          ctx.beginPath();
          ctx.moveTo(xb - 9, y + 1); ctx.lineTo(xb, y + 1); ctx.lineTo(xb, y + 10);
          ctx.closePath();
          ctx.fill();
        }
        if (w > 34) labels.push(i, xa, xb, y);
      }
      flushCol();
      flushRun();
      ctx.globalAlpha = 1;
    }
    // labels last, on top of the bars
    ctx.fillStyle = "#ffffff";
    for (let k = 0; k < labels.length; k += 4) {
      const i = labels[k], xa = Math.max(labels[k + 1], GUTTER), xb = labels[k + 2], y = labels[k + 3];
      const room = (xb - xa - 8) / CHAR_W;
      if (room < 3) continue;
      ctx.fillText(cut(N3.visible(m.name[i]), room), xa + 5, y + ROW_H / 2);
    }
  },

  /** Anomalies (a marker above the span), the hovered span and the selected one. */
  paintMarks(view, lay) {
    const ctx = this.ctx, col = this.theme(), m = view.model;
    if (!view.anomalies) {
      view.anomalies = [];
      for (let i = 0; i < m.n; i++) if (m.flags[i] & FLAG_ANOMALY) view.anomalies.push(i);
    }
    const scale = this.scale(view);
    const place = (i) => {
      const y = AXIS + lay.rowY[m.lanes.rowOf[i]] - view.scrollY;
      const x0 = GUTTER + (m.start[i] - view.t0) * scale;
      const x1 = GUTTER + (m.end[i] - view.t0) * scale;
      return { x0, x1: Math.max(x1, x0 + 2), y };
    };
    ctx.fillStyle = col.anomaly;
    for (const i of view.anomalies) {
      if (m.end[i] < view.t0 || m.start[i] > view.t1) continue;
      const p = place(i);
      const cx = Math.max(p.x0, GUTTER) + 4, cy = p.y + 5;
      ctx.beginPath();
      ctx.moveTo(cx, cy - 5); ctx.lineTo(cx + 4, cy); ctx.lineTo(cx, cy + 5); ctx.lineTo(cx - 4, cy);
      ctx.closePath();
      ctx.fill();
    }
    const outline = (i, colour, width) => {
      if (i < 0 || i >= m.n) return;
      const p = place(i);
      const xa = Math.max(p.x0, GUTTER - 3), xb = Math.min(p.x1, this.width + 3);
      if (xb < GUTTER || xa > this.width) return;
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.strokeRect(xa - 1, p.y - 0.5, Math.max(3, xb - xa + 2), ROW_H + 1);
    };
    if (this.hover !== view.sel) outline(this.hover, col.muted, 1);
    outline(view.sel, col.select, 2);
  },

  paintRange(view) {
    const ctx = this.ctx, col = this.theme(), scale = this.scale(view);
    const shade = (a, b) => {
      const xa = N3.clamp(GUTTER + (a - view.t0) * scale, GUTTER, this.width);
      const xb = N3.clamp(GUTTER + (b - view.t0) * scale, GUTTER, this.width);
      if (xb > xa) ctx.fillRect(xa, 0, xb - xa, this.height);
    };
    const r = view.filters.range;
    if (r) {
      ctx.fillStyle = col.shade;
      shade(view.t0 - 1e9, r[0]);
      shade(r[1], view.t1 + 1e9);
      ctx.fillStyle = col.select;
      for (const t of r) {
        const x = GUTTER + (t - view.t0) * scale;
        if (x >= GUTTER && x <= this.width) ctx.fillRect(Math.round(x), 0, 1, this.height);
      }
    }
    if (this.drag && this.drag.mode === "range" && this.drag.moved) {
      ctx.globalAlpha = 0.18;
      ctx.fillStyle = col.select;
      shade(Math.min(this.drag.t, this.drag.tNow), Math.max(this.drag.t, this.drag.tNow));
      ctx.globalAlpha = 1;
    }
  },

  // -- pointer -----------------------------------------------------------------------------------------

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
      m.instant[i] ? "instant at " + N3.fmtMs(m.start[i]) : N3.fmtMs(m.duration(i)) + (m.duration(i) === null ? " (unclosed)" : "") + "  from " + N3.fmtMs(m.start[i])];
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
};

function cut(text, room) {
  room = Math.floor(room);
  if (text.length <= room) return text;
  return room <= 1 ? "" : text.slice(0, room - 1) + "…";
}
