"""Mini-batch stochastic gradient descent for the two-layer network.

:func:`fit` is what most callers want. :func:`train_iter` is the same loop as a
generator that hands back control every few batches, so that an event loop (the
live explorer) can draw, cancel or restart between chunks.

The inner loop is the math of :mod:`handin.model` written with preallocated
buffers and in-place updates (see :class:`_SGDStep`); ``tests/test_train.py``
and ``tests/test_train_fast.py`` check that it follows the readable reference
``params -= lr * cost_grad(...)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields

import numpy as np

from . import model
from ._validation import check_dtype, check_params, check_scalar, check_X_y

__all__ = ["History", "Progress", "TrainingDiverged", "fit", "train_iter", "evaluate"]

_EVAL_BLOCK = 4096


@dataclass
class History:
    """Per-epoch learning curves. Losses are the full cost (cross-entropy + decay)."""

    epoch: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    seconds: list = field(default_factory=list)  # wall time of each epoch, evaluation included

    def __len__(self):
        return len(self.epoch)

    def as_dict(self):
        """Plain lists, ready for JSON."""
        return {f.name: list(getattr(self, f.name)) for f in fields(self)}

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


class TrainingDiverged(RuntimeError):
    """The loss became non-finite. ``history`` holds the epochs finished before it."""

    def __init__(self, epoch, batch, lr, history, loss):
        self.epoch, self.batch, self.lr, self.history, self.loss = epoch, batch, lr, history, loss
        super().__init__(
            f"training diverged in epoch {epoch} (batch {batch}): the loss became {loss}. "
            f"The learning rate lr={lr:g} is too high for this model; try a lower one, "
            f"e.g. lr={lr / 10:g}.")


def evaluate(X, y, params, c=0.0):
    """Cost and accuracy over a whole data set, computed in blocks of rows.

    Returns
    -------
    loss : float
        Mean cross-entropy plus ``c * (||W1||^2 + ||W2||^2)``.
    acc : float
        Fraction of correct predictions.
    """
    X, y = np.asarray(X), np.asarray(y)
    W1, b1, W2, b2 = (params[k] for k in model.PARAM_NAMES)
    block = max(1, min(_EVAL_BLOCK, len(X)))
    # The forward pass of model.forward, block by block into two reused buffers: blocks of
    # thousands of rows keep the products X W1 fast, and no (n, hidden) temporary is made.
    Z1_buf = np.empty((block, W1.shape[1]), np.result_type(X, W1))
    Z2_buf = np.empty((block, W2.shape[1]), np.result_type(Z1_buf, W2))
    ce_sum, correct = 0.0, 0
    for start in range(0, len(X), block):
        Xb, yb = X[start:start + block], y[start:start + block]
        Z1 = np.matmul(Xb, W1, out=Z1_buf[:len(Xb)])
        Z1 += b1                                        # Z1 = X W1 + b1
        A1 = np.maximum(Z1, 0, out=Z1)                  # A1 = relu(Z1)
        Z2 = np.matmul(A1, W2, out=Z2_buf[:len(Xb)])
        Z2 += b2                                        # Z2 = A1 W2 + b2
        ce_sum += model.cross_entropy(Z2, yb) * len(yb)
        correct += int(np.count_nonzero(Z2.argmax(axis=1) == yb))
    decay = c * float(np.sum(W1 ** 2, dtype=np.float64) + np.sum(W2 ** 2, dtype=np.float64))
    return ce_sum / len(X) + decay, correct / len(X)


class _SGDStep:
    """One SGD step on a batch, in place, with every intermediate array allocated once.

    The math is ``model.cost_grad`` followed by ``W -= lr * dW`` (see :mod:`handin.model`),
    arranged so that the (784, hidden) arrays ``W1`` and ``dW1`` are touched as few times
    as possible, since at small batches those passes cost as much as a matrix product:

    * the learning rate is folded into ``dZ2`` (a small batch x classes array). Every
      gradient is linear in ``dZ2``, so the matrix products give ``lr * dW`` directly;
    * weight decay, ``W -= lr * (dW + 2 c W)``, is ``W = d * W - lr * dW`` with the decay
      factor ``d = 1 - 2 lr c``. ``W2`` is small and is multiplied by ``d`` each step.
      ``W1`` is kept as a scalar times an array, ``W1 = s * V`` (``V`` is the array in
      ``params["W1"]``): the step multiplies the number ``s`` by ``d`` and subtracts
      ``lr * dW1 / s`` from ``V``, one pass instead of two (the scale trick of Bottou's
      SGD and scikit-learn's ``SGDClassifier``). :meth:`sync` folds ``s`` back into the
      array; the training loop calls it before anyone looks at the parameters;
    * the bias gradients ``db = sum_i dZ[i]`` are the products ``1^T dZ``;
    * the ReLU keeps a 0/1 mask ``(Z1 > 0)`` in the parameters' dtype: ``A1 = Z1 * mask``
      and ``dZ1 = dA1 * mask`` are then plain multiplications.

    Every buffer has the parameters' dtype, so a float32 run never computes in float64.
    """

    def __init__(self, params, batch_size, n_classes, lr, c):
        self.p, self.lr, self.decay = params, lr, 1.0 - 2.0 * lr * c
        self.scale = 1.0                                   # s in W1 = s * params["W1"]
        d, h = params["W1"].shape
        dt = params["W1"].dtype
        self.Xb = np.empty((batch_size, d), dt)            # the batch's rows of X
        self.Z1 = np.empty((batch_size, h), dt)            # Z1, then A1 = relu(Z1)
        self.mask = np.empty((batch_size, h), dt)          # (Z1 > 0) as 0.0 / 1.0
        self.Z2 = np.empty((batch_size, n_classes), dt)    # Z2, then P, then lr * dZ2
        self.row_max = np.empty((batch_size, 1), dt)
        self.row_sum = np.empty((batch_size, 1), dt)
        self.dA1 = np.empty((batch_size, h), dt)           # lr * dA1, then lr * dZ1
        self.dW1 = np.empty((d, h), dt)                    # lr * X^T dZ1 / s
        self.dW2 = np.empty((h, n_classes), dt)            # lr * A1^T dZ2
        self.db1 = np.empty(h, dt)
        self.db2 = np.empty(n_classes, dt)
        self.ones = np.ones(batch_size, dt)
        self.rows = np.arange(batch_size)

    def sync(self):
        """Fold the pending decay into ``params["W1"]``, which then holds ``W1`` itself."""
        if self.scale != 1.0:
            self.p["W1"] *= self.scale
            self.scale = 1.0

    def __call__(self, X, y, idx):
        """Update the parameters in place on rows ``idx`` of ``X``; return the batch's mean cross-entropy."""
        p, m, s = self.p, len(idx), self.scale
        Xb, Z1, mask, Z2, dA1 = self.Xb[:m], self.Z1[:m], self.mask[:m], self.Z2[:m], self.dA1[:m]
        row_max, row_sum, ones = self.row_max[:m], self.row_sum[:m], self.ones[:m]
        yb, rows = y[idx], self.rows[:m]
        # the one copy per batch, its rows of X (mode="clip": no bounds check, so numpy
        # writes straight into Xb instead of a temporary; idx comes from a permutation)
        np.take(X, idx, axis=0, out=Xb, mode="clip")

        # forward: Z1 = X W1 + b1 = s * (X V) + b1;  A1 = relu(Z1) = Z1 * (Z1 > 0)
        np.matmul(Xb, p["W1"], out=Z1)
        if s != 1.0:
            Z1 *= s
        Z1 += p["b1"]
        np.greater(Z1, 0, out=mask, casting="unsafe")   # True/False written as 1.0/0.0
        A1 = np.multiply(Z1, mask, out=Z1)
        # Z2 = A1 W2 + b2;  P = softmax(Z2) = exp(Z2 - rowmax) / rowsum(exp(Z2 - rowmax))
        np.matmul(A1, p["W2"], out=Z2)
        Z2 += p["b2"]
        Z2 -= np.max(Z2, axis=1, keepdims=True, out=row_max)
        np.exp(Z2, out=Z2)
        P = np.divide(Z2, np.sum(Z2, axis=1, keepdims=True, out=row_sum), out=Z2)
        loss = -float(np.log(P[rows, yb]).sum()) / m    # mean_i -log P[i, y_i]

        # backward, everything times lr:  lr * dZ2 = (P - Y) * lr / m, written over P
        dZ2 = np.multiply(P, self.lr / m, out=P)
        dZ2[rows, yb] -= self.lr / m
        np.matmul(dZ2, p["W2"].T, out=dA1)              # lr * dA1 = lr * dZ2 W2^T
        np.matmul(A1.T, dZ2, out=self.dW2)              # lr * dW2 = A1^T (lr * dZ2)
        np.matmul(ones, dZ2, out=self.db2)              # lr * db2 = 1^T (lr * dZ2)
        dZ1 = np.multiply(dA1, mask, out=dA1)           # lr * dZ1 = lr * dA1 * (Z1 > 0)
        np.matmul(ones, dZ1, out=self.db1)              # lr * db1 = 1^T (lr * dZ1)

        # update: W = d * W - lr * dW, with d = 1 - 2 lr c (biases: b -= lr * db)
        if self.decay != 1.0:
            p["W2"] *= self.decay
        p["W2"] -= self.dW2
        p["b1"] -= self.db1
        p["b2"] -= self.db2
        # W1 = s V  ->  d s V - lr X^T dZ1 = s' (V - lr X^T dZ1 / s')  with s' = d s
        if self.decay >= 0.5:
            s = self.scale = s * self.decay
            if s != 1.0:
                dZ1 *= 1.0 / s
        else:                           # a decay this strong (lr c > 1/4): on the array itself
            self.sync()
            p["W1"] *= self.decay
        np.matmul(Xb.T, dZ1, out=self.dW1)              # lr * X^T dZ1 / s'
        p["W1"] -= self.dW1
        if self.scale < 0.5:                            # keep s in [1/2, 1]: V near W1 in size
            self.sync()
        return loss


def _check_fit_args(X, y, X_val, y_val, hidden, lr, c, batch_size, epochs, seed, dtype,
                    init=None):
    X, y = check_X_y(X, y)
    X_val, y_val = check_X_y(X_val, y_val, x_name="X_val", y_name="y_val")
    if X_val.shape[1] != X.shape[1]:
        raise ValueError(f"X_val must have the same number of features as X ({X.shape[1]}), "
                         f"got {X_val.shape[1]}.")
    for name, arr in (("y", y), ("y_val", y_val)):
        if arr.min() < 0:
            raise ValueError(f"{name} must hold labels >= 0, got {arr.min()}.")
    dtype = check_dtype(dtype)
    for name, arr in (("X", X), ("X_val", X_val)):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} must hold finite numbers; it has NaN or inf.")
    return dict(
        X=np.asarray(X, dtype=dtype), y=y.astype(np.intp),
        X_val=np.asarray(X_val, dtype=dtype), y_val=y_val.astype(np.intp),
        hidden=check_scalar(hidden, "hidden", int, min_val=1, max_val=65536),
        lr=check_scalar(lr, "lr", float, min_val=0.0, include_min=False),
        c=check_scalar(c, "c", float, min_val=0.0),
        batch_size=check_scalar(batch_size, "batch_size", int, min_val=1, max_val=len(X)),
        epochs=check_scalar(epochs, "epochs", int, min_val=1, max_val=100_000),
        seed=None if seed is None else check_scalar(seed, "seed", int, min_val=0, max_val=2**63 - 1),
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
        raise ValueError(
            f"init must fit the data and hidden: W1 of shape ({n_features}, {hidden}) and W2 of "
            f"shape ({hidden}, {n_classes}), got W1 {W1} and W2 {W2}.")
    out = {k: np.array(init[k], dtype=dtype, copy=True) for k in model.PARAM_NAMES}
    if not all(np.isfinite(v).all() for v in out.values()):
        raise ValueError("init must hold finite numbers; it has NaN or inf.")
    return out


def train_iter(X, y, X_val, y_val, *, hidden=256, lr=0.1, c=1e-4, batch_size=32, epochs=10,
               seed=0, dtype=np.float32, yield_every=None, init=None, train_eval_rows=None):
    """Train like :func:`fit`, yielding a :class:`Progress` as it goes.

    A :class:`Progress` is yielded after every ``yield_every`` batches (if given)
    and at the end of every epoch (``epoch_end=True``, after the epoch's
    evaluation). Stop iterating to stop training; the parameters in the last
    progress are the trained ones. Raises :class:`TrainingDiverged` when the
    loss becomes non-finite. Arguments are validated before the first yield.
    ``init`` is as in :func:`fit`. ``train_eval_rows`` (int, optional): measure the
    training cost and accuracy after each epoch on the first ``train_eval_rows`` rows of
    ``X`` only (a cheaper estimate, used by the live explorer); None: on all rows.
    """
    a = _check_fit_args(X, y, X_val, y_val, hidden, lr, c, batch_size, epochs, seed, dtype, init)
    if yield_every is not None:
        yield_every = check_scalar(yield_every, "yield_every", int, min_val=1)
    if train_eval_rows is not None:
        a["eval_rows"] = check_scalar(train_eval_rows, "train_eval_rows", int, min_val=1)
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
    step = _SGDStep(params, bs, n_classes, a["lr"], a["c"])
    n_batches = -(-n // bs)
    history = History()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            perm = rng.permutation(n)
            for b in range(n_batches):
                loss = step(X, y, perm[b * bs:(b + 1) * bs])
                if not np.isfinite(loss):
                    step.sync()
                    raise TrainingDiverged(epoch, b + 1, a["lr"], history, loss)
                if yield_every and (b + 1) % yield_every == 0 and b + 1 < n_batches:
                    step.sync()                 # params["W1"] holds W1 whenever we yield
                    yield Progress(epoch, b + 1, n_batches, epochs, False, history, params)
            step.sync()
            k = a.get("eval_rows") or n
            train_loss, train_acc = evaluate(X[:k], y[:k], params, a["c"])
            val_loss, val_acc = evaluate(X_val, y_val, params, a["c"])
            if not (np.isfinite(train_loss) and np.isfinite(val_loss)):
                bad = train_loss if not np.isfinite(train_loss) else val_loss
                raise TrainingDiverged(epoch, n_batches, a["lr"], history, bad)
            history._append(epoch=epoch, train_loss=train_loss, train_acc=train_acc,
                            val_loss=val_loss, val_acc=val_acc,
                            seconds=time.perf_counter() - t0)
            yield Progress(epoch, n_batches, n_batches, epochs, True, history, params)


def fit(X, y, X_val, y_val, *, hidden=256, lr=0.1, c=1e-4, batch_size=32, epochs=10, seed=0,
        dtype=np.float32, callback=None, callback_every=None, progress=False, init=None):
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

    Returns
    -------
    params : dict
        The trained ``W1, b1, W2, b2``.
    history : History
        Per-epoch ``train_loss, train_acc, val_loss, val_acc, seconds``.

    Raises
    ------
    TrainingDiverged
        If the loss becomes NaN or infinite; says in which epoch and what to try.
    """
    run = train_iter(X, y, X_val, y_val, hidden=hidden, lr=lr, c=c, batch_size=batch_size,
                     epochs=epochs, seed=seed, dtype=dtype, yield_every=callback_every,
                     init=init)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        n_batches = -(-len(X) // batch_size)
        bar = tqdm(total=epochs * n_batches, unit="batch", desc="training", leave=False)
    done = 0
    try:
        for p in run:
            if bar is not None:
                now = (p.epoch - 1) * p.n_batches + p.batch
                bar.update(now - done)
                done = now
                if p.epoch_end:
                    bar.set_postfix(epoch=p.epoch, val_acc=f"{p.history.val_acc[-1]:.4f}")
            if callback is not None and callback(p):
                break
    finally:
        if bar is not None:
            bar.close()
    return p.params, p.history
