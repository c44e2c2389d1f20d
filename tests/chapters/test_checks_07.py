"""Every boolean check that Chapter 7 prints can print False: each is evaluated here, as the
chapter writes it, on an input where it must be False; and the dead-unit checks
(handin.metrics.stayed_dead, dead_bias_at_most_zero) on runs where a unit does come back."""

import pathlib

import numpy as np
import pytest

from handin import fit, inits, model
from handin.metrics import came_back, dead_bias_at_most_zero, dead_units, stayed_dead

CHAPTER = (pathlib.Path(__file__).resolve().parents[2] / "notebooks"
           / "07_when_it_goes_wrong.py").read_text()


def evaluate(expr, **names):
    """``expr``, which the chapter prints, evaluated on ``names``."""
    assert expr in CHAPTER, f"the chapter no longer prints {expr!r}: update this test"
    return eval(expr, {"np": np, "max": max, "min": min, "abs": abs,   # noqa: S307
                       "stayed_dead": stayed_dead,
                       "dead_bias_at_most_zero": dead_bias_at_most_zero}, names)


def test_columns_drawn_at_random_do_not_agree_to_round_off():
    p = inits.normal_init(20, 6, 3, std=0.1, seed=0)
    spread = {"W1": np.ptp(p["W1"], axis=1).max(), "W2": np.ptp(p["W2"], axis=0).max()}
    for name in ("W1", "W2"):
        assert not evaluate("spread[name] <= 1e-12 * np.abs(p_same[name]).max()",
                            spread=spread, name=name, p_same=p)


GOOD = {"accuracy": 0.9, "cross-entropy": 0.3, "decay": 0.1, "top p on mistakes": 0.6}


@pytest.mark.parametrize("expr", [
    'abs(bad["accuracy"] - good["accuracy"]) < 0.1', 'bad["cross-entropy"] > 5 * good["cross-entropy"]',
    'bad["decay"] > 15', 'bad["top p on mistakes"] > 0.9'])
def test_each_comparison_of_the_large_start_can_be_false(expr):
    bad = {**GOOD, "accuracy": 0.1} if "accuracy" in expr else GOOD   # a start that fails
    assert not evaluate(expr, bad=bad, good=GOOD)


@pytest.mark.parametrize("expr, names", [
    ("max(last5) - min(last5) < 0.01", {"last5": [0.90, 0.91, 0.92, 0.93, 0.94]}),
    ("h_lin40.train_acc[-1] < h_net.train_acc[-1]",
     {"h_lin40": type("H", (), {"train_acc": [0.99]}), "h_net": type("H", (), {"train_acc": [0.98]})}),
    ("abs(h_lin40.val_acc[-1] - h_linear.val_acc[-1]) < 0.02",
     {"h_lin40": type("H", (), {"val_acc": [0.95]}), "h_linear": type("H", (), {"val_acc": [0.90]})}),
    ("dead[1.0][0][-1].mean() > 0.5", {"dead": {1.0: (np.zeros((5, 256), bool), None)}}),
    ("after.any()", {"after": np.zeros((5, 256), bool)}),
])
def test_each_check_of_the_linear_classifier_and_the_dead_units_can_be_false(expr, names):
    assert not evaluate(expr, **names)


def test_the_chapter_follows_each_unit_with_the_tested_functions():
    assert evaluate("stayed_dead(after)", after=np.array([[True, False], [False, False]])) is False
    assert evaluate("dead_bias_at_most_zero(after[-1], p['b1'])",
                    after=np.array([[True, False]]), p={"b1": np.array([0.5, -1.0])}) is False


def test_stayed_dead_is_false_when_none_died_or_one_came_back():
    assert not stayed_dead(np.zeros((3, 4), bool))                        # nothing to show
    assert not stayed_dead([[False, True], [False, False], [False, True]])   # one came back
    assert stayed_dead([[False, True], [True, True], [True, True]])
    np.testing.assert_array_equal(came_back([[False, True], [False, False]]), [False, True])
    with pytest.raises(ValueError, match="dead_after"):
        stayed_dead([1, 0])


def test_dead_bias_at_most_zero_is_false_with_no_dead_unit_or_a_positive_bias():
    assert not dead_bias_at_most_zero(np.zeros(3, bool), np.array([-1.0, -1.0, -1.0]))
    assert not dead_bias_at_most_zero(np.array([True, False, False]), np.array([0.1, -1, -1]))
    assert dead_bias_at_most_zero(np.array([True, False, True]), np.array([0.0, 5.0, -1.0]))
    with pytest.raises(ValueError, match="dead"):
        dead_bias_at_most_zero(np.array([1, 0, 0]), np.zeros(3))


def test_weight_decay_revives_a_dead_unit_with_a_positive_bias_and_not_one_with_a_negative():
    rng = np.random.default_rng(0)
    X = np.abs(rng.normal(size=(200, 12)))
    y = rng.integers(0, 3, size=200)
    p = model.init_params(12, 4, 3, seed=0)
    p["W1"][:, 0], p["b1"][0] = -1.0, 0.5      # dead (every row sums to far more than 0.5)
    p["W1"][:, 1], p["b1"][1] = -1.0, -0.5     # dead, bias below 0
    after = []
    fit(X, y, X, y, hidden=4, lr=0.5, c=0.05, batch_size=20, epochs=12, seed=0, init=p,
        dtype=np.float64, callback=lambda pr: after.append(dead_units(X, pr.params)))
    after = np.array(after)
    assert after[0, 0] and after[:, 1].all()          # both dead after the first epoch
    np.testing.assert_array_equal(came_back(after)[:2], [True, False])
    assert not stayed_dead(after)
