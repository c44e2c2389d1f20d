"""Chapter 7's He initialisation and dead-unit checks: each mistake gets its own diagnosis;
hard-coded answers fail the hidden seeds. (Chapter 3's validation target:
test_selfcheck_training.py.)"""

import functools

import numpy as np
import pytest

import handin
from handin.course.nbgrader import HIDDEN_SEEDS
from handin.course import check_dead_units, check_he_init
from handin.course.selfcheck_init import dead_problem


def he_init(d, h, k, seed, bug=None):
    var = {"1/fan_in": lambda i, o: 1 / i, "fan_out": lambda i, o: 2 / o,
           "glorot": lambda i, o: 2 / (i + o), "variance as std": lambda i, o: (2 / i) ** 2
           }.get(bug, lambda i, o: 2 / i)
    rng = np.random.default_rng(0 if bug == "seed ignored" else seed)
    if bug == "global rng":
        np.random.seed(seed)
    draw = np.random.normal if bug == "global rng" else rng.normal
    W1, W2 = draw(0, np.sqrt(var(d, h)), (d, h)), draw(0, np.sqrt(var(h, k)), (h, k))
    b1 = np.full(h, 0.01) if bug == "biases" else np.zeros(h)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": np.zeros(k)}


HE_BUGS = {"1/fan_in": "is 1/fan_in, the rule for a layer", "fan_out": "is 2/fan_out",
           "glorot": "Glorot's", "variance as std": "passed as the standard deviation",
           "biases": "b1 is not zero", "global rng": "global generator",
           "seed ignored": "the seed is ignored"}


@pytest.mark.parametrize("bug", sorted(HE_BUGS))
def test_each_he_init_mistake_is_named(bug):
    for seed in (0, *HIDDEN_SEEDS):
        assert check_he_init(he_init, seed=seed).ok
        text = str(check_he_init(functools.partial(he_init, bug=bug), seed=seed))
        assert text.startswith("✗") and HE_BUGS[bug] in text, text


def test_the_he_check_refuses_handins_init_params():
    def my_he_init(d, h, k, seed):
        return handin.layers.init_params([d, h, k], "he", seed=seed)
    assert "my_he_init calls handin.layers.init_params: write it yourself" in str(
        check_he_init(my_he_init))


def dead_units(X, params, bug=None):
    Z1 = X @ params["W1"] + (0 if bug == "no bias" else params["b1"])
    off = Z1 < 0 if bug == "strict" else Z1 <= 0
    if bug == "entries":
        return int(off.sum())
    return int((off.any(axis=0) if bug == "any" else off.all(axis=1 if bug == "rows" else 0)).sum())


DEAD_BUGS = {"strict": "Z1 = 0 on every row was not counted", "no bias": "the bias b1 is left out",
             "any": "0 on some rows; dead means on every row", "rows": "rows are counted, not units",
             "entries": "every (row, unit) entry"}


@pytest.mark.parametrize("bug", sorted(DEAD_BUGS))
def test_each_dead_unit_mistake_is_named(bug):
    assert check_dead_units(dead_units).ok
    text = str(check_dead_units(functools.partial(dead_units, bug=bug)))
    assert text.startswith("✗") and DEAD_BUGS[bug] in text, text
    for seed in HIDDEN_SEEDS:
        assert check_dead_units(dead_units, seed=seed).ok
        assert not check_dead_units(functools.partial(dead_units, bug=bug), seed=seed).ok


def test_hard_coded_answers_fail_the_hidden_problems():
    X, params = dead_problem()
    answer = dead_units(X, params)
    assert check_dead_units(lambda X, params: answer).ok
    assert not any(check_dead_units(lambda X, params: answer, seed=s).ok for s in HIDDEN_SEEDS)

    def he_300_100_40(d, h, k, seed):          # seed 0's sizes hard-coded
        return he_init(300, 100, 40, seed)
    assert check_he_init(he_300_100_40).ok
    assert not any(check_he_init(he_300_100_40, seed=s).ok for s in HIDDEN_SEEDS)
