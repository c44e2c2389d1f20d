"""The self-check for the exercise of Chapter 3: one epoch of mini-batch SGD, written by you.

Like :mod:`handin.course.selfcheck`: the check runs your ``fn(params, X, y, lr, c, batch_size,
rng)`` on a small seeded problem and compares the parameters it returns with one epoch
of :func:`handin.fit` from the same start, with the same seed for the shuffle. The
problem has 23 rows and batches of 5, so the last batch is short (3 rows); when the
result differs, the check tries the usual mistakes (no shuffle, the short batch dropped,
a step uphill, no decay, one step for the whole epoch) to say which one it is.
"""

from __future__ import annotations

import numpy as np

from .. import model, train
from . import _hints
from ._hints import Failed
from .selfcheck import _call, _check

__all__ = ["check_epoch", "epoch_problem"]

_LR, _C, _BATCH = 0.5, 0.01, 5


def epoch_problem(*, seed=0):
    """A seeded problem ``(params, X, y)``: 23 rows of 6 features in [0, 1), 3 classes,
    4 hidden units, float64, non-zero biases."""
    rng = np.random.default_rng(seed + 1000)
    X, y = rng.random((23, 6)), rng.permutation(np.arange(23) % 3)
    params = model.init_params(6, 4, 3, rng=rng, dtype=np.float64)
    params["b1"], params["b2"] = rng.normal(scale=0.1, size=4), rng.normal(scale=0.1, size=3)
    return params, X, y


def _epoch(params, X, y, lr, c, batch_size, perm, *, drop_last=False, full=False):
    """One epoch written out, with the variations the check tries."""
    stop = len(X) - len(X) % batch_size if drop_last else len(X)
    for start in range(0, stop, batch_size):
        idx = perm if full else perm[start:start + batch_size]
        _, grads = model.cost_grad(X[idx], y[idx], params, c)
        params = {k: params[k] - lr * grads[k] for k in params}
    return params


def check_epoch(fn, *, seed=0):
    """Check ``fn(params, X, y, lr, c, batch_size, rng) -> params`` against one epoch of
    :func:`handin.fit` (``epochs=1``, ``init=params``, ``seed``) in float64.

    Returns
    -------
    CheckResult
        Not ok with a hint for: parameters unchanged, no shuffle, the short last batch
        dropped, a step uphill, no weight decay, and the whole set in every step.
    """
    def body():
        params, X, y = epoch_problem(seed=seed)
        out = _call(fn, params, X, y, _LR, _C, _BATCH, np.random.default_rng(seed),
                    forbid=("train.fit", "train.train_iter"))
        _hints.need_keys(out, model.PARAM_NAMES, "the parameters after the epoch")
        out = {k: np.asarray(out[k], dtype=float) for k in model.PARAM_NAMES}
        ref, _ = train.fit(X, y, X, y, hidden=4, lr=_LR, c=_C, batch_size=_BATCH, epochs=1,
                           seed=seed, dtype=np.float64, init=params)
        if all(_hints.close(out[k], ref[k]) for k in out):
            return "matches one epoch of handin.fit (23 rows in batches of 5: the last has 3)."
        perm = np.random.default_rng(seed).permutation(len(X))
        tries = [
            (params, "returns the parameters unchanged.",
             "Take one step per batch: params[k] - lr * grads[k] for every k."),
            (_epoch(params, X, y, _LR, _C, _BATCH, np.arange(len(X))),
             "the rows are not shuffled: the batches are always the same.",
             "Draw perm = rng.permutation(len(X)) once per epoch and take the batches from it."),
            (_epoch(params, X, y, _LR, _C, _BATCH, perm, drop_last=True),
             "the short last batch is dropped (23 rows, batches of 5: the last has 3 rows).",
             "Loop with range(0, len(X), batch_size): the last slice is simply shorter."),
            (_epoch(params, X, y, -_LR, _C, _BATCH, perm),
             "each step goes uphill: the cost grows.", "Subtract: params[k] - lr * grads[k]."),
            (_epoch(params, X, y, _LR, 0.0, _BATCH, perm),
             "the weight decay is missing from the steps.",
             "Pass c to handin.cost_grad: the gradient of the cost includes 2 c W."),
            (_epoch(params, X, y, _LR, _C, _BATCH, perm, full=True),
             "every step uses the whole training set, not its batch.",
             "Step on the rows of the batch only: X[idx], y[idx] with idx = perm[start:start + "
             "batch_size]."),
        ]
        for wrong, *why in tries:
            if all(_hints.close(out[k], wrong[k]) for k in out):
                raise Failed(*why)
        diff = max(float(np.abs(out[k] - ref[k]).max()) for k in out)
        raise Failed(f"the parameters differ from one epoch of handin.fit (max |diff| {diff:.2g}).",
                     "Shuffle once with rng.permutation, then one step of lr * gradient per "
                     "batch of batch_size rows, the last batch shorter.")
    return _check(fn, "epoch", body)
