"""Checks at the public boundary: each error names the parameter and what it may be.

Every check raises :class:`ParameterError` (a :class:`ValueError`) or, for an argument of
the wrong type, :class:`ParameterTypeError` (both a :class:`TypeError` and a
:class:`ParameterError`). Both carry the parameter's name in ``.param``, so a caller such as
the command line can tell which flag to blame without reading the message.

>>> try:
...     check_scalar(-1.0, "lr", float, min_val=0.0, include_min=False)
... except ParameterError as exc:
...     print(exc.param, "|", exc)
lr | lr must be a float in the range (0.0, inf), got -1.0.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["ParameterError", "ParameterTypeError", "check_scalar", "check_dtype", "check_params",
           "check_X", "check_X_y", "check_fit_data"]

_TYPE_NAMES = {int: "an int", float: "a float"}


class ParameterError(ValueError):
    """A public argument with a value outside what it may be; ``param`` names the argument."""

    def __init__(self, param, message):
        super().__init__(message)
        self.param = param


class ParameterTypeError(ParameterError, TypeError):
    """A public argument of the wrong type; ``param`` names the argument."""


# public as handin.ParameterError and handin.ParameterTypeError (and so named in tracebacks)
ParameterError.__module__ = ParameterTypeError.__module__ = "handin"


def _range_text(min_val, max_val, include_min, include_max):
    lo = "-inf" if min_val is None else repr(min_val)
    hi = "inf" if max_val is None else repr(max_val)
    left = "[" if include_min and min_val is not None else "("
    right = "]" if include_max and max_val is not None else ")"
    return f"{left}{lo}, {hi}{right}"


def check_scalar(value, name, kind, *, min_val=None, max_val=None, include_min=True,
                 include_max=True):
    """Return ``value`` as ``kind`` (int or float) if it lies in the allowed range.

    Raises
    ------
    TypeError
        If ``value`` is not a real number of the right kind (bools are refused).
    ValueError
        If ``value`` is NaN, infinite or out of range; the message names the
        parameter and the range, e.g. ``lr must be a float in the range (0, inf),
        got -1.0.``
    """
    rng = _range_text(min_val, max_val, include_min, include_max)
    want = f"{_TYPE_NAMES[kind]} in the range {rng}"
    ok_type = numbers.Integral if kind is int else numbers.Real
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, ok_type):
        raise ParameterTypeError(
            name, f"{name} must be {want}, got {value!r} of type {type(value).__name__}.")
    value = kind(value)
    too_low = min_val is not None and (value < min_val or (value == min_val and not include_min))
    too_high = max_val is not None and (value > max_val or (value == max_val and not include_max))
    if (kind is float and not math.isfinite(value)) or too_low or too_high:
        raise ParameterError(name, f"{name} must be {want}, got {value!r}.")
    return value


def check_dtype(dtype, name="dtype"):
    """Return ``dtype`` as a numpy dtype if it is float32 or float64.

    >>> check_dtype("float32")
    dtype('float32')
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.float32, np.float64):
        raise ParameterTypeError(name, f"{name} must be numpy.float32 or numpy.float64, "
                                       f"got {dtype!r}.")
    return dt


def check_params(params):
    """Check that ``params`` is a dict of arrays W1, b1, W2, b2 with matching shapes."""
    if not isinstance(params, dict):
        raise ParameterTypeError("params", f"params must be a dict with keys W1, b1, W2, b2, "
                                           f"got {type(params).__name__}.")
    missing = [k for k in ("W1", "b1", "W2", "b2") if k not in params]
    if missing:
        raise ParameterError("params", f"params is missing {', '.join(missing)}; "
                                       f"it needs W1, b1, W2, b2.")
    W1, b1, W2, b2 = (np.asarray(params[k]) for k in ("W1", "b1", "W2", "b2"))
    if W1.ndim != 2 or W2.ndim != 2 or W1.shape[1] != W2.shape[0] \
            or b1.shape != (W1.shape[1],) or b2.shape != (W2.shape[1],):
        raise ParameterError(
            "params", "params shapes do not fit together: need W1 (d, h), b1 (h,), W2 (h, k), b2 (k,), "
            f"got W1 {W1.shape}, b1 {b1.shape}, W2 {W2.shape}, b2 {b2.shape}.")
    return params


def check_X(X, params=None, name="X"):
    """Return ``X`` as a 2-D float array (float32 kept, other types to float64)."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ParameterError(name, f"{name} must be a 2-D array of shape (n_samples, n_features), "
                                   f"got shape {X.shape}.")
    if X.dtype.kind not in "fiub":
        raise ParameterTypeError(name, f"{name} must hold numbers, got dtype {X.dtype}.")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if params is not None:
        check_params(params)
        d = np.shape(params["W1"])[0]
        if X.shape[1] != d:
            raise ParameterError(name, f"{name} has {X.shape[1]} features but W1 expects {d}.")
    return X


def check_X_y(X, y, params=None, x_name="X", y_name="y"):
    """Check ``X`` as in :func:`check_X` and ``y`` as integer labels of the same length."""
    X = check_X(X, params, x_name)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ParameterError(y_name, f"{y_name} must be a 1-D array of integer labels, "
                                     f"got shape {y.shape}.")
    if len(y) != len(X):
        raise ParameterError(y_name, f"{x_name} and {y_name} must have the same number of "
                                     f"samples, got {len(X)} and {len(y)}.")
    if len(y) == 0:
        raise ParameterError(x_name, f"{x_name} and {y_name} must hold at least one sample.")
    if y.dtype.kind not in "iu":
        if y.dtype.kind == "f" and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        else:
            raise ParameterTypeError(y_name, f"{y_name} must hold integer labels, "
                                             f"got dtype {y.dtype}.")
    if params is not None:
        k = np.shape(params["W2"])[1]
        if y.min() < 0 or y.max() >= k:
            raise ParameterError(y_name, f"{y_name} must hold labels in the range [0, {k - 1}], "
                                         f"got values from {y.min()} to {y.max()}.")
    return X, y


def check_fit_data(X, y, X_val, y_val, dtype):
    """Training and validation data for a ``fit``: ``X`` and ``X_val`` as finite arrays of
    ``dtype`` with the same features, ``y`` and ``y_val`` as labels >= 0 (``np.intp``)."""
    X, y = check_X_y(X, y)
    X_val, y_val = check_X_y(X_val, y_val, x_name="X_val", y_name="y_val")
    if X_val.shape[1] != X.shape[1]:
        raise ParameterError("X_val", f"X_val must have the same number of features as X "
                                      f"({X.shape[1]}), got {X_val.shape[1]}.")
    for name, arr in (("y", y), ("y_val", y_val)):
        if arr.min() < 0:
            raise ParameterError(name, f"{name} must hold labels >= 0, got {arr.min()}.")
    dtype = check_dtype(dtype)
    X, X_val = np.asarray(X, dtype=dtype), np.asarray(X_val, dtype=dtype)
    for name, arr in (("X", X), ("X_val", X_val)):
        if not np.isfinite(arr).all():      # after the cast: 1e39 is inf in float32
            raise ParameterError(name, f"{name} must hold finite numbers (in {dtype}); "
                                       "it has NaN or inf.")
    return X, y.astype(np.intp), X_val, y_val.astype(np.intp), dtype
