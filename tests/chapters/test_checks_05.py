"""Chapter 5: every check the chapter prints can fail. Each test runs the chapter's own cell
(found by a phrase it prints) on an input where the check must not hold."""

from types import SimpleNamespace

import numpy as np
from _cells import run_cell as _run

CHAPTER = "05_explorer"


def run_cell(phrase, **names):
    return _run(CHAPTER, phrase, **names)


def _slow_run(val_acc, reference_first):
    return run_cell("this run, after ten, is below it", history=SimpleNamespace(val_acc=val_acc),
                    reference=SimpleNamespace(val_acc=[reference_first]))


def test_the_slow_run_checks_can_fail():
    out = _slow_run([0.5, 0.6, 0.7, 0.8, 0.9], reference_first=0.85)
    assert "below it: False" in out and "before): True" in out, out
    out = _slow_run([0.5, 0.6, 0.7, 0.7, 0.6], reference_first=0.85)
    assert "below it: True" in out and "before): False" in out, out


def _flushed(X_train, W1):
    fit = lambda *args, **kwargs: ({"W1": W1}, None)   # noqa: E731 - the run, already done
    return run_cell("their rows of W1 are all 0", handin=SimpleNamespace(fit=fit), data=(),
                    split=SimpleNamespace(X_train=X_train))


def test_the_blank_rows_check_can_fail():
    X = np.array([[0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])     # pixel 0 is blank
    W1 = np.zeros((3, 2))
    assert "all 0: True" in _flushed(X, W1)
    W1[0, 1] = 1e-40                                       # a blank pixel's weight left over
    assert "all 0: False" in _flushed(X, W1)
    assert "all 0: False" in _flushed(X + 0.1, np.zeros((3, 2)))   # no blank pixel: no evidence
