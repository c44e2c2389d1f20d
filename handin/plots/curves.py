"""Learning curves, and the convention every figure of the book follows.

One convention: a function that draws takes the Axes to draw on — ``ax=`` for one,
``axes=`` for several — and returns them. Without them it makes a new ``Figure``
(no pyplot state) and returns the Axes it made; their ``.figure`` is the figure (or the
``SubFigure``) to show or save. Titles of a whole grid go to that figure's suptitle,
titles of one Axes to the Axes. Two makers of whole figures, :func:`cost_acc_axes`
(the exercise's two panels, on ``fig=``) and :func:`epoch_plots` (the exercise's saved
figure), are named for what they return. Nothing here calls ``plt.show``.

Images of digits are drawn as on paper: ink dark on a light ground (``gray_r``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["cost_acc_axes", "plot_history", "epoch_plots", "plot_batch_costs"]

TRAIN_STYLE = dict(color="tab:blue", marker="o", markersize=3)
VAL_STYLE = dict(color="tab:orange", marker="s", markersize=3)


def cost_acc_axes(fig=None, figsize=(10, 3.8)):
    """A figure with the two panels of the exercise: "Loss Per Epoch" and "Accuracy Per Epoch".

    Parameters
    ----------
    fig : matplotlib.figure.Figure, optional
        Drawn on if given; otherwise a new ``Figure`` (no pyplot state) is made.

    Returns
    -------
    ax_cost, ax_acc : matplotlib.axes.Axes
    """
    if fig is None:
        fig = Figure(figsize=figsize, layout="constrained")
    ax_cost, ax_acc = fig.subplots(1, 2)
    ax_cost.set(title="Loss Per Epoch", xlabel="epoch", ylabel="cost (cross-entropy + decay)")
    ax_acc.set(title="Accuracy Per Epoch", xlabel="epoch", ylabel="accuracy")
    for ax in (ax_cost, ax_acc):
        ax.grid(True, alpha=0.3)
    return ax_cost, ax_acc


def plot_history(history, axes=None, *, label=None, alpha=1.0):
    """Draw train and validation curves of a :class:`handin.train.History`.

    Parameters
    ----------
    history : History or dict
        With ``epoch, train_cost, train_acc, val_cost, val_acc``.
    axes : (Axes, Axes), optional
        Loss and accuracy axes; made by :func:`cost_acc_axes` if omitted.
    label : str, optional
        Prefix for the legend entries (e.g. the run's hyperparameters).
    alpha : float, default=1.0

    Returns
    -------
    ax_cost, ax_acc : matplotlib.axes.Axes
    """
    h = history.as_dict() if hasattr(history, "as_dict") else history
    ax_cost, ax_acc = axes if axes is not None else cost_acc_axes()
    prefix = f"{label}: " if label else ""
    for ax, key in ((ax_cost, "cost"), (ax_acc, "acc")):
        ax.plot(h["epoch"], h[f"train_{key}"], label=f"{prefix}train", alpha=alpha, **TRAIN_STYLE)
        ax.plot(h["epoch"], h[f"val_{key}"], label=f"{prefix}validation", alpha=alpha, **VAL_STYLE)
        ax.legend(loc="best", fontsize="small")
        if len(h["epoch"]):
            ax.set_xticks(_epoch_ticks(h["epoch"][-1]))
    return ax_cost, ax_acc


def _epoch_ticks(last):
    step = max(1, int(np.ceil(last / 10)))
    return np.arange(1, last + 1, step)


def epoch_plots(history, path=None, *, title=None):
    """The exercise's two-panel figure; saved to ``path`` (e.g. ``epoch_plots.png``) if given.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    ax_cost, ax_acc = plot_history(history)
    fig = ax_cost.figure
    if title:
        fig.suptitle(title)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def plot_batch_costs(traces, ax=None, *, batches_per_epoch=None, diverged=(), title=None):
    """Per-batch cross-entropy curves on a log y axis, one line per run.

    Parameters
    ----------
    traces : dict of str to sequence of float
        Label to ``History.batch_cross_entropy`` (one number per batch); non-finite
        values are left out.
    ax : matplotlib Axes, optional
        Drawn on if given; else a new figure is made.
    batches_per_epoch : int, optional
        If given, the x axis counts epochs (batch ``b`` at ``b / batches_per_epoch``);
        else batches.
    diverged : collection of str, optional
        Labels of runs that diverged: their last drawn value is marked with an ``x``.
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes
    """
    if ax is None:
        ax = Figure(figsize=(7, 3.6), layout="constrained").subplots()
    per = 1.0 if batches_per_epoch is None else float(batches_per_epoch)
    for label, values in traces.items():
        v = np.asarray(values, dtype=float)
        x = np.arange(1, v.size + 1) / per
        ok = np.isfinite(v) & (v > 0)
        (line,) = ax.plot(x[ok], v[ok], lw=0.9, label=label)
        if label in diverged and ok.any():
            last = np.flatnonzero(ok)[-1]
            ax.plot(x[last], v[last], "x", color=line.get_color(), ms=9, mew=2)
    ax.set_yscale("log")
    ax.set(xlabel="epoch" if batches_per_epoch else "batch", ylabel="batch cross-entropy")
    if title:
        ax.set_title(title)
    if traces:
        ax.legend(fontsize="small")
    return ax
