"""Your own handwriting, the MNIST way: strokes -> image -> 28 x 28 digit.

MNIST's digits were made from scans (LeCun et al.): each was scaled to fit a 20 x 20
box, keeping its aspect ratio, with anti-aliasing (so the edges are grey), and then
placed in a 28 x 28 field so that its centre of mass is at the centre of the field.
:func:`mnist_preprocess` does the same to a drawing, and :func:`rasterize_strokes`
makes the drawing from mouse strokes, in numpy, so that all of it runs (and is tested)
without a browser.

Coordinates are the canvas's: ``x`` to the right, ``y`` down, in pixels; pixel
``image[r, c]`` covers ``[c, c + 1) x [r, r + 1)``. Ink is 1, paper is 0.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_scalar

__all__ = ["rasterize_strokes", "stamp_segment", "mnist_preprocess", "centring_shift", "BOX",
           "FIELD"]

BOX, FIELD = 20, 28


def _check_stroke(stroke, i):
    pts = np.asarray(stroke, dtype=float) if len(stroke) else np.empty((0, 2))
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
        raise ValueError(f"strokes[{i}] must be a non-empty sequence of (x, y) points, "
                         f"got shape {pts.shape}.")
    if not np.all(np.isfinite(pts)):
        raise ValueError(f"strokes[{i}] holds a non-finite coordinate.")
    return pts


def stamp_segment(image, p, q, width):
    """Ink a round-capped line segment from ``p`` to ``q`` into ``image``, in place.

    Each pixel gets ``max(old, coverage)``, where the coverage falls from 1 to 0 over the
    pixel at the edge of the line (anti-aliasing). ``p == q`` stamps a dot.

    Parameters
    ----------
    image : ndarray of shape (height, width), float
    p, q : (x, y) pairs
    width : float
        Line width in pixels, > 0.

    Returns
    -------
    image : ndarray
        The same array.
    """
    (x0, y0), (x1, y1), r = p, q, width / 2
    rows = np.arange(max(int(min(y0, y1) - r - 1), 0), min(int(max(y0, y1) + r + 2), image.shape[0]))
    cols = np.arange(max(int(min(x0, x1) - r - 1), 0), min(int(max(x0, x1) + r + 2), image.shape[1]))
    if rows.size == 0 or cols.size == 0:
        return image
    py, px = rows[:, None] + 0.5, cols[None, :] + 0.5        # pixel centres
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else np.clip(((px - x0) * dx + (py - y0) * dy) / length2, 0, 1)
    dist = np.hypot(px - (x0 + t * dx), py - (y0 + t * dy))
    block = image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    np.maximum(block, np.clip(r + 0.5 - dist, 0.0, 1.0), out=block)
    return image


def rasterize_strokes(strokes, size=280, width=20.0):
    """Draw strokes as thick anti-aliased lines on a blank square image.

    Parameters
    ----------
    strokes : sequence of sequences of (x, y)
        One polyline per stroke (mouse down ... mouse up); a single point is a dot.
    size : int, default=280
        Side of the square image, in pixels.
    width : float, default=20.0
        Line width in pixels (about 2 px once a digit is scaled to MNIST's 20 x 20 box).

    Returns
    -------
    image : ndarray of shape (size, size)
        Floats in [0, 1]: 1 is ink.

    Examples
    --------
    >>> img = rasterize_strokes([[(10, 5), (10, 25)]], size=30, width=4)
    >>> img.shape, float(img.max()), float(img[15, 10]), float(img[15, 20])
    ((30, 30), 1.0, 1.0, 0.0)
    """
    size = check_scalar(size, "size", int, min_val=1)
    width = check_scalar(width, "width", float, min_val=0.0, include_min=False)
    if isinstance(strokes, (str, bytes)) or not hasattr(strokes, "__len__"):
        raise TypeError(f"strokes must be a list of strokes, each a list of (x, y) points, "
                        f"got {type(strokes).__name__}.")
    image = np.zeros((size, size))
    for i, stroke in enumerate(strokes):
        pts = _check_stroke(stroke, i)
        for p, q in zip(pts, pts[1:]) if len(pts) > 1 else [(pts[0], pts[0])]:
            stamp_segment(image, p, q, width)
    return image


def _area_matrix(n_in, n_out):
    """``(n_out, n_in)`` weights: output pixel i is the mean of the input over its span."""
    edges_out = np.linspace(0.0, n_in, n_out + 1)
    lo = np.maximum(edges_out[:-1, None], np.arange(n_in)[None, :])
    hi = np.minimum(edges_out[1:, None], np.arange(1, n_in + 1)[None, :])
    return np.clip(hi - lo, 0.0, None) * (n_out / n_in)


def mnist_preprocess(image):
    """Scale a drawing into MNIST's 20 x 20 box and centre its mass in a 28 x 28 field.

    1. Crop to the bounding box of the ink (pixels > 0).
    2. Scale so that the longer side is 20 pixels, keeping the aspect ratio, by area
       averaging (each new pixel is the mean of the old pixels it covers: anti-aliased).
    3. Place it in a 28 x 28 field, shifted by whole pixels so that its centre of mass
       (in pixel indices) is within half a pixel of (14, 14), as in MNIST; a very
       lopsided digit is kept inside the field instead.

    Parameters
    ----------
    image : ndarray of shape (height, width)
        Ink in [0, 1] (e.g. from :func:`rasterize_strokes`).

    Returns
    -------
    x : ndarray of shape (784,)
        Floats in [0, 1], rows of the 28 x 28 digit one after the other: one row of
        the network's input ``X``.

    Raises
    ------
    ValueError
        If ``image`` is not 2-D, has values outside [0, 1], or has no ink.
    """
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image must be a 2-D array (height, width), got shape {image.shape}.")
    if not np.all(np.isfinite(image)) or image.min() < 0 or image.max() > 1:
        raise ValueError("image must hold ink values in [0, 1] (for 0..255 pixels, divide by 255).")
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    if rows.size == 0:
        raise ValueError("image is empty (no ink): draw a digit first.")
    crop = image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    side = max(crop.shape)
    square = np.zeros((side, side))
    square[:crop.shape[0], :crop.shape[1]] = crop
    R = _area_matrix(side, BOX)
    small = R @ square @ R.T                                 # (20, 20), digit at the top left
    h, w = (int(np.ceil(n * BOX / side - 1e-9)) for n in crop.shape)
    mass = small.sum()
    com = ((np.arange(BOX) @ small.sum(axis=1)) / mass, (np.arange(BOX) @ small.sum(axis=0)) / mass)
    # A symmetric digit has its centre of mass exactly between two pixels: the rounding
    # below is then a tie, which the last bits of the products above (they differ from
    # one BLAS kernel to another) would break either way. Rounded to 1e-9 first, every
    # machine breaks it the same way.
    com = tuple(round(float(c), 9) for c in com)
    top, left = (int(np.clip(np.floor(FIELD / 2 - c + 0.5), 0, FIELD - n))   # whole pixels
                 for c, n in zip(com, (h, w)))
    field = np.zeros((FIELD, FIELD))
    field[top:top + h, left:left + w] = small[:h, :w]
    return np.clip(field, 0.0, 1.0).reshape(-1)


def centring_shift(digit):
    """The whole-pixel shift that brings a digit's centre of mass to the centre of its field.

    The centre of mass of ``digit`` is the mean (row, column) index of its pixels, each
    weighted by its ink; the field's centre is ``(height / 2, width / 2)``,
    (14, 14) for MNIST's 28 x 28. The shift is ``centre - centre of mass`` rounded to whole
    pixels, halves up, as in MNIST, whose digits were moved by whole pixels. (The
    reference of Chapter 6's ``my_centring_shift``; :func:`mnist_preprocess` centres the
    same way.)

    Parameters
    ----------
    digit : ndarray of shape (height, width)
        Ink, non-negative, not all zero.

    Returns
    -------
    (drow, dcol) : tuple of int
        Move the ink down by ``drow`` rows and right by ``dcol`` columns (negative: up, left).

    Raises
    ------
    ValueError
        If ``digit`` is not 2-D, has a negative or non-finite value, or has no ink.
    """
    digit = np.asarray(digit, dtype=float)
    if digit.ndim != 2:
        raise ValueError(f"digit must be a 2-D array (height, width), got shape {digit.shape}.")
    if not np.all(np.isfinite(digit)) or digit.min() < 0:
        raise ValueError("digit must hold finite, non-negative ink values.")
    mass = digit.sum()
    if mass <= 0:
        raise ValueError("digit is empty (no ink).")
    com = (np.arange(digit.shape[0]) @ digit.sum(axis=1) / mass,
           np.arange(digit.shape[1]) @ digit.sum(axis=0) / mass)
    return tuple(int(np.floor(n / 2 - round(float(c), 9) + 0.5))
                 for c, n in zip(com, digit.shape))
