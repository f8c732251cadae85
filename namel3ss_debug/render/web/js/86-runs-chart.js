/* The list's chart over time: each run selected is a dot at its start, in three bands (its cost, its duration, its
 * errors), drawn as inline SVG. The server sends the chart reduced to what can be told apart (ops/runs/page.py):
 * `bins` places along the time axis, `levels` up each band, and each band's distinct (bin, level) places of its
 * runs' dots, over every run the filters select (not only the rows listed). A run whose figure is unknown (no
 * cost: no call priced; no duration: no run_end) is not drawn, and the band says how many are left out. Each
 * band is one path (a zero-length segment a dot, its round cap the dot), so 10,000 runs are three elements. */
"use strict";

const CHART_BANDS = [  // label, unit, colour
  ["cost", "usd", "var(--p50)"],
  ["duration", "ms", "var(--ok)"],
  ["errors", "n", "var(--error)"],
];
const BAND_H = 54, LABEL_W = 150, PAD = 8;

N3.runsChart = {
  render(box, chart) {
    N3.clear(box);
    if (!chart) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const style = getComputedStyle(box);
    const width = Math.max(400, (box.clientWidth || 924) - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
    const x = (bin) => LABEL_W + PAD + (bin + 0.5) / chart.bins * (width - LABEL_W - 2 * PAD);
    const svg = N3.svg("svg", { width, height: CHART_BANDS.length * BAND_H + 18, role: "img", class: "runs-chart",
      "aria-label": "cost, duration and errors of the runs listed, over time" });
    CHART_BANDS.forEach((band, k) => {
      const drawn = chart.bands.find((item) => item.label === band[0]);
      if (drawn) svg.appendChild(this.band(band, drawn, chart.levels, x, k * BAND_H, width));
    });
    const axis = CHART_BANDS.length * BAND_H + 13;
    svg.appendChild(N3.svg("text", { x: LABEL_W + PAD, y: axis, class: "axis-text" }, this.day(chart.t0_ms)));
    svg.appendChild(N3.svg("text", { x: width - PAD, y: axis, class: "axis-text", "text-anchor": "end" }, this.day(chart.t1_ms)));
    box.appendChild(svg);
  },

  /** One band: its label, its largest value, and a dot at each place some run's figure is. */
  band([label, unit, colour], drawn, levels, x, top, width) {
    const group = N3.svg("g", { class: "band band-" + label });
    const y = (level) => top + BAND_H - 8 - level / levels * (BAND_H - 16);
    group.appendChild(N3.svg("line", { x1: LABEL_W, x2: width - PAD, y1: top + BAND_H - 8, y2: top + BAND_H - 8, class: "grid-line" }));
    group.appendChild(N3.svg("text", { x: 0, y: top + 18, class: "band-label" }, label));
    group.appendChild(N3.svg("text", { x: 0, y: top + 32, class: "axis-text" }, "up to " + N3.fmtValue(unit, drawn.most)));
    if (drawn.unknown) group.appendChild(N3.svg("text", { x: 0, y: top + 45, class: "axis-text" }, drawn.unknown + " unknown, not drawn"));
    const points = drawn.points, parts = [];
    for (let k = 0; k + 1 < points.length; k += 2) parts.push("M" + x(points[k]).toFixed(1) + " " + y(points[k + 1]).toFixed(1) + "h0");
    if (parts.length) group.appendChild(N3.svg("path", { d: parts.join(""), stroke: colour, "stroke-width": 5, "stroke-linecap": "round", fill: "none", class: "dots" }));
    return group;
  },

  day(t) {
    return new Date(t).toISOString().replace("T", " ").slice(0, 16) + " UTC";
  },
};
