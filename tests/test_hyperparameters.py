"""Defaults and ranges are defined once (handin.hyperparameters); errors carry the parameter."""

import math

import numpy as np
import pytest

from handin import hyperparameters as hp
from handin import ParameterError, ParameterTypeError, scale


def test_the_defaults_are_the_exercises_and_lie_in_their_ranges():
    assert hp.DEFAULTS.as_dict() == dict(hidden=256, lr=0.1, c=1e-4, batch_size=32, epochs=10,
                                         seed=0)
    for name, value in hp.DEFAULTS.as_dict().items():
        assert hp.check(name, value) == value


@pytest.mark.parametrize("name, bad", [("hidden", 0), ("hidden", 65537), ("lr", 0.0),
                                       ("lr", -1.0), ("lr", math.inf), ("c", -1e-9),
                                       ("batch_size", 0), ("epochs", 0), ("epochs", 100_001),
                                       ("seed", -1)])
def test_out_of_range_names_the_parameter_and_the_range(name, bad):
    with pytest.raises(ParameterError) as info:
        hp.check(name, bad)
    assert info.value.param == name
    assert str(info.value).startswith(f"{name} must be {hp.RANGES[name].text}, got ")


@pytest.mark.parametrize("name, bad", [("hidden", 2.5), ("lr", "0.1"), ("epochs", True)])
def test_a_wrong_type_is_both_a_type_error_and_a_parameter_error(name, bad):
    with pytest.raises(ParameterTypeError) as info:
        hp.check(name, bad)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    assert info.value.param == name


def test_a_tighter_upper_bound_for_this_data():
    assert hp.check("batch_size", 100, high=100) == 100
    with pytest.raises(ParameterError, match=r"batch_size must be an int in the range \[1, 100\]"):
        hp.check("batch_size", 101, high=100)
    # the tighter bound never loosens a fixed one
    with pytest.raises(ParameterError, match=r"\[1, 65536\]"):
        hp.check("hidden", 70_000, high=10 ** 6)


def test_scale_names_every_bad_dtype():
    X = np.zeros((1, 3), dtype=np.uint8)
    assert scale(X, np.float64).dtype == np.float64      # scale checks its dtype first
    for bad in ("int32", np.float16, "not a dtype", None.__class__):
        with pytest.raises(ParameterTypeError, match="dtype must be numpy.float32 or numpy.float64"):
            scale(X, bad)
