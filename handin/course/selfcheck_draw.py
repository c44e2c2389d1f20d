"""The self-check of Chapter 6's exercise: the shift that centres a digit by its centre of mass.

Like :mod:`handin.course.selfcheck`: the check runs your function on small seeded digits,
compares it with :func:`handin.draw.preprocess.centring_shift` and names the usual mistake
when they differ. The digits are blobs of grey ink placed off centre, drawn so that each
usual mistake (the centre of the bounding box, ink counted as 0 or 1, rows and columns
swapped, the shift's sign, the centre taken as 13.5 for 28 x 28) gives another answer than the right one.

>>> def my_centring_shift(digit):
...     rows, cols = np.nonzero(digit)
...     h, w = digit.shape
...     return (round(h / 2 - (rows.min() + rows.max()) / 2),
...             round(w / 2 - (cols.min() + cols.max()) / 2))
>>> print(check_centring_shift(my_centring_shift))
✗ my_centring_shift: it centres the bounding box of the ink, not its centre of mass.
  MNIST centres the mass: each pixel counts with its ink (Chapter 6, §2).
"""

from __future__ import annotations

import numpy as np

from ..draw.preprocess import centring_shift
from ._hints import Failed, dims
from .selfcheck import _call, _check

__all__ = ["check_centring_shift", "digit_problem"]

_FORBID = ("draw.preprocess.centring_shift",)


def _whole(centre, point):
    """Every whole-pixel shift from ``point`` to ``centre`` a rounding could give: halves up,
    halves to even (Python's ``round``, ``np.round``), or down."""
    d = [t - x for t, x in zip(centre, point)]
    return {tuple(int(np.floor(v + 0.5)) for v in d), tuple(int(round(v)) for v in d),
            tuple(int(np.floor(v)) for v in d)}


def _variants(digit):
    """For one digit, the answers of each usual mistake: a set of shifts per name."""
    h, w = digit.shape
    rows, cols = np.nonzero(digit)
    centre, middle = (h / 2, w / 2), ((h - 1) / 2, (w - 1) / 2)

    def com(img):
        m = img.sum()
        return np.arange(h) @ img.sum(axis=1) / m, np.arange(w) @ img.sum(axis=0) / m
    right = centring_shift(digit)
    box = ((rows.min() + rows.max()) / 2, (cols.min() + cols.max()) / 2)
    return {
        "box": _whole(centre, box) | _whole(centre, (box[0] + 0.5, box[1] + 0.5)),
        "unweighted": _whole(centre, com((digit > 0).astype(float))),
        "swapped": {right[::-1]},
        "sign": {(-right[0], -right[1])},
        "middle": _whole(middle, com(digit)),
    }


def digit_problem(seed=0):
    """Seeded digits, a list of ``(height, width)`` arrays of ink in [0, 1], off centre.

    Seed 0 has four digits in 28 x 28 fields and one in a 20 x 24 field; other seeds
    other fields. Together they tell every mistake of :func:`_variants` from the right
    answer and from each other (each gives another shift on at least one digit)."""
    rng = np.random.default_rng(seed)
    rest = dims(seed, (28, 20, 24), ((22, 34), (16, 26), (18, 30)))
    fields = [(rest[0], rest[0])] * 4 + [tuple(rest[1:])]
    while True:
        digits = []
        for h, w in fields:
            dh, dw = rng.integers(5, h // 2 + 1), rng.integers(4, w // 2 + 1)
            dense = np.linspace(rng.uniform(0.1, 0.5), rng.uniform(0.6, 1.0), dw)  # lopsided
            blob = rng.random((dh, dw)) ** 3 * (rng.random((dh, dw)) < dense)
            blob[rng.integers(dh), :] = 1.0                       # a full stroke
            digit = np.zeros((h, w))
            top, left = rng.integers(0, h - dh + 1), rng.integers(0, w - dw + 1)
            digit[top:top + dh, left:left + dw] = blob
            digits.append(digit)
        right = [{centring_shift(d)} for d in digits]
        wrong = [_variants(d) for d in digits]
        answers = [right, *([v[name] for v in wrong] for name in wrong[0])]
        if all(any(not a[i] & b[i] for i in range(len(digits)))
               for j, a in enumerate(answers) for b in answers[j + 1:]):
            return digits


_HINTS = {
    "swapped": ("rows and columns are swapped: the first number moves the ink down, the second "
                "to the right.", "A digit's row index runs down the image, its column index "
                "across: see the coordinates in Chapter 6, §2."),
    "sign": ("the shift points the wrong way: it moves the centre of mass away from the centre.",
             "The shift takes the digit's centre of mass to the field's centre (Chapter 6, §2)."),
    "box": ("it centres the bounding box of the ink, not its centre of mass.",
            "MNIST centres the mass: each pixel counts with its ink (Chapter 6, §2)."),
    "unweighted": ("every inked pixel counts the same: grey pixels weigh as much as black ones.",
                   "The centre of mass weights each pixel's row and column by its ink "
                   "(Chapter 6, §2)."),
    "middle": ("it centres on the middle of the pixel indices, not on the field's centre.",
             "The target is (height / 2, width / 2), (14, 14) for 28 x 28, as in MNIST "
             "(Chapter 6, §2)."),
}


def check_centring_shift(fn, *, seed=0):
    """Check ``fn(digit) -> (drow, dcol)`` against :func:`handin.draw.preprocess.centring_shift`.

    Returns
    -------
    CheckResult
        Not ok with a hint for: rows and columns swapped, the shift's sign, the bounding
        box's centre, ink counted as 0 or 1, the centre taken as the middle index, and
        shifts that are not whole pixels.
    """
    def body():
        digits = digit_problem(seed)
        got = []
        for digit in digits:
            out = _call(fn, digit, forbid=_FORBID)
            try:
                out = np.asarray(out, dtype=float).ravel()
            except (TypeError, ValueError):
                raise Failed(f"must return a pair of numbers (drow, dcol), got "
                             f"{type(out).__name__}.", "The shift moves the ink down by drow "
                             "rows and right by dcol columns (Chapter 6, §2).") from None
            if out.size != 2:
                raise Failed(f"must return a pair (drow, dcol), got {out.size} number"
                             f"{'' if out.size == 1 else 's'}.", "The shift moves the ink down "
                             "by drow rows and right by dcol columns (Chapter 6, §2).")
            if not (np.all(np.isfinite(out)) and np.all(out == np.round(out))):
                raise Failed(f"returned ({out[0]:g}, {out[1]:g}): a shift in whole pixels is two "
                             "integers.", "MNIST moved its digits by whole pixels: round the "
                             "shift (Chapter 6, §2).")
            got.append((int(out[0]), int(out[1])))
        right = [centring_shift(d) for d in digits]
        if got == right:
            return f"matches handin's centring on {len(digits)} digits (fields of two sizes)."
        wrong = [_variants(d) for d in digits]
        for name in _HINTS:
            if all(g in v[name] for g, v in zip(got, wrong)):
                raise Failed(*_HINTS[name])
        i = next(i for i, (g, r) in enumerate(zip(got, right)) if g != r)
        raise Failed(f"on digit {i} ({digits[i].shape[0]} x {digits[i].shape[1]}) it returns "
                     f"{got[i]}, expected {right[i]}.",
                     "The shift from the centre of mass to the field's centre, in whole pixels "
                     "(Chapter 6, §2).")
    return _check(fn, "centring_shift", body)
