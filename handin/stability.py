"""The largest learning rate that survives a few epochs under our divergence rule, by bisection.

Too high a learning rate makes SGD diverge (the definition is in
:mod:`handin.divergence`: a non-finite cost, or the cross-entropy of the recent
batches ten times its start). Between a rate that trains and one that diverges lies an edge;
:func:`largest_surviving_rate` brackets it by running :func:`handin.fit` for a small,
fixed budget of epochs at rates halfway (geometrically) between the two.

This is not the "edge of stability" of the optimisation literature (Cohen et al., 2021:
full-batch training where the sharpness of the cost hovers at 2 / lr): the bracket
depends on the rule, the number of epochs, the seed and the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_scalar
from .train import TrainingDiverged, fit

__all__ = ["Edge", "largest_surviving_rate", "batch_traces"]


@dataclass(frozen=True)
class Edge:
    """A bracket around the largest learning rate that survives ``epochs`` epochs.

    ``trains`` ran ``epochs`` epochs without :class:`~handin.TrainingDiverged`;
    ``diverges`` raised it, in ``diverged_at`` = (epoch, batch); ``trains <
    diverges <= trains * ratio``. ``runs`` is the number of fits it took.
    """

    trains: float
    diverges: float
    diverged_at: tuple
    epochs: int
    runs: int


def _diverges(X, y, X_val, y_val, lr, epochs, fit_kw):
    try:
        fit(X, y, X_val, y_val, lr=lr, epochs=epochs, **fit_kw)
    except TrainingDiverged as exc:
        return exc.epoch, exc.batch
    return None


def largest_surviving_rate(X, y, X_val, y_val, *, lo=0.1, hi=10.0, ratio=1.05, epochs=1, **fit_kw):
    """Bracket the learning rate at which :func:`handin.fit` starts to diverge.

    Bisection on ``log lr``: ``lo`` must train and ``hi`` must diverge (checked,
    two fits); then the geometric mean of the bracket is tried and replaces the
    end it agrees with, until ``hi / lo <= ratio``. That is
    ``ceil(log2(log(hi / lo) / log(ratio)))`` more fits: 7 for the defaults.
    Each fit runs ``epochs`` epochs with the same ``seed`` (so the same
    initial weights and batches): divergence is deterministic in ``lr``, and
    the bracket assumes one edge (every rate below a diverging one trains,
    which holds for these runs as far as we measured, not in general).

    Parameters
    ----------
    X, y, X_val, y_val : arrays
        As for :func:`handin.fit`.
    lo, hi : float, default=0.1, 10.0
        A rate that trains and one that diverges, ``0 < lo < hi``.
    ratio : float, default=1.05
        Stop when ``hi / lo`` is at most this, > 1.
    epochs : int, default=1
        The budget of each trial run, in [1, 100]: a rate counts as training if it
        survives these epochs.
    **fit_kw
        Any other argument of :func:`handin.fit` (hidden, c, batch_size, seed, ...).

    Returns
    -------
    Edge
        ``trains`` and ``diverges``, the ends of the final bracket.

    Raises
    ------
    ValueError
        If ``lo`` diverges or ``hi`` trains (the message says which), or a
        parameter is out of range.
    """
    lo = check_scalar(lo, "lo", float, min_val=0.0, include_min=False)
    hi = check_scalar(hi, "hi", float, min_val=lo, include_min=False)
    ratio = check_scalar(ratio, "ratio", float, min_val=1.0, include_min=False)
    epochs = check_scalar(epochs, "epochs", int, min_val=1, max_val=100)
    for key in ("lr", "epochs", "callback", "callback_every", "progress"):
        if key in fit_kw:
            raise TypeError(f"largest_surviving_rate() sets {key} itself; do not pass it.")
    if _diverges(X, y, X_val, y_val, lo, epochs, fit_kw) is not None:
        raise ValueError(f"lo={lo:g} must train, but it diverged within {epochs} epoch(s); "
                         "give a lower lo.")
    where = _diverges(X, y, X_val, y_val, hi, epochs, fit_kw)
    if where is None:
        raise ValueError(f"hi={hi:g} must diverge, but it trained for {epochs} epoch(s); "
                         "give a higher hi.")
    runs = 2
    while hi / lo > ratio:
        mid = float(np.sqrt(lo * hi))
        at = _diverges(X, y, X_val, y_val, mid, epochs, fit_kw)
        runs += 1
        if at is None:
            lo = mid
        else:
            hi, where = mid, at
    return Edge(trains=lo, diverges=hi, diverged_at=where, epochs=epochs, runs=runs)


def batch_traces(X, y, X_val, y_val, lrs, *, epochs=1, **fit_kw):
    """The cross-entropy of every batch of a :func:`handin.fit` at each rate in ``lrs``,
    the runs that diverge included (up to the batch that gave them away).

    Parameters
    ----------
    X, y, X_val, y_val : arrays
        As for :func:`handin.fit`.
    lrs : sequence of float
        The learning rates; every run has the same seed, so the same start and batches.
    epochs : int, default=1
    **fit_kw
        Further arguments of :func:`handin.fit` (``hidden``, ``c``, ``batch_size``, ...).

    Returns
    -------
    traces : dict of str to list of float
        ``"lr = 0.5"``, or ``"lr = 10, diverged in batch 3"``, to that run's
        ``History.batch_cross_entropy``, in the order of ``lrs``.
    diverged : set of str
        The labels of the runs that diverged.
    """
    traces, diverged = {}, set()
    for lr in lrs:
        label = f"lr = {lr:.3g}"
        try:
            _, history = fit(X, y, X_val, y_val, lr=lr, epochs=epochs, **fit_kw)
        except TrainingDiverged as exc:
            history, label = exc.history, f"{label}, diverged in batch {exc.batch}"
            diverged.add(label)
        traces[label] = list(history.batch_cross_entropy)
    return traces, diverged
