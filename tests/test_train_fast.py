"""The fast training loop (train._SGDStep) against the readable math, case by case.

The loop folds the learning rate into dZ2, keeps W1's weight decay as a pending scale
(W1 = s * V, folded back before anyone sees the parameters), and reuses its buffers.
These tests pin each of those paths to ``params -= lr * model.cost_grad(batch)``.
"""

import tracemalloc

import numpy as np
import pytest

from handin import fit, model, train_iter
from handin.train import _SGDStep, evaluate


def blobs(n=300, d=12, k=4, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 2.0
    y = rng.integers(0, k, size=n)
    return centres[y] + rng.normal(size=(n, d)), y


@pytest.fixture(scope="module")
def data():
    X, y = blobs(360)
    return X[:300], y[:300], X[300:], y[300:]


def reference_steps(X, y, *, hidden, lr, c, batch_size, epochs, seed, dtype=np.float64):
    """Plain SGD from the math; yields (epoch, batch, params) after every batch."""
    rng = np.random.default_rng(seed)
    X = X.astype(dtype)
    params = model.init_params(X.shape[1], hidden, int(y.max()) + 1, rng=rng, dtype=dtype)
    for epoch in range(1, epochs + 1):
        perm = rng.permutation(len(X))
        for b, start in enumerate(range(0, len(X), batch_size), 1):
            idx = perm[start:start + batch_size]
            _, g = model.cost_grad(X[idx], y[idx], params, c)
            params = {k: (params[k] - lr * g[k]).astype(dtype) for k in params}
            yield epoch, b, params


def reference_fit(X, y, **kw):
    *_, params = list(reference_steps(X, y, **kw))[-1]
    return params


def assert_params_close(got, want, **tol):
    for k in model.PARAM_NAMES:
        np.testing.assert_allclose(got[k], want[k], err_msg=k, **tol)


@pytest.mark.parametrize("lr,c,batch_size", [
    (0.05, 0.0, 64),     # c = 0: no decay, no scale; last batch 300 - 4 * 64 = 44 rows
    (0.05, 0.01, 299),   # a last batch of one row
    (0.05, 2.0, 16),     # decay factor 0.8: the pending scale drops below 1/2 and is folded
    (0.1, 3.0, 50),      # decay factor 0.4 < 1/2: decayed on the array, no scale kept
    (0.25, 2.0, 50),     # lr c = 1/2: decay factor 0, W1 is replaced by -lr dW1
    (0.3, 2.0, 50),      # lr c > 1/2: negative decay factor
])
def test_fast_loop_equals_reference_math_in_float64(data, lr, c, batch_size):
    X, y, Xv, yv = data
    kw = dict(hidden=9, lr=lr, c=c, batch_size=batch_size, epochs=2, seed=3)
    params, h = fit(X, y, Xv, yv, dtype=np.float64, **kw)
    assert_params_close(params, reference_fit(X, y, **kw), rtol=1e-9, atol=1e-12)
    assert np.isfinite(h.train_loss).all()


def test_fast_loop_equals_reference_math_in_float32(data):
    X, y, Xv, yv = data
    kw = dict(hidden=16, lr=0.1, c=1e-3, batch_size=32, epochs=3, seed=0)
    params, _ = fit(X, y, Xv, yv, dtype=np.float32, **kw)
    want = reference_fit(X, y, dtype=np.float32, **kw)
    assert all(params[k].dtype == np.float32 for k in params)
    assert_params_close(params, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("c", [0.0, 0.05])
def test_parameters_seen_mid_epoch_are_the_true_weights(data, c):
    """Every Progress shows W1 itself (the pending decay scale folded in), in place."""
    X, y, Xv, yv = data
    kw = dict(hidden=7, lr=0.1, c=c, batch_size=20, epochs=2, seed=1)
    want = {(e, b): p for e, b, p in reference_steps(X, y, **kw)}
    seen, arrays = 0, None
    for p in train_iter(X, y, Xv, yv, yield_every=4, dtype=np.float64, **kw):
        assert_params_close(p.params, want[p.epoch, p.batch], rtol=1e-9, atol=1e-12)
        ids = [id(p.params[k]) for k in model.PARAM_NAMES]
        assert arrays is None or ids == arrays      # updated in place, never replaced
        arrays, seen = ids, seen + 1
    assert seen == 2 * (15 // 4 + 1)


def test_step_buffers_keep_the_parameters_dtype():
    rng = np.random.default_rng(0)
    X = rng.random((50, 6)).astype(np.float32)
    y = rng.integers(0, 3, 50)
    params = model.init_params(6, 5, 3, seed=0, dtype=np.float32)
    step = _SGDStep(params, 16, 3, lr=0.1, c=0.01)
    loss = step(X, y, np.arange(16))
    step(X, y, np.arange(16, 23))                       # a partial batch
    step.sync()
    assert np.isfinite(loss)
    floats = {k: v.dtype for k, v in vars(step).items()
              if isinstance(v, np.ndarray) and v.dtype.kind == "f"}
    assert floats and set(floats.values()) == {np.dtype(np.float32)}, floats
    assert {v.dtype for v in params.values()} == {np.dtype(np.float32)}


def test_a_step_allocates_nothing_of_the_batch_size_or_more():
    """No per-batch copies beyond the gather into the preallocated batch buffer."""
    rng = np.random.default_rng(0)
    X = rng.random((2000, 100)).astype(np.float32)
    y = rng.integers(0, 10, 2000)
    params = model.init_params(100, 64, 10, seed=0, dtype=np.float32)
    step = _SGDStep(params, 32, 10, lr=0.1, c=1e-4)
    perm = rng.permutation(2000)
    step(X, y, perm[:32])                               # warm up
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for b in range(1, 60):
            step(X, y, perm[b * 32:(b + 1) * 32])
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak < 32 * 100 * 4, peak                    # less than one batch of X


def test_evaluate_matches_model_for_mixed_dtypes_and_block_edges(data, monkeypatch):
    X, y, _, _ = data
    p64 = model.init_params(X.shape[1], 6, 4, seed=2)
    p32 = {k: v.astype(np.float32) for k, v in p64.items()}
    for block in (7, 100, 300, 4096):                   # partial, exact, one, larger than X
        monkeypatch.setattr("handin.train._EVAL_BLOCK", block)
        loss, acc = evaluate(X, y, p64, c=0.1)
        assert loss == pytest.approx(model.cost(X, y, p64, 0.1), rel=1e-12)
        assert acc == pytest.approx(model.accuracy(X, y, p64))
        loss32, _ = evaluate(X, y, p32, c=0.1)          # float64 X, float32 weights
        assert loss32 == pytest.approx(model.cost(X, y, p32, 0.1), rel=1e-5)


def test_fit_does_not_copy_the_training_set(data):
    """Peak memory of fit on float32 data stays well below one more copy of X."""
    rng = np.random.default_rng(0)
    X = rng.random((3000, 784)).astype(np.float32)
    y = rng.integers(0, 10, 3000)
    fit(X[:300], y[:300], X[:50], y[:50], hidden=64, epochs=1)    # warm up
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        fit(X, y, X[:500], y[:500], hidden=64, epochs=2)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes / 2, (peak, X.nbytes)
