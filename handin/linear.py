"""A linear softmax classifier: the network without its hidden layer.

The model, with ``X`` a batch of ``n`` row vectors and ``y`` their integer labels::

    Z = X @ W + b             (n, k)   logits
    P = softmax(Z)            (n, k)   class probabilities (row-wise)

    cost = mean_s( -log P[s, y_s] ) + c * sum(W**2)

and its gradient is chapter 1's ``(P - Y) / n`` pushed through one matrix product::

    dZ = (P - Y) / n          Y is the one-hot matrix of y
    dW = X.T @ dZ + 2 c W     db = sum_s dZ[s]

Parameters and gradients are dicts with the keys ``W`` (n_features, n_classes) and
``b`` (n_classes,). Chapter 7 trains it beside the two-layer network of
:mod:`handin.model` to show what the hidden layer buys. The softmax and the
cross-entropy are those of :mod:`handin.model`; training is plain mini-batch SGD
(the readable ``W -= lr * dW``; the model is small, no fast path is needed).

>>> import numpy as np
>>> p = init_params(784, 10)
>>> {k: v.shape for k, v in p.items()}
{'W': (784, 10), 'b': (10,)}
"""

from __future__ import annotations

import time

import numpy as np

from . import model
from . import hyperparameters as hp
from ._validation import (ParameterError, ParameterTypeError, check_dtype, check_fit_data,
                          check_scalar, check_X, check_X_y)
from .hyperparameters import DEFAULTS
from .train import History, TrainingDiverged

__all__ = ["PARAM_NAMES", "init_params", "logits", "cost", "cost_grad", "predict_proba",
           "predict", "accuracy", "evaluate", "fit"]

PARAM_NAMES = ("W", "b")


def init_params(n_in, n_out, *, std=0.0, seed=None, rng=None, dtype=np.float64):
    """Initial parameters: zero bias, weights ``W ~ N(0, std**2)`` (all zero by default).

    The cost of a linear softmax classifier is convex in ``W, b``, so zeros are a
    fine start here: there is no hidden layer whose units would need telling apart.

    Parameters
    ----------
    n_in, n_out : int
        Input features (784 for MNIST) and classes (>= 2).
    std : float, default=0.0
        Standard deviation of the weights, >= 0.
    seed : int, optional
        Seed for a fresh ``numpy.random.default_rng`` (used only when ``std > 0``).
    rng : numpy.random.Generator, optional
        The generator to draw from. Give ``seed`` or ``rng``, not both.
    dtype : {numpy.float64, numpy.float32}

    Returns
    -------
    params : dict
        ``W`` of shape (n_in, n_out) and ``b`` of shape (n_out,).
    """
    n_in = check_scalar(n_in, "n_in", int, min_val=1)
    n_out = check_scalar(n_out, "n_out", int, min_val=2)
    std = check_scalar(std, "std", float, min_val=0.0)
    dtype = check_dtype(dtype)
    rng = model._make_rng(seed, rng)
    W = rng.normal(0.0, std, size=(n_in, n_out)) if std > 0 else np.zeros((n_in, n_out))
    return {"W": W.astype(dtype), "b": np.zeros(n_out, dtype=dtype)}


def check_params(params, n_features=None):
    """Check that ``params`` is a dict of arrays ``W`` (d, k) and ``b`` (k,), k >= 2.

    Returns the number of classes ``k``.
    """
    if not isinstance(params, dict):
        raise ParameterTypeError("params", f"params must be a dict with keys W, b, got {type(params).__name__}.")
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ParameterError("params", f"params is missing {', '.join(missing)}; it needs W, b.")
    W, b = np.shape(params["W"]), np.shape(params["b"])
    if len(W) != 2 or W[1] < 2 or b != (W[1],):
        raise ParameterError("params", "params shapes do not fit together: need W (d, k) and b (k,) with "
                         f"k >= 2, got W {W}, b {b}.")
    if n_features is not None and W[0] != n_features:
        raise ParameterError("X", f"X has {n_features} features but W expects {W[0]}.")
    return W[1]


def _check_data(X, y, params):
    """``X`` (and ``y``, if not None) checked against ``params``."""
    if y is None:
        X = check_X(X)
    else:
        X, y = check_X_y(X, y)
    k = check_params(params, X.shape[1])
    if y is not None and (y.min() < 0 or y.max() >= k):
        raise ParameterError("y", f"y must hold labels in the range [0, {k - 1}], "
                         f"got values from {y.min()} to {y.max()}.")
    return X, y


def logits(X, params):
    """The logits ``Z = X @ W + b``, shape (n_samples, n_classes)."""
    X, _ = _check_data(X, None, params)
    return _Z(X, params)


def _Z(X, params):
    return X @ params["W"] + params["b"]


def _decay(params, c):
    """The decay term ``c * ||W||^2`` (the bias is not decayed), summed in float64."""
    return c * float(np.sum(np.square(params["W"]), dtype=np.float64))


def _ce_grad(X, y, params, c):
    """Mean cross-entropy (no decay) and the gradient of the cost, unchecked: the math above."""
    W, b = params["W"], params["b"]
    Z = _Z(X, params)                                          # (n, k)
    ce = model.cross_entropy(Z, y)
    dZ = (model.softmax(Z) - model.one_hot(y, W.shape[1], Z.dtype)) / len(X)  # (n, k)
    dW = X.T @ dZ + 2 * c * W                                  # (d, k)
    db = dZ.sum(axis=0)                                        # (k,)
    return ce, {"W": dW.astype(W.dtype, copy=False), "b": db.astype(b.dtype, copy=False)}


def cost(X, y, params, c=0.0):
    """The cost ``mean_s(-log P[s, y_s]) + c * ||W||^2`` (cross-entropy by log-sum-exp), a
    float. The parameters are those of :func:`cost_grad`; the bias is not decayed."""
    X, y = _check_data(X, y, params)
    c = check_scalar(c, "c", float, min_val=0.0)
    return model.cross_entropy(_Z(X, params), y) + _decay(params, c)


def cost_grad(X, y, params, c=0.0):
    """Cost and gradient: ``dW = X.T @ (P - Y) / n + 2 c W``, ``db = sum_s (P - Y)[s] / n``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    params : dict
        ``W`` (n_features, n_classes), ``b`` (n_classes,).
    c : float, default=0.0

    Returns
    -------
    cost : float
    grads : dict
        ``W`` of shape (n_features, n_classes) and ``b`` (n_classes,).

    Examples
    --------
    At zero weights every class gets probability 1/k and the cost is log k:

    >>> J, g = cost_grad(np.eye(3), np.array([0, 1, 2]), init_params(3, 3))
    >>> round(J, 6) == round(float(np.log(3)), 6), g["W"].round(3).tolist()[0]
    (True, [-0.222, 0.111, 0.111])
    """
    X, y = _check_data(X, y, params)
    c = check_scalar(c, "c", float, min_val=0.0)
    ce, grads = _ce_grad(X, y, params, c)
    return ce + _decay(params, c), grads


def predict_proba(X, params):
    """Class probabilities ``P = softmax(X @ W + b)``, shape (n_samples, n_classes)."""
    return model.softmax(logits(X, params))


def predict(X, params):
    """Predicted labels, shape (n_samples,): the arg-max of the logits."""
    return np.argmax(logits(X, params), axis=1)


def accuracy(X, y, params):
    """Fraction of samples whose predicted label equals ``y``, in [0, 1]."""
    X, y = _check_data(X, y, params)
    return float(np.mean(np.argmax(_Z(X, params), axis=1) == y))


def evaluate(X, y, params, c=0.0):
    """Cost and accuracy over a whole data set: ``(cost, accuracy)``."""
    X, y = _check_data(X, y, params)
    c = check_scalar(c, "c", float, min_val=0.0)
    Z = _Z(X, params)
    return model.cross_entropy(Z, y) + _decay(params, c), float(np.mean(Z.argmax(axis=1) == y))


def fit(X, y, X_val, y_val, *, lr=DEFAULTS.lr, c=DEFAULTS.c, batch_size=DEFAULTS.batch_size,
        epochs=DEFAULTS.epochs, seed=DEFAULTS.seed, dtype=np.float32, init=None):
    """Train the linear classifier by mini-batch SGD, reshuffling every epoch.

    The loop is :func:`handin.fit`'s without the hidden layer: shuffle with
    ``seed``, then for each batch ``W -= lr * dW`` and ``b -= lr * db``;
    evaluate on the whole training and validation sets after every epoch.

    Parameters
    ----------
    X, y, X_val, y_val, lr, c, batch_size, epochs, seed, dtype
        As in :func:`handin.fit` (with the same defaults and ranges); ``c`` decays ``W``
        (cost term ``c * ||W||^2``).
    init : dict, optional
        Initial ``W`` (n_features, n_classes) and ``b`` (n_classes,), copied, not
        modified. Default: zeros (:func:`init_params`).

    Returns
    -------
    params : dict
        The trained ``W`` and ``b``.
    history : handin.History
        Per-epoch ``train_cost, train_acc, val_cost, val_acc, seconds``, and
        ``batch_cross_entropy``, every batch's mean cross-entropy before its step.

    Raises
    ------
    TrainingDiverged
        If a batch's cross-entropy or the cost after an epoch is NaN or infinite.
        (Only that: the ten-fold blow-up rule of :mod:`handin.train` is not applied.)
    """
    X, y, X_val, y_val, dtype = check_fit_data(X, y, X_val, y_val, dtype)
    lr, c, epochs = hp.check("lr", lr), hp.check("c", c), hp.check("epochs", epochs)
    batch_size = hp.check("batch_size", batch_size, high=len(X))
    if seed is not None:
        seed = hp.check("seed", seed)
    n_classes = max(2, int(max(y.max(), y_val.max())) + 1)
    if init is None:
        params = init_params(X.shape[1], n_classes, dtype=dtype)
    else:
        k = check_params(init, X.shape[1])
        if k < n_classes:
            raise ParameterError("init", f"init has {k} classes (W of shape "
                                         f"{np.shape(init['W'])}) but the labels go up to "
                                         f"{n_classes - 1}.")
        params = {name: np.array(init[name], dtype=dtype, copy=True) for name in PARAM_NAMES}
        if not all(np.isfinite(v).all() for v in params.values()):
            raise ParameterError("init", "init must hold finite numbers; it has NaN or inf.")

    rng = np.random.default_rng(seed)
    n_batches = -(-len(X) // batch_size)
    history = History(batches_per_epoch=n_batches)
    with np.errstate(over="ignore", invalid="ignore"):      # non-finite values are caught below
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            perm = rng.permutation(len(X))
            for b in range(n_batches):
                idx = perm[b * batch_size:(b + 1) * batch_size]
                ce, grads = _ce_grad(X[idx], y[idx], params, c)
                history.batch_cross_entropy.append(ce)
                if not np.isfinite(ce):
                    raise TrainingDiverged(epoch, b + 1, lr, history, ce)
                for name in PARAM_NAMES:
                    params[name] -= lr * grads[name]
            train_cost, train_acc = evaluate(X, y, params, c)
            val_cost, val_acc = evaluate(X_val, y_val, params, c)
            if not (np.isfinite(train_cost) and np.isfinite(val_cost)):
                raise TrainingDiverged(epoch, n_batches, lr, history,
                                       train_cost if not np.isfinite(train_cost) else val_cost)
            history._append(epoch=epoch, train_cost=train_cost, train_acc=train_acc,
                            val_cost=val_cost, val_acc=val_acc, seconds=time.perf_counter() - t0)
    return params, history
