"""Every boolean that chapter 2 (and its worked solutions) prints can print False, and the
theory of its dead-unit question holds.

Each check is read from the chapter's source (``test_checks_01.printed``) and evaluated with
the chapter's own functions — the teacher's ``my_forward``, ``my_cost``, ``my_backward`` and
``my_cost_grad`` — and with a ``my_backward`` that lost its 1/n: then section 4 must print
``allclose: False`` and section 5's gradient check of the student's functions ``False``.
"""

import pathlib
import re

import numpy as np
import pytest

import handin
from handin import model
from handin.course import edition

from _cells import output_lines
from test_checks_01 import holds, printed

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "notebooks" / "02_forward_backward.py"
SOLUTIONS = ROOT / "solutions" / "02_forward_backward.py"
NO_1_OVER_N = ("dZ2 = (P - one_hot(y, k)) / n", "dZ2 = (P - one_hot(y, k))")


def chapter_functions(*replace):
    """The chapter's imports and its ``def`` cells, run; ``replace`` pairs change the source."""
    text = CHAPTER.read_text(encoding="utf-8")
    for old, new in replace:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    cells = [src for kind, src in edition.edition_cells(text) if kind == "code"]
    namespace = {"__name__": "chapter_2"}
    exec(cells[0].replace("import matplotlib.pyplot as plt", ""), namespace)  # noqa: S102
    for src in cells:
        if src.startswith("def "):
            exec(src, namespace)  # noqa: S102 - the chapter's own functions
    return namespace


def small_problem():
    """Section 2's problem: n, d, h, k = 5, 6, 4, 3, c = 0.1, random biases."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(5, 6)), rng.integers(0, 3, size=5)
    params = handin.init_params(6, 4, 3, seed=1)
    params["b1"], params["b2"] = rng.normal(scale=0.5, size=4), rng.normal(scale=0.5, size=3)
    return X, y, params, 0.1


def test_section_5_checks_the_students_functions():
    text = CHAPTER.read_text(encoding="utf-8")
    assert text.count("grad_fn=my_cost_grad, cost_fn=my_cost") == 3   # section 5 twice, the kink
    assert {"my_forward", "my_cost", "my_backward", "my_cost_grad"} <= set(chapter_functions())


def _allclose():
    """Section 4's two ``allclose:`` checks: the cost's and each gradient's."""
    found = [expr for text, expr in printed(CHAPTER) if text.endswith("allclose:")]
    assert len(found) == 2, found
    return found


@pytest.mark.parametrize("broken", [False, True], ids=["right", "no 1/n"])
def test_sections_4_and_5_print_false_when_the_backward_pass_lost_its_1_over_n(broken):
    fns = chapter_functions(NO_1_OVER_N) if broken else chapter_functions()
    X, y, params, c = small_problem()
    J = fns["my_cost"](X, y, params, c)
    mine = fns["my_backward"](fns["my_forward"](X, params), y, params, c)
    J_pkg, grads = handin.cost_grad(X, y, params, c=c)
    cost_check, grad_check = _allclose()
    assert eval(cost_check, {"np": np, "J": J, "J_pkg": J_pkg})      # noqa: S307 - my_cost is right
    grads_ok = [eval(grad_check, {"np": np, "mine": mine, "grads": grads, "name": name})  # noqa: S307
                for name in model.PARAM_NAMES]
    assert not any(grads_ok) if broken else all(grads_ok)
    gc = handin.gradient_check(X, y, params, c=c, grad_fn=fns["my_cost_grad"],
                               cost_fn=fns["my_cost"])
    label = "every parameter: rel. error <= 1e-7 or max |diff| <= 1e-9:"
    exprs = [e for text, e in printed(CHAPTER) if text.endswith(label)]
    assert len(exprs) == 2 and {e.split(".")[0] for e in exprs} == {"check", "check_big"}
    for expr in exprs:      # the small problem's check and the MNIST size's
        assert eval(expr, {"check": gc, "check_big": gc}) is not broken  # noqa: S307


def test_a_mistake_in_the_cost_alone_fails_section_5_too():
    fns = chapter_functions(("return data_term + decay", "return data_term + 2 * decay"))
    X, y, params, c = small_problem()
    gc = handin.gradient_check(X, y, params, c=c, grad_fn=fns["my_cost_grad"],
                               cost_fn=fns["my_cost"])
    assert not gc.passed(1e-7)      # the differences of a wrong cost disagree with a right gradient


def test_the_kink_check_fails_for_b1_only_with_a_right_gradient():
    fns = chapter_functions()
    X, y, _, c = small_problem()
    X[0] = 0.0
    kink = handin.gradient_check(X, y, handin.init_params(6, 4, 3, seed=1), c=c,
                                 grad_fn=fns["my_cost_grad"], cost_fn=fns["my_cost"])
    verdict = {row.name: holds(CHAPTER, "< 1e-7:", row=row) for row in kink}
    assert verdict == {"W1": True, "b1": False, "W2": True, "b2": True}


# ---- the worked solutions ----

def printed_lines(path, label):
    """The committed output lines of ``path``'s notebook that hold ``label``."""
    return output_lines(path, re.escape(label))


def test_the_mask_check_of_the_solutions_prints_false_at_the_kink():
    lines = printed_lines(SOLUTIONS, "same gradient as Z1 > 0:")
    assert [line.split()[-1] for line in lines] == ["True", "True", "True", "False"], lines
    assert lines[-1].startswith("the kink example") and "Z1 >= 0" in lines[-1]


def test_the_augmented_bias_checks_fail_for_the_wrong_row():
    db2, b2, c_ = np.array([0.1, -0.2]), np.array([1.0, 2.0]), 0.1
    ns = dict(db2=db2, params={"b2": b2}, c_=c_)
    assert holds(SOLUTIONS, "last row == db2:", last_row=db2, **ns)
    assert not holds(SOLUTIONS, "last row == db2:", last_row=db2 + 2 * c_ * b2, **ns)
    assert holds(SOLUTIONS, "== db2 + 2c b2:", last_row=db2 + 2 * c_ * b2, **ns)
    assert not holds(SOLUTIONS, "== db2 + 2c b2:", last_row=db2, **ns)


# ---- the dead unit of section 3.6's question ----

def dead_unit_run(b1_u, c, steps=300, lr=0.5):
    """Gradient descent on a problem whose hidden unit 0 is off on every image at the start
    (non-negative pixels, negative weights): its bias set to ``b1_u``. Returns the history
    of the unit: ``[(W1[:, 0], b1[0], any Z1[:, 0] > 0)]`` after each step."""
    rng = np.random.default_rng(0)
    X, y = rng.uniform(size=(40, 6)), rng.integers(0, 3, size=40)
    params = handin.init_params(6, 4, 3, seed=1)
    params["W1"][:, 0], params["b1"][0] = -1.0, b1_u
    assert (X @ params["W1"][:, 0] + b1_u <= 0).all()           # dead on every image
    history = []
    for _ in range(steps):
        dead = not (model.forward(X, params)["Z1"][:, 0] > 0).any()
        _, g = model.cost_grad(X, y, params, c)
        if dead:                                                  # only the decay is left
            np.testing.assert_array_equal(g["b1"][0], 0.0)
            np.testing.assert_allclose(g["W1"][:, 0], 2 * c * params["W1"][:, 0], rtol=1e-12)
        params = {name: params[name] - lr * g[name] for name in params}
        history.append((params["W1"][:, 0].copy(), params["b1"][0],
                        bool((model.forward(X, params)["Z1"][:, 0] > 0).any())))
    return history


def test_a_dead_unit_with_a_positive_bias_is_revived_by_the_decay():
    history = dead_unit_run(b1_u=0.5, c=0.1)
    alive = [on for _, _, on in history]
    first = alive.index(True)                     # the unit switches on again ...
    assert 0 < first < 100
    w_first = history[first - 1][0]               # ... once its shrunk weights no longer
    np.testing.assert_allclose(w_first, -(1 - 2 * 0.5 * 0.1) ** first)   # outweigh the bias
    assert history[first - 1][1] == 0.5           # the bias never moved while it was dead


@pytest.mark.parametrize("b1_u, c", [(0.5, 0.0), (0.0, 0.1), (-0.5, 0.1)],
                         ids=["c = 0", "b1[u] = 0", "b1[u] < 0"])
def test_a_dead_unit_stays_dead_when_c_is_0_or_its_bias_is_not_positive(b1_u, c):
    history = dead_unit_run(b1_u=b1_u, c=c)
    assert not any(on for _, _, on in history)
    w, b, _ = history[-1]
    assert b == b1_u                              # the bias never moves
    if c == 0:
        np.testing.assert_array_equal(w, -1.0)    # nothing moves at all
    else:
        assert np.abs(w).max() < 1e-12            # the weights decay to 0, Z1 to b1[u] <= 0


# ---- every printed True or False is one of the checks above ----

TESTED = {CHAPTER: ["allclose:", "every parameter: rel. error <= 1e-7 or max |diff| <= 1e-9:",
                    "< 1e-7:"],
          SOLUTIONS: ["same gradient as Z1 > 0:", "last row == db2:", "== db2 + 2c b2:"]}


@pytest.mark.parametrize("path", list(TESTED), ids=lambda p: p.parent.name)
def test_every_printed_boolean_is_a_tested_check(path):
    lines = output_lines(path, r"\b(True|False)\b")
    assert lines, f"{path.name} prints no check any more: update TESTED"
    for line in lines:
        assert any(label in line for label in TESTED[path]), f"{path.name}: untested check {line!r}"
