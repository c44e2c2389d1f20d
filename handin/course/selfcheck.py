"""Self-checks for the exercise of Chapter 2: your forward pass, cost and backward pass.

Each check runs your function on small seeded problems, compares it with handin's
reference (the backward pass also with central differences) and, when they differ,
tries the usual mistakes to say which one it is. The problems are chosen so that
mistakes show: ``n, d, h, k = 5, 6, 4, 3`` all differ (a wrong axis changes a
shape); the biases are not zero (decaying them changes something); ``Z1`` has both
signs (a wrong ReLU mask changes something); ``n = 1`` and ``n = 5`` (a missing
``1/n`` hides when n = 1); ``c = 0`` and ``c = 0.1`` (the difference is the decay
term alone); and logits in the thousands (an unstabilised softmax overflows).

A check returns a :class:`CheckResult`: ``.ok``, and a short report as its text;
``.assert_passes()`` raises :class:`CheckFailed` with the report (the graded cells of the
nbgrader course call it). ``seed`` draws other problems, of other sizes (the course's
hidden tests). While
your function runs, handin's own version of it is off limits (a tripwire). The examples
are wrong on purpose (a student reads them with ``help``):

>>> from handin import model
>>> def my_forward(X, params):
...     Z1 = X @ params["W1"] + params["b1"]
...     Z2 = Z1 @ params["W2"] + params["b2"]
...     return {"X": X, "Z1": Z1, "A1": Z1, "Z2": Z2, "P": model.softmax(Z2)}
>>> print(check_forward(my_forward, seed=3))
✗ my_forward: A1 still has negative entries: the ReLU is missing.
  See the ReLU in Chapter 2, §2: it acts on Z1 entry by entry.
>>> print(check_forward(lambda X, params: model.forward(X, params)).lines[0])
<lambda> calls handin.forward: write it yourself.
"""

from __future__ import annotations

import copy
import traceback
import warnings

import numpy as np

from .. import model
from . import _hints, _tripwire, remote
from ._hints import C, Failed
from ..gradcheck import gradient_check

__all__ = ["CheckResult", "CheckFailed", "StubLeft", "check_forward", "check_cost", "check_backward",
           "check_softmax_loss", "check_linear_cost_grad", "problem"]

# handin's own versions of each checked function: a student's function must not call them
_FORBID = {"forward": ("forward", "predict_proba"),
           "cost": ("cost", "cost_grad", "cross_entropy", "weight_decay"),
           "backward": ("backward", "cost_grad"),
           "softmax_loss": ("cross_entropy", "log_softmax"),
           "linear": ("linear.cost_grad", "linear.cost", "linear._ce_grad")}
_SHAPES = {"Z1": "(n, h)", "A1": "(n, h)", "Z2": "(n, k)", "P": "(n, k)"}


class CheckResult:
    """The verdict of a check: ``.ok`` (bool), ``.name`` and ``.lines``; its text is the report."""

    def __init__(self, name, ok, *lines):
        self.name, self.ok, self.lines = name, bool(ok), list(lines)

    def __str__(self):
        head = f"{'✓' if self.ok else '✗'} {self.name}: {self.lines[0]}"
        return "\n".join([head, *(f"  {line}" for line in self.lines[1:])])

    __repr__ = __str__

    def assert_passes(self):
        """Raise :class:`CheckFailed` with this report unless the check passed: a graded
        cell (nbgrader counts a part as failed when its cell raises) then shows the diagnosis."""
        if not self.ok:
            raise CheckFailed(str(self))
        return self


class CheckFailed(AssertionError):
    """A graded self-check failed; the message is its report."""


class StubLeft(NotImplementedError):
    """The checked function is still the stub of the student edition: raised by a self-check
    in the student's own notebook, so that Run All stops at the check with the stub's own
    message. The notebook shows that message alone, not the frames of handin's check
    (IPython renders an exception through its ``_render_traceback_``). Under grading the
    check reports the stub as a failed part instead.
    """

    def _render_traceback_(self):
        return [f"NotImplementedError: {self}",
                "Write the function above, run its cell, then this one again."]


def problem(n=None, *, seed=0, logit_scale=1.0):
    """A seeded test problem ``(X, y, params)``: X (n, d), labels in 0..k-1, non-zero biases.

    Seed 0 is the visible problem, ``n, d, h, k = 5, 6, 4, 3``; other seeds draw other
    sizes (:func:`handin.course._hints.dims`). ``n`` (default: all the rows) takes the first
    ``n`` rows; ``logit_scale`` multiplies ``W2`` (1000 gives logits in the thousands).
    """
    rows, d, h, k = _hints.dims(seed)
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(rows, d))[:n], rng.permutation(np.arange(rows) % k)[:n]
    params = model.init_params(d, h, k, rng=rng)
    params["b1"], params["b2"] = rng.normal(scale=0.5, size=h), rng.normal(scale=0.5, size=k)
    params["W2"] = params["W2"] * logit_scale
    return X, y, params


def _call(fn, *args, forbid=()):
    """``fn(*args)`` on copies, without warnings; a failure becomes :class:`Failed`, and so
    does a call into handin's own version of ``fn`` (the functions named in ``forbid``)."""
    name = getattr(fn, "__name__", "your function")
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings(), \
                _tripwire.watch(fn, forbid) as called:
            warnings.simplefilter("ignore")
            out = fn(*copy.deepcopy(args))
    except Failed:      # the grader's proxy of a function that reached handin's own code
        raise
    except NotImplementedError as exc:
        where = getattr(exc, "where", None) or traceback.extract_tb(exc.__traceback__)[-1].name
        where = name if where.startswith("<") else where
        failed = Failed(f"write {where} first: it still raises NotImplementedError.")
        failed.stub = str(exc.args[0]) if exc.args else f"write {where}"
        raise failed from None
    except Exception as exc:  # noqa: BLE001 - a mistake in the checked code becomes the report
        hint = ["Check the shapes against the table of section 1: X (n, d), W1 (d, h); Z1, A1, "
                "their gradients and the ReLU mask (n, h); W2 (h, k), Z2 (n, k)."] \
            if any(w in str(exc) for w in ("shape", "matmul", "broadcast", "dimension")) else []
        raise Failed(f"{name} raised {type(exc).__name__}: {str(exc).strip()}", *hint) from None
    if called:
        raise Failed(f"{name} calls {_tripwire.public_name(called[0])}: write it yourself.",
                     "The check compares your code with handin's; calling handin's own "
                     f"version of {name} proves nothing.")
    return out


def _check(fn, default, body):
    name = getattr(fn, "__name__", default)
    if not callable(fn):
        raise TypeError(f"fn must be a function, got {type(fn).__name__}.")
    try:
        return CheckResult(name, True, body())
    except Failed as failed:
        if getattr(failed, "stub", None) is not None and not isinstance(fn, remote.Remote):
            raise StubLeft(failed.stub) from None
        return CheckResult(name, False, *failed.args)


def check_forward(fn, *, seed=0):
    """Check ``fn(X, params) -> dict`` with ``Z1, A1, Z2, P`` against :func:`handin.forward`.

    Returns
    -------
    CheckResult
        Not ok with a hint for: a missing bias, a missing ReLU, Z2 from Z1, softmax over
        the wrong axis, transposed shapes, and a softmax that overflows on large logits.
    """
    forbid = _FORBID["forward"]
    def body():
        for X, _, params in (problem(seed=seed), problem(1, seed=seed)):
            out, ref = _call(fn, X, params, forbid=forbid), model.forward(X, params)
            _hints.need_keys(out, ("Z1", "A1", "Z2", "P"), "the forward pass's arrays")
            for key, names in _SHAPES.items():
                _hints.shape(key, out[key], ref[key].shape, f"shape {names}", len(X))
            _hints.forward_values(out, ref, params)
        X, _, params = problem(seed=seed, logit_scale=1000.0)
        P = np.asarray(_call(fn, X, params, forbid=forbid)["P"], dtype=float)
        if not np.all(np.isfinite(P)):
            raise Failed("P holds inf or nan when the logits are large (in the thousands): the "
                         "softmax is not stabilised.", "See why the textbook formula overflows, "
                         "and its stable form, in Chapter 1, §2; Chapter 2, §2 names a softmax "
                         "you may call.")
        if not _hints.close(P, model.forward(X, params)["P"]):
            raise Failed("P is wrong when the logits are large; compare with handin.softmax.")
        return f"matches handin.forward (n = 1 and {len(X)}, and logits in the thousands)."
    return _check(fn, "forward", body)


def check_cost(fn, *, seed=0):
    """Check ``fn(X, y, params, c) -> float`` against :func:`handin.cost`.

    Returns
    -------
    CheckResult
        Not ok with a hint for: a sum instead of a mean, a wrong sign, a missing or
        scaled decay term, decayed biases, and an overflow (log of 0) on large logits.
    """
    forbid = _FORBID["cost"]
    def body():
        for n in (None, 1):
            X, y, params = problem(n, seed=seed)
            n = len(X)
            J = _call(fn, X, y, params, 0.0, forbid=forbid)
            ref = model.cost(X, y, params, 0.0)
            if np.size(J) != 1:
                raise Failed(f"must return one number, got an array of shape {np.shape(J)}.",
                             "The cost J of a batch is one number: see Chapter 2, §1.")
            if not _hints.close(float(np.squeeze(J)), ref):
                _hints.cost_data(float(np.squeeze(J)), ref, n)
        X, y, params = problem(seed=seed)
        decay = (float(np.squeeze(_call(fn, X, y, params, C, forbid=forbid)))
                 - model.cost(X, y, params, 0.0))
        _hints.cost_decay(decay, C, params)
        X, y, params = problem(seed=seed, logit_scale=1000.0)
        J = float(np.squeeze(_call(fn, X, y, params, 0.0, forbid=forbid)))
        if not np.isfinite(J):
            raise Failed("the cost is inf or nan when the logits are large: the log of a P that "
                         "underflowed to 0.", "Take log P without computing P: the log-sum-exp "
                         "trick of Chapter 1, §2 (Chapter 2, §2 names a function that does it).")
        if not _hints.close(J, model.cost(X, y, params, 0.0)):
            raise Failed("the cost is wrong when the logits are large.")
        return (f"matches handin.cost (n = 1 and {len(X)}, c = 0 and 0.1, and logits in the "
                "thousands).")
    return _check(fn, "cost", body)


def check_backward(fn, *, seed=0):
    """Check ``fn(cache, y, params, c) -> dict`` of gradients against :func:`handin.backward`.

    ``cache`` is what :func:`handin.forward` returns, so this check does not depend on
    your forward pass. Passing also needs :func:`handin.gradient_check` (central
    differences of :func:`handin.cost`) to agree to a relative error of 1e-7.

    Returns
    -------
    CheckResult
        Not ok with a hint for: transposed shapes, a bias gradient summed over the wrong
        axis or kept 2-D, a missing 1/n (or an extra one), a wrong ReLU mask, a decay term
        off by a factor, and decayed biases.
    """
    forbid = _FORBID["backward"]
    def grads(X, y, params, c):
        out = _call(fn, model.forward(X, params), y, params, c,
                    forbid=forbid)
        _hints.need_keys(out, model.PARAM_NAMES, "the gradients, named as the parameters")
        for name in model.PARAM_NAMES:
            _hints.shape("d" + name, out[name], params[name].shape, f"the shape of {name}",
                         len(y))
        return {name: np.asarray(out[name], dtype=float) for name in model.PARAM_NAMES}

    def right(g, X, y, params, c):
        ref = model.backward(model.forward(X, params), y, params, c)
        return all(_hints.close(g[k], ref[k]) for k in g), ref

    def body():
        X, y, params = problem(seed=seed)
        X1, y1, p1 = problem(1, seed=seed)
        g0 = grads(X, y, params, 0.0)                      # shapes are checked with n > 1
        ok, ref = right(g0, X, y, params, 0.0)
        ok1 = right(grads(X1, y1, p1, 0.0), X1, y1, p1, 0.0)[0]
        if not ok:
            _hints.backward_data(g0, ref, X, y, params, ok1)
        if not ok1:
            raise Failed(f"right for n = {len(X)} samples but wrong for a single sample (n = 1).")
        gc = grads(X, y, params, C)
        for name in model.PARAM_NAMES:
            _hints.grad_decay(name, gc[name] - g0[name], C, params[name])
        check = gradient_check(X, y, params, C, grad_fn=lambda *a: (model.cost(*a), grads(*a)))
        if not check.passed(1e-7):
            raise Failed("agrees with handin.backward but not with central differences "
                         f"(worst rel. error {check.max_rel_error:.1e}).")
        return (f"matches handin.backward (n = 1 and {len(X)}, c = 0 and 0.1) and the gradient "
                "check "
                "(every rel. error < 1e-7).")
    return _check(fn, "backward", body)


def check_softmax_loss(fn, *, seed=0):
    """Check ``fn(Z, y) -> (loss, dZ)``: the mean cross-entropy of the logits ``Z`` (n, k)
    and its gradient ``(P - Y) / n``, against :func:`handin.model.cross_entropy`.

    Returns
    -------
    CheckResult
        Not ok with a hint for: a sum instead of a mean, a wrong sign, a softmax over the
        wrong axis, a missing 1/n or one-hot term in ``dZ``, and an overflow on large logits.

    Examples
    --------
    >>> def softmax_loss(Z, y):      # not stabilised
    ...     P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    ...     n, k = Z.shape
    ...     return -np.log(P[np.arange(n), y]).mean(), (P - model.one_hot(y, k)) / n
    >>> print(check_softmax_loss(softmax_loss))
    ✗ softmax_loss: inf or nan when the logits are large (in the thousands): the softmax or its log is not stabilised.
      See why the textbook formula overflows, and its stable form, in Chapter 1, §2.
    """
    forbid = _FORBID["softmax_loss"]
    def body():
        n, _, _, k = _hints.dims(seed)
        rng = np.random.default_rng(seed)
        Z5, y5 = rng.normal(scale=2.0, size=(n, k)), rng.permutation(np.arange(n) % k)
        for Z, y in ((Z5, y5), (Z5[:1], y5[:1]), (Z5 * 1000.0, y5)):
            out = _call(fn, Z, y, forbid=forbid)
            if not isinstance(out, tuple) or len(out) != 2:
                raise Failed("must return a pair (loss, dZ).",
                             "Return the loss and dZ together, as a tuple of two.")
            loss, dZ = out
            if np.size(loss) != 1:
                raise Failed(f"the loss must be one number, got shape {np.shape(loss)}.",
                             "The loss of a batch is one number: see Chapter 1, §4.")
            loss, dZ = float(np.squeeze(loss)), np.asarray(dZ, dtype=float)
            _hints.shape("dZ", dZ, Z.shape, "the shape of Z, (n, k)", len(Z))
            if not (np.isfinite(loss) and np.all(np.isfinite(dZ))):
                raise Failed("inf or nan when the logits are large (in the thousands): the "
                             "softmax or its log is not stabilised.", "See why the textbook "
                             "formula overflows, and its stable form, in Chapter 1, §2.")
            _hints.softmax_loss_values(loss, dZ, Z, y)
        return f"matches handin (n = 1 and {n}, and logits in the thousands)."
    return _check(fn, "softmax_loss", body)


def check_linear_cost_grad(fn, *, seed=0):
    """Check ``fn(X, y, params, c) -> (J, grads)`` of the linear softmax classifier (W of
    shape (d, k), b of shape (k,)) against :func:`handin.linear.cost_grad` (Chapter 7).

    Returns
    -------
    CheckResult
        Not ok with a hint for: transposed shapes, a bias gradient summed over the wrong
        axis, a missing 1/n, a decay term off by a factor, and a decayed bias.
    """
    from .. import linear

    forbid = _FORBID["linear"]

    def call(X, y, params, c):
        out = _call(fn, X, y, params, c, forbid=forbid)
        if not isinstance(out, tuple) or len(out) != 2:
            raise Failed("must return a pair (J, grads).", "Return the cost and a dict of the "
                         "gradients under the keys W and b, as a tuple of two.")
        J, g = out
        _hints.need_keys(g, ("W", "b"), "the gradients, named as the parameters")
        _hints.shape("dW", g["W"], params["W"].shape, "the shape of W, (d, k)", len(X))
        _hints.shape("db", g["b"], params["b"].shape, "the shape of b, (k,)", len(X))
        return float(np.squeeze(J)), {k: np.asarray(g[k], dtype=float) for k in ("W", "b")}

    def body():
        X, y, _ = problem(seed=seed)
        n, d, _, k = _hints.dims(seed)
        rng = np.random.default_rng(seed)
        params = {"W": rng.normal(scale=0.5, size=(d, k)), "b": rng.normal(scale=0.5, size=k)}
        J0, g0 = call(X, y, params, 0.0)
        ref_J, ref = linear.cost_grad(X, y, params, 0.0)
        if not _hints.close(J0, ref_J):
            _hints.cost_data(J0, ref_J, n, where="Chapter 7, §4")
        if all(_hints.close(g0[k], n * ref[k]) for k in g0):
            raise Failed(f"every gradient is n = {n} times too big: the 1/n is missing.",
                         "The cost is a mean over the samples, and every gradient gets its "
                         "1/n from dZ: see Chapter 1, §4.")
        for k in ("W", "b"):
            if not _hints.close(g0[k], ref[k]):
                raise Failed(f"d{k} is wrong with c = 0.", _hints.GUIDE["d" + k])
        Jc, gc = call(X, y, params, C)
        if not _hints.close(Jc - J0, C * np.sum(params["W"] ** 2)):
            raise Failed("the cost's decay term is wrong.", "See the cost J in Chapter 7, "
                         "§4: only W is decayed, not b.")
        for k in ("W", "b"):
            _hints.grad_decay(k, gc[k] - g0[k], C, params[k])
        return "matches handin.linear.cost_grad (c = 0 and 0.1)."
    return _check(fn, "linear_cost_grad", body)
