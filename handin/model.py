"""The two-layer ReLU network: forward pass, cost, backward pass, prediction.

The model, with ``X`` a batch of ``n`` row vectors and ``y`` their integer labels::

    Z1 = X @ W1 + b1          (n, h)   first-layer pre-activations
    A1 = relu(Z1)             (n, h)   hidden activations
    Z2 = A1 @ W2 + b2         (n, k)   logits
    P  = softmax(Z2)          (n, k)   class probabilities (row-wise)

    cost = mean_s( -log P[s, y_s] ) + c * (sum(W1**2) + sum(W2**2))

and its gradient (the chain rule, read from the bottom up)::

    dZ2 = (P - Y) / n         Y is the one-hot matrix of y
    dW2 = A1.T @ dZ2 + 2 c W2       db2 = sum_s dZ2[s]
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * (Z1 > 0)
    dW1 = X.T @ dZ1 + 2 c W1        db1 = sum_s dZ1[s]

Every function is pure: parameters and gradients are dicts with the keys
``W1, b1, W2, b2``, nothing is modified in place.
"""

from __future__ import annotations

import numpy as np

from ._validation import (ParameterTypeError, check_dtype, check_scalar, check_X,
                          check_X_y)

__all__ = [
    "PARAM_NAMES",
    "init_params",
    "relu",
    "softmax",
    "log_softmax",
    "one_hot",
    "cross_entropy",
    "weight_decay",
    "forward",
    "cost",
    "backward",
    "cost_grad",
    "predict_proba",
    "predict",
    "accuracy",
]

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def init_params(n_in, n_hidden, n_out, *, seed=None, rng=None, dtype=np.float64):
    """Initial weights: zero biases, normal weights scaled to the layer sizes.

    As in the exercise this book grew from, ``W1 ~ N(0, 2 / (n_in + n_hidden))``
    and ``W2 ~ N(0, 4 / (n_hidden + n_out))`` (Glorot's variance, doubled for
    the layer that follows a ReLU).

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Input features (784 for MNIST), hidden units, classes.
    seed : int, optional
        Seed for a fresh ``numpy.random.default_rng``. Give ``seed`` or ``rng``.
    rng : numpy.random.Generator, optional
        The generator to draw from (advanced by this call).
    dtype : {numpy.float64, numpy.float32}

    Returns
    -------
    params : dict
        ``W1`` of shape (n_in, n_hidden), ``b1`` (n_hidden,),
        ``W2`` (n_hidden, n_out), ``b2`` (n_out,).

    Examples
    --------
    >>> p = init_params(784, 256, 10, seed=0)
    >>> {k: v.shape for k, v in p.items()}
    {'W1': (784, 256), 'b1': (256,), 'W2': (256, 10), 'b2': (10,)}
    """
    n_in = check_scalar(n_in, "n_in", int, min_val=1)
    n_hidden = check_scalar(n_hidden, "n_hidden", int, min_val=1)
    n_out = check_scalar(n_out, "n_out", int, min_val=2)
    dtype = check_dtype(dtype)
    rng = _make_rng(seed, rng)
    W1 = rng.normal(0.0, np.sqrt(2.0 / (n_in + n_hidden)), size=(n_in, n_hidden))
    W2 = rng.normal(0.0, np.sqrt(4.0 / (n_hidden + n_out)), size=(n_hidden, n_out))
    return {
        "W1": W1.astype(dtype),
        "b1": np.zeros(n_hidden, dtype=dtype),
        "W2": W2.astype(dtype),
        "b2": np.zeros(n_out, dtype=dtype),
    }


def relu(Z):
    """Element-wise ``max(Z, 0)``."""
    return np.maximum(Z, 0)


def softmax(Z):
    """Row-wise softmax, computed stably by subtracting each row's maximum.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    P : ndarray of shape (n_samples, n_classes)
        Non-negative rows that sum to 1.

    Examples
    --------
    >>> softmax(np.array([[1e4, 0.0]])).round(6)
    array([[1., 0.]])
    """
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def log_softmax(Z):
    """Row-wise ``log(softmax(Z))`` by the log-sum-exp trick (finite for any finite Z)."""
    S = Z - Z.max(axis=-1, keepdims=True)
    return S - np.log(np.exp(S).sum(axis=-1, keepdims=True))


def one_hot(y, n_classes, dtype=np.float64):
    """The matrix ``Y`` with ``Y[s, y[s]] = 1`` and zeros elsewhere, shape (n, n_classes)."""
    Y = np.zeros((len(y), n_classes), dtype=dtype)
    Y[np.arange(len(y)), y] = 1.0
    return Y


def cross_entropy(Z, y):
    """Mean cross-entropy ``mean_s(-log softmax(Z)[s, y_s])`` of logits ``Z``, by log-sum-exp.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Logits.
    y : ndarray of shape (n_samples,)
        Integer labels.

    Returns
    -------
    float
        Accumulated in float64 whatever the dtype of ``Z``.

    Examples
    --------
    >>> round(cross_entropy(np.array([[0.0, 0.0]]), np.array([1])), 6)   # log 2
    0.693147
    """
    return float(-log_softmax(Z)[np.arange(len(y)), y].mean(dtype=np.float64))


def forward(X, params):
    """Forward pass, keeping every intermediate that the backward pass needs.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    params : dict
        ``W1, b1, W2, b2`` as made by :func:`init_params`.

    Returns
    -------
    cache : dict
        ``X``, ``Z1`` and ``A1`` of shape (n_samples, n_hidden), ``Z2`` and
        ``P`` of shape (n_samples, n_classes).
    """
    X = check_X(X, params)
    Z1 = X @ params["W1"] + params["b1"]
    A1 = relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    return {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "P": softmax(Z2)}


def weight_decay(params, c):
    """The decay term of the cost, ``c * (||W1||^2 + ||W2||^2)`` (biases are not decayed),
    summed in float64.

    >>> weight_decay({"W1": np.ones((2, 3)), "W2": np.full((3, 2), 2.0)}, c=0.1)
    3.0
    """
    return c * float(np.sum(np.square(params["W1"]), dtype=np.float64)
                     + np.sum(np.square(params["W2"]), dtype=np.float64))


def _cost_from(cache, y, params, c):
    """Mean cross-entropy of the cached logits plus the weight-decay term."""
    return cross_entropy(cache["Z2"], y) + weight_decay(params, c)


def cost(X, y, params, c=0.0):
    """The cost ``mean_s(-log P[s, y_s]) + c * (||W1||^2 + ||W2||^2)``, a float.

    The parameters are those of :func:`cost_grad`; biases are not decayed.
    """
    X, y = check_X_y(X, y, params)
    c = check_scalar(c, "c", float, min_val=0.0)
    return _cost_from(forward(X, params), y, params, c)


def backward(cache, y, params, c=0.0):
    """Backward pass: the gradient of :func:`cost` with respect to every parameter.

    Parameters
    ----------
    cache : dict
        What :func:`forward` returned for the same ``X`` and ``params``.
    y : ndarray of shape (n_samples,)
    params : dict
    c : float, default=0.0

    Returns
    -------
    grads : dict
        ``dW1, db1, dW2, db2`` under the keys ``W1, b1, W2, b2``, each of the
        same shape as the parameter.
    """
    X, Z1, A1, P = cache["X"], cache["Z1"], cache["A1"], cache["P"]
    n = X.shape[0]
    dZ2 = (P - one_hot(y, P.shape[1], P.dtype)) / n         # (n, k): softmax + cross-entropy
    dW2 = A1.T @ dZ2 + 2 * c * params["W2"]         # (h, k)
    db2 = dZ2.sum(axis=0)                           # (k,)
    dA1 = dZ2 @ params["W2"].T                      # (n, h)
    dZ1 = dA1 * (Z1 > 0)                            # (n, h): ReLU passes gradient where Z1 > 0
    dW1 = X.T @ dZ1 + 2 * c * params["W1"]          # (d, h)
    db1 = dZ1.sum(axis=0)                           # (h,)
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return {k: grads[k].astype(params[k].dtype, copy=False) for k in PARAM_NAMES}


def cost_grad(X, y, params, c=0.0):
    """Cost and gradient in one forward and one backward pass.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Integer labels in ``0 .. n_classes - 1``.
    params : dict
        ``W1 (n_features, n_hidden)``, ``b1 (n_hidden,)``, ``W2 (n_hidden,
        n_classes)``, ``b2 (n_classes,)``.
    c : float, default=0.0
        Weight decay strength, ``c >= 0``.

    Returns
    -------
    cost : float
    grads : dict
        Same keys and shapes as ``params``.

    Examples
    --------
    >>> p = init_params(4, 3, 2, seed=0)
    >>> J, g = cost_grad(np.ones((5, 4)), np.array([0, 1, 0, 1, 1]), p, c=0.1)
    >>> sorted(g) == sorted(p) and all(g[k].shape == p[k].shape for k in p)
    True
    """
    X, y = check_X_y(X, y, params)
    c = check_scalar(c, "c", float, min_val=0.0)
    cache = forward(X, params)
    return _cost_from(cache, y, params, c), backward(cache, y, params, c)


def predict_proba(X, params):
    """Class probabilities ``P``, shape (n_samples, n_classes)."""
    return forward(X, params)["P"]


def predict(X, params):
    """Predicted labels, shape (n_samples,): the arg-max of the logits."""
    return np.argmax(forward(X, params)["Z2"], axis=1)


def accuracy(X, y, params):
    """Fraction of samples whose predicted label equals ``y``, in [0, 1]."""
    X, y = check_X_y(X, y, params)
    return float(np.mean(predict(X, params) == y))


def _make_rng(seed, rng):
    if rng is not None and seed is not None:
        raise ParameterTypeError("rng", "give either seed or rng, not both.")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise ParameterTypeError(
                "rng", f"rng must be a numpy.random.Generator, got {type(rng).__name__}.")
        return rng
    if seed is not None:
        check_scalar(seed, "seed", int, min_val=0)
    return np.random.default_rng(seed)

