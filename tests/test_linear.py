"""handin.linear, the linear softmax classifier, and handin.inits, the starts of chapter 7."""

import numpy as np
import pytest

import handin
from handin import inits, linear, model
from handin.gradcheck import numerical_gradient
from handin.train import TrainingDiverged


def blobs(n=360, d=12, k=4, seed=0, spread=1.0):
    """k Gaussian clusters in d dimensions: linearly separable enough to learn in a few epochs."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 2.0
    y = rng.integers(0, k, size=n)
    return centres[y] + rng.normal(size=(n, d)) * spread, y


@pytest.fixture(scope="module")
def data():
    X, y = blobs()
    return X[:300], y[:300], X[300:], y[300:]


def random_params(d, k, seed=0):
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(size=(d, k)), "b": rng.normal(size=k)}


# --- the math ------------------------------------------------------------------------------

def test_cost_matches_sample_by_sample_reference():
    X, y = blobs(7, 5, 3)
    p = random_params(5, 3)
    for c in (0.0, 0.01, 2.0):
        ref = np.mean([np.log(np.exp(x @ p["W"] + p["b"]).sum()) - (x @ p["W"] + p["b"])[t]
                       for x, t in zip(X, y)]) + c * np.sum(p["W"] ** 2)
        assert linear.cost(X, y, p, c) == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("c", [0.0, 0.1])
def test_gradient_agrees_with_central_differences(c):
    X, y = blobs(6, 5, 3, seed=1)
    p = random_params(5, 3, seed=2)
    _, grads = linear.cost_grad(X, y, p, c)
    for name in linear.PARAM_NAMES:
        approx = np.array([numerical_gradient(lambda q: linear.cost(X, y, q, c), p, name, i)
                           for i in range(p[name].size)]).reshape(p[name].shape)
        exact = grads[name]
        rel = np.linalg.norm(exact - approx) / (np.linalg.norm(exact) + np.linalg.norm(approx))
        assert rel < 1e-8, f"d{name}: relative error {rel:.1e}"


def test_gradient_is_chapter_1s_P_minus_Y_over_n_through_X():
    X, y = blobs(5, 4, 3, seed=3)
    p = random_params(4, 3, seed=4)
    P = model.softmax(X @ p["W"] + p["b"])
    dZ = (P - model.one_hot(y, 3)) / len(X)
    _, g = linear.cost_grad(X, y, p, c=0.5)
    assert np.allclose(g["W"], X.T @ dZ + 2 * 0.5 * p["W"])
    assert np.allclose(g["b"], dZ.sum(axis=0))


def test_zero_weights_give_log_k_and_uniform_probabilities():
    X, y = blobs(9, 4, 5)
    p = linear.init_params(4, 5)
    assert linear.cost(X, y, p) == pytest.approx(np.log(5))
    assert np.allclose(linear.predict_proba(X, p), 0.2)


def test_predict_and_accuracy_follow_the_probabilities():
    X, y = blobs(50, 4, 3, seed=5)
    p = random_params(4, 3, seed=6)
    pred = linear.predict(X, p)
    assert np.array_equal(pred, linear.predict_proba(X, p).argmax(axis=1))
    assert linear.accuracy(X, y, p) == pytest.approx(np.mean(pred == y))
    assert linear.evaluate(X, y, p, c=0.1) == pytest.approx(
        (linear.cost(X, y, p, c=0.1), linear.accuracy(X, y, p)))


def test_init_params_shapes_std_and_seed():
    p = linear.init_params(784, 10, std=0.01, seed=0, dtype=np.float32)
    assert p["W"].shape == (784, 10) and p["b"].shape == (10,)
    assert p["W"].dtype == p["b"].dtype == np.float32
    assert np.std(p["W"]) == pytest.approx(0.01, rel=0.05) and not p["b"].any()
    assert np.array_equal(p["W"], linear.init_params(784, 10, std=0.01, seed=0,
                                                     dtype=np.float32)["W"])
    assert not linear.init_params(784, 10)["W"].any()


# --- training ------------------------------------------------------------------------------

def reference_sgd(X, y, *, lr, c, batch_size, epochs, seed, k):
    """Plain SGD from the math, in float64: params -= lr * cost_grad(batch)."""
    rng = np.random.default_rng(seed)
    params = linear.init_params(X.shape[1], k)
    for _ in range(epochs):
        perm = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            idx = perm[start:start + batch_size]
            _, g = linear.cost_grad(X[idx], y[idx], params, c)
            params = {name: params[name] - lr * g[name] for name in params}
    return params


@pytest.mark.parametrize("batch_size", [1, 32, 300])
def test_fit_is_minibatch_sgd_on_the_cost(data, batch_size):
    X, y, Xv, yv = data
    got, _ = linear.fit(X, y, Xv, yv, lr=0.05, c=0.01, batch_size=batch_size, epochs=2,
                        seed=3, dtype=np.float64)
    want = reference_sgd(X, y, lr=0.05, c=0.01, batch_size=batch_size, epochs=2, seed=3, k=4)
    for name in linear.PARAM_NAMES:
        assert np.allclose(got[name], want[name], rtol=1e-10, atol=1e-12)


def test_it_learns(data):
    X, y, Xv, yv = data
    params, h = linear.fit(X, y, Xv, yv, lr=0.1, epochs=8, seed=0)
    assert h.train_cost[-1] < 0.5 * h.train_cost[0] or h.train_cost[-1] < 0.1
    assert h.train_cost[0] < np.log(4)          # below the cost of the zero start
    assert h.val_acc[-1] > 0.9
    assert linear.accuracy(Xv, yv, params) == pytest.approx(h.val_acc[-1])
    assert params["W"].dtype == np.float32
    assert h.batches_per_epoch == 10 and len(h.batch_cross_entropy) == 8 * 10
    assert h.batch_cross_entropy[0] == pytest.approx(np.log(4))      # zeros: uniform guess


def test_same_seed_same_run_other_seed_differs(data):
    X, y, Xv, yv = data
    a, ha = linear.fit(X, y, Xv, yv, epochs=2, seed=5)
    b, hb = linear.fit(X, y, Xv, yv, epochs=2, seed=5)
    c, hc = linear.fit(X, y, Xv, yv, epochs=2, seed=6)
    assert np.array_equal(a["W"], b["W"]) and ha.train_cost == hb.train_cost
    assert not np.array_equal(a["W"], c["W"])


def test_init_is_used_copied_and_not_modified(data):
    X, y, Xv, yv = data
    init = random_params(12, 4, seed=9)
    before = {k: v.copy() for k, v in init.items()}
    one_step, _ = linear.fit(X, y, Xv, yv, lr=1e-9, batch_size=300, epochs=1, init=init,
                             dtype=np.float64)
    assert all(np.array_equal(init[k], before[k]) for k in init)
    assert np.allclose(one_step["W"], init["W"], atol=1e-8)       # a tiny step from init
    assert one_step["W"] is not init["W"]


def test_divergence_raises_training_diverged(data):
    X, y, Xv, yv = data
    with pytest.raises(TrainingDiverged) as info:
        linear.fit(X * 1e10, y, Xv, yv, lr=1e30, epochs=3)
    assert info.value.epoch == 1 and info.value.history.epoch == []


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("kw, exc, match", [
    (dict(lr=0.0), ValueError, r"lr must be a float in the range \(0.0, inf\), got 0.0"),
    (dict(lr="big"), TypeError, "lr must be a float"),
    (dict(c=-1.0), ValueError, "c must be a float in the range"),
    (dict(batch_size=301), ValueError, r"batch_size must be an int in the range \[1, 300\]"),
    (dict(epochs=0), ValueError, "epochs must be an int"),
    (dict(seed=-1), ValueError, "seed must be an int"),
    (dict(dtype=np.int32), TypeError, "dtype must be"),
    (dict(init={"W": np.zeros((12, 4))}), ValueError, "params is missing b"),
    (dict(init={"W": np.zeros((11, 4)), "b": np.zeros(4)}), ValueError, "W expects 11"),
    (dict(init={"W": np.zeros((12, 3)), "b": np.zeros(3)}), ValueError, "init has 3 classes"),
    (dict(init={"W": np.full((12, 4), np.nan), "b": np.zeros(4)}), ValueError, "finite"),
])
def test_bad_arguments_name_themselves(data, kw, exc, match):
    X, y, Xv, yv = data
    with pytest.raises(exc, match=match):
        linear.fit(X, y, Xv, yv, **kw)


def test_bad_data_is_refused(data):
    X, y, Xv, yv = data
    p = random_params(12, 4)
    with pytest.raises(ValueError, match="same number of features"):
        linear.fit(X, y, Xv[:, :5], yv)
    with pytest.raises(ValueError, match="same number of samples"):
        linear.fit(X, y[:-1], Xv, yv)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="X must hold finite numbers"):
        linear.fit(bad, y, Xv, yv)
    with pytest.raises(ValueError, match=r"labels in the range \[0, 3\]"):
        linear.cost(X, y + 1, p)
    with pytest.raises(ValueError, match="X has 5 features but W expects 12"):
        linear.predict(X[:, :5], p)
    with pytest.raises(TypeError, match="params must be a dict"):
        linear.accuracy(X, y, [p["W"], p["b"]])
    with pytest.raises(ValueError, match="std must be a float"):
        linear.init_params(3, 2, std=-0.1)


# --- handin.inits --------------------------------------------------------------------------

def test_normal_init_has_the_asked_std_for_both_layers():
    p = inits.normal_init(784, 256, 10, std=0.05, seed=0)
    assert np.std(p["W1"]) == pytest.approx(0.05, rel=0.02)
    assert np.std(p["W2"]) == pytest.approx(0.05, rel=0.1)
    assert not p["b1"].any() and not p["b2"].any()
    q = inits.normal_init(784, 256, 10, std=1.0, seed=0)
    assert np.allclose(q["W1"] * 0.05, p["W1"])                  # same pattern, other scale
    assert not any(v.any() for v in inits.normal_init(5, 3, 2, std=0.0, seed=0).values())


def test_zero_weights_give_zero_weight_gradients():
    X, y = blobs(20, 6, 3)
    _, g = handin.cost_grad(X, y, inits.normal_init(6, 5, 3, std=0.0))
    assert not g["W1"].any() and not g["W2"].any() and not g["b1"].any()
    assert g["b2"].any()                              # only the output bias can move


def test_a_constant_start_keeps_the_hidden_units_identical(data):
    X, y, Xv, yv = data
    params, _ = handin.fit(X, y, Xv, yv, hidden=6, epochs=3, dtype=np.float64,
                           init=inits.constant_init(12, 6, 4, 0.1))
    # Equal to round-off, not to the last bit: a BLAS kernel may sum the columns at the
    # edge of a block in another order (AVX-512 OpenBLAS leaves 4e-19 here).
    def spread(a, axis=None):
        return np.ptp(a, axis=axis).max() / np.abs(a).max()

    assert spread(params["W1"], axis=1) < 1e-12                  # all columns equal
    assert spread(params["W2"], axis=0) < 1e-12                  # all rows equal
    assert spread(params["b1"]) < 1e-12
    assert not np.allclose(params["W1"], 0.1)                   # and they did train
    noisy = inits.constant_init(12, 6, 4, 0.1)
    noisy["W1"][0, 0] += 1e-9                                   # one unit set apart
    params, _ = handin.fit(X, y, Xv, yv, hidden=6, epochs=3, dtype=np.float64, init=noisy)
    assert spread(params["W1"], axis=1) > 1e-10                 # the check can fail


def test_layer_scales_follow_the_forward_and_backward_pass():
    X, y = blobs(40, 6, 3, seed=2)
    p = model.init_params(6, 5, 3, seed=1)
    s = inits.layer_scales(X, y, p, c=0.1)
    cache = model.forward(X, p)
    J, g = model.cost_grad(X, y, p, c=0.1)

    def rms(a):
        return np.sqrt(np.mean(a ** 2))

    assert s["Z1"] == pytest.approx(rms(cache["Z1"])) and s["A1"] == pytest.approx(rms(cache["A1"]))
    assert s["Z2"] == pytest.approx(rms(cache["Z2"])) and s["cost"] == pytest.approx(J)
    assert s["dW1"] == pytest.approx(rms(g["W1"])) and s["dW2"] == pytest.approx(rms(g["W2"]))


def test_the_variance_rule_predicts_the_first_layer():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(500, 400))
    p = inits.normal_init(400, 300, 10, 0.02, seed=0)
    s = inits.layer_scales(X, rng.integers(0, 10, 500), p)
    predicted = np.sqrt(400 * s["X"] ** 2 * 0.02 ** 2)
    assert s["Z1"] == pytest.approx(predicted, rel=0.05)


def test_inits_refuse_bad_arguments():
    with pytest.raises(ValueError, match="std must be a float in the range"):
        inits.normal_init(4, 3, 2, std=-1.0, seed=0)
    with pytest.raises(ValueError, match="value must be a float"):
        inits.constant_init(4, 3, 2, float("nan"))
    with pytest.raises(ValueError, match="n_out must be an int"):
        inits.constant_init(4, 3, 1, 0.1)
    with pytest.raises(ValueError, match="c must be a float"):
        inits.layer_scales(np.ones((2, 4)), np.array([0, 1]), inits.constant_init(4, 3, 2, 0.1),
                           c=-1.0)
