"""Self-checks for the exercises of Chapter 4: your confusion matrix and most confident mistakes.

Like :mod:`handin.course.selfcheck`: each check runs your function on small seeded problems,
compares it with :mod:`handin.metrics` and names the usual mistake when they differ. The
problems have a class that is never predicted, one that never occurs and one that is
neither, so that a matrix sized by the labels seen, not by ``n_classes``, shows.

>>> def my_confusion_matrix(y_true, y_pred, n_classes):
...     C = np.zeros((n_classes, n_classes), dtype=int)
...     np.add.at(C, (y_pred, y_true), 1)          # rows and columns swapped
...     return C
>>> print(check_confusion_matrix(my_confusion_matrix))
✗ my_confusion_matrix: C is transposed: C[i, j] counts the samples of true label i predicted as j.
  Rows are the true labels, columns the predictions (Chapter 4, §2).
"""

from __future__ import annotations

import numpy as np

from .. import metrics, model
from ._hints import Failed, dims
from .selfcheck import _call, _check

__all__ = ["check_confusion_matrix", "check_confident_mistakes", "label_problem"]

_K = 6


def label_problem(n=None, *, seed=0):
    """A seeded problem ``(y_true, y_pred, P)`` of ``n`` samples and ``k`` classes: ``P`` the
    probabilities (softmax of random logits), ``y_pred`` its arg-max. Seed 0 has 17 samples
    and 6 classes, other seeds other sizes (``n`` overrides). Class ``k - 1`` never
    occurs in ``y_true``, classes ``k - 3`` and ``k - 1`` are never predicted; about half
    of the predictions are wrong."""
    rows, k = _sizes(seed)
    n = rows if n is None else n
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k - 1, size=n)
    Z = rng.normal(scale=2.0, size=(n, k))
    Z[:, [k - 3, k - 1]] -= 50.0                           # never predicted
    right = rng.random(n) < 0.5
    Z[right, y_true[right]] += 50.0                        # about half right
    P = model.softmax(Z)
    return y_true, P.argmax(axis=1), P


def _sizes(seed):
    """``(n, k)``: 17 samples of 6 classes for seed 0, other sizes for other seeds."""
    return dims(seed, (17, _K), ((10, 30), (4, 9)))


def check_confusion_matrix(fn, *, seed=0):
    """Check ``fn(y_true, y_pred, n_classes) -> C`` against :func:`handin.metrics.confusion_matrix`.

    Returns
    -------
    CheckResult
        Not ok with a hint for: a transposed matrix, a shape from the labels seen instead of
        ``n_classes``, and counts that do not add up to the number of samples.
    """
    def body():
        y_true, y_pred, P = label_problem(seed=seed)
        k = P.shape[1]
        C = _call(fn, y_true, y_pred, k, forbid=("metrics.confusion_matrix",))
        ref = metrics.confusion_matrix(y_true, y_pred, k)
        C = np.asarray(C)
        if C.shape != ref.shape:
            raise Failed(f"C has shape {C.shape}, expected (n_classes, n_classes) = {ref.shape}.",
                         "Size it by n_classes, not by the labels seen: a class may never be "
                         "predicted, or never occur (Chapter 4, §2).")
        if C.sum() != len(y_true):
            raise Failed(f"C counts {C.sum():g} samples in all, expected {len(y_true)}.",
                         "Each sample adds 1 to exactly one entry of C, also when its pair of "
                         "labels repeats another sample's: see Chapter 4, §2.")
        if np.array_equal(C, ref.T):
            raise Failed("C is transposed: C[i, j] counts the samples of true label i "
                         "predicted as j.", "Rows are the true labels, columns the "
                         "predictions (Chapter 4, §2).")
        if not np.array_equal(C, ref):
            i, j = np.argwhere(C != ref)[0]
            raise Failed(f"C[{i}, {j}] is {C[i, j]:g}, expected {ref[i, j]}.",
                         "C[i, j] counts the samples of true label i predicted as j "
                         "(Chapter 4, §2).")
        return f"matches handin.metrics.confusion_matrix ({k} classes, some never seen)."
    return _check(fn, "confusion_matrix", body)


def check_confident_mistakes(fn, *, seed=0):
    """Check ``fn(P, y, n) -> idx`` against :func:`handin.metrics.confident_mistakes`.

    Returns
    -------
    CheckResult
        Not ok with a hint for: samples that were right, the least confident first, the
        confidence taken from the true class, and ``n`` ignored.
    """
    def body():
        y, pred, P = label_problem(seed=seed)
        for n in (None, 3):
            got = _call(fn, P, y, n, forbid=("metrics.confident_mistakes",))
            got = np.asarray(got).ravel()
            ref = metrics.confident_mistakes(P, y, n)
            if not np.issubdtype(got.dtype, np.integer) and len(got):
                raise Failed(f"must return integer indices into P and y, got {got.dtype}.")
            if np.array_equal(got, ref):
                continue
            if np.any(pred[got] == y[got]):
                raise Failed("it returns samples the network got right.",
                             "A mistake is a sample whose most probable class is not its label "
                             "(Chapter 4, §3).")
            every = metrics.confident_mistakes(P, y)
            if n is not None and len(got) > n:
                raise Failed(f"with n = {n} it returns {len(got)} indices.",
                             "Return at most n indices, all of them when n is None (Chapter 4, "
                             "§3).")
            if np.array_equal(got, every[::-1][:len(got)]):
                raise Failed("the least confident mistakes come first: the order is reversed.",
                             "The most confident mistake comes first (Chapter 4, §3).")
            by_true = every[np.argsort(-P[every, y[every]], kind="stable")]
            if np.array_equal(got, by_true[:len(got)]):
                raise Failed("sorted by the probability of the true class.",
                             "A mistake's confidence is the probability given to the wrong class "
                             "it chose (Chapter 4, §3).")
            raise Failed(f"with n = {n} it returns {got.tolist()}, expected {ref.tolist()}.",
                         "The wrong predictions, the most confident first: see Chapter 4, §3.")
        return "matches handin.metrics.confident_mistakes (n = all and 3)."
    return _check(fn, "confident_mistakes", body)
