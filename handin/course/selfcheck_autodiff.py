"""Self-checks for Chapter 8, §6: your scalar reverse-mode autodiff, micrograd style.

A graph of Values cannot cross the grading wire, so both checks speak in numbers:

- ``local_derivatives(op, a, b=None)`` gives the derivatives of ``v = op(a, b)`` with
  respect to each input, at the numbers ``a`` (and ``b``): a tuple of floats;
- ``graph_gradients(inputs, ops)`` (written in the chapter around your ``topo_order`` and
  ``backprop``) builds a graph from input numbers and a list of operations ``(op, i, j)``
  on earlier nodes (``j`` None for one input), backpropagates from the last node and
  returns ``(values, grads, order)``: every node's value and gradient, and the indices of
  the nodes in your topological order.

Each check compares with :mod:`handin.autodiff` and, when they differ, names the mistake.

>>> import math
>>> def local_derivatives(op, a, b=None):
...     if op in ("+", "*"):
...         return (1.0, 1.0) if op == "+" else (b, a)
...     return {"exp": math.exp(a), "log": 1 / a if a else 0.0, "relu": float(a > 0)}[op],
>>> print(check_local_derivatives(local_derivatives))
✓ local_derivatives: matches +, *, exp, log and relu at 3 points each (and relu at 0).
"""

from __future__ import annotations

import math

import numpy as np

from ..autodiff import Value
from ._hints import Failed
from .selfcheck import CheckResult, _call, _check

__all__ = ["check_local_derivatives", "check_backprop", "reference_graph", "CheckResult"]

OPS = ("+", "*", "exp", "log", "relu")
_LOCAL = "Derive it in Chapter 8, §6: differentiate v = {op} with respect to each input."
_DRIVER = ("See Chapter 8, §6: in which order must the nodes pass their gradients on, and "
           "what does a node used twice receive?")
_FORBID = ("backward", "cost_grad")


def _points(seed):
    rng = np.random.default_rng([seed, 8])
    a, b = rng.uniform(0.5, 2.0, size=3), rng.uniform(-2.0, 2.0, size=3)
    a[1], b[1] = -a[1], abs(b[1]) + 0.5     # a negative a for relu, whatever the seed
    return [(float(x), float(y)) for x, y in zip(a, b)]


def _want(op, a, b):
    if op in ("+", "*"):
        return (1.0, 1.0) if op == "+" else (b, a)
    if op == "log":
        return (1.0 / a if a else math.inf,)
    return (math.exp(a),) if op == "exp" else (float(a > 0),)


def _named(op, a, b):
    """What the usual mistakes give, with their verdicts."""
    if op == "*":
        return [((a, b), "the two derivatives of a * b are swapped."),
                ((b * a, b * a), "both derivatives of a * b are given as its value.")]
    if op == "+":
        return [((1.0,), "a + b has two inputs: return one derivative for each."),
                ((a, b), "the derivatives of a + b are the inputs' values: a sum is linear.")]
    if op == "log":
        return [((math.log(a),), "the derivative of log a is given as log a, its value."),
                ((1.0 / a ** 2,), "the derivative of log a is off by a factor of a.")]
    if op == "exp":
        return [((a * math.exp(a),), "the derivative of exp a has an extra factor a.")]
    return [((max(a, 0.0),), "the derivative of relu a is given as relu a, its value."),
            ((float(a >= 0),), "the derivative of relu at a = 0 is taken as 1; the book "
                               "takes 0.")]


def check_local_derivatives(fn, *, seed=0):
    """Check ``fn(op, a, b=None) -> tuple`` of ∂v/∂a (and ∂v/∂b) for ``v = op(a, b)``, for
    ``op`` in ``+ * exp log relu``, at seeded points (a negative ``a`` and ``a = 0`` for relu).

    Returns
    -------
    CheckResult
        Not ok with a hint for: swapped derivatives of a product, a value given for a
        derivative, one derivative where there are two, relu'(0) taken as 1.
    """
    def body():
        for op in OPS:
            points = _points(seed) + ([(0.0, 1.0)] if op == "relu" else [])
            points = [(abs(a), b) for a, b in points] if op == "log" else points
            for a, b in points:
                args = (op, a, b) if op in ("+", "*") else (op, a)
                got, want = _call(fn, *args, forbid=_FORBID), _want(op, a, b)
                try:
                    got = tuple(float(x) for x in got)
                except TypeError:
                    raise Failed(f"local_derivatives({op!r}, ...) must return a tuple of "
                                 "numbers, one per input.", _LOCAL.format(op=_text(op))) from None
                if len(got) == len(want) and np.allclose(got, want, rtol=1e-9, atol=1e-12):
                    continue
                for value, verdict in _named(op, a, b):
                    if len(got) == len(value) and np.allclose(got, value, rtol=1e-9, atol=1e-12):
                        raise Failed(verdict, _LOCAL.format(op=_text(op)))
                raise Failed(f"the derivatives of {_text(op)} are wrong at a = {a:.3g}"
                             + (f", b = {b:.3g}." if op in ("+", "*") else "."),
                             _LOCAL.format(op=_text(op)))
        return "matches +, *, exp, log and relu at 3 points each (and relu at 0)."
    return _check(fn, "local_derivatives", body)


def _text(op):
    return {"+": "a + b", "*": "a * b"}.get(op, f"{op} a")


def reference_graph(inputs, ops):
    """``(values, grads)`` of every node, by :class:`handin.autodiff.Value`."""
    nodes = [Value(x) for x in inputs]
    for op, i, j in ops:
        a = nodes[i]
        nodes.append(a + nodes[j] if op == "+" else a * nodes[j] if op == "*" else
                     getattr(a, op)())
    nodes[-1].backward()
    return [v.data for v in nodes], [v.grad for v in nodes]


def _mutant(inputs, ops, *, seed_root=True, reverse=True, accumulate=True):
    """The gradients a driver with one mistake computes (the local derivatives right)."""
    values, parents, local = list(inputs), [()] * len(inputs), [()] * len(inputs)
    for op, i, j in ops:
        a, b = values[i], values[j] if j is not None else None
        values.append({"+": a + (b or 0), "*": a * (b or 0), "exp": math.exp(a),
                       "log": math.log(a) if a > 0 else math.nan, "relu": max(a, 0.0)}[op])
        parents.append((i, j) if j is not None else (i,))
        local.append(_want(op, a, b))
    grads = [0.0] * len(values)
    grads[-1] = 1.0 if seed_root else 0.0
    order = range(len(values) - 1, -1, -1) if reverse else range(len(values))
    for v in order:
        for p, d in zip(parents[v], local[v]):
            grads[p] = grads[p] + d * grads[v] if accumulate else d * grads[v]
    return grads


# Graphs on which the mistakes show: nodes used twice, a node used as both inputs, a chain
_GRAPHS = (
    [("*", 0, 1), ("+", 2, 0), ("*", 3, 2), ("relu", 4, None)],
    [("*", 0, 0), ("exp", 2, None), ("+", 3, 1), ("log", 4, None), ("*", 5, 2)],
    [("+", 0, 1), ("*", 2, 1), ("+", 3, 2), ("*", 4, 0), ("exp", 5, None), ("+", 6, 3)],
)


def _ancestors(ops, n_inputs):
    parents = [()] * n_inputs + [(i,) if j is None else (i, j) for _, i, j in ops]
    seen, stack = set(), [len(parents) - 1]
    while stack:
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(parents[v])
    return seen, parents


def _check_order(order, ops, n_inputs):
    need, parents = _ancestors(ops, n_inputs)
    if not isinstance(order, (list, tuple)) or not all(isinstance(v, int) for v in order):
        raise Failed("the order must be a list of the graph's nodes.", _DRIVER)
    if len(set(order)) < len(order):
        raise Failed("a node appears more than once in the topological order: the walk does "
                     "not remember the nodes it has visited.", _DRIVER)
    if set(order) != need:
        raise Failed("the topological order does not hold every node the root was computed "
                     "from, and only those.", _DRIVER)
    place = {v: k for k, v in enumerate(order)}
    if any(place[p] > place[v] for v in order for p in parents[v]):
        raise Failed("a node comes before one of its parents in the topological order: "
                     "every node must come after the nodes it was computed from.", _DRIVER)


def check_backprop(fn, *, seed=0):
    """Check ``fn(inputs, ops) -> (values, grads, order)``: your ``topo_order`` and
    ``backprop`` behind the chapter's ``graph_gradients``, against
    :class:`handin.autodiff.Value` on graphs where nodes are used twice.

    Returns
    -------
    CheckResult
        Not ok with a hint for: an order with repeats, missing nodes or a child before its
        parent; a root whose own gradient is never set; gradients passed on in the forward
        order; a gradient overwritten rather than added to (a node used twice).
    """
    mutants = {"every gradient is 0: the root's own gradient, the derivative of the root "
               "with respect to itself, is never set.": {"seed_root": False},
               "the gradients are passed on in the topological order, not in reverse: a node "
               "passes its gradient on before it has received all of it.": {"reverse": False},
               "a node used twice keeps only one use's gradient: each use's contribution "
               "must be added, not written over.": {"accumulate": False}}

    def body():
        rng = np.random.default_rng([seed, 88])
        for ops in _GRAPHS:
            inputs = [float(x) for x in rng.uniform(0.3, 1.5, size=2)]
            out = _call(fn, inputs, ops, forbid=_FORBID)
            if not isinstance(out, tuple) or len(out) != 3:
                raise Failed("graph_gradients must return (values, grads, order); it is the "
                             "chapter's, written around your functions: run its cell again.")
            values, grads, order = out
            want_values, want = reference_graph(inputs, ops)
            if not np.allclose(np.asarray(values, dtype=float), want_values, rtol=1e-9):
                raise Failed("the values of the nodes are wrong: the graph's forward pass "
                             "differs from the operations asked for.", _DRIVER)
            _check_order(list(order), ops, len(inputs))
            grads = np.asarray(grads, dtype=float)
            if grads.shape == (len(want),) and np.allclose(grads, want, rtol=1e-9, atol=1e-12):
                continue
            for verdict, flags in mutants.items():
                if np.allclose(grads, _mutant(inputs, ops, **flags), rtol=1e-9, atol=1e-12):
                    raise Failed(verdict, _DRIVER)
            raise Failed("the gradients are wrong, though the order is right.",
                         "If check_local_derivatives passes, see how backprop passes a "
                         "node's gradient to its parents: Chapter 8, §6.")
        return "matches handin.autodiff on 3 graphs with nodes used twice."
    return _check(fn, "graph_gradients", body)
