"""The model's math: shapes, stability, and gradients checked numerically."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handin import model
from handin.gradcheck import gradient_check, numerical_gradient


def make_problem(n, d, h, k, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * scale
    y = rng.integers(0, k, size=n)
    params = model.init_params(d, h, k, seed=seed + 1)
    params["b1"] = rng.normal(size=h) * 0.1
    params["b2"] = rng.normal(size=k) * 0.1
    return X, y, params


def reference_cost(X, y, params, c):
    """The cost written the slow, obvious way, sample by sample."""
    total = 0.0
    for x, label in zip(X, y):
        z1 = x @ params["W1"] + params["b1"]
        z2 = np.maximum(z1, 0) @ params["W2"] + params["b2"]
        total += -(z2[label] - np.log(np.sum(np.exp(z2))))
    return total / len(X) + c * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))


def test_init_params_shapes_dtype_and_scale():
    p = model.init_params(784, 256, 10, seed=0)
    assert {k: v.shape for k, v in p.items()} == {
        "W1": (784, 256), "b1": (256,), "W2": (256, 10), "b2": (10,)}
    assert all(v.dtype == np.float64 for v in p.values())
    assert np.std(p["W1"]) == pytest.approx(np.sqrt(2 / (784 + 256)), rel=0.02)
    assert np.std(p["W2"]) == pytest.approx(np.sqrt(4 / (256 + 10)), rel=0.05)
    assert not p["b1"].any() and not p["b2"].any()
    p32 = model.init_params(5, 3, 2, seed=0, dtype=np.float32)
    assert all(v.dtype == np.float32 for v in p32.values())


def test_init_params_seed_and_rng():
    a = model.init_params(6, 4, 3, seed=7)
    b = model.init_params(6, 4, 3, rng=np.random.default_rng(7))
    c = model.init_params(6, 4, 3, seed=8)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W1"], c["W1"])


def test_cost_matches_sample_by_sample_reference():
    X, y, p = make_problem(7, 5, 4, 3)
    for c in (0.0, 0.01, 3.0):
        assert model.cost(X, y, p, c) == pytest.approx(reference_cost(X, y, p, c), rel=1e-12)


def test_forward_shapes_and_probabilities():
    X, y, p = make_problem(6, 5, 4, 3)
    cache = model.forward(X, p)
    assert cache["Z1"].shape == cache["A1"].shape == (6, 4)
    assert cache["Z2"].shape == cache["P"].shape == (6, 3)
    assert np.allclose(cache["P"].sum(axis=1), 1.0)
    assert (cache["A1"] >= 0).all()
    assert np.array_equal(model.predict(X, p), cache["P"].argmax(axis=1))


def test_softmax_and_log_softmax_are_stable_for_huge_logits():
    Z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [3.0, 1.0, 0.2]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        P = model.softmax(Z)
        logP = model.log_softmax(Z)
    assert np.isfinite(P).all() and np.isfinite(logP).all()
    assert np.allclose(P.sum(axis=1), 1.0)
    assert P[0, 0] == 1.0 and np.allclose(P[1], 1 / 3)
    naive = np.exp(Z[2]) / np.exp(Z[2]).sum()
    assert np.allclose(P[2], naive)
    assert logP[0, 2] == pytest.approx(-2e4)


def test_cost_and_gradients_finite_for_logits_of_1e4():
    X, y, p = make_problem(4, 3, 2, 3)
    p["W2"][:] = 0.0
    p["b2"] = np.array([1e4, -1e4, 0.0])
    y = np.array([1, 1, 0, 2])   # -log P[y]: 2e4, 2e4, 0, 1e4; never inf
    J, g = model.cost_grad(X, y, p)
    assert np.isfinite(J) and J == pytest.approx((2e4 + 2e4 + 0.0 + 1e4) / 4)
    assert all(np.isfinite(v).all() for v in g.values())


@pytest.mark.parametrize("n,d,h,k", [(1, 3, 1, 2), (1, 5, 4, 3), (10, 1, 1, 2), (8, 6, 5, 4),
                                     (32, 20, 16, 10)])
@pytest.mark.parametrize("c", [0.0, 1e-4, 0.5, 10.0])
def test_gradient_check_every_parameter(n, d, h, k, c):
    X, y, p = make_problem(n, d, h, k, seed=n + d + h)
    rows = gradient_check(X, y, p, c=c)
    assert [r.name for r in rows] == ["W1", "b1", "W2", "b2"]
    assert [r.shape for r in rows] == [p[name].shape for name in ("W1", "b1", "W2", "b2")]
    assert rows.max_rel_error <= 1e-7, str(rows)


def test_gradient_check_detects_a_wrong_gradient():
    X, y, p = make_problem(5, 4, 3, 3)

    def half_decay(X, y, params, c):
        J, g = model.cost_grad(X, y, params, c)
        g["W1"] = g["W1"] - c * params["W1"]   # 2c W1 written as c W1
        return J, g

    rows = gradient_check(X, y, p, c=0.5, grad_fn=half_decay)
    bad = {r.name: r.rel_error for r in rows}
    assert bad["W1"] > 1e-3 and bad["W2"] < 1e-7
    assert not rows.passed()
    assert not rows.passed(rtol=1e-7, atol=1e-12)
    assert "W1" in str(rows) and "rel. error" in str(rows)


def test_gradient_check_sampled_entries_and_params_untouched():
    X, y, p = make_problem(4, 30, 20, 3)
    before = {k: v.copy() for k, v in p.items()}
    rows = gradient_check(X, y, p, n_entries=15, seed=3)
    assert [r.n_checked for r in rows] == [15, 15, 15, 3]
    assert rows.passed(1e-7)
    assert all(np.array_equal(before[k], p[k]) for k in p)


def test_numerical_gradient_restores_the_parameter():
    p = {"w": np.array([1.0, 2.0])}
    g = numerical_gradient(lambda q: float(np.sum(q["w"] ** 3)), p, "w", 1, eps=1e-4)
    assert g == pytest.approx(12.0, rel=1e-7)
    assert p["w"].tolist() == [1.0, 2.0]


@st.composite
def problems_away_from_relu_kinks(draw):
    n = draw(st.integers(1, 6))
    d = draw(st.integers(1, 5))
    h = draw(st.integers(1, 5))
    k = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**31))
    c = draw(st.floats(0.0, 10.0))
    X, y, p = make_problem(n, d, h, k, seed=seed)
    # Keep every first-layer pre-activation at least 0.05 from 0, where relu has its kink.
    Z1 = X @ p["W1"] + p["b1"]
    p["b1"] = p["b1"] + np.where(np.abs(Z1).min(axis=0) < 0.05, 0.1 + np.abs(Z1).max(axis=0), 0.0)
    return X, y, p, c


@settings(max_examples=60, deadline=None)
@given(problems_away_from_relu_kinks())
def test_gradient_check_property(problem):
    X, y, p, c = problem
    Z1 = X @ p["W1"] + p["b1"]
    assert np.abs(Z1).min() >= 0.05
    rows = gradient_check(X, y, p, c=c)
    # rel. error <= 1e-7, except for gradients so small that round-off (~1e-11) dominates
    assert rows.passed(rtol=1e-7, atol=1e-9), str(rows)


def test_float32_params_give_float32_gradients():
    X, y, p = make_problem(5, 4, 3, 2)
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    J, g = model.cost_grad(X.astype(np.float32), y, p32, 0.1)
    assert all(g[k].dtype == np.float32 for k in g)
    J64, g64 = model.cost_grad(X, y, p, 0.1)
    assert J == pytest.approx(J64, rel=1e-5)
    assert all(np.allclose(g[k], g64[k], rtol=1e-4, atol=1e-6) for k in g)


def test_accuracy_and_predict():
    X, y, p = make_problem(20, 4, 3, 3)
    pred = model.predict(X, p)
    assert model.accuracy(X, pred, p) == 1.0
    wrong = pred.copy()
    wrong[:5] = (wrong[:5] + 1) % 3             # 5 of the 20 labels made wrong
    assert model.accuracy(X, wrong, p) == 0.75
    assert np.array_equal(pred, np.argmax(model.forward(X, p)["P"], axis=1))


@pytest.mark.parametrize("call,match", [
    (lambda X, y, p: model.cost_grad(X[0], y, p), "X must be a 2-D array"),
    (lambda X, y, p: model.cost_grad(X, y[:-1], p), "same number of samples"),
    (lambda X, y, p: model.cost_grad(X, y + 5, p), r"y must hold labels in the range \[0, 2\]"),
    (lambda X, y, p: model.cost_grad(X, y, p, c=-1.0), r"c must be a float in the range \[0.0, inf\)"),
    (lambda X, y, p: model.cost_grad(X, y, p, c=float("nan")), "c must be a float"),
    (lambda X, y, p: model.cost_grad(X[:, :2], y, p), "X has 2 features but W1 expects 4"),
    (lambda X, y, p: model.cost_grad(X, y, {"W1": p["W1"]}), "params is missing b1, W2, b2"),
    (lambda X, y, p: model.cost_grad(X, y, dict(p, b1=np.zeros(7))), "params shapes do not fit"),
    (lambda X, y, p: model.init_params(0, 3, 2), r"n_in must be an int in the range \[1, inf\)"),
    (lambda X, y, p: model.init_params(4, 3, 1), r"n_out must be an int in the range \[2, inf\)"),
])
def test_bad_input_raises_value_error_naming_it(call, match):
    X, y, p = make_problem(5, 4, 3, 3)
    with pytest.raises(ValueError, match=match):
        call(X, y, p)


@pytest.mark.parametrize("call,match", [
    (lambda X, y, p: model.cost_grad(X, y.astype(float) + 0.5, p), "y must hold integer labels"),
    (lambda X, y, p: model.init_params(4.5, 3, 2), "n_in must be an int"),
    (lambda X, y, p: model.init_params(4, True, 2), "n_hidden must be an int"),
    (lambda X, y, p: model.init_params(4, 3, 2, dtype=np.int32), "dtype must be numpy.float32"),
    (lambda X, y, p: model.init_params(4, 3, 2, rng=3), "rng must be a numpy.random.Generator"),
    (lambda X, y, p: model.cost_grad(X, y, p, c="big"), "c must be a float"),
    (lambda X, y, p: model.cost_grad(X.astype(str), y, p), "X must hold numbers"),
])
def test_bad_types_raise_type_error_naming_it(call, match):
    X, y, p = make_problem(5, 4, 3, 3)
    with pytest.raises(TypeError, match=match):
        call(X, y, p)
