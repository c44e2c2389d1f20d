"""The self-check for the exercise of Chapter 3: one epoch of mini-batch SGD, written by you.

Like :mod:`handin.course.selfcheck`: the check runs your ``fn(params, X, y, lr, c, batch_size,
rng)`` on a small seeded problem and compares the parameters it returns with one epoch
of :func:`handin.fit` from the same start, with the same seed for the shuffle. The
problem has 23 rows and batches of 5, so the last batch is short (3 rows; other seeds
draw other sizes, always with a short last batch); when the
result differs, the check tries the usual mistakes (no shuffle, the short batch dropped,
a step uphill, no decay, one step for the whole epoch) to say which one it is.
"""

from __future__ import annotations

import numpy as np

from .. import divergence, experiment, hyperparameters, model, train
from . import _hints
from ..hyperparameters import DEFAULTS
from ._hints import Failed
from .selfcheck import _call, _check

__all__ = ["check_epoch", "epoch_problem", "check_target", "TARGET", "LIMITS"]

_LR, _C, _BATCH = 0.5, 0.01, 5

#: the validation accuracy ``check_target`` asks for, after the last epoch on the sample
TARGET = 0.92
#: the hyperparameters a student sets, each with its upper limit here (which keeps training
#: to seconds); their types and lower bounds are :data:`handin.hyperparameters.RANGES`'
LIMITS = {"lr": 2.0, "hidden": 512, "batch_size": 256, "epochs": 10}


def epoch_problem(*, seed=0):
    """A seeded problem ``(params, X, y)``: rows of features in [0, 1), non-zero biases,
    float64. Seed 0 has 23 rows of 6 features, 4 hidden units and 3 classes; other seeds
    other sizes, never a multiple of the batch size 5 (the last batch is short)."""
    n, d, h, k = _hints.dims(seed, (23, 6, 4, 3), ((12, 29), (4, 10), (2, 8), (2, 6)))
    n += n % _BATCH == 0
    rng = np.random.default_rng(seed + 1000)
    X, y = rng.random((n, d)), rng.permutation(np.arange(n) % k)
    params = model.init_params(d, h, k, rng=rng, dtype=np.float64)
    params["b1"], params["b2"] = rng.normal(scale=0.1, size=h), rng.normal(scale=0.1, size=k)
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
        n, rest = len(X), len(X) % _BATCH
        ref, _ = train.fit(X, y, X, y, hidden=params["b1"].size, lr=_LR, c=_C,
                           batch_size=_BATCH, epochs=1,
                           seed=seed, dtype=np.float64, init=params)
        if all(_hints.close(out[k], ref[k]) for k in out):
            return (f"matches one epoch of handin.fit ({n} rows in batches of {_BATCH}: the last "
                    f"has {rest}).")
        perm = np.random.default_rng(seed).permutation(len(X))
        tries = [
            (params, "returns the parameters unchanged.",
             "Take one step per batch: params[k] - lr * grads[k] for every k."),
            (_epoch(params, X, y, _LR, _C, _BATCH, np.arange(len(X))),
             "the rows are not shuffled: the batches are always the same.",
             "Draw perm = rng.permutation(len(X)) once per epoch and take the batches from it."),
            (_epoch(params, X, y, _LR, _C, _BATCH, perm, drop_last=True),
             f"the short last batch is dropped ({n} rows, batches of {_BATCH}: the last has "
             f"{rest} rows).",
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


def _hyperparameters(hp):
    """``hp`` validated against :data:`LIMITS`; a key or value out of place raises Failed."""
    if not isinstance(hp, dict):
        raise Failed(f"must return a dict with the keys {', '.join(LIMITS)}, got "
                     f"{type(hp).__name__}.")
    for key in hp:
        if key not in LIMITS:
            raise Failed(f"{key!r} is not a hyperparameter you set here.",
                         f"Set exactly {', '.join(LIMITS)}; c stays at fit's 1e-4.")
    out = {}
    for key, high in LIMITS.items():
        if key not in hp:
            raise Failed(f"{key!r} is missing.", f"Set exactly {', '.join(LIMITS)}.")
        try:
            out[key] = hyperparameters.check(key, hp[key], high=high)
        except (TypeError, ValueError) as exc:
            raise Failed(str(exc), "The limits keep training to seconds (epochs <= 10, "
                         "hidden <= 512).") from None
    return out


def _advice(hp):
    """What to try when ``hp`` misses the target."""
    default = {"lr": DEFAULTS.lr, "hidden": DEFAULTS.hidden,
               "batch_size": DEFAULTS.batch_size, "epochs": DEFAULTS.epochs}
    tips = ["the defaults miss it" if hp == default else None,
            "try a larger lr (0.1 takes small steps)" if hp["lr"] <= 0.1 else None,
            "smaller batches take more steps per epoch" if hp["batch_size"] >= 32 else None,
            "train the full 10 epochs" if hp["epochs"] < LIMITS["epochs"] else None,
            "more hidden units" if hp["hidden"] < 128 else None]
    tips = [tip for tip in tips if tip] or ["try a few values of lr and batch_size around yours"]
    return "; ".join(tips) + "."


def check_target(fn, *, seed=0):
    """Check that the hyperparameters ``fn()`` returns reach :data:`TARGET` on the sample.

    ``fn()`` returns ``{"lr": ..., "hidden": ..., "batch_size": ..., "epochs": ...}``,
    each within :data:`LIMITS`. The check trains :func:`handin.fit` on the shipped
    sample's training images (the split of ``experiment.prepare("sample", seed=0)``,
    ``c = 1e-4``) with ``seed`` for the initial weights and the shuffles, and asks for a
    validation accuracy of at least :data:`TARGET` after the last epoch. Other seeds (the
    course's hidden tests) train the same hyperparameters from other starts: a setting
    that reaches the target by luck on one seed fails there.

    Returns
    -------
    CheckResult
        Not ok with the key at fault for: not a dict, an unknown or missing key, a value
        out of range; with the epoch for a run that diverges; and with the shortfall and
        what to try for a run that misses the target.
    """
    def body():
        hp = _hyperparameters(_call(fn))
        split = experiment.prepare("sample", seed=0)
        try:
            _, history = train.fit(split.X_train, split.y_train, split.X_val, split.y_val,
                                   **hp, seed=seed)
        except divergence.TrainingDiverged as exc:
            raise Failed(f"training diverged in epoch {exc.epoch} with lr = {hp['lr']:g}.",
                         "Lower lr: too large a step overshoots and the cost explodes "
                         "(Chapter 5).") from None
        acc = float(history.val_acc[-1])
        if acc < TARGET:
            raise Failed(f"validation accuracy {acc:.3f} < {TARGET} after {hp['epochs']} "
                         f"epochs (seed {seed}): {_advice(hp)}",
                         "It must hold on other seeds too (the hidden tests): keep a margin.")
        return (f"reaches validation accuracy {TARGET} or more after {hp['epochs']} epochs "
                f"(seed {seed}).")
    return _check(fn, "hyperparameters", body)
