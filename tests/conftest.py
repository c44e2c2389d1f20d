"""Shared by the training tests: a small problem and the readable SGD they check against.

Fixtures: ``data`` (the problem) and ``ref`` (the reference: ``ref.step``,
``ref.steps``, ``ref.fit``, ``ref.assert_close``), so that no test module holds
a copy of either.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from handin import model


def blobs(n=300, d=12, k=4, seed=0, spread=1.0):
    """k Gaussian clusters in d dimensions: a problem a small net learns in a few epochs."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 2.0
    y = rng.integers(0, k, size=n)
    X = centres[y] + rng.normal(size=(n, d)) * spread
    return X, y


@pytest.fixture(scope="session")
def data():
    """300 training and 60 validation rows of :func:`blobs`: X, y, X_val, y_val."""
    X, y = blobs(360)
    return X[:300], y[:300], X[300:], y[300:]


def reference_step(params, Xb, yb, lr, c, dtype=np.float64):
    """One SGD step from the math: ``params - lr * cost_grad(batch)``, a new dict."""
    _, g = model.cost_grad(Xb, yb, params, c)
    return {k: (params[k] - lr * g[k]).astype(dtype) for k in params}


def reference_steps(X, y, *, hidden, lr, c, batch_size, epochs, seed, dtype=np.float64,
                    init=None):
    """Plain SGD in fit's order (init drawn first from seed unless given, then one
    permutation per epoch); yields (epoch, batch, params) after every batch."""
    rng = np.random.default_rng(seed)
    X = X.astype(dtype)
    if init is None:
        params = model.init_params(X.shape[1], hidden, int(y.max()) + 1, rng=rng, dtype=dtype)
    else:
        params = {k: v.astype(dtype) for k, v in init.items()}
    for epoch in range(1, epochs + 1):
        perm = rng.permutation(len(X))
        for b, start in enumerate(range(0, len(X), batch_size), 1):
            idx = perm[start:start + batch_size]
            params = reference_step(params, X[idx], y[idx], lr, c, dtype)
            yield epoch, b, params


def reference_fit(X, y, **kw):
    """The parameters after the last step of :func:`reference_steps`."""
    *_, params = list(reference_steps(X, y, **kw))[-1]
    return params


def assert_params_close(got, want, **tol):
    for k in model.PARAM_NAMES:
        np.testing.assert_allclose(got[k], want[k], err_msg=k, **tol)


@pytest.fixture(scope="session")
def ref():
    """The readable SGD: ``step``, ``steps``, ``fit`` and ``assert_close`` (the functions above)."""
    return SimpleNamespace(step=reference_step, steps=reference_steps, fit=reference_fit,
                           assert_close=assert_params_close, blobs=blobs)


@pytest.fixture
def counting_tuner(monkeypatch):
    """Threads measured (no pin in the environment) by fresh Tuners over one and two
    threads that note every pick and every chunk recorded, as ``(threads, steps)``, and
    the CPU time given with it (``cpu``)."""
    from handin import threads

    for name in (threads.ENV, *threads.LIBRARY_ENV):
        monkeypatch.delenv(name, raising=False)
    seen = SimpleNamespace(picked=[], recorded=[], cpu=[])

    class Counting(threads.Tuner):
        def pick(self):
            seen.picked.append(super().pick())
            return seen.picked[-1]

        def record(self, n, steps, seconds, cpu=None):
            seen.recorded.append((n, steps))
            seen.cpu.append(cpu)
            super().record(n, steps, seconds, cpu)

    monkeypatch.setattr(threads, "_tuners", {})
    # never "crowded": a busy test machine must not stop the tries these tests count
    monkeypatch.setattr(threads, "Tuner", lambda: Counting([1, 2], crowded=0.0))
    return seen
