"""Answers for the similarity report (handin.course.similarity): independently written
correct variants of the graded functions, and copies disguised by renaming, new comments
and reformatting.

Shared by tests/course/test_similarity.py and benchmarks/similarity.py. A variant is the
body a student writes in place of the release's stub (``# YOUR CODE HERE`` and
``raise NotImplementedError()``), indented as the stub is; :func:`fill` puts it there.
Each is a correct answer, written as a student who did not see the model answer might
(:func:`check_variants` runs the self-checks on them).
"""

from __future__ import annotations

import ast
import copy
import textwrap

import nbformat

CH1, CH2, CH3 = "01_softmax_cross_entropy", "02_forward_backward", "03_training"
CH4, CH7, CH8 = "04_what_it_learned", "07_when_it_goes_wrong", "08_backprop_the_algorithm"

VARIANTS = {
    (CH1, "softmax_loss_loops"): ["""
for s in range(n):
    row = Z[s] - np.max(Z[s])
    e = np.exp(row)
    denom = e.sum()
    loss -= (row[y[s]] - np.log(denom)) / n
    for i in range(k):
        p = e[i] / denom
        dZ[s, i] = (p - 1) / n if i == y[s] else p / n
""", """
for j in range(n):
    top = Z[j].max()
    lse = top + np.log(sum(np.exp(Z[j, c] - top) for c in range(k)))
    loss = loss + (lse - Z[j, y[j]])
    for c in range(k):
        target = 1.0 if c == y[j] else 0.0
        dZ[j, c] = np.exp(Z[j, c] - lse) - target
loss = loss / n
dZ = dZ / n
"""],
    (CH1, "softmax_loss_vectorized"): ["""
Zs = Z - np.max(Z, axis=1, keepdims=True)
E = np.exp(Zs)
P = E / np.sum(E, axis=1, keepdims=True)
rows = np.arange(n)
loss = np.mean(np.log(np.sum(E, axis=1)) - Zs[rows, y])
dZ = P.copy()
dZ[rows, y] -= 1
dZ /= n
""", """
logits = Z - Z.max(axis=1)[:, None]
logsum = np.log(np.exp(logits).sum(axis=1))
loss = (logsum - logits[np.arange(n), y]).mean()
probs = np.exp(logits - logsum[:, None])
dZ = (probs - one_hot(y, k)) / n
"""],
    (CH2, "my_forward"): ["""
Z1 = np.dot(X, W1) + b1
A1 = np.maximum(Z1, 0)
Z2 = np.dot(A1, W2) + b2
E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
P = E / E.sum(axis=1, keepdims=True)
""", """
Z1 = X @ W1 + b1
A1 = Z1 * (Z1 > 0)
Z2 = A1 @ W2 + b2
P = handin.softmax(Z2)
"""],
    (CH2, "my_cost"): ["""
Z2 = my_forward(X, params)["Z2"]
lp = log_softmax(Z2)
n = len(y)
data_term = -np.sum(lp[np.arange(n), y]) / n
W1, W2 = params["W1"], params["W2"]
decay = c * ((W1 ** 2).sum() + (W2 ** 2).sum())
""", """
out = my_forward(X, params)
picked = log_softmax(out["Z2"])[np.arange(X.shape[0]), y]
data_term = -np.mean(picked)
decay = c * sum(np.sum(params[w] * params[w]) for w in ("W1", "W2"))
"""],
    (CH2, "my_backward"): ["""
n = X.shape[0]
G = P.copy()
G[np.arange(n), y] -= 1
G /= n
db2 = np.sum(G, axis=0)
dW2 = np.dot(A1.T, G) + 2 * c * W2
H = np.dot(G, W2.T)
H[Z1 <= 0] = 0
db1 = np.sum(H, axis=0)
dW1 = np.dot(X.T, H) + 2 * c * W1
""", """
m = len(y)
delta2 = (P - one_hot(y, P.shape[1])) / m
db2 = delta2.sum(0)
dW2 = A1.T @ delta2 + 2 * c * W2
delta1 = (delta2 @ W2.T) * (Z1 > 0)
db1 = delta1.sum(0)
dW1 = X.T @ delta1 + 2 * c * W1
"""],
    (CH3, "my_epoch"): ["""
order = rng.permutation(X.shape[0])
Xs, ys = X[order], y[order]
for i in range(0, len(Xs), batch_size):
    _, g = handin.cost_grad(Xs[i:i + batch_size], ys[i:i + batch_size], params, c)
    params = {name: params[name] - lr * g[name] for name in params}
""", """
n = len(X)
shuffled = rng.permutation(n)
batches = [shuffled[i:i + batch_size] for i in range(0, n, batch_size)]
for b in batches:
    cost, grad = handin.cost_grad(X[b], y[b], params, c)
    new = {}
    for key, value in params.items():
        new[key] = value - lr * grad[key]
    params = new
"""],
    (CH4, "my_confident_mistakes"): ["""
guesses = np.argmax(P, axis=1)
idx = np.where(guesses != y)[0]
conf = P[idx, guesses[idx]]
mistakes = idx[np.argsort(-conf, kind="stable")]
if n is not None:
    mistakes = mistakes[:n]
"""],
    (CH7, "my_linear_cost_grad"): ["""
Z = X.dot(W) + b
logp = log_softmax(Z)
J = -logp[np.arange(n), y].sum() / n + c * (W * W).sum()
G = np.exp(logp)
G[np.arange(n), y] -= 1
G = G / n
dW = X.T.dot(G) + 2 * c * W
db = G.sum(axis=0)
""", """
scores = X @ W + b
P = handin.softmax(scores)
J = np.mean(-log_softmax(scores)[np.arange(n), y]) + c * np.sum(W ** 2)
dZ = (P - one_hot(y, k)) / n
db = dZ.sum(axis=0)
dW = X.T @ dZ + 2 * c * W
"""],
    (CH8, "affine_backward"): ["""
grad_A = np.dot(dZ, W.T)
grad_W = np.dot(A.T, dZ)
grad_b = np.sum(dZ, axis=0)
return grad_A, grad_W, grad_b
"""],
}

# VARIANTS' first my_backward as a student copies it by hand: other names, other
# comments, other spacing and line breaks, the same statements in the same order
COPIED_BACKWARD = """
num = X.shape[ 0 ]   # batch size
grad = P.copy()      # start from the probabilities
grad[np.arange(num), y] -= 1   # minus one at the labels

grad /= num
gb2 = np.sum(grad,
             axis=0)
gW2 = np.dot(A1.T, grad) + 2*c*W2   # second layer, with the decay
back = np.dot(grad, W2.T)
back[Z1 <= 0] = 0                    # the ReLU's mask
gb1 = np.sum(back, axis=0)
gW1 = np.dot(X.T, back) + 2*c*W1
dW1, db1, dW2, db2 = gW1, gb1, gW2, gb2
"""

# handin.model.backward's body, its names changed, pasted into my_backward
PASTED_BACKWARD = """
m = X.shape[0]
g2 = (P - one_hot(y, P.shape[1], P.dtype)) / m
gW2 = A1.T @ g2 + 2 * c * params["W2"]
gb2 = g2.sum(axis=0)
gA1 = g2 @ params["W2"].T
g1 = gA1 * (Z1 > 0)
gW1 = X.T @ g1 + 2 * c * params["W1"]
gb1 = g1.sum(axis=0)
grads = {"W1": gW1, "b1": gb1, "W2": gW2, "b2": gb2}
dW1, db1, dW2, db2 = (grads[k].astype(params[k].dtype, copy=False) for k in PARAM_NAMES)
"""

_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")


def fill(release_source, body):
    """``release_source`` (a solution cell as released) with ``body`` in place of the stub."""
    lines = release_source.split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip() == _STUB[0])
    indent = lines[at][:len(lines[at]) - len(lines[at].lstrip())]
    assert lines[at + 1].strip() == _STUB[1], release_source
    return "\n".join([*lines[:at], textwrap.indent(body.strip("\n"), indent), *lines[at + 2:]])


class _Rename(ast.NodeTransformer):
    """Every name the cell assigns, and every attribute of ``self`` it sets, renamed."""

    def __init__(self, keep):
        self.keep, self.names = keep, {}

    def _new(self, name):
        return self.names.setdefault(name, f"{name.lower()}_{len(self.names)}x")

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store) and node.id not in self.keep:
            self._new(node.id)
        return node

    def rename(self, tree):
        self.keep |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
        self.visit(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in self.names:
                node.id = self.names[node.id]
        return tree


def disguise(code, keep=()):
    """A copy of ``code`` (a cell) as a copier hides it: every variable it assigns renamed
    (but the arguments and the names in ``keep``, which the rest of the notebook uses),
    its comments gone,
    a new comment on every other line, and reformatted (``ast.unparse``: other spacing,
    other quotes and parentheses)."""
    tree = _Rename(set(keep)).rename(ast.parse(code))
    lines = ast.unparse(tree).split("\n")
    out = []
    for i, line in enumerate(lines):
        if i % 2 and line.strip() and not line.strip().startswith(('"', "'")):
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}# step {i}: as derived above")
        out.append(line.replace(", ", ",").replace(" = ", "  =  "))
    return "\n".join(out)


def with_cells(release, answers):
    """The notebook ``release`` (nbformat) with ``answers`` ``{grade_id: cell source}``."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nbformat.writes(nb)


# what each graded function's test cell runs, and the chapter's names a cell may use
_CHECKS = {"softmax_loss_loops": "check_softmax_loss", "softmax_loss_vectorized":
           "check_softmax_loss", "my_forward": "check_forward", "my_cost": "check_cost",
           "my_backward": "check_backward", "my_epoch": "check_epoch",
           "my_confident_mistakes": "check_confident_mistakes",
           "my_linear_cost_grad": "check_linear_cost_grad",
           "affine_backward": "check_affine_backward"}
_DEFINES = {}


def _namespace():
    import numpy as np

    import handin
    from handin import layers
    from handin.model import PARAM_NAMES, log_softmax, one_hot, relu

    return dict(np=np, handin=handin, layers=layers, PARAM_NAMES=PARAM_NAMES,
                log_softmax=log_softmax, one_hot=one_hot, relu=relu)


def check_variants(release, source, assignment):
    """``{(grade_id, answer): CheckResult}``: the self-check of every variant of
    ``assignment``, and of the copies, run as its test cell runs it. ``release`` and
    ``source`` are the assignment's nbgrader notebooks."""
    import handin.course

    given = {c.metadata["nbgrader"]["grade_id"]: c.source for c in release.cells
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    model = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
             if c.metadata.get("nbgrader", {}).get("grade_id") in given}
    answers = [(gid, f"v{i + 1}", fill(given[gid], body))
               for (a, gid), bodies in VARIANTS.items() if a == assignment
               for i, body in enumerate(bodies)]
    if assignment == CH2:
        answers += [("my_backward", "copied", fill(given["my_backward"], COPIED_BACKWARD)),
                    ("my_backward", "pasted", fill(given["my_backward"], PASTED_BACKWARD))]
    results = {}
    for gid, label, code in answers:
        ns = _namespace()
        if gid == "my_cost":      # my_cost calls the notebook's my_forward
            exec(model["my_forward"], ns)
        exec(code, ns)
        fn = ns[_DEFINES.get(gid, gid)]
        results[gid, label] = getattr(handin.course, _CHECKS[gid])(fn)
    return results
