"""Reverse-mode automatic differentiation of scalars, at the scale of Karpathy's micrograd.

A :class:`Value` holds a number, the Values it was computed from, and how to pass a
gradient back to them. ``J.backward()`` visits the graph that built ``J`` once, in
reverse topological order, and leaves ∂J/∂v in ``v.grad`` for every ``v`` in it: the
chain rule, applied by a program rather than by hand.

>>> a, b = Value(2.0), Value(-3.0)
>>> J = (a * b + a.exp()).relu()
>>> J.backward()
>>> round(J.data, 4), round(a.grad, 4), b.grad        # ∂J/∂a = b + e^a, ∂J/∂b = a
(1.3891, 4.3891, 2.0)
"""

from __future__ import annotations

import math

__all__ = ["Value"]


class Value:
    """A scalar in a computation graph, with ``data`` and, after ``backward``, ``grad``."""

    def __init__(self, data, parents=(), op=""):
        self.data, self.grad = float(data), 0.0
        self.parents, self.op = parents, op
        self._backward = lambda: None      # adds this node's grad into its parents' grads

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data ** k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other ** -1.0

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return (-self) + other

    def __rtruediv__(self, other):
        return Value(other) / self

    def graph(self):
        """Every Value this one was computed from (itself included), parents before children."""
        order, seen, stack = [], {id(self)}, [(self, iter(self.parents))]
        while stack:                    # depth first, without recursion (graphs can be deep)
            v, parents = stack[-1]
            parent = next(parents, None)
            if parent is None:
                order.append(stack.pop()[0])
            elif id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parent.parents)))
        return order

    def backward(self):
        """Fill ``grad`` of every Value in the graph with ∂self/∂(that Value)."""
        order = self.graph()
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            v._backward()
