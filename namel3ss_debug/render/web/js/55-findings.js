/* The findings panel of the Timeline tab: the run's diagnosis, from analyze's `findings` section.
 *
 * For a run that failed, its blame comes first (what failed, the responsible agent, the decisive step and the
 * chain from it to the failure), then what `diagnose --experiment` found when its record lies beside the run
 * (the run document's `experiment`: verified or not confirmed, the rescue rates, the fork points tried and their
 * forks, each a link to its page when `view DIR` serves it), then the findings, most severe first (kind, title,
 * why, what to try, how sure). A click on a finding, on a link of the chain or on an evidence item selects that span with
 * N3.select (the tree, the timeline and the details follow, as for any other link on the page), and the
 * finding's evidence is marked in the tree and on the timeline (view.evidence). Everything from the trace is
 * text (N3.el). `view --follow` brings a new document with the findings as they fire: the panel is drawn
 * again, its state (open, the finding shown) kept by the finding's key. */
"use strict";

N3.findings = {
  open: null,    // whether the list is shown; null: not chosen yet (open when the run has a blame or a warning)
  active: null,  // the key of the finding (or blame) whose evidence is marked and whose details are shown

  init() {
    this.box = document.getElementById("findings");
  },

  /** The diagnosis of model `m`'s run and its experiment, or null when it has neither (a report of an older
   *  version). */
  of(m) {
    const d = (m.run.analysis || {}).findings || null, experiment = m.run.experiment || null;
    if (!d && !experiment) return null;
    const ours = (x) => !m.run.run_id || !x.run_id || x.run_id === m.run.run_id;
    return { findings: ((d && d.findings) || []).filter(ours), blames: ((d && d.blames) || []).filter(ours), experiment };
  },

  /** Draw the panel for `view` (the run shown on the Timeline tab). */
  render(view) {
    const box = this.box, d = this.of(view.model);
    box.hidden = !d;
    view.evidence = null;
    if (!d) return;
    const worth = d.blames.length || d.experiment || d.findings.some((f) => f.severity !== "info");
    if (this.open === null) this.open = !!worth;
    const keys = d.blames.map(blameKey).concat(d.findings.map(findingKey));
    if (this.active !== null && keys.indexOf(this.active) < 0) this.active = null;
    const list = box.querySelector("#findings-list"), top = list ? list.scrollTop : 0;
    N3.clear(box);
    box.dataset.count = String(d.findings.length);
    box.appendChild(this.head(view, d));
    const body = N3.el("div", { id: "findings-list", hidden: !this.open });
    for (const b of d.blames) body.appendChild(this.blame(view, b));
    if (d.experiment) body.appendChild(this.experiment(view, d.experiment));
    for (const f of d.findings) body.appendChild(this.finding(view, f));
    if (d.blames.length && !d.findings.length) body.appendChild(N3.el("div", "muted",
      "no rule found more than the failure blamed above"));
    if (!d.blames.length && !d.findings.length) body.appendChild(N3.el("div", "muted", view.model.run.status === "running"
      ? "no findings so far" : "no findings: no rule fired on this run"));
    box.appendChild(body);
    body.scrollTop = top;
    view.evidence = this.marked(view, d);
  },

  head(view, d) {
    const counts = {};
    for (const f of d.findings) counts[f.severity] = (counts[f.severity] || 0) + 1;
    const said = ["critical", "warning", "info"].filter((s) => counts[s]).map((s) => counts[s] + " " + s);
    const toggle = N3.el("button", { type: "button", id: "findings-toggle", className: "findings-toggle",
      text: (this.open ? "▾ " : "▸ ") + "Findings", title: this.open ? "hide the findings" : "show the findings" });
    toggle.setAttribute("aria-expanded", this.open ? "true" : "false");
    toggle.addEventListener("click", () => { this.open = !this.open; this.render(view); });
    const head = N3.el("div", "findings-head", toggle,
      N3.el("span", { className: "findings-counts", text: said.length ? said.join(" · ")
        : d.blames.length ? "none besides the failure" : "none" }));
    for (const b of d.blames) {
      const who = b.agent ? "agent " + b.agent : "agent unknown";
      const step = b.step ? stepName(b.step) : "step unknown";
      head.appendChild(N3.el("span", { className: "findings-blame", text: "failed: " + b.failure + " · " + who + " · " + step,
        title: b.why }));
    }
    if (d.experiment) {
      head.appendChild(N3.el("span", { className: "findings-experiment " + (d.experiment.verified ? "verified" : "unconfirmed"),
        text: d.experiment.said, title: d.experiment.why }));
    }
    return head;
  },

  /** What `diagnose --experiment` found: the verdict, why (the rescue rates from the decisive call on and from the
   *  next), whether the blame read from the log agrees, the fork points tried, what it spent. */
  experiment(view, e) {
    const item = N3.el("div", { className: "experiment " + (e.verified ? "verified" : "unconfirmed") });
    const agrees = e.agrees === true ? "agrees with the blame read from the log"
      : e.agrees === false ? "differs from the blame read from the log" : null;
    item.appendChild(N3.el("div", "experiment-head", N3.el("span", "pill", "experiment"),
      N3.el("span", "finding-title experiment-said", e.said), agrees ? N3.el("span", "finding-conf muted", agrees) : null));
    item.appendChild(N3.el("div", "experiment-why", e.why));
    item.appendChild(N3.el("div", "muted experiment-read", e.read));
    if ((e.tried || []).length) item.appendChild(this.points(view, e));
    item.appendChild(N3.el("div", "muted experiment-spent", "spent: " + e.spent));
    return item;
  },

  /** The fork points tried, as `diagnose --experiment`'s table has them: a call selects its span, and each fork's
   *  run id links to that run's page when `view DIR` serves it (its `nav.served`), else is its text. */
  points(view, e) {
    const k = N3.runs.indexOf(view.model), served = new Set((N3.doc.nav || {}).served || []);
    const table = N3.el("table", "grid-table experiment-points");
    table.appendChild(N3.el("thead", null, N3.el("tr", null, (e.headers || []).map((h) => N3.el("th", null, h)))));
    const body = N3.el("tbody");
    for (const t of e.tried) {
      const [call, ...rest] = t.cells;
      const first = t.row >= 0 ? N3.el("button", { type: "button", className: "link", text: call, title: "show this call",
        on: { click: () => N3.showSpan(k, t.row) } }) : call;
      const forks = (t.forks || []).map((id, i) => [i ? " " : null, served.has(id)
        ? N3.el("a", { className: "fork-link mono", href: N3.runUrl(id), text: id }) : N3.el("span", "mono fork-id", id)]);
      const role = t.role === "decisive" || t.role === "after" ? "point-" + t.role : null;
      body.appendChild(N3.el("tr", role, N3.el("td", null, first), rest.map((c) => N3.el("td", null, c)),
        N3.el("td", "forks", forks)));
    }
    table.appendChild(body);
    return table;
  },

  /** A failed run's blame: what failed, the agent, then the chain from the decisive step to the failure (or
   *  the decisive step alone, or "unknown" and why the evidence points nowhere). */
  blame(view, b) {
    const key = blameKey(b), on = key === this.active;
    const item = N3.el("div", { className: "blame" + (on ? " on" : "") });
    item.dataset.key = key;
    const decisive = b.step ? this.row(view, b.step) : -1;
    const head = N3.el("div", { className: "finding-head", role: "button", tabIndex: 0,
      title: b.step ? "show the decisive step" : "no step is blamed" },
      N3.el("span", "pill sev", "failed"), N3.el("span", "finding-title", b.failure),
      N3.el("span", "finding-conf muted", b.confidence + " confidence"));
    this.activate(head, view, key, decisive);
    item.appendChild(head);
    const chain = b.chain || [];
    const who = N3.el("div", "blame-who", N3.el("span", "label", "agent "), N3.el("b", null, b.agent || "unknown"),
      b.finding ? N3.el("span", "muted", " · finding " + b.finding) : null);
    item.appendChild(who);
    if (!chain.length) {
      item.appendChild(b.step ? this.evidenceLine(view, b.step, "decisive step: " + b.step.note)
        : N3.el("div", "blame-unknown", "decisive step unknown"));
    }
    item.appendChild(N3.el("div", "muted", b.why));
    if (chain.length) {
      const list = N3.el("ol", "blame-chain");
      for (const link of chain) {
        const line = this.evidenceLine(view, link.evidence, link.evidence.note);
        line.insertBefore(N3.el("span", "pill", link.role), line.firstChild);
        if (link.why) line.appendChild(N3.el("span", "muted", " · " + link.why));
        list.appendChild(N3.el("li", "link-" + String(link.role).replace(/[^a-z]/g, ""), line));
      }
      item.appendChild(list);
    }
    const runnersUp = (b.candidates || []).slice(1);  // the first is the decisive step
    if (runnersUp.length) {
      item.appendChild(N3.el("div", "muted", "runners-up"));
      const list = N3.el("ol", "blame-chain");
      for (const c of runnersUp) {
        const line = this.evidenceLine(view, c.step, c.step.note);
        line.insertBefore(N3.el("span", "pill", c.confidence), line.firstChild);
        line.appendChild(N3.el("span", "muted", " · " + c.ranked + ": " + c.why));
        list.appendChild(N3.el("li", "link-runnerup", line));
      }
      item.appendChild(list);
    }
    return item;
  },

  finding(view, f) {
    const key = findingKey(f), on = key === this.active;
    const sev = String(f.severity).replace(/[^a-z]/g, "");
    const item = N3.el("div", { className: "finding sev-" + sev + (on ? " on" : "") });
    item.dataset.key = key;
    item.dataset.kind = f.kind;
    const first = this.firstRow(view, f.evidence || []);
    const head = N3.el("div", { className: "finding-head", role: "button", tabIndex: 0,
      title: first >= 0 ? "show the evidence" : "the evidence is not in this page" },
      N3.el("span", "pill sev", f.severity), N3.el("span", "pill kind", f.kind),
      N3.el("span", "finding-title", f.title),
      f.occurrences > 1 ? N3.el("span", "muted", " ×" + f.occurrences) : null,
      N3.el("span", "finding-conf muted", f.confidence + " confidence"));
    this.activate(head, view, key, first);
    item.appendChild(head);
    item.appendChild(N3.el("div", "finding-try", N3.el("span", "label", "try: "), f.suggestion));
    if (on) item.appendChild(this.more(view, f));
    return item;
  },

  /** What a finding shows once opened: why (the rule and its figures), the agent, the setting, the evidence. */
  more(view, f) {
    const box = N3.el("div", "finding-more");
    const dl = N3.el("dl", "fields compact");
    const add = (k, v) => dl.append(N3.el("dt", null, k), N3.el("dd", null, v));
    add("why", f.why);
    if (f.agent) add("agent", f.agent);
    if (f.setting) add("setting", f.setting);
    box.appendChild(dl);
    const list = N3.el("ul", "plain-list finding-evidence");
    for (const e of f.evidence || []) list.appendChild(N3.el("li", null, this.evidenceLine(view, e, e.note)));
    box.appendChild(list);
    return box;
  },

  /** A click (or Enter) on `head` shows `key`'s details and marks its evidence, and selects `row` (-1: none). */
  activate(head, view, key, row) {
    const go = () => {
      const focused = document.activeElement === head;
      this.active = this.active === key && row < 0 ? null : key;
      this.render(view);
      const item = this.box.querySelector("[data-key='" + CSS.escape(key) + "']");
      if (item) this.reveal(item);
      if (item && focused) item.querySelector(".finding-head").focus({ preventScroll: true });
      if (row >= 0) N3.select(row, "finding");
      else { N3.tree.repaint(view); N3.timeline.draw(); }
    };
    head.addEventListener("click", go);
    head.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); go(); } });
  },

  /** Scroll the list so that `item` (just opened: it may reach below the list's fold) shows from its top. */
  reveal(item) {
    const list = item.parentNode, at = item.getBoundingClientRect(), room = list.getBoundingClientRect();
    if (at.top < room.top || at.bottom > room.bottom) list.scrollTop += at.top - room.top - 4;
  },

  /** One piece of evidence: a link that selects its span (the analysis tab's refLine), with what it shows. */
  evidenceLine(view, e, note) {
    const line = N3.analysis.refLine(e.ref, note, view.model, stepName(e) + (e.location ? " (" + e.location + ")" : ""));
    line.classList.add("evidence-line");
    return line;
  },

  row(view, e) {
    return e && e.ref && e.ref.span_id ? view.model.rowOfSid(e.ref.span_id) : -1;
  },

  firstRow(view, evidence) {
    for (const e of evidence) {
      const i = this.row(view, e);
      if (i >= 0) return i;
    }
    return -1;
  },

  /** The rows the active finding's (or blame's) evidence is on, as a set: marked in the tree and on the timeline. */
  marked(view, d) {
    if (this.active === null) return null;
    const rows = new Set();
    for (const b of d.blames) {
      if (blameKey(b) !== this.active) continue;
      if (b.step) rows.add(this.row(view, b.step));
      for (const link of b.chain || []) rows.add(this.row(view, link.evidence));
    }
    for (const f of d.findings) if (findingKey(f) === this.active) for (const e of f.evidence || []) rows.add(this.row(view, e));
    rows.delete(-1);
    return rows;
  },
};

/** A step as the text views name it: its call address (`tool:get_weather#2`), else component:name @seq. */
function stepName(e) {
  const ref = e.ref || {};
  return e.address || (ref.component || "?") + ":" + (ref.name || "?") + " @seq " + ref.seq;
}

function findingKey(f) {
  const first = (f.evidence || [])[0];
  return [f.kind, f.agent || "", first && first.ref ? first.ref.seq : ""].join("|");
}

function blameKey(b) {
  return "blame|" + b.run_id;
}
