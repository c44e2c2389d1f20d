"""Self-checks for the exercises of Chapter 7: He's initialisation and the dead units.

Like :mod:`handin.course.selfcheck`: each check runs your function on seeded problems whose
sizes change with ``seed`` (the course's hidden tests), and names the usual mistake.

- :func:`check_he_init` calls ``fn(d, h, k, seed)`` on layers wide enough that the
  sample variance of the weights pins down the rule (W1 has over 10,000 entries, W2 over
  2,000): He's ``Var = 2 / fan_in``, against 1/fan_in, fan_out, Glorot's
  ``2 / (fan_in + fan_out)`` and a variance passed as the standard deviation; zero
  biases; the same seed giving the same weights, another seed other weights, and
  numpy's global generator left alone.
- :func:`check_dead_units` calls ``fn(X, params)`` on a layer built with units of
  every kind: dead by a negative bias, exactly 0 on every row (W = 0, b = 0), alive only
  thanks to the bias, positive on some rows only, and alive everywhere, so that each
  mistake gives another count.

>>> import numpy as np
>>> print(check_dead_units(lambda X, params: int(((X @ params["W1"] + params["b1"]) < 0)
...                                              .all(axis=0).sum())))
✗ <lambda>: counts 2 dead units, expected 3: a unit with Z1 = 0 on every row was not counted, but relu(0) is 0 too (a strict comparison).
  A unit is dead when its relu(Z1) is 0 on every row of X: see Chapter 7, §3.
"""

from __future__ import annotations

import numpy as np

from .. import metrics
from . import _hints
from ._hints import Failed
from .selfcheck import _call, _check

__all__ = ["check_he_init", "check_dead_units", "dead_problem"]

_HE_FORBID = ("layers.init_params", "init_params", "inits.normal_init")


def _he_sizes(seed):
    """``(d, h, k)``: 300, 100, 40 for seed 0, others for other seeds."""
    return _hints.dims(seed, (300, 100, 40), ((200, 400), (70, 150), (25, 60)))


def _variance_mistake(name, var, fan_in, fan_out):
    """Name the rule behind the sample variance ``var`` of weights ``name``, or None."""
    he = 2.0 / fan_in
    rules = [(1.0 / fan_in, f"Var({name}) is 1/fan_in, the rule for a layer whose input is "
                            "not a ReLU's output: look again at the step of your derivation "
                            "where the ReLU acts on the mean square of its input."),
             (2.0 / fan_out, f"Var({name}) is 2/fan_out: the fan-in is the number of inputs "
                             f"of each unit, the rows of {name}, not its columns."),
             (2.0 / (fan_in + fan_out), f"Var({name}) is Glorot's 2/(fan_in + fan_out), a "
                                        "compromise with the backward rule; He keeps the "
                                        "forward size only, as your derivation does."),
             (he ** 2, f"Var({name}) is the square of a variance: the variance was passed as "
                       "the standard deviation, and numpy's normal takes the standard "
                       "deviation.")]
    for value, verdict in rules:
        if abs(var / value - 1) < 0.15:
            return verdict
    return None


def _global_state():
    """A fingerprint of numpy's global generator."""
    _, key, pos, has_gauss, gauss = np.random.get_state()
    return key.tobytes(), pos, has_gauss, gauss


def check_he_init(fn, *, seed=0):
    """Check ``fn(d, h, k, seed) -> params``: He's initialisation of the two-layer network,
    ``W1 ~ N(0, 2/d)``, ``W2 ~ N(0, 2/h)``, zero biases, drawn from ``seed``.

    Returns
    -------
    CheckResult
        Not ok with a hint for: 1/fan_in, fan_out or Glorot's variance instead of 2/fan_in,
        a variance used as the standard deviation, non-zero biases, transposed shapes, a
        seed ignored, and numpy's global generator.
    """
    def body():
        d, h, k = _he_sizes(seed)
        state, moved = _global_state(), False
        p = _call(fn, d, h, k, seed, forbid=_HE_FORBID)
        moved |= _global_state() != state      # after each call: the three calls may end
        again = _call(fn, d, h, k, seed, forbid=_HE_FORBID)   # where the last check's did
        moved |= _global_state() != state
        other = _call(fn, d, h, k, seed + 1, forbid=_HE_FORBID)
        moved |= _global_state() != state
        _hints.need_keys(p, ("W1", "b1", "W2", "b2"), "the parameters")
        for key, want, names in (("W1", (d, h), "(d, h)"), ("b1", (h,), "(h,)"),
                                 ("W2", (h, k), "(h, k)"), ("b2", (k,), "(k,)")):
            _hints.shape(key, p[key], want, names, n=None, guide=(
                f"The exercise in Chapter 7, §1 gives the shapes: {key} {names}"
                + (", one row per input of the layer." if key[0] == "W" else ".")))
        p = {key: np.asarray(v, dtype=float) for key, v in p.items()}
        for key in ("b1", "b2"):
            if np.any(p[key] != 0):
                raise Failed(f"{key} is not zero.", "He's rule is for the weights; the biases "
                             "start at 0 (the exercise in Chapter 7, §1).")
        if moved:
            raise Failed("it draws from numpy's global generator (np.random.seed, "
                         "np.random.normal): a hidden state other code can change.",
                         "Draw every weight from one generator made from the seed, as the "
                         "exercise in Chapter 7, §1 says, not from np.random's functions.")
        if not all(np.array_equal(p[key], np.asarray(again[key], dtype=float)) for key in p):
            raise Failed("the same seed gave other weights.",
                         "Make one generator from the seed and draw every weight from it "
                         "(the exercise in Chapter 7, §1).")
        if np.array_equal(p["W1"], np.asarray(other["W1"], dtype=float)):
            raise Failed("another seed gave the same weights: the seed is ignored.",
                         "Make the generator from the argument seed, not from a fixed number "
                         "(the exercise in Chapter 7, §1).")
        for key, fan_in, fan_out in (("W1", d, h), ("W2", h, k)):
            W = p[key]
            var, mean = float(np.mean(W ** 2)), float(np.mean(W))
            if abs(var / (2.0 / fan_in) - 1) < 0.1 and abs(mean) < 5 * np.sqrt(var / W.size):
                continue
            verdict = _variance_mistake(key, var, fan_in, fan_out)
            where = (f"The fan-in of {key} is its number of rows, {fan_in}; see your "
                     "derivation of He's rule in Chapter 7, §1.")
            if verdict:
                raise Failed(verdict, where)
            raise Failed(f"Var({key}) is {var:.3g} (mean {mean:.2g}): not the variance your "
                         "derivation gives for this fan-in, or not mean 0.", where)
        return (f"He's variance 2/fan_in for W1 ({d} inputs) and W2 ({h} inputs), zero "
                "biases, drawn from the seed.")
    return _check(fn, "he_init", body)


def dead_problem(*, seed=0):
    """A seeded problem ``(X, params)`` whose hidden units are of five kinds, in a shuffled
    order: dead by a negative bias, ``W1[:, u] = 0`` and ``b1[u] = 0`` (Z1 exactly 0),
    alive only thanks to their bias, positive on some rows only, and the rest alive on
    every row. Seed 0 has 8 rows, 5 features, 16 units, 2, 1, 3 and 4 of the first four
    kinds; other seeds other sizes and counts. X is in (0.05, 1)."""
    n, d, h = _hints.dims(seed, (8, 5, 16), ((6, 12), (3, 8), (20, 30)))
    counts = [2, 1, 3, 4]                          # of each kind but the last
    if seed:                                       # other counts, so the answer changes too
        draw = np.random.default_rng([int(seed), 5]).integers
        dead_bias = int(draw(3, 6))
        counts = [dead_bias, int(draw(1, 3)), dead_bias + int(draw(1, 3)), int(draw(2, 5))]
    rng = np.random.default_rng(seed + 2000)
    X = rng.uniform(0.05, 1.0, size=(n, d))
    X[0, 0], X[1, 0] = 0.1, 0.9                    # the "some rows" units turn on at 0.5
    W1, b1 = np.abs(rng.normal(size=(d, h))) + 0.1, np.full(h, 0.5)   # alive everywhere
    kind = rng.permutation(np.repeat([0, 1, 2, 3, 4], [*counts, h - sum(counts)]))
    top = W1.sum(axis=0) + 1.0                     # bigger than |X[s] @ W1[:, u]|
    b1[kind == 0] = -top[kind == 0]                # dead: the bias wins on every row
    W1[:, kind == 1], b1[kind == 1] = 0.0, 0.0     # Z1 == 0 on every row
    W1[:, kind == 2], b1[kind == 2] = -W1[:, kind == 2], top[kind == 2]  # alive by the bias
    W1[:, kind == 3], b1[kind == 3] = 0.0, -0.5    # Z1 = X[:, 0] - 0.5: both signs
    W1[0, kind == 3] = 1.0
    params = {"W1": W1, "b1": b1, "W2": rng.normal(size=(h, 3)), "b2": np.zeros(3)}
    return X, params


def check_dead_units(fn, *, seed=0):
    """Check ``fn(X, params) -> int``, the number of hidden units that are 0 on every row
    of ``X`` (``Z1 = X @ W1 + b1 <= 0`` on all rows), against
    :func:`handin.metrics.dead_units`.

    Returns
    -------
    CheckResult
        Not ok with a hint for: ``Z1 < 0`` instead of ``<= 0``, the bias left out, a unit
        counted when it is 0 on *some* rows, rows counted instead of units, and every
        (row, unit) entry counted.
    """
    def body():
        X, params = dead_problem(seed=seed)
        got = _call(fn, X, params, forbid=("metrics.dead_units",))
        if np.ndim(got) != 0:
            raise Failed(f"must return one number, got an array of shape {np.shape(got)}.",
                         "Count the dead units of the layer: one number (Chapter 7, §3).")
        got = float(got)
        Z1, Z0 = X @ params["W1"] + params["b1"], X @ params["W1"]
        want = int(metrics.dead_units(X, params).sum())
        if got == want:
            return f"counts the {want} dead units of {Z1.shape[1]} (some with Z1 = 0 exactly)."
        rule = "A unit is dead when its relu(Z1) is 0 on every row of X: see Chapter 7, §3."
        mistakes = [
            ((Z1 < 0).all(axis=0).sum(), "a unit with Z1 = 0 on every row was not counted, "
                                         "but relu(0) is 0 too (a strict comparison)."),
            ((Z0 <= 0).all(axis=0).sum(), "the bias b1 is left out of Z1."),
            ((Z1 <= 0).any(axis=0).sum(), "a unit is counted when it is 0 on some rows; dead "
                                          "means on every row."),
            ((Z1 <= 0).all(axis=1).sum(), "rows are counted, not units: it asks of each row "
                                          "whether all its units are off, not of each unit "
                                          "whether it is off on all rows."),
            ((Z1 <= 0).sum(), "every (row, unit) entry where the unit is off is counted, not "
                              "the units."),
        ]
        for value, verdict in mistakes:
            if got == value:
                raise Failed(f"counts {got:g} dead units, expected {want}: {verdict}", rule)
        raise Failed(f"counts {got:g} dead units, expected {want} (of {Z1.shape[1]}).", rule)
    return _check(fn, "dead_units", body)
