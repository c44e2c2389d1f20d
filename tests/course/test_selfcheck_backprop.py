"""The self-checks of Chapter 8: right code passes, each named mistake gets its verdict.

``MAKERS`` (check name -> a function of a bug name that returns the student's function with
that bug, None for right) is shared with tests/course/test_remote.py.
"""

import math

import numpy as np
import pytest

from handin import layers
from handin.course import (check_affine_backward, check_affine_forward, check_backprop,
                           check_cost_grad, check_local_derivatives, check_relu_backward,
                           check_relu_forward, check_softmax_head)
from handin.course.nbgrader import HIDDEN_SEED_POOL
from handin.course.selfcheck import StubLeft


def _named(fn, name):
    fn.__name__ = fn.__qualname__ = name
    return fn


def affine_forward(bug=None):
    def fn(A, W, b):
        return (A @ W if bug == "no bias" else A @ W + b), ((A, W) if bug != "cache" else A)
    return _named(fn, "affine_forward")


def affine_backward(bug=None):
    def fn(dZ, cache):
        A, W = cache
        n = len(A)
        dW = {"dW / n": A.T @ dZ / n, "dW transposed": dZ.T @ A}.get(bug, A.T @ dZ)
        db = {"db mean": dZ.mean(axis=0), "db axis 1": dZ.sum(axis=1),
              "db keepdims": dZ.sum(axis=0, keepdims=True)}.get(bug, dZ.sum(axis=0))
        dA = 0 * dZ @ W.T if bug == "dA zeros" else dZ @ W.T
        return dA, dW, db
    return _named(fn, "affine_backward")


def relu_forward(bug=None):
    def fn(Z):
        A = {"none": Z, "min": np.minimum(Z, 0), "abs": np.abs(Z)}.get(bug, np.maximum(Z, 0))
        return A, (Z if bug != "cache" else A)
    return _named(fn, "relu_forward")


def relu_backward(bug=None):
    def fn(dA, Z):
        mask = {"no mask": 1.0, "sign": Z < 0, "at 0": Z >= 0, "times Z": Z,
                "times relu": np.maximum(Z, 0)}.get(bug, Z > 0)
        return dA * mask
    return _named(fn, "relu_backward")


def softmax_ce(bug=None):
    def fn(Z, y):
        n, k = Z.shape
        S = Z - Z.max(axis=1, keepdims=True)
        log_P = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
        dZ = (np.exp(log_P) - np.eye(k)[y]) / (1 if bug == "no 1/n" else n)
        return -log_P[np.arange(n), y].mean(), dZ
    return _named(fn, "softmax_ce")


def cost_grad(bug=None):
    def fn(X, y, params, c):
        L = len(params) // 2
        if bug == "two layers":
            L = 2
        A, caches = X, []
        for l in range(1, L + 1):
            Z = A @ params[f"W{l}"] + params[f"b{l}"]
            caches.append((A, Z))
            A = np.maximum(Z, 0) if (l < L or bug == "relu last") else Z
        J, delta = softmax_ce()(A, y)
        grads = {}
        for l in range(L, 0, -1):
            A_in, Z = caches[l - 1]
            if l < L or bug == "relu last":
                delta = delta * (Z > 0)
            decay = {"no decay": 0, "cW": 1}.get(bug, 2) * c * params[f"W{l}"]
            grads[f"W{l}"] = A_in.T @ delta + decay
            grads[f"b{l}"] = delta.sum(axis=0) + (2 * c * params[f"b{l}"] if bug == "decayed b"
                                                  else 0)
            delta = delta @ params[f"W{l}"].T
            J += (0 if bug == "no decay J" else c) * np.sum(params[f"W{l}"] ** 2)
        return J, grads
    return _named(fn, "my_cost_grad")


def local_derivatives(bug=None):
    def fn(op, a, b=None):
        if op == "*":
            return (a, b) if bug == "swapped" else (b, a)
        if op == "+":
            return (1.0,) if bug == "one" else (1.0, 1.0)
        if op == "log":
            return (math.log(a),) if bug == "log value" else (1 / a,)
        if op == "relu":
            return (float(a >= 0),) if bug == "relu at 0" else (float(a > 0),)
        return (math.exp(a),)
    return _named(fn, "local_derivatives")


def graph_gradients(bug=None):
    """The chapter's graph_gradients around a driver (the local derivatives right)."""
    def fn(inputs, ops):
        data, parents = list(inputs), [()] * len(inputs)
        local = [()] * len(inputs)
        for op, i, j in ops:
            a, b = data[i], data[j] if j is not None else None
            data.append({"+": lambda: a + b, "*": lambda: a * b, "exp": lambda: math.exp(a),
                         "log": lambda: math.log(a), "relu": lambda: max(a, 0.0)}[op]())
            parents.append((i,) if j is None else (i, j))
            local.append(local_derivatives()(op, a, b) if j is not None
                         else local_derivatives()(op, a))
        order, seen = [], set()

        def visit(v):
            if bug == "repeats" or v not in seen:
                seen.add(v)
                for p in parents[v]:
                    visit(p)
                order.append(v)
        visit(len(data) - 1)
        grads = [0.0] * len(data)
        grads[-1] = 0.0 if bug == "no seed" else 1.0
        for v in (order if bug == "forward order" else reversed(order)):
            for p, d in zip(parents[v], local[v]):
                grads[p] = d * grads[v] if bug == "overwrite" else grads[p] + d * grads[v]
        return data, grads, (order[::-1] if bug == "reversed order" else order)
    return _named(fn, "graph_gradients")


# check name -> (check, maker, {bug: words of its verdict})
MAKERS = {
    "check_affine_forward": (check_affine_forward, affine_forward,
                             {"no bias": "missing the bias", "cache": "cache is not"}),
    "check_affine_backward": (check_affine_backward, affine_backward,
                              {"dW / n": "dW is divided by n", "dW transposed": "transposed",
                               "db mean": "db averages", "db axis 1": "wrong axis",
                               "db keepdims": "keepdims", "dA zeros": "dA is wrong"}),
    "check_relu_forward": (check_relu_forward, relu_forward,
                           {"none": "ReLU is missing", "min": "negative part",
                            "abs": "is |Z|", "cache": "cache is not"}),
    "check_relu_backward": (check_relu_backward, relu_backward,
                            {"no mask": "mask is missing", "sign": "wrong sign",
                             "at 0": "where Z = 0", "times Z": "ReLU's input",
                             "times relu": "ReLU's output"}),
    "check_softmax_head": (check_softmax_head, softmax_ce, {"no 1/n": "n times too large"}),
    "check_cost_grad": (check_cost_grad, cost_grad,
                        {"two layers": "it lacks W3, b3", "relu last": "pass through a ReLU",
                         "no decay": "has no decay term", "cW": "is c W",
                         "decayed b": "is decayed", "no decay J": "J has no decay term"}),
    "check_local_derivatives": (check_local_derivatives, local_derivatives,
                                {"swapped": "swapped", "one": "two inputs",
                                 "log value": "given as log a", "relu at 0": "at a = 0"}),
    "check_backprop": (check_backprop, graph_gradients,
                       {"repeats": "more than once", "no seed": "every gradient is 0",
                        "forward order": "not in reverse", "overwrite": "added, not written",
                        "reversed order": "before one of its parents"}),
}
CASES = [(name, bug, words) for name, (_, _, bugs) in MAKERS.items()
         for bug, words in bugs.items()]


@pytest.mark.parametrize("name", MAKERS)
@pytest.mark.parametrize("seed", [0, *HIDDEN_SEED_POOL[:3]])
def test_right_code_passes(name, seed):
    check, make, _ = MAKERS[name]
    result = check(make(), seed=seed)
    assert result.ok, result


@pytest.mark.parametrize("name, bug, words", CASES, ids=[f"{n}-{b}" for n, b, _ in CASES])
def test_each_mistake_gets_its_verdict(name, bug, words):
    check, make, _ = MAKERS[name]
    result = check(make(bug))
    assert not result.ok and words in str(result), result


@pytest.mark.parametrize("name", MAKERS)
def test_a_stub_stops_the_check_with_its_own_message(name):
    check, make, _ = MAKERS[name]

    def stub(*args, **kwargs):
        raise NotImplementedError("write the body")
    stub.__name__ = make().__name__
    with pytest.raises(StubLeft, match="^write the body$"):
        check(stub)


def test_the_network_check_refuses_handins_layers():
    def my_cost_grad(X, y, params, c):
        import handin
        return handin.cost_grad(X, y, params, c)
    assert "calls handin.cost_grad: write it yourself" in str(check_cost_grad(my_cost_grad))
    assert layers.Linear.backward.__name__ == "backward"
