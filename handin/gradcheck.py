"""Numerical gradient checking by central differences.

For every checked entry ``theta`` of every parameter::

    approx = (cost(theta + eps) - cost(theta - eps)) / (2 * eps)

is compared with the analytic gradient. The table shows, per parameter, the
largest exact entry, the largest absolute difference and the relative error
``||exact - approx|| / (||exact|| + ||approx||)`` over the checked entries
(0 when both are 0).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import model, threads
from ._validation import check_scalar, check_X_y

__all__ = ["GradCheckRow", "GradCheck", "numerical_gradient", "gradient_check", "compare",
           "same_cost_grad"]


class GradCheckRow(NamedTuple):
    """One parameter's line of a gradient check."""

    name: str
    shape: tuple
    n_checked: int
    max_abs_exact: float
    max_abs_diff: float
    rel_error: float


class GradCheck(list):
    """A list of :class:`GradCheckRow`, printed as a table."""

    @property
    def max_rel_error(self):
        """The worst relative error over all parameters."""
        return max(row.rel_error for row in self)

    def passed(self, rtol=1e-7, atol=1e-9):
        """True when every parameter's relative error is at most ``rtol``.

        A parameter whose gradient is almost zero (a dead ReLU unit, say) has a
        meaningless relative error: round-off in the cost, about 1e-16 / eps,
        dominates it. Such a parameter passes when its largest absolute
        difference is at most ``atol``.
        """
        return all(r.rel_error <= rtol or r.max_abs_diff <= atol for r in self)

    def __str__(self):
        head = f"{'param':<6}{'shape':>12}{'checked':>9}{'max |exact|':>13}{'max |diff|':>12}{'rel. error':>12}"
        lines = [head, "-" * len(head)]
        for r in self:
            lines.append(f"{r.name:<6}{str(r.shape):>12}{r.n_checked:>9}{r.max_abs_exact:>13.3e}"
                         f"{r.max_abs_diff:>12.1e}{r.rel_error:>12.1e}")
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def _entries(shape, n_entries, rng):
    """Flat indices to check: all, or ``n_entries`` drawn without replacement."""
    size = int(np.prod(shape))
    if n_entries is None or n_entries >= size:
        return np.arange(size)
    return np.sort(rng.choice(size, size=n_entries, replace=False))


def numerical_gradient(f, params, name, index, eps=1e-5):
    """Central-difference derivative of ``f(params)`` along ``params[name].flat[index]``.

    ``params`` is restored exactly before returning.
    """
    theta = params[name]
    old = theta.flat[index]
    theta.flat[index] = old + eps
    f_plus = f(params)
    theta.flat[index] = old - eps
    f_minus = f(params)
    theta.flat[index] = old
    return (f_plus - f_minus) / (2 * eps)


def gradient_check(X, y, params, c=0.0, *, eps=1e-5, n_entries=None, seed=0,
                   grad_fn=None, cost_fn=None):
    """Compare an analytic gradient with central differences, parameter by parameter.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    params : dict
        Checked in float64 (a float64 copy is made; ``params`` is not modified).
    c : float, default=0.0
        Weight decay strength.
    eps : float, default=1e-5
        Step of the central difference.
    n_entries : int, optional
        Entries checked per parameter, drawn at random with ``seed``; all when None.
    seed : int, default=0
    grad_fn : callable, optional
        ``grad_fn(X, y, params, c) -> (cost, grads)``; defaults to :func:`handin.cost_grad`.
        Pass your own implementation to check it.
    cost_fn : callable, optional
        ``cost_fn(X, y, params, c) -> float`` differentiated numerically;
        defaults to :func:`handin.model.cost`.

    Returns
    -------
    GradCheck
        One row per parameter; ``print`` it for a table, ``.passed(tol)`` to test it.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(5, 4)), np.array([0, 1, 2, 1, 0])
    >>> gradient_check(X, y, model.init_params(4, 3, 3, seed=1), c=0.1).passed(1e-7)
    True
    """
    X, y = check_X_y(X, y, params)
    c = check_scalar(c, "c", float, min_val=0.0)
    eps = check_scalar(eps, "eps", float, min_val=0.0, include_min=False)
    if n_entries is not None:
        n_entries = check_scalar(n_entries, "n_entries", int, min_val=1)
    X = X.astype(np.float64)
    params = {k: np.array(params[k], dtype=np.float64) for k in model.PARAM_NAMES}
    grad_fn = grad_fn or model.cost_grad
    cost_fn = cost_fn or model.cost
    # on the BLAS threads measured fastest for these sizes now (handin.threads): on a busy
    # machine two threads made a (8, 784) check of chapter 2 twenty times slower
    shape = (len(X), X.shape[1], params["W1"].shape[1])
    with threads.limit(threads.resolve("auto", shape, dtype=np.float64)):
        _, grads = grad_fn(X, y, params, c)
        return compare(lambda p: cost_fn(X, y, p, c), params, grads, eps=eps,
                       n_entries=n_entries, seed=seed)


def compare(f, params, grads, *, eps=1e-5, n_entries=None, seed=0):
    """The check itself: ``grads`` against central differences of ``f(params)``, key by key.

    Parameters
    ----------
    f : callable
        ``f(params) -> float``, read again after each entry of ``params`` is moved by
        ``eps`` in place (and put back exactly).
    params : dict of float64 ndarray
        Any keys (``W1, b1, ..., WL, bL`` for a deeper network); checked in this order.
    grads : dict of ndarray
        The analytic gradient, same keys and shapes.
    eps, n_entries, seed
        As in :func:`gradient_check`.

    Returns
    -------
    GradCheck
    """
    rng = np.random.default_rng(seed)
    rows = GradCheck()
    for name in params:
        idx = _entries(params[name].shape, n_entries, rng)
        exact = np.asarray(grads[name], dtype=np.float64).reshape(-1)[idx]
        approx = np.array([numerical_gradient(f, params, name, i, eps) for i in idx])
        diff = np.abs(exact - approx)
        denom = np.linalg.norm(exact) + np.linalg.norm(approx)
        rel = float(np.linalg.norm(exact - approx) / denom) if denom > 0 else 0.0
        rows.append(GradCheckRow(name, params[name].shape, len(idx),
                                 float(np.abs(exact).max()), float(diff.max()), rel))
    return rows


def same_cost_grad(J, grads, J_ref, grads_ref, tol=1e-12):
    """True when ``(J, grads)`` equals ``(J_ref, grads_ref)`` to ``tol``: the costs within
    ``tol`` (relative to ``max(1, |J_ref|)``), the same keys, and every gradient within
    ``tol`` times its reference's largest entry (the absolute ``tol`` for a zero one).

    >>> same_cost_grad(1.0, {"W": np.ones(2)}, 1.0, {"W": np.ones(2)})
    True
    >>> same_cost_grad(1.0, {"W": np.ones(2)}, 1.0, {"W": 2 * np.ones(2)})
    False
    """
    if not np.isfinite(J) or abs(float(J) - float(J_ref)) > tol * max(1.0, abs(float(J_ref))):
        return False
    if sorted(grads) != sorted(grads_ref):
        return False
    for key, ref in grads_ref.items():
        got = np.asarray(grads[key], dtype=np.float64)
        if got.shape != np.shape(ref) or not np.all(np.isfinite(got)):
            return False
        if np.abs(got - ref).max(initial=0.0) > tol * max(np.abs(ref).max(initial=0.0), 1e-300) \
                and np.abs(got - ref).max(initial=0.0) > tol:
            return False
    return True
