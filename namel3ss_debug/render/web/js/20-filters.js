/* Filters: component, errors only, agent, text search, time range. A view's filter result is
 * `match` (the spans that pass, or null when no filter is on) and `keep` (match plus their ancestors,
 * what the tree shows). The timeline dims what does not match. */
"use strict";

N3.newFilters = function newFilters() {
  return { hiddenComps: new Set(), errorsOnly: false, agent: -1, text: "", range: null };
};

N3.filtersActive = function filtersActive(f) {
  return f.hiddenComps.size > 0 || f.errorsOnly || f.agent >= 0 || f.text !== "" || f.range !== null;
};

/** Compute `view.match`, `view.keep` and `view.count` from `view.filters`. */
N3.applyFilters = function applyFilters(view) {
  const m = view.model, f = view.filters, n = m.n;
  view.total = n;
  if (!N3.filtersActive(f)) {
    view.match = null;
    view.keep = null;
    view.count = n;
    return;
  }
  const match = new Uint8Array(n);
  const needle = f.text.toLowerCase();
  const payload = needle ? m.payload : null;
  const a = f.range ? f.range[0] : 0, b = f.range ? f.range[1] : 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (f.hiddenComps.has(m.comp[i])) continue;
    if (f.errorsOnly && !m.hasError(i)) continue;
    if (f.agent >= 0 && m.agent[i] !== f.agent) continue;
    if (f.range && (m.start[i] > b || m.end[i] < a)) continue;
    if (needle && m.names(i).indexOf(needle) < 0 && !(payload && payload[i].indexOf(needle) >= 0)) continue;
    match[i] = 1;
    count++;
  }
  const keep = new Uint8Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (!match[i]) continue;
    let p = i;
    while (p >= 0 && !keep[p]) { keep[p] = 1; kept++; p = m.parent[p]; }
  }
  view.keepCount = kept;
  view.match = match;
  view.keep = keep;
  view.count = count;
};

N3.filterBar = {
  init() {
    const ui = N3.ui;
    ui.comps = document.getElementById("f-comps");
    ui.errors = document.getElementById("f-errors");
    ui.agent = document.getElementById("f-agent");
    ui.search = document.getElementById("f-search");
    ui.searchState = document.getElementById("search-state");
    ui.range = document.getElementById("f-range");
    ui.rangeText = document.getElementById("f-range-text");
    ui.count = document.getElementById("f-count");
    ui.errors.addEventListener("change", () => this.change((f) => { f.errorsOnly = ui.errors.checked; }));
    ui.agent.addEventListener("change", () => this.change((f) => { f.agent = Number(ui.agent.value); }));
    const typed = N3.debounce(() => this.setText(ui.search.value), 180);
    ui.search.addEventListener("input", typed);
    ui.search.addEventListener("keydown", (ev) => { if (ev.key === "Enter") this.setText(ui.search.value); });
    document.getElementById("f-range-clear").addEventListener("click", () => this.setRange(null));
    ui.comps.addEventListener("change", (ev) => {
      const box = ev.target;
      if (!box || box.type !== "checkbox") return;
      const comp = Number(box.value);
      this.change((f) => { if (box.checked) f.hiddenComps.delete(comp); else f.hiddenComps.add(comp); });
    });
  },

  /** Rebuild the controls for the view's run (its components and agents) and show its filters. */
  show(view) {
    const ui = N3.ui, m = view.model, f = view.filters;
    N3.clear(ui.comps);
    const present = new Set();
    for (let i = 0; i < m.n; i++) present.add(m.comp[i]);
    m.tables.components.forEach((name, c) => {
      if (!present.has(c)) return;
      const box = N3.el("input", { type: "checkbox", value: String(c), checked: !f.hiddenComps.has(c) });
      const chip = N3.el("span", "chip");
      chip.style.background = N3.componentColour(name, c);
      ui.comps.appendChild(N3.el("label", { className: "comp-check", title: "show " + name + " spans" }, box, chip, name));
    });
    N3.clear(ui.agent);
    ui.agent.appendChild(N3.el("option", { value: "-1", text: "all agents" }));
    m.tables.agents.forEach((name, a) => ui.agent.appendChild(N3.el("option", { value: String(a), text: name })));
    ui.agent.value = String(f.agent);
    ui.agent.hidden = m.tables.agents.length === 0;
    ui.errors.checked = f.errorsOnly;
    if (ui.search.value !== f.text) ui.search.value = f.text;
    this.showRange(view);
    this.showCount(view);
  },

  showRange(view) {
    const ui = N3.ui, r = view.filters.range;
    ui.range.hidden = !r;
    if (r) N3.text(ui.rangeText, N3.fmtMs(r[0]) + " – " + N3.fmtMs(r[1]));
  },

  showCount(view) {
    N3.text(N3.ui.count, N3.fmtInt(view.count) + " of " + N3.fmtInt(view.total) + " spans");
    N3.ui.count.classList.toggle("filtered", view.match !== null);
  },

  change(edit) {
    const view = N3.view();
    edit(view.filters);
    this.refresh(view);
  },

  refresh(view) {
    N3.applyFilters(view);
    this.showRange(view);
    this.showCount(view);
    N3.tree.rebuild(view, true);
    N3.timeline.draw();
  },

  setRange(range) {
    this.change((f) => { f.range = range; });
  },

  /** A search: names at once; the payloads too once every chunk has been read (the first time only). */
  setText(text) {
    const view = N3.view();
    const needle = text.trim();
    if (needle === view.filters.text) return;
    view.filters.text = needle;
    if (needle) this.ensurePayload(view);  // the first time: "searching…" while the payloads are read
    this.refresh(view);
  },

  /** Read every chunk's payload text once (showing "searching…"), then search again. */
  ensurePayload(view) {
    const m = view.model;
    if (m.payload) return;
    const state = N3.ui.searchState;
    state.classList.add("busy");
    N3.text(state, "searching…");
    document.body.dataset.searching = "1";
    m.buildPayload((done, total) => {
      if (total > 4) N3.text(state, "searching… " + Math.round((100 * done) / total) + "%");
    }).then(() => {
      state.classList.remove("busy");
      N3.text(state, "");
      delete document.body.dataset.searching;
      if (N3.view() === view && view.filters.text) this.refresh(view);
    });
  },
};
