"""The explorer's live chart: the kernel sends numbers, the browser draws them.

:class:`LiveChart` is an `anywidget <https://anywidget.dev>`_ whose front end
(``chart.js``, shipped inside the package and sent inline: no CDN, no network)
draws the two panels of the exercise as SVG: cost and accuracy per epoch, train and
validation. Per epoch the kernel sends one small message (the current run's finite values,
the axis limits, the status line); earlier runs are sent once, when they are retired.

One line-style convention for every run: **validation solid, train dashed**; a run's
colour and marker shape name it (runs are told apart without colour; every colour has at
least 3:1 contrast against white, as WCAG asks of graphics). The run in progress is drawn
thick, earlier runs thinner in their own colours, all labelled with their values in a
legend below the panels that wraps at any width. A diverged run keeps its label with
"(diverged in epoch N)" and a red cross on its last finite point. The browser lays the
chart out at the width it is given (text keeps its size) and gives its numbers as text
too: a summary per run (the chart's ``aria-label``) and a table of every epoch, behind a
toggle; a polite live region announces when a run starts and ends. It also gives the
explorer's sliders their accessible names and value text (their description and readout),
which ipywidgets leaves out.

The DOM contract (tests and benchmarks rely on it): the chart's root element has the CSS
class ``handin-chart`` and the attributes ``data-runs`` (runs drawn, the current one
included) and ``data-epochs`` (epochs drawn of the current run), updated at every redraw;
the status line inside it has the class ``handin-status``.

:meth:`LiveChart.png` draws the same state with matplotlib (:mod:`handin.explorer.figure`),
for static pictures and exports.
"""

from __future__ import annotations

import pathlib

import anywidget
import numpy as np
import traitlets

__all__ = ["LiveChart", "CURVES", "MARKERS", "cost_limits", "acc_limits"]

CURVES = ("train_cost", "val_cost", "train_acc", "val_acc")
#: Colours of the runs, each at least 4.5:1 against white. A run takes the first colour no
#: run on the chart has when it starts, and keeps it when it is no longer the current run
#: (which is told apart by its thicker line).
RUN_COLORS = ("#1f4e9c", "#15803d", "#b91c1c", "#7e22ce", "#92400e", "#be185d", "#0e7490",
              "#4b5563", "#a16207")
#: Marker shapes (matplotlib's codes; the browser draws the same), one per run in turn.
MARKERS = ("o", "s", "^", "D", "v", "p", "h")


def _finite(values):
    values = np.asarray(values, dtype=float)
    return values[np.isfinite(values)]


def cost_limits(values):
    """(0, top): top a round number above the finite costs, capped at 20 x max(ln 10, median).

    >>> cost_limits(np.array([0.3, 0.6]))
    (0.0, 0.8)
    """
    values = _finite(values)
    if values.size == 0:
        return 0.0, 2.5
    top = min(float(values.max()), 20.0 * max(np.log(10.0), float(np.median(values))))
    top = max(top, 1e-3) * 1.05
    scale = 10.0 ** np.floor(np.log10(top))
    nice = next(m for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * scale >= top)
    return 0.0, float(round(nice * scale, 12))


def acc_limits(values):
    """(bottom, 1.01): bottom a multiple of 0.05 at least 0.02 below the finite accuracies.

    >>> acc_limits(np.array([0.8, 0.9]))
    (0.75, 1.01)
    """
    values = _finite(values)
    if values.size == 0:
        return 0.0, 1.01
    lo = np.floor((float(values.min()) - 0.02) * 20.0) / 20.0
    return float(min(max(lo, 0.0), 0.9)), 1.01


def _points(history):
    """{curve: [[epoch, value], ...]} of the finite values of a History (or dict)."""
    h = history.as_dict() if hasattr(history, "as_dict") else history
    out = {}
    for curve in CURVES:
        out[curve] = [[int(e), float(v)] for e, v in zip(h["epoch"], h[curve])
                      if np.isfinite(v)]
    return out


class LiveChart(anywidget.AnyWidget):
    """The live two-panel chart (see the module docstring).

    Parameters
    ----------
    max_faded : int, default=6
        Earlier runs kept (at most 6: one marker shape each, and one for the current run);
        older ones are dropped.

    Examples
    --------
    >>> from handin.train import History
    >>> chart = LiveChart()
    >>> chart.start("lr=0.1 h=256 c=1e-4", epochs=3)
    >>> chart.update(History(epoch=[1, 2], train_cost=[0.5, 0.3], train_acc=[0.8, 0.9],
    ...                      val_cost=[0.6, float("nan")], val_acc=[0.8, 0.85]))
    >>> chart.data()["current"]["val_cost"]
    ([1.0], [0.6])
    >>> chart.limits
    {'x': [0.5, 3.5], 'cost': [0.0, 0.8], 'acc': [0.75, 1.01]}
    """

    _esm = (pathlib.Path(__file__).with_name("chart.js")).read_text(encoding="utf-8")

    #: The run in progress: {"label", "epochs", "color", "outcome", "note", "points"} or {}.
    current = traitlets.Dict().tag(sync=True)
    #: Earlier runs, oldest first, each like ``current``.
    faded = traitlets.List().tag(sync=True)
    #: {"x": [lo, hi], "cost": [lo, hi], "acc": [lo, hi]}
    limits = traitlets.Dict().tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    #: Number of redraws the kernel asked for (every state change sent).
    n_sent = 0

    def __init__(self, max_faded=6, **kwargs):
        super().__init__(**kwargs)
        self.max_faded = min(int(max_faded), len(MARKERS) - 1)   # a shape for every run shown
        self.n_sent = 0
        self._rescale()

    # ------------------------------------------------------------------- runs
    def start(self, label, epochs, *, status=None):
        """Show a new, empty run (a run still shown is dropped: :meth:`retire` it first; an
        earlier run with the same label is dropped too: the new one takes its place)."""
        with self.hold_sync():
            if any(r["label"] == label for r in self.faded):
                self.faded = [r for r in self.faded if r["label"] != label]
            used = {r.get("marker") for r in self.faded}    # at most max_faded < len(MARKERS)
            colors = [r.get("color") for r in self.faded]   # the oldest's first, if all taken
            color = next((c for c in RUN_COLORS if c not in colors),
                         colors[0] if colors else RUN_COLORS[0])
            self.current = {"label": label, "epochs": max(1, int(epochs)), "outcome": "running",
                            "note": "", "color": color,
                            "marker": next((m for m in MARKERS if m not in used), MARKERS[0]),
                            "points": {c: [] for c in CURVES}}
            if status is not None:
                self.status = status
            self._rescale()
        self.n_sent += 1

    def update(self, history, *, outcome=None, note=None, status=None):
        """Give the current run the finite values of ``history``; optionally its outcome, a
        note for its label (e.g. "diverged in epoch 2") and the status line. One message."""
        if not self.current:
            return
        cur = {**self.current, "points": _points(history)}
        if outcome is not None:
            cur["outcome"] = str(outcome)
        if note is not None:
            cur["note"] = note
        with self.hold_sync():
            self.current = cur
            if status is not None:
                self.status = status
            self._rescale()
        self.n_sent += 1

    def retire(self, keep=True, label=None):
        """End the current run: keep it faded (labelled ``label``), or drop it."""
        cur, faded = self.current, list(self.faded)
        if not cur:
            return
        if keep:                         # in its own colour, as it was drawn
            faded.append({**cur, "label": cur["label"] if label is None else label})
            faded = faded[-self.max_faded:]
        with self.hold_sync():
            self.current = {}
            self.faded = faded
            self._rescale()
        self.n_sent += 1

    def clear_faded(self):
        """Remove the earlier runs."""
        with self.hold_sync():
            self.faded = []
            self._rescale()
        self.n_sent += 1

    def set_status(self, text):
        self.status = text

    # ------------------------------------------------------------- what it shows
    def _runs(self):
        return ([self.current] if self.current else []) + list(self.faded)

    def _rescale(self):
        last, cost, acc = int(self.current.get("epochs", 1)) if self.current else 1, [], []
        for run in self._runs():
            for curve, pts in run["points"].items():
                if pts:
                    last = max(last, int(pts[-1][0]))
                (cost if curve.endswith("cost") else acc).extend(v for _, v in pts)
        limits = {"x": [0.5, last + 0.5], "cost": list(cost_limits(cost)),
                  "acc": list(acc_limits(acc))}
        if limits != self.limits:
            self.limits = limits

    def data(self):
        """What is drawn, as lists: ``{"current": {curve: (x, y)} or None,
        "faded": [{"label": label, curve: (x, y), ...}, ...]}`` (oldest first)."""
        def xy(run):
            return {c: ([float(e) for e, _ in run["points"][c]], [v for _, v in run["points"][c]])
                    for c in CURVES}
        return {"current": xy(self.current) if self.current else None,
                "faded": [{"label": r["label"], **xy(r)} for r in self.faded]}

    def state(self):
        """The chart's state as plain data (what the browser draws)."""
        return {"current": dict(self.current), "faded": list(self.faded),
                "limits": dict(self.limits), "status": self.status}

    def figure(self):
        """The same chart drawn with matplotlib (a new Figure)."""
        from .figure import draw
        return draw(self.state())

    def png(self, dpi=90):
        """The chart as PNG bytes, drawn with matplotlib."""
        from .figure import png
        return png(self.state(), dpi=dpi)
