"""Self-checks for Chapter 8: your layers, CS231n style, and the network built from them.

A layer is two functions: ``forward(inputs) -> (out, cache)`` and ``backward(dout, cache)``
that returns the gradients of the forward's inputs. The caches are fixed by the chapter,
so that each backward is checked on its own: ``(A, W)`` for the affine layer, ``Z`` for
the ReLU. Each check runs your function on seeded problems (``n, n_in, n_out = 5, 6, 4``,
all different; other seeds draw other sizes), compares it with the book's derivation and,
when they differ, names the usual mistake and where the chapter derives the part.

>>> def relu_backward(dA, cache):
...     return dA * (cache > 0)
>>> print(check_relu_backward(relu_backward))
✓ relu_backward: matches the ReLU's backward (n = 1 and 5, Z with both signs and zeros).
"""

from __future__ import annotations

import numpy as np

from .. import layers, model
from ._hints import Failed, close, dims, shape
from .selfcheck import CheckResult, _call, _check, check_softmax_loss

__all__ = ["check_affine_forward", "check_affine_backward", "check_relu_forward",
           "check_relu_backward", "check_softmax_head", "check_cost_grad", "CheckResult"]

# Where the chapter derives each part: the hint of a wrong one, never its formula
GUIDE = {"Z": "See the affine layer's forward in Chapter 8, §3.1 (Chapter 2, §1 is the case "
              "of the first layer).",
         "dA": "Derive it in Chapter 8, §3.1: which entries of Z does one entry A[s, q] "
               "influence, and with which coefficient?",
         "dW": "Derive it in Chapter 8, §3.1: which entries of Z does one weight W[q, r] "
               "influence? Sum over them.",
         "db": "Derive it in Chapter 8, §3.1: in which entries of Z does one bias b[r] "
               "appear, and with which coefficient?",
         "relu": "See the ReLU and its derivative in Chapter 2, §2 (and §3.4 for its "
                 "backward).",
         "net": "See the loops of Chapter 8, §4: forward through every layer keeping the "
                "caches, the head, then backward in reverse order."}
_CACHE = {"affine": "The chapter fixes the affine cache as the pair (A, W): the inputs that "
                    "affine_backward needs.",
          "relu": "The chapter fixes the ReLU's cache as Z, its input."}
# handin's functions a layer must not call while checked here (the graded build switches
# off the layers' methods too: handin.course._tripwire.FORBID)
_FORBID = ("forward", "backward", "cost_grad", "cost")


def _sizes(seed):
    return dims(seed, (5, 6, 4), ((3, 9), (4, 10), (2, 8)))


def _problem(seed):
    """``A (n, n_in), W (n_in, n_out), b (n_out,), dZ (n, n_out)`` drawn for ``seed``."""
    n, n_in, n_out = _sizes(seed)
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, n_in)), rng.normal(size=(n_in, n_out)),
            rng.normal(size=n_out), rng.normal(size=(n, n_out)))


def _pair(out, what):
    if not isinstance(out, tuple) or len(out) != 2:
        raise Failed(f"must return a pair ({what}, cache).", "Return the output and the cache "
                     "together, as a tuple of two: the layer API of Chapter 8, §3.")
    return out


def _cache_is(cache, want, kind):
    parts = want if isinstance(want, tuple) else (want,)
    got = cache if isinstance(want, tuple) else (cache,)
    if not (isinstance(got, tuple) and len(got) == len(parts)
            and all(close(g, p) for g, p in zip(got, parts))):
        raise Failed("the cache is not what the chapter asks for.", _CACHE[kind])


def check_affine_forward(fn, *, seed=0):
    """Check ``fn(A, W, b) -> (Z, cache)``: ``Z = A W + b`` (n, n_out), cache ``(A, W)``.

    Returns
    -------
    CheckResult
        Not ok with a hint for: a missing bias, a transposed output, a cache other than
        ``(A, W)``.
    """
    def body():
        A, W, b, _ = _problem(seed)
        for A in (A, A[:1]):
            Z, cache = _pair(_call(fn, A, W, b, forbid=_FORBID), "Z")
            shape("Z", Z, (len(A), len(b)), "(n, n_out)", None, guide=GUIDE["Z"])
            if not close(Z, A @ W + b):
                raise Failed("Z is missing the bias b." if close(Z, A @ W) else "Z is wrong.",
                             GUIDE["Z"])
            _cache_is(cache, (A, W), "affine")
        return f"matches the affine layer (n = 1 and {_sizes(seed)[0]}) and caches (A, W)."
    return _check(fn, "affine_forward", body)


def check_affine_backward(fn, *, seed=0):
    """Check ``fn(dZ, cache) -> (dA, dW, db)`` for the cache ``(A, W)`` of ``Z = A W + b``.

    Returns
    -------
    CheckResult
        Not ok with a hint for: transposed shapes, a bias gradient summed over the wrong
        axis, kept 2-D or averaged, an extra 1/n in ``dW``, ``dW`` and ``dA`` swapped.
    """
    def body():
        A, W, _, dZ = _problem(seed)
        for A, dZ in ((A, dZ), (A[:1], dZ[:1])):
            out = _call(fn, dZ, (A, W), forbid=_FORBID)
            if not isinstance(out, tuple) or len(out) != 3:
                raise Failed("must return a triple (dA, dW, db).", "The gradients of the "
                             "forward's three inputs, in their order: Chapter 8, §3.1.")
            got = dict(zip(("dA", "dW", "db"), out))
            for key, want, names in (("dA", A.shape, "the shape of A, (n, n_in)"),
                                     ("dW", W.shape, "the shape of W, (n_in, n_out)"),
                                     ("db", W.shape[1:], "the shape of b, (n_out,)")):
                shape(key, got[key], want, names, len(A), guide=GUIDE[key])
            n, want = len(A), {"dA": dZ @ W.T, "dW": A.T @ dZ, "db": dZ.sum(axis=0)}
            wrong = {"dW": [(want["dW"] / n, "dW is divided by n: the 1/n of the mean cost "
                                             "is already in dZ.")],
                     "db": [(want["db"] / n, "db averages over the samples: the 1/n of the "
                                             "mean cost is already in dZ.")]}
            for key in ("dA", "dW", "db"):
                if close(got[key], want[key]):
                    continue
                for value, verdict in wrong.get(key, ()) if n > 1 else ():
                    if close(got[key], value):
                        raise Failed(verdict, GUIDE[key])
                raise Failed(f"{key} is wrong"
                             + (" for a single sample (n = 1)." if n == 1 else "."), GUIDE[key])
        return f"matches the affine layer's backward (n = 1 and {_sizes(seed)[0]})."
    return _check(fn, "affine_backward", body)


def _relu_problem(seed):
    n, h, _ = _sizes(seed)
    Z = np.random.default_rng(seed + 1).normal(size=(n, h))
    Z[0, :2] = 0.0                  # relu'(0): the book takes 0, as Z > 0 does
    Z[1, 0] = -abs(Z[1, 0]) - 0.5   # both signs whatever the draw
    Z[1, 1] = abs(Z[1, 1]) + 0.5
    return Z, np.random.default_rng(seed + 2).normal(size=(n, h))


def check_relu_forward(fn, *, seed=0):
    """Check ``fn(Z) -> (A, cache)``: ``A = max(Z, 0)`` entry by entry, cache ``Z``.

    Returns
    -------
    CheckResult
        Not ok with a hint for: no ReLU, the negative part kept, an absolute value, a
        cache other than ``Z``.
    """
    def body():
        Z, _ = _relu_problem(seed)
        A, cache = _pair(_call(fn, Z, forbid=_FORBID), "A")
        shape("A", A, Z.shape, "the shape of Z", None, guide=GUIDE["relu"])
        mistakes = ((Z, "A still has negative entries: the ReLU is missing."),
                    (np.minimum(Z, 0), "A keeps the negative part of Z and drops the positive."),
                    (np.abs(Z), "A is |Z|: the ReLU sets negative entries to 0."))
        if not close(A, np.maximum(Z, 0)):
            for value, verdict in mistakes:
                if close(A, value):
                    raise Failed(verdict, GUIDE["relu"])
            raise Failed("A is wrong.", GUIDE["relu"])
        _cache_is(cache, Z, "relu")
        return "matches the ReLU (Z with both signs and zeros) and caches Z."
    return _check(fn, "relu_forward", body)


def check_relu_backward(fn, *, seed=0):
    """Check ``fn(dA, cache) -> dZ`` for the cache ``Z``: ``dZ = dA`` where ``Z > 0``, else 0.

    Returns
    -------
    CheckResult
        Not ok with a hint for: a missing mask, a mask of the wrong sign, a gradient let
        through where ``Z = 0``, multiplying by ``Z`` or by ``relu(Z)``.
    """
    def body():
        Z, dA = _relu_problem(seed)
        for Z, dA in ((Z, dA), (Z[:1], dA[:1])):
            dZ = _call(fn, dA, Z, forbid=_FORBID)
            shape("dZ", dZ, Z.shape, "the shape of Z", None, guide=GUIDE["relu"])
            mistakes = ((dA, "the mask is missing: the gradient passes where the unit was "
                             "off."),
                        (dA * (Z < 0), "the mask has the wrong sign: it passes the gradient "
                                       "where the unit was off."),
                        (dA * (Z >= 0), "the gradient passes where Z = 0: the book takes the "
                                        "ReLU's derivative at 0 to be 0."),
                        (dA * Z, "dA is multiplied by Z, the ReLU's input, not by its "
                                 "derivative."),
                        (dA * np.maximum(Z, 0), "dA is multiplied by relu(Z), the ReLU's "
                                                "output, not by its derivative."))
            if not close(dZ, dA * (Z > 0)):
                for value, verdict in mistakes:
                    if close(dZ, value):
                        raise Failed(verdict, GUIDE["relu"])
                raise Failed("dZ is wrong.", GUIDE["relu"])
        return (f"matches the ReLU's backward (n = 1 and {_sizes(seed)[0]}, Z with both signs "
                "and zeros).")
    return _check(fn, "relu_backward", body)


def check_softmax_head(fn, *, seed=0):
    """Check ``fn(Z, y) -> (loss, dZ)``, the network's head: Chapter 1's loss and gradient,
    by :func:`handin.course.selfcheck.check_softmax_loss` (the same problems and mistakes).
    """
    result = check_softmax_loss(fn, seed=seed)
    return CheckResult(getattr(fn, "__name__", "softmax_ce"), result.ok, *result.lines)


def _net_problem(seed, L):
    """``X, y, params`` of an ``L``-layer network, non-zero biases, both signs in every Z."""
    n, d, h = _sizes(seed)
    k = 3
    rng = np.random.default_rng([seed, L])
    sizes = [d] + [h + l for l in range(L - 1)] + [k]
    params = layers.init_params(sizes, "he", rng=rng)
    for l in range(1, L + 1):
        params[f"b{l}"] = rng.normal(scale=0.5, size=sizes[l])
    return rng.normal(size=(n, d)), rng.permutation(np.arange(n) % k), params


def check_cost_grad(fn, *, seed=0):
    """Check ``fn(X, y, params, c) -> (J, grads)`` for an ``L``-layer ReLU network with
    ``params`` ``W1, b1, ..., WL, bL``, against the book's reference (L = 2 and 3).

    Returns
    -------
    CheckResult
        Not ok with a hint for: a missing decay term (in J or in the gradients), a decay
        term of c W, decayed biases, a ReLU after the last layer, gradients under the wrong
        keys, a network that works for two layers only.
    """
    def body():
        for L in (2, 3):
            X, y, params = _net_problem(seed, L)
            for c in (0.0, 0.1):
                out = _call(fn, X, y, params, c, forbid=_FORBID)
                if not isinstance(out, tuple) or len(out) != 2:
                    raise Failed("must return a pair (J, grads).", GUIDE["net"])
                J, g = out
                if not isinstance(g, dict) or sorted(g) != sorted(params):
                    lacks = sorted(set(params) - set(g)) if isinstance(g, dict) else []
                    raise Failed(f"grads must be a dict with the keys of params, "
                                 f"{', '.join(params)}" + (f"; it lacks {', '.join(lacks)} "
                                 f"(L = {L})." if lacks else "."), GUIDE["net"])
                _compare_net(float(np.squeeze(J)), g, X, y, params, c, L)
        return "matches the reference (L = 2 and 3, c = 0 and 0.1)."
    return _check(fn, "cost_grad", body)


def _compare_net(J, g, X, y, params, c, L):
    net = layers.from_params({k: v.copy() for k, v in params.items()}, c)
    J_ref, g_ref = net.cost_grad(X, y)
    decay = c * sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, L + 1))
    where = "the last layer's logits go to the head as they are: no ReLU after the last layer."
    if not close(J, J_ref):
        Z = np.asarray(net.Z[-1])
        relu_last = model.cross_entropy(np.maximum(Z, 0), y) + decay
        verdict = ("J has no decay term." if c and close(J, J_ref - decay) else
                   f"J is right for L = 2 but not for L = {L}." if L > 2 else
                   f"the logits pass through a ReLU: {where}" if close(J, relu_last) else
                   f"J is {J:.6g}, expected {J_ref:.6g}.")
        raise Failed(verdict, GUIDE["net"])
    for key in sorted(params, key=lambda k: (-int(k[1:]), k)):      # from the top
        got = np.asarray(g[key], dtype=float)
        shape(f"d{key}", got, params[key].shape, f"the shape of {key}", len(X),
              guide=GUIDE["net"])
        if close(got, g_ref[key]):
            continue
        if c and key[0] == "W" and close(got, g_ref[key] - 2 * c * params[key]):
            raise Failed(f"d{key} has no decay term: the cost's c ||{key}||² adds its "
                         "derivative.", "Chapter 8, §4: BP4 with the decay term.")
        if c and key[0] == "W" and close(got, g_ref[key] - c * params[key]):
            raise Failed(f"the decay term of d{key} is c {key}: that is not the derivative of "
                         f"c ||{key}||².", "Chapter 8, §4: BP4 with the decay term.")
        if c and key[0] == "b" and close(got, g_ref[key] + 2 * c * params[key]):
            raise Failed(f"the bias {key} is decayed: the cost decays the weights only.",
                         "Chapter 2, §3.7.")
        raise Failed(f"d{key} is wrong (L = {L}, c = {c}).", GUIDE["net"])
