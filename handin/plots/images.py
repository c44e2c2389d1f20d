"""Figures of images: digits with their labels, and first-layer weights as images.

Part of :mod:`handin.plots`, whose convention these follow (``ax=``/``axes=`` in, the
Axes out; ink dark on a light ground). Import them from there.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["show_digits", "show_weights", "MISTAKE_COLOR"]

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
