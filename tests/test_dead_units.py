"""handin.metrics.dead_units: a unit is dead when its ReLU output is 0 on every row."""

import numpy as np
import pytest

from handin import fit, model
from handin.metrics import dead_units


def test_counts_units_that_never_fire(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 6))
    p = model.init_params(6, 8, 3, seed=1)
    p["b1"][[2, 5]] = -1e3                     # these two can never fire on such X
    p["W1"][:, 7] = 0.0                        # Z1[:, 7] = b1[7] = 0: not > 0, dead
    monkeypatch.setattr("handin.metrics._BLOCK", 7)    # several blocks, uneven last one
    dead = dead_units(X, p)
    assert dead.dtype == bool and dead.shape == (8,)
    Z1 = model.forward(X, p)["Z1"]
    np.testing.assert_array_equal(dead, (Z1 <= 0).all(axis=0))
    assert dead[[2, 5, 7]].all()


def test_one_row_that_fires_keeps_a_unit_alive():
    p = {"W1": np.array([[1.0, 1.0]]), "b1": np.array([-2.0, -5.0]),
         "W2": np.zeros((2, 2)), "b2": np.zeros(2)}
    X = np.array([[0.0], [1.0], [3.0]])        # unit 0 fires on the last row only
    np.testing.assert_array_equal(dead_units(X, p), [False, True])
    np.testing.assert_array_equal(dead_units(X[:2], p), [True, True])


def test_a_dead_unit_keeps_its_incoming_weights_during_training():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    y = rng.integers(0, 3, size=120)
    init = model.init_params(5, 6, 3, seed=0)
    init["b1"][4] = -1e3
    params, _ = fit(X, y, X[:20], y[:20], hidden=6, c=0.0, epochs=2, dtype=np.float64, init=init)
    assert dead_units(X, params)[4]
    np.testing.assert_array_equal(params["W1"][:, 4], init["W1"][:, 4])
    assert not np.array_equal(params["W1"][:, 0], init["W1"][:, 0])


def test_bad_input_names_itself():
    p = model.init_params(4, 3, 2, seed=0)
    with pytest.raises(ValueError, match="X has 5 features but W1 expects 4"):
        dead_units(np.ones((2, 5)), p)
    with pytest.raises(ValueError, match="X must hold at least one row"):
        dead_units(np.ones((0, 4)), p)
    with pytest.raises(ValueError, match="params is missing b1"):
        dead_units(np.ones((2, 4)), {"W1": p["W1"], "W2": p["W2"], "b2": p["b2"]})
