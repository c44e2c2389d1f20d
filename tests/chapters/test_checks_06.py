"""Chapter 6: every check the chapter prints can fail. Each test runs the chapter's own cell
(found by a phrase it prints) on an input where the check must not hold."""

import numpy as np
from _cells import run_cell as _run

CHAPTER = "06_draw_a_digit"


def run_cell(phrase, **names):
    return _run(CHAPTER, phrase, **names)


def test_the_top_class_needs_more_than_half():
    out = run_cell("the top class gets more than", answers={"flat": np.full(10, 0.1)})
    assert "more than half: False" in out
    out = run_cell("the top class gets more than", answers={"sure": np.eye(10)[3]})
    assert "more than half: True" in out


def test_the_training_images_to_move_are_counted():
    X = np.zeros((3, 28, 28))
    out = run_cell("training images your function would move", X=X,
                   my_centring_shift=lambda x: (0, 1))
    assert "would move: 3" in out
    out = run_cell("training images your function would move", X=X,
                   my_centring_shift=lambda x: (0, 0))
    assert "would move: 0" in out
