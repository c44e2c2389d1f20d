"""The hidden tests' problems have other shapes: an answer hard-coded to the visible
problem's shapes (seed 0) passes the visible check and fails the hidden ones (seeds 11, 12)."""

import functools

import numpy as np
import pytest

from handin import model
from handin.course import _hints, selfcheck, selfcheck_backprop
from handin.course import selfcheck_metrics, selfcheck_training
from handin.course.nbgrader import HIDDEN_SEEDS
from handin.model import log_softmax, one_hot, softmax


def test_seed_0_keeps_the_visible_sizes_and_other_seeds_change_every_one():
    assert _hints.dims(0) == (5, 6, 4, 3)
    for seed in (*HIDDEN_SEEDS, 1, 2, 3):
        sizes = _hints.dims(seed)
        assert all(a != b for a, b in zip(sizes, (5, 6, 4, 3))) and len(set(sizes)) == 4
        assert sizes == _hints.dims(seed)             # the same seed, the same sizes
    X, y, params = selfcheck.problem(seed=0)
    assert X.shape == (5, 6) and params["W1"].shape == (6, 4) and params["W2"].shape == (4, 3)


# Each: a correct function but for one size written as seed 0's number; with
# ``fixed=True`` the size is read from the arrays, and the function is right.
def forward_h4(X, params, fixed=False):
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.maximum(Z1, 0).reshape(-1, Z1.shape[1] if fixed else 4)     # h = 4
    Z2 = A1 @ params["W2"] + params["b2"]
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "P": softmax(Z2)}


def cost_k3(X, y, params, c, fixed=False):
    log_P = log_softmax(model.forward(X, params)["Z2"])
    J = -(log_P * one_hot(y, log_P.shape[1] if fixed else 3)).sum(axis=1).mean()   # k = 3
    return J + c * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))


def backward_k3(cache, y, params, c, fixed=False):
    n, k = cache["P"].shape
    dZ2 = (cache["P"] - one_hot(y, k if fixed else 3)) / n
    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0)
    return {"W2": cache["A1"].T @ dZ2 + 2 * c * params["W2"], "b2": dZ2.sum(axis=0),
            "W1": cache["X"].T @ dZ1 + 2 * c * params["W1"], "b1": dZ1.sum(axis=0)}


def softmax_loss_k3(Z, y, fixed=False):
    n, k = Z.shape
    S = Z - Z.max(axis=1, keepdims=True)
    log_P = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    return -log_P[np.arange(n), y].mean(), (np.exp(log_P) - one_hot(y, k if fixed else 3)) / n


def linear_k3(X, y, params, c, fixed=False):
    W, b, n = params["W"], params["b"], len(X)
    dZ = (softmax(X @ W + b) - one_hot(y, W.shape[1] if fixed else 3)) / n
    J = -log_softmax(X @ W + b)[np.arange(n), y].mean() + c * np.sum(W ** 2)
    return J, {"W": X.T @ dZ + 2 * c * W, "b": dZ.sum(axis=0)}


def epoch_n23(params, X, y, lr, c, batch_size, rng, fixed=False):
    n = len(X) if fixed else 23
    perm = rng.permutation(n)
    for start in range(0, n, batch_size):
        idx = perm[start:start + batch_size]
        _, grads = model.cost_grad(X[idx], y[idx], params, c)
        params = {k: params[k] - lr * grads[k] for k in params}
    return params


def confusion_k6(y_true, y_pred, n_classes, fixed=False):
    k = n_classes if fixed else 6
    C = np.zeros((k, k), dtype=int)
    np.add.at(C, (y_true, y_pred), 1)
    return C


def mistakes_n17(P, y, n, fixed=False):
    rows = len(y) if fixed else 17
    wrong = np.flatnonzero(P[:rows].argmax(axis=1) != y[:rows])
    return wrong[np.argsort(-P[wrong].max(axis=1), kind="stable")][:n]


def affine_backward_n5(dZ, cache, fixed=False):
    A, W = cache
    ones = np.ones(len(dZ) if fixed or len(dZ) == 1 else 5)     # n = 5 and n = 1 visible
    return dZ @ W.T, A.T @ dZ, ones @ dZ


def relu_backward_n5(dA, Z, fixed=False):
    return dA * (Z.reshape(len(Z) if fixed or len(Z) == 1 else 5, -1) > 0)


HARD_CODED = [(selfcheck.check_forward, forward_h4), (selfcheck.check_cost, cost_k3),
              (selfcheck.check_backward, backward_k3),
              (selfcheck.check_softmax_loss, softmax_loss_k3),
              (selfcheck.check_linear_cost_grad, linear_k3),
              (selfcheck_training.check_epoch, epoch_n23),
              (selfcheck_metrics.check_confusion_matrix, confusion_k6),
              (selfcheck_metrics.check_confident_mistakes, mistakes_n17),
              (selfcheck_backprop.check_affine_backward, affine_backward_n5),
              (selfcheck_backprop.check_relu_backward, relu_backward_n5)]


def _versions(fn):
    """The hard-coded function and the fixed one."""
    return fn, functools.wraps(fn)(functools.partial(fn, fixed=True))


@pytest.mark.parametrize("check, fn", HARD_CODED, ids=[c.__name__ for c, _ in HARD_CODED])
def test_an_answer_hard_coded_to_the_visible_shapes_fails_the_hidden_tests(check, fn):
    hard, fixed = _versions(fn)
    assert check(hard).ok, check(hard)
    for seed in HIDDEN_SEEDS:
        assert not check(hard, seed=seed).ok, seed
        assert check(fixed, seed=seed).ok, check(fixed, seed=seed)


def test_the_problems_sizes_follow_the_seed():
    for seed in (0, *HIDDEN_SEEDS):
        n, d, h, k = _hints.dims(seed)
        X, y, params = selfcheck.problem(seed=seed)
        assert X.shape == (n, d) and params["W1"].shape == (d, h) and params["b2"].shape == (k,)
        params, X, y = selfcheck_training.epoch_problem(seed=seed)
        assert len(X) % 5 and set(np.unique(y)) == set(range(params["b2"].size))
        y_true, y_pred, P = selfcheck_metrics.label_problem(seed=seed)
        k = P.shape[1]
        assert k - 1 not in y_true and k - 1 not in y_pred
