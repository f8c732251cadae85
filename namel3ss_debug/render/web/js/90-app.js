/* The page: read the data document, build the models, the header, the tabs, the splitters; selection;
 * and the readiness signal (body[data-ready="1"], window.N3_READY_MS) once the first paint is done. */
"use strict";

N3.opts = { colourBy: "comp", critical: true };

N3.newView = function newView(model) {
  const view = {
    model, filters: N3.newFilters(), match: null, keep: null, count: model.n, total: model.n, keepCount: 0,
    sel: -1, collapsed: new Uint8Array(model.n), vis: null, visPos: null, treeTop: 0,
    t0: 0, t1: 1, scrollY: 0, layout: null, anomalies: null, gen: 0,
    evidence: null,  // the rows of the finding shown in the findings panel (55-findings.js)
  };
  N3.timeline.fit(view);
  return view;
};

N3.view = function view() {
  return N3.views[N3.current];
};

/** Select row `i` of the current run: details, tree and timeline follow (`source` is where it came from). */
N3.select = function select(i, source) {
  const view = N3.view();
  if (i < 0 || i >= view.model.n) return;
  view.sel = i;
  N3.details.render(N3.ui.details, view.model, i, true);
  N3.tree.reveal(view, i, source !== "tree");
  if (source !== "timeline") N3.timeline.reveal(i);
  else N3.timeline.draw();
  document.body.dataset.selected = view.model.sid[i];
  N3.links.remember(view.model.sid[i]);
};

/** Show run `k` on the Timeline tab (or `tab`), keeping each run's own view. */
N3.showRun = function showRun(k, tab) {
  if (k !== N3.current) {
    N3.current = k;
    const view = N3.view();
    N3.filterBar.show(view);
    N3.findings.render(view);
    N3.tree.rebuild(view, false);
    N3.details.render(N3.ui.details, view.model, view.sel, true);
    N3.timeline.showLegend(view);
    N3.analysisFor = -1;
  }
  N3.showTab(tab || "timeline");
};

/** Run `k`, row `i`: switch to its timeline and select it. */
N3.showSpan = function showSpan(k, i) {
  N3.showRun(k, "timeline");
  N3.select(i, "link");
};

N3.showTab = function showTab(name) {
  N3.tab = name;
  const ui = N3.ui;
  ui.viewRun.hidden = name !== "timeline";
  ui.analysis.hidden = name !== "analysis";
  ui.compareView.hidden = name !== "compare";
  for (const b of ui.tabs.querySelectorAll("button[data-tab]")) {
    const on = b.dataset.tab === name && (name !== "timeline" || Number(b.dataset.run) === N3.current);
    b.classList.toggle("on", on);
    b.setAttribute("aria-selected", on ? "true" : "false");
  }
  if (name === "timeline") {
    N3.timeline.resize();
    N3.timeline.paint();
    N3.tree.list.paint();
  } else if (name === "analysis" && N3.analysisFor !== N3.current) {
    N3.analysis.render(ui.analysis, N3.current);
    N3.analysisFor = N3.current;
  } else if (name === "compare") N3.compare.opened();
};

N3.header = function header() {
  const box = N3.clear(N3.ui.runHead);
  N3.runs.forEach((m, k) => {
    const r = m.run, a = r.analysis || {}, llm = a.llm || {};
    const status = r.status || "unknown";
    const line = N3.el("div", "run-line");
    if (N3.runs.length > 1) line.appendChild(N3.el("span", "side", k === 0 ? "BASE" : "NEW"));
    line.append(N3.el(k === 0 ? "h1" : "span", "run-name", r.name || "run"), N3.el("span", "run-id mono", r.run_id || ""));
    if (r.lineage) {
      line.appendChild(N3.el("span", { className: "rerun-of", text: r.lineage.said, title: r.lineage.said + "\nwritten by replay --rerun of run " + r.lineage.run_id + (r.lineage.trace ? " (" + r.lineage.trace + ")" : "") }));
    }
    line.appendChild(N3.el("span", "pill st-" + String(status).replace(/[^a-z]/g, ""), N3.statusSaid(status, r.stopped, r.gave_up)));
    const metric = (label, value) => line.appendChild(N3.el("span", "metric", N3.el("span", "metric-label", label), value));
    metric("duration", N3.fmtMs(r.duration_ms !== null && r.duration_ms !== undefined ? r.duration_ms : r.now_ms));
    if (m.workFrom > 0) metric("start-up", N3.fmtMs(m.workFrom));
    metric("events", N3.fmtInt(r.events));
    metric("spans", N3.fmtInt(m.n));
    if (m.cutSpans) {
      const note = N3.cutNote(m, N3.doc.limits);
      line.appendChild(N3.el("span", { className: "metric cut-note", title: note }, N3.el("span", "metric-label", "not in page"), N3.fmtInt(m.cutSpans)));
      line.appendChild(N3.el("span", { className: "reasons-inline cut-note-text", text: note, title: note }));
    }
    if (status === "running" && N3.doc.live) metric("in flight", N3.fmtInt(N3.doc.live.in_flight || 0));
    metric("tokens", N3.fmtInt(llm.total_tokens || 0));
    metric("cost", llm.calls ? N3.costText(llm.cost_usd, llm.unpriced_calls) : N3.fmtCost(0));
    const errors = a.errors || {};
    if (errors.total) metric("errors", N3.errorsText(errors.total, errors.handled, errors.unhandled).replace(/ errors? /, " "));
    const h = a.health || {};
    const verdict = h.verdict || "unknown";
    const reasons = (h.reasons || []).join("; ");
    line.appendChild(N3.el("span", { className: "verdict v-" + String(verdict).replace(/[^a-z]/g, ""), text: verdict, title: reasons || "no reasons given" }));
    if (reasons) line.appendChild(N3.el("span", { className: "reasons-inline", text: reasons, title: reasons }));
    box.appendChild(line);
  });
  N3.links.nav(box);
  document.title = N3.visible(N3.doc.title || document.title);
};

N3.buildTabs = function buildTabs() {
  const nav = N3.ui.tabs;
  const tab = (label, name, run) => {
    const b = N3.el("button", { type: "button", role: "tab", id: "tab-" + name + (run === undefined ? "" : "-" + run), text: label });
    b.dataset.tab = name;
    if (run !== undefined) b.dataset.run = String(run);
    b.addEventListener("click", () => (run === undefined ? N3.showTab(name) : N3.showRun(run, name)));
    nav.appendChild(b);
  };
  if (N3.doc.mode === "compare") {
    tab("Compare", "compare");
    tab("BASE timeline", "timeline", 0);
    tab("NEW timeline", "timeline", 1);
  } else tab("Timeline", "timeline", 0);
  tab("Analysis", "analysis");
  nav.appendChild(N3.el("span", "tool-spacer"));
  nav.appendChild(N3.el("span", { id: "live-state", className: "live-state", hidden: true }));
};

/** The two splitters: timeline | lower panes (vertical drag) and tree | details (horizontal drag). */
N3.splitters = function splitters() {
  const drag = (handle, move) => {
    handle.addEventListener("mousedown", (ev) => {
      ev.preventDefault();
      const up = () => { window.removeEventListener("mousemove", move); window.removeEventListener("mouseup", up); document.body.classList.remove("dragging"); };
      document.body.classList.add("dragging");
      window.addEventListener("mousemove", move);
      window.addEventListener("mouseup", up);
    });
  };
  const pane = document.getElementById("timeline-pane"), tree = document.getElementById("tree-pane");
  const run = N3.ui.viewRun;
  drag(document.getElementById("split-h"), (ev) => {
    const top = pane.getBoundingClientRect().top, total = run.getBoundingClientRect().bottom;
    pane.style.height = N3.clamp(ev.clientY - top, 90, total - top - 120) + "px";
  });
  drag(document.getElementById("split-v"), (ev) => {
    const box = document.getElementById("lower").getBoundingClientRect();
    tree.style.flexBasis = N3.clamp(ev.clientX - box.left, 260, box.width - 240) + "px";
  });
  const key = (handle, apply) => handle.addEventListener("keydown", (ev) => {
    const step = { ArrowUp: -20, ArrowLeft: -20, ArrowDown: 20, ArrowRight: 20 }[ev.key];
    if (step) { ev.preventDefault(); apply(step); }
  });
  key(document.getElementById("split-h"), (d) => { pane.style.height = Math.max(90, pane.getBoundingClientRect().height + d) + "px"; });
  key(document.getElementById("split-v"), (d) => { tree.style.flexBasis = Math.max(260, tree.getBoundingClientRect().width + d) + "px"; });
};

N3.options = function options() {
  const colour = document.getElementById("o-colour"), critical = document.getElementById("o-critical");
  colour.addEventListener("change", () => {
    N3.opts.colourBy = colour.value;
    N3.timeline.showLegend(N3.view());
    N3.timeline.draw();
  });
  critical.addEventListener("change", () => {
    N3.opts.critical = critical.checked;
    N3.tree.repaint(N3.view());
    N3.timeline.draw();
  });
};

N3.fail = function fail(message) {
  const box = document.getElementById("main");
  N3.clear(box);
  box.appendChild(N3.el("div", "fatal", message));
  document.body.dataset.ready = "error";
};

N3.startApp = function startApp() {
  const t = (N3.timings = { start: performance.now() });
  let doc;
  try {
    const text = document.getElementById("n3-data").textContent;
    t.text = performance.now();
    doc = JSON.parse(text);
    t.parsed = performance.now();
  } catch (err) {
    N3.fail("The data of this report cannot be read: " + err.message);
    return;
  }
  if (doc && doc.mode === "runs") {  // the list of a directory's runs (85-runs.js)
    N3.doc = doc;
    N3.runsPage.start(doc);
    return;
  }
  if (!doc || !Array.isArray(doc.runs) || !doc.runs.length) {
    N3.fail("This report holds no run.");
    return;
  }
  N3.doc = doc;
  const ui = N3.ui;
  ui.runHead = document.getElementById("run-head");
  ui.tabs = document.getElementById("tabs");
  ui.details = document.getElementById("details");
  ui.viewRun = document.getElementById("view-run");
  ui.analysis = document.getElementById("view-analysis");
  ui.compareView = document.getElementById("view-compare");
  N3.runs = doc.runs.map((run) => new N3.Model(run, doc.limits));
  t.model = performance.now();
  N3.timeline.init();
  N3.views = N3.runs.map((m) => N3.newView(m));
  N3.tree.init();
  N3.findings.init();
  N3.filterBar.init();
  N3.options();
  N3.splitters();
  N3.header();
  N3.buildTabs();
  const view = N3.view();
  N3.timeline.fitPane(view);
  N3.filterBar.show(view);
  N3.findings.render(view);
  N3.tree.rebuild(view, false);
  N3.details.render(ui.details, view.model, -1, true);
  N3.timeline.showLegend(view);
  if (doc.mode === "compare" && doc.compare && N3.runs.length > 1) {
    N3.compare.init(ui.compareView);
    N3.showTab("compare");
  } else N3.showTab("timeline");
  if (doc.live) N3.live.start(doc.live);
  N3.links.open();
  t.painted = performance.now();
  requestAnimationFrame(() => setTimeout(() => {
    document.body.dataset.ready = "1";
    window.N3_READY_MS = performance.now();
  }, 0));
};

document.addEventListener("DOMContentLoaded", N3.startApp);
