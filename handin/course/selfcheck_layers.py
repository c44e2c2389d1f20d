"""Self-checks for Chapter 8: your linear layer's backward pass and your δ recursion.

As in :mod:`handin.course.selfcheck`: each check runs your code on small seeded problems
(``n, n_in, n_out = 5, 6, 4``, all different, so that a wrong axis shows in a shape;
other seeds draw other sizes),
compares it with :mod:`handin.layers` and, when they differ, names the usual mistake.

>>> from handin import layers
>>> print(check_delta(lambda delta_next, W_next, Z: (delta_next @ W_next.T) * (Z > 0)))
✓ <lambda>: matches (δ_{l+1} W_{l+1}ᵀ) ⊙ 1[Z_l > 0] on a problem with both signs in Z_l.
>>> print(check_linear(layers.Linear))       # handin's own layer is not your answer
✗ Linear: Linear.backward calls handin.layers.Linear.backward: write it yourself.
  The check compares your layer with handin's; handin's own backward proves nothing.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .. import gradcheck, layers
from ._hints import Failed, close, dims, shape
from .selfcheck import CheckResult, _call, _check

__all__ = ["check_linear", "check_delta", "CheckResult"]

N, N_IN, N_OUT = 5, 6, 4
C = 0.1


def _sizes(seed):
    """``(n, n_in, n_out)``: 5, 6, 4 for seed 0, other sizes for the hidden tests' seeds."""
    return dims(seed, (N, N_IN, N_OUT), ((3, 9), (4, 10), (2, 8)))


def _problem(seed=0):
    n, n_in, n_out = _sizes(seed)
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, n_in)), rng.normal(size=(n_in, n_out)),
            rng.normal(size=n_out), rng.normal(size=(n, n_out)))


def _linear_mistakes(name, got, A, W, dZ, c):
    """Name the mistake in ``got``, the ``name`` part of a linear layer's backward."""
    n, n_out = dZ.shape
    want = {"dA": dZ @ W.T, "dW": A.T @ dZ + 2 * c * W, "db": dZ.sum(axis=0)}[name]
    wrong = {"dW": [(A.T @ dZ, "dW has no decay term: the layer's cost has c ||W||², and its "
                               "derivative belongs in dW."),
                    (A.T @ dZ + c * W, "the decay term of dW is c W: that is not the derivative "
                                       "of c ||W||²."),
                    (A.T @ dZ / n + 2 * c * W, "dW is divided by n: the 1/n is already in the "
                                               "upstream gradient (the cost is a mean).")],
             "db": [(dZ.mean(axis=0), "db is n times too small: it averages over the samples, "
                                      "but the 1/n is already upstream."),
                    (dZ.sum(axis=0) + 2 * c * np.ones(n_out), "db has a decay term, but the "
                                                              "bias is not decayed.")],
             "dA": [(dZ @ W.T + 2 * c * A, "dA has a decay term; the decay is of W, not of A.")]}
    if close(got, want):
        return
    for value, verdict in wrong[name]:
        if close(got, value):
            raise Failed(verdict, _GUIDE[name])
    raise Failed(f"{name} is wrong (max |diff| {float(np.abs(got - want).max()):.2g}).",
                 _GUIDE[name])


# Where the course derives each part (Chapter 8, §3: Chapter 2's dW2, db2 and dA1 with the
# layer's names): the hint of a wrong one, never its formula
_GUIDE = {"dA": "dA is Chapter 2's dA1 with the layer's names: derive it as in Chapter 2, §3.3.",
          "dW": "dW is Chapter 2's dW2 with the layer's names, decay term included: derive it "
                "as in Chapter 2, §3.2.",
          "db": "db is Chapter 2's db2 with the layer's names: derive it as in Chapter 2, §3.2.",
          "delta": "Derive δ_l in Chapter 8, §4: which entries of Z_{l+1} does Z_l[s, u] "
                   "influence, and through what? (Chapter 2, §3.3 and §3.4 are the case L = 2.)"}


@contextlib.contextmanager
def _watch_linear_backward():
    """Within the block, calls to ``handin.layers.Linear.backward`` are noted."""
    original, called = layers.Linear.backward, []

    def wire(self, *args, **kwargs):
        called.append(True)
        return original(self, *args, **kwargs)

    layers.Linear.backward = wire
    try:
        yield called
    finally:
        layers.Linear.backward = original


def check_linear(cls, *, seed=0):
    """Check a class ``cls(W, b, c)`` with ``forward(A)`` and ``backward(dZ) -> dA`` that
    fills ``grads['W']`` and ``grads['b']``, against :class:`handin.layers.Linear`.

    ``seed`` draws other problems (the course's hidden tests). ``cls`` may inherit
    ``forward`` from ``handin.layers.Linear``, but a ``backward`` that is, or calls,
    ``handin.layers.Linear.backward`` fails: it must be written, not borrowed.

    Returns
    -------
    CheckResult
        Not ok with a hint for: transposed shapes, a bias gradient summed over the wrong
        axis or averaged, an extra 1/n, a missing or halved decay term, a decayed bias.
    """
    def body():
        for c in (0.0, C):
            A, W, b, dZ = _problem(seed)
            layer = _call(lambda: cls(W.copy(), b.copy(), c))
            _call(layer.forward, A)
            with _watch_linear_backward() as called:
                dA = _call(layer.backward, dZ)
            if called:
                raise Failed(f"{getattr(cls, '__name__', 'your layer')}.backward calls "
                             "handin.layers.Linear.backward: write it yourself.",
                             "The check compares your layer with handin's; handin's own "
                             "backward proves nothing.")
            got = {"dA": dA, **{"d" + k: layer.grads.get(k) for k in ("W", "b")}}
            for name, want in (("dA", A.shape), ("dW", W.shape), ("db", b.shape)):
                shape(name, got[name], want, f"the shape of {name[1:]}", len(A),
                      guide=_GUIDE[name])
            for name in ("dW", "db", "dA"):
                _linear_mistakes(name, np.asarray(got[name], dtype=float), A, W, dZ, c)
        if not _numerical(cls, A, W, b, C, seed).passed(1e-7):
            raise Failed("agrees with handin.layers.Linear but not with central differences.")
        return ("matches handin.layers.Linear (c = 0 and 0.1) and the numerical check of every "
                "array.")
    return _check(cls, "Linear", body)


def _numerical(cls, A, W, b, c, seed):
    """``cls``'s backward against central differences of ``sum(G * forward(A)) + c ||W||²``
    (as :func:`handin.layers.check_layer`), each value from a fresh layer: the layer may
    live in the student's kernel, where moving its arrays in place from here moves nothing."""
    G = np.random.default_rng(seed).normal(size=(len(A), W.shape[1]))
    layer = cls(W.copy(), b.copy(), c)
    layer.forward(A.copy())
    grads = {"input": layer.backward(G), **layer.grads}

    def f(p):
        out = cls(p["W"].copy(), p["b"].copy(), c).forward(p["input"].copy())
        return float(np.sum(G * out)) + c * float(np.sum(p["W"] ** 2))
    return gradcheck.compare(f, {"input": A.copy(), "W": W.copy(), "b": b.copy()}, grads,
                             seed=seed)


def check_delta(fn, *, seed=0):
    """Check ``fn(delta_next, W_next, Z) -> delta``, one step of the δ recursion:
    ``δ_l = (δ_{l+1} @ W_{l+1}.T) * (Z_l > 0)``. ``seed`` draws other problems.

    Returns
    -------
    CheckResult
        Not ok with a hint for: ``W_next`` not transposed, a missing ReLU mask, a mask
        with the wrong sign, and multiplying by ``Z`` instead of its 0/1 derivative.
    """
    def body():
        n, n_in, n_out = _sizes(seed)
        rng = np.random.default_rng(seed + 1)
        Z, W_next = rng.normal(size=(n, n_in)), rng.normal(size=(n_in, n_out))
        delta_next = rng.normal(size=(n, n_out))
        got = _call(fn, delta_next, W_next, Z)
        shape("delta", got, Z.shape, "the shape of Z_l", n, guide=_GUIDE["delta"])
        got, back = np.asarray(got, dtype=float), delta_next @ W_next.T
        mistakes = {"the ReLU mask is missing: δ_l stops at the linear layer's backward and "
                    "skips the ReLU's.": back,
                    "the mask has the wrong sign: it passes the gradient where the unit was "
                    "off.": back * (Z < 0),
                    "δ is multiplied by Z_l, the ReLU's input, not by the derivative of the "
                    "ReLU.": back * Z,
                    "δ is multiplied by relu(Z_l), the ReLU's output, not by its derivative.":
                        back * np.maximum(Z, 0)}
        if not close(got, back * (Z > 0)):
            for verdict, value in mistakes.items():
                if close(got, value):
                    raise Failed(verdict, _GUIDE["delta"])
            raise Failed("delta is wrong.", _GUIDE["delta"])
        return "matches (δ_{l+1} W_{l+1}ᵀ) ⊙ 1[Z_l > 0] on a problem with both signs in Z_l."
    return _check(fn, "delta", body)
