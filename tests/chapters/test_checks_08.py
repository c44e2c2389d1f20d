"""Every boolean check that Chapter 8 prints can fail: each test runs the chapter's own
cells (read from notebooks/08_backprop_the_algorithm.py) on an input where the check must
print False: a student's function with a mistake, or results that miss the claim."""

import contextlib
import io
import math
import pathlib
import re

import numpy as np

import handin
from handin import gradcheck, layers
from handin.gradcheck import same_cost_grad

CHAPTER = (pathlib.Path(__file__).resolve().parents[2] / "notebooks"
           / "08_backprop_the_algorithm.py").read_text(encoding="utf-8")
CELLS = re.split(r"^# %%.*\n", CHAPTER, flags=re.M)


def cell(fragment):
    """The chapter's one code cell that holds ``fragment``."""
    found = [c for c in CELLS if fragment in c and not c.startswith("# ")]
    assert len(found) == 1, (fragment, len(found))
    return found[0]


def run(fragments, **namespace):
    """Run the chapter's cells holding ``fragments``, in order; the printed text."""
    ns = {"np": np, "math": math, "handin": handin, "gradcheck": gradcheck, "layers": layers,
          "same_cost_grad": same_cost_grad, **namespace}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for fragment in fragments:
            exec(cell(fragment), ns)                                  # noqa: S102
    return out.getvalue()


def right_layers():
    ns = {"np": np}
    for name in ("def affine_forward", "def affine_backward", "def relu_forward",
                 "def relu_backward", "def softmax_ce", "def my_cost_grad"):
        exec(cell(name), ns)                                          # noqa: S102
    return ns


def test_the_right_layers_print_true_and_a_wrong_backward_false():
    ns = right_layers()
    right = run(["affine_table = gradcheck.compare", "affine layer, every input"], **ns)
    assert right.strip().endswith("True")
    ns["affine_backward"] = lambda dZ, cache: (dZ @ cache[1].T, cache[0].T @ dZ,
                                               dZ.mean(axis=0))
    assert run(["affine_table = gradcheck.compare", "affine layer, every input"],
               **ns).strip().endswith("False")


def test_the_relu_check_prints_false_for_a_wrong_mask():
    ns = {**right_layers(), "rng": np.random.default_rng(0)}
    assert run(["ReLU, rel. error"], **ns).strip().endswith("True")
    ns = {**ns, "rng": np.random.default_rng(0), "relu_backward": lambda dA, Z: dA * (Z < 0)}
    assert run(["ReLU, rel. error"], **ns).strip().endswith("False")


def test_the_network_checks_print_false_for_a_missing_decay():
    X = np.random.default_rng(0).random((40, 784))
    y = np.arange(40) % 10
    ns = right_layers()
    ns["my_cost_grad"] = _without_decay(ns["my_cost_grad"])
    out = run(["J_mine, g_mine = my_cost_grad", "X_small, y_small ="], X=X, y=y, **ns)
    lines = out.strip().splitlines()
    assert len(lines) == 4 and lines[0].endswith("False"), out
    assert all(line.endswith("True") for line in lines[1:]), out   # consistent with its cost


def _without_decay(fn):
    def wrong(X, y, params, c):
        J, g = fn(X, y, params, 0.0)
        return J, g
    return wrong


def test_the_gradient_check_of_a_network_prints_false_for_a_wrong_gradient():
    X = np.random.default_rng(0).random((40, 784))
    y = np.arange(40) % 10
    ns = right_layers()
    right = ns["my_cost_grad"]

    def half(X, y, params, c):
        J, g = right(X, y, params, c)
        return J, {k: v / 2 for k, v in g.items()}
    out = run(["X_small, y_small ="], X=X, y=y, **{**ns, "my_cost_grad": half})
    assert [line.endswith("False") for line in out.strip().splitlines()] == [True] * 3, out


def _autodiff(local=None):
    ns = {"np": np, "math": math}
    for name in ("class MyValue", "def _wrap", "def local_derivatives", "def topo_order",
                 "def backprop"):
        exec(cell(name), ns)                                          # noqa: S102
    if local:
        ns["local_derivatives"] = local
    return ns


def test_the_autodiff_checks_print_false_for_swapped_product_derivatives():
    ns = _autodiff()
    right = ns["local_derivatives"]
    out = run(["a, b = MyValue(2.0)", "def value_cost", "X_tiny, y_tiny =",
               "g_values = {k:"], **ns)
    assert [line.split()[-1] for line in out.strip().splitlines() if line.endswith(
        ("True", "False"))] == ["True", "True"], out

    def swapped(op, a, b=None):
        return (a, b) if op == "*" else right(op, a, b) if b is not None else right(op, a)
    ns = _autodiff(swapped)
    out = run(["a, b = MyValue(2.0)", "def value_cost", "X_tiny, y_tiny =",
               "g_values = {k:"], **ns)
    assert [line.split()[-1] for line in out.strip().splitlines() if line.endswith(
        ("True", "False"))] == ["False", "False"], out


def test_the_cross_entropy_and_training_checks_print_false_when_the_claims_miss():
    behind = {"cross-entropy": [(2.0, 0.5)] * 3, "squared error": [(1.0, 0.8)] * 3}
    # behind after one epoch, 0.3 apart after three, and a lower cost for the squared error
    out = run(["(J_ce, acc_ce), (J_se, acc_se) ="], curves=behind)
    assert [line.split()[-1] for line in out.strip().splitlines()] == ["False"] * 3
    apart = {(L, init): cost for L in (2, 4, 8) for init, cost in
             (("report", 0.5), ("glorot", 1.0), ("he", 1.0))}
    out = run(["costs2 = [after_one"], after_one=apart,
              STARTS={"report": "book", "glorot": "Glorot", "he": "He"})
    assert [line.split()[-1] for line in out.strip().splitlines()] == ["False", "False"]
