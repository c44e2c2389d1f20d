// The explorer's live chart (handin/explorer_chart.py): two SVG panels, cost and accuracy
// per epoch. Validation solid, train dashed, for every run; a run's colour names it.
// No dependencies, no network. DOM contract: root .handin-chart with data-runs and
// data-epochs (updated at every redraw), status line .handin-status.

const NS = "http://www.w3.org/2000/svg";
const W = 960, H = 290;
const PANELS = [
  { key: "cost", title: "Cost per epoch (cross-entropy + decay)", curves: ["train_cost", "val_cost"], x0: 50 },
  { key: "acc", title: "Accuracy per epoch", curves: ["train_acc", "val_acc"], x0: 405 },
];
const PW = 300, PY0 = 34, PY1 = 250, LEGEND_X = 740;

function el(tag, attrs, parent, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
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

function drawPanel(svg, panel, state) {
  const [xl, xh] = state.limits.x || [0.5, 1.5];
  const [yl, yh] = state.limits[panel.key] || [0, 1];
  const X = (x) => panel.x0 + ((x - xl) / (xh - xl)) * PW;
  const Y = (y) => PY1 - ((Math.min(Math.max(y, yl), yh) - yl) / (yh - yl)) * (PY1 - PY0);
  const g = el("g", { class: "panel panel-" + panel.key }, svg);
  el("text", { x: panel.x0 + PW / 2, y: PY0 - 12, "text-anchor": "middle", "font-size": 13,
               "font-weight": 600, fill: "#111827" }, g, panel.title);
  for (const t of ticks(yl, yh, 5, false)) {
    el("line", { x1: panel.x0, x2: panel.x0 + PW, y1: Y(t), y2: Y(t), stroke: "#e5e7eb" }, g);
    el("text", { x: panel.x0 - 5, y: Y(t) + 4, "text-anchor": "end", "font-size": 11,
                 fill: "#374151" }, g, fmt(t));
  }
  for (const t of ticks(Math.ceil(xl), Math.floor(xh), 10, true)) {
    el("line", { x1: X(t), x2: X(t), y1: PY1, y2: PY1 + 4, stroke: "#6b7280" }, g);
    el("text", { x: X(t), y: PY1 + 16, "text-anchor": "middle", "font-size": 11,
                 fill: "#374151" }, g, String(t));
  }
  el("rect", { x: panel.x0, y: PY0, width: PW, height: PY1 - PY0, fill: "none",
               stroke: "#9ca3af" }, g);
  el("text", { x: panel.x0 + PW / 2, y: PY1 + 32, "text-anchor": "middle", "font-size": 12,
               fill: "#374151" }, g, "epoch");
  const runs = [...state.faded, ...(state.current && state.current.points ? [state.current] : [])];
  for (const run of runs) {
    const current = run === state.current;
    for (const curve of panel.curves) {
      const pts = run.points[curve] || [];
      if (!pts.length) continue;
      const d = pts.map(([x, y], i) => (i ? "L" : "M") + X(x).toFixed(1) + " " + Y(y).toFixed(1)).join(" ");
      el("path", { d, fill: "none", stroke: run.color, "stroke-width": current ? 2.4 : 1.5,
                   "stroke-opacity": current ? 1 : 0.55,
                   "stroke-dasharray": curve.startsWith("train") ? "6 4" : "none",
                   class: (current ? "current " : "faded ") + curve }, g);
      if (current) {
        for (const [x, y] of pts) {
          el("circle", { cx: X(x), cy: Y(y), r: 3, stroke: run.color, "stroke-width": 1.5,
                         fill: curve.startsWith("train") ? "white" : run.color }, g);
        }
      }
      if (run.outcome === "diverged" && curve.startsWith("val")) {
        const [x, y] = pts[pts.length - 1];
        el("text", { x: X(x), y: Y(y) + 5, "text-anchor": "middle", "font-size": 16,
                     fill: "#b91c1c", "font-weight": 700 }, g, "\u00d7");
      }
    }
  }
  const cur = state.current;
  if (cur && cur.outcome === "diverged" && panel.key === "cost") {
    el("text", { x: panel.x0 + 8, y: PY0 + 18, "font-size": 12, fill: "#b91c1c",
                 "font-weight": 600 }, g, cur.note || "diverged");
  }
}

function drawLegend(svg, state) {
  const g = el("g", { class: "legend" }, svg);
  let y = PY0 - 8;
  const key = (dash, text) => {
    el("line", { x1: LEGEND_X, x2: LEGEND_X + 26, y1: y, y2: y, stroke: "#374151",
                 "stroke-width": 2, "stroke-dasharray": dash }, g);
    el("text", { x: LEGEND_X + 32, y: y + 4, "font-size": 12, fill: "#111827" }, g, text);
    y += 18;
  };
  key("none", "validation");
  key("6 4", "train");
  y += 6;
  const entry = (run, head) => {
    el("rect", { x: LEGEND_X, y: y - 6, width: 26, height: 4, fill: run.color,
                 "fill-opacity": head ? 1 : 0.6 }, g);
    const label = run.label + (run.outcome === "diverged" ? " (diverged)" : "");
    el("text", { x: LEGEND_X + 32, y: y, "font-size": 11, fill: "#111827",
                 "font-weight": head ? 700 : 400 }, g, label);
    y += 17;
  };
  if (state.current && state.current.label) entry(state.current, true);
  if (state.faded.length) {
    el("text", { x: LEGEND_X, y: y + 2, "font-size": 11, fill: "#6b7280" }, g, "earlier runs");
    y += 16;
    for (const run of [...state.faded].reverse()) entry(run, false);
  }
}

function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "handin-chart";
  root.style.cssText = "font-family: system-ui, sans-serif; max-width: 960px;";
  const status = document.createElement("div");
  status.className = "handin-status";
  status.style.cssText = "font-size: 14px; line-height: 1.4; margin: 4px 0 2px 0; padding-left: 6px; color: #111827; min-height: 1.4em;";
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img",
                          "aria-label": "learning curves" });
  svg.style.maxWidth = W + "px";
  root.appendChild(status);
  root.appendChild(svg);
  host.appendChild(root);

  let queued = false;
  const draw = () => {
    queued = false;
    const state = {
      current: model.get("current") || {},
      faded: model.get("faded") || [],
      limits: model.get("limits") || {},
    };
    if (!state.current.points) state.current = null;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    for (const panel of PANELS) drawPanel(svg, panel, state);
    drawLegend(svg, state);
    status.textContent = model.get("status") || "";
    const cur = state.current;
    const epochs = cur ? Math.max(0, ...Object.values(cur.points).map((p) => p.length)) : 0;
    root.setAttribute("data-runs", String(state.faded.length + (cur ? 1 : 0)));
    root.setAttribute("data-epochs", String(epochs));
    root.setAttribute("data-outcome", cur ? cur.outcome : "");
  };
  const schedule = () => {
    if (!queued) { queued = true; queueMicrotask(draw); }
  };
  for (const name of ["current", "faded", "limits", "status"]) model.on("change:" + name, schedule);
  draw();
  return () => {
    for (const name of ["current", "faded", "limits", "status"]) model.off("change:" + name, schedule);
  };
}

export default { render };
