"""Figures of the book. Every function draws on matplotlib Axes it is given (or
makes them) and returns them; nothing here calls ``plt.show``."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["loss_acc_axes", "plot_history", "epoch_plots"]

TRAIN_STYLE = dict(color="tab:blue", marker="o", markersize=3)
VAL_STYLE = dict(color="tab:orange", marker="s", markersize=3)


def loss_acc_axes(fig=None, figsize=(10, 3.8)):
    """A figure with the two panels of the exercise: "Loss Per Epoch" and "Accuracy Per Epoch".

    Parameters
    ----------
    fig : matplotlib.figure.Figure, optional
        Drawn on if given; otherwise a new ``Figure`` (no pyplot state) is made.

    Returns
    -------
    ax_loss, ax_acc : matplotlib.axes.Axes
    """
    if fig is None:
        fig = Figure(figsize=figsize, layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.set(title="Loss Per Epoch", xlabel="epoch", ylabel="cost (cross-entropy + decay)")
    ax_acc.set(title="Accuracy Per Epoch", xlabel="epoch", ylabel="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(True, alpha=0.3)
    return ax_loss, ax_acc


def plot_history(history, axes=None, *, label=None, alpha=1.0):
    """Draw train and validation curves of a :class:`handin.train.History`.

    Parameters
    ----------
    history : History or dict
        With ``epoch, train_loss, train_acc, val_loss, val_acc``.
    axes : (Axes, Axes), optional
        Loss and accuracy axes; made by :func:`loss_acc_axes` if omitted.
    label : str, optional
        Prefix for the legend entries (e.g. the run's hyperparameters).
    alpha : float, default=1.0

    Returns
    -------
    ax_loss, ax_acc : matplotlib.axes.Axes
    """
    h = history.as_dict() if hasattr(history, "as_dict") else history
    ax_loss, ax_acc = axes if axes is not None else loss_acc_axes()
    prefix = f"{label}: " if label else ""
    for ax, key in ((ax_loss, "loss"), (ax_acc, "acc")):
        ax.plot(h["epoch"], h[f"train_{key}"], label=f"{prefix}train", alpha=alpha, **TRAIN_STYLE)
        ax.plot(h["epoch"], h[f"val_{key}"], label=f"{prefix}validation", alpha=alpha, **VAL_STYLE)
        ax.legend(loc="best", fontsize="small")
        if len(h["epoch"]):
            ax.set_xticks(_epoch_ticks(h["epoch"][-1]))
    return ax_loss, ax_acc


def _epoch_ticks(last):
    step = max(1, int(np.ceil(last / 10)))
    return np.arange(1, last + 1, step)


def epoch_plots(history, path=None, *, title=None):
    """The exercise's two-panel figure; saved to ``path`` (e.g. ``epoch_plots.png``) if given.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    ax_loss, ax_acc = plot_history(history)
    fig = ax_loss.figure
    if title:
        fig.suptitle(title)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
