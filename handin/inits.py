"""Other starting points for the two-layer network, and the measurements that compare them.

:func:`handin.init_params` draws ``W1 ~ N(0, 2 / (n_in + n_hidden))`` and
``W2 ~ N(0, 4 / (n_hidden + n_out))``. Chapter 7 measures why, against the
starts people try first:

* :func:`normal_init`: one standard deviation ``std`` for both weight matrices
  (``std=0`` gives all zeros; CS231n's two-layer net uses ``std=1e-4``);
* :func:`constant_init`: every weight the same number, the perfectly symmetric start;
* :func:`layer_scales`: the root mean square of every layer's activations and of
  the weight gradients, and the cost, at given parameters.

Give the result to ``handin.fit(..., init=params)`` to train from it.
"""

from __future__ import annotations

import numpy as np

from . import model
from ._validation import check_dtype, check_scalar, check_X_y

__all__ = ["normal_init", "constant_init", "layer_scales"]


def normal_init(n_in, n_hidden, n_out, std, *, seed=None, rng=None, dtype=np.float64):
    """Weights ``W1, W2 ~ N(0, std**2)`` with the same ``std`` for both layers, zero biases.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Input features, hidden units, classes (>= 2).
    std : float
        Standard deviation of every weight, >= 0; 0 gives all-zero weights.
    seed : int, optional
        Seed for a fresh ``numpy.random.default_rng``. Give ``seed`` or ``rng``.
    rng : numpy.random.Generator, optional
    dtype : {numpy.float64, numpy.float32}

    Returns
    -------
    params : dict
        ``W1`` (n_in, n_hidden), ``b1`` (n_hidden,), ``W2`` (n_hidden, n_out), ``b2`` (n_out,).

    Examples
    --------
    >>> p = normal_init(784, 256, 10, std=0.0)
    >>> {k: float(abs(v).max()) for k, v in p.items()}
    {'W1': 0.0, 'b1': 0.0, 'W2': 0.0, 'b2': 0.0}
    """
    std = check_scalar(std, "std", float, min_val=0.0)
    p = model.init_params(n_in, n_hidden, n_out, seed=seed, rng=rng, dtype=np.float64)
    # init_params's draws, rescaled to std: W1 and W2 get the same random pattern
    # for every std, so runs from different stds differ in scale only.
    W1_std, W2_std = np.sqrt(2.0 / (n_in + n_hidden)), np.sqrt(4.0 / (n_hidden + n_out))
    p["W1"] *= std / W1_std
    p["W2"] *= std / W2_std
    dtype = check_dtype(dtype)
    return {k: v.astype(dtype) for k, v in p.items()}


def constant_init(n_in, n_hidden, n_out, value, *, dtype=np.float64):
    """Every weight of ``W1`` and ``W2`` equal to ``value``, zero biases.

    Every hidden unit then computes the same function of the input, gets the
    same gradient and takes the same step: the units stay copies of each other.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
    value : float
        Any finite number.
    dtype : {numpy.float64, numpy.float32}

    Returns
    -------
    params : dict
        ``W1`` (n_in, n_hidden), ``b1`` (n_hidden,), ``W2`` (n_hidden, n_out), ``b2`` (n_out,).
    """
    n_in = check_scalar(n_in, "n_in", int, min_val=1)
    n_hidden = check_scalar(n_hidden, "n_hidden", int, min_val=1)
    n_out = check_scalar(n_out, "n_out", int, min_val=2)
    value = check_scalar(value, "value", float)
    dtype = check_dtype(dtype)
    return {"W1": np.full((n_in, n_hidden), value, dtype), "b1": np.zeros(n_hidden, dtype),
            "W2": np.full((n_hidden, n_out), value, dtype), "b2": np.zeros(n_out, dtype)}


def _rms(a):
    return float(np.sqrt(np.mean(np.square(a, dtype=np.float64))))


def layer_scales(X, y, params, c=0.0):
    """How big each layer's signals are: root mean squares forward and backward, and the cost.

    The root mean square ``rms(A) = sqrt(mean(A**2))`` is what the variance rule
    of chapter 7 predicts: for ``Z = A @ W`` with ``W`` drawn independently of
    ``A`` with mean 0 and variance ``s**2``, ``rms(Z)**2 ≈ n_in * rms(A)**2 * s**2``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    params : dict
        ``W1, b1, W2, b2``.
    c : float, default=0.0
        Weight decay, for the cost and the gradients.

    Returns
    -------
    scales : dict of float
        ``X``, ``Z1``, ``A1``, ``Z2`` (forward), ``dZ2``, ``dA1``, ``dZ1``, ``dW1``,
        ``dW2`` (backward: the rms of each gradient), and ``cost``.

    Examples
    --------
    >>> X, y = np.ones((4, 3)), np.array([0, 1, 0, 1])
    >>> s = layer_scales(X, y, normal_init(3, 5, 2, std=0.0))
    >>> s["Z1"], s["dW1"], s["dW2"], round(s["cost"], 4)      # zero weights: no signal at all
    (0.0, 0.0, 0.0, 0.6931)
    """
    X, y = check_X_y(X, y, params)
    c = check_scalar(c, "c", float, min_val=0.0)
    cache = model.forward(X, params)
    n, k = cache["P"].shape
    dZ2 = (cache["P"] - model.one_hot(y, k, cache["P"].dtype)) / n
    dA1 = dZ2 @ params["W2"].T
    grads = model.backward(cache, y, params, c)
    return {
        "X": _rms(X), "Z1": _rms(cache["Z1"]), "A1": _rms(cache["A1"]), "Z2": _rms(cache["Z2"]),
        "dZ2": _rms(dZ2), "dA1": _rms(dA1), "dZ1": _rms(dA1 * (cache["Z1"] > 0)),
        "dW1": _rms(grads["W1"]), "dW2": _rms(grads["W2"]),
        "cost": model._cost_from(cache, y, params, c),
    }
