"""Every boolean that chapter 1 (and its worked solutions) prints can print False.

Each check is read from the chapter's source (the expression printed after its label), so a
change of the chapter's check changes what is tested here; it is then evaluated on inputs
where it must hold and on inputs where it must fail. A last test finds every line of the
committed outputs that shows True or False and asks that its check is one of those tested.
"""

import ast
import pathlib

import numpy as np
import pytest

import handin
from _cells import output_lines
from handin.gradcheck import numerical_gradient
from handin.model import log_softmax, one_hot

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "notebooks" / "01_softmax_cross_entropy.py"
SOLUTIONS = ROOT / "solutions" / "01_softmax_cross_entropy.py"


def printed(path):
    """``[(label, expression source)]`` for every value printed by a ``print`` call of
    ``path``: the label is the text printed just before the value."""
    pairs = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"):
            continue
        text = ""
        for arg in node.args:
            for part in (arg.values if isinstance(arg, ast.JoinedStr) else [arg]):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    text += part.value
                else:
                    expr = part.value if isinstance(part, ast.FormattedValue) else part
                    pairs.append((text.strip(), ast.unparse(expr)))
                    text = ""
    return pairs


def check(path, label):
    """The one expression printed after a label that ends with ``label``."""
    found = [expr for text, expr in printed(path) if text.endswith(label)]
    assert len(found) == 1, f"{path.name}: {len(found)} checks printed after {label!r}"
    return found[0]


def holds(path, label, **namespace):
    """The check printed after ``label``, evaluated with ``namespace``: a bool."""
    value = eval(check(path, label), {"np": np, **namespace})  # noqa: S307 - the chapter's check
    assert isinstance(value, (bool, np.bool_)), (label, value)
    return bool(value)


# ---- the chapter ----

def _problem():
    """Section 5's logits and labels, its exact gradient and its central differences."""
    rng = np.random.default_rng(0)
    n, k = 4, 3
    Z2, y = rng.normal(scale=2.0, size=(n, k)), rng.integers(0, k, size=n)
    J = lambda logits: handin.model.cross_entropy(logits["Z2"], y)  # noqa: E731
    approx = np.array([numerical_gradient(J, {"Z2": Z2.copy()}, "Z2", i)
                       for i in range(Z2.size)]).reshape(n, k)
    return Z2, y, approx


def test_the_numerical_check_of_section_5_fails_for_a_wrong_formula():
    Z2, y, approx = _problem()
    P, Y = handin.softmax(Z2), one_hot(y, 3)
    assert holds(CHAPTER, "|diff| < 1e-10:", dZ2=(P - Y) / len(y), approx=approx)
    assert not holds(CHAPTER, "|diff| < 1e-10:", dZ2=P - Y, approx=approx)        # no 1/n
    assert not holds(CHAPTER, "|diff| < 1e-10:", dZ2=(Y - P) / len(y), approx=approx)


def _loss(Z, y, reduce=np.mean, scale=True):
    log_p = log_softmax(Z)
    n, k = Z.shape
    dZ = (np.exp(log_p) - one_hot(y, k)) / (n if scale else 1)
    return -reduce(log_p[np.arange(n), y]), dZ


def test_loops_and_vectorised_are_told_apart_when_one_is_wrong():
    rng = np.random.default_rng(1)
    Z, y = rng.normal(scale=3.0, size=(500, 10)), rng.integers(0, 10, size=500)
    (loss_l, dZ_l), (loss_v, dZ_v) = _loss(Z, y), _loss(Z, y)
    assert holds(CHAPTER, "same loss:", loss_l=loss_l, loss_v=loss_v)
    assert holds(CHAPTER, "same dZ:", dZ_l=dZ_l, dZ_v=dZ_v)
    loss_sum, dZ_no_n = _loss(Z, y, reduce=np.sum)[0], _loss(Z, y, scale=False)[1]
    assert not holds(CHAPTER, "same loss:", loss_l=loss_l, loss_v=loss_sum)
    assert not holds(CHAPTER, "same dZ:", dZ_l=dZ_l, dZ_v=dZ_no_n)


def test_the_students_gradient_check_fails_when_dz_and_the_loss_disagree():
    label = "your dZ = central differences of your loss (|diff| < 1e-9):"
    rng = np.random.default_rng(1)
    Z5, y5 = rng.normal(scale=3.0, size=(500, 10))[:5], rng.integers(0, 10, size=500)[:5]
    for loss_fn, agree in [(_loss, True),                                        # right
                           (lambda Z, y: (_loss(Z, y)[0], _loss(Z, y, scale=False)[1]), False),
                           (lambda Z, y: (_loss(Z, y, reduce=np.sum)[0], _loss(Z, y)[1]), False)]:
        J = lambda logits: loss_fn(logits["Z"], y5)[0]  # noqa: E731
        approx5 = np.array([numerical_gradient(J, {"Z": Z5.copy()}, "Z", i) for i in range(Z5.size)])
        assert holds(CHAPTER, label, dZ5=loss_fn(Z5, y5)[1], approx5=approx5, Z5=Z5) is agree


def test_the_speed_check_fails_below_ten_times():
    assert holds(CHAPTER, "vectorised at least 10 times faster:", speedup=208.0)
    assert holds(CHAPTER, "vectorised at least 10 times faster:", speedup=10.0)
    assert not holds(CHAPTER, "vectorised at least 10 times faster:", speedup=9.5)


# ---- the worked solutions ----

def test_the_jacobian_check_fails_for_a_wrong_jacobian():
    z = np.array([2.0, 1.0, -1.0])
    p = handin.softmax(z[None, :])[0]
    entry = lambda j: (lambda theta: handin.softmax(theta["z"][None, :])[0, j])  # noqa: E731
    approx = np.array([[numerical_gradient(entry(j), {"z": z.copy()}, "z", i)
                        for i in range(3)] for j in range(3)])
    label = "matches central differences (atol 1e-9):"
    assert holds(SOLUTIONS, label, jacobian=np.diag(p) - np.outer(p, p), approx=approx)
    assert not holds(SOLUTIONS, label, jacobian=np.diag(p), approx=approx)   # no p p^T


def test_the_shift_and_scale_checks_fail_where_they_must():
    rng = np.random.default_rng(0)
    Z2 = rng.normal(scale=2.0, size=(4, 3))
    P = handin.softmax(Z2)
    label = "softmax(Z + a) == softmax(Z):"
    assert holds(SOLUTIONS, label, handin=handin, Z2=Z2, a=3.0, P=P)
    scale = type("Scaled", (), {"softmax": staticmethod(lambda Z: handin.softmax(2 * Z))})
    assert not holds(SOLUTIONS, label, handin=scale, Z2=Z2, a=3.0, P=P)  # not shift-invariant
    top = one_hot(Z2.argmax(axis=1), 3)
    label = "t = 100: softmax(t Z) is the one-hot row of the largest logit (atol 1e-6):"
    assert holds(SOLUTIONS, label, handin=handin, Z2=Z2, top=top)
    assert not holds(SOLUTIONS, label, handin=handin, Z2=Z2 / 100, top=top)   # too small a factor
    label = "t = 0.01: softmax(t Z) is within 0.05 of 1/k:"
    assert holds(SOLUTIONS, label, handin=handin, Z2=Z2, k=3)
    assert not holds(SOLUTIONS, label, handin=handin, Z2=100 * Z2, k=3)        # too large a factor


def test_the_v_shape_checks_fail_for_a_curve_without_the_v():
    epsilons = 10.0 ** -np.arange(1, 13)
    v = list(np.maximum(epsilons ** 2, 1e-16 / epsilons))           # the V: best near 1e-5
    flat = [1e-9] * len(epsilons)                                     # no V at all
    for label, _ in [("large eps (1e-1): error above 1e-5:", 0),
                     ("tiny eps (1e-12): error above 1e-6:", 0)]:
        assert holds(SOLUTIONS, label, worst=v)
        assert not holds(SOLUTIONS, label, worst=flat)
    label = "best eps between 1e-7 and 1e-3:"
    assert holds(SOLUTIONS, label, best=epsilons[int(np.argmin(v))])
    assert not holds(SOLUTIONS, label, best=epsilons[-1])


def test_the_soft_target_check_fails_for_targets_that_do_not_sum_to_one():
    z = np.array([2.0, 1.0, -1.0])
    p = handin.softmax(z[None, :])[0]
    for t, right in [(np.array([0.7, 0.2, 0.1]), True), (np.array([0.7, 0.2, 0.3]), False)]:
        E = lambda theta: -(t * log_softmax(theta["z"][None, :])[0]).sum()  # noqa: E731
        approx = np.array([numerical_gradient(E, {"z": z.copy()}, "z", i) for i in range(3)])
        assert holds(SOLUTIONS, "central differences agree:", approx=approx, p=p, t=t) is right


# ---- every printed True or False is one of the checks above ----

TESTED = {CHAPTER: ["|diff| < 1e-10:", "same loss:", "same dZ:",
                    "your dZ = central differences of your loss (|diff| < 1e-9):",
                    "vectorised at least 10 times faster:"],
          SOLUTIONS: ["matches central differences (atol 1e-9):", "softmax(Z + a) == softmax(Z):",
                      "t = 100: softmax(t Z) is the one-hot row of the largest logit (atol 1e-6):",
                      "t = 0.01: softmax(t Z) is within 0.05 of 1/k:",
                      "large eps (1e-1): error above 1e-5:", "tiny eps (1e-12): error above 1e-6:",
                      "best eps between 1e-7 and 1e-3:", "central differences agree:"]}


@pytest.mark.parametrize("path", list(TESTED), ids=lambda p: p.parent.name)
def test_every_printed_boolean_is_a_tested_check(path):
    lines = output_lines(path, r"\b(True|False)\b")
    assert lines, f"{path.name} prints no check any more: update TESTED"
    for line in lines:
        assert any(label in line for label in TESTED[path]), f"{path.name}: untested check {line!r}"
    for label in TESTED[path]:
        check(path, label)          # each tested check is still printed, once
