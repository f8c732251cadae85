/* The waterfall timeline on a <canvas>: a lane group per track, a row per depth, an axis on top.
 *
 * It opens fitted to the run's work: from the end of its start-up (the interpreter's and the app's imports, often
 * most of a short run) to the run's end. The start-up stays reachable: zooming out, or the marker at the left
 * edge (`#tl-startup`, shown while the start-up is out of view), which shows the whole run; in view, the start-up
 * is shaded and named on the axis.
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
    this.startupMark = document.getElementById("tl-startup");
    this.startupMark.addEventListener("click", () => this.whole(N3.view()));
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

  /** The run's work in view: from the end of its start-up (the run's start when it has none) to its end. */
  fit(view) {
    const m = view.model, pad = (m.tEnd - m.workFrom) * 0.01;
    view.t0 = m.workFrom - pad;
    view.t1 = m.tEnd + pad;
  },

  /** The whole run in view, its start-up included. */
  whole(view) {
    const pad = view.model.tEnd * 0.01;
    this.setWindow(view, -pad, view.model.tEnd + pad);
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

  /** Show the run's work (`fit`); with `clearRange` drop the time range filter too. */
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
    else if (!m.instant[i] && (b - a) * this.scale(view) < 2) {
      // too thin to see at this zoom (a long run): zoom in until it is a fifth of the view
      const around = Math.max((b - a) * 5, 1e-3);
      this.setWindow(view, (a + b) / 2 - around / 2, (a + b) / 2 + around / 2);
    } else if (a < view.t0 || b > view.t1) this.setWindow(view, (a + b) / 2 - span / 2, (a + b) / 2 + span / 2);
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
    this.paintStartup(view);
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
    this.showStartupMark(view);
    this.paintAxis(view);
    this.paintRange(view);
  },

  /** The run's start-up, where it is in view: shaded, with a line where the work begins. */
  paintStartup(view) {
    const from = view.model.workFrom;
    if (!(from > 0) || from < view.t0) return;
    const ctx = this.ctx, col = this.theme(), scale = this.scale(view);
    const xa = Math.max(GUTTER, GUTTER + (0 - view.t0) * scale), xb = Math.min(this.width, GUTTER + (from - view.t0) * scale);
    ctx.fillStyle = col.shade;
    if (xb > xa) ctx.fillRect(xa, AXIS, xb - xa, this.height - AXIS);
    ctx.fillStyle = col.muted;
    if (xb >= GUTTER && xb <= this.width) ctx.fillRect(Math.round(xb), AXIS, 1, this.height - AXIS);
  },

  /** The marker of a start-up out of view (`◂ start-up 3.42 s`, on the axis at the plot's left edge): shown while
   *  the view starts after the run's start, hidden otherwise; set only when that changes (`markEnd`: the x where it
   *  ends, which the axis keeps its ticks clear of). */
  showStartupMark(view) {
    const mark = this.startupMark, from = view.model.workFrom;
    const text = from > 0 && view.t0 > 0 ? "\u25c2 start-up " + N3.fmtMs(from) : "";
    if (!mark || mark.dataset.text === text) return;
    mark.dataset.text = text;
    mark.textContent = text;
    mark.hidden = !text;
    mark.style.left = GUTTER + 2 + "px";
    mark.style.top = "3px";
    this.markEnd = text ? GUTTER + 2 + mark.offsetWidth : 0;
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
    const named = this.nameStartup(view);  // where the axis is taken by the start-up's name, if it is in view
    ctx.textAlign = "center";
    for (const t of tk.list) {
      const x = GUTTER + (t - view.t0) * tk.scale;
      if (x < Math.max(GUTTER, this.markEnd || 0) + 20 || (x > named[0] - 20 && x < named[1] + 20)) continue;
      ctx.fillRect(Math.round(x), AXIS - 5, 1, 4);
      ctx.fillText(N3.fmtTick(t, tk.step), x, AXIS / 2 - 2);
    }
    ctx.textAlign = "left";
  },

  /** The start-up's name on its stretch of the axis, and a mark where the work begins, when there is room:
   *  the [from, to] x the name takes ([0, 0] when not drawn). */
  nameStartup(view) {
    const ctx = this.ctx, from = view.model.workFrom, scale = this.scale(view);
    const xa = Math.max(GUTTER, GUTTER + (0 - view.t0) * scale), xb = Math.min(this.width, GUTTER + (from - view.t0) * scale);
    const label = "start-up " + N3.fmtMs(from), width = ctx.measureText(label).width;
    if (!(from > 0) || xb - xa < width + 16) return [0, 0];
    ctx.fillText(label, xa + 6, AXIS / 2);
    if (xb < this.width) ctx.fillRect(Math.round(xb), 0, 1, AXIS);
    return [xa, xa + 6 + width];
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
      ctx.fillText(cutMiddle(N3.visible(groups[g].name), (GUTTER - 12) / CHAR_W), 6, y + ROW_H / 2);
    }
  },

  /** What painting the rows needs, computed once a frame. */
  paintContext(view) {
    const m = view.model, byStatus = N3.opts.colourBy === "status";
    const compColour = m.tables.components.map((name, c) => N3.componentColour(name, c));
    const statusColour = m.tables.statuses.map((name) => N3.statusColour(name));
    return {
      view, m, col: this.theme(), t0: view.t0, t1: view.t1, scale: this.scale(view), match: view.match,
      critical: N3.opts.critical, labels: [],
      colour: (i) => (byStatus ? statusColour[m.status[i]] : compColour[m.comp[i]]),
    };
  },

  paintRows(view, lay) {
    const ctx = this.ctx, p = this.paintContext(view), rows = view.model.lanes.rows;
    ctx.font = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
    ctx.textBaseline = "middle";
    for (let r = 0; r < rows.length; r++) {
      const y = AXIS + lay.rowY[r] - view.scrollY;
      if (y + ROW_H >= AXIS && y <= this.height) this.paintRow(p, rows[r], y);
    }
    ctx.fillStyle = "#ffffff";  // labels last, on top of the bars
    const labels = p.labels, drawn = [];
    for (let k = 0; k < labels.length; k += 4) {
      const i = labels[k], xa = Math.max(labels[k + 1], GUTTER), xb = labels[k + 2], y = labels[k + 3];
      const text = this.fitLabel(N3.visible(p.m.name[i]), xb - xa - 8);
      if (!text) continue;
      ctx.fillText(text, xa + 5, y + ROW_H / 2);
      drawn.push({ i, x: xa + 5, y, w: ctx.measureText(text).width, h: ROW_H });
    }
    this.drawnLabels = drawn;  // where each label went (tests measure them: none covers another or leaves its bar)
  },

  /** The label cut to `room` px as measured in the canvas font ("" when not 3 characters fit). */
  fitLabel(name, room) {
    let text = cut(name, room / CHAR_W);
    while (text.length >= 3 && this.ctx.measureText(text).width > room) text = cut(name, text.length - 1);
    return text.length >= 3 ? text : "";
  },

  /** One lane row: the spans that overlap [t0, t1], found by binary search; the hot loop of a frame. */
  paintRow(p, row, y) {
    const ctx = this.ctx, m = p.m, end = m.end, spans = row.spans, starts = row.starts;
    const density = new DensityBar(ctx, y, p.col);
    let lastTick = -1, label = -1;
    for (let k = N3.lowerBound(row.maxEnd, p.t0); k < spans.length; k++) {
      const s0 = starts[k];
      if (s0 > p.t1) break;
      const i = spans[k];
      if (end[i] < p.t0) continue;
      const matched = p.match === null || p.match[i] === 1;
      const x0 = GUTTER + (s0 - p.t0) * p.scale;
      if (m.instant[i]) {
        if ((x0 | 0) !== lastTick) this.paintTick(p, i, (lastTick = x0 | 0), y, matched);
        continue;
      }
      // a row shared past MAX_SLOTS overlapping spans: the label before ends where the next bar begins
      if (label >= 0 && p.labels[label + 2] > x0) p.labels[label + 2] = x0;
      const w = (end[i] - s0) * p.scale, before = p.labels.length;
      if (w < MIN_W) density.add(x0 | 0, w, p.colour(i), matched, (m.flags[i] & FLAG_ERROR) !== 0);
      else this.paintSpan(p, i, Math.max(x0, GUTTER - 2), Math.min(x0 + w, this.width + 2), y, matched);
      if (p.labels.length > before) label = before;
    }
    density.flush();
    ctx.globalAlpha = 1;
  },

  /** An instant event: a tick with a small flag on top. */
  paintTick(p, i, x, y, matched) {
    const ctx = this.ctx;
    ctx.globalAlpha = matched ? 1 : 0.35;
    ctx.fillStyle = !matched ? p.col.dim : p.m.flags[i] & FLAG_ERROR ? p.col.error : p.colour(i);
    ctx.fillRect(x, y + 4, 2, ROW_H - 5);
    ctx.beginPath();
    ctx.moveTo(x - 3, y); ctx.lineTo(x + 5, y); ctx.lineTo(x + 1, y + 5);
    ctx.closePath();
    ctx.fill();
  },

  /** A span at least MIN_W wide, from xa to xb: its bar, then its marks (failed, unclosed, critical, slow). */
  paintSpan(p, i, xa, xb, y, matched) {
    const ctx = this.ctx, m = p.m, col = p.col, f = m.flags[i];
    ctx.globalAlpha = matched ? 1 : 0.3;
    ctx.fillStyle = matched ? p.colour(i) : col.dim;
    ctx.fillRect(xa, y + 1, xb - xa, ROW_H - 2);
    ctx.globalAlpha = 1;
    if (!matched) return;
    if (m.status[i] === m.failedStatus || (f & FLAG_ERROR)) {
      ctx.strokeStyle = col.error;
      ctx.lineWidth = 2;
      ctx.strokeRect(xa + 1, y + 2, Math.max(1, xb - xa - 2), ROW_H - 4);
      ctx.fillStyle = col.error;
      ctx.fillRect(xa, y + 1, Math.min(4, xb - xa), ROW_H - 2);
    }
    if (m.status[i] === m.unclosedStatus && xb - xa > 6) {  // still running: a fading end
      ctx.fillStyle = col.bg;
      ctx.globalAlpha = 0.5;
      ctx.fillRect(xb - 6, y + 1, 6, ROW_H - 2);
      ctx.globalAlpha = 1;
    }
    if (p.critical && (f & FLAG_CRITICAL)) {
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
    if (xb - xa > 34) p.labels.push(i, xa, xb, y);
  },

  /** Anomalies (a marker above the span), the evidence of the finding shown, the hovered span and the selected one. */
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
      if (m.end[i] < view.t0 || m.start[i] > view.t1 || (view.match && !view.match[i])) continue;
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
    if (view.evidence) for (const i of view.evidence) if (i !== view.sel) outline(i, col.anomaly, 2);  // the finding shown
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
};

/* The spans of one lane row narrower than MIN_W: summed per pixel column (how much of the column they
 * cover, whether one failed, whether one matches the filters), and runs of equal columns drawn as one
 * rectangle. Columns arrive in order, since a row's spans are sorted by start. */
class DensityBar {
  constructor(ctx, y, col) {
    this.ctx = ctx; this.y = y; this.col = col;
    this.column = -1; this.cover = 0; this.colour = ""; this.error = false; this.matched = false;
    this.runX = -1; this.runW = 0; this.runStyle = ""; this.runAlpha = 0;
  }

  add(column, width, colour, matched, error) {
    if (column !== this.column) {
      this.closeColumn();
      this.column = column; this.cover = 0; this.colour = colour; this.error = false; this.matched = false;
    }
    this.cover += width;
    if (matched) { this.matched = true; if (error) this.error = true; }
  }

  closeColumn() {
    if (this.column < 0) return;
    const style = this.error ? this.col.error : this.matched ? this.colour : this.col.dim;
    const cover = Math.min(1, this.cover);
    const alpha = !this.matched ? 0.45 : cover > 0.75 ? 1 : cover > 0.4 ? 0.8 : cover > 0.15 ? 0.62 : 0.45;
    if (this.runW > 0 && this.runX + this.runW === this.column && style === this.runStyle && alpha === this.runAlpha) this.runW++;
    else { this.flushRun(); this.runX = this.column; this.runW = 1; this.runStyle = style; this.runAlpha = alpha; }
    this.column = -1;
  }

  flushRun() {
    if (this.runW <= 0) return;
    this.ctx.globalAlpha = this.runAlpha;
    this.ctx.fillStyle = this.runStyle;
    this.ctx.fillRect(this.runX, this.y + 2, this.runW, ROW_H - 4);
    this.runW = 0;
  }

  flush() {
    this.closeColumn();
    this.flushRun();
  }
}

function cut(text, room) {
  room = Math.floor(room);
  if (text.length <= room) return text;
  return room <= 1 ? "" : text.slice(0, room - 1) + "…";
}

/** A track name cut in its middle: the end (ThreadPoolExecutor-0_2, MainThread/task-7) tells tracks apart. */
function cutMiddle(text, room) {
  room = Math.floor(room);
  if (text.length <= room) return text;
  const tail = Math.ceil((room - 1) / 2);
  return text.slice(0, room - 1 - tail) + "…" + text.slice(text.length - tail);
}
