"""Submissions that exercise the nbgrader course, and how to grade them: chapters 1 and 2 in
every way a submission can go wrong; chapters 3, 4, 6, 7 and 8 with the solutions, the
untouched release, one named mistake per graded function and one call into handin.

Shared by tests/course/test_course.py and benchmarks/grade_class.py. A case is a name, the
assignment, what the student did to the released notebook (edits applied to a notebook
with the solutions pasted in, or the release itself) and the points autograding must
give. Each edit names a cell by its nbgrader ``grade_id``.
"""

from __future__ import annotations

import copy
import csv
import os
import pathlib
import shutil
import subprocess
import sys
from typing import NamedTuple

import nbformat

CH1, CH2 = "01_softmax_cross_entropy", "02_forward_backward"
CH3, CH4 = "03_training", "04_what_it_learned"
CH6 = "06_draw_a_digit"
CH7, CH8 = "07_when_it_goes_wrong", "08_backprop_the_algorithm"
# autograded points of the solutions (manual answers not counted)
FULL = {CH1: 6, CH2: 8, CH3: 5, CH4: 4, CH6: 2, CH7: 7, CH8: 16}
# Seconds per cell in the tests' courses. Only the 'never ends' cases wait for it, but every
# cell must fit in it on a loaded machine: with 10 s, a first cell that imports handin and
# matplotlib timed out under load and a whole submission graded 0.
TIMEOUT = 60


class Case(NamedTuple):
    name: str
    assignment: str
    edits: tuple
    points: float
    base: str = "solutions"    # or "release": the notebook as released


def sub(cell, old, new):
    return ("sub", cell, old, new)


# The mistakes the self-checks name, each in one function.
FORWARD_NO_B1 = sub("my_forward", "Z1 = X @ W1 + b1", "Z1 = X @ W1")
BACKWARD_CW = sub("my_backward", "dW2 = A1.T @ dZ2 + 2 * c * W2", "dW2 = A1.T @ dZ2 + c * W2")
LOOPS_SUM = sub("softmax_loss_loops", "np.log(total)) / n", "np.log(total))")
# A cell that never ends. It waits rather than spins, so that in the tests its minute until
# nbgrader's timeout leaves both cores to the other graders (benchmarks/grade_class.py
# spins, as a student's endless loop does).
NEVER_ENDS = "import time\nwhile True:   # a cell that never ends\n    time.sleep(1)"
FAKE_CHECK = ("def {check}(fn, seed=0):   # a check that always passes\n"
              "    class Passed:\n        ok = True\n"
              "        def assert_passes(self):\n            return self\n"
              "    return Passed()")

# Hostile submissions: each tries to get points its functions do not earn.
PATCH_CHECKS = """import handin.course as hc
class Pass:
    ok = True
    def assert_passes(self):
        return self
for name in dir(hc):
    if name.startswith("check_"):
        setattr(hc, name, lambda *a, **k: Pass())"""
PATCH_RESULT = "import handin.course\nhandin.course.selfcheck.CheckResult.assert_passes = lambda s: s"
ZEROS_BACKWARD = ("def my_backward(cache, y, params, c):\n"
                  "    return {k: np.zeros_like(v) for k, v in params.items()}")
PATCH_EVERYTHING = """import builtins, sys, types
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
builtins.AssertionError = type("Quiet", (Exception,), {})
fake = types.ModuleType("handin.course")
fake.__getattr__ = lambda name: (lambda *a, **k: type("P", (), {"ok": True, "assert_passes": lambda s: s})())
sys.modules["handin.course"] = fake"""
BACKWARD_ROUTES = {
    "default argument": "def my_backward(cache, y, params, c, _b=handin.backward):\n"
                        "    return _b(cache, y, params, c)",
    "closure": "def _wrap(f):\n    def my_backward(cache, y, params, c):\n"
               "        return f(cache, y, params, c)\n    return my_backward\n"
               "my_backward = _wrap(handin.model.backward)",
    "code copy": "import types\n"
                 "my_backward = types.FunctionType(handin.backward.__code__, "
                 "handin.backward.__globals__, 'my_backward')",
    "from_params": "def my_backward(cache, y, params, c):\n"
                   "    return handin.layers.from_params(params, c=c).cost_grad(cache['X'], y)[1]",
    "autodiff": "def my_backward(cache, y, params, c):\n"
                "    handin.autodiff.Value(1.0).backward()\n"
                "    return handin.backward(cache, y, params, c)",
    "one step of fit": "def my_backward(cache, y, params, c):\n"
                       "    new, _ = handin.fit(cache['X'], y, cache['X'], y, hidden=len(params['b1']), "
                       "lr=1.0, c=c, batch_size=len(y), epochs=1, init=params, dtype=np.float64)\n"
                       "    return {k: params[k] - new[k] for k in params}",
}

ROUTES = {
    "loss": "def softmax_loss_vectorized(Z, y, _ce=handin.model.cross_entropy):\n"
            "    n, k = Z.shape\n    S = Z - Z.max(axis=1, keepdims=True)\n"
            "    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)\n"
            "    return _ce(Z, y), (P - one_hot(y, k)) / n",
    "epoch": "def my_epoch(params, X, y, lr, c, batch_size, rng, _fit=handin.fit):\n"
             "    return _fit(X, y, X, y, hidden=len(params['b1']), lr=lr, c=c, "
             "batch_size=batch_size, epochs=1, init=params, dtype=np.float64)[0]",
    "confusion": "my_confusion_matrix = (lambda f: lambda y_true, y_pred, n_classes: "
                 "f(y_true, y_pred, n_classes))(handin.metrics.confusion_matrix)",
    "centring": "def my_centring_shift(digit, _c=handin.draw.preprocess.centring_shift):\n"
                "    return _c(digit)",
    "dead": "def my_dead_units(X, params, _d=handin.metrics.dead_units):\n"
            "    return int(_d(X, params).sum())",
    "linear": """def my_linear_cost_grad(X, y, params, c):
    W, b = params["W"], params["b"]
    Z = X @ W + b
    P = handin.softmax(Z)
    n, d = X.shape
    J = -np.log(P[np.arange(n), y]).mean() + c * np.sum(W ** 2)
    cache = {"X": X, "Z1": np.ones_like(X), "A1": X, "Z2": Z, "P": P}
    net = {"W1": np.eye(d), "b1": np.zeros(d), "W2": W, "b2": b}
    g = handin.model.backward(cache, y, net, c)
    return J, {"W": g["W2"], "b": g["b2"]}""",
    "affine": "def affine_backward(dZ, cache, _L=layers.Linear):\n    A, W = cache\n"
              "    lin = _L(W, np.zeros(W.shape[1]))\n    lin.A = A\n    dA = lin.backward(dZ)\n"
              "    return dA, lin.grads['W'], lin.grads['b']",
    "network": "def my_cost_grad(X, y, params, c):\n"
               "    return layers.from_params(params, c).cost_grad(X, y)",
}

CASES = [
    Case("solutions", CH1, (), FULL[CH1]),
    Case("release", CH1, (), 0, base="release"),
    Case("loss summed", CH1, (LOOPS_SUM,), 3),
    Case("no -1 at the label", CH1, (sub("softmax_loss_loops", " - (i == y[s])", ""),), 3),
    Case("loss sign", CH1, (sub("softmax_loss_vectorized", "loss = -log_p", "loss = log_p"),), 3),
    Case("no 1/n in dZ", CH1, (sub("softmax_loss_vectorized", "one_hot(y, k)) / n",
                                   "one_hot(y, k))"),), 3),
    Case("dZ sign", CH1, (sub("softmax_loss_vectorized", "(np.exp(log_p) - one_hot(y, k))",
                              "(one_hot(y, k) - np.exp(log_p))"),), 3),
    Case("not stabilised", CH1, (sub("softmax_loss_vectorized", "Z - Z.max(axis=1, keepdims=True)",
                                     "Z"),), 3),
    Case("stub left", CH1, (("stub", "softmax_loss_vectorized"),), 3),
    Case("syntax error", CH1, (sub("softmax_loss_loops", "    return loss, dZ",
                                   "    return loss, dZ)"),), 3),
    Case("deleted test cell", CH1, (LOOPS_SUM, ("delete", "test_softmax_loss_loops")), 3),
    Case("edited test cell", CH1, (LOOPS_SUM, ("set", "test_softmax_loss_loops", "pass")), 3),
    Case("redefined check", CH1, (LOOPS_SUM, ("before", "test_softmax_loss_loops",
                                              FAKE_CHECK.format(check="check_softmax_loss"))), 3),
    Case("calls handin", CH1, (("set", "softmax_loss_vectorized",
                                "def softmax_loss_vectorized(Z, y):\n"
                                "    loss = handin.model.cross_entropy(Z, y)\n"
                                "    P = handin.softmax(Z)\n"
                                "    return loss, (P - one_hot(y, Z.shape[1])) / len(y)"),), 3),
    Case("never ends", CH1, (("after", "softmax_loss_loops", NEVER_ENDS),), 6),
    Case("not JSON", CH1, (("text", '{"cells": [ not json'),), 0),
    Case("solutions", CH2, (), FULL[CH2]),
    Case("release", CH2, (), 0, base="release"),
    Case("no b1", CH2, (FORWARD_NO_B1,), 4),          # my_cost calls my_forward: both fail
    Case("unstable softmax", CH2, (sub("my_forward", "P = handin.softmax(Z2)",
                                       "P = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)"),), 6),
    Case("cost summed", CH2, (sub("my_cost", "[np.arange(len(y)), y].mean()",
                                  "[np.arange(len(y)), y].sum()"),), 6),
    Case("biases decayed", CH2, (sub("my_cost", 'np.sum(params["W2"] ** 2))',
                                     'np.sum(params["W2"] ** 2) + np.sum(params["b1"] ** 2))'),), 6),
    Case("no 1/n", CH2, (sub("my_backward", "dZ2 = (P - one_hot(y, k)) / n",
                             "dZ2 = P - one_hot(y, k)"),), 4),
    Case("decay cW", CH2, (BACKWARD_CW,), 4),
    Case("mask on dA1", CH2, (sub("my_backward", "dA1 * (Z1 > 0)", "dA1 * (dA1 > 0)"),), 4),
    Case("db2 mean", CH2, (sub("my_backward", "db2 = dZ2.sum(axis=0)", "db2 = dZ2.mean(axis=0)"),), 4),
    Case("dW1 transposed", CH2, (sub("my_backward", "dW1 = X.T @ dZ1 + 2 * c * W1",
                                     "dW1 = dZ1.T @ X + 2 * c * W1.T"),), 4),
    Case("stub left", CH2, (("stub", "my_backward"),), 4),
    Case("syntax error", CH2, (sub("my_cost", "    return data_term + decay",
                                   "    return data_term + decay)"),), 6),
    Case("deleted test cell", CH2, (BACKWARD_CW, ("delete", "test_my_backward")), 4),
    Case("edited test cell", CH2, (BACKWARD_CW, ("set", "test_my_backward", "pass")), 4),
    Case("redefined check", CH2, (BACKWARD_CW, ("before", "test_my_backward",
                                                FAKE_CHECK.format(check="check_backward"))), 4),
    Case("calls handin", CH2, (("set", "my_backward",
                                "def my_backward(cache, y, params, c):\n"
                                "    return handin.backward(cache, y, params, c)"),), 4),
    Case("cell type changed", CH2, (("markdown", "my_backward"),), 8),
    Case("never ends", CH2, (("after", "my_cost", NEVER_ENDS),), 8),
    Case("patches the checks", CH2, (("stub", "my_forward"), ("after", "my_forward", PATCH_CHECKS)), 4),
    Case("patches CheckResult", CH2, (("set", "my_backward", ZEROS_BACKWARD),
                                      ("after", "my_backward", PATCH_RESULT)), 4),
    Case("patches numpy and modules", CH2, (("set", "my_backward", ZEROS_BACKWARD),
                                            ("after", "my_backward", PATCH_EVERYTHING)), 4),
    *(Case(f"backward by {how}", CH2, (("set", "my_backward", code),), 4)
      for how, code in BACKWARD_ROUTES.items()),
    Case("not JSON", CH2, (("text", '{"cells": [ not json'),), 0),
    # chapters 3, 4, 7 and 8: the solutions, the release, one mistake per graded function
    # (named by its self-check) and one call into handin (its tripwire)
    Case("solutions", CH3, (), FULL[CH3]),
    Case("release", CH3, (), 0, base="release"),
    Case("no shuffle", CH3, (sub("my_epoch", "perm = rng.permutation(len(X))",
                                 "perm = np.arange(len(X))"),), 2),
    Case("the defaults", CH3, (sub("my_hyperparameters", '"lr": 0.3, "hidden": 256, '
                                   '"batch_size": 16', '"lr": 0.1, "hidden": 256, '
                                   '"batch_size": 32'),), 3),
    # the epoch is graded along the student's own gradient: a Chapter 2 mistake pasted in
    # costs no point here, and handin's gradient is the way on without Chapter 2's functions
    Case("backward pasted with no 1/n", CH3, (sub("my_backward", "dZ2 = (P - one_hot(y, k)) / n",
                                                  "dZ2 = P - one_hot(y, k)"),), 5),
    Case("gradient from handin.cost_grad", CH3, (
        ("stub", "my_forward"), ("stub", "my_backward"),
        ("after", "my_epoch", "def my_gradient(X, y, params, c):\n"
                              "    return handin.cost_grad(X, y, params, c)[1]")), 5),
    Case("calls handin", CH3, (("set", "my_epoch",
                                "def my_epoch(params, X, y, lr, c, batch_size, rng):\n"
                                "    return handin.fit(X, y, X, y, hidden=len(params['b1']), "
                                "lr=lr, c=c, batch_size=batch_size, epochs=1, init=params, "
                                "dtype=np.float64)[0]"),), 2),
    Case("solutions", CH4, (), FULL[CH4]),
    Case("release", CH4, (), 0, base="release"),
    Case("transposed", CH4, (sub("my_confusion_matrix", "(y_true, y_pred)",
                                 "(y_pred, y_true)"),), 2),
    Case("least confident first", CH4, (sub("my_confident_mistakes", "np.argsort(-P[",
                                            "np.argsort(P["),), 2),
    Case("calls handin", CH4, (("set", "my_confusion_matrix",
                                "def my_confusion_matrix(y_true, y_pred, n_classes):\n"
                                "    return handin.metrics.confusion_matrix(y_true, y_pred, "
                                "n_classes)"),), 2),
    Case("solutions", CH6, (), FULL[CH6]),
    Case("release", CH6, (), 0, base="release"),
    Case("rows and columns swapped", CH6, (sub(
        "my_centring_shift",
        "return int(np.floor(height / 2 - row + 0.5)), int(np.floor(width / 2 - col + 0.5))",
        "return int(np.floor(width / 2 - col + 0.5)), int(np.floor(height / 2 - row + 0.5))"),), 0),
    Case("solutions", CH7, (), FULL[CH7]),
    Case("release", CH7, (), 0, base="release"),
    # two submissions, two graded functions wrong in each: the points say which part passed
    Case("he 1/fan_in, dead units call handin", CH7, (
        sub("my_he_init", "np.sqrt(2.0 / d)", "np.sqrt(1.0 / d)"),
        ("set", "my_dead_units", "def my_dead_units(X, params):\n"
                                 "    return int(handin.metrics.dead_units(X, params).sum())")), 3),
    Case("dead Z1 < 0, linear decay cW", CH7, (
        sub("my_dead_units", "Z1 <= 0", "Z1 < 0"),
        sub("my_linear_cost_grad", "dW = X.T @ dZ + 2 * c * W", "dW = X.T @ dZ + c * W")), 2),
    # handin's answer by a route no name-based tripwire sees, one per chapter
    Case("loss by default argument", CH1, (("set", "softmax_loss_vectorized", ROUTES["loss"]),), 3),
    Case("epoch by default argument", CH3, (("set", "my_epoch", ROUTES["epoch"]),), 2),
    Case("confusion by closure", CH4, (("set", "my_confusion_matrix", ROUTES["confusion"]),), 2),
    Case("centring by default argument", CH6, (("set", "my_centring_shift",
                                                 ROUTES["centring"]),), 0),
    Case("dead units by default argument", CH7, (("set", "my_dead_units", ROUTES["dead"]),), 5),
    Case("linear gradient by model.backward", CH7, (("set", "my_linear_cost_grad",
                                                     ROUTES["linear"]),), 4),
    # chapter 8: the layers are used by my_cost_grad, so a wrong layer costs its points too
    Case("affine by default argument", CH8, (("set", "affine_backward", ROUTES["affine"]),), 10),
    Case("network by from_params", CH8, (("set", "my_cost_grad", ROUTES["network"]),), 13),
    Case("solutions", CH8, (), FULL[CH8]),
    Case("release", CH8, (), 0, base="release"),
    Case("affine no bias", CH8, (sub("affine_forward", "A @ W + b", "A @ W"),), 12),
    Case("affine db mean", CH8, (sub("affine_backward", "dZ.sum(axis=0)", "dZ.mean(axis=0)"),), 10),
    Case("relu mask at 0", CH8, (sub("relu_backward", "(Z > 0)", "(Z >= 0)"),), 14),
    Case("head without 1/n", CH8, (sub("softmax_ce", "dZ / len(y)", "dZ"),), 12),
    Case("cost_grad decay cW", CH8, (sub("my_cost_grad", "2 * c * params", "c * params"),), 13),
    Case("product's derivatives swapped", CH8, (sub("local_derivatives", "(b, a)", "(a, b)"),),
         11),
    Case("topological order with repeats", CH8, (sub("topo_order", "if id(v) not in seen:",
                                                     "if True:"),), 13),
    Case("gradient written over", CH8, (sub("backprop", "parent.grad += local",
                                            "parent.grad = local"),), 13),
]


def student_id(case):
    """A student id for ``case``: letters, digits and ``_`` only."""
    return "".join(ch if ch.isalnum() else "_" for ch in case.name)


def _index(nb, grade_id):
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def solutions(source, release):
    """The release with the solution cells of ``source`` pasted in: a student who got it right."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = source.cells[_index(source, meta["grade_id"])].source
    return nb


def submission(case, source, release):
    """The notebook text ``case``'s student hands in."""
    nb = copy.deepcopy(release) if case.base == "release" else solutions(source, release)
    for kind, cell, *rest in case.edits:
        if kind == "text":
            return cell
        i = _index(nb, cell)
        if kind == "sub":
            old, new = rest
            assert old in nb.cells[i].source, (case, old)
            nb.cells[i].source = nb.cells[i].source.replace(old, new)
        elif kind == "stub":
            nb.cells[i].source = release.cells[_index(release, cell)].source
        elif kind == "set":
            nb.cells[i].source = rest[0]
        elif kind == "delete":
            del nb.cells[i]
        elif kind == "markdown":
            old = nb.cells[i]
            nb.cells[i] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata, id=old.id)
        elif kind in ("before", "after"):
            new = nbformat.v4.new_code_cell(rest[0])   # a cell of the student's own
            nb.cells.insert(i + (kind == "after"), new)
    return nbformat.writes(nb)


def nbgrader_env():
    """The environment for nbgrader: this Python's bin first on PATH (nbgrader runs alembic),
    one BLAS thread per kernel, and no figures drawn (matplotlib's Agg backend: ``plt.show``
    does nothing), which saves a second per chapter."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    env["PATH"] = os.pathsep.join([str(pathlib.Path(sys.executable).parent), env.get("PATH", "")])
    return env


def nbgrader(course, *args, check=True):
    """Run ``nbgrader *args`` in the course folder; returns the CompletedProcess."""
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course,
                         env=nbgrader_env(), capture_output=True, text=True)
    if check and run.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}")
    return run


def make_course(folder, *, timeout=TIMEOUT, assignments=("*",)):
    """A course of every chapter in ``folder``, ``assignments`` generated (default: all)."""
    from handin.course import write_course

    # matplotlib builds its font cache at its first import on a fresh machine: seconds that
    # would count against a graded cell's timeout. Build it here, once.
    subprocess.run([sys.executable, "-c", "import matplotlib.pyplot"], env=nbgrader_env(),
                   check=True)
    root = pathlib.Path(__file__).resolve().parents[2]
    write_course(root / "notebooks", folder, timeout=timeout)
    _unsafe_without_sandbox(folder)
    for assignment in assignments:
        nbgrader(folder, "generate_assignment", assignment)
    return pathlib.Path(folder)


def need_sandbox():
    """Skip the calling test where no sandbox can be had, with the reason; fail it instead
    under ``HANDIN_REQUIRE_SANDBOX=1`` (as CI sets)."""
    import pytest

    from handin.course import sandbox

    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as exc:
        if os.environ.get("HANDIN_REQUIRE_SANDBOX") == "1":
            pytest.fail(f"HANDIN_REQUIRE_SANDBOX=1 but no sandbox here: {exc}")
        pytest.skip(f"no sandbox here: {exc}")


def _unsafe_without_sandbox(folder):
    """Where no sandbox can be had (and HANDIN_REQUIRE_SANDBOX is not 1), grade ``folder``
    unsandboxed, as its config allows: the verdicts are still computed outside the kernels.
    tests/course/test_grading.py, which tests the sandbox itself, skips there."""
    from handin.course import sandbox

    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable:
        if os.environ.get("HANDIN_REQUIRE_SANDBOX") == "1":
            raise
        with open(pathlib.Path(folder) / "nbgrader_config.py", "a", encoding="utf-8") as f:
            f.write("c.SandboxedExecute.unsafe_no_sandbox = True   # the tests, no sandbox here\n")


def hand_in(course, cases, student=student_id):
    """Write each case's submission under ``course/submitted/<student>/<assignment>/``."""
    course = pathlib.Path(course)
    for case in cases:
        a = case.assignment
        source = nbformat.read(course / "source" / a / f"{a}.ipynb", as_version=4)
        release = nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4)
        folder = course / "submitted" / student(case) / a
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{a}.ipynb").write_text(submission(case, source, release), encoding="utf-8")


def copy_course(course, to):
    """A copy of a generated course (its gradebook too) without submissions."""
    ignore = shutil.ignore_patterns("submitted", "autograded", "feedback")
    return pathlib.Path(shutil.copytree(course, to, ignore=ignore))


def grades(course):
    """``{(student, assignment): raw score}`` from ``nbgrader export``'s grades.csv."""
    nbgrader(course, "export")
    with open(pathlib.Path(course) / "grades.csv", newline="", encoding="utf-8") as f:
        return {(row["student_id"], row["assignment"]): float(row["raw_score"])
                for row in csv.DictReader(f)}


#: the cases that try to get points their functions do not earn (graded by the sandboxed
#: grader alone: in the student's own kernel, a self-check cannot see through them)
HOSTILE = [case for case in CASES if case.name.startswith("patches ") or " by " in case.name]


# Submissions that attack the grader, each as a cell added after my_backward in a right
# chapter 2: its functions earn every point, and the attack must achieve nothing. Each
# prints "ATTACK <name>: <what happened>"; "blocked" is the only good outcome.
ATTACK = """import os, pathlib
def attack(name, fn):
    try:
        print(f"ATTACK {{name}}: {{fn() or 'done'}}")
    except BaseException as exc:
        print(f"ATTACK {{name}}: blocked ({{type(exc).__name__}})")
"""
ATTACKS = {
    "reads another's submission": ATTACK + "attack('read', lambda: open({other!r}).read()[:20])",
    "reads the solutions": ATTACK + "attack('read', lambda: open({source!r}).read()[:20])",
    "reads the teacher's home": ATTACK + "attack('read', lambda: open({home!r}).read())",
    "writes the gradebook": ATTACK + """import sqlite3
def zero():
    for folder in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents, pathlib.Path({course!r})]:
        if (folder / "gradebook.db").exists():
            db = sqlite3.connect(folder / "gradebook.db")
            db.execute("UPDATE grade SET auto_score = 0")
            db.commit()
            return f"zeroed {{folder}}"
    raise FileNotFoundError("no gradebook")
attack('gradebook', zero)""",
    "deletes the course": ATTACK + """import shutil
def wipe():
    shutil.rmtree({course!r})
attack('delete', wipe)""",
    "opens a socket": ATTACK + """import socket
attack('socket', lambda: socket.create_connection(("127.0.0.1", {port}), timeout=3).close())""",
    "memory bomb": ATTACK + "attack('memory', lambda: len('x' * 8 * 2**30))",
    "fork bomb": "import os\nwhile True:\n    os.fork()",
    "floods its output": "while True:\n    print('x' * 100000)",
    "sleeps forever": "import time\nwhile True:\n    try:\n        time.sleep(1)\n"
                      "    except KeyboardInterrupt:\n        pass",
}


def attack_cases(course, port, home):
    """The attacks as cases of chapter 2, aimed at ``course``, the test's listening ``port``
    on 127.0.0.1 and a file ``home`` in the grader's home."""
    course = pathlib.Path(course)
    paths = {"course": str(course), "port": port, "home": str(home),
             "other": str(course / "submitted" / "solutions" / CH2 / f"{CH2}.ipynb"),
             "source": str(course / "source" / CH2 / f"{CH2}.ipynb")}
    return [Case(name, CH2, (("after", "my_backward", code.format(**paths)),), FULL[CH2])
            for name, code in ATTACKS.items()] + [
        # a graded function that never returns costs its part, in one timeout for all calls
        Case("my_backward never returns", CH2, (("set", "my_backward", NEVER_RETURNS),), 4)]


NEVER_RETURNS = ("import time\ndef my_backward(cache, y, params, c):\n    time.sleep(3600)\n"
                 "    return {}")
