"""Chapter 4: every check the chapter prints can fail. Each test runs the chapter's own cell
(found by a phrase it prints) on an input where the check must not hold."""

from types import SimpleNamespace

import numpy as np
from _cells import run_cell as _run

CHAPTER = "04_what_it_learned"


def run_cell(phrase, **names):
    return _run(CHAPTER, phrase, **names)


def test_the_claims_on_the_confusion_matrix_can_fail():
    C = 100 * np.eye(10, dtype=int)
    C[0, 0], C[0, 1] = 90, 10                     # 0 is the hardest digit, read as 1
    off = C - np.diag(np.diag(C))
    out = run_cell("2 is the hardest digit", C=C, off=off)
    assert out.count("False") == 5 and "True" not in out, out


def test_the_claims_on_the_confusion_matrix_hold_where_they_should():
    C = 100 * np.eye(10, dtype=int)
    C[2, 2], C[2, 3], C[2, 7], C[9, 9], C[9, 4] = 84, 3, 13, 85, 15
    off = C - np.diag(np.diag(C))
    out = run_cell("2 is the hardest digit", C=C, off=off)
    assert out.count("True") == 5 and "False" not in out, out


def test_the_claims_on_the_confidence_can_fail():
    y = np.array([0, 1, 2, 3])
    P = np.full((4, 3), 0.1)
    P[[0, 1], [0, 1]] = 0.6                       # right, but not sure: median 0.6
    P[[2, 3], [0, 1]] = 0.9                       # wrong, and sure: median 0.9
    pred = np.array([0, 1, 0, 1])
    out = run_cell("median confidence above 0.95 when right", P=P, pred=pred,
                   split=SimpleNamespace(y_test=y))
    assert "when right: False" in out and "when wrong: False" in out, out
