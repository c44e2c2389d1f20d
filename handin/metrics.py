"""What a trained network gets wrong: the confusion matrix, its most confident mistakes, dead units.

Pure computations on labels, probabilities and parameters; the figures that show them are
:func:`handin.plots.plot_confusion` and :func:`handin.plots.show_digits`.
"""

from __future__ import annotations

import numpy as np

from ._validation import ParameterError, ParameterTypeError, check_X, check_scalar

__all__ = ["confusion_matrix", "confident_mistakes", "dead_units", "came_back", "stayed_dead",
           "dead_bias_at_most_zero"]

_BLOCK = 4096


def _labels(y, name):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ParameterError(name, f"{name} must be a 1-D array of labels, got shape {y.shape}.")
    if y.dtype.kind not in "iu":
        raise ParameterTypeError(name, f"{name} must hold integer labels, got dtype {y.dtype}.")
    if y.size and y.min() < 0:
        raise ParameterError(name, f"{name} must hold labels >= 0, got {y.min()}.")
    return y


def confusion_matrix(y_true, y_pred, n_classes=None):
    """Count how often each true label was predicted as each label.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
        True integer labels ``0 .. n_classes - 1``.
    y_pred : ndarray of shape (n_samples,)
        Predicted labels, e.g. ``handin.predict(X, params)``.
    n_classes : int, optional
        Number of classes ``k``. Default: one more than the largest label seen.

    Returns
    -------
    C : ndarray of shape (n_classes, n_classes), dtype int64
        ``C[i, j]`` is the number of samples with true label ``i`` predicted as
        ``j``. The diagonal holds the correct predictions; row ``i`` sums to the
        number of samples of class ``i``; ``C.trace() / C.sum()`` is the accuracy.

    Examples
    --------
    >>> confusion_matrix(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]), 3)
    array([[1, 1, 0],
           [0, 1, 0],
           [1, 0, 1]])
    """
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ParameterError("y_true", f"y_true and y_pred must have the same shape, got {y_true.shape} "
                         f"and {y_pred.shape}.")
    seen = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    if n_classes is None:
        n_classes = max(seen, 1)
    n_classes = check_scalar(n_classes, "n_classes", int, min_val=1)
    if seen > n_classes:
        raise ParameterError("n_classes", f"labels go up to {seen - 1}, which does not fit n_classes={n_classes}.")
    flat = y_true.astype(np.int64) * n_classes + y_pred.astype(np.int64)
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def confident_mistakes(P, y, n=None):
    """The misclassified samples, the most confidently wrong first.

    A sample is a mistake when the class of highest probability is not its label;
    its confidence is the probability ``P[s, pred_s]`` given to that wrong class.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_classes)
        Class probabilities, e.g. ``handin.predict_proba(X, params)``.
    y : ndarray of shape (n_samples,)
        True integer labels.
    n : int, optional
        Return at most this many indices. Default: all mistakes.

    Returns
    -------
    idx : ndarray of shape (n_mistakes,), dtype intp
        Row indices into ``P`` and ``y``, sorted by the probability of the
        predicted (wrong) class, highest first; ties keep the order of the rows.

    Examples
    --------
    >>> P = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
    >>> confident_mistakes(P, np.array([0, 0, 1, 0]))
    array([3, 1, 2])
    """
    P = np.asarray(P)
    y = _labels(y, "y")
    if P.ndim != 2 or P.shape[0] != len(y):
        raise ParameterError("P", f"P must have shape (n_samples, n_classes) = ({len(y)}, k) to match y, "
                         f"got shape {P.shape}.")
    if len(y) and y.max() >= P.shape[1]:
        raise ParameterError("y", f"y holds label {y.max()} but P has only {P.shape[1]} classes.")
    pred = P.argmax(axis=1)
    wrong = np.flatnonzero(pred != y)
    order = np.argsort(-P[wrong, pred[wrong]], kind="stable")
    idx = wrong[order]
    if n is not None:
        idx = idx[:check_scalar(n, "n", int, min_val=0)]
    return idx


def dead_units(X, params):
    """Which hidden units are dead on ``X``: their ReLU output is 0 on every row.

    A unit ``u`` is dead when ``Z1[s, u] = X[s] @ W1[:, u] + b1[u] <= 0`` for every
    row ``s``: it then passes no gradient (``dZ1[:, u] = 0``), so SGD on these rows
    never changes its incoming weights ``W1[:, u]`` and ``b1[u]`` again, apart
    from weight decay shrinking ``W1[:, u]`` (the biases are not decayed).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Inputs, e.g. the training images.
    params : dict
        ``W1`` of shape (n_features, n_hidden) and ``b1`` of shape (n_hidden,)
        are used (``W2, b2`` are checked for shape only).

    Returns
    -------
    dead : ndarray of shape (n_hidden,), dtype bool
        ``dead[j]`` is True if unit ``j`` is 0 on every row of ``X``;
        ``dead.mean()`` is the fraction of dead units.

    Examples
    --------
    >>> params = {"W1": np.array([[1.0, -1.0, 0.0]]), "b1": np.array([0.0, 0.0, -1.0]),
    ...           "W2": np.zeros((3, 2)), "b2": np.zeros(2)}
    >>> dead_units(np.array([[1.0], [2.0]]), params)
    array([False,  True,  True])
    """
    X = check_X(X, params)
    if len(X) == 0:
        raise ParameterError("X", "X must hold at least one row.")
    W1, b1 = np.asarray(params["W1"]), np.asarray(params["b1"])
    alive = np.zeros(W1.shape[1], dtype=bool)
    for start in range(0, len(X), _BLOCK):           # blocks: no (n, hidden) array at once
        Z1 = X[start:start + _BLOCK] @ W1 + b1
        alive |= (Z1 > 0).any(axis=0)
    return ~alive


def _dead_after(dead_after):
    S = np.asarray(dead_after)
    if S.dtype != bool or S.ndim != 2:
        raise ValueError(f"dead_after must be a 2-d bool array (epochs, h), got {S.dtype} "
                         f"of shape {S.shape}.")
    return S


def came_back(dead_after):
    """The units that were dead after some epoch and alive after a later one.

    Parameters
    ----------
    dead_after : array_like of bool, shape (epochs, h)
        Row ``e``: :func:`dead_units` after epoch ``e + 1`` of one run.

    Returns
    -------
    ndarray of bool, shape (h,)
    """
    S = _dead_after(dead_after)
    return (np.logical_or.accumulate(S, axis=0) & ~S).any(axis=0)


def stayed_dead(dead_after):
    """Whether units died in a run and every one of them stayed dead to its end.

    Parameters
    ----------
    dead_after : array_like of bool, shape (epochs, h)
        Row ``e``: :func:`dead_units` after epoch ``e + 1`` of one run.

    Returns
    -------
    bool
        True when at least one unit was dead after some epoch and no such unit was alive
        after a later one; False when one came back, and False when none died (then the
        run shows nothing about dead units).
    """
    S = _dead_after(dead_after)
    return bool(S.any() and not came_back(S).any())


def dead_bias_at_most_zero(dead, b1):
    """Whether at least one unit is dead and every dead unit has ``b1 <= 0``.

    Parameters
    ----------
    dead : array_like of bool, shape (h,)
        :func:`dead_units` of the network.
    b1 : array_like, shape (h,)
        Its first layer's biases.

    Returns
    -------
    bool
        False when no unit is dead (nothing to show), or when a dead unit has ``b1 > 0``.
    """
    dead, b1 = np.asarray(dead), np.asarray(b1)
    if dead.dtype != bool or dead.shape != b1.shape or dead.ndim != 1:
        raise ValueError(f"dead must be a bool array of b1's shape {b1.shape}, got {dead.dtype} "
                         f"of shape {dead.shape}.")
    return bool(dead.any() and np.all(b1[dead] <= 0))
