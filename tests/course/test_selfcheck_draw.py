"""Chapter 6's self-check, check_centring_shift: a right answer passes on every seed, each
usual mistake fails with its own hint, handin's own function is refused, and the reference
agrees with how mnist_preprocess centres a drawing."""

import numpy as np
import pytest

from handin.course import check_centring_shift
from handin.course.nbgrader import HIDDEN_SEED_POOL
from handin.course.selfcheck import StubLeft
from handin.course.selfcheck_draw import digit_problem
from handin.draw import mnist_preprocess, rasterize_strokes
from handin.draw.preprocess import centring_shift

# each mistake, and words its report must hold
BUGS = {
    "swapped": "rows and columns are swapped",
    "sign": "points the wrong way",
    "box": "bounding box",
    "unweighted": "grey pixels weigh as much",
    "middle": "middle of the pixel indices",
    "float": "two integers",
    "one number": "a pair (drow, dcol)",
    "off by one": "expected",
}


def make_centring_shift(bug=None):
    """A student's ``my_centring_shift``, right or with one mistake."""
    def my_centring_shift(digit):
        h, w = digit.shape
        rows, cols = np.arange(h), np.arange(w)
        ink = (digit > 0) * 1.0 if bug == "unweighted" else digit
        r = rows @ ink.sum(axis=1) / ink.sum()
        c = cols @ ink.sum(axis=0) / ink.sum()
        if bug == "box":
            r, c = (np.nonzero(digit)[0].min() + np.nonzero(digit)[0].max()) / 2, \
                   (np.nonzero(digit)[1].min() + np.nonzero(digit)[1].max()) / 2
        centre = ((h - 1) / 2, (w - 1) / 2) if bug == "middle" else (h / 2, w / 2)
        shift = (centre[0] - r, centre[1] - c)
        if bug == "float":
            return shift
        shift = tuple(int(np.round(v)) for v in shift)
        return {"swapped": shift[::-1], "sign": (-shift[0], -shift[1]),
                "one number": (shift[0],), "off by one": (shift[0] + 1, shift[1])}.get(bug, shift)
    return my_centring_shift


@pytest.mark.parametrize("seed", [0, *HIDDEN_SEED_POOL])
def test_a_right_answer_passes_on_every_seed(seed):
    result = check_centring_shift(make_centring_shift(), seed=seed)
    assert result.ok, str(result)


@pytest.mark.parametrize("bug, words", BUGS.items())
@pytest.mark.parametrize("seed", [0, 11])
def test_each_mistake_fails_with_its_hint(bug, words, seed):
    result = check_centring_shift(make_centring_shift(bug), seed=seed)
    assert not result.ok and words in str(result), str(result)


def test_handins_own_is_refused_and_a_stub_left_stops_with_its_message():
    result = check_centring_shift(lambda digit: centring_shift(digit))
    assert "calls handin.draw.preprocess.centring_shift: write it yourself" in str(result)

    def my_centring_shift(digit):
        raise NotImplementedError("write the body of my_centring_shift(digit)")
    with pytest.raises(StubLeft, match=r"^write the body of my_centring_shift\(digit\)$"):
        check_centring_shift(my_centring_shift)


def test_the_problems_have_other_fields_on_hidden_seeds():
    assert [d.shape for d in digit_problem(0)] == [(28, 28)] * 4 + [(20, 24)]
    assert [d.shape for d in digit_problem(11)] != [d.shape for d in digit_problem(0)]


def test_the_reference_centres_as_mnist_preprocess_does():
    digit = mnist_preprocess(rasterize_strokes([[(40, 30), (200, 60), (90, 250)]]))
    assert centring_shift(digit.reshape(28, 28)) == (0, 0)
    assert centring_shift(np.roll(digit.reshape(28, 28), (-3, 4), axis=(0, 1))) == (3, -4)
    for bad in (np.zeros((28, 28)), np.ones(28), -np.ones((4, 4))):
        with pytest.raises(ValueError, match="digit"):
            centring_shift(bad)


def test_a_centre_hard_coded_to_28_by_28_fails_on_every_seed():
    def my_centring_shift(digit):          # (14, 14), whatever the field
        mass = digit.sum()
        row = np.arange(digit.shape[0]) @ digit.sum(axis=1) / mass
        col = np.arange(digit.shape[1]) @ digit.sum(axis=0) / mass
        return int(np.floor(14 - row + 0.5)), int(np.floor(14 - col + 0.5))
    for seed in (0, 11, 12):
        assert not check_centring_shift(my_centring_shift, seed=seed).ok
