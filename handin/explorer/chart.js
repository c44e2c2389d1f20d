// The explorer's live chart (handin/explorer/chart.py): two SVG panels, cost and accuracy
// per epoch, laid out at the width the page gives it (text stays at its size: no scaling
// of the drawing), with an HTML legend below that wraps. Validation solid, train dashed,
// for every run; a run has a colour (at least 3:1 against white) and a marker shape,
// shared with its legend entry, so runs are told apart without colour. The numbers are
// also given as text: a one-line summary per run and a table of every epoch (behind a
// "Numbers" toggle), the chart's aria-label the summaries. A polite live region announces
// a run's start and end (not every epoch). The explorer's sliders (ipywidgets) get their
// accessible name and value text from here: their description and readout.
// No dependencies, no network. DOM contract: root .handin-chart with data-runs and
// data-epochs (updated at every redraw), status line .handin-status.

const NS = "http://www.w3.org/2000/svg";
const H = 280, PY0 = 30, PY1 = 236, LEFT = 56, GAP = 72, RIGHT = 18, MIN_PW = 150;
const PANELS = [
  { key: "cost", title: "Cost per epoch (cross-entropy + decay)", curves: ["train_cost", "val_cost"] },
  { key: "acc", title: "Accuracy per epoch", curves: ["train_acc", "val_acc"] },
];
const CURVE_NAMES = { train_cost: "train cost", val_cost: "val cost", train_acc: "train acc", val_acc: "val acc" };
const HIDDEN = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;";

function el(tag, attrs, parent, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

function html(tag, attrs, parent, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

// A marker shape (matplotlib's codes, shared with figure.py) centred at x, y.
function marker(shape, x, y, r, attrs, parent) {
  const poly = (pts) => el("polygon", { points: pts.map(([a, b]) => `${(x + a * r).toFixed(1)},${(y + b * r).toFixed(1)}`).join(" "), ...attrs }, parent);
  const ngon = (n, rot) => poly([...Array(n).keys()].map((i) => {
    const t = rot + (2 * Math.PI * i) / n;
    return [Math.cos(t), Math.sin(t)];
  }));
  switch (shape) {
    case "s": return poly([[-0.9, -0.9], [0.9, -0.9], [0.9, 0.9], [-0.9, 0.9]]);
    case "^": return poly([[0, -1.2], [1.1, 0.8], [-1.1, 0.8]]);
    case "v": return poly([[0, 1.2], [1.1, -0.8], [-1.1, -0.8]]);
    case "D": return poly([[0, -1.25], [1.0, 0], [0, 1.25], [-1.0, 0]]);
    case "p": return ngon(5, -Math.PI / 2);
    case "h": return ngon(6, 0);
    default: return el("circle", { cx: x, cy: y, r, ...attrs }, parent);
  }
}

function niceStep(span, maxTicks) {
  const raw = span / Math.max(1, maxTicks);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function ticks(lo, hi, maxTicks, integer) {
  let step = niceStep(hi - lo, maxTicks);
  if (integer) step = Math.max(1, Math.round(step));
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(6));
  return out;
}

function fmt(v) {
  return Math.abs(v) >= 10 ? v.toFixed(0) : +v.toFixed(2) + "";
}

function runLabel(run) {
  const marked = run.outcome === "diverged" || run.outcome === "stopped";
  return run.label + (marked ? " (" + (run.note || run.outcome) + ")" : "");
}

// "lr=0.2 h=256 c=1e-4: val acc 0.58 after 10 epochs; diverged in epoch 2"
function summary(run) {
  const val = run.points.val_acc || [];
  const last = val.length ? val[val.length - 1] : null;
  let text = run.label + ": " + (last ? `val acc ${last[1].toFixed(2)} after ${last[0]} epoch${last[0] === 1 ? "" : "s"}` : "no epoch finished");
  if (run.outcome === "diverged") text += "; " + (run.note || "diverged");
  else if (run.outcome === "running") text += `; running (${run.epochs} epochs planned)`;
  else if (run.outcome && run.outcome !== "done") text += "; " + (run.note || run.outcome);
  return text;
}

function layout(width) {
  const w = Math.max(2 * MIN_PW + LEFT + GAP + RIGHT, Math.floor(width || 960));
  const pw = (w - LEFT - GAP - RIGHT) / 2;
  return { w, pw, x0: [LEFT, LEFT + pw + GAP] };
}

function drawPanel(svg, panel, x0, pw, state) {
  const [xl, xh] = state.limits.x || [0.5, 1.5];
  const [yl, yh] = state.limits[panel.key] || [0, 1];
  const X = (x) => x0 + ((x - xl) / (xh - xl)) * pw;
  const Y = (y) => PY1 - ((Math.min(Math.max(y, yl), yh) - yl) / (yh - yl)) * (PY1 - PY0);
  const g = el("g", { class: "panel panel-" + panel.key }, svg);
  el("text", { x: x0 + pw / 2, y: PY0 - 10, "text-anchor": "middle", "font-size": 13,
               "font-weight": 600, fill: "#111827" }, g, panel.title);
  for (const t of ticks(yl, yh, 5, false)) {
    el("line", { x1: x0, x2: x0 + pw, y1: Y(t), y2: Y(t), stroke: "#e5e7eb" }, g);
    el("text", { x: x0 - 5, y: Y(t) + 4, "text-anchor": "end", "font-size": 12,
                 fill: "#374151" }, g, fmt(t));
  }
  for (const t of ticks(Math.ceil(xl), Math.floor(xh), Math.max(2, Math.floor(pw / 40)), true)) {
    el("line", { x1: X(t), x2: X(t), y1: PY1, y2: PY1 + 4, stroke: "#4b5563" }, g);
    el("text", { x: X(t), y: PY1 + 17, "text-anchor": "middle", "font-size": 12,
                 fill: "#374151" }, g, String(t));
  }
  el("rect", { x: x0, y: PY0, width: pw, height: PY1 - PY0, fill: "none", stroke: "#6b7280" }, g);
  el("text", { x: x0 + pw / 2, y: PY1 + 36, "text-anchor": "middle", "font-size": 12,
               fill: "#374151" }, g, "epoch");
  const runs = [...state.faded, ...(state.current ? [state.current] : [])];
  for (const run of runs) {
    const current = run === state.current;
    for (const curve of panel.curves) {
      const pts = run.points[curve] || [];
      if (!pts.length) continue;
      const train = curve.startsWith("train");
      const d = pts.map(([x, y], i) => (i ? "L" : "M") + X(x).toFixed(1) + " " + Y(y).toFixed(1)).join(" ");
      el("path", { d, fill: "none", stroke: run.color, "stroke-width": current ? 2.6 : 1.6,
                   "stroke-dasharray": train ? "6 4" : "none",
                   class: (current ? "current " : "faded ") + curve }, g);
      for (const [x, y] of pts) {
        marker(run.marker, X(x), Y(y), current ? 3.6 : 3.2,
               { stroke: run.color, "stroke-width": 1.4, fill: train ? "white" : run.color }, g);
      }
      if (run.outcome === "diverged" && !train) {
        const [x, y] = pts[pts.length - 1];
        el("text", { x: X(x), y: Y(y) + 5, "text-anchor": "middle", "font-size": 16,
                     fill: "#b91c1c", "font-weight": 700 }, g, "\u00d7");
      }
    }
  }
  const cur = state.current;
  if (cur && cur.outcome === "diverged" && panel.key === "cost") {
    el("text", { x: x0 + 8, y: PY0 + 18, "font-size": 12, fill: "#b91c1c",
                 "font-weight": 600 }, g, cur.note || "diverged");
  }
}

function swatch(parent, color, dash, shape) {
  const s = el("svg", { width: 34, height: 14, "aria-hidden": "true" }, parent);
  s.style.cssText = "flex: none; vertical-align: middle;";
  el("line", { x1: 1, x2: 33, y1: 7, y2: 7, stroke: color, "stroke-width": 2, "stroke-dasharray": dash }, s);
  if (shape) marker(shape, 17, 7, 3.6, { stroke: color, "stroke-width": 1.4, fill: color }, s);
}

function drawLegend(box, state) {
  box.replaceChildren();
  const item = (text, bold) => {
    const it = html("span", { class: "handin-legend-item" }, box);
    it.style.cssText = "display:inline-flex;align-items:center;gap:4px;font-size:13px;color:#111827;" + (bold ? "font-weight:700;" : "");
    return it;
  };
  let it = item();
  swatch(it, "#374151", "none");
  html("span", {}, it, "validation");
  it = item();
  swatch(it, "#374151", "6 4");
  html("span", {}, it, "train");
  const runs = [...(state.current ? [state.current] : []), ...[...state.faded].reverse()];
  runs.forEach((run, i) => {
    it = item(undefined, run === state.current);
    if (i === 1 || (i === 0 && run !== state.current)) {
      const head = html("span", {}, it, "earlier:");
      head.style.cssText = "color:#4b5563;font-weight:400;margin-right:2px;";
    }
    swatch(it, run.color, "none", run.marker);
    html("span", { class: "handin-legend-label" }, it, runLabel(run));
  });
}

function drawData(details, state) {
  const runs = [...state.faded, ...(state.current ? [state.current] : [])];
  const body = details.querySelector(".handin-data-body");
  body.replaceChildren();
  if (!runs.length) { html("p", {}, body, "No runs yet."); return; }
  const ul = html("ul", {}, body);
  for (const run of runs) html("li", {}, ul, summary(run));
  for (const run of runs) {
    const table = html("table", {}, body);
    table.style.cssText = "border-collapse:collapse;margin:4px 0 8px 0;font-size:13px;";
    html("caption", {}, table, run.label).style.cssText = "text-align:left;font-weight:600;";
    const head = html("tr", {}, html("thead", {}, table));
    for (const name of ["epoch", ...Object.values(CURVE_NAMES)]) html("th", { scope: "col" }, head, name).style.cssText = "padding:1px 8px;text-align:right;";
    const tbody = html("tbody", {}, table);
    const epochs = [...new Set(Object.values(run.points).flatMap((p) => p.map(([e]) => e)))].sort((a, b) => a - b);
    for (const e of epochs) {
      const tr = html("tr", {}, tbody);
      html("th", { scope: "row" }, tr, String(e)).style.cssText = "padding:1px 8px;text-align:right;font-weight:400;";
      for (const c of Object.keys(CURVE_NAMES)) {
        const p = (run.points[c] || []).find(([x]) => x === e);
        html("td", {}, tr, p ? p[1].toFixed(3) : "\u2013").style.cssText = "padding:1px 8px;text-align:right;";
      }
    }
  }
}

// Give the explorer's sliders (ipywidgets: a noUiSlider handle with role="slider") an
// accessible name (their description) and the value text their readout shows.
function nameSliders(host) {
  const box = host.closest(".widget-vbox") || host.parentElement;
  if (!box) return () => {};
  const apply = () => {
    for (const s of box.querySelectorAll(".widget-slider")) {
      const handle = s.querySelector("[role=slider]");
      const label = s.querySelector(".widget-label");
      const readout = s.querySelector(".widget-readout");
      if (!handle) continue;
      const name = label ? label.textContent.trim() : "";
      if (name && handle.getAttribute("aria-label") !== name) handle.setAttribute("aria-label", name);
      const text = readout ? (readout.textContent || readout.value || "").trim() : "";
      if (text && handle.getAttribute("aria-valuetext") !== text) handle.setAttribute("aria-valuetext", text);
    }
  };
  const obs = new MutationObserver(apply);
  for (const s of box.querySelectorAll(".widget-slider")) {
    obs.observe(s, { subtree: true, childList: true, characterData: true, attributes: true,
                     attributeFilter: ["aria-valuetext", "aria-valuenow"] });
  }
  apply();
  return () => obs.disconnect();
}

function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "handin-chart";
  root.style.cssText = "font-family: system-ui, sans-serif; width: 100%; max-width: 1400px; position: relative;";
  const status = html("div", { class: "handin-status" }, root);
  status.style.cssText = "font-size: 14px; line-height: 1.4; margin: 4px 0 2px 0; padding-left: 6px; color: #111827; min-height: 1.4em;";
  const announce = html("div", { class: "handin-announce", role: "status", "aria-live": "polite" }, root);
  announce.style.cssText = HIDDEN;
  const svg = el("svg", { role: "img", "aria-label": "learning curves" }, root);
  svg.style.display = "block";
  const legend = html("div", { class: "handin-legend" }, root);
  legend.style.cssText = "display:flex;flex-wrap:wrap;gap:4px 16px;padding:0 6px 0 " + LEFT + "px;";
  const data = html("details", { class: "handin-data" }, root);
  data.style.cssText = "font-size:13px;padding-left:6px;margin-top:4px;";
  html("summary", {}, data, "Numbers: a summary of each run and a table of every epoch");
  html("div", { class: "handin-data-body" }, data);
  host.appendChild(root);

  let queued = false, width = 0, lastRun = "", lastState = null;
  data.addEventListener("toggle", () => { if (data.open && lastState) drawData(data, lastState); });
  const draw = () => {
    queued = false;
    const state = {
      current: model.get("current") || {},
      faded: model.get("faded") || [],
      limits: model.get("limits") || {},
    };
    if (!state.current.points) state.current = null;
    const { w, pw, x0 } = layout(width || root.clientWidth || 960);
    svg.setAttribute("viewBox", `0 0 ${w} ${H}`);
    svg.setAttribute("width", w);
    svg.setAttribute("height", H);
    svg.replaceChildren();
    PANELS.forEach((panel, i) => drawPanel(svg, panel, x0[i], pw, state));
    drawLegend(legend, state);
    if (data.open) drawData(data, state);      // the table is built only while it is open
    lastState = state;
    const runs = [...(state.current ? [state.current] : []), ...[...state.faded].reverse()];
    svg.setAttribute("aria-label", "Learning curves, cost and accuracy per epoch. " +
      (runs.length ? runs.map(summary).join(". ") : "No runs yet") + ".");
    const text = model.get("status") || "";
    status.textContent = text;
    const cur = state.current;
    const key = cur ? cur.label + "|" + cur.outcome + "|" + (cur.outcome === "running" ? "" : cur.note) : "";
    if (cur && key !== lastRun) {
      announce.textContent = (cur.outcome === "running" ? "Run started: " + cur.label : text);
    }
    if (cur) lastRun = key;
    const epochs = cur ? Math.max(0, ...Object.values(cur.points).map((p) => p.length)) : 0;
    root.setAttribute("data-runs", String(state.faded.length + (cur ? 1 : 0)));
    root.setAttribute("data-epochs", String(epochs));
    root.setAttribute("data-outcome", cur ? cur.outcome : "");
  };
  const schedule = () => {
    if (!queued) { queued = true; queueMicrotask(draw); }
  };
  const resize = new ResizeObserver((entries) => {
    const w = Math.floor(entries[0].contentRect.width);
    if (w && Math.abs(w - width) >= 1) { width = w; schedule(); }
  });
  resize.observe(root);
  let unname = () => {}, tries = 0;
  const findSliders = () => {
    const box = host.closest(".widget-vbox");
    if (box && box.querySelector(".widget-slider [role=slider]")) unname = nameSliders(host);
    else if (tries++ < 40) timer = setTimeout(findSliders, 250);
  };
  let timer = setTimeout(findSliders, 0);
  for (const name of ["current", "faded", "limits", "status"]) model.on("change:" + name, schedule);
  draw();
  return () => {
    clearTimeout(timer);
    unname();
    resize.disconnect();
    for (const name of ["current", "faded", "limits", "status"]) model.off("change:" + name, schedule);
  };
}

export default { render };
