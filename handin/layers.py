"""Backpropagation as an algorithm: layers with a forward and a backward, stacked to any depth.

Every layer is a small object. ``forward`` computes its output and keeps (caches) what
its backward needs; ``backward(upstream)`` takes ∂J/∂(its output) and returns
∂J/∂(its input), and a layer with parameters also fills ``grads``, a dict with the keys
of ``params``. A :class:`Sequential` runs the layers forwards, then backwards in reverse
order: that is the whole algorithm, whatever the depth. For ``L`` linear layers, with
``δ_l = ∂J/∂Z_l`` of shape (n, size of layer l)::

    δ_L = (P - Y) / n                                   softmax + cross-entropy
    δ_l = (δ_{l+1} @ W_{l+1}.T) * (Z_l > 0)             ReLU, l = L-1, ..., 1
    dW_l = A_{l-1}.T @ δ_l + 2 c W_l,  db_l = sum_s δ_l[s]     with A_0 = X

With ``L = 2`` these are the lines of :func:`handin.backward`, and the tests check that
the two agree to 1e-12.

>>> net = network([4, 5, 3], seed=0, c=0.1)
>>> X, y = np.ones((2, 4)), np.array([0, 2])
>>> J, g = net.cost_grad(X, y)
>>> sorted(g) == sorted(net.params) == ['W1', 'W2', 'b1', 'b2']
True
"""

from __future__ import annotations

import numpy as np

from . import gradcheck, model
from ._validation import ParameterError, check_dtype, check_scalar, check_X_y

__all__ = ["Linear", "ReLU", "SoftmaxCrossEntropy", "SoftmaxSquaredError", "Sequential", "INITS",
           "init_params", "network", "from_params", "check_layer", "gradient_check", "layer_scales", "sgd"]


class Linear:
    """``Z = A @ W + b``, with weight decay ``c ||W||²`` counted in its cost and gradient.

    Parameters
    ----------
    W : ndarray of shape (n_in, n_out)
    b : ndarray of shape (n_out,)
    c : float, default=0.0
        Weight decay of this layer's ``W`` (the bias is not decayed).
    """

    def __init__(self, W, b, c=0.0):
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.c = check_scalar(c, "c", float, min_val=0.0)
        self.A = None

    def forward(self, A):
        """``A`` (n, n_in) -> ``Z`` (n, n_out); keeps ``A`` for the backward pass."""
        self.A = A
        return A @ self.params["W"] + self.params["b"]

    def backward(self, dZ):
        """``dZ`` = ∂J/∂Z (n, n_out) -> ∂J/∂A (n, n_in); fills ``grads['W']`` and ``grads['b']``."""
        W = self.params["W"]
        self.grads["W"] = self.A.T @ dZ + 2 * self.c * W
        self.grads["b"] = dZ.sum(axis=0)
        return dZ @ W.T

    def decay(self):
        """This layer's term of the cost, ``c ||W||²``, a float."""
        return self.c * float(np.sum(np.square(self.params["W"]), dtype=np.float64))


class ReLU:
    """``A = max(Z, 0)``; the backward pass lets the gradient through where ``Z > 0``."""

    params = grads = {}

    def forward(self, Z):
        self.on = Z > 0
        return np.where(self.on, Z, 0)

    def backward(self, dA):
        return dA * self.on


class SoftmaxCrossEntropy:
    """The mean cross-entropy of softmax(Z) against labels ``y``; its gradient is ``(P - Y) / n``."""

    params = grads = {}

    def forward(self, Z, y):
        """Logits ``Z`` (n, k) and labels ``y`` (n,) -> the mean cross-entropy, a float."""
        self.P, self.y = model.softmax(Z), y
        return model.cross_entropy(Z, y)

    def backward(self, upstream=1.0):
        """∂J/∂Z = upstream * (P - Y) / n, shape (n, k); ``upstream`` = ∂J/∂(the loss)."""
        n, k = self.P.shape
        return upstream * (self.P - model.one_hot(self.y, k, self.P.dtype)) / n


class SoftmaxSquaredError:
    """The squared error ``1/(2n) sum_s ||P[s] - Y[s]||²`` of softmax probabilities, for comparison.

    Its gradient passes ``(P - Y) / n`` back through the softmax's Jacobian
    ``diag(p) - p pᵀ``, which is near 0 when ``p`` is near a one-hot vector, right or wrong:
    the learning slowdown that cross-entropy does not have.
    """

    params = grads = {}

    def forward(self, Z, y):
        self.P, self.y = model.softmax(Z), y
        n, k = self.P.shape
        return float(np.sum(np.square(self.P - model.one_hot(y, k, self.P.dtype))) / (2 * n))

    def backward(self, upstream=1.0):
        n, k = self.P.shape
        G = upstream * (self.P - model.one_hot(self.y, k, self.P.dtype)) / n    # ∂J/∂P
        return self.P * (G - np.sum(G * self.P, axis=1, keepdims=True))        # through softmax


class Sequential:
    """Layers run in order, ending in a loss: :class:`SoftmaxCrossEntropy` unless ``loss`` is given.

    ``params`` and ``grads`` name the ``l``-th :class:`Linear` layer's arrays ``Wl`` and
    ``bl`` (``W1, b1, W2, b2`` for two layers, the keys of :func:`handin.init_params`).
    They are the layers' own arrays: changing an entry of ``params[name]`` in place
    changes the network.
    """

    def __init__(self, *layers, loss=None):
        self.layers = list(layers)
        self.loss = loss or SoftmaxCrossEntropy()

    @property
    def linears(self):
        """The :class:`Linear` layers, in order."""
        return [layer for layer in self.layers if isinstance(layer, Linear)]

    def _named(self, attr):
        return {f"{key}{l}": getattr(layer, attr)[key]
                for l, layer in enumerate(self.linears, 1) for key in ("W", "b")}

    @property
    def params(self):
        return self._named("params")

    @property
    def grads(self):
        return self._named("grads")

    def forward(self, X):
        """The logits ``Z_L`` of ``X`` (n, d), shape (n, k); every layer keeps its cache."""
        self.Z = []                   # Z_1, ..., Z_L, kept for layer_scales
        A = X
        for layer in self.layers:
            A = layer.forward(A)
            if isinstance(layer, Linear):
                self.Z.append(A)
        return A

    def cost(self, X, y):
        """Mean cross-entropy + the decay of every layer: the cost J, a float."""
        return self.loss.forward(self.forward(X), y) + sum(lin.decay() for lin in self.linears)

    def backward(self, upstream=1.0):
        """After :meth:`cost`: fill every layer's ``grads``, and return ∂J/∂X (n, d)."""
        delta = self.loss.backward(upstream)
        for layer in reversed(self.layers):
            delta = layer.backward(delta)
        return delta

    def cost_grad(self, X, y):
        """One forward and one backward pass: ``(J, grads)``, grads copied out of the layers."""
        J = self.cost(X, y)
        self.backward()
        return J, {k: v.copy() for k, v in self.grads.items()}

    def predict(self, X):
        """Predicted labels, shape (n,)."""
        return np.argmax(self.forward(X), axis=1)


def _book_std(l, n_in, n_out):
    # handin.init_params: Glorot's variance, doubled for a layer that follows a ReLU
    return np.sqrt((2.0 if l == 1 else 4.0) / (n_in + n_out))


INITS = {
    "book": _book_std,
    "glorot": lambda l, n_in, n_out: np.sqrt(2.0 / (n_in + n_out)),
    "he": lambda l, n_in, n_out: np.sqrt(2.0 / n_in),
}
"""Standard deviation of layer ``l``'s weights (1-based), by name: the book's (as
:func:`handin.init_params`), Glorot's ``2 / (n_in + n_out)`` and He's ``2 / n_in`` variance."""


def _check_sizes(sizes):
    sizes = [check_scalar(s, "sizes", int, min_val=1) for s in sizes]
    if len(sizes) < 2 or sizes[-1] < 2:
        raise ParameterError("sizes", "sizes must list at least the inputs and the classes "
                                      f"(>= 2), e.g. [784, 256, 10]; got {sizes}.")
    return sizes


def init_params(sizes, init="book", *, seed=None, rng=None, dtype=np.float64):
    """Weights ``Wl ~ N(0, std²)`` by the rule ``init``, zero biases, for layers of ``sizes``.

    Parameters
    ----------
    sizes : list of int
        ``[d, h_1, ..., h_{L-1}, k]``: inputs, hidden widths, classes; ``L`` = len(sizes) - 1.
    init : {"book", "glorot", "he"}
        See :data:`INITS`. With "book" and two layers this is :func:`handin.init_params`,
        draw for draw.
    seed, rng
        A seed for a fresh generator, or a ``numpy.random.Generator``; give one.
    dtype : {numpy.float64, numpy.float32}

    Returns
    -------
    params : dict
        ``W1 (sizes[0], sizes[1]), b1, ..., WL, bL``.
    """
    sizes = _check_sizes(sizes)
    if init not in INITS:
        raise ParameterError("init", f"init must be one of {sorted(INITS)}, got {init!r}.")
    rng, dtype = model._make_rng(seed, rng), check_dtype(dtype)
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        params[f"W{l}"] = rng.normal(0.0, INITS[init](l, n_in, n_out), (n_in, n_out)).astype(dtype)
        params[f"b{l}"] = np.zeros(n_out, dtype)
    return params


def from_params(params, c=0.0, loss=None):
    """The :class:`Sequential` Linear, ReLU, ..., Linear with the arrays ``W1, b1, ..., WL, bL``.

    The network uses ``params``'s arrays themselves (no copy); ``loss`` is as in
    :class:`Sequential`.
    """
    L = len(params) // 2
    if L < 1 or sorted(params) != sorted(f"{key}{l}" for l in range(1, L + 1) for key in "Wb"):
        raise ParameterError("params", "params must hold W1, b1, ..., WL, bL; "
                                       f"got {sorted(params)}.")
    layers = []
    for l in range(1, L + 1):
        layers += [Linear(params[f"W{l}"], params[f"b{l}"], c)] + ([ReLU()] if l < L else [])
    return Sequential(*layers, loss=loss)


def network(sizes, init="book", *, c=0.0, seed=None, rng=None, dtype=np.float64):
    """An ``L``-layer ReLU network for layers of ``sizes``: :func:`from_params` of
    :func:`init_params`.

    >>> [type(layer).__name__ for layer in network([4, 3, 3, 2], seed=0).layers]
    ['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']
    """
    return from_params(init_params(sizes, init, seed=seed, rng=rng, dtype=dtype), c)


def gradient_check(net, X, y, *, eps=1e-5, n_entries=None, seed=0):
    """Every parameter of ``net`` checked against central differences of its cost.

    As :func:`handin.gradient_check`, for a network of any depth; ``net``'s arrays must
    be float64 (they are moved by ``eps`` in place, and put back exactly).

    Returns
    -------
    handin.gradcheck.GradCheck
        Rows ``W1, b1, ..., WL, bL``.
    """
    X, y = check_X_y(X, y)
    _, grads = net.cost_grad(X, y)
    return gradcheck.compare(lambda p: net.cost(X, y), net.params, grads, eps=eps,
                             n_entries=n_entries, seed=seed)


def check_layer(layer, A, *, seed=0, eps=1e-5):
    """One layer on its own, CS231n style: its backward against central differences.

    With a random upstream gradient ``G`` of the output's shape, the scalar
    ``f = sum(G * layer.forward(A))`` has ∂f/∂A = ``layer.backward(G)`` and ∂f/∂params
    = ``layer.grads``; both are compared numerically.

    Returns
    -------
    handin.gradcheck.GradCheck
        A row ``input`` for the downstream gradient, then one per parameter.
    """
    A = np.array(A, dtype=np.float64)
    G = np.random.default_rng(seed).normal(size=np.shape(layer.forward(A)))
    dA = layer.backward(G)
    grads = {"input": dA, **{k: v.copy() for k, v in layer.grads.items()}}
    c = getattr(layer, "c", 0.0)

    def f(p):
        # the scalar whose gradient backward computes: sum(G * output), plus the decay term
        return float(np.sum(G * layer.forward(p["input"]))) + (layer.decay() if c else 0.0)

    return gradcheck.compare(f, {"input": A, **layer.params}, grads, eps=eps, seed=seed)


def _rms(a):
    return float(np.sqrt(np.mean(np.square(a, dtype=np.float64))))


def layer_scales(net, X, y):
    """Root mean square of every layer's pre-activations ``Z_l`` and weight gradients ``dW_l``.

    Returns
    -------
    scales : dict
        ``Z``: list of rms(Z_1), ..., rms(Z_L); ``dW``: list of rms(dW_1), ..., rms(dW_L);
        ``cost``: the cost.
    """
    X, y = check_X_y(X, y)
    J, grads = net.cost_grad(X, y)
    L = len(net.linears)
    return {"Z": [_rms(Z) for Z in net.Z], "dW": [_rms(grads[f"W{l}"]) for l in range(1, L + 1)],
            "cost": J}


def sgd(net, X, y, *, lr, epochs, batch_size, seed=0):
    """Mini-batch SGD on ``net``'s arrays in place, ``W -= lr * dW`` for every parameter.

    The samples are shuffled each epoch by a generator seeded with ``seed``.

    Returns
    -------
    list of float
        The cost on ``(X, y)`` after each epoch (``inf`` from the first epoch it is not finite).
    """
    X, y = check_X_y(X, y)
    lr = check_scalar(lr, "lr", float, min_val=0.0, include_min=False)
    epochs = check_scalar(epochs, "epochs", int, min_val=1)
    batch_size = check_scalar(batch_size, "batch_size", int, min_val=1)
    rng, costs = np.random.default_rng(seed), []
    params = net.params
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            perm = rng.permutation(len(X))
            for first in range(0, len(X), batch_size):
                batch = perm[first:first + batch_size]
                net.cost(X[batch], y[batch])
                net.backward()
                for name, g in net.grads.items():
                    params[name] -= lr * g
            J = net.cost(X, y)
            costs.append(J if np.isfinite(J) else np.inf)
    return costs
