"""Mini-batch stochastic gradient descent for the two-layer network.

:func:`fit` is what most callers want. :func:`train_iter` is the same loop as a
generator that hands back control every few batches, so that an event loop (the
live explorer) can draw, cancel or restart between chunks.

The inner loop is the math of :mod:`handin.model` written with preallocated
buffers and in-place updates (see :class:`_SGDStep`); ``tests/test_train.py``
checks that it follows the readable reference ``params -= lr * cost_grad(...)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields

import numpy as np

from . import model
from ._validation import check_scalar, check_X_y

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
    ce_sum, correct = 0.0, 0
    for start in range(0, len(X), _EVAL_BLOCK):
        Xb, yb = X[start:start + _EVAL_BLOCK], y[start:start + _EVAL_BLOCK]
        Z2 = model.relu(Xb @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
        logP = model.log_softmax(Z2)
        ce_sum -= float(logP[np.arange(len(yb)), yb].sum(dtype=np.float64))
        correct += int(np.count_nonzero(Z2.argmax(axis=1) == yb))
    decay = c * float(np.sum(params["W1"] ** 2, dtype=np.float64)
                      + np.sum(params["W2"] ** 2, dtype=np.float64))
    return ce_sum / len(X) + decay, correct / len(X)


class _SGDStep:
    """One SGD step on a batch, with every intermediate array allocated once.

    The same math as ``model.cost_grad`` followed by ``W -= lr * dW``, in place.
    """

    def __init__(self, params, batch_size, n_classes, lr, c):
        self.p, self.lr, self.decay = params, lr, 1.0 - 2.0 * lr * c
        d, h = params["W1"].shape
        dt = params["W1"].dtype
        self.Xb = np.empty((batch_size, d), dt)
        self.Z1 = np.empty((batch_size, h), dt)
        self.mask = np.empty((batch_size, h), bool)
        self.Z2 = np.empty((batch_size, n_classes), dt)
        self.dA1 = np.empty((batch_size, h), dt)
        self.dW1 = np.empty((d, h), dt)
        self.dW2 = np.empty((h, n_classes), dt)
        self.rows = np.arange(batch_size)

    def __call__(self, X, y, idx):
        """Update the parameters in place on rows ``idx`` of ``X``; return the batch's mean cross-entropy."""
        p, m = self.p, len(idx)
        Xb, Z1, mask, Z2, dA1 = self.Xb[:m], self.Z1[:m], self.mask[:m], self.Z2[:m], self.dA1[:m]
        yb, rows = y[idx], self.rows[:m]
        np.take(X, idx, axis=0, out=Xb)
        # forward: Z1 = X W1 + b1, A1 = relu(Z1) (kept in Z1), Z2 = A1 W2 + b2, P = softmax(Z2) (kept in Z2)
        np.matmul(Xb, p["W1"], out=Z1)
        Z1 += p["b1"]
        np.greater(Z1, 0, out=mask)
        np.maximum(Z1, 0, out=Z1)
        A1 = Z1
        np.matmul(A1, p["W2"], out=Z2)
        Z2 += p["b2"]
        Z2 -= Z2.max(axis=1, keepdims=True)
        np.exp(Z2, out=Z2)
        Z2 /= Z2.sum(axis=1, keepdims=True)
        P = Z2
        loss = -float(np.log(P[rows, yb]).mean())
        # backward: dZ2 = (P - Y) / m, written over P
        dZ2 = P
        dZ2[rows, yb] -= 1.0
        dZ2 /= m
        np.matmul(dZ2, p["W2"].T, out=dA1)
        np.matmul(A1.T, dZ2, out=self.dW2)
        db2 = dZ2.sum(axis=0)
        dZ1 = np.multiply(dA1, mask, out=dA1)
        np.matmul(Xb.T, dZ1, out=self.dW1)
        db1 = dZ1.sum(axis=0)
        # update: W -= lr * (dW + 2 c W)  ==  W *= (1 - 2 lr c);  W -= lr * dW
        for W, dW in ((p["W1"], self.dW1), (p["W2"], self.dW2)):
            if self.decay != 1.0:
                W *= self.decay
            dW *= self.lr
            W -= dW
        p["b1"] -= self.lr * db1
        p["b2"] -= self.lr * db2
        return loss


def _check_fit_args(X, y, X_val, y_val, hidden, lr, c, batch_size, epochs, seed, dtype):
    X, y = check_X_y(X, y)
    X_val, y_val = check_X_y(X_val, y_val, x_name="X_val", y_name="y_val")
    if X_val.shape[1] != X.shape[1]:
        raise ValueError(f"X_val must have the same number of features as X ({X.shape[1]}), "
                         f"got {X_val.shape[1]}.")
    for name, arr in (("y", y), ("y_val", y_val)):
        if arr.min() < 0:
            raise ValueError(f"{name} must hold labels >= 0, got {arr.min()}.")
    dtype = model._check_dtype(dtype)
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
        dtype=dtype)


def train_iter(X, y, X_val, y_val, *, hidden=256, lr=0.1, c=1e-4, batch_size=32, epochs=10,
               seed=0, dtype=np.float32, yield_every=None):
    """Train like :func:`fit`, yielding a :class:`Progress` as it goes.

    A :class:`Progress` is yielded after every ``yield_every`` batches (if given)
    and at the end of every epoch (``epoch_end=True``, after the epoch's
    evaluation). Stop iterating to stop training; the parameters in the last
    progress are the trained ones. Raises :class:`TrainingDiverged` when the
    loss becomes non-finite. Arguments are validated before the first yield.
    """
    a = _check_fit_args(X, y, X_val, y_val, hidden, lr, c, batch_size, epochs, seed, dtype)
    if yield_every is not None:
        yield_every = check_scalar(yield_every, "yield_every", int, min_val=1)
    return _train_gen(a, yield_every)


def _train_gen(a, yield_every):
    X, y, X_val, y_val = a["X"], a["y"], a["X_val"], a["y_val"]
    n, d = X.shape
    n_classes = max(2, int(max(y.max(), y_val.max())) + 1)
    rng = np.random.default_rng(a["seed"])
    params = model.init_params(d, a["hidden"], n_classes, rng=rng, dtype=a["dtype"])
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
                    raise TrainingDiverged(epoch, b + 1, a["lr"], history, loss)
                if yield_every and (b + 1) % yield_every == 0 and b + 1 < n_batches:
                    yield Progress(epoch, b + 1, n_batches, epochs, False, history, params)
            train_loss, train_acc = evaluate(X, y, params, a["c"])
            val_loss, val_acc = evaluate(X_val, y_val, params, a["c"])
            if not (np.isfinite(train_loss) and np.isfinite(val_loss)):
                bad = train_loss if not np.isfinite(train_loss) else val_loss
                raise TrainingDiverged(epoch, n_batches, a["lr"], history, bad)
            history._append(epoch=epoch, train_loss=train_loss, train_acc=train_acc,
                            val_loss=val_loss, val_acc=val_acc,
                            seconds=time.perf_counter() - t0)
            yield Progress(epoch, n_batches, n_batches, epochs, True, history, params)


def fit(X, y, X_val, y_val, *, hidden=256, lr=0.1, c=1e-4, batch_size=32, epochs=10, seed=0,
        dtype=np.float32, callback=None, callback_every=None, progress=False):
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
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Precision of training (float64 is for gradient checks and tests).
    callback : callable, optional
        ``callback(progress)`` after every epoch (and every ``callback_every``
        batches); returning True stops training after that point.
    callback_every : int, optional
    progress : bool, default=False
        Show a tqdm progress bar over the batches.

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
                     epochs=epochs, seed=seed, dtype=dtype, yield_every=callback_every)
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
