"""Every boolean check that Chapter 3 prints can print False: each is evaluated here, as the
chapter writes it, on an input where it must be False."""

import pathlib

import numpy as np
import pytest

import handin
from handin import model
from handin.experiment import prepare

CHAPTER = (pathlib.Path(__file__).resolve().parents[2] / "notebooks" / "03_training.py").read_text()


def evaluate(expr, **names):
    """``expr``, which the chapter prints, evaluated on ``names``."""
    assert expr in CHAPTER, f"the chapter no longer prints {expr!r}: update this test"
    return eval(expr, {"np": np, "min": min}, names)   # noqa: S307 - the chapter's own text


def test_an_epoch_without_its_shuffle_is_not_the_same_W1_as_fits():
    split = prepare("sample", seed=0)
    X, y = split.X_train, split.y_train
    init = handin.init_params(784, 256, 10, seed=0, dtype=np.float32)
    params_fit, _ = handin.fit(X, y, split.X_val, split.y_val, epochs=1, seed=0, init=init)
    params = init
    for start in range(0, len(X), 32):                 # the rows in their order: no shuffle
        _, grads = model.cost_grad(X[start:start + 32], y[start:start + 32], params, 1e-4)
        params = {k: params[k] - 0.1 * grads[k] for k in params}
    assert not evaluate('np.allclose(params_fit["W1"], params["W1"], atol=1e-4)',
                        params_fit=params_fit, params=params)


# a run without weight decay whose cost hardly moves: the batches' points lie around the
# epoch's, the last epoch's mean is below the cross-entropy after it, the decay term is 0,
# and the first epoch's cost falls evenly
FLAT = np.linspace(2.3, 2.2, 10 * 107).reshape(10, 107)


@pytest.mark.parametrize("expr, names", [
    ("min(below[2:]) > 0.5", {"below": [0.9, 0.8, 0.7, 0.4, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]}),
    ("batches[-1].mean() > ce10", {"batches": FLAT, "ce10": 2.25}),
    ("decay10 > decay0", {"decay10": 0.0, "decay0": 0.0}),
    ("fall > 0.5", {"fall": (FLAT[0, 0] - FLAT[0, 20:30].mean())
                    / (FLAT[0, 0] - FLAT[0, -10:].mean())}),
])
def test_each_check_of_the_batch_costs_can_be_false(expr, names):
    assert not evaluate(expr, **names)


def test_the_fall_is_computed_as_the_chapter_computes_it():
    expr = "(batches[0, 0] - batches[0, 20:30].mean()) / (batches[0, 0] - batches[0, -10:].mean())"
    assert evaluate(expr, batches=FLAT) < 0.5
