"""The fast step (handin.sgd_step.SGDStep) against the readable math, case by case.

The step folds the learning rate into dZ2, keeps W1's weight decay as a pending scale
(W1 = s * V, folded back before anyone sees the parameters), and reuses its buffers.
These tests pin each of those paths to ``params -= lr * model.cost_grad(batch)``, the
reference step of tests/conftest.py.
"""

import tracemalloc

import numpy as np
import pytest

from handin import fit, model, train_iter
from handin.sgd_step import SGDStep, inked_inputs
from handin.train import evaluate


@pytest.mark.parametrize("lr,c,batch_size", [
    (0.05, 0.0, 1),      # one row per batch
    (0.05, 0.0, 7),      # c = 0: no decay, no scale; last batch 300 - 42 * 7 = 6 rows
    (0.05, 0.01, 32),
    (0.05, 0.0, 64),     # last batch 300 - 4 * 64 = 44 rows
    (0.05, 0.01, 299),   # a last batch of one row
    (0.05, 0.01, 300),   # the whole set in one batch
    (0.05, 2.0, 16),     # decay factor 0.8: the pending scale drops below 1/2 and is folded
    (0.1, 3.0, 50),      # decay factor 0.4 < 1/2: decayed on the array, no scale kept
    (0.25, 2.0, 50),     # lr c = 1/2: decay factor 0, W1 is replaced by -lr dW1
    (0.3, 2.0, 50),      # lr c > 1/2: negative decay factor
])
def test_fast_loop_equals_reference_math_in_float64(data, ref, lr, c, batch_size):
    X, y, Xv, yv = data
    kw = dict(hidden=9, lr=lr, c=c, batch_size=batch_size, epochs=2, seed=3)
    params, h = fit(X, y, Xv, yv, dtype=np.float64, **kw)
    ref.assert_close(params, ref.fit(X, y, **kw), rtol=1e-9, atol=1e-12)
    assert np.isfinite(h.train_cost).all()


def test_fast_loop_equals_reference_math_in_float32(data, ref):
    X, y, Xv, yv = data
    kw = dict(hidden=16, lr=0.1, c=1e-3, batch_size=32, epochs=3, seed=0)
    params, _ = fit(X, y, Xv, yv, dtype=np.float32, **kw)
    want = ref.fit(X, y, dtype=np.float32, **kw)
    assert all(params[k].dtype == np.float32 for k in params)
    ref.assert_close(params, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("c", [0.0, 0.05])
def test_parameters_seen_mid_epoch_are_the_true_weights(data, ref, c):
    """Every Progress shows W1 itself (the pending decay scale folded in), in place."""
    X, y, Xv, yv = data
    kw = dict(hidden=7, lr=0.1, c=c, batch_size=20, epochs=2, seed=1)
    want = {(e, b): p for e, b, p in ref.steps(X, y, **kw)}
    seen, arrays = 0, None
    for p in train_iter(X, y, Xv, yv, yield_every=4, dtype=np.float64, **kw):
        ref.assert_close(p.params, want[p.epoch, p.batch], rtol=1e-9, atol=1e-12)
        ids = [id(p.params[k]) for k in model.PARAM_NAMES]
        assert arrays is None or ids == arrays      # updated in place, never replaced
        arrays, seen = ids, seen + 1
    assert seen == 2 * (15 // 4 + 1)


def test_the_step_returns_the_batch_cross_entropy_by_log_sum_exp():
    """Logits far apart: -log P would be log(0) = inf in float32, the step's value is finite."""
    X = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    y = np.array([1, 0])
    params = {"W1": np.eye(2, dtype=np.float32) * 300, "b1": np.zeros(2, np.float32),
              "W2": np.eye(2, dtype=np.float32), "b2": np.zeros(2, np.float32)}
    want = model.cross_entropy(model.forward(X.astype(np.float64), params)["Z2"], y)
    ce = SGDStep(params, 2, 2, lr=1e-9, c=0.0)(X, y, np.arange(2))
    assert ce == pytest.approx(want, rel=1e-6) and want == pytest.approx(300.0)


def test_step_buffers_keep_the_parameters_dtype_and_are_reused():
    rng = np.random.default_rng(0)
    X = rng.random((50, 6)).astype(np.float32)
    y = rng.integers(0, 3, 50)
    params = model.init_params(6, 5, 3, seed=0, dtype=np.float32)
    step = SGDStep(params, 16, 3, lr=0.1, c=0.01)
    buffers = {k: v for k, v in vars(step).items() if isinstance(v, np.ndarray)}
    loss = step(X, y, np.arange(16))
    step(X, y, np.arange(16, 23))                       # a partial batch
    step.sync()
    assert np.isfinite(loss)
    after = {k: v for k, v in vars(step).items() if isinstance(v, np.ndarray)}
    assert all(after[k] is buffers[k] for k in buffers)      # the same arrays, not new ones
    floats = {k: v.dtype for k, v in after.items() if v.dtype.kind == "f"}
    assert floats and set(floats.values()) == {np.dtype(np.float32)}, floats
    assert {v.dtype for v in params.values()} == {np.dtype(np.float32)}


def _with_blank_inputs(data):
    """The data with every third input 0 in every training row (not in validation rows)."""
    X, y, Xv, yv = data
    X = X.copy()
    X[:, ::3] = 0.0
    return X, y, Xv, yv


@pytest.mark.parametrize("lr,c,batch_size", [
    (0.05, 0.0, 7),      # no decay: the blank inputs' weights never change
    (0.05, 0.01, 32),
    (0.05, 2.0, 16),     # the pending scale drops below 1/2 and is folded mid-epoch
    (0.1, 3.0, 50),      # decay factor < 1/2: decayed on the array, no scale kept
    (0.3, 2.0, 50),      # negative decay factor
])
def test_skipping_blank_inputs_equals_reference_math_in_float64(data, ref, lr, c, batch_size):
    X, y, Xv, yv = _with_blank_inputs(data)
    kw = dict(hidden=9, lr=lr, c=c, batch_size=batch_size, epochs=2, seed=3)
    for p in train_iter(X, y, Xv, yv, dtype=np.float64, skip_blank_inputs=True, **kw):
        pass
    want = ref.fit(X, y, **kw)
    ref.assert_close(p.params, want, rtol=1e-9, atol=1e-12)
    # the blank inputs' weights decayed exactly as the readable step decays them
    np.testing.assert_allclose(p.params["W1"][::3], want["W1"][::3], rtol=1e-9, atol=1e-12)


def test_skipping_blank_inputs_equals_reference_math_in_float32_and_mid_epoch(data, ref):
    X, y, Xv, yv = _with_blank_inputs(data)
    kw = dict(hidden=16, lr=0.1, c=1e-3, batch_size=20, epochs=2, seed=0)
    want = {(e, b): p for e, b, p in ref.steps(X, y, dtype=np.float32, **kw)}
    seen = 0
    for p in train_iter(X, y, Xv, yv, yield_every=4, skip_blank_inputs=True, **kw):
        assert all(p.params[k].dtype == np.float32 for k in p.params)
        ref.assert_close(p.params, want[p.epoch, p.batch], rtol=1e-4, atol=1e-5)
        seen += 1
    assert seen == 2 * (15 // 4 + 1)


def test_the_step_computes_with_the_inked_inputs_only(data):
    X, *_ = _with_blank_inputs(data)
    inputs = inked_inputs(X)
    assert len(inputs) == X.shape[1] - len(range(0, X.shape[1], 3))
    params = model.init_params(X.shape[1], 5, 3, seed=0)
    step = SGDStep(params, 8, 3, lr=0.1, c=0.0, inputs=inputs)
    assert step.V.shape == (len(inputs), 5) and step.Xb.shape == (8, len(inputs))
    assert inked_inputs(data[0]) is None, "nothing to skip: the step keeps W1 itself"


@pytest.mark.parametrize("c", [0.0, 0.05, 2.0])
def test_parameters_brought_up_to_date_only_at_epoch_ends(data, ref, c):
    """params_mid_epoch=False (the explorer's loop, which yields after every batch): each
    epoch's end shows the reference's parameters, as with the default."""
    X, y, Xv, yv = _with_blank_inputs(data)
    kw = dict(hidden=7, lr=0.1, c=c, batch_size=20, epochs=2, seed=1)
    want = {(e, b): p for e, b, p in ref.steps(X, y, **kw)}
    ends = 0
    for p in train_iter(X, y, Xv, yv, yield_every=1, dtype=np.float64, skip_blank_inputs=True,
                        params_mid_epoch=False, **kw):
        if p.epoch_end:
            ref.assert_close(p.params, want[p.epoch, p.batch], rtol=1e-9, atol=1e-12)
            ends += 1
    assert ends == 2


def _peak_of_steps(batch_size, n_features=784, hidden=256):
    """Peak traced memory (bytes) of 20 steps at this batch size, after two warm-up steps."""
    rng = np.random.default_rng(0)
    n = 21 * batch_size
    X = rng.random((n, n_features)).astype(np.float32)
    y = rng.integers(0, 10, n)
    params = model.init_params(n_features, hidden, 10, seed=0, dtype=np.float32)
    step = SGDStep(params, batch_size, 10, lr=0.1, c=1e-4)
    perm = rng.permutation(n)
    step(X, y, perm[:batch_size])                       # warm up
    step(X, y, perm[:batch_size])
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for b in range(1, 21):
            step(X, y, perm[b * batch_size:(b + 1) * batch_size])
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_what_a_step_allocates_does_not_grow_like_a_batch_of_rows():
    """A step allocates only vectors of the batch's length (its labels, S[i, y_i], ...).

    Measured as the growth of the peak between two batch sizes, 64 and 256 rows, so
    that what numpy allocates for itself cancels out (its ufunc buffers are capped at
    a fixed number of elements, reached by both sizes here; Python objects; all of it
    differs between versions). The growth must stay below a quarter of one (192,
    hidden) float32 array: a (batch, hidden) temporary would be four times that, one
    more copy of the batch's rows of X twelve times. Measured: about 8 bytes a row.
    """
    small, large = _peak_of_steps(64), _peak_of_steps(256)
    assert large - small < 192 * 256, (small, large)


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


def test_fit_does_not_copy_the_training_set():
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


def _subnormals(a):
    """How many entries of a float array are subnormal (nonzero, below the dtype's tiny)."""
    return int(np.count_nonzero((a != 0) & (np.abs(a) < np.finfo(a.dtype).tiny)))


def test_no_parameter_and_no_buffer_of_the_step_holds_a_subnormal(monkeypatch):
    """The case of issue 18: float32, lr 0.63, c 0.1 on the sample. Weights that get no
    gradient (pixels 0 in every image, units that never fire) only decay; without the
    flush, about a thousand entries of W1 and of W2 were subnormal after 10 epochs."""
    from handin import experiment, train
    steps = []

    class Kept(SGDStep):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            steps.append(self)

    monkeypatch.setattr(train, "SGDStep", Kept)
    split = experiment.prepare("sample")
    params, h = fit(split.X_train, split.y_train, split.X_val, split.y_val, lr=0.63, c=0.1,
                    epochs=10, dtype=np.float32, seed=0)
    (step,) = steps
    arrays = {**params, **{k: v for k, v in vars(step).items() if isinstance(v, np.ndarray)}}
    floats = {k: a for k, a in arrays.items() if a.dtype.kind == "f"}
    assert {"W1", "W2", "dW1", "Z1", "Z2"} <= set(floats)
    assert {k: _subnormals(a) for k, a in floats.items() if _subnormals(a)} == {}
    # the weights the decay drove to zero are there (the case is the one that made them)
    assert np.count_nonzero(params["W1"] == 0) > 1000 and len(h) == 10


def test_flush_keeps_every_normal_value_nan_and_infinity():
    from handin.sgd_step import flush_subnormals
    tiny = np.finfo(np.float32).tiny
    a = np.array([tiny, -tiny, tiny / 2, -tiny / 4, 0.0, 1.0, np.nan, np.inf], np.float32)
    flush_subnormals(a, np.empty_like(a), tiny)
    assert a[:2].tolist() == [tiny, -tiny] and a[2:6].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert np.isnan(a[6]) and a[7] == np.inf


def test_the_flush_runs_once_per_halving_or_epoch_not_once_per_yield(monkeypatch):
    """The explorer yields after every batch (yield_every=1): the flush must not follow it
    into every step. It runs when the decay q = 1 - 2 lr c has halved the weights since the
    last flush (every k steps, q**k <= 1/2) and at the end of each epoch: at the defaults
    once per epoch, at lr 1, c 0.1 (q = 0.8, k = 4) five times in an epoch of 20 steps."""
    import math

    from handin import experiment, sgd_step, train
    calls = []
    real = sgd_step.flush_subnormals
    monkeypatch.setattr(sgd_step, "flush_subnormals",
                        lambda *a: (calls.append(1), real(*a)))
    split = experiment.prepare("sample")
    X, y = split.X_train[:640], split.y_train[:640]          # 20 batches of 32 per epoch
    for lr, c in ((0.1, 1e-4), (1.0, 0.1)):
        calls.clear()
        list(train.train_iter(X, y, X[:50], y[:50], lr=lr, c=c, epochs=2, seed=0,
                              yield_every=1))
        k = math.ceil(math.log(0.5) / math.log(1 - 2 * lr * c))
        per_epoch = math.ceil(20 / min(k, 20))
        assert len(calls) == 2 * 2 * per_epoch, (lr, c, len(calls))   # W1 and W2, 2 epochs
