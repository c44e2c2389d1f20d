"""The exercise end to end: load a data set, hold out validation, train, score."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import data, model, train
from .hyperparameters import DEFAULTS

__all__ = ["Split", "prepare", "run"]

VAL_FRACTION = 0.15  # as in the exercise: 15% of the training set is held out for validation


@dataclass(frozen=True)
class Split:
    """Scaled arrays ready for :func:`handin.fit` (pixels in [0, 1])."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple


def prepare(dataset="sample", *, seed=DEFAULTS.seed, dtype=np.float32, n_train=None,
            data_home=None, download=True):
    """Load ``dataset``, scale it to [0, 1] and hold out 15% of its training set.

    Parameters
    ----------
    dataset : {"sample", "mnist", "fashion-mnist"}
    seed : int, default=0
        Seeds the stratified train/validation split.
    n_train : int, optional
        Keep only the first ``n_train`` training rows after the split (for quick runs).

    Returns
    -------
    Split
    """
    ds = data.load(dataset, data_home=data_home, download=download)
    X_tr, X_val, y_tr, y_val = data.train_val_split(
        data.scale(ds.X_train, dtype), ds.y_train, VAL_FRACTION, seed=seed)
    if n_train is not None:
        X_tr, y_tr = X_tr[:n_train], y_tr[:n_train]
    return Split(ds.name, X_tr, y_tr, X_val, y_val, data.scale(ds.X_test, dtype), ds.y_test,
                 ds.class_names)


def run(dataset="sample", *, hidden=DEFAULTS.hidden, lr=DEFAULTS.lr, c=DEFAULTS.c,
        batch_size=DEFAULTS.batch_size, epochs=DEFAULTS.epochs, seed=DEFAULTS.seed,
        progress=False, data_home=None, download=True):
    """Run the original experiment and return its results as a JSON-ready dict.

    Returns
    -------
    result : dict
        ``dataset``, the hyperparameters, ``train_accuracy`` (in sample: the
        85% it trained on), ``test_accuracy``, ``history`` and ``seconds``,
        plus ``params`` (the trained weights, not JSON-serialisable).
    """
    t0 = time.perf_counter()
    split = prepare(dataset, seed=seed, data_home=data_home, download=download)
    params, history = train.fit(split.X_train, split.y_train, split.X_val, split.y_val,
                                hidden=hidden, lr=lr, c=c, batch_size=batch_size, epochs=epochs,
                                seed=seed, progress=progress)
    return {
        "dataset": split.name,
        "hidden": hidden, "lr": lr, "c": c, "batch_size": batch_size, "epochs": epochs,
        "seed": seed,
        "n_train": len(split.X_train), "n_val": len(split.X_val), "n_test": len(split.X_test),
        "train_accuracy": model.accuracy(split.X_train, split.y_train, params),
        "test_accuracy": model.accuracy(split.X_test, split.y_test, params),
        "history": history.as_dict(),
        "seconds": time.perf_counter() - t0,
        "params": params,
    }
