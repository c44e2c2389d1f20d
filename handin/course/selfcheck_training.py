"""The self-checks of Chapter 3: one epoch of mini-batch SGD, written by you, and
hyperparameters of your choice that reach a stated validation accuracy.

``check_epoch``: like :mod:`handin.course.selfcheck`, the check runs your ``fn(params, X, y,
lr, c, batch_size, rng)`` on a small seeded problem. Your epoch steps along your own gradient,
``my_gradient(X, y, params, c)`` (Chapter 2's forward and backward passes, defined beside
``my_epoch``), and the check replays the same epoch with that same gradient: it grades the
SGD, not the gradient, which Chapter 2 graded (a gradient that differs from handin's is noted
in the report). The grader reaches ``my_gradient`` in the student's kernel by its name, as
``my_epoch`` does, so only plain data crosses the wire. The problem has 23 rows and batches
of 5, so the last batch is short (3 rows; other seeds draw other sizes, always with a short
last batch); when the result differs, the check tries the usual mistakes (no shuffle, the
short batch dropped, a step uphill, no decay, one step for the whole epoch, handin's
gradient in place of yours) to say which one it is.

``check_target``: trains :func:`handin.fit` with the hyperparameters ``fn()`` returns and asks
for :data:`TARGET`. A graded cell runs it three times (seed 0 and the two hidden seeds)
against nbgrader's ``Execute.timeout`` of 120 s, on one core, so the limits bound the
slowest setting they allow, not a typical one. Besides an upper bound on each value
(:data:`LIMITS`), a run may take at most :data:`MAX_STEPS` gradient steps,
``epochs * ceil(n_train / batch_size)`` with the sample's 3,400 training images. A step
budget rather than a floor on ``batch_size``: at small batches the time per step is
nearly independent of the batch (Python and call overhead), so the cost follows the number
of steps; the budget still allows single images for an epoch, or batches of 4 for 5 epochs.
Measured with ``benchmarks/check_target_cost.py`` (one BLAS thread, CPU seconds of the
three runs): with ``hidden`` 512, at most about 9 s at the slowest allowed setting (batch 1 for
one epoch; batch 7 for 10 epochs is close), against 85-92 s for batch 1 for 10 epochs,
which the limits allowed before the budget; the chapter's solution takes about 2 s.
"""

from __future__ import annotations

import math

import numpy as np

from .. import divergence, experiment, hyperparameters, model, train
from . import _hints
from ..hyperparameters import DEFAULTS
from ._hints import Failed
from .selfcheck import _call, _check

__all__ = ["check_epoch", "epoch_problem", "GRADIENT", "check_target", "TARGET", "LIMITS", "MAX_STEPS",
           "gradient_steps"]

_LR, _C, _BATCH = 0.5, 0.01, 5

#: the validation accuracy ``check_target`` asks for, after the last epoch on the sample
TARGET = 0.92
#: the hyperparameters a student sets, each with its upper limit here; their types and lower
#: bounds are :data:`handin.hyperparameters.RANGES`'
LIMITS = {"lr": 2.0, "hidden": 512, "batch_size": 256, "epochs": 10}
#: the most gradient steps a run may take, ``epochs * ceil(n_train / batch_size)``: with
#: :data:`LIMITS` it keeps the graded cell's three runs to seconds (module docstring)
MAX_STEPS = 5000


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


#: the name of the student's gradient, beside ``my_epoch`` in the chapter
GRADIENT = "my_gradient"


def _gradient_of(fn):
    """The student's ``my_gradient`` where ``fn`` finds it: in its module's globals, or, for
    the grader's proxy of a function in the kernel, in the kernel under that name."""
    from .remote import Remote

    if isinstance(fn, Remote):
        return Remote(fn._channel, GRADIENT)
    grad = getattr(fn, "__globals__", {}).get(GRADIENT)
    if not callable(grad):
        raise Failed(f"no function {GRADIENT}(X, y, params, c) beside {fn.__name__}.",
                     f"The epoch steps along your gradient: define {GRADIENT} in its cell of "
                     "Chapter 3, section 2.")
    return grad


def _grads(grad, X, y, params, c):
    """``grad(X, y, params, c)``, the student's gradient on one batch, checked for its keys
    and shapes."""
    out = _call(grad, X, y, params, c)
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
        raise Failed(f"{GRADIENT} returns a pair, as handin.cost_grad does (the cost and the "
                     "gradient).", f"{GRADIENT} returns the gradient alone, a dict like Chapter "
                     "2's my_backward: Chapter 3, section 2.")
    _hints.need_keys(out, model.PARAM_NAMES, f"the gradient {GRADIENT} returns")
    for k in model.PARAM_NAMES:
        if np.shape(out[k]) != np.shape(params[k]):
            raise Failed(f"{GRADIENT} returns {k} of shape {np.shape(out[k])}, not "
                         f"{np.shape(params[k])}.",
                         f"{GRADIENT} returns the gradient of each parameter, shaped as the "
                         "parameter: Chapter 2's my_backward.")
    return {k: np.asarray(out[k], dtype=float) for k in model.PARAM_NAMES}


def _epoch(params, X, y, lr, c, batch_size, perm, grad, *, drop_last=False, full=False):
    """One epoch written out, stepping along ``grad``, with the variations the check tries."""
    stop = len(X) - len(X) % batch_size if drop_last else len(X)
    for start in range(0, stop, batch_size):
        idx = perm if full else perm[start:start + batch_size]
        grads = _grads(grad, X[idx], y[idx], params, c)
        params = {k: params[k] - lr * grads[k] for k in params}
    return params


def _handins_gradient(X, y, params, c):
    return model.cost_grad(X, y, params, c)[1]


def check_epoch(fn, *, seed=0):
    """Check ``fn(params, X, y, lr, c, batch_size, rng) -> params``, one epoch of mini-batch
    SGD stepping along the student's ``my_gradient(X, y, params, c)``, against the same epoch
    written out here with that same gradient, in float64.

    The grade is for the SGD: a mistake in ``my_gradient`` (Chapter 2's functions) does not
    fail it, the report only notes it.

    Returns
    -------
    CheckResult
        Not ok with a hint for: no ``my_gradient``, parameters unchanged, no shuffle, the short
        last batch dropped, a step uphill, no weight decay, the whole set in every step, and
        steps along handin's gradient rather than ``my_gradient``.
    """
    def body():
        params, X, y = epoch_problem(seed=seed)
        grad = _gradient_of(fn)
        mine, theirs = _grads(grad, X, y, params, _C), _handins_gradient(X, y, params, _C)
        out = _call(fn, params, X, y, _LR, _C, _BATCH, np.random.default_rng(seed),
                    forbid=("train.fit", "train.train_iter"))
        _hints.need_keys(out, model.PARAM_NAMES, "the parameters after the epoch")
        out = {k: np.asarray(out[k], dtype=float) for k in model.PARAM_NAMES}
        n, rest = len(X), len(X) % _BATCH
        perm = np.random.default_rng(seed).permutation(n)
        ref = _epoch(params, X, y, _LR, _C, _BATCH, perm, grad)
        own = all(_hints.close(mine[k], theirs[k]) for k in mine)
        if all(_hints.close(out[k], ref[k]) for k in out):
            note = "" if own else (f" Note: {GRADIENT} is not the gradient of J, so these "
                                   "steps do not descend J: Chapter 2's check_backward says "
                                   "where it differs.")
            return (f"matches one epoch of SGD along {GRADIENT} ({n} rows in batches of "
                    f"{_BATCH}: the last has {rest}).{note}")
        where = "Chapter 3, section 2"
        tries = [
            (lambda: params, "returns the parameters unchanged.",
             f"Every batch moves every parameter a step against its gradient: the update rule "
             f"in {where}."),
            (lambda: _epoch(params, X, y, _LR, _C, _BATCH, np.arange(n), grad),
             "the rows are not shuffled: the batches are always the same.",
             f"An epoch draws a fresh order of the rows from rng, once, and cuts its batches "
             f"from that order: {where}."),
            (lambda: _epoch(params, X, y, _LR, _C, _BATCH, perm, grad, drop_last=True),
             f"the short last batch is dropped ({n} rows, batches of {_BATCH}: the last has "
             f"{rest} rows).",
             f"The rows left over make one last, shorter batch, which takes its step too: "
             f"{where} (3,400 rows in batches of 32: 107 steps)."),
            (lambda: _epoch(params, X, y, -_LR, _C, _BATCH, perm, grad),
             "each step goes uphill: the cost grows.",
             f"Look at the sign of the step: the update rule in {where}."),
            (lambda: _epoch(params, X, y, _LR, 0.0, _BATCH, perm, grad),
             "the weight decay is missing from the steps.",
             f"The cost J includes c (|W1|² + |W2|²), so every step's gradient includes its "
             f"part: the cost in {where}, and c in Chapter 2's cost and gradient."),
            (lambda: _epoch(params, X, y, _LR, _C, _BATCH, perm, grad, full=True),
             "every step uses the whole training set, not its batch.",
             f"Each step computes the gradient on the rows of its own batch only: mini-batch "
             f"SGD in {where}."),
        ]
        if not own:
            tries.append((lambda: _epoch(params, X, y, _LR, _C, _BATCH, perm, _handins_gradient),
                          f"the steps follow handin's gradient, not your {GRADIENT}.",
                          f"The epoch steps along {GRADIENT}, your gradient: {where}."))
        for wrong, *why in tries:
            wrong = wrong()
            if all(_hints.close(out[k], wrong[k]) for k in out):
                raise Failed(*why)
        diff = max(float(np.abs(out[k] - ref[k]).max()) for k in out)
        raise Failed(f"the parameters differ from one epoch of SGD along {GRADIENT} "
                     f"(max |diff| {diff:.2g}).",
                     f"One shuffle per epoch, then one step per batch of batch_size rows, the "
                     f"last batch shorter: {where}.")
    return _check(fn, "epoch", body)


def _limits_text():
    """The limits as the chapter states them."""
    return (f"0 < lr <= {LIMITS['lr']:g}, hidden <= {LIMITS['hidden']}, batch_size <= "
            f"{LIMITS['batch_size']}, epochs <= {LIMITS['epochs']}, and at most "
            f"{MAX_STEPS:,} gradient steps")


def gradient_steps(hp, n_train):
    """The gradient steps of a run: ``epochs * ceil(n_train / batch_size)``."""
    return hp["epochs"] * math.ceil(n_train / hp["batch_size"])


def _hyperparameters(hp, n_train):
    """``hp`` validated against :data:`LIMITS` and :data:`MAX_STEPS` (``n_train`` training
    rows); a key or value out of place raises Failed."""
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
            raise Failed(str(exc), f"The limits keep a run to seconds: {_limits_text()} "
                         "(Chapter 3, section 3).") from None
    per_epoch = math.ceil(n_train / out["batch_size"])
    if gradient_steps(out, n_train) > MAX_STEPS:
        raise Failed(f"epochs = {out['epochs']} with batch_size = {out['batch_size']} take "
                     f"{out['epochs']} × ⌈{n_train} / {out['batch_size']}⌉ = "
                     f"{gradient_steps(out, n_train):,} gradient steps, more than "
                     f"{MAX_STEPS:,}.",
                     f"With batch_size = {out['batch_size']}, epochs must be an int in the "
                     f"range [1, {MAX_STEPS // per_epoch}]; or take larger batches "
                     f"(epochs × ⌈{n_train} / batch_size⌉ <= {MAX_STEPS:,}).")
    return out


def _advice(hp, n_train):
    """What to try when ``hp`` misses the target."""
    default = {"lr": DEFAULTS.lr, "hidden": DEFAULTS.hidden,
               "batch_size": DEFAULTS.batch_size, "epochs": DEFAULTS.epochs}
    more_epochs = min(LIMITS["epochs"], MAX_STEPS // math.ceil(n_train / hp["batch_size"]))
    tips = ["the defaults miss it" if hp == default else None,
            "try a larger lr (0.1 takes small steps)" if hp["lr"] <= 0.1 else None,
            "smaller batches take more steps per epoch" if hp["batch_size"] >= 32 else None,
            f"train {more_epochs} epochs" if hp["epochs"] < more_epochs else None,
            "more hidden units" if hp["hidden"] < 128 else None]
    tips = [tip for tip in tips if tip] or ["try a few values of lr and batch_size around yours"]
    return "; ".join(tips) + "."


def check_target(fn, *, seed=0):
    """Check that the hyperparameters ``fn()`` returns reach :data:`TARGET` on the sample.

    ``fn()`` returns ``{"lr": ..., "hidden": ..., "batch_size": ..., "epochs": ...}``,
    each within :data:`LIMITS`, together at most :data:`MAX_STEPS` gradient steps
    (``epochs * ceil(3400 / batch_size)``). The check trains :func:`handin.fit` on the shipped
    sample's training images (the split of ``experiment.prepare("sample", seed=0)``,
    ``c = 1e-4``) with ``seed`` for the initial weights and the shuffles, and asks for a
    validation accuracy of at least :data:`TARGET` after the last epoch. Other seeds (the
    course's hidden tests) train the same hyperparameters from other starts: a setting
    that reaches the target by luck on one seed fails there.

    Returns
    -------
    CheckResult
        Not ok with the key at fault for: not a dict, an unknown or missing key, a value
        out of range; with the epochs the batch size allows for a run of too many steps;
        with the epoch for a run that diverges; and with the shortfall and
        what to try for a run that misses the target.
    """
    def body():
        split = experiment.prepare("sample", seed=0)
        hp = _hyperparameters(_call(fn), len(split.X_train))
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
                         f"epochs (seed {seed}): {_advice(hp, len(split.X_train))}",
                         "The graded version trains it from other seeds too: keep a margin.")
        return (f"reaches validation accuracy {TARGET} or more after {hp['epochs']} epochs "
                f"(seed {seed}).")
    return _check(fn, "hyperparameters", body)
