"""Figures of the book.

One convention: a function that draws takes the Axes to draw on — ``ax=`` for one,
``axes=`` for several — and returns them. Without them it makes a new ``Figure``
(no pyplot state) and returns the Axes it made; their ``.figure`` is the figure (or the
``SubFigure``) to show or save. Titles of a whole grid go to that figure's suptitle,
titles of one Axes to the Axes. Two makers of whole figures, :func:`loss_acc_axes`
(the exercise's two panels, on ``fig=``) and :func:`epoch_plots` (the exercise's saved
figure), are named for what they return. Nothing here calls ``plt.show``.

Images of digits are drawn as on paper: ink dark on a light ground (``gray_r``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["loss_acc_axes", "plot_history", "epoch_plots", "show_digits", "show_weights",
           "plot_confusion", "plot_confidence", "probability_bars"]

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


# --- What the network sees and learned (chapters 3 and 4) --------------------------------

MISTAKE_COLOR = "tab:red"


def _given_axes(axes, n):
    """The first ``n`` of ``axes`` (flattened), ticks off; the others are removed."""
    axes = np.ravel(np.asarray(axes, dtype=object))
    if len(axes) < n:
        raise ValueError(f"axes must hold at least n = {n} Axes, got {len(axes)}.")
    for ax in axes[n:]:
        ax.remove()
    for ax in axes[:n]:
        ax.set_xticks([])
        ax.set_yticks([])
    return axes[:n]


def _grid(fig, n, ncols, size):
    """``n`` image axes in rows of ``ncols`` on ``fig`` (a new Figure of ``size`` per cell if None)."""
    ncols = max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    if fig is None:
        fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.remove()
    for ax in axes[:n]:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig, axes[:n]


def show_digits(X, y=None, *, n=20, pred=None, prob=None, class_names=None, ncols=10,
                image_shape=(28, 28), title=None, axes=None, fig=None):
    """A grid of images with their labels, and predictions if given (mistakes in red).

    Parameters
    ----------
    X : ndarray of shape (n_samples, 784) or (n_samples, 28, 28)
        Images as rows of pixels (0..255 or scaled to [0, 1]), drawn dark on light.
    y : ndarray of shape (n_samples,), optional
        True labels, shown above each image.
    n : int, default=20
        Show the first ``n`` images (fewer if ``X`` has fewer rows).
    pred : ndarray of shape (n_samples,), optional
        Predicted labels: titles become ``"true → predicted"`` and a wrong
        prediction gets a red title and a red frame.
    prob : ndarray of shape (n_samples,), optional
        A probability per image, e.g. the one given to the predicted class,
        shown as ``p = 0.97`` under the label.
    class_names : sequence of str, optional
        Name of each label (default: the label itself).
    ncols : int, default=10
        Images per row.
    image_shape : (int, int), default=(28, 28)
    title : str, optional
        Title above the grid (the suptitle of the Axes' figure).
    axes : array-like of matplotlib.axes.Axes, optional
        At least ``n`` Axes to draw on, e.g. ``fig.subplots(2, 6)``; Axes left over are
        removed. Default: a grid of ``ncols`` columns on ``fig`` or on a new ``Figure``.
    fig : matplotlib.figure.Figure or SubFigure, optional
        Where to make that grid when ``axes`` is not given (kept for chapters written
        before ``axes=``; prefer ``axes=fig.subplots(...)``).

    Returns
    -------
    axes : ndarray of matplotlib.axes.Axes
        One Axes per image, in the order of the rows of ``X``.

    Examples
    --------
    >>> X = np.random.default_rng(0).random((6, 784))
    >>> axes = show_digits(X, np.arange(6), pred=np.array([0, 1, 2, 3, 4, 0]), ncols=3)
    >>> [ax.get_title() for ax in axes]
    ['0 → 0', '1 → 1', '2 → 2', '3 → 3', '4 → 4', '5 → 0']
    """
    X = np.asarray(X)
    n = min(int(n), len(X))
    if n < 1:
        raise ValueError("show_digits needs at least one image; X is empty or n < 1.")
    name = (lambda k: str(class_names[int(k)])) if class_names is not None else str
    extra = (pred is not None) + (prob is not None)
    if axes is None:
        fig, axes = _grid(fig, n, ncols, (1.0, 1.05 + 0.2 * extra))
    else:
        axes = _given_axes(axes, n)
        fig = axes[0].figure
    vmax = 255.0 if X.max() > 1 else 1.0
    for i, ax in enumerate(axes):
        ax.imshow(X[i].reshape(image_shape), cmap="gray_r", vmin=0.0, vmax=vmax)
        wrong = pred is not None and y is not None and pred[i] != y[i]
        if pred is None:
            text = "" if y is None else name(y[i])
        else:
            text = f"{'?' if y is None else name(y[i])} → {name(pred[i])}"
        if prob is not None:
            text += f"\np = {float(prob[i]):.2f}"
        ax.set_title(text, fontsize="small", color=MISTAKE_COLOR if wrong else "black")
        for spine in ax.spines.values():
            if wrong:
                spine.set(color=MISTAKE_COLOR, linewidth=2.0)
            else:
                spine.set_visible(False)
    if title:
        fig.suptitle(title)
    return axes


def show_weights(W1, *, n=32, units=None, ncols=8, vmax=None, image_shape=(28, 28),
                 cmap="RdBu_r", colorbar=True, label="weight", title=None, gap=2, ax=None,
                 fig=None):
    """First-layer weights: column ``j`` of ``W1`` drawn as the image hidden unit ``j`` looks for.

    Hidden unit ``j`` computes ``Z1[:, j] = X @ W1[:, j] + b1[j]``, so the 784
    weights of column ``j`` are a template over the pixels: red where ink raises
    the unit's input, blue where ink lowers it, white where the pixel does not
    matter. The colour scale is centred at 0 and shared by all the images.

    The images are tiled into one mosaic on a single Axes, ``gap`` grey pixels
    apart: one image to render instead of one Axes per unit, which keeps a
    figure of 256 units quick to draw.

    Parameters
    ----------
    W1 : ndarray of shape (784, n_hidden)
    n : int, default=32
        Show the first ``n`` hidden units (ignored if ``units`` is given).
    units : sequence of int, optional
        Which hidden units (columns of ``W1``) to show.
    ncols : int, default=8
    vmax : float, optional
        The colour scale runs from ``-vmax`` to ``vmax``. Default: the largest
        ``|W1|`` among the units shown. Give the same ``vmax`` to figures you compare.
    image_shape : (int, int), default=(28, 28)
    cmap : str, default="RdBu_r"
        A diverging colormap (negative blue, zero white, positive red).
    colorbar : bool, default=True
    label : str, default="weight"
        Label of the colourbar.
    title : str, optional
        The Axes' title, right above the mosaic.
    gap : int, default=2
        Pixels between neighbouring images in the mosaic.
    ax : matplotlib.axes.Axes, optional
        Drawn on if given (the colourbar goes beside it, on its figure).
    fig : matplotlib.figure.Figure or SubFigure, optional
        Where to make the Axes when ``ax`` is not given (kept for chapters written
        before ``ax=``; prefer ``ax=fig.subplots()``). Default: a new ``Figure``.

    Returns
    -------
    ax : matplotlib.axes.Axes
        Holding the mosaic, an image of shape
        ``(rows * (28 + gap) - gap, ncols * (28 + gap) - gap)`` whose gaps and
        unused cells are NaN (drawn grey); the unit shown at row ``r``, column ``k`` of the
        grid is ``units[r * ncols + k]``. Its colour scale is ``ax.images[0].get_clim()``.

    Examples
    --------
    >>> W1 = np.random.default_rng(0).normal(size=(784, 10))
    >>> ax = show_weights(W1, n=6, ncols=3)
    >>> ax.images[0].get_array().shape          # 2 rows and 3 columns of 28 x 28
    (58, 88)
    """
    W1 = np.asarray(W1)
    if W1.ndim != 2 or W1.shape[0] != int(np.prod(image_shape)):
        raise ValueError(f"W1 must have shape ({int(np.prod(image_shape))}, n_hidden), "
                         f"got {W1.shape}.")
    units = np.arange(min(int(n), W1.shape[1])) if units is None else np.asarray(units, int)
    if len(units) < 1:
        raise ValueError("show_weights needs at least one unit to show.")
    if vmax is None:
        vmax = float(np.abs(W1[:, units]).max()) or 1.0
    import matplotlib

    h, w = image_shape
    ncols = max(1, min(int(ncols), len(units)))
    nrows = -(-len(units) // ncols)
    mosaic = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), np.nan)
    for k, j in enumerate(units):
        r, c = divmod(k, ncols)
        mosaic[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = \
            W1[:, j].reshape(image_shape)
    if ax is None:
        if fig is None:
            fig = Figure(figsize=(0.8 * ncols + 1.2, 0.8 * nrows + 0.4), layout="constrained")
        ax = fig.subplots()
    im = ax.imshow(mosaic, cmap=matplotlib.colormaps[cmap].with_extremes(bad="0.75"),
                   vmin=-vmax, vmax=vmax, interpolation="nearest")
    ax.set_axis_off()
    if colorbar:
        ax.figure.colorbar(im, ax=ax, shrink=0.8, label=label)
    if title:
        ax.set_title(title)
    return ax


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
    """
    P, y = np.asarray(P), np.asarray(y)
    if ax is None:
        ax = Figure(figsize=(5, 3.2), layout="constrained").subplots()
    confidence, right = P.max(axis=1), P.argmax(axis=1) == y
    edges = np.linspace(1.0 / P.shape[1], 1.0, int(bins) + 1)
    ax.hist(confidence[right], bins=edges, color="tab:blue", alpha=0.7,
            label=f"right ({int(right.sum())})")
    ax.hist(confidence[~right], bins=edges, color=MISTAKE_COLOR, alpha=0.7,
            label=f"wrong ({int((~right).sum())})")
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


__all__ += ["plot_batch_costs"]
