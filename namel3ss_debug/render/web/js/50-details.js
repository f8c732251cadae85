/* The details of one span: its fields, its error and stack, the conversation of an LLM call, and its
 * inputs, outputs and attrs as JSON text. Everything is text: textContent, never markup. */
"use strict";

N3.details = {
  asked: new WeakMap(),  // per panel: what it was last asked to show ({m, i}); a late chunk for another is dropped
  shown: new WeakMap(),  // per panel: the span id whose details (with payloads) it shows

  /** Fill `box` with the details of row `i` of model `m`. With `ids`, the parts get the page's ids
   *  (detail-error, conversation); the compare view shows two panels and leaves them out.
   *  What the columns know shows at once; the payloads (events, error, conversation) when the row's
   *  chunk has been read: until then the panel says so (box.dataset.pending). With `keep` (a live
   *  update of the same span), the panel keeps what it shows and its scroll until the new details are in. */
  render(box, m, i, ids, keep) {
    const asked = { m, i };
    this.asked.set(box, asked);
    if (i < 0 || i >= m.n) {
      this.fill(box, m, i, null, ids);
      return;
    }
    const d = m.detail(i);
    if (d !== undefined) {
      this.fill(box, m, i, d, ids, keep);
      return;
    }
    if (!(keep && this.shown.get(box) === m.sid[i])) this.fill(box, m, i, undefined, ids, keep);
    box.dataset.pending = "1";
    m.loadDetail(i).then((detail) => {
      if (this.asked.get(box) !== asked) return;  // another span (or none) was asked for meanwhile
      const top = box.scrollTop;
      this.fill(box, m, i, detail, ids);
      box.scrollTop = top;
    });
  },

  /** The panel for row `i`: `d` is its detail (null: none), or undefined while its chunk is read. */
  fill(box, m, i, d, ids, keep) {
    N3.clear(box);
    if (!keep) box.scrollTop = 0;
    if (d === undefined) box.dataset.pending = "1";
    else delete box.dataset.pending;
    this.shown.set(box, d !== undefined && i >= 0 && i < m.n ? m.sid[i] : null);
    if (i < 0 || i >= m.n) {
      box.appendChild(N3.el("div", "empty", "Select a span in the tree or on the timeline to see its details."));
      return;
    }
    const pending = d === undefined;
    const unread = pending ? null : m.detailError(i);
    if (!d) d = {};
    const start = d.start || null, end = d.end || null;
    const status = m.statusName(i);
    const chip = N3.el("span", "chip");
    chip.style.background = N3.componentColour(m.compName(i), m.comp[i]);
    box.appendChild(N3.el("div", "detail-head", chip, N3.el("h2", "detail-name", m.name[i]),
      N3.el("span", "pill st-" + status.replace(/[^a-z]/g, ""), status)));
    const error = (end && end.error) || (start && start.error) || null;
    // the error box waits for the payloads: no "no error recorded" before the recorded error is read
    if (error || (m.hasError(i) && !pending && !unread)) box.appendChild(this.error(error, m, i, ids));
    if (pending) box.appendChild(N3.el("div", "details-note reading muted", "reading the details…"));
    if (unread) box.appendChild(N3.el("div", "details-note unread", "The details of this span cannot be read: " + unread));
    box.appendChild(this.fields(m, i, start, end));
    if (d.messages) box.appendChild(this.conversation(d.messages, ids));
    const payload = (label, value) => {
      if (value === undefined || value === null) return;
      box.appendChild(this.section(label, N3.el("pre", "json", N3.prettyJson(value)), true));
    };
    payload("inputs", start ? start.inputs : end && end.inputs);
    payload("outputs", end ? end.outputs : start && start.outputs);
    payload("usage", (end || start || {}).usage);
    payload(end ? "attrs (start)" : "attrs", start && start.attrs);
    if (end) payload("attrs (end)", end.attrs);
    const raw = N3.el("div", "raw");
    if (start) raw.appendChild(N3.el("pre", "json", N3.prettyJson(start)));
    if (end) raw.appendChild(N3.el("pre", "json", N3.prettyJson(end)));
    if (start || end) box.appendChild(this.section("recorded events", raw, false));
  },

  fields(m, i, start, end) {
    const dl = N3.el("dl", "fields");
    const add = (key, value, cls) => {
      if (value === null || value === undefined || value === "") return;
      dl.append(N3.el("dt", null, key), N3.el("dd", cls || null, value));
    };
    const usage = (end && end.usage) || (start && start.usage) || null;
    add("component", m.compName(i));
    add("name", m.name[i]);
    add("kind", m.kindName(i));
    add("status", m.statusName(i));
    add("start", "+" + N3.fmtMs(m.start[i]));
    add("duration", m.instant[i] ? "instant" : m.duration(i) === null ? (m.run.status === "running" ? "in flight (" + N3.fmtMs(m.end[i] - m.start[i]) + " so far)" : "never ended (" + N3.fmtMs(m.end[i] - m.start[i]) + " to the last event read)") : N3.fmtMs(m.duration(i)));
    let tokens = m.tokens[i] === m.tokens[i] ? N3.fmtInt(m.tokens[i]) : null;
    if (usage && (usage.input_tokens !== undefined || usage.output_tokens !== undefined)) {
      tokens = (tokens || N3.fmtInt(usage.total_tokens)) + "  (in " + N3.fmtInt(usage.input_tokens) + ", out " + N3.fmtInt(usage.output_tokens) + ")";
    }
    add("tokens", tokens);
    add("cost", m.cost[i] === m.cost[i] ? N3.fmtCost(m.cost[i]) : null);
    add("model", m.modelName(i));
    add("agent", m.agentName(i));
    add("seq", m.seq[i]);
    add("span id", m.sid[i], "mono");
    add("track", m.trackName(i));
    if (m.parent[i] >= 0) add("parent", m.name[m.parent[i]]);
    const f = m.flags[i], notes = [];
    if (f & FLAG_SLOW) notes.push("slow");
    if (f & FLAG_CRITICAL) notes.push("on the critical path");
    if (f & FLAG_ANOMALY) notes.push("anomaly");
    add("marks", notes.join(", "));
    return dl;
  },

  error(error, m, i, ids) {
    const box = N3.el("div", { className: "detail-error", id: ids ? "detail-error" : null });
    const err = error && typeof error === "object" ? error : { message: error };
    box.appendChild(N3.el("div", "error-title", (err.type || "error") + (err.category || m.catName(i) ? "  ·  " + (err.category || m.catName(i)) : "")));
    if (err.message !== undefined && err.message !== null) box.appendChild(N3.el("div", "error-message", String(err.message)));
    if (err.stack) box.appendChild(N3.el("pre", "stack", Array.isArray(err.stack) ? err.stack.join("\n") : String(err.stack)));
    if (!error) box.appendChild(N3.el("div", "error-message", "failed (no error recorded)"));
    return box;
  },

  section(label, body, open) {
    const det = N3.el("details", "section");
    det.open = open;
    det.append(N3.el("summary", null, label), body);
    return det;
  },

  /** The conversation of an LLM call: the system prompt, the input messages, then this call's answer. */
  conversation(messages, ids) {
    const box = N3.el("div", { className: "conversation", id: ids ? "conversation" : null });
    box.appendChild(N3.el("h3", null, "conversation"));
    const calls = new Map(), results = new Map();
    const bubble = (role, parts, note) => {
      const b = N3.el("div", "bubble role-" + String(role || "other").replace(/[^a-z_]/g, ""));
      b.appendChild(N3.el("div", "bubble-role", String(role || "?") + (note ? " · " + note : "")));
      for (const part of parts || []) b.appendChild(this.part(part, calls, results));
      box.appendChild(b);
    };
    if (messages.system && messages.system.length) bubble("system", messages.system);
    for (const msg of messages.input || []) bubble(msg.role, msg.parts);
    if (messages.output && messages.output.length) {
      box.appendChild(N3.el("div", "conv-sep", "this call's answer"));
      for (const msg of messages.output) bubble(msg.role || "assistant", msg.parts, msg.finish_reason ? "finish: " + msg.finish_reason : "");
    }
    this.link(calls, results);
    return box;
  },

  part(part, calls, results) {
    if (!part || typeof part !== "object") return N3.el("div", "part-text", String(part));
    if (part.type === "text") return N3.el("div", "part-text", typeof part.content === "string" ? part.content : N3.prettyJson(part.content));
    if (part.type === "tool_call") {
      const el = N3.el("div", "tool-call");
      el.append(N3.el("div", "tool-head", N3.el("span", "tool-tag", "tool call"), N3.el("span", "tool-name", part.name || "?"),
        N3.el("span", "tool-id", "id " + (part.id || "–"))));
      el.appendChild(N3.el("pre", "json", N3.prettyJson(decodeJson(part.arguments))));
      if (part.id) { el.dataset.callId = part.id; calls.set(part.id, { el, name: part.name }); }
      return el;
    }
    if (part.type === "tool_call_response") {
      const el = N3.el("div", "tool-result");
      const head = N3.el("div", "tool-head", N3.el("span", "tool-tag", "tool result"), N3.el("span", "tool-id", "id " + (part.id || "–")));
      el.append(head, N3.el("pre", "json", N3.prettyJson(decodeJson(part.response))));
      if (part.id) { el.dataset.callId = part.id; if (!results.has(part.id)) results.set(part.id, []); results.get(part.id).push({ el, head }); }
      return el;
    }
    return N3.el("pre", "json part-other", N3.prettyJson(part));
  },

  /** Tool calls and their results, linked by id: a button on each jumps to the other; hovering shows the pair. */
  link(calls, results) {
    for (const [id, found] of results) {
      const call = calls.get(id);
      for (const r of found) {
        if (!call) { r.head.appendChild(N3.el("span", "tool-link none", "no call with this id here")); continue; }
        r.head.insertBefore(N3.el("span", "tool-name", call.name || "?"), r.head.children[1]);
        r.head.appendChild(jump("↑ call", call.el, r.el));
      }
      if (call) call.el.querySelector(".tool-head").appendChild(jump("↓ result", found[0].el, call.el));
    }
    function jump(label, target, from) {
      const b = N3.el("button", { type: "button", className: "tool-link", text: label });
      b.addEventListener("click", () => {
        target.scrollIntoView({ block: "nearest", behavior: "smooth" });
        flash(target);
      });
      for (const el of [from]) {
        el.addEventListener("mouseenter", () => { target.classList.add("linked"); from.classList.add("linked"); });
        el.addEventListener("mouseleave", () => { target.classList.remove("linked"); from.classList.remove("linked"); });
      }
      return b;
    }
    function flash(el) {
      el.classList.add("flash");
      setTimeout(() => el.classList.remove("flash"), 900);
    }
  },
};

/** A tool call's arguments often arrive as JSON text: show them parsed when they are. */
function decodeJson(value) {
  if (typeof value !== "string") return value;
  const t = value.trim();
  if (!(t.startsWith("{") || t.startsWith("["))) return value;
  try {
    return JSON.parse(t);
  } catch (err) {
    return value;
  }
}
