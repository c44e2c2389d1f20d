"""The self-checks' reports name the mistake and where the course derives the answer, never
the answer itself: no line of a failing report holds a line of the reference code (the
solution regions of the chapters, handin's own version of each checked function) or the
right formula in code form, so that pasting the reports cannot replace the derivation."""

import ast
import functools
import inspect
import pathlib
import re
import sys
import textwrap

import numpy as np
import pytest

from handin import layers, linear, metrics, model
from handin.draw import preprocess
from handin import course
from handin.course import (check_backward, check_confident_mistakes, check_confusion_matrix,
                           check_cost, check_dead_units, check_forward,
                           check_he_init, check_linear_cost_grad,
                           check_softmax_loss, check_centring_shift)

import course_cases as cc
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))   # tests/
import test_selfcheck as ts
import test_selfcheck_init as ti
import test_selfcheck_draw as td

ROOT = pathlib.Path(__file__).resolve().parents[2]


# ---- the reference lines ----

def normal(text):
    """``text`` without its whitespace: reports and code are compared in this form."""
    return re.sub(r"\s+", "", text)


def _non_trivial(line):
    """A code line worth looking for: >= 8 characters with an operator or a call."""
    return len(line) >= 8 and re.search(r"[-+*/@<>=%|&]|\w\(", line) is not None


def _code_lines(source, skip=()):
    """The normalised non-trivial lines of ``source``, comments and lines ``skip`` left out."""
    out = set()
    for number, line in enumerate(source.splitlines(), 1):
        if number in skip or line.strip().startswith("#"):
            continue
        line = normal(re.sub(r"\s#.*$", "", line))
        if _non_trivial(line):
            out.add(line)
    return out


def solution_lines():
    """The lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` of every chapter."""
    out = set()
    for path in sorted((ROOT / "notebooks").glob("0*.py")):
        inside = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("# BEGIN SOLUTION"):
                inside = [""]
            elif line.strip().startswith("# END SOLUTION"):
                out |= _code_lines("\n".join(inside))
                inside = []
            elif inside:
                inside.append(line)
    return out


def _docstring_lines(tree):
    """The line numbers of the docstrings in a parsed source."""
    lines = set()
    for node in ast.walk(tree):
        first = (getattr(node, "body", None) or [None])[0]
        if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
                and isinstance(first.value.value, str):
            lines |= set(range(first.lineno, first.end_lineno + 1))
    return lines


# handin's own version of each checked function
REFERENCES = [model.forward, model.cost, model.backward, model.cost_grad, model.cross_entropy,
              model.log_softmax, model.softmax, model.weight_decay, linear.cost_grad,
              linear.cost, linear._ce_grad, linear._decay, layers.Linear.backward,
              layers.init_params, layers.INITS["he"], metrics.dead_units,
              metrics.confusion_matrix, metrics.confident_mistakes, preprocess.centring_shift]


def handin_lines():
    out = set()
    for fn in REFERENCES:
        source = textwrap.dedent(inspect.getsource(fn))
        try:
            skip = _docstring_lines(ast.parse(source))
        except SyntaxError:          # a lambda's line out of its dict
            skip = set()
        out |= _code_lines(source, skip)
    return out


@functools.lru_cache(maxsize=None)
def reference_lines():
    return frozenset(solution_lines() | handin_lines())


# The right answer in code form, for each check: the formulas of the arrays it names
RIGHT = {
    "check_forward": ["X@W1+b1", "relu(Z1)", "maximum(Z1,0)", "A1@W2+b2", "softmax(Z2)",
                      "axis=1,keepdims=True", "Z2.max(", "Z2-Z2"],
    "check_cost": ["log_softmax(Z2)", "-logP[s,y_s]", ".mean()", "np.sum(W1**2)",
                   "sum(params[", "c*(", "c(||W1||²+||W2||²)"],
    "check_backward": ["A1.T@dZ2", "X.T@dZ1", "sum(axis=0)", "mean(axis=0)", "2*c*W", "2cW",
                       "(Z1>0)", "dZ2@W2.T", "(P-Y)/n", "(P-one_hot"],
    "check_softmax_loss": ["(P-Y)/n", "-logP[s,y_s]", "axis=1", "one_hot(", "Z-Z.max",
                           "subtracttheone-hot"],
    "check_linear_cost_grad": ["X.T@dZ", "sum(axis=0)", "2*c*W", "2cW", "(P-Y)/n",
                               "np.sum(W**2)"],
    "check_affine_forward": ["A@W+b"],
    "check_affine_backward": ["dZ@W.T", "A.T@dZ", "sum(axis=0)", "GWᵀ", "AᵀG"],
    "check_relu_forward": ["maximum(Z,0)", "max(Z,0)"],
    "check_relu_backward": ["*(Z>0)", "1[Z>0]"],
    "check_softmax_head": ["(P-Y)/n", "-logP[s,y_s]", "axis=1", "one_hot(", "Z-Z.max",
                           "subtracttheone-hot"],
    "check_cost_grad": ["2*c*W", "2cW", "reversed(", "A.T@", "range(L"],
    "check_local_derivatives": ["(b,a)", "1/a", "exp(a)", "float(a>0)"],
    "check_backprop": ["reversed(", "+=", "grad=1", "seen"],
    "check_he_init": ["sqrt(2", "sqrt(2/fan_in)", "default_rng(seed)", "np.zeros(",
                      "rng.normal("],
    "check_dead_units": ["Z1<=0", "np.all(", "axis=0", "X@W1+b1", ".all(", "Z1<0"],
    "check_confusion_matrix": ["C[y_true[s],y_pred[s]]", "add.at", "y_true==i", "+=1"],
    "check_confident_mistakes": ["P[s,predicted]", "argsort(", "argmax(", "pred!=y", "[:n]",
                                 "P[s,y[s]]"],
    "check_centring_shift": ["@digit.sum(axis=1)", "@digit.sum(axis=0)", "/mass", "height/2-",
                             "width/2-", "floor(", "-row+0.5", "-col+0.5"],
}


def leaks(check, report):
    """The reference lines and right formulas that lines of ``report`` contain."""
    refs, right = reference_lines(), RIGHT[check.__name__]
    return [(line, part) for line in map(normal, str(report).splitlines())
            for part in (*refs, *right) if part in line]


def test_the_reference_lines_hold_the_answers():
    refs = reference_lines()
    for line in ("dW2 = A1.T @ dZ2 + 2 * c * W2",                     # chapter 2's solution
                 "return int(np.all(Z1 <= 0, axis=0).sum())",         # chapter 7's
                 "rng = np.random.default_rng(seed)",
                 "np.add.at(C, (y_true, y_pred), 1)",                 # chapter 4's
                 'self.grads["W"] = self.A.T @ dZ + 2 * self.c * W',  # handin's Linear.backward
                 "dW1 = X.T @ dZ1 + 2 * c * params[\"W1\"]",          # handin's backward
                 "alive |= (Z1 > 0).any(axis=0)"):                    # handin's dead_units
        assert normal(line) in refs, line
    # no docstring, no comment, nothing trivial
    assert not [r for r in refs if r.startswith((">>>", "#")) or len(r) < 8]
    assert normal("n, k = P.shape") in refs and normal("W = self.params[\"W\"]") in refs
    assert leaks(check_backward, "  dW2 = A1.T @ dZ2 + 2 * c * W2.")     # the old hints
    assert leaks(check_he_init, "  W1 = rng.normal(0, np.sqrt(2 / fan_in), size) with")
    assert not leaks(check_backward, "✗ my_backward: dW2 is wrong (max |diff| 1 with c = 0).")


# ---- the mistakes the checks name ----

def _then(fn, change):
    """``fn`` with ``change(result, *args)`` applied to its result: one more mistake."""
    @functools.wraps(fn)
    def changed(*args):
        return change(fn(*args), *args)
    return changed


def _backward_keeping(keep):
    """Right for the gradients ``keep``, 0 for the others: the student who pastes each report's
    hint and runs the check again, one gradient after another."""
    return _then(ts.make_backward(), lambda g, *_: {k: g[k] if k in keep else 0 * g[k] for k in g})


def _backward_with(key, change):
    return _then(ts.make_backward(), lambda g, cache, y, p, c: {**g, key: change(g[key], p, c)})


def _forward_with(key, change):
    return _then(ts.make_forward(), lambda out, X, p: {**out, key: change(out)})


def _new_seed_each_call():
    calls = []

    def my_he_init(d, h, k, seed):
        calls.append(seed)
        return ti.he_init(d, h, k, 1000 + len(calls))
    return my_he_init


def _confusion_moved(y_true, y_pred, n_classes):
    """Right but for one count moved to the next column: the total still adds up."""
    C = ts.make_confusion_matrix()(y_true, y_pred, n_classes)
    i, j = np.argwhere(C > 0)[0]
    C[i, j], C[i, (j + 1) % n_classes] = C[i, j] - 1, C[i, (j + 1) % n_classes] + 1
    return C


def _mistakes_in_index_order(P, y, n=None):
    return np.flatnonzero(P.argmax(axis=1) != y)[::-1][:n]


def cases():
    """``(id, check, fn)`` for every mistake the checks diagnose."""
    out = []
    for check, make, bugs in (*ts.CASES, (check_softmax_loss, ts.make_softmax_loss,
                                           ts.SOFTMAX_BUGS),
                              (check_linear_cost_grad, ts.make_linear, ts.LINEAR_BUGS)):
        out += [(f"{check.__name__}-{bug}", check, make(bug)) for bug in bugs]
    for check, make, bugs in ts.METRICS_BUGS:
        out += [(f"{check.__name__}-{bug}", check, make(bug)) for bug in bugs]
    out += [(f"check_he_init-{bug}", check_he_init, functools.partial(ti.he_init, bug=bug))
            for bug in ti.HE_BUGS]
    out += [(f"check_dead_units-{bug}", check_dead_units,
             functools.partial(ti.dead_units, bug=bug)) for bug in ti.DEAD_BUGS]
    square = lambda v, p, c: v + c * p["W2"] ** 2 * np.sign(p["W2"])   # noqa: E731
    loss, linear_ = ts.make_softmax_loss(), ts.make_linear()
    out += [
        ("check_backward-zeros", check_backward, _backward_keeping(())),
        ("check_backward-only dW2", check_backward, _backward_keeping(("W2",))),
        ("check_backward-dW2 db2", check_backward, _backward_keeping(("W2", "b2"))),
        ("check_backward-all but db1", check_backward, _backward_keeping(("W2", "b2", "W1"))),
        ("check_backward-dW2 2x2", check_backward, _backward_with("W2", lambda v, p, c: v[:2, :2])),
        ("check_backward-db2 (k, 1)", check_backward,
         _backward_with("b2", lambda v, p, c: v[:, None])),
        ("check_backward-decay not linear", check_backward, _backward_with("W2", square)),
        ("check_backward-b2 decay not linear", check_backward,
         _backward_with("b2", lambda v, p, c: v + c * p["b2"] ** 2)),
        ("check_forward-Z1", check_forward, _forward_with("Z1", lambda o: 2 * o["Z1"])),
        ("check_forward-A1", check_forward, _forward_with("A1", lambda o: np.abs(o["Z1"]))),
        ("check_forward-Z2", check_forward, _forward_with("Z2", lambda o: o["Z2"] + 1)),
        ("check_forward-P", check_forward, _forward_with("P", lambda o: o["P"] ** 2)),
        ("check_forward-Z1 2-D wrong", check_forward, _forward_with("Z1", lambda o: o["Z1"][:2])),
        ("check_cost-data", check_cost, _then(ts.make_cost(), lambda J, *_: J + 1.0)),
        ("check_cost-decay", check_cost,
         _then(ts.make_cost(), lambda J, X, y, p, c: J + c * np.sum(p["b1"]))),
        ("check_softmax_loss-loss", check_softmax_loss,
         _then(loss, lambda r, *_: (r[0] + 1, r[1]))),
        ("check_softmax_loss-dZ", check_softmax_loss, _then(loss, lambda r, *_: (r[0], 2 * r[1]))),
        ("check_softmax_loss-not a pair", check_softmax_loss, _then(loss, lambda r, *_: r[0])),
        ("check_softmax_loss-loss array", check_softmax_loss,
         _then(loss, lambda r, *_: (np.full(2, r[0]), r[1]))),
        ("check_linear_cost_grad-dW", check_linear_cost_grad,
         _then(linear_, lambda r, *_: (r[0], {**r[1], "W": 0 * r[1]["W"]}))),
        ("check_linear_cost_grad-db", check_linear_cost_grad,
         _then(linear_, lambda r, *_: (r[0], {**r[1], "b": 0 * r[1]["b"]}))),
        ("check_linear_cost_grad-J", check_linear_cost_grad,
         _then(linear_, lambda r, *_: (r[0] + 1, r[1]))),
        ("check_linear_cost_grad-not a pair", check_linear_cost_grad,
         _then(linear_, lambda r, *_: r[1])),
        ("check_he_init-W1 transposed", check_he_init,
         _then(ti.he_init, lambda p, *_: {**p, "W1": p["W1"].T})),
        ("check_he_init-b1 shape", check_he_init,
         _then(ti.he_init, lambda p, *_: {**p, "b1": p["b1"][:1]})),
        ("check_he_init-a new seed each call", check_he_init, _new_seed_each_call()),
        ("check_he_init-std 0.5", check_he_init,
         _then(ti.he_init, lambda p, *_: {**p, "W2": p["W2"] * 0.5})),
        ("check_dead_units-array", check_dead_units,
         lambda X, p: np.all(X @ p["W1"] + p["b1"] <= 0, axis=0)),
        ("check_dead_units-none", check_dead_units, lambda X, p: -1),
        ("check_confusion_matrix-one moved", check_confusion_matrix, _confusion_moved),
        ("check_confident_mistakes-index order", check_confident_mistakes,
         _mistakes_in_index_order),
    ]
    out += [(f"check_centring_shift-{bug}", check_centring_shift, td.make_centring_shift(bug))
            for bug in td.BUGS]
    return out


CASES = cases()


@pytest.mark.parametrize("check, fn", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
@pytest.mark.parametrize("seed", [0, 11])
def test_no_report_holds_the_answer(check, fn, seed):
    result = check(fn, seed=seed)
    if seed == 0:
        assert not result.ok, str(result)      # (a hard-coded size may pass another seed)
    assert not leaks(check, result), f"{result}\n{leaks(check, result)}"


# the reports whose mistake the chapters derive: they say where
NOT_A_DERIVATION = ("mask X", "not a pair")


@pytest.mark.parametrize("check, fn", [case[1:] for case in CASES
                                       if not case[0].endswith(NOT_A_DERIVATION)],
                         ids=[case[0] for case in CASES if not case[0].endswith(NOT_A_DERIVATION)])
def test_a_report_says_where_the_course_derives_it(check, fn):
    text = str(check(fn))
    assert re.search(r"Chapter \d, §\d", text), text


# ---- the course's cases: the chapters' own functions with one named mistake ----

def _cells(assignment):
    text = (ROOT / "notebooks" / f"{assignment}.py").read_text(encoding="utf-8")
    return re.split(r"^# %%.*\n", text, flags=re.M)


def _graded(assignment):
    """``{grade_id: (solution cell, check name, function name)}`` of a chapter: its
    solution cells that a self-check in the chapter checks."""
    cells = _cells(assignment)
    checked = dict(m[::-1] for cell in cells
                   for m in re.findall(r"^(check_\w+)\((\w+)\)\s*$", cell, flags=re.M))
    out = {}
    for cell in cells:
        if "# BEGIN SOLUTION" not in cell:
            continue
        defs = re.findall(r"^def (\w+)", cell, flags=re.M)
        name = defs[0] if defs else re.findall(r"^class (\w+)", cell, flags=re.M)[0]
        if name in checked and checked[name] in RIGHT:
            out[defs[0] if defs else "solution"] = (cell, checked[name], name)
    return out


def _sources(case):
    """The solution cells of ``case``'s chapter with its edits, by grade id."""
    sources = {gid: cell for gid, (cell, _, _) in _graded(case.assignment).items()}
    for kind, gid, *rest in case.edits:
        sources[gid] = sources[gid].replace(*rest) if kind == "sub" else rest[0]
    return sources


def _compiles(source):
    try:
        return bool(compile(source, "<cell>", "exec"))
    except SyntaxError:
        return False


def _course_cases():
    """The cases of course_cases.py that edit checked functions into ones that still run."""
    out = []
    for case in cc.CASES:
        if case.base != "solutions" or not case.edits or case in cc.HOSTILE:
            continue
        graded = _graded(case.assignment)
        if any(kind not in ("sub", "set") or cell not in graded for kind, cell, *_ in case.edits):
            continue
        if all(map(_compiles, _sources(case).values())):
            out.append(case)
    return out


COURSE_CASES = _course_cases()


def test_the_course_cases_cover_every_checked_chapter():
    assert {case.assignment for case in COURSE_CASES} == {cc.CH1, cc.CH2, cc.CH4, cc.CH6, cc.CH7,
                                                          cc.CH8}
    assert len(COURSE_CASES) >= 15


@pytest.mark.parametrize("case", COURSE_CASES, ids=lambda c: f"{c.assignment}-{c.name}")
def test_no_report_on_a_course_case_holds_the_answer(case):
    graded, sources = _graded(case.assignment), _sources(case)
    text = (ROOT / "notebooks" / f"{case.assignment}.py").read_text(encoding="utf-8")
    imports = "\n".join(re.findall(r"^(?:import|from) .*$", text, flags=re.M))
    namespace = {}
    exec(imports, namespace)                                          # noqa: S102
    for source in sources.values():
        exec(source, namespace)                                       # noqa: S102
    failed = 0
    for gid in {gid for _, gid, *_ in case.edits}:
        _, check_name, name = graded[gid]
        check = getattr(course, check_name)
        result = check(namespace[name])
        failed += not result.ok
        assert not leaks(check, result), f"{result}\n{leaks(check, result)}"
    assert failed, case           # each case is a mistake its check names
