/* The list's chart over time: each run listed is a dot at its start, in three bands (its cost, its duration, its
 * errors), drawn as inline SVG. A dot is the row's own figure; a run whose figure is unknown (no cost: no call
 * priced; no duration: no run_end) is not drawn, and the band says how many are left out. Each band is one path
 * (a zero-length segment a dot, its round cap the dot), so 10,000 runs are three elements. */
"use strict";

const CHART_BANDS = [  // label, the row's figure, its unit, colour
  ["cost", (row) => row.cost_usd, "usd", "var(--p50)"],
  ["duration", (row) => row.duration_ms, "ms", "var(--ok)"],
  ["errors", (row) => row.errors, "n", "var(--error)"],
];
const BAND_H = 54, LABEL_W = 150, PAD = 8;

N3.runsChart = {
  render(box, rows) {
    N3.clear(box);
    const times = rows.map((row) => Date.parse(row.started || "")).filter((t) => isFinite(t));
    if (!times.length) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const style = getComputedStyle(box);
    const width = Math.max(400, (box.clientWidth || 924) - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
    let t0 = Math.min(...times), t1 = Math.max(...times);
    if (t1 === t0) { t0 -= 3600e3; t1 += 3600e3; }
    const x = (t) => LABEL_W + PAD + (t - t0) / (t1 - t0) * (width - LABEL_W - 2 * PAD);
    const svg = N3.svg("svg", { width, height: CHART_BANDS.length * BAND_H + 18, role: "img", class: "runs-chart",
      "aria-label": "cost, duration and errors of the runs listed, over time" });
    CHART_BANDS.forEach((band, k) => svg.appendChild(this.band(band, rows, x, k * BAND_H, width)));
    const axis = CHART_BANDS.length * BAND_H + 13;
    svg.appendChild(N3.svg("text", { x: LABEL_W + PAD, y: axis, class: "axis-text" }, this.day(t0)));
    svg.appendChild(N3.svg("text", { x: width - PAD, y: axis, class: "axis-text", "text-anchor": "end" }, this.day(t1)));
    box.appendChild(svg);
  },

  /** One band: its label, its largest value, and a dot per run whose figure is known. */
  band([label, figure, unit, colour], rows, x, top, width) {
    const group = N3.svg("g", { class: "band band-" + label });
    let most = 0, unknown = 0;
    const points = [];
    for (const row of rows) {
      const value = figure(row), t = Date.parse(row.started || "");
      if (value === null || value === undefined || !isFinite(t)) { unknown++; continue; }
      if (value > most) most = value;
      points.push([x(t), value]);
    }
    const y = (value) => top + BAND_H - 8 - (most > 0 ? value / most : 0) * (BAND_H - 16);
    group.appendChild(N3.svg("line", { x1: LABEL_W, x2: width - PAD, y1: top + BAND_H - 8, y2: top + BAND_H - 8, class: "grid-line" }));
    group.appendChild(N3.svg("text", { x: 0, y: top + 18, class: "band-label" }, label));
    group.appendChild(N3.svg("text", { x: 0, y: top + 32, class: "axis-text" }, "up to " + N3.fmtValue(unit, most)));
    if (unknown) group.appendChild(N3.svg("text", { x: 0, y: top + 45, class: "axis-text" }, unknown + " unknown, not drawn"));
    const path = points.map(([px, value]) => "M" + px.toFixed(1) + " " + y(value).toFixed(1) + "h0").join("");
    if (path) group.appendChild(N3.svg("path", { d: path, stroke: colour, "stroke-width": 5, "stroke-linecap": "round", fill: "none", class: "dots" }));
    return group;
  },

  day(t) {
    return new Date(t).toISOString().replace("T", " ").slice(0, 16) + " UTC";
  },
};
