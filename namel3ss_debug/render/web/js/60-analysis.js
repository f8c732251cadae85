/* The Analysis tab: the `analyze` document of a run as SVG charts and tables. */
"use strict";

const CHART_W = 540;

/** A model's calls of unknown cost: no price for it, or no usage recorded (`priced_by`, as analyze counts them). */
const unpricedOf = (model) => ((model.priced_by || {}).unpriced || 0) + ((model.priced_by || {}).no_usage || 0);

/** A cost that says what it leaves out: `$0.0123`, `at least $0.0123`, `unknown` (none priced, or those priced
 *  cost nothing: `at least $0.00` says nothing); never $0 for calls not priced. */
N3.costText = function costText(usd, unpriced) {
  if (!unpriced) return N3.fmtCost(usd);
  return !usd ? "unknown" : "at least " + N3.fmtCost(usd);
};

/** `2 errors (1 handled, 1 unhandled)`, as analyze words it: the errors the app survived apart from those that
 *  escaped it (`0 errors` for none). */
N3.errorsText = function errorsText(total, handled, unhandled) {
  const text = N3.fmtInt(total || 0) + (total === 1 ? " error" : " errors");
  return total ? text + " (" + N3.fmtInt(handled || 0) + " handled, " + N3.fmtInt(unhandled || 0) + " unhandled)" : text;
};

/** ` · 2 unpriced calls (1 without usage)`, or nothing when every call was priced. */
N3.unpricedText = function unpricedText(unpriced, noUsage) {
  if (!unpriced) return "";
  return " · " + unpriced + (unpriced === 1 ? " unpriced call" : " unpriced calls") + (noUsage ? " (" + noUsage + " without usage)" : "");
};

N3.analysis = {
  /** Fill `box` with the analysis of run `k`. */
  render(box, k) {
    N3.clear(box);
    const m = N3.runs[k], a = m.run.analysis || {};
    const grid = N3.el("div", "cards");
    if (N3.runs.length > 1) box.appendChild(this.runSwitch(k));
    box.appendChild(grid);
    const card = (title, body, wide, extra) => {
      if (!body) return;
      const c = N3.el("section", "card" + (wide ? " wide" : ""), N3.el("h3", null, title, extra ? N3.el("span", "card-note", extra) : null), body);
      grid.appendChild(c);
    };
    card("health", this.health(a));
    card("overview", this.overview(a));
    const ops = a.operations || [];
    const wide = Math.round(N3.clamp(box.clientWidth - 60, CHART_W, 1100));
    card("latency per operation", this.latency(ops, wide), true, ops.length > 25 ? "the 25 slowest of " + ops.length + " by p95" : "p50 · p95 · p99");
    const llm = a.llm || {};
    card("tokens by model", this.modelBars(llm.models || [], "tokens"), false, N3.fmtInt(llm.total_tokens) + " tokens");
    card("cost by model", this.modelBars(llm.models || [], "cost"), false, N3.costText(llm.cost_usd, llm.unpriced_calls) + N3.unpricedText(llm.unpriced_calls, llm.no_usage_calls));
    const errors = a.errors || {};
    card("errors by category", this.categoryBars(errors), false, N3.errorsText(errors.total, errors.handled, errors.unhandled));
    card("error types", this.errorTypes(errors.by_type || [], m), false);
    card("tools", this.tools(a.tools || []), true);
    card("critical path", this.critical(a.critical_path || []), false, "share of the run's time");
    card("anomalies", this.anomalies((a.anomalies || {}).items || [], m), false);
    card("slow spans", this.slow(a.slow || {}, m), false, a.slow && a.slow.threshold_ms ? "over " + N3.fmtMs(a.slow.threshold_ms) : "");
    card("integrity", this.integrity(a.integrity || {}), false);
  },

  runSwitch(k) {
    const bar = N3.el("div", "run-switch");
    N3.runs.forEach((m, j) => {
      const b = N3.el("button", { type: "button", className: j === k ? "on" : "", text: (j === 0 ? "BASE: " : "NEW: ") + m.run.name });
      b.addEventListener("click", () => N3.showRun(j, "analysis"));
      bar.appendChild(b);
    });
    return bar;
  },

  health(a) {
    const h = a.health || {};
    const verdict = h.verdict || "unknown";
    const box = N3.el("div", "health-card", N3.el("div", "verdict v-" + String(verdict).replace(/[^a-z]/g, ""), verdict));
    const reasons = N3.el("ul", "reasons");
    for (const r of h.reasons || []) reasons.appendChild(N3.el("li", null, r));
    if (!(h.reasons || []).length) reasons.appendChild(N3.el("li", "muted", "nothing to report"));
    for (const note of h.notes || []) reasons.appendChild(N3.el("li", "note", "note: " + note));
    box.appendChild(reasons);
    return box;
  },

  overview(a) {
    const o = a.overview || {};
    const dl = N3.el("dl", "fields compact");
    const add = (k, v) => dl.append(N3.el("dt", null, k), N3.el("dd", null, v));
    const apart = typeof o.startup_ms === "number" && typeof o.work_ms === "number";
    add("duration", N3.fmtMs(o.duration_ms) + (apart ? " (start-up " + N3.fmtMs(o.startup_ms) + ", work " + N3.fmtMs(o.work_ms) + ")" : ""));
    add("events", N3.fmtInt(o.events));
    add("spans", N3.fmtInt(o.spans) + (o.instants ? " + " + N3.fmtInt(o.instants) + " instant" : ""));
    add("LLM calls", N3.fmtInt(o.llm_calls));
    add("tool calls", N3.fmtInt(o.tool_calls));
    add("tokens", N3.fmtInt(o.total_tokens));
    add("cost", N3.costText(o.cost_usd, o.unpriced_llm_calls) + N3.unpricedText(o.unpriced_llm_calls, 0));
    add("errors", N3.errorsText(o.errors, o.handled_errors, o.unhandled_errors) + (o.failed_spans ? " · " + N3.fmtInt(o.failed_spans) + " failed spans" : ""));
    return dl;
  },

  /** Percentile bars: p99 (light), p95, p50 (dark) drawn over each other from 0, on one linear scale. */
  latency(ops, width) {
    const rows = ops.filter((o) => o.latency && o.latency.count > 0)
      .sort((x, y) => (y.latency.p95_ms || 0) - (x.latency.p95_ms || 0)).slice(0, 25);
    if (!rows.length) return N3.el("div", "muted", "no closed spans");
    const label = 230, right = 300, barW = width - label - right, rh = 22;
    const max = Math.max(...rows.map((o) => o.latency.p99_ms || o.latency.max_ms || 0), 1e-6);
    const svg = chart(width, rows.length * rh + 22);
    svg.appendChild(N3.svg("title", null, "latency per operation: p50, p95 and p99"));
    rows.forEach((o, r) => {
      const y = r * rh + 4, l = o.latency;
      const name = opName(o);
      svg.appendChild(N3.svg("text", { x: label - 8, y: y + 13, "text-anchor": "end", class: "lbl" }, cutText(name, 36), N3.svg("title", null, name)));
      const bar = (value, cls) => {
        if (value === null || value === undefined) return;
        svg.appendChild(N3.svg("rect", { x: label, y: y + 2, width: Math.max(1, (value / max) * barW), height: rh - 8, class: cls, rx: 2 }));
      };
      bar(l.p99_ms, "p99");
      bar(l.p95_ms, "p95");
      bar(l.p50_ms, "p50");
      const errs = o.errors ? ", " + o.errors + " failed" : "";
      svg.appendChild(N3.svg("text", { x: label + barW + 8, y: y + 13, class: "val" },
        N3.fmtMs(l.p50_ms) + " · " + N3.fmtMs(l.p95_ms) + " · " + N3.fmtMs(l.p99_ms) + "   (" + o.count + (o.count === 1 ? " call" : " calls") + errs + ")"));
    });
    const ly = rows.length * rh + 14;
    [["p50", "p50"], ["p95", "p95"], ["p99", "p99"]].forEach(([cls, text], k) => {
      svg.appendChild(N3.svg("rect", { x: label + k * 70, y: ly - 8, width: 12, height: 10, class: cls }));
      svg.appendChild(N3.svg("text", { x: label + k * 70 + 16, y: ly + 1, class: "val" }, text));
    });
    return svg;
  },

  /** Horizontal bars of (label, value, text) rows; `right`: the px their texts take. */
  bars(items, cls, right = 130) {
    if (!items.length) return null;
    const label = 170, barW = CHART_W - label - right, rh = 22;
    const max = Math.max(...items.map((x) => x.value), 1e-12);
    const svg = chart(CHART_W, items.length * rh + 6);
    items.forEach((x, r) => {
      const y = r * rh + 3;
      svg.appendChild(N3.svg("text", { x: label - 8, y: y + 13, "text-anchor": "end", class: "lbl" }, cutText(x.label, 26)));
      if (x.parts) {
        let at = label;
        for (const p of x.parts) {
          const w = (p.value / max) * barW;
          if (w > 0) svg.appendChild(N3.svg("rect", { x: at, y: y + 2, width: Math.max(1, w), height: rh - 8, class: p.cls, rx: 2 }, N3.svg("title", null, p.title)));
          at += w;
        }
      } else {
        svg.appendChild(N3.svg("rect", { x: label, y: y + 2, width: Math.max(1, (x.value / max) * barW), height: rh - 8, class: cls, rx: 2 }));
      }
      svg.appendChild(N3.svg("text", { x: label + barW + 8, y: y + 13, class: "val" }, x.text));
    });
    return svg;
  },

  modelBars(models, what) {
    const items = models.map((x) => what === "tokens"
      ? { label: x.model || "unknown", value: x.total_tokens || 0, text: N3.fmtInt(x.total_tokens) + " (" + x.calls + (x.calls === 1 ? " call)" : " calls)"),
        parts: [{ value: x.input_tokens || 0, cls: "tok-in", title: "input " + N3.fmtInt(x.input_tokens) },
          { value: x.output_tokens || 0, cls: "tok-out", title: "output " + N3.fmtInt(x.output_tokens) }] }
      : { label: x.model || "unknown", value: x.cost_usd || 0, text: N3.costText(x.cost_usd, unpricedOf(x)) });
    return this.bars(items, what === "tokens" ? "tok-in" : "cost") || N3.el("div", "muted", "no LLM calls");
  },

  /** A bar a category: its unhandled errors (escaped the app), then its handled ones (the app survived them). */
  categoryBars(errors) {
    const byCategory = errors.by_category || {}, handled = errors.handled_by_category || {}, unhandled = errors.unhandled_by_category || {};
    const items = Object.keys(byCategory).map((c) => {
      const h = handled[c] || 0, u = unhandled[c] || 0;
      return { label: c, value: byCategory[c], text: N3.fmtInt(byCategory[c]) + " (" + N3.fmtInt(h) + " handled, " + N3.fmtInt(u) + " unhandled)",
        parts: [{ value: u, cls: "err", title: u + " unhandled: escaped the app" }, { value: h, cls: "err-handled", title: h + " handled: the app went on" }] };
    }).sort((x, y) => y.value - x.value);
    return this.bars(items, "err", 190) || N3.el("div", "muted", "no errors");
  },

  errorTypes(types, m) {
    if (!types.length) return null;
    const list = N3.el("ul", "plain-list");
    for (const t of types) {
      const li = N3.el("li", null, N3.el("b", null, t.type || "?"), " · " + (t.category || "–") + " · ×" + t.count +
        " (" + N3.fmtInt(t.handled || 0) + " handled, " + N3.fmtInt(t.unhandled || 0) + " unhandled)");
      for (const ex of (t.examples || []).slice(0, 3)) li.appendChild(this.refLine(ex.ref, ex.message, m));
      list.appendChild(li);
    }
    return list;
  },

  tools(tools) {
    if (!tools.length) return null;
    const table = N3.el("table", "grid-table");
    table.appendChild(N3.el("thead", null, N3.el("tr", null, ["tool", "calls", "failures", "handled", "unhandled", "success", "p50", "p95", "max", "errors", "repeated"].map((h) => N3.el("th", null, h)))));
    const body = N3.el("tbody");
    for (const t of tools) {
      const l = t.latency || {};
      const types = Object.keys(t.error_types || {}).map((k) => k + " ×" + t.error_types[k]).join(", ");
      body.appendChild(N3.el("tr", t.failures ? "bad" : null,
        N3.el("td", null, t.name), N3.el("td", "num", N3.fmtInt(t.calls)), N3.el("td", "num", N3.fmtInt(t.failures)),
        N3.el("td", "num", N3.fmtInt(t.handled_failures || 0)), N3.el("td", "num", N3.fmtInt(t.unhandled_failures || 0)),
        N3.el("td", "num", N3.fmtPct(t.success_rate)), N3.el("td", "num", N3.fmtMs(l.p50_ms)), N3.el("td", "num", N3.fmtMs(l.p95_ms)),
        N3.el("td", "num", N3.fmtMs(l.max_ms)), N3.el("td", null, types || "–"), N3.el("td", "num", N3.fmtInt(t.repeated_identical_calls || 0))));
    }
    table.appendChild(body);
    return table;
  },

  critical(paths) {
    const path = paths[0];
    if (!path || !(path.steps || []).length) return N3.el("div", "muted", "no critical path");
    const items = path.steps.map((s) => ({ label: opName(s), value: s.share || 0,
      text: N3.fmtPct(s.share) + " · " + N3.fmtMs(s.ms) + (s.spans > 1 ? " ×" + s.spans : "") }));
    const box = N3.el("div", null, N3.el("div", "muted small", "total " + N3.fmtMs(path.total_ms) + "; the path is underlined on the timeline"));
    box.appendChild(this.bars(items, "crit"));
    return box;
  },

  /** A reference to a span: clicking it selects that span (on the Timeline tab); `label` names it (else
   *  component:name @seq). */
  refLine(ref, text, m, label) {
    const line = N3.el("div", "ref-line");
    const row = ref && ref.span_id ? m.rowOfSid(ref.span_id) : -1;
    const where = label || (ref ? (ref.component || "") + ":" + (ref.name || "") + (ref.seq !== undefined ? " @seq " + ref.seq : "") : "");
    if (row >= 0) {
      const b = N3.el("button", { type: "button", className: "link", text: where, title: "show this span" });
      b.dataset.sid = ref.span_id;
      b.addEventListener("click", () => N3.showSpan(N3.runs.indexOf(m), row));
      line.appendChild(b);
    } else if (where) line.appendChild(N3.el("span", "mono", where));
    if (text) line.appendChild(N3.el("span", "ref-text", " " + text));
    return line;
  },

  anomalies(items, m) {
    if (!items.length) return N3.el("div", "muted", "none");
    const list = N3.el("ul", "plain-list anomalies");
    for (const x of items) {
      const li = N3.el("li", "sev-" + String(x.severity || "").replace(/[^a-z]/g, ""),
        N3.el("span", "pill", x.kind || "?"), N3.el("span", "pill sev", x.severity || ""), " " + (x.message || ""));
      if (x.ref) li.appendChild(this.refLine(x.ref, "", m));
      list.appendChild(li);
    }
    return list;
  },

  slow(slow, m) {
    const top = slow.top || [];
    if (!top.length) return N3.el("div", "muted", "none" + (slow.threshold_ms ? " over " + N3.fmtMs(slow.threshold_ms) : ""));
    const list = N3.el("ul", "plain-list");
    for (const s of top) list.appendChild(N3.el("li", null, this.refLine(s.ref, N3.fmtMs(s.duration_ms) + " · " + (s.status || ""), m)));
    return list;
  },

  integrity(ig) {
    const box = N3.el("div");
    box.appendChild(N3.el("div", ig.ok ? "ok-line" : "bad-line", ig.ok ? "✓ the trace is whole" : "✕ problems in the trace"));
    const dl = N3.el("dl", "fields compact");
    for (const key of Object.keys(ig)) {
      if (key === "ok" || key === "problems" || !ig[key]) continue;
      dl.append(N3.el("dt", null, key.replace(/_/g, " ")), N3.el("dd", null, N3.fmtInt(ig[key])));
    }
    if (dl.firstChild) box.appendChild(dl);
    if ((ig.problems || []).length) {
      const list = N3.el("ul", "plain-list mono small");
      for (const p of ig.problems) list.appendChild(N3.el("li", null, p));
      box.appendChild(list);
    }
    return box;
  },
};

/** component:name, and the kind when it says more (agent_turn, chain_step...). */
function opName(o) {
  const kind = o.kind && o.kind !== o.component + "_call" && o.kind !== o.component ? " (" + o.kind + ")" : "";
  return o.component + ":" + (o.name || "*") + kind;
}

/** An SVG chart of w x h px: drawn at its size, scaled down only when its card is narrower. */
function chart(w, h) {
  return N3.svg("svg", { viewBox: "0 0 " + w + " " + h, width: w, height: h, class: "chart", role: "img" });
}

function cutText(text, room) {
  const t = N3.visible(text);
  return t.length <= room ? t : t.slice(0, room - 1) + "…";
}
