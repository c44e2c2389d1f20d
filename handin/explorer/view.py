"""The explorer's widgets: sliders, buttons, the alert box and the live chart, laid out.

No training and no scheduling here: :class:`handin.explorer.Explorer` connects this view
to a :class:`~handin.explorer.runs.RunController` and a
:class:`~handin.explorer.schedule.Scheduler`.
"""

from __future__ import annotations

import html
import math
import traceback

import ipywidgets as widgets
import traitlets

from .chart import LiveChart
from .runs import (BATCH_OPTIONS, C_OPTIONS, EPOCHS_RANGE, HIDDEN_OPTIONS, LR_RANGE,
                            check_values, n_train_options)
from ..hyperparameters import fmt_c

__all__ = ["ExplorerView"]


class _LogSlider(widgets.FloatLogSlider):
    """A FloatLogSlider whose readout drops trailing zeros (d3's ``~``: 7.94, 0.002, 10), as
    :func:`handin.hyperparameters.fmt_lr` writes every label. ipywidgets' own check of the
    format predates ``~``, which the front end's d3-format understands."""

    readout_format = traitlets.Unicode(".3~g").tag(sync=True)


class ExplorerView:
    """The widgets of the explorer.

    Attributes
    ----------
    widget : ipywidgets.VBox
        Everything, laid out.
    controls : dict
        ``lr, hidden, c, epochs, batch_size, n_train`` sliders (``continuous_update=False``:
        a slider sends its value once, when released).
    train_button, stop_button, clear_button : ipywidgets.Button
    alert : ipywidgets.HTML
        Divergence and error messages.
    chart : handin.explorer.chart.LiveChart
        The live chart, with the status line.
    """

    def __init__(self, values, n_all):
        self.n_all = n_all
        common = dict(continuous_update=False, style={"description_width": "110px"},
                      layout=widgets.Layout(width="330px"))
        n_options = [(str(n), n) for n in n_train_options(n_all)[:-1]]
        n_options.append((f"all ({n_all})", n_all))
        lo, hi = (math.log10(x) for x in LR_RANGE)
        self.controls = {
            "lr": _LogSlider(value=values["lr"], base=10, min=lo, max=hi, step=0.1,
                             description="learning rate", **common),
            "hidden": widgets.SelectionSlider(options=HIDDEN_OPTIONS, value=values["hidden"],
                                              description="hidden units", **common),
            "c": widgets.SelectionSlider(options=[(fmt_c(c), c) for c in C_OPTIONS],
                                         value=values["c"], description="weight decay c",
                                         **common),
            "epochs": widgets.IntSlider(value=values["epochs"], min=EPOCHS_RANGE[0],
                                        max=EPOCHS_RANGE[1], description="epochs", **common),
            "batch_size": widgets.SelectionSlider(options=BATCH_OPTIONS,
                                                  value=values["batch_size"],
                                                  description="batch size", **common),
            "n_train": widgets.SelectionSlider(options=n_options, description="training rows",
                                               value=self.rows(values["n_train"]), **common),
        }
        # no icons: an icon-font glyph would be read as part of the button's name
        self.train_button = widgets.Button(description="Train",
                                           tooltip="train with the current values")
        self.stop_button = widgets.Button(description="Stop", tooltip="stop the run in progress")
        self.clear_button = widgets.Button(description="Clear runs",
                                           tooltip="remove the curves of earlier runs")
        self.alert = widgets.HTML()
        self.chart = LiveChart()
        self.alert_text = ""
        self.errors = []           # every exception shown
        wrap = widgets.Layout(flex_flow="row wrap")
        self.widget = widgets.VBox([
            widgets.HBox(list(self.controls.values()), layout=wrap),
            widgets.HBox([self.train_button, self.stop_button, self.clear_button],
                         layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
            self.alert,
            self.chart,
        ])

    def rows(self, n_train):
        """``n_train`` as a number of rows (None: all)."""
        return self.n_all if n_train is None else n_train

    def values(self):
        """The current control values (``n_train`` as a number of rows)."""
        return {name: w.value for name, w in self.controls.items()}

    def apply(self, values, observer):
        """Set control values with ``observer`` disconnected; True if any value changed.

        Raises ParameterError (naming the control and its range) before changing any.
        """
        if "n_train" in values:
            values = {**values, "n_train": self.rows(values["n_train"])}
        check_values(values, self.n_all)
        changed = False
        for name, value in values.items():
            w = self.controls[name]
            if w.value != value:
                w.unobserve(observer, names="value")
                try:
                    w.value = int(value) if name == "epochs" else value
                finally:
                    w.observe(observer, names="value")
                changed = True
        return changed

    def set_alert(self, text, kind="warning", details=""):
        """Show ``text`` in a coloured box (``kind`` "warning" or "error"); '' hides it."""
        self.alert_text = text
        if not text:
            self.alert.value = ""
            return
        colour = {"warning": ("#b45309", "#fffbeb"), "error": ("#b91c1c", "#fef2f2")}[kind]
        body = html.escape(text)
        if details:
            body += (f"<details><summary>traceback</summary><pre style='white-space:pre-wrap;"
                     f"font-size:smaller'>{html.escape(details)}</pre></details>")
        self.alert.value = (f"<div role='alert' style='border-left:4px solid {colour[0]};"
                            f"background:{colour[1]};"
                            f"color:#1f2937;padding:4px 8px;margin:2px 0'>{body}</div>")

    def show_start(self, record, status, retire=False, keep=False):
        """A new run: fade (``keep``) or drop the run shown, and draw the new one empty."""
        if retire:
            self.chart.retire(keep=keep)
        self.set_alert("")
        self.chart.start(record.label, record.values["epochs"], status=status)

    def show_end(self, record, status):
        """A run ended: its last values and outcome; divergence and errors in the alert."""
        diverged = record.outcome == "diverged"
        epochs = len(record.history)
        note = (f"diverged in epoch {record.error.epoch}" if diverged else
                f"stopped after {epochs} epoch{'s' * (epochs != 1)}"
                if record.outcome == "stopped" else "")
        self.chart.update(record.history, outcome=record.outcome, note=note, status=status)
        if diverged:
            self.set_alert(str(record.error), kind="warning")
        elif record.outcome == "error":
            self.show_error(record.error)

    def show_error(self, exc):
        self.errors.append(exc)
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.set_alert(f"{type(exc).__name__}: {exc}", kind="error", details=tb)

    def close(self):
        """Close every widget (their views disappear from the page)."""
        for w in [*self.controls.values(), self.train_button, self.stop_button,
                  self.clear_button, self.alert, self.chart, *self.widget.children,
                  self.widget]:
            w.close()
