"""Figures of a classifier's results: confusion matrix, confidence, class probabilities.

Part of :mod:`handin.plots`, whose convention these follow (``ax=`` in, the Axes out).
Import them from there.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .images import MISTAKE_COLOR

__all__ = ["plot_confusion", "plot_confidence", "probability_bars"]


def plot_confusion(C, class_names=None, ax=None, *, title=None, colorbar=False):
    """A confusion matrix as a heat map with every non-zero count written in its cell.

    Colours follow the square root of the counts, so that the few mistakes off the
    diagonal stay visible next to the many correct predictions on it.

    Parameters
    ----------
    C : ndarray of shape (n_classes, n_classes)
        ``C[i, j]`` = samples of true class ``i`` predicted as ``j``, as made by
        :func:`handin.metrics.confusion_matrix`.
    class_names : sequence of str, optional
        Tick labels (default ``0 .. n_classes - 1``).
    ax : matplotlib.axes.Axes, optional
        Drawn on if given; otherwise a new ``Figure`` (no pyplot state) is made.
    title : str, optional
        Default: the number of samples and the accuracy ``trace(C) / sum(C)``.
    colorbar : bool, default=False

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_confusion(np.array([[5, 1], [0, 4]]), ["cat", "dog"])
    >>> ax.get_title(), [t.get_text() for t in ax.texts]
    ('10 samples, accuracy 0.900', ['5', '1', '4'])
    """
    from matplotlib.colors import PowerNorm

    C = np.asarray(C)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"C must be a square matrix (n_classes, n_classes), got shape {C.shape}.")
    k = C.shape[0]
    if ax is None:
        ax = Figure(figsize=(0.5 * k + 1.5, 0.5 * k + 1.2), layout="constrained").subplots()
    norm = PowerNorm(0.5, vmin=0, vmax=max(float(C.max()), 1.0))
    im = ax.imshow(C, cmap="Blues", norm=norm)
    names = [str(i) for i in range(k)] if class_names is None else [str(s) for s in class_names]
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(k), names)
    ax.set(xlabel="predicted label", ylabel="true label")
    for i, j in zip(*np.nonzero(C)):
        ax.text(j, i, str(C[i, j]), ha="center", va="center", fontsize="small",
                color="white" if norm(C[i, j]) > 0.6 else "black")
    total = int(C.sum())
    if title is None:
        acc = np.trace(C) / total if total else float("nan")
        title = f"{total} samples, accuracy {acc:.3f}"
    ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label="count")
    return ax


def plot_confidence(P, y, ax=None, *, bins=20):
    """Histograms of the network's confidence, for its right and its wrong predictions.

    The confidence of a prediction is the largest probability in its row of ``P``.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_classes)
        Class probabilities, e.g. ``handin.predict_proba(X, params)``.
    y : ndarray of shape (n_samples,)
        True labels.
    ax : matplotlib.axes.Axes, optional
        Drawn on if given; otherwise a new ``Figure`` (no pyplot state) is made.
    bins : int, default=20
        Equal-width bins over [1 / n_classes, 1].

    Returns
    -------
    ax : matplotlib.axes.Axes
        With a log-scaled count axis (right predictions far outnumber wrong ones).

    Examples
    --------
    >>> P = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8]])
    >>> ax = plot_confidence(P, np.array([0, 0, 1]))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['right (2)', 'wrong (1)']
    >>> sorted({p.get_alpha() for p in ax.patches})     # opaque: no colour mixed by overlap
    [None]
    """
    P, y = np.asarray(P), np.asarray(y)
    if ax is None:
        ax = Figure(figsize=(5, 3.2), layout="constrained").subplots()
    confidence, right = P.max(axis=1), P.argmax(axis=1) == y
    edges = np.linspace(1.0 / P.shape[1], 1.0, int(bins) + 1)
    # side by side in each bin, opaque: every colour drawn is one of the legend's (bars
    # that overlap with transparency would mix a third), and the wrong ones hatched too
    _, _, (bars_right, bars_wrong) = ax.hist(
        [confidence[right], confidence[~right]], bins=edges, color=["tab:blue", MISTAKE_COLOR],
        label=[f"right ({int(right.sum())})", f"wrong ({int((~right).sum())})"])
    for bar in bars_wrong:
        bar.set_hatch("///")
        bar.set_edgecolor("white")
    ax.set_yscale("log")
    ax.set(xlabel="confidence: largest probability in the row of P", ylabel="predictions",
           title="How sure is the network?")
    ax.legend()
    return ax


def probability_bars(P, ax=None, *, class_names=None, title="class probabilities"):
    """Bar chart of one sample's class probabilities; the most likely class in orange.

    Parameters
    ----------
    P : array-like of shape (n_classes,)
        E.g. ``handin.predict_proba(x[None, :], params)[0]``.
    ax : matplotlib Axes, optional
        Drawn on if given; else a new figure is made.
    class_names : sequence of str, optional
        Tick labels, default ``0 .. n_classes - 1``.
    title : str, default="class probabilities"

    Returns
    -------
    ax : matplotlib Axes
    """
    P = np.asarray(P, dtype=float)
    if P.ndim != 1 or P.size == 0:
        raise ValueError(f"P must be a 1-D array of class probabilities, got shape {P.shape}.")
    names = [str(i) for i in range(P.size)] if class_names is None else [str(s) for s in class_names]
    if len(names) != P.size:
        raise ValueError(f"class_names must have {P.size} names, one per class, got {len(names)}.")
    if ax is None:
        ax = Figure(figsize=(4.5, 2.8), layout="constrained").subplots()
    colors = ["tab:blue"] * P.size
    colors[int(np.argmax(P))] = "tab:orange"
    ax.bar(np.arange(P.size), P, color=colors)
    ax.set(xticks=np.arange(P.size), ylim=(0, 1), xlabel="class", ylabel="probability",
           title=title)
    ax.set_xticklabels(names)
    return ax
