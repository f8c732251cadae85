/* The model of one run: the span columns as typed arrays, the timeline's lanes, the details chunks
 * (read when first needed, then kept) and the text the search looks through.
 *
 * A details chunk is the JSON text of the details of `limits.chunk` rows; with `limits.details` =
 * "gzip+base64" that text is gzip-compressed and in base64. Reading one is asynchronous: the bytes go
 * through the browser's own DecompressionStream (a stream of the bytes in memory: no fetch, so it works
 * from a file and under `connect-src 'none'`), then JSON.parse. */
"use strict";

const FLAG_SLOW = 1, FLAG_CRITICAL = 2, FLAG_ANOMALY = 4, FLAG_ERROR = 8;
N3.FLAGS = { slow: FLAG_SLOW, critical: FLAG_CRITICAL, anomaly: FLAG_ANOMALY, error: FLAG_ERROR };

function typed(Type, values, missing) {
  const out = new Type(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? missing : v;
  }
  return out;
}

N3.Model = class Model {
  constructor(run, limits) {
    const s = run.spans;
    this.run = run;
    this.tables = run.tables;
    this.n = s.sid.length;
    this.chunk = (limits && limits.chunk) || 1000;
    this.packed = !!limits && limits.details === "gzip+base64";
    this.sid = s.sid;
    this.name = s.name;
    this.parent = typed(Int32Array, s.parent, -1);
    this.depth = typed(Int32Array, s.depth, 0);
    this.size = typed(Int32Array, s.size, 0);
    this.comp = typed(Int32Array, s.comp, -1);
    this.kind = typed(Int32Array, s.kind, -1);
    this.status = typed(Int32Array, s.status, -1);
    this.start = typed(Float64Array, s.start, 0);
    this.dur = typed(Float64Array, s.dur, NaN);
    this.instant = typed(Uint8Array, s.instant, 0);
    this.track = typed(Int32Array, s.track, 0);
    this.agent = typed(Int32Array, s.agent, -1);
    this.model = typed(Int32Array, s.model, -1);
    this.tokens = typed(Float64Array, s.tokens, NaN);
    this.cost = typed(Float64Array, s.cost, NaN);
    this.cat = typed(Int32Array, s.cat, -1);
    this.seq = s.seq;
    this.flags = typed(Uint8Array, s.flags, 0);
    this.chunks = new Array(run.details ? run.details.length : 0);  // per chunk: its rows' details, once read
    this._reading = new Array(this.chunks.length);                    // per chunk: the promise of it, while read
    this.chunkErrors = new Array(this.chunks.length);                  // per chunk: why it could not be read
    this.failedStatus = this.tables.statuses.indexOf("failed");
    // a span with no end: "in flight" in a run being written (view --follow), "unclosed" in any other
    const inFlight = this.tables.statuses.indexOf("in flight");
    this.unclosedStatus = inFlight >= 0 ? inFlight : this.tables.statuses.indexOf("unclosed");
    this._computeEnds();
    // where the run's work begins: the end of its start-up (imports, set-up before the first span), where the
    // timeline opens; 0 for a run without a start-up span
    const from = Number(run.work_from_ms);
    this.workFrom = from > 0 && from < this.tEnd ? from : 0;
    // what the page leaves out of wide trees (`WidthCap`): row -> [children, spans, failed] (-1: the run's roots)
    this.cut = new Map();
    this.cutSpans = 0;
    for (const [row, children, spans, failed] of run.cut || []) {
      const had = this.cut.get(row) || [0, 0, 0];
      this.cut.set(row, [had[0] + children, had[1] + spans, had[2] + failed]);
      this.cutSpans += spans;
    }
    this._rowBySid = null;
    this._names = null;
    this.payload = null;      // per row: the lower-case text of its details, once built
    this.lanes = N3.buildLanes(this);
  }

  /** Where each span ends on the timeline; an unclosed span runs to `now` (else `now_ms`, or the run's end). */
  _computeEnds(now) {
    const run = this.run, n = this.n;
    let last = 0;
    for (let i = 0; i < n; i++) {
      const d = this.dur[i];
      if (d === d) last = Math.max(last, this.start[i] + d);
      else last = Math.max(last, this.start[i]);
    }
    const open = now !== undefined ? now : run.now_ms !== null && run.now_ms !== undefined ? run.now_ms
      : run.duration_ms !== null && run.duration_ms !== undefined ? run.duration_ms : last;
    this.end = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const d = this.dur[i];
      this.end[i] = d === d ? this.start[i] + d : Math.max(open, this.start[i]);
    }
    this.tEnd = Math.max(last, open, run.duration_ms || 0, 0.001);
  }

  /** A running run has got to `now` (ms): its unclosed spans grow to there. False when none is running. */
  grow(now) {
    if (this.run.now_ms === null || this.run.now_ms === undefined) return false;
    this._computeEnds(now);
    for (const row of this.lanes.rows) {
      let max = -Infinity;
      for (let k = 0; k < row.count; k++) {
        const e = this.end[row.spans[k]];
        if (e > max) max = e;
        row.maxEnd[k] = max;
      }
    }
    return true;
  }

  rowOfSid(sid) {
    if (!this._rowBySid) {
      this._rowBySid = new Map();
      for (let i = 0; i < this.n; i++) this._rowBySid.set(this.sid[i], i);
    }
    const row = this._rowBySid.get(sid);
    return row === undefined ? -1 : row;
  }

  compName(i) { return this.tables.components[this.comp[i]] || "?"; }
  kindName(i) { return this.tables.kinds[this.kind[i]] || ""; }
  statusName(i) { return this.tables.statuses[this.status[i]] || "?"; }
  trackName(i) { return this.tables.tracks[this.track[i]] || ""; }
  agentName(i) { return this.agent[i] >= 0 ? this.tables.agents[this.agent[i]] : null; }
  modelName(i) { return this.model[i] >= 0 ? this.tables.models[this.model[i]] : null; }
  catName(i) { return this.cat[i] >= 0 ? this.tables.categories[this.cat[i]] : null; }
  failed(i) { return this.status[i] === this.failedStatus; }
  hasError(i) { return this.failed(i) || (this.flags[i] & FLAG_ERROR) !== 0; }
  duration(i) { const d = this.dur[i]; return d === d ? d : null; }

  /** The detail object of row `i` (null if none) once its chunk has been read; undefined until then
   *  (`loadDetail` reads it). */
  detail(i) {
    const k = Math.floor(i / this.chunk);
    if (!(k >= 0 && k < this.chunks.length)) return null;
    const chunk = this.chunks[k];
    if (!chunk) return undefined;
    return chunk[i - k * this.chunk] || null;
  }

  /** A promise of row `i`'s detail (null if none): its chunk is read on first use, then kept. */
  loadDetail(i) {
    const k = Math.floor(i / this.chunk);
    if (!(k >= 0 && k < this.chunks.length)) return Promise.resolve(null);
    return this.loadChunk(k).then((rows) => rows[i - k * this.chunk] || null);
  }

  /** Why row `i`'s details could not be read (a chunk that fails to decode or parse), else null. */
  detailError(i) {
    const k = Math.floor(i / this.chunk);
    return this.chunkErrors[k] || null;
  }

  /** A promise of chunk `k` (an array of details; empty if it cannot be read, saying why in chunkErrors). */
  loadChunk(k) {
    if (this.chunks[k]) return Promise.resolve(this.chunks[k]);
    if (!this._reading[k]) {
      const text = this.run.details[k];
      this._reading[k] = (this.packed ? N3.unpack(text) : Promise.resolve(text))
        .then((json) => JSON.parse(json))
        .then((rows) => {
          if (!Array.isArray(rows)) throw new Error("a details chunk is not a list");
          return rows;
        })
        .catch((err) => {
          this.chunkErrors[k] = String((err && err.message) || err);
          return [];
        })
        .then((rows) => {
          this.chunks[k] = rows;
          this._reading[k] = null;
          return rows;
        });
    }
    return this._reading[k];
  }

  /** The lower-case text the search matches without the payloads: name, component, kind, model, agent... */
  names(i) {
    if (!this._names) this._names = new Array(this.n);
    let text = this._names[i];
    if (text === undefined) {
      text = [this.name[i], this.compName(i), this.kindName(i), this.statusName(i), this.modelName(i) || "",
        this.agentName(i) || "", this.catName(i) || "", this.sid[i]].join("\n").toLowerCase();
      this._names[i] = text;
    }
    return text;
  }

  /** Build the payload text of every row: chunk by chunk (a few read ahead), yielding to the page every
   *  30 ms so it stays responsive; `progress(done, total)` after each chunk. */
  buildPayload(progress) {
    if (this.payload) return Promise.resolve(this.payload);
    if (this._building) return this._building;
    const payload = new Array(this.n);
    const chunks = this.chunks.length;
    const AHEAD = 4;
    const build = async () => {
      let slice = performance.now();
      for (let k = 0; k < chunks; k++) {
        for (let j = k + 1; j < Math.min(chunks, k + 1 + AHEAD); j++) this.loadChunk(j);
        const rows = await this.loadChunk(k);
        const base = k * this.chunk;
        const top = Math.min(this.n, base + this.chunk);
        for (let i = base; i < top; i++) payload[i] = collectText(rows[i - base] || null).toLowerCase();
        if (progress) progress(k + 1, chunks);
        if (performance.now() - slice > 30) {
          await pause();
          slice = performance.now();
        }
      }
      for (let i = 0; i < this.n; i++) if (payload[i] === undefined) payload[i] = "";
      this.payload = payload;
      this._building = null;
      return payload;
    };
    this._building = build();
    return this._building;
  }
};

/** Let the page handle input and paint, then go on. */
function pause() {
  if (typeof scheduler !== "undefined" && scheduler && typeof scheduler.yield === "function") return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** gzip+base64 text -> a promise of the text it holds (UTF-8), by the browser's own DecompressionStream. */
N3.unpack = function unpack(text) {
  if (typeof DecompressionStream !== "function") {
    return Promise.reject(new Error("this browser cannot decompress (no DecompressionStream)"));
  }
  let bytes;
  try {
    bytes = base64Bytes(String(text));
  } catch (err) {
    return Promise.reject(new Error("a details chunk is not base64"));
  }
  // a stream of the bytes themselves: a Blob's stream is read through the browser's blob store, a third slower
  const source = new ReadableStream({ start(controller) { controller.enqueue(bytes); controller.close(); } });
  const reader = source.pipeThrough(new DecompressionStream("gzip")).getReader();
  const utf8 = new TextDecoder();
  let json = "";
  const more = ({ done, value }) => {
    if (done) return json + utf8.decode();
    json += utf8.decode(value, { stream: true });
    return reader.read().then(more);
  };
  return reader.read().then(more);  // piece by piece: faster than new Response(stream).text()
};

function base64Bytes(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Every string and number in a value (keys too), joined by newlines. */
function collectText(value) {
  const out = [];
  const walk = (v, depth) => {
    if (v === null || v === undefined || depth > 40) return;
    if (typeof v === "string") out.push(v);
    else if (typeof v === "number" || typeof v === "boolean") out.push(String(v));
    else if (Array.isArray(v)) for (const item of v) walk(item, depth + 1);
    else if (typeof v === "object") for (const key in v) { out.push(key); walk(v[key], depth + 1); }
  };
  walk(value, 0);
  return out.join("\n");
}
N3.collectText = collectText;

/* Lanes: one group per track (in the order the tracks first appear in the tree), one row per depth present in
 * that track, and more rows for a depth whose spans overlap in time (parallel tool calls, say): a span goes to
 * the first row of its depth that is free when it starts, so no two bars, nor their labels, cover each other.
 * Past MAX_SLOTS rows a depth, a span shares the row that frees first (its label is cut at the next bar).
 * Instants take no room: they stay in a depth's first row. Each row keeps its spans sorted by start, and the
 * running maximum of their ends, so the spans visible in [t0, t1] are found by binary search. */
const MAX_SLOTS = 16;

N3.buildLanes = function buildLanes(m) {
  const n = m.n, start = m.start, end = m.end;
  const trackOrder = [], byTrack = new Map();  // track -> depth -> its spans, in tree order
  for (let i = 0; i < n; i++) {
    const t = m.track[i];
    let depths = byTrack.get(t);
    if (!depths) { byTrack.set(t, (depths = new Map())); trackOrder.push(t); }
    let spans = depths.get(m.depth[i]);
    if (!spans) depths.set(m.depth[i], (spans = []));
    spans.push(i);
  }
  const rows = [], groups = [];
  const rowOf = new Int32Array(n);
  for (const t of trackOrder) {
    const depths = byTrack.get(t);
    const group = { track: t, name: m.tables.tracks[t] || String(t), first: rows.length, count: 0 };
    groups.push(group);
    for (const d of Array.from(depths.keys()).sort((a, b) => a - b)) {
      const spans = byStart(depths.get(d), start);
      const first = rows.length, ends = [];
      const slots = spans.map((i) => (m.instant[i] ? 0 : slotFor(ends, start[i], end[i])));
      for (let k = 0; k < Math.max(1, ends.length); k++) {
        rows.push({ track: t, depth: d, slot: k, group: groups.length - 1, count: 0, spans: null, maxEnd: null });
      }
      spans.forEach((i, k) => { rowOf[i] = first + slots[k]; rows[rowOf[i]].count++; });
      for (let r = first; r < rows.length; r++) { rows[r].spans = new Int32Array(rows[r].count); rows[r].count = 0; }
      for (const i of spans) { const row = rows[rowOf[i]]; row.spans[row.count++] = i; }
    }
    group.count = rows.length - group.first;
  }
  for (const row of rows) {
    row.starts = new Float64Array(row.count);
    row.maxEnd = new Float64Array(row.count);
    let max = -Infinity;
    for (let k = 0; k < row.count; k++) {
      const i = row.spans[k];
      row.starts[k] = start[i];
      if (end[i] > max) max = end[i];
      row.maxEnd[k] = max;
    }
  }
  return { rows, groups, rowOf };
};

/** The spans sorted by start (tree order is nearly that: sorted only when it is not), ties in tree order. */
function byStart(spans, start) {
  for (let k = 1; k < spans.length; k++) {
    if (start[spans[k]] < start[spans[k - 1]]) return spans.sort((a, b) => start[a] - start[b] || a - b);
  }
  return spans;
}

/** The row of a depth for a span from `a` to `b`: the first whose last span has ended by `a`, else a new one,
 *  else (MAX_SLOTS rows already) the one that frees first; `ends` (each row's last end) is updated. */
function slotFor(ends, a, b) {
  let k = 0;
  while (k < ends.length && ends[k] > a) k++;
  if (k === ends.length && k >= MAX_SLOTS) {
    k = 0;
    for (let j = 1; j < ends.length; j++) if (ends[j] < ends[k]) k = j;
  }
  ends[k] = k < ends.length ? Math.max(ends[k], b) : b;
  return k;
}
