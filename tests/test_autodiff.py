"""handin.autodiff: a scalar Value with reverse mode reproduces the hand-derived gradients."""

import math

import numpy as np
import pytest

from handin import model
from handin.autodiff import Value


def values(a):
    return np.vectorize(Value, otypes=[object])(a)


def cost_graph(X, y, params, c):
    """The network's cost built from Values: X @ W1 + b1, relu, @ W2 + b2, log-softmax, decay."""
    V = {k: values(v) for k, v in params.items()}
    A1 = np.vectorize(Value.relu, otypes=[object])(X @ V["W1"] + V["b1"])
    Z2 = A1 @ V["W2"] + V["b2"]
    n = len(y)
    data = sum(-(Z2[s, y[s]] - sum(z.exp() for z in Z2[s]).log()) for s in range(n)) / n
    decay = c * (sum(w * w for w in V["W1"].flat) + sum(w ** 2 for w in V["W2"].flat))
    return data + decay, V


@pytest.mark.parametrize("c", [0.0, 0.1])
def test_a_tiny_network_gets_the_hand_derived_gradients(c):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(2, 3)), np.array([0, 2])           # 3 inputs, 2 samples, 3 classes
    params = model.init_params(3, 4, 3, rng=rng)
    params["b1"] = rng.normal(size=4)
    J, V = cost_graph(X, y, params, c)
    J.backward()
    J_ref, ref = model.cost_grad(X, y, params, c)
    assert J.data == pytest.approx(J_ref, abs=1e-12)
    for k in ref:
        grad = np.vectorize(lambda v: v.grad)(V[k])
        np.testing.assert_allclose(grad, ref[k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_each_operation_has_its_derivative():
    x = 0.7
    cases = {"exp": (lambda v: v.exp(), math.exp(x)), "log": (lambda v: v.log(), 1 / x),
             "relu": (lambda v: v.relu(), 1.0), "neg": (lambda v: -v, -1.0),
             "pow": (lambda v: v ** 3, 3 * x ** 2), "div": (lambda v: 2.0 / v, -2 / x ** 2),
             "sub": (lambda v: 5.0 - v * v, -2 * x), "add-mul": (lambda v: 3 * v + v, 4.0)}
    for name, (f, want) in cases.items():
        v = Value(x)
        f(v).backward()
        assert v.grad == pytest.approx(want, rel=1e-12), name
    v = Value(-0.5)
    v.relu().backward()
    assert v.grad == 0.0


def test_a_value_used_twice_accumulates_and_backward_can_be_rerun():
    a = Value(3.0)
    J = a * a + a          # dJ/da = 2a + 1
    J.backward()
    J.backward()           # grads are reset, not doubled
    assert a.grad == 7.0 and J.grad == 1.0


def test_graph_lists_parents_before_children_and_each_node_once():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    J = c + c.exp()
    order = J.graph()
    assert order[-1] is J and len(order) == len({id(v) for v in order}) == 5
    assert order.index(c) > order.index(a) and order.index(c) > order.index(b)


def test_a_deep_graph_needs_no_recursion():
    v = x = Value(1.0)
    for _ in range(5000):
        v = v * 1.0 + 0.0
    v.backward()
    assert x.grad == 1.0
