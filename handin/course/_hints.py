"""The diagnoses behind :mod:`handin.course.selfcheck`: given a wrong result and the reference,
name the usual mistake that explains it. Each raises :class:`Failed` with the report.

A report names the mistake (which array, what kind of error) and where the course derives
that array; it never holds the right line of code or the formula written as code: the
student derives it."""

from __future__ import annotations

import numpy as np

from .. import model

N, D, H, K = 5, 6, 4, 3   # all different, so that a wrong axis shows in a shape
C = 0.1
# Where the course derives each array, and the question its derivation answers: the hint a
# wrong array gets (names as in the reports: dW2 is the gradient of W2)
GUIDE = {
    "Z1": "See the first layer in Chapter 2, §1 (Z1 is (n, h) in the table of shapes) and §2.",
    "A1": "See the ReLU in Chapter 2, §2: it acts on Z1 entry by entry.",
    "Z2": "See the second layer in Chapter 2, §1 (Z2 is (n, k) in the table of shapes) and §2.",
    "P": "See Chapter 1, §1 and §4: each row of P holds one sample's probabilities.",
    "dZ2": "See Chapter 1, §4 (a batch) and Chapter 2, §3.1: the cost is a mean over the "
           "samples.",
    "dW2": "Derive it in Chapter 2, §3.2: which entries of Z2 does one weight of W2 influence, "
           "and what does the decay term add?",
    "db2": "Derive it in Chapter 2, §3.2: in which entries of Z2 does one bias of b2 appear, "
           "and with which coefficient?",
    "dW1": "Derive it in Chapter 2, §3.5, by the pattern of §3.2, through dA1 (§3.3) and the "
           "ReLU (§3.4).",
    "db1": "Derive it in Chapter 2, §3.5, by the pattern of §3.2, through dA1 (§3.3) and the "
           "ReLU (§3.4).",
    "dZ": "See Chapter 1, §3 (one sample) and §4 (a batch).",
    "dW": "Derive it as Chapter 7, §4 says: dZ by Chapter 1, then the pattern of Chapter 2, "
          "§3.2 (the last layer).",
    "db": "Derive it as Chapter 7, §4 says: dZ by Chapter 1, then the pattern of Chapter 2, "
          "§3.2 (the last layer).",
}
DECAY = {"W1": "Chapter 2, §3.2", "W2": "Chapter 2, §3.2",
         "W": "Chapter 7, §4 and Chapter 2, §3.2"}
NO_BIAS_DECAY = {"b1": "Chapter 2, §1", "b2": "Chapter 2, §1", "b": "Chapter 7, §4"}


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


def shape(key, got, want, names, n=N, guide=None):
    """Raise if ``got`` has not the shape ``want``: transposed, or a bias summed wrongly.

    ``key`` is the array's name as the report says it (``dW1``), ``names`` its shape in words,
    ``n`` the problem's number of samples (None: an array not computed from samples, so no
    summing mistakes), ``guide`` where the course derives it, for the hint (default:
    :data:`GUIDE` of ``key``).
    """
    got = np.shape(got)
    if got == want:
        return
    text = f"{key} has shape {got} but must have {names} = {want}"
    guide = guide or GUIDE.get(key)
    hint = (guide,) if guide else ()
    if len(want) == 2 and got == want[::-1]:
        raise Failed(f"{text}: it is transposed.", *hint)
    kinds = {(n,): "summed over the wrong axis", (1, *want): "kept 2-D (keepdims=True)",
             (n, *want): "not summed over the samples"}
    if n is not None and len(want) == 1 and got in kinds:
        raise Failed(f"{text}: {kinds[got]}.", f"{key} has one entry per bias, like its "
                     f"parameter: shape {want}.", *hint)
    raise Failed(f"{text}.", *hint)


def forward_values(out, ref, p):
    Z1, A1, Z2, P = (np.asarray(out[key], dtype=float) for key in ("Z1", "A1", "Z2", "P"))
    if not close(Z1, ref["Z1"]):
        raise Failed("Z1 is missing the bias b1." if close(Z1, ref["X"] @ p["W1"]) else
                     "Z1 is wrong.", GUIDE["Z1"])
    if not close(A1, ref["A1"]):
        raise Failed("A1 still has negative entries: the ReLU is missing." if close(A1, Z1) else
                     "A1 is wrong.", GUIDE["A1"])
    if not close(Z2, ref["Z2"]):
        why = ("Z2 is missing the bias b2." if close(Z2, A1 @ p["W2"]) else
               "Z2 is computed from Z1; use the activations A1." if close(Z2, Z1 @ p["W2"] + p["b2"])
               else "Z2 is wrong.")
        raise Failed(why, GUIDE["Z2"])
    if not close(P, ref["P"]):
        why = ("each column of P sums to 1, not each row: softmax over the wrong axis."
               if close(P.sum(axis=0), np.ones(P.shape[1])) else "P is wrong.")
        raise Failed(why, GUIDE["P"])


def cost_data(J, ref, n, where="Chapter 2, §1"):
    """Why the c = 0 cost ``J`` differs from ``ref``; ``where`` the course defines the cost."""
    cost = f"See the cost J in {where}: with c = 0 it is the mean cross-entropy of Chapter 1, §4."
    if n > 1 and close(J, n * ref):
        raise Failed(f"the cross-entropy is summed over the samples, not averaged (n = {n} "
                     "times too big).", cost)
    if close(J, -ref):
        raise Failed("the cost has the wrong sign: it is negative, and a cross-entropy never "
                     "is (the log of a probability is <= 0).", "See Chapter 1, §1.")
    raise Failed(f"with c = 0 the cost is {J:.6f}, expected {ref:.6f}.", cost)


def cost_decay(decay, c, p):
    """``decay`` = cost(c) - cost(0); it should be c (||W1||² + ||W2||²)."""
    want = c * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
    if close(decay, want):
        return
    where = "See the second term of the cost J in Chapter 2, §1."
    if close(decay, 0.0):
        raise Failed("the cost has no weight decay term: it does not change with c.", where)
    if close(decay, want + c * (np.sum(p["b1"] ** 2) + np.sum(p["b2"] ** 2))):
        raise Failed("the biases are decayed too: only the weights are.",
                     where + " It also says why the biases are not decayed.")
    raise Failed(f"the decay term is {decay / want:.3g} times the decay term of J.", where)


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
                     f"The decay term of the cost has no {name}, so d{name} does not depend "
                     f"on c: see {NO_BIAS_DECAY[name]}.")
    where = (f"Differentiate c ||{name}||², a sum of squares, with respect to one entry of "
             f"{name}: {DECAY[name]} (the decay term).")
    if proportional and abs(f) < 1e-6:
        raise Failed(f"d{name} has no decay term: it does not change with c.", where)
    if proportional:
        coef = "" if abs(f - 1) < 1e-6 else f"{f:.3g} "
        raise Failed(f"the decay term of d{name} is {coef}c {name}: that is not the derivative "
                     f"of c ||{name}||².", where)
    raise Failed(f"d{name} changes with c, but not as the derivative of c ||{name}||²: its decay "
                 "term is wrong.", where)


def backward_data(g, ref, X, y, p, right_for_one):
    """Why the c = 0 gradients ``g`` differ from ``ref``: the 1/n, the ReLU mask, or a formula."""
    n = len(X)
    if all(close(g[k], n * ref[k]) for k in g):
        raise Failed(f"every gradient is n = {n} times too big: the 1/n is missing.",
                     "The cost is a mean over the samples, and every gradient gets its 1/n "
                     "from dZ2: see Chapter 1, §4 and Chapter 2, §3.1."
                     + (" (With a single sample it is right: that is how it hides.)"
                        if right_for_one else ""))
    cache = model.forward(X, p)
    dA1 = (cache["P"] - model.one_hot(y, p["W2"].shape[1])) / n @ p["W2"].T
    for name in ("W2", "b2", "W1", "b1"):  # from the top: a wrong dZ2 spoils all below it
        if close(g[name], ref[name]):
            continue
        if close(g[name], ref[name] / n):
            raise Failed(f"d{name} is n = {n} times too small: it divides by n a second "
                         "time.", "The 1/n of the mean cost is already in dZ2 (Chapter 2, "
                         "§3.1): a mean over the samples divides again. " + GUIDE["d" + name])
        masks = {"the ReLU mask is taken from dA1, not from the forward pass: {g} is exactly "
                 "what that mask gives.": dA1 > 0,
                 "the ReLU mask is missing: {g} is exactly what dA1 without a mask gives.": 1.0,
                 "dA1 is multiplied by A1, the ReLU's output, not by its derivative: {g} is "
                 "exactly what that gives.": cache["A1"],
                 "dA1 is multiplied by Z1, the ReLU's input, not by its derivative: {g} is "
                 "exactly what that gives.": cache["Z1"],
                 "the ReLU mask has the wrong sign: it is on where the unit was off, and {g} "
                 "is exactly what that mask gives.": cache["Z1"] < 0}
        for verdict, mask in masks.items() if name in ("W1", "b1") else ():
            dZ1 = dA1 * mask
            if close(g[name], X.T @ dZ1 if name == "W1" else dZ1.sum(axis=0)):
                raise Failed(verdict.format(g="d" + name), "Chapter 2, §3.4 makes dZ1 from "
                             "dA1 and the derivative of the ReLU, plotted in §2: at which values "
                             "is that derivative taken?")
        diff = float(np.abs(g[name] - ref[name]).max())
        raise Failed(f"d{name} is wrong (max |diff| {diff:.2g} with c = 0).", GUIDE["d" + name])


_LOSS = "See Chapter 1, §1 (the loss of one sample) and §4 (a batch: the mean over its samples)."
_DZ = "Derive it in Chapter 1, §3 (one sample), then §4 (a batch)."


def softmax_loss_values(loss, dZ, Z, y):
    """Name the mistake in a softmax cross-entropy ``(loss, dZ)`` of logits ``Z`` (n, k)."""
    n, k = Z.shape
    ref, P, Y = model.cross_entropy(Z, y), model.softmax(Z), model.one_hot(y, k)
    with np.errstate(all="ignore"):
        columns = -np.log(model.softmax(Z.T).T[np.arange(n), y]).mean()
    if not close(loss, ref):
        for wrong, verdict in ((n * ref, "the loss is n times too large: a sum, not a mean."),
                               (-ref, "the loss has the wrong sign: it is negative, and a "
                                      "cross-entropy never is."),
                               (columns, "the softmax normalises the columns, not the rows: "
                                         "each row of Z is one sample.")):
            if close(loss, wrong):
                raise Failed(verdict, _LOSS)
        raise Failed(f"the loss is {loss:.6g}, expected {ref:.6g}.", _LOSS)
    want = (P - Y) / n
    if not close(dZ, want):
        for wrong, verdict in ((n * want, "dZ is n times too large: the 1/n of the mean is "
                                          "missing."),
                               (-want, "dZ has the wrong sign: raising the logit of a wrong "
                                       "class must raise the loss."),
                               (P / n, "dZ is P / n: the -1 at each sample's label is missing.")):
            if close(dZ, wrong):
                raise Failed(verdict, _DZ)
        raise Failed("dZ is wrong.", _DZ)
