/* Live mode (the page served by `namel3ss-debug view`): poll `data_url?since=VERSION` every `poll_ms`.
 * 204 means nothing changed; 200 brings a whole new document, which replaces the model while the
 * selection (by span id), the zoom, the filters and the scroll stay. Polling stops once the run ended,
 * unless the server follows a directory (`watching`): then the next run to start there comes in a
 * document of its own, shown from its start with a notice ("now following run R"). */
"use strict";

N3.live = {
  conf: null,
  timer: 0,
  growing: 0,
  failures: 0,

  start(conf) {
    this.conf = conf;
    this.received = performance.now();
    this.badge = document.getElementById("live-state");
    this.notice = document.getElementById("live-notice");
    this.badge.hidden = false;
    this.settle();
    if (!conf.ended || conf.watching) this.schedule(conf.poll_ms);
  },

  /** The badge, and the clock that grows running spans, as the current document says. */
  settle() {
    const conf = this.conf;
    if (conf.ended) {
      clearInterval(this.growing);
      this.growing = 0;
      this.state("ended", "the run has ended" + (conf.watching ? "; a new run in " + conf.watching + " will be followed" : ""));
      return;
    }
    if (conf.running === false) {  // no run_end, and the process that wrote it is gone: it will not grow
      clearInterval(this.growing);
      this.growing = 0;
      this.state("stopped", "the run's process is gone and wrote no run_end (killed?); still polling");
      return;
    }
    if (!this.growing) this.growing = setInterval(() => this.grow(), 250);
    this.state("live", "following the run: polling every " + conf.poll_ms + " ms");
  },

  state(name, title) {
    this.badge.className = "live-state " + name;
    N3.text(this.badge, name);
    this.badge.title = title;
    document.body.dataset.live = name;
  },

  /** The run followed is another than before (a new run started in the directory): say so. */
  switched(runId, before) {
    this.notice.hidden = false;
    N3.text(this.notice, "now following run " + runId + (before ? " (it started after run " + before + ")" : ""));
    document.body.dataset.following = runId;
  },

  /** Between two documents, the running spans grow on the page's own clock. */
  grow() {
    if (!this.conf || this.conf.ended || this.conf.running === false) return;
    const elapsed = performance.now() - this.received;
    N3.runs.forEach((m, k) => {
      const view = N3.views[k], before = m.tEnd;
      if (m.run.now_ms === null || m.run.now_ms === undefined || !m.grow(m.run.now_ms + elapsed)) return;
      if (view.t1 >= before) view.t1 = Math.max(view.t1, m.tEnd * 1.01);
    });
    N3.timeline.draw();
  },

  schedule(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), ms);
  },

  poll() {
    const conf = this.conf;
    const url = conf.data_url + (conf.data_url.indexOf("?") >= 0 ? "&" : "?") + "since=" + encodeURIComponent(conf.version);
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then((res) => {
        if (res.status === 204) return null;
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.json();
      })
      .then((doc) => {
        this.failures = 0;
        if (doc) N3.replaceDocument(doc);
        this.settle();
        if (!this.conf.ended || this.conf.watching) this.schedule(this.conf.poll_ms);
      })
      .catch((err) => {
        this.failures++;
        this.state("disconnected", "no answer from the server (" + String(err && err.message) + "); retrying");
        this.schedule(Math.min(5000, this.conf.poll_ms * (1 + this.failures)));
      });
  },
};

/** A new document from the server: new models, the same view (selection, zoom, filters, scroll); a document of
 *  another run (the directory's newest run changed) opens on that run as a report would, with a notice. */
N3.replaceDocument = function replaceDocument(doc) {
  if (!doc || !Array.isArray(doc.runs) || !doc.runs.length) return;
  const oldViews = N3.views, before = N3.doc.runs[0].run_id, now = doc.runs[0].run_id;
  const another = now !== before;
  N3.doc = doc;
  if (doc.live) { N3.live.conf = doc.live; N3.live.received = performance.now(); }
  N3.runs = doc.runs.map((run) => new N3.Model(run, doc.limits));
  N3.views = N3.runs.map((m, k) => (another ? N3.newView(m) : carryView(oldViews[k], m)));
  if (another) N3.live.switched(now, before);
  N3.header();
  const view = N3.view();
  if (another) N3.timeline.fitPane(view);
  N3.filterBar.show(view);
  N3.findings.render(view);  // the findings fired so far, the one shown kept
  N3.applyFilters(view);
  N3.filterBar.showCount(view);
  N3.tree.rebuild(view, !another);
  N3.timeline.showLegend(view);
  N3.timeline.draw();
  N3.details.render(N3.ui.details, view.model, view.sel, true, !another);  // kept, scroll too, until the new details are read
  N3.analysisFor = -1;
  if (N3.tab === "analysis") N3.showTab("analysis");
  if (view.filters.text && !view.model.payload) N3.filterBar.ensurePayload(view);
};

function carryView(old, m) {
  const view = N3.newView(m);
  if (!old) return view;
  const om = old.model;
  const byName = (table, oldTable, index) => (index < 0 ? -1 : table.indexOf(oldTable[index]));
  view.filters = old.filters;
  view.filters.agent = byName(m.tables.agents, om.tables.agents, old.filters.agent);
  view.filters.hiddenComps = new Set(Array.from(old.filters.hiddenComps).map((c) => byName(m.tables.components, om.tables.components, c)).filter((c) => c >= 0));
  view.sel = old.sel >= 0 ? m.rowOfSid(om.sid[old.sel]) : -1;
  for (let i = 0; i < om.n; i++) if (old.collapsed[i]) { const j = m.rowOfSid(om.sid[i]); if (j >= 0) view.collapsed[j] = 1; }
  const following = old.t1 >= om.tEnd;
  // the start-up has just ended under a view that shows the run from its start: the view moves to the work once
  const workBegun = !(om.workFrom > 0) && m.workFrom > 0 && old.t0 <= 0;
  view.t0 = workBegun ? m.workFrom - (m.tEnd - m.workFrom) * 0.01 : old.t0;
  view.t1 = following ? Math.max(old.t1, m.tEnd * 1.01) : old.t1;
  view.scrollY = old.scrollY;
  view.treeTop = old.treeTop;
  return view;
}
