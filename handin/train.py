"""Mini-batch stochastic gradient descent for the two-layer network.

:func:`fit` is what most callers want. :func:`train_iter` is the same loop as a
generator that hands back control every few batches, so that an event loop (the
live explorer) can draw, cancel or restart between chunks.

Each batch is one step of :class:`handin.sgd_step.SGDStep`, the math of
:mod:`handin.model` with preallocated buffers and in-place updates; the tests
check that it follows the readable ``params -= lr * cost_grad(batch)``. This
module is the loop around it: shuffling, evaluation after every epoch, the
per-batch record, progress, and the watch for divergence.

A run that diverges raises :class:`TrainingDiverged`; what *diverges* means, and
which hint the message gives, is in :mod:`handin.divergence`.

The floating-point warnings of a diverging run are silenced only while the
loop computes: never across a ``yield`` of :func:`train_iter`, so the caller's
``numpy.seterr`` settings hold while a run is paused and after it is closed.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field, fields

import numpy as np

from . import model
from . import threads as _threads
from .divergence import TrainingDiverged, Watch
from .hyperparameters import DEFAULTS
from .hyperparameters import check as check_hyperparameter
from .sgd_step import SGDStep, inked_inputs
from ._validation import ParameterError, check_fit_data, check_params, check_scalar

__all__ = ["History", "Progress", "TrainingDiverged", "fit", "train_iter", "evaluate"]

_EVAL_BLOCK = 4096


def _quiet():
    """The float warnings a diverging run would print; scoped to work between yields."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


@dataclass
class History:
    """Learning curves: one row per epoch, and the cross-entropy of every batch.

    The per-epoch ``train_cost`` and ``val_cost`` are the full cost (mean
    cross-entropy over the whole set + decay), evaluated after the epoch.

    ``batch_cross_entropy`` holds one number per batch, for the whole run: the
    mean cross-entropy of the batch under the parameters the step starts from
    (measured in its forward pass, before its update), without the decay term
    (which would cost a pass over ``W1`` per batch). Batch ``b`` (1-based) of
    epoch ``e`` is at index ``(e - 1) * batches_per_epoch + b - 1``. It is the
    noisy, per-iteration curve: each batch is new data to the network.
    """

    epoch: list = field(default_factory=list)
    train_cost: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_cost: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    seconds: list = field(default_factory=list)  # wall time of each epoch, evaluation included
    batch_cross_entropy: list = field(default_factory=list)
    batches_per_epoch: int = 0

    def __len__(self):
        return len(self.epoch)

    def as_dict(self):
        """Plain lists (and ``batches_per_epoch``), ready for JSON."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), list) else v)
                for f in fields(self)}

    def _append(self, **row):
        for key, value in row.items():
            getattr(self, key).append(value)


@dataclass
class Progress:
    """Where a run is: what :func:`train_iter` yields and callbacks receive."""

    epoch: int          # the epoch in progress (1-based)
    batch: int          # batches done in this epoch
    n_batches: int      # batches per epoch
    epochs: int         # epochs planned
    epoch_end: bool     # True right after an epoch's evaluation was appended to history
    history: History
    params: dict

    @property
    def fraction(self):
        """Fraction of the whole run done, in [0, 1]."""
        return ((self.epoch - 1) * self.n_batches + self.batch) / (self.epochs * self.n_batches)


def evaluate(X, y, params, c=0.0):
    """Cost and accuracy over a whole data set, computed in blocks of rows.

    Returns
    -------
    cost : float
        Mean cross-entropy plus ``c * (||W1||^2 + ||W2||^2)``.
    acc : float
        Fraction of correct predictions.
    """
    X, y = np.asarray(X), np.asarray(y)
    block = max(1, min(_EVAL_BLOCK, len(X)))
    # model.forward, block by block: blocks of thousands of rows keep the products X W1
    # fast, and no (n, hidden) array of the whole set is made.
    ce_sum, correct = 0.0, 0
    for start in range(0, len(X), block):
        yb = y[start:start + block]
        Z2 = model.forward(X[start:start + block], params)["Z2"]
        ce_sum += model.cross_entropy(Z2, yb) * len(yb)
        correct += int(np.count_nonzero(Z2.argmax(axis=1) == yb))
    return ce_sum / len(X) + model.weight_decay(params, c), correct / len(X)


def _check_fit_args(X, y, X_val, y_val, hidden, lr, c, batch_size, epochs, seed, dtype,
                    init=None):
    X, y, X_val, y_val, dtype = check_fit_data(X, y, X_val, y_val, dtype)
    return dict(
        X=X, y=y, X_val=X_val, y_val=y_val,
        hidden=check_hyperparameter("hidden", hidden),
        lr=check_hyperparameter("lr", lr),
        c=check_hyperparameter("c", c),
        batch_size=check_hyperparameter("batch_size", batch_size, high=len(X)),
        epochs=check_hyperparameter("epochs", epochs),
        seed=None if seed is None else check_hyperparameter("seed", seed),
        dtype=dtype, init=_check_init(init, X.shape[1], hidden, y, y_val, dtype))


def _check_init(init, n_features, hidden, y, y_val, dtype):
    """Copies of the initial parameters ``init`` in ``dtype``, checked against the data; None stays None."""
    if init is None:
        return None
    check_params(init)
    W1, W2 = np.shape(init["W1"]), np.shape(init["W2"])
    n_classes = max(2, int(max(y.max(), y_val.max())) + 1)
    want = (n_features, hidden, n_classes)
    if (W1[0], W1[1], W2[1]) != want:
        raise ParameterError(
            "init", f"init must fit the data and hidden: W1 of shape ({n_features}, {hidden}) and W2 of "
            f"shape ({hidden}, {n_classes}), got W1 {W1} and W2 {W2}.")
    out = {k: np.array(init[k], dtype=dtype, copy=True) for k in model.PARAM_NAMES}
    if not all(np.isfinite(v).all() for v in out.values()):
        raise ParameterError("init", "init must hold finite numbers; it has NaN or inf.")
    return out


def train_iter(X, y, X_val, y_val, *, hidden=DEFAULTS.hidden, lr=DEFAULTS.lr, c=DEFAULTS.c,
               batch_size=DEFAULTS.batch_size, epochs=DEFAULTS.epochs, seed=DEFAULTS.seed,
               dtype=np.float32, yield_every=None, init=None, train_eval_rows=None,
               skip_blank_inputs=False, params_mid_epoch=True):
    """Train like :func:`fit`, yielding a :class:`Progress` as it goes.

    A :class:`Progress` is yielded after every ``yield_every`` batches (if given)
    and at the end of every epoch (``epoch_end=True``, after the epoch's
    evaluation). Stop iterating to stop training; the parameters in the last
    progress are the trained ones. Raises :class:`TrainingDiverged` when the
    run diverges (see the module docstring). Arguments are validated before the
    first yield. Floating-point warnings are silenced only while it computes,
    never while it is paused at a yield.
    ``init`` is as in :func:`fit`.
    ``train_eval_rows`` (int, optional): measure the training cost and accuracy after
    each epoch on the first ``train_eval_rows`` rows of ``X`` only (a cheaper estimate,
    used by the live explorer); None: on all rows.
    ``skip_blank_inputs`` (bool, default False): leave the inputs that are 0 in every
    training row out of the step's products (:func:`handin.sgd_step.inked_inputs`; their
    weights only decay, as they do anyway). The same math in fewer operations, used by the
    live explorer; the sums then run in another order, so the last bits differ from a run
    without it.
    ``params_mid_epoch`` (bool, default True): bring the parameters up to date (fold the
    pending decay into ``W1``, a pass over it) at every yield; False only at an epoch's end,
    so that a Progress within an epoch carries parameters **not** to be read (the live
    explorer, which looks at the clock after every batch and at the parameters only once
    an epoch has ended). The trained numbers are the same either way up to rounding.
    """
    a = _check_fit_args(X, y, X_val, y_val, hidden, lr, c, batch_size, epochs, seed, dtype, init)
    if yield_every is not None:
        yield_every = check_scalar(yield_every, "yield_every", int, min_val=1)
    if train_eval_rows is not None:
        a["eval_rows"] = check_scalar(train_eval_rows, "train_eval_rows", int, min_val=1)
    a["skip_blank"] = bool(skip_blank_inputs)
    a["sync_mid_epoch"] = bool(params_mid_epoch)
    return _train_gen(a, yield_every)


def _train_gen(a, yield_every):
    X, y, X_val, y_val = a["X"], a["y"], a["X_val"], a["y_val"]
    n, d = X.shape
    n_classes = max(2, int(max(y.max(), y_val.max())) + 1)
    rng = np.random.default_rng(a["seed"])
    if a["init"] is None:               # drawn first, from seed: the draw order fit always had
        params = model.init_params(d, a["hidden"], n_classes, rng=rng, dtype=a["dtype"])
    else:
        params = a["init"]              # already a copy, in dtype
    bs, epochs = a["batch_size"], a["epochs"]
    inputs = inked_inputs(X) if a.get("skip_blank") else None
    X_step = X if inputs is None else np.ascontiguousarray(X[:, inputs])
    step = SGDStep(params, bs, n_classes, a["lr"], a["c"], inputs=inputs)
    n_batches = -(-n // bs)
    chunk = yield_every or n_batches
    history = History(batches_per_epoch=n_batches)
    watch = Watch(a["lr"], a["batch_size"], float(a["X"].max()), n_classes, history)
    record, check = history.batch_cross_entropy.append, watch.batch
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        perm = rng.permutation(n)
        for first in range(0, n_batches, chunk):
            last = min(first + chunk, n_batches)
            with _quiet():              # never across a yield: the caller's settings between chunks
                for b in range(first, last):
                    ce = step(X_step, y, perm[b * bs:(b + 1) * bs])
                    record(ce)
                    check(epoch, b + 1, ce, step)
                if a.get("sync_mid_epoch", True) or last == n_batches:
                    # W1 itself whenever we yield; an epoch ends with no subnormal weight
                    step.sync(flush=last == n_batches)
            if last < n_batches:
                yield Progress(epoch, last, n_batches, epochs, False, history, params)
        with _quiet():
            k = a.get("eval_rows") or n
            train_cost, train_acc = evaluate(X[:k], y[:k], params, a["c"])
            val_cost, val_acc = evaluate(X_val, y_val, params, a["c"])
        if not (np.isfinite(train_cost) and np.isfinite(val_cost)):
            bad = train_cost if not np.isfinite(train_cost) else val_cost
            raise watch.diverged(epoch, n_batches, bad)
        history._append(epoch=epoch, train_cost=train_cost, train_acc=train_acc,
                        val_cost=val_cost, val_acc=val_acc,
                        seconds=time.perf_counter() - t0)
        yield Progress(epoch, n_batches, n_batches, epochs, True, history, params)


#: Seconds of steps per chunk of a run whose threads are tuned (:class:`handin.threads.Tuner`):
#: a chunk ends at the first step past it, so a stall (two threads on a busy machine) costs
#: one step, not a fixed number of them.
TUNE_SECONDS = 0.02


def fit(X, y, X_val, y_val, *, hidden=DEFAULTS.hidden, lr=DEFAULTS.lr, c=DEFAULTS.c,
        batch_size=DEFAULTS.batch_size, epochs=DEFAULTS.epochs, seed=DEFAULTS.seed,
        dtype=np.float32, callback=None, callback_every=None, progress=False, init=None,
        threads="auto"):
    """Train the two-layer network by mini-batch SGD, reshuffling every epoch.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training inputs, e.g. pixels scaled to [0, 1].
    y : ndarray of shape (n_samples,)
        Integer labels ``0 .. n_classes - 1``.
    X_val : ndarray of shape (n_val, n_features)
    y_val : ndarray of shape (n_val,)
        Held-out data evaluated after every epoch.
    hidden : int, default=256
        Hidden units, in [1, 65536].
    lr : float, default=0.1
        Learning rate, > 0. Too high a rate raises :class:`TrainingDiverged`.
    c : float, default=1e-4
        Weight decay strength, >= 0 (cost term ``c * (||W1||^2 + ||W2||^2)``).
    batch_size : int, default=32
        In [1, n_samples]; the last batch of an epoch may be smaller.
    epochs : int, default=10
    seed : int or None, default=0
        Seeds initialisation and shuffling: the same seed gives the same history.
        With ``init`` given, ``seed`` still drives the shuffling (and the
        generator draws no initial weights first).
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Precision of training (float64 is for gradient checks and tests).
    callback : callable, optional
        ``callback(progress)`` after every epoch (and every ``callback_every``
        batches); returning True stops training after that point.
    callback_every : int, optional
    progress : bool, default=False
        Show a tqdm progress bar over the batches.
    init : dict, optional
        Initial ``W1, b1, W2, b2`` (shapes ``(n_features, hidden)``, ``(hidden,)``,
        ``(hidden, n_classes)``, ``(n_classes,)``). They are copied into ``dtype``
        and never modified. Default None: ``init_params(..., rng=rng)`` drawn first
        from ``numpy.random.default_rng(seed)``, which then shuffles. So
        ``init_params(n_features, hidden, n_classes, seed=s)`` holds the weights
        that ``fit(..., seed=s)`` starts from; passed as ``init`` with ``seed=s``,
        the same start gets other batches (the generator has drawn no weights).
    threads : int, "auto" or None, default="auto"
        BLAS threads while training: a number; the fastest for the step's sizes on this
        machine as loaded now, measured on the run's own chunks of ``TUNE_SECONDS`` of steps
        (:class:`handin.threads.Tuner`; with ``callback_every``, by timing the step's
        products before the run, :func:`handin.threads.resolve`; the environment variable
        ``HANDIN_BLAS_THREADS`` pins it); or None to leave them as they are.

    Returns
    -------
    params : dict
        The trained ``W1, b1, W2, b2``.
    history : History
        Per-epoch ``train_cost, train_acc, val_cost, val_acc, seconds``, and
        ``batch_cross_entropy``, one number per batch.

    Raises
    ------
    TrainingDiverged
        If the run diverges: a batch's cross-entropy non-finite, or the mean
        over the last batches holding at least 32 images above ``BLOWUP`` (10)
        times the larger of the first batch's and ``ln k``, or a
        non-finite cost after an epoch (see :mod:`handin.divergence`). Says in which
        epoch and batch, and what to try: the input scaling if the first batch's
        cross-entropy was already huge, else a lower learning rate.
    """
    measure, n_threads = _threads.pinned(threads)
    # threads measured: on the run's own chunks of TUNE_SECONDS of steps (threads.Tuner), whose
    # progress nobody reads (the parameters are synced at epoch ends only, as without them)
    tuned = measure and callback_every is None
    run = train_iter(X, y, X_val, y_val, hidden=hidden, lr=lr, c=c, batch_size=batch_size,
                     epochs=epochs, seed=seed, dtype=dtype, init=init,
                     yield_every=1 if tuned else callback_every, params_mid_epoch=not tuned)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        n_batches = -(-len(X) // batch_size)
        bar = tqdm(total=epochs * n_batches, unit="batch", desc="training", leave=False)
    done, last = 0, None
    shape = (min(batch_size, len(X)), np.shape(X)[1], hidden)
    tuner = _threads.tuner(shape, dtype, name="fit") if tuned else None
    if measure and not tuned:
        n_threads = _threads.resolve(threads, shape, dtype=dtype)
    try:
        with _threads.limit(n_threads) if tuner is None else contextlib.nullcontext():
            while True:
                n = tuner.pick() if tuner is not None else None
                t0 = start = time.perf_counter()
                cpu0 = time.thread_time()
                with _threads.limit(n) if tuner is not None else contextlib.nullcontext():
                    p = next(run, None)
                    while (tuner is not None and p is not None and not p.epoch_end
                           and time.perf_counter() - t0 < TUNE_SECONDS):
                        p = next(run, None)      # a chunk: TUNE_SECONDS of steps, or less
                if p is None:
                    break
                now = (p.epoch - 1) * p.n_batches + p.batch
                if tuner is not None and not p.epoch_end:     # steps only, no evaluation
                    tuner.record(n, now - done, time.perf_counter() - start,
                                 cpu=time.thread_time() - cpu0)
                if bar is not None:
                    bar.update(now - done)
                    if p.epoch_end:
                        bar.set_postfix(epoch=p.epoch, val_acc=f"{p.history.val_acc[-1]:.4f}")
                done, last = now, p
                if tuned and not p.epoch_end:
                    continue
                if callback is not None and callback(p):
                    break
    finally:
        if bar is not None:
            bar.close()
    p = last
    return p.params, p.history
