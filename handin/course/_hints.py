"""The diagnoses behind :mod:`handin.course.selfcheck`: given a wrong result and the reference,
name the usual mistake that explains it. Each raises :class:`Failed` with the report."""

from __future__ import annotations

import numpy as np

from .. import model

N, D, H, K = 5, 6, 4, 3   # all different, so that a wrong axis shows in a shape
C = 0.1
FORMULAS = {"W2": "A1.T @ dZ2 + 2 * c * W2", "b2": "dZ2.sum(axis=0)",
            "W1": "X.T @ dZ1 + 2 * c * W1", "b1": "dZ1.sum(axis=0)",
            "W": "X.T @ dZ + 2 * c * W", "b": "dZ.sum(axis=0)",
            "Z1": "X @ W1 + b1", "Z": "(P - Y) / n", "A1": "relu(Z1)", "Z2": "A1 @ W2 + b2", "P": "softmax(Z2)"}


def dims(seed, base=(N, D, H, K), ranges=((3, 9), (4, 10), (2, 8), (2, 6))):
    """The sizes of a self-check's problem for ``seed``: the hidden tests' problems have
    other shapes than the visible one, so an answer hard-coded to its shapes fails.

    Parameters
    ----------
    seed : int
        0 is the visible problem: ``base`` itself.
    base : tuple of int
        The visible problem's sizes, e.g. ``(n, d, h, k)``.
    ranges : tuple of (int, int)
        Inclusive ``(low, high)`` for each size; each must hold a value other than its base.

    Returns
    -------
    tuple of int
        ``base`` for seed 0; otherwise sizes drawn from the seed's own generator, each
        different from its base value and from the others (a wrong axis shows in a shape).
    """
    if seed == 0:
        return tuple(base)
    rng = np.random.default_rng([int(seed), 17])   # not the generator the problem draws from
    while True:
        out = tuple(int(rng.integers(lo, hi + 1)) for lo, hi in ranges)
        if len(set(out)) == len(out) and all(a != b for a, b in zip(out, base)):
            return out


class Failed(Exception):
    """Stops a check; ``args`` are the report's lines (the first one is the verdict)."""


def close(a, b):
    """Same shape and ``allclose`` (rtol 1e-6, atol 1e-9)."""
    a = np.asarray(a, dtype=float)
    return a.shape == np.shape(b) and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


def need_keys(out, keys, what):
    if not isinstance(out, dict) or any(key not in out for key in keys):
        got = sorted(map(str, out)) if isinstance(out, dict) else type(out).__name__
        raise Failed(f"must return a dict with the keys {', '.join(keys)} ({what}), got {got}.")


def shape(key, got, want, names, n=N, formula=None):
    """Raise if ``got`` has not the shape ``want``: transposed, or a bias summed wrongly.

    ``key`` is the array's name as the report says it (``dW1``), ``names`` its shape in words,
    ``n`` the problem's number of samples (None: an array not computed from samples, so no
    summing mistakes), ``formula`` the right formula for the hint (default: :data:`FORMULAS`
    of ``key`` without its ``d``).
    """
    got = np.shape(got)
    if got == want:
        return
    text = f"{key} has shape {got} but must have {names} = {want}"
    formula = formula or FORMULAS.get(key[1:] if key.startswith("d") else key)
    hint = (f"{key} = {formula}.",) if formula else ()
    if len(want) == 2 and got == want[::-1]:
        raise Failed(f"{text}: it is transposed.", *hint)
    kinds = {(n,): "summed over the wrong axis", (1, *want): "kept 2-D (keepdims=True)",
             (n, *want): "not summed over the samples"}
    if n is not None and len(want) == 1 and got in kinds:
        raise Failed(f"{text}: {kinds[got]}.",
                     f"Sum over the samples, .sum(axis=0) without keepdims, to get shape {want}.")
    raise Failed(f"{text}.", *hint)


def forward_values(out, ref, p):
    Z1, A1, Z2, P = (np.asarray(out[key], dtype=float) for key in ("Z1", "A1", "Z2", "P"))
    if not close(Z1, ref["Z1"]):
        raise Failed("Z1 is missing the bias b1." if close(Z1, ref["X"] @ p["W1"]) else
                     "Z1 is wrong.", "Z1 = X @ W1 + b1, shape (n, d) @ (d, h) + (h,).")
    if not close(A1, ref["A1"]):
        raise Failed("A1 still has negative entries: the ReLU is missing." if close(A1, Z1) else
                     "A1 is wrong.", "A1 = relu(Z1) = np.maximum(Z1, 0).")
    if not close(Z2, ref["Z2"]):
        why = ("Z2 is missing the bias b2." if close(Z2, A1 @ p["W2"]) else
               "Z2 is computed from Z1; use the activations A1." if close(Z2, Z1 @ p["W2"] + p["b2"])
               else "Z2 is wrong.")
        raise Failed(why, "Z2 = A1 @ W2 + b2, shape (n, h) @ (h, k) + (k,).")
    if not close(P, ref["P"]):
        why = ("each column of P sums to 1, not each row: softmax over the wrong axis."
               if close(P.sum(axis=0), np.ones(P.shape[1])) else "P is wrong.")
        raise Failed(why, "P = softmax of each row of Z2: normalise with axis=1, keepdims=True.")


def cost_data(J, ref, n):
    if n > 1 and close(J, n * ref):
        raise Failed(f"the cross-entropy is summed over the samples, not averaged (n = {n} "
                     "times too big).", "Divide by n, or use .mean().")
    if close(J, -ref):
        raise Failed("the cost has the wrong sign.", "The cross-entropy is -log P[s, y_s].")
    raise Failed(f"with c = 0 the cost is {J:.6f}, expected {ref:.6f}.",
                 "It is the mean over the samples of -log P[s, y_s].")


def cost_decay(decay, c, p):
    """``decay`` = cost(c) - cost(0); it should be c (||W1||² + ||W2||²)."""
    want = c * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
    if close(decay, want):
        return
    if close(decay, 0.0):
        raise Failed("the cost has no weight decay term.", "Add c * (np.sum(W1**2) + np.sum(W2**2)).")
    if close(decay, want + c * (np.sum(p["b1"] ** 2) + np.sum(p["b2"] ** 2))):
        raise Failed("the biases are decayed too.",
                     "The decay term is c (||W1||² + ||W2||²): the weights only, not b1 and b2.")
    raise Failed(f"the decay term is {decay / want:.3g} times c (||W1||² + ||W2||²).",
                 "It is c * (np.sum(W1**2) + np.sum(W2**2)).")


def grad_decay(name, delta, c, theta):
    """``delta`` = grad(c) - grad(0) of parameter ``name``: 2 c W for weights, 0 for biases."""
    want = 2 * c * theta if name.startswith("W") else 0 * theta
    if close(delta, want):
        return
    f = float(np.sum(delta * theta) / (c * np.sum(theta * theta)))
    proportional = close(delta, f * c * theta)
    if name.startswith("b"):
        raise Failed(f"the bias is decayed: d{name} changes by {f:.3g} c {name} when c > 0." if
                     proportional else f"d{name} changes with c, but the cost decays no bias.",
                     f"The decay term has no {name}, so d{name} gets no c term: d{name} = "
                     f"{FORMULAS[name]}.")
    if proportional and abs(f) < 1e-6:
        raise Failed(f"d{name} has no decay term.", f"Add 2 * c * {name}: the derivative of "
                     f"c ||{name}||² is 2 c {name}.")
    if proportional:
        coef = "" if abs(f - 1) < 1e-6 else f"{f:.3g} "
        raise Failed(f"the decay term of d{name} is {coef}c {name}, not 2 c {name}.",
                     f"The derivative of c ||{name}||² = c sum({name}²) is 2 c {name}.")
    raise Failed(f"d{name} changes with c in a way that is not 2 c {name}.",
                 f"d{name} = {FORMULAS[name]}.")


def backward_data(g, ref, X, y, p, right_for_one):
    """Why the c = 0 gradients ``g`` differ from ``ref``: the 1/n, the ReLU mask, or a formula."""
    n = len(X)
    if all(close(g[k], n * ref[k]) for k in g):
        raise Failed(f"every gradient is n = {n} times too big: the 1/n is missing.",
                     "dZ2 = (P - Y) / n, because the cost is a mean over the samples."
                     + (" (With a single sample it is right: that is how it hides.)"
                        if right_for_one else ""))
    cache = model.forward(X, p)
    dA1 = (cache["P"] - model.one_hot(y, p["W2"].shape[1])) / n @ p["W2"].T
    for name in ("W2", "b2", "W1", "b1"):  # from the top: a wrong dZ2 spoils all below it
        if close(g[name], ref[name]):
            continue
        if close(g[name], ref[name] / n):
            raise Failed(f"d{name} is n = {n} times too small.", "The 1/n is already in dZ2: "
                         "sum over the samples (.sum(axis=0)), don't average (.mean).")
        masks = {"dA1 * (dA1 > 0)": dA1 > 0, "dA1 (no mask)": 1.0, "dA1 * A1": cache["A1"],
                 "dA1 * Z1": cache["Z1"], "dA1 * (Z1 < 0)": cache["Z1"] < 0}
        for label, mask in masks.items() if name in ("W1", "b1") else ():
            dZ1 = dA1 * mask
            if close(g[name], X.T @ dZ1 if name == "W1" else dZ1.sum(axis=0)):
                raise Failed(f"the ReLU mask is wrong: d{name} is what dZ1 = {label} "
                             "would give.", "dZ1 = dA1 * (Z1 > 0): the gradient passes where "
                             "the unit was on in the forward pass, times 1 (or 0).")
        diff = float(np.abs(g[name] - ref[name]).max())
        raise Failed(f"d{name} is wrong (max |diff| {diff:.2g} with c = 0).",
                     f"d{name} = {FORMULAS[name]}.")


def softmax_loss_values(loss, dZ, Z, y):
    """Name the mistake in a softmax cross-entropy ``(loss, dZ)`` of logits ``Z`` (n, k)."""
    n, k = Z.shape
    ref, P, Y = model.cross_entropy(Z, y), model.softmax(Z), model.one_hot(y, k)
    with np.errstate(all="ignore"):
        columns = -np.log(model.softmax(Z.T).T[np.arange(n), y]).mean()
    if not close(loss, ref):
        for wrong, verdict in ((n * ref, "the loss is n times too large: a sum, not a mean."),
                               (-ref, "the loss has the wrong sign: it is -log P[s, y_s]."),
                               (columns, "the softmax normalises the columns: sum over the "
                                         "classes, axis=1 (one row per sample).")):
            if close(loss, wrong):
                raise Failed(verdict, "loss = mean over the samples s of -log P[s, y_s].")
        raise Failed(f"the loss is {loss:.6g}, expected {ref:.6g}.",
                     "loss = mean over the samples s of -log P[s, y_s], P = softmax of each row.")
    want = (P - Y) / n
    if not close(dZ, want):
        for wrong, verdict in ((n * want, "dZ is n times too large: the 1/n of the mean is "
                                          "missing."),
                               (-want, "dZ has the wrong sign: it is (P - Y) / n, not (Y - P) / n."),
                               (P / n, "dZ is P / n: the -1 at each sample's label is missing "
                                       "(subtract the one-hot Y).")):
            if close(dZ, wrong):
                raise Failed(verdict, "dZ = (P - Y) / n, Chapter 1 section 4.")
        raise Failed("dZ is wrong.", "dZ = (P - Y) / n, Chapter 1 section 4.")
