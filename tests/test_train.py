"""Training: fit learns, records, is reproducible, validates, and reports divergence by its cause.

The fast step against the readable math: tests/test_train_fast.py.
"""

import warnings

import numpy as np
import pytest

from handin import fit, model, train_iter
from handin.divergence import BLOWUP, WINDOW_ROWS, Watch
from handin.train import History, TrainingDiverged


def test_float32_training_tracks_float64(data):
    X, y, Xv, yv = data
    p32, h32 = fit(X, y, Xv, yv, hidden=9, epochs=2, seed=1, dtype=np.float32)
    p64, h64 = fit(X, y, Xv, yv, hidden=9, epochs=2, seed=1, dtype=np.float64)
    assert p32["W1"].dtype == np.float32 and p64["W1"].dtype == np.float64
    np.testing.assert_allclose(p32["W1"], p64["W1"], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(h32.val_cost, h64.val_cost, rtol=1e-4)


def test_history_records_what_evaluate_computes(data):
    X, y, Xv, yv = data
    params, h = fit(X, y, Xv, yv, hidden=16, epochs=3, c=1e-3, seed=0, dtype=np.float64)
    assert h.epoch == [1, 2, 3] and len(h) == 3
    assert h.train_cost[-1] == pytest.approx(model.cost(X, y, params, 1e-3), rel=1e-10)
    assert h.val_acc[-1] == pytest.approx(model.accuracy(Xv, yv, params))
    assert len(h.seconds) == 3
    assert set(h.as_dict()) == {"epoch", "train_cost", "train_acc", "val_cost", "val_acc", "seconds",
                                "batch_cross_entropy", "batches_per_epoch"}


def test_loss_goes_down_and_the_net_learns(data):
    X, y, Xv, yv = data
    _, h = fit(X, y, Xv, yv, hidden=32, lr=0.1, epochs=8, seed=0)
    assert h.train_cost[-1] < 0.5 * h.train_cost[0]
    assert all(b <= a * 1.05 for a, b in zip(h.train_cost, h.train_cost[1:]))
    assert h.val_acc[-1] >= 0.9


def test_same_seed_same_history_other_seed_differs(data):
    X, y, Xv, yv = data
    runs = [fit(X, y, Xv, yv, hidden=8, epochs=3, seed=s)[1] for s in (5, 5, 6)]
    keys = ["train_cost", "train_acc", "val_cost", "val_acc"]
    assert all(getattr(runs[0], k) == getattr(runs[1], k) for k in keys)
    assert runs[0].train_cost != runs[2].train_cost


def test_divergence_is_reported_with_epoch_and_the_learning_rate_hint(data):
    X, y, Xv, yv = data
    with pytest.raises(TrainingDiverged, match=r"diverged in epoch 1 \(batch \d+\): the cross-entropy "
                       r"became .*The learning rate lr=1000 is too high .*try a lower one, e.g. lr=100"
                       ) as e:
        fit(X, y, Xv, yv, hidden=8, lr=1000.0, epochs=3, seed=0)
    assert e.value.epoch == 1 and e.value.lr == 1000.0 and e.value.cause == "lr"
    assert len(e.value.history) == 0 and e.value.batch >= 2    # the first batch is measured before any step


def test_divergence_keeps_only_finite_epochs(data):
    X, y, Xv, yv = data
    with pytest.raises(TrainingDiverged) as e:
        fit(X, y, Xv, yv, hidden=8, lr=3.0, epochs=50, seed=0)
    h = e.value.history
    assert e.value.epoch == len(h) + 1 >= 1
    assert np.isfinite(h.train_cost).all() and np.isfinite(h.val_cost).all()


def test_raw_pixels_at_a_small_rate_train_and_their_cost_is_finite():
    """The issue's case: 0-255 pixels, lr=1e-6, batch 1. A huge first cost (hundreds of
    nats, not inf: log-sum-exp) is no divergence."""
    from handin import data as hdata
    ds = hdata.load("sample")
    X, y = ds.X_train[:300].astype(np.float32), ds.y_train[:300]
    params, h = fit(X, y, X[:50], y[:50], lr=1e-6, batch_size=1, epochs=1, seed=0)
    ce = np.array(h.batch_cross_entropy)
    assert len(ce) == 300 and np.isfinite(ce).all()
    assert ce[0] > 10 * np.log(10)                  # huge at the start, finite
    assert all(np.isfinite(v).all() for v in params.values())
    assert h.train_acc[-1] > 0.1                    # it learned something (chance: about 0.1)


def test_huge_start_then_divergence_blames_the_input_scaling():
    from handin import data as hdata
    ds = hdata.load("sample")
    X, y = ds.X_train[:300].astype(np.float32), ds.y_train[:300]
    with pytest.raises(TrainingDiverged, match=r"check the input scaling \(are pixels in \[0, 1\]\? "
                       r"X max is 255\)") as e:
        fit(X, y, X[:50], y[:50], lr=0.1, epochs=1, seed=0)
    assert e.value.cause == "scaling" and "learning rate" not in str(e.value)


def test_a_non_finite_first_batch_blames_the_input_scaling(data):
    X, y, Xv, yv = data
    with pytest.raises(TrainingDiverged, match=r"epoch 1 \(batch 1\).*X max is \d[.\d]*e\+30[78]\)") as e:
        fit(X * 1e307, y, Xv, yv, hidden=8, epochs=1, seed=0, dtype=np.float64)
    assert e.value.cause == "scaling" and not np.isfinite(e.value.value)
    assert len(e.value.history.batch_cross_entropy) == 1


def test_a_huge_finite_first_batch_then_divergence_blames_the_input_scaling(data):
    X, y, Xv, yv = data
    with pytest.raises(TrainingDiverged, match=r"first batch's cross-entropy was already .*e\+3") as e:
        fit(X * 1e36, y, Xv, yv, hidden=8, epochs=1, seed=0)
    assert e.value.cause == "scaling" and e.value.batch > 1


@pytest.mark.parametrize("batch_size", [10, 50])
def test_a_blow_up_is_the_recent_cross_entropy_ten_times_the_start(data, monkeypatch, batch_size):
    """Where the run stops depends only on the documented rule: the mean over the last
    batches holding >= 32 images (4 batches of 10; 1 batch of 50) above BLOWUP times the start."""
    X, y, Xv, yv = data
    kw = dict(hidden=16, lr=5.0, batch_size=batch_size, epochs=3, seed=0)
    monkeypatch.setattr("handin.divergence.BLOWUP", np.inf)     # only non-finite values stop it
    try:
        ce = np.array(fit(X, y, Xv, yv, **kw)[1].batch_cross_entropy)
    except TrainingDiverged as late:
        ce = np.array(late.history.batch_cross_entropy)
    window = -(-WINDOW_ROWS // batch_size)
    recent = np.array([ce[max(0, i - window + 1):i + 1].mean() for i in range(len(ce))])
    limit = BLOWUP * max(ce[0], np.log(4))
    first_over = int(np.argmax(recent > limit))
    assert recent[first_over] > limit and np.isfinite(ce[:first_over + 1]).all()
    assert first_over + 1 < len(ce)                  # the rule stops it before the end or overflow
    monkeypatch.setattr("handin.divergence.BLOWUP", BLOWUP)
    with pytest.raises(TrainingDiverged) as e:
        fit(X, y, Xv, yv, **kw)
    n_b = -(-300 // batch_size)
    assert (e.value.epoch - 1) * n_b + e.value.batch == first_over + 1
    assert e.value.value == pytest.approx(recent[first_over], rel=1e-6)
    np.testing.assert_allclose(e.value.history.batch_cross_entropy, ce[:first_over + 1])


class _Step:
    def __init__(self):
        self.synced = 0

    def sync(self):
        self.synced += 1


def feed(batch_size, values):
    """Feed the Watch these batch cross-entropies; return (batches accepted, the error or None)."""
    watch, step = Watch(0.1, batch_size, 1.0, 10, History()), _Step()
    for b, ce in enumerate(values, 1):
        try:
            watch.batch(1, b, ce, step)
        except TrainingDiverged as e:
            assert step.synced == 1
            return b - 1, e
    return len(values), None


def test_one_image_confidently_wrong_at_batch_size_1_is_no_divergence():
    """At batch 1 the rule looks at the mean over the last 32 images, at batch 32 at the batch."""
    ln10 = np.log(10)
    one_bad = [ln10] * 40 + [30.0] + [ln10] * 10      # one image at 30 nats > 10 ln 10 = 23
    assert feed(1, one_bad) == (51, None)
    n, e = feed(32, one_bad)                          # as a whole batch it is a blow-up
    assert n == 40 and e.batch == 41 and e.value == 30.0 and e.cause == "lr"
    many_bad = [ln10] * 40 + [30.0] * 40              # the last 32 images all at 30: diverged
    n, e = feed(1, many_bad)
    assert e is not None and 40 < n < 72 and e.value > 10 * ln10
    n, e = feed(1, [ln10] * 5 + [np.nan])            # non-finite: at once, at any batch size
    assert n == 5 and np.isnan(e.value)


def test_batch_cross_entropy_is_each_batch_before_its_step(data, ref):
    X, y, Xv, yv = data
    kw = dict(hidden=6, lr=0.1, c=0.01, batch_size=40, epochs=2, seed=2)
    _, h = fit(X, y, Xv, yv, dtype=np.float64, **kw)
    assert h.batches_per_epoch == 8 and len(h.batch_cross_entropy) == 16
    rng = np.random.default_rng(2)
    params = model.init_params(12, 6, 4, rng=rng)
    want = []
    for _ in range(2):
        perm = rng.permutation(300)
        for start in range(0, 300, 40):
            idx = perm[start:start + 40]
            want.append(model.cost(X[idx], y[idx], params))     # c=0 here: cross-entropy only
            params = ref.step(params, X[idx], y[idx], 0.1, 0.01)
    np.testing.assert_allclose(h.batch_cross_entropy, want, rtol=1e-10)


def test_the_callers_float_error_settings_hold_while_paused_and_after_close(data):
    X, y, Xv, yv = data
    with np.errstate(all="raise"):
        mine = np.geterr()
        run = train_iter(X, y, Xv, yv, hidden=8, batch_size=50, epochs=3, yield_every=2)
        next(run)
        assert np.geterr() == mine                 # paused at a yield
        with pytest.raises(FloatingPointError):
            np.float64(1e308) * 10
        next(run)
        assert np.geterr() == mine
        run.close()                                # as a Ctrl-C or a cancelled task would
        assert np.geterr() == mine
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="warn"):
            run = train_iter(X * 1e36, y, Xv, yv, hidden=8, epochs=1)
            with pytest.raises(TrainingDiverged):
                next(run)                          # overflows inside, silently
            with pytest.warns(RuntimeWarning):
                np.float32(3e38) * np.float32(10)  # and the caller's warning is back


def test_callback_can_stop_and_sees_batches(data):
    X, y, Xv, yv = data
    calls = []

    def cb(p):
        calls.append((p.epoch, p.batch, p.epoch_end))
        return p.epoch_end and p.epoch == 2

    _, h = fit(X, y, Xv, yv, hidden=8, batch_size=30, epochs=5, callback=cb, callback_every=4)
    assert len(h) == 2
    # 10 batches per epoch: progress after batches 4 and 8, then the epoch end.
    assert calls[:3] == [(1, 4, False), (1, 8, False), (1, 10, True)]
    assert calls[-1] == (2, 10, True)


def test_train_iter_yields_progress_and_validates_eagerly(data):
    X, y, Xv, yv = data
    with pytest.raises(ValueError, match="lr"):
        train_iter(X, y, Xv, yv, lr=0.0)       # raised at the call, before any iteration
    it = train_iter(X, y, Xv, yv, hidden=8, batch_size=100, epochs=2, yield_every=1)
    seen = [(p.epoch, p.batch, p.epoch_end, round(p.fraction, 3)) for p in it]
    assert seen == [(1, 1, False, 0.167), (1, 2, False, 0.333), (1, 3, True, 0.5),
                    (2, 1, False, 0.667), (2, 2, False, 0.833), (2, 3, True, 1.0)]


@pytest.mark.parametrize("kw,exc,match", [
    (dict(lr=0.0), ValueError, r"lr must be a float in the range \(0.0, inf\), got 0.0"),
    (dict(lr=-1), ValueError, r"lr must be a float in the range \(0.0, inf\)"),
    (dict(lr=float("inf")), ValueError, "lr must be a float"),
    (dict(lr="0.1"), TypeError, "lr must be a float"),
    (dict(c=-1e-3), ValueError, r"c must be a float in the range \[0.0, inf\)"),
    (dict(hidden=0), ValueError, r"hidden must be an int in the range \[1, 65536\], got 0"),
    (dict(hidden=2.5), TypeError, "hidden must be an int"),
    (dict(batch_size=0), ValueError, r"batch_size must be an int in the range \[1, 300\]"),
    (dict(batch_size=301), ValueError, r"batch_size must be an int in the range \[1, 300\]"),
    (dict(epochs=0), ValueError, r"epochs must be an int in the range \[1, 100000\]"),
    (dict(seed=-1), ValueError, r"seed must be an int in the range \[0, "),
    (dict(dtype=np.float16), TypeError, "dtype must be numpy.float32 or numpy.float64"),
    (dict(callback_every=0), ValueError, r"yield_every must be an int in the range \[1, inf\)"),
])
def test_bad_hyperparameters_name_themselves(data, kw, exc, match):
    X, y, Xv, yv = data
    with pytest.raises(exc, match=match):
        fit(X, y, Xv, yv, **kw)


def test_bad_data_is_refused(data):
    X, y, Xv, yv = data
    with pytest.raises(ValueError, match="X_val must have the same number of features as X"):
        fit(X, y, Xv[:, :3], yv)
    with pytest.raises(ValueError, match="X and y must have the same number of samples"):
        fit(X, y[:-1], Xv, yv)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="X must hold finite numbers"):
        fit(bad, y, Xv, yv)
    with pytest.raises(ValueError, match="y_val must hold labels >= 0"):
        fit(X, y, Xv, yv - 1)


def test_inputs_are_not_modified(data):
    X, y, Xv, yv = data
    copies = [a.copy() for a in (X, y, Xv, yv)]
    fit(X, y, Xv, yv, hidden=4, epochs=1, dtype=np.float64)
    assert all(np.array_equal(a, b) for a, b in zip(copies, (X, y, Xv, yv)))


def test_history_as_dict_is_a_copy():
    h = History()
    h._append(epoch=1, train_cost=1.0, train_acc=0.5, val_cost=1.1, val_acc=0.4, seconds=0.1)
    d = h.as_dict()
    d["epoch"].append(2)
    assert h.epoch == [1]


def test_init_is_the_start_copied_and_none_keeps_the_seeded_draw(data, ref):
    X, y, Xv, yv = data
    kw = dict(hidden=7, epochs=2, dtype=np.float64, c=0.0)
    drawn = model.init_params(X.shape[1], 7, 4, seed=3)       # what fit(seed=3) starts from
    frozen = {k: v.copy() for k, v in drawn.items()}
    p_init, h_init = fit(X, y, Xv, yv, seed=3, init=drawn, **kw)
    assert all(np.array_equal(drawn[k], frozen[k]) for k in drawn)      # not modified
    assert all(p_init[k] is not drawn[k] for k in drawn)
    # one epoch of lr -> 0 is (almost) the start itself: init really is the start
    p0, _ = fit(X, y, Xv, yv, seed=3, init=drawn, lr=1e-12, hidden=7, epochs=1, dtype=np.float64)
    np.testing.assert_allclose(p0["W1"], drawn["W1"], atol=1e-10)
    # None = today's order: weights drawn first from seed, then the shuffles
    p_none, h_none = fit(X, y, Xv, yv, seed=3, **kw)
    expected = ref.fit(X, y, hidden=7, lr=0.1, c=0.0, batch_size=32, epochs=2, seed=3)
    np.testing.assert_allclose(p_none["W1"], expected["W1"], rtol=1e-9, atol=1e-12)
    # given: the same start, and seed drives the shuffles of a fresh generator
    rng = np.random.default_rng(3)
    want = drawn
    for _ in range(2):
        perm = rng.permutation(300)
        for start in range(0, 300, 32):
            want = ref.step(want, X[perm[start:start + 32]], y[perm[start:start + 32]], 0.1, 0.0)
    ref.assert_close(p_init, want, rtol=1e-9, atol=1e-12)
    # same start, other batches (the generator drew no weights): a different run
    assert h_init.train_cost != h_none.train_cost


def test_init_in_float64_is_trained_in_the_dtype_asked(data):
    X, y, Xv, yv = data
    init = model.init_params(X.shape[1], 5, 4, seed=0)
    params, _ = fit(X, y, Xv, yv, hidden=5, epochs=1, init=init, dtype=np.float32)
    assert all(params[k].dtype == np.float32 for k in params)
    assert init["W1"].dtype == np.float64


@pytest.mark.parametrize("change,match", [
    (lambda p: p.pop("b2"), "params is missing b2"),
    (lambda p: p.update(W1=np.zeros((3, 5))), r"init must fit the data and hidden: W1 of shape \(12, 5\)"),
    (lambda p: p.update(W2=np.zeros((5, 9)), b2=np.zeros(9)), r"W2 of shape \(5, 4\)"),
    (lambda p: p["W2"].__setitem__((0, 0), np.nan), "init must hold finite numbers"),
])
def test_bad_init_names_itself(data, change, match):
    X, y, Xv, yv = data
    init = model.init_params(X.shape[1], 5, 4, seed=0)
    change(init)
    with pytest.raises(ValueError, match=match):
        train_iter(X, y, Xv, yv, hidden=5, init=init)
