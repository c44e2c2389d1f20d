"""handin.layers: layers with forward and backward, stacked to L layers, checked numerically
and against the hand-written two-layer backward pass of handin.model."""

import numpy as np
import pytest

import handin
from handin import layers, model
from handin.layers import Linear, ReLU, Sequential


def problem(sizes, n=7, seed=0, init="he"):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, sizes[0])), rng.integers(0, sizes[-1], size=n)
    params = layers.init_params(sizes, init, rng=rng)
    for l in range(1, len(sizes)):           # non-zero biases, so that a bias bug shows
        params[f"b{l}"] = rng.normal(scale=0.3, size=sizes[l])
    return X, y, params


@pytest.mark.parametrize("c", [0.0, 0.1])
@pytest.mark.parametrize("n", [1, 6])
def test_two_layers_equal_handin_backward_to_1e_12(c, n):
    X, y, params = problem([6, 5, 3], n=n)
    J, grads = layers.from_params(params, c).cost_grad(X, y)
    J_ref, ref = model.cost_grad(X, y, params, c)
    assert abs(J - J_ref) <= 1e-12 * abs(J_ref)
    assert sorted(grads) == sorted(ref)
    for k in ref:
        assert np.max(np.abs(grads[k] - ref[k])) <= 1e-12 * max(1.0, np.abs(ref[k]).max()), k


def test_decay_changes_the_weight_gradients_by_2cW_and_not_the_biases():
    X, y, params = problem([6, 5, 4, 3])
    _, g0 = layers.from_params(params, 0.0).cost_grad(X, y)
    _, g1 = layers.from_params(params, 0.25).cost_grad(X, y)
    for k in params:
        want = 2 * 0.25 * params[k] if k.startswith("W") else 0 * params[k]
        np.testing.assert_allclose(g1[k] - g0[k], want, atol=1e-14)


@pytest.mark.parametrize("L", [2, 3, 4])
@pytest.mark.parametrize("c", [0.0, 0.1])
def test_every_parameter_of_an_L_layer_net_passes_the_numerical_check(L, c):
    sizes = [5] + [4] * (L - 1) + [3]
    X, y, params = problem(sizes, seed=L)
    check = layers.gradient_check(layers.from_params(params, c), X, y)
    assert [row.name for row in check] == [f"{k}{l}" for l in range(1, L + 1) for k in "Wb"]
    assert check.passed(1e-7), str(check)


def test_a_wrong_backward_fails_the_check():
    X, y, params = problem([5, 4, 4, 3])
    net = layers.from_params(params, 0.1)
    net.layers[1].backward = lambda dA: dA        # the ReLU's mask forgotten
    check = layers.gradient_check(net, X, y)
    assert not check.passed(1e-4)
    assert [r.name for r in check if r.rel_error > 1e-4] == ["W1", "b1"]


@pytest.mark.parametrize("layer", [Linear(np.random.default_rng(1).normal(size=(4, 3)),
                                          np.arange(3.0), c=0.2),
                                   Linear(np.ones((4, 3)), np.zeros(3)), ReLU()],
                         ids=["linear-decay", "linear", "relu"])
def test_each_layer_alone_passes_the_numerical_check(layer):
    A = np.random.default_rng(2).normal(size=(5, 4 if isinstance(layer, Linear) else 6))
    check = layers.check_layer(layer, A)
    assert check[0].name == "input" and len(check) == 1 + len(layer.params)
    assert check.passed(1e-8), str(check)


def test_softmax_cross_entropy_backward_is_P_minus_Y_over_n():
    Z, y = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 5.0]]), np.array([1, 0])
    loss = layers.SoftmaxCrossEntropy()
    assert loss.forward(Z, y) == pytest.approx(handin.model.cross_entropy(Z, y))
    np.testing.assert_allclose(loss.backward(3.0),
                               3.0 * (model.softmax(Z) - model.one_hot(y, 3)) / 2)


def test_params_are_the_layers_own_arrays():
    net = layers.network([3, 4, 2], seed=0)
    net.params["W2"][0, 0] = 7.0
    assert net.layers[2].params["W"][0, 0] == 7.0
    assert isinstance(net, Sequential) and len(net.linears) == 2


def test_report_init_with_two_layers_is_handin_init_params_draw_for_draw():
    a, b = layers.init_params([784, 32, 10], "report", seed=3), model.init_params(784, 32, 10, seed=3)
    assert sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("init, var", [
    ("glorot", lambda l, i, o: 2 / (i + o)),
    ("he", lambda l, i, o: 2 / i),
    ("report", lambda l, i, o: (2 if l == 1 else 4) / (i + o))])
def test_initialisations_have_their_variance(init, var):
    sizes = [400, 300, 200, 10]
    p = layers.init_params(sizes, init, rng=np.random.default_rng(0))
    for l in range(1, 4):
        assert p[f"W{l}"].var() == pytest.approx(var(l, sizes[l - 1], sizes[l]), rel=0.05)
        assert not p[f"b{l}"].any()
    again = layers.init_params(sizes, init, seed=5)
    assert np.array_equal(again["W3"], layers.init_params(sizes, init, seed=5)["W3"])


def test_float32_parameters_stay_float32():
    p = layers.init_params([6, 5, 3], "he", seed=0, dtype=np.float32)
    assert all(v.dtype == np.float32 for v in p.values())


def test_he_keeps_deep_relu_signals_at_scale_and_the_others_shrink_them():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(256, 200)), rng.integers(0, 10, size=256)
    sizes = [200] + [200] * 7 + [10]
    rms = {init: layers.layer_scales(layers.network(sizes, init, seed=1), X, y)["Z"]
           for init in ("glorot", "he")}
    assert 0.5 < rms["he"][-2] / rms["he"][0] < 2          # He: ~constant through 8 layers
    assert rms["glorot"][-2] / rms["glorot"][0] < 0.15     # Glorot: halves every ReLU layer


def test_sgd_lowers_the_cost_and_is_reproducible():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 5)) * 2
    y = rng.integers(0, 3, size=120)
    X = centres[y] + rng.normal(size=(120, 5))
    J0 = layers.network([5, 8, 8, 3], "he", seed=0).cost(X, y)
    costs = [layers.sgd(layers.network([5, 8, 8, 3], "he", seed=0), X, y, lr=0.1, epochs=5,
                        batch_size=20, seed=1) for _ in range(2)]
    assert costs[0] == costs[1] and costs[0][-1] < 0.5 * J0


@pytest.mark.parametrize("bad, param", [
    (dict(sizes=[5]), "sizes"), (dict(sizes=[5, 1]), "sizes"), (dict(sizes=[5, 0, 3]), "sizes"),
    (dict(sizes=[5, 3], init="xavier"), "init")])
def test_bad_arguments_name_the_parameter(bad, param):
    with pytest.raises(handin.ParameterError) as exc:
        layers.init_params(**{"seed": 0, **bad})
    assert exc.value.param == param


def test_from_params_needs_every_layer():
    with pytest.raises(handin.ParameterError, match="W1, b1, ..., WL, bL"):
        layers.from_params({"W1": np.ones((2, 2)), "b1": np.zeros(2), "W3": np.ones((2, 2))})


def test_the_squared_error_loss_passes_the_numerical_check_and_is_smaller_at_the_start():
    X, y, params = problem([5, 4, 3])
    net = layers.from_params(params, 0.1, loss=layers.SoftmaxSquaredError())
    assert layers.gradient_check(net, X, y).passed(1e-7)
    ce = layers.from_params(params, 0.1)
    ce.cost(X, y), net.cost(X, y)
    assert np.all(np.linalg.norm(net.loss.backward(), axis=1)
                  < np.linalg.norm(ce.loss.backward(), axis=1))


def linear_with(dW=None, db=None, dA=None):
    """A linear layer written out (not borrowing handin's backward), with one part swapped:
    a class with state, as tests/course/test_remote.py sends over the grading wire."""
    class Written(layers.Linear):
        def backward(self, dZ):
            A, W, c = self.A, self.params["W"], self.c
            self.grads["W"] = (dW or (lambda A, W, c, dZ: A.T @ dZ + 2 * c * W))(A, W, c, dZ)
            self.grads["b"] = (db or (lambda dZ: dZ.sum(axis=0)))(dZ)
            return (dA or (lambda A, W, c, dZ: dZ @ W.T))(A, W, c, dZ)
    return Written
