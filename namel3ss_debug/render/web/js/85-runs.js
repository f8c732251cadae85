/* The list of runs (`view DIR`, document mode "runs"): search, filters, sortable columns, a chart over time
 * (86-runs-chart.js), a link to each run, two runs ticked and compared.
 *
 * The server filters, sorts and pages (the run index's query, the one `runs` uses): the page only says what it
 * wants, as the query string of its own address (so the list as filtered is a link too) and of `/runs.json`, and
 * holds the rows it shows: the first PAGE_ROWS, then PAGE_ROWS more at each "show more" (`offset`, `limit`). The
 * chart comes drawn-ready from the server (aggregates over every run selected, not rows). Every figure shown is
 * the row's own, `analyze`'s for that run; the page computes none. Following the directory, it polls
 * `/runs.json?...&since=VERSION` (204: nothing changed) for as many rows as it shows, and marks the runs written
 * since. Answers can arrive out of order: only the answer to the latest ask is shown. */
"use strict";

const RUN_FILTERS = [  // query parameter, label, facet it offers
  ["status", "status", "status"], ["health", "health", "health"], ["model", "model", "model"],
  ["finding", "finding", "finding"], ["tag", "tag", "tag"],
];
const LINEAGE_CHOICES = [["show", "reruns and forks: shown"], ["hide", "reruns and forks: hidden"], ["only", "reruns and forks only"]];
const PAGE_ROWS = 500;  // rows asked for at a time (unless the address says `limit`); "show more" asks for the next ones

N3.runsPage = {
  doc: null,
  params: null,     // URLSearchParams: what the list asks for
  ticked: [],       // run ids ticked for comparing (at most two)
  seen: null,       // run ids shown so far, to mark the ones a poll brings
  timer: 0,
  failures: 0,
  asked: 0,         // counts the times the list was asked for anew: an answer to an older ask is dropped

  start(doc) {
    this.doc = doc;
    this.params = new URLSearchParams(location.search);
    this.params.delete("offset");  // the list always begins with its first row: "show more" pages down from there
    this.seen = new Set(doc.rows.map((row) => row.run_id));
    document.body.dataset.mode = "runs";
    for (const id of ["view-run", "view-analysis", "view-compare", "tabs", "health"]) document.getElementById(id).hidden = true;
    this.box = document.getElementById("view-runs");
    this.box.hidden = false;
    this.build();
    this.render();
    if (doc.live) this.schedule();
    if (doc.offset) this.fetch();
  },

  /** The toolbar, the chart's place and the table's head, built once. */
  build() {
    const head = N3.clear(document.getElementById("run-head"));
    this.title = N3.el("h1", "run-name runs-title", "Runs");
    this.where = N3.el("span", "run-id mono", this.doc.directory);
    this.badge = N3.el("span", { className: "live-state", hidden: !this.doc.live });
    head.appendChild(N3.el("div", "run-line", this.title, this.where, this.badge));
    if (this.doc.live) this.state("live", "following the directory: polling every " + this.doc.live.poll_ms + " ms");
    const bar = N3.el("div", { id: "runs-toolbar", role: "toolbar", ariaLabel: "Filters" });
    this.search = N3.el("input", { type: "search", id: "runs-search", placeholder: "Search questions, answers, errors, ids, entries, models, tags, tools, findings",
      value: this.params.get("q") || "", spellcheck: false, autocomplete: "off", ariaLabel: "Search" });
    this.search.addEventListener("input", N3.debounce(() => this.ask("q", this.search.value.trim()), 250));
    bar.appendChild(this.search);
    this.selects = {};
    for (const [name, label] of RUN_FILTERS) {
      const select = N3.el("select", { id: "runs-f-" + name, ariaLabel: label });
      select.addEventListener("change", () => this.ask(name, select.value));
      this.selects[name] = select;
      bar.appendChild(select);
    }
    this.lineage = N3.el("select", { id: "runs-f-lineage", ariaLabel: "reruns and forks" });
    for (const [value, label] of LINEAGE_CHOICES) this.lineage.appendChild(N3.el("option", { value, text: label }));
    this.lineage.value = this.params.get("lineage") || "show";
    this.lineage.addEventListener("change", () => this.ask("lineage", this.lineage.value === "show" ? "" : this.lineage.value));
    bar.appendChild(this.lineage);
    this.compareButton = N3.el("button", { type: "button", id: "runs-compare", disabled: true, text: "compare",
      title: "Tick two runs to compare them (the older is BASE)" });
    this.compareButton.addEventListener("click", () => this.compare());
    this.count = N3.el("span", { id: "runs-count", ariaLive: "polite" });
    bar.append(this.compareButton, this.count);
    this.chart = N3.el("div", { id: "runs-chart" });
    this.table = N3.el("table", { id: "runs-table" });
    this.table.appendChild(this.headRow());
    this.body = N3.el("tbody");
    this.table.appendChild(this.body);
    this.more = N3.el("button", { type: "button", id: "runs-more", hidden: true });
    this.more.addEventListener("click", () => this.showMore());
    this.empty = N3.el("div", { className: "empty", id: "runs-empty", hidden: true });
    this.box.append(bar, this.chart, N3.el("div", "runs-table-wrap", this.table, this.empty, this.more));
  },

  /** The table's head: a click on a sortable column sorts by it (again: the other way). */
  headRow() {
    const thead = N3.el("thead"), tr = N3.el("tr");
    for (const [label, sort, numeric] of N3.runsColumns) {
      const th = N3.el("th", { className: numeric ? "num" : "", text: label });
      if (sort) {
        th.classList.add("sortable");
        th.dataset.sort = sort;
        th.tabIndex = 0;
        const go = () => this.sortBy(sort);
        th.addEventListener("click", go);
        th.addEventListener("keydown", (ev) => { if (ev.key === "Enter") go(); });
      }
      tr.appendChild(th);
    }
    thead.appendChild(tr);
    return thead;
  },

  sortBy(sort) {
    const current = this.params.get("sort") || "started", order = this.params.get("order") || "desc";
    this.params.set("sort", sort);
    this.params.set("order", current === sort && order === "desc" ? "asc" : "desc");
    this.fetch();
  },

  /** One filter changed: the list is asked for again. */
  ask(name, value) {
    if (value) this.params.set(name, value);
    else this.params.delete(name);
    this.fetch();
  },

  /** The page's own query string (what it lists), or that of `/runs.json` with the rows wanted and `since`. */
  query(since, offset, limit) {
    const params = new URLSearchParams(this.params);
    if (offset) params.set("offset", String(offset));
    if (limit !== undefined) params.set("limit", String(limit));
    if (since !== undefined) params.set("since", String(since));
    const text = params.toString();
    return text ? "?" + text : "";
  },

  fetch() {
    history.replaceState(null, "", location.pathname + this.query());
    const asked = ++this.asked;
    this.load(this.query()).then((doc) => { if (doc && asked === this.asked) this.replace(doc, false); })
      .catch((err) => { if (asked === this.asked) this.failed(err); });
  },

  /** Rows asked for at a time: the address's `limit`, else PAGE_ROWS. */
  pageRows() {
    const limit = parseInt(this.params.get("limit") || "", 10);
    return limit > 0 ? limit : PAGE_ROWS;
  },

  /** The next page of rows, added below; the whole list again when the index changed meanwhile. */
  showMore() {
    const asked = ++this.asked, doc = this.doc, have = doc.rows.length, more = this.pageRows();
    this.more.disabled = true;
    this.load(this.query(undefined, have, more)).then((next) => {
      if (!next || asked !== this.asked) return;
      if (next.version !== doc.version) return this.load(this.query(undefined, 0, have + more))
        .then((whole) => { if (whole && asked === this.asked) this.replace(whole, false); });
      next.rows = doc.rows.concat(next.rows);
      next.offset = 0;
      next.limit = next.rows.length;
      this.replace(next, false);
    }).catch((err) => { if (asked === this.asked) this.failed(err); })
      .finally(() => { this.more.disabled = false; });
  },

  load(query) {
    return fetch("/runs.json" + query, { cache: "no-store", credentials: "same-origin" }).then((res) => {
      if (res.status === 204) return null;
      if (!res.ok) return res.text().then((text) => { throw new Error(text.trim() || "HTTP " + res.status); });
      return res.json();
    });
  },

  failed(err) {
    N3.text(this.count, "the list could not be read: " + String(err && err.message));
    this.count.classList.add("error-text");
  },

  /** A new list from the server; `polled`: one the directory's new runs brought (they are marked). */
  replace(doc, polled) {
    this.doc = doc;
    this.count.classList.remove("error-text");
    if (polled) for (const row of doc.rows) if (!this.seen.has(row.run_id)) row.fresh = true;
    for (const row of doc.rows) this.seen.add(row.run_id);
    this.render();
  },

  render() {
    const doc = this.doc;
    for (const [name, label, facet] of RUN_FILTERS) this.fillSelect(this.selects[name], label, doc.facets[facet] || [], this.params.get(name));
    N3.text(this.count, N3.fmtInt(doc.matched) + " of " + N3.fmtInt(doc.total) + (doc.total === 1 ? " run" : " runs"));
    document.title = N3.visible(doc.title);
    for (const th of this.table.querySelectorAll("th[data-sort]")) {
      const on = th.dataset.sort === (this.params.get("sort") || "started");
      th.classList.toggle("sorted", on);
      th.dataset.order = on ? this.params.get("order") || "desc" : "";
    }
    N3.runsChart.render(this.chart, doc.chart);
    this.renderRows();
    requestAnimationFrame(() => setTimeout(() => {
      document.body.dataset.ready = "1";
      if (window.N3_READY_MS === undefined) window.N3_READY_MS = performance.now();  // first shown (the benches)
    }, 0));
  },

  fillSelect(select, label, values, chosen) {
    N3.clear(select);
    select.appendChild(N3.el("option", { value: "", text: label + ": any" }));
    for (const value of values) select.appendChild(N3.el("option", { value, text: label + ": " + value }));
    if (chosen && values.indexOf(chosen) < 0) select.appendChild(N3.el("option", { value: chosen, text: label + ": " + chosen }));
    select.value = chosen || "";
  },

  renderRows() {
    const rows = this.doc.rows, body = N3.clear(this.body), left = this.doc.matched - rows.length;
    this.ticked = this.ticked.filter((id) => rows.some((row) => row.run_id === id));
    for (const row of rows) body.appendChild(N3.runRow(row, this.ticked.indexOf(row.run_id) >= 0));
    this.more.hidden = left <= 0;
    N3.text(this.more, "show " + N3.fmtInt(Math.min(this.pageRows(), left)) + " more (" + N3.fmtInt(left) + " not shown)");
    this.empty.hidden = rows.length > 0;
    N3.text(this.empty, this.doc.total ? "No run matches the filters." : "No run in " + this.doc.directory + " yet.");
    this.tickedChanged();
  },

  tick(runId, on) {
    this.ticked = this.ticked.filter((id) => id !== runId);
    if (on) this.ticked.push(runId);
    while (this.ticked.length > 2) {
      const dropped = this.ticked.shift();
      const box = this.body.querySelector("input[data-run='" + CSS.escape(dropped) + "']");
      if (box) box.checked = false;
    }
    this.tickedChanged();
  },

  tickedChanged() {
    this.compareButton.disabled = this.ticked.length !== 2;
    this.compareButton.title = this.ticked.length === 2 ? "Compare the two runs ticked (the older is BASE)" : "Tick two runs to compare them";
  },

  /** The two runs ticked, compared: the one that started first is BASE. */
  compare() {
    if (this.ticked.length !== 2) return;
    const rows = this.ticked.map((id) => this.doc.rows.find((row) => row.run_id === id));
    rows.sort((a, b) => String(a.started || "").localeCompare(String(b.started || "")));
    location.href = N3.compareUrl(rows[0].run_id, rows[1].run_id);
  },

  // -- following the directory ---------------------------------------------------------------------------

  schedule(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), ms === undefined ? this.doc.live.poll_ms : ms);
  },

  poll() {
    const asked = this.asked;
    this.load(this.query(this.doc.version, 0, Math.max(this.pageRows(), this.doc.rows.length))).then((doc) => {
      this.failures = 0;
      if (doc && asked === this.asked) this.replace(doc, true);
      this.state("live", "following the directory: polling every " + this.doc.live.poll_ms + " ms");
      this.schedule();
    }).catch((err) => {
      this.failures++;
      this.state("disconnected", "no answer from the server (" + String(err && err.message) + "); retrying");
      this.schedule(Math.min(10000, this.doc.live.poll_ms * (1 + this.failures)));
    });
  },

  state(name, title) {
    this.badge.className = "live-state " + name;
    N3.text(this.badge, name);
    this.badge.title = title;
    document.body.dataset.live = name;
  },
};

// label, sort key (a column the list sorts by), numeric
N3.runsColumns = [
  ["", null, false], ["run", null, false], ["started (UTC)", "started", false], ["entry", null, false],
  ["input", null, false], ["output", null, false], ["status", null, false], ["health", null, false], ["duration", "duration", true], ["LLM calls", "calls", true],
  ["tokens", "tokens", true], ["cost", "cost", true], ["errors", "errors", true], ["findings", "findings", false],
  ["models", null, false], ["tags", null, false],
];

N3.runUrl = function runUrl(runId) {
  return "/run/" + encodeURIComponent(runId);
};

N3.compareUrl = function compareUrl(base, next) {
  return "/compare/" + encodeURIComponent(base) + "/" + encodeURIComponent(next);
};

/** One run's row of the table: every figure the row's own (analyze's for the run), shown as text. */
N3.runRow = function runRow(row, ticked) {
  const cell = (cls, ...children) => N3.el("td", cls, ...children);
  const tr = N3.el("tr", { className: "run-row" + (row.fresh ? " fresh" : "") + (row.parent ? " has-parent" : "") });
  tr.dataset.run = row.run_id;
  const box = N3.el("input", { type: "checkbox", checked: ticked, ariaLabel: "compare run " + row.run_id });
  box.dataset.run = row.run_id;
  box.addEventListener("change", () => N3.runsPage.tick(row.run_id, box.checked));
  const name = N3.el("td", "run-cell", N3.el("a", { className: "run-link mono", href: N3.runUrl(row.run_id), text: row.run_id }));
  if (row.parent) name.appendChild(N3.lineageLine(row));
  const status = row.status || "unknown", health = row.health || "unknown";
  tr.append(
    cell("tick", box), name,
    cell("mono small started", String(row.started || "–").replace("T", " ").replace(/\.\d+Z$|Z$/, "")),
    cell("entry", N3.el("span", { text: row.entry || "–", title: row.failure || row.entry || "" })),
    cell("said input", N3.el("span", { text: row.input_shown || row.input || "–", title: row.input || "" })),
    cell("said output", N3.el("span", { text: row.output || "–", title: row.output || "" })),
    cell("", N3.el("span", "pill st-" + String(status).replace(/[^a-z]/g, ""), N3.statusSaid(status, row.stopped, row.gave_up))),
    cell("", N3.el("span", "verdict v-" + String(health).replace(/[^a-z]/g, ""), health)),
    cell("num", N3.fmtMs(row.duration_ms)),
    cell("num", N3.fmtInt(row.llm_calls)),
    cell("num", N3.fmtInt(row.total_tokens)),
    cell("num", N3.el("span", { text: N3.costText(row.cost_usd, row.unpriced_calls),
      title: row.unpriced_calls ? row.unpriced_calls + " call(s) not priced" : "" })),
    cell("num" + (row.unhandled_errors ? " error-text" : ""), N3.el("span", { text: N3.fmtInt(row.errors),
      title: N3.errorsText(row.errors, row.handled_errors, row.unhandled_errors) + ((row.error_types || []).length ? ": " + row.error_types.join(", ") : "") })),
    cell("findings", N3.findingsBadges(row.findings || {})),
    cell("small", (row.models || []).join(", ")),
    cell("small", (row.tags || []).join(", ")),
  );
  return tr;
};

/** `↳ rerun of PARENT · compare`: a rerun or fork beside its parent (links only to a parent the list holds). */
N3.lineageLine = function lineageLine(row) {
  const line = N3.el("div", "lineage-line", (row.lineage || "rerun") + " of ");
  if (row.parent_listed) {
    line.append(N3.el("a", { className: "parent-link mono", href: N3.runUrl(row.parent), text: row.parent }), " · ",
      N3.el("a", { className: "compare-parent", href: N3.compareUrl(row.parent, row.run_id), text: "compare with it" }));
  } else line.appendChild(N3.el("span", { className: "mono", text: row.parent, title: "not in this directory's runs" }));
  return line;
};

N3.findingsBadges = function findingsBadges(findings) {
  const kinds = Object.keys(findings).sort();
  if (!kinds.length) return "–";
  return kinds.map((kind) => N3.el("span", { className: "finding-badge sev-" + String(findings[kind]).replace(/[^a-z]/g, ""),
    text: kind, title: kind + ": " + findings[kind] }));
};
