/* namel3ss-debug report page: the shared namespace and small helpers.
 *
 * Every file in js/ is joined into one <script> (in file-name order), so they share this scope.
 * Nothing from the trace is ever parsed as HTML: nodes are built with createElement and filled with
 * textContent (through N3.el / N3.text), and canvas text is drawn with fillText.
 */
"use strict";

const N3 = (window.N3 = {
  doc: null,        // the data document
  runs: [],         // one Model per run (10-model.js)
  views: [],        // one view state per run (filters, zoom, selection)
  current: 0,       // the run shown on the Timeline tab
  tab: "timeline",
  ui: {},           // the page's parts, by name
});

// Characters that could rewrite a terminal, reorder text or hide in it are shown, not obeyed: C0 controls (but
// newline and tab) as their Control Pictures (ESC -> ␛), DEL as ␡; C1 controls, the line separators and the
// invisible characters as Python writes them (\u200b, \U000e0041), the notation of every other screen. The
// invisible ones are those of model/invisible.py (format characters and default-ignorables: zero-width
// space and joiners, bidirectional marks, overrides and isolates, tag characters, variation selectors), and
// tests/unit/web/test_page_invisible.py checks the two lists agree.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\u{110bd}\u{110cd}\u{13430}-\u{1343f}\u{1bca0}-\u{1bca3}\u{1d173}-\u{1d17a}\u{e0000}-\u{e0fff}]/gu;

N3.visible = function visible(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return text.replace(CONTROL, (ch) => {
    const code = ch.codePointAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "\u2421";
    if (code < 0x100) return "\\x" + code.toString(16).padStart(2, "0");
    if (code < 0x10000) return "\\u" + code.toString(16).padStart(4, "0");
    return "\\U" + code.toString(16).padStart(8, "0");
  });
};

/** An element: N3.el("div", "cls", "text") or N3.el("div", {className, title, ...props}, children...). */
N3.el = function el(tag, props, ...children) {
  const node = document.createElement(tag);
  if (typeof props === "string") node.className = props;
  else if (props) {
    for (const key in props) {
      const value = props[key];
      if (value === undefined || value === null) continue;
      if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "text") node.textContent = N3.visible(value);
      else if (key === "title") node.title = N3.visible(value);
      else if (key === "on") for (const type in value) node.addEventListener(type, value[type]);
      else node[key] = value;
    }
  }
  for (const child of children) N3.append(node, child);
  return node;
};

N3.append = function append(node, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) for (const c of child) N3.append(node, c);
  else if (child instanceof Node) node.appendChild(child);
  else node.appendChild(document.createTextNode(N3.visible(child)));
};

N3.text = function text(node, value) {
  node.textContent = N3.visible(value);
  return node;
};

N3.clear = function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
};

const SVG_NS = "http://www.w3.org/2000/svg";
/** An SVG element with attributes (never markup). */
N3.svg = function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const key in attrs || {}) if (attrs[key] !== undefined && attrs[key] !== null) node.setAttribute(key, attrs[key]);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(N3.visible(child)));
  }
  return node;
};

// -- numbers -----------------------------------------------------------------------------------------

N3.fmtMs = function fmtMs(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return "–";
  const a = Math.abs(ms);
  if (a >= 60000) return (ms / 60000).toFixed(a >= 600000 ? 0 : 1) + " min";
  if (a >= 1000) return (ms / 1000).toFixed(a >= 10000 ? 1 : 2) + " s";
  if (a >= 100) return ms.toFixed(0) + " ms";
  if (a >= 10) return ms.toFixed(1) + " ms";
  if (a >= 1) return ms.toFixed(2) + " ms";
  if (a === 0) return "0 ms";
  return (ms * 1000).toFixed(0) + " µs";
};

N3.fmtInt = function fmtInt(n) {
  if (n === null || n === undefined || !isFinite(n)) return "–";
  return Math.round(n).toLocaleString("en-US");
};

N3.fmtCost = function fmtCost(usd) {
  if (usd === null || usd === undefined || !isFinite(usd)) return "–";
  if (usd === 0) return "$0";
  if (Math.abs(usd) >= 1) return "$" + usd.toFixed(2);
  if (Math.abs(usd) >= 0.01) return "$" + usd.toFixed(4);
  return "$" + usd.toPrecision(3);
};

N3.fmtPct = function fmtPct(share) {
  if (share === null || share === undefined || !isFinite(share)) return "–";
  return (share * 100).toFixed(share >= 0.1 ? 0 : 1) + "%";
};

N3.fmtDelta = function fmtDelta(change) {
  if (!change || change.delta === null || change.delta === undefined) return "–";
  const sign = change.delta > 0 ? "+" : "";
  let body;
  if (change.unit === "ms") body = sign + N3.fmtMs(change.delta);
  else if (change.unit === "usd") body = (change.delta > 0 ? "+" : "-") + N3.fmtCost(Math.abs(change.delta));
  else body = sign + N3.fmtInt(change.delta);
  if (change.percent !== null && change.percent !== undefined) body += " (" + (change.percent > 0 ? "+" : "") + change.percent.toFixed(0) + "%)";
  return body;
};

N3.fmtValue = function fmtValue(unit, value) {
  if (unit === "ms") return N3.fmtMs(value);
  if (unit === "usd") return N3.fmtCost(value);
  return N3.fmtInt(value);
};

/** A time on the axis: `ms` after the run's start, with as many decimals as `step` needs. */
N3.fmtTick = function fmtTick(ms, step) {
  // far from 0 with a fine step (zoomed in late in a long run), seconds with decimals read better than 3883200 ms
  if (step >= 1000 || Math.abs(ms) >= 10000) {
    return (ms / 1000).toFixed(N3.clamp(3 - Math.floor(Math.log10(step)), 0, 6)) + " s";
  }
  return ms.toFixed(N3.clamp(-Math.floor(Math.log10(step)), 0, 4)) + " ms";
};

// -- colours -----------------------------------------------------------------------------------------

N3.COMPONENT_COLOURS = {
  app: "#8a8fa8", agent: "#7c5cff", llm: "#14a38b", tool: "#e08a1e", prompt: "#3b82f6",
  chain: "#0ea5c6", memory: "#b59f1b", validation: "#22a35a", custom: "#9b7bb8",
};
N3.EXTRA_COLOURS = ["#c2577a", "#5d8bd6", "#6aa84f", "#b8860b", "#8e6cc2", "#4aa3a3"];
N3.STATUS_COLOURS = { completed: "#3f9f6b", failed: "#e5484d", unclosed: "#f0a020", skipped: "#9aa0a6", running: "#f0a020",
  "in flight": "#1b6ef3" };

N3.componentColour = function componentColour(name, index) {
  return N3.COMPONENT_COLOURS[name] || N3.EXTRA_COLOURS[index % N3.EXTRA_COLOURS.length];
};

N3.statusColour = function statusColour(name) {
  return N3.STATUS_COLOURS[name] || "#9aa0a6";
};

/** A run's outcome as every screen says it (`failed_run.outcome_said`): `stopped: no recorded answer`, `failed (gave
 * up)` for a run a finding says gave up (its run_end said completed), else the word. */
N3.statusSaid = function statusSaid(status, stopped, gaveUp) {
  if (stopped) return status + ": " + stopped;
  return gaveUp ? status + " (gave up)" : status;
};

/** The value of a CSS custom property of the page (the theme), read when drawing the canvas. */
N3.cssVar = function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
};

// -- small utilities ---------------------------------------------------------------------------------

/** The first index in the sorted `array` (length `n`) whose value is >= `value`. */
N3.lowerBound = function lowerBound(array, value, n) {
  let lo = 0, hi = n === undefined ? array.length : n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (array[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

N3.clamp = function clamp(x, lo, hi) {
  return x < lo ? lo : x > hi ? hi : x;
};

/** Call `fn` at most once per animation frame, however often `schedule()` is called. */
N3.frame = function frame(fn) {
  let pending = false;
  return function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
};

N3.debounce = function debounce(fn, ms) {
  let timer = 0;
  return function debounced(...args) {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
};

/** Pretty JSON of any value, as text (control characters already escaped by JSON, the rest made visible). */
N3.prettyJson = function prettyJson(value) {
  if (typeof value === "string") return N3.visible(value);
  let text;
  try {
    text = JSON.stringify(value, null, 2);
  } catch (err) {
    text = String(value);
  }
  return N3.visible(text === undefined ? String(value) : text);
};
