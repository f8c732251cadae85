/* Links: a run page's address names the span selected (`#span=ID`, and `&run=1` for NEW's timeline of a
 * comparison), so the address bar is a link to paste in a chat, and a page opened on such an address selects
 * and reveals that span. A run page of `view DIR` (its document's `nav`) links back to the list, and a rerun or
 * fork to its parent and to the comparison of the two. */
"use strict";

N3.links = {
  /** The selection, in the address (replaced: the back button still leaves the page). */
  remember(sid) {
    if (sid === undefined || sid === null) return;
    const hash = "#span=" + encodeURIComponent(sid) + (N3.current ? "&run=" + N3.current : "");
    if (location.hash !== hash) history.replaceState(history.state, "", location.pathname + location.search + hash);
  },

  /** The span the address names, selected and shown (once the page is built); a span the run does not hold
   *  is said in the notice line. */
  open() {
    const wanted = new URLSearchParams(location.hash.replace(/^#/, ""));
    const sid = wanted.get("span");
    if (!sid) return;
    const k = N3.clamp(Number(wanted.get("run")) || 0, 0, N3.runs.length - 1);
    const i = N3.runs[k].rowOfSid(sid);
    if (i < 0) {
      const notice = document.getElementById("live-notice");
      notice.hidden = false;
      N3.text(notice, "span " + sid + " is not in this run");
      return;
    }
    N3.showSpan(k, i);
  },

  /** `← all runs`, and a rerun's or fork's parent, in the header of a run page `view DIR` serves. */
  nav(box) {
    const nav = N3.doc.nav;
    if (!nav) return;
    const line = N3.el("div", "nav-line", N3.el("a", { className: "nav-list", href: nav.list || "/", text: "← all runs" }));
    const run = N3.doc.runs[0];
    if (N3.doc.mode === "run" && nav.parent && nav.parent_listed && run.run_id) {
      line.append(" · ", N3.el("a", { className: "nav-parent", href: N3.runUrl(nav.parent), text: "parent run " + nav.parent }),
        " · ", N3.el("a", { className: "nav-compare-parent", href: N3.compareUrl(nav.parent, run.run_id), text: "compare with its parent" }));
    }
    box.insertBefore(line, box.firstChild);
  },
};
