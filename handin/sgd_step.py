"""The fast SGD step: :mod:`handin.model`'s equations with preallocated buffers, in place.

:func:`handin.fit` spends its time here. :class:`SGDStep` does what this
readable step does (the reference that ``tests/conftest.py`` holds)::

    cost, grads = model.cost_grad(X[idx], y[idx], params, c)
    for k in params:
        params[k] -= lr * grads[k]

and returns the batch's cross-entropy before the step. Each line of
:meth:`SGDStep.__call__` is one of the equations of :mod:`handin.model`:

======================================  ==============================================
``SGDStep.__call__``                    ``handin.model``
======================================  ==============================================
``take(X, idx, out=Xb)``                ``X = X[idx]`` (the batch)
``Z1 = Xb @ V;  Z1 *= s;  Z1 += b1``    ``Z1 = X @ W1 + b1``  (``W1 = s * V``, below)
``mask = Z1 > 0;  A1 = Z1 * mask``      ``A1 = relu(Z1)``
``Z2 = A1 @ W2;  Z2 += b2``             ``Z2 = A1 @ W2 + b2``
``Z2 -= rowmax``                        ``S = Z2 - max_j Z2[:, j]`` (:func:`model.log_softmax`)
``zy = Z2[rows, y]``                    ``S[i, y_i]``
``exp;  rowsum``                        ``sum_j exp(S[i, j])``
``mean(log(rowsum) - zy)``              ``cross_entropy = mean_i(-log_softmax(Z2)[i, y_i])``
``P = exp(S) / rowsum``                 ``P = softmax(Z2)``
``P *= lr / n;  P[rows, y] -= lr / n``  ``lr * dZ2 = lr * (P - Y) / n``
``dA1 = dZ2 @ W2.T``                    ``dA1 = dZ2 @ W2.T``
``dW2 = A1.T @ dZ2``                    ``dW2 = A1.T @ dZ2``  (``+ 2 c W2``: in the update)
``db2 = ones @ dZ2``                    ``db2 = sum_i dZ2[i]``
``dZ1 = dA1 * mask``                    ``dZ1 = dA1 * (Z1 > 0)``
``db1 = ones @ dZ1``                    ``db1 = sum_i dZ1[i]``
``W2 *= 1 - 2 lr c;  W2 -= dW2``        ``W2 -= lr * (dW2 + 2 c W2)``
``b1 -= db1;  b2 -= db2``               ``b -= lr * db``
``s *= 1 - 2 lr c;  V -= Xb.T @ dZ1/s`` ``W1 -= lr * (X.T @ dZ1 + 2 c W1)``
======================================  ==============================================

(every gradient above is already times ``lr``). What makes it fast:

* **one allocation, at construction.** Every intermediate array has its buffer,
  sized for a full batch and sliced for the last, smaller one; all in the
  parameters' dtype, so a float32 run never computes in float64;
* **the learning rate folded into dZ2**, a small (batch, classes) array: every
  gradient is linear in ``dZ2``, so the matrix products give ``lr * dW`` directly;
* **weight decay as a shrink factor** ``q = 1 - 2 lr c`` (``d`` is the number of
  features): ``W -= lr (dW + 2 c W)`` is ``W = q W - lr dW``. ``W2`` is small and is
  multiplied by ``q``. ``W1`` is kept as a
  number times an array, ``W1 = s * V`` (``V`` is the array in ``params["W1"]``): the
  step multiplies ``s`` by ``q`` and subtracts ``lr dW1 / s`` from ``V``, one pass over
  the (784, hidden) array instead of two (the scale trick of Bottou's SGD and
  scikit-learn's ``SGDClassifier``). :meth:`SGDStep.sync` folds ``s`` back into the
  array; the training loop calls it before anyone looks at the parameters;
* **no subnormal numbers.** A weight that gets no gradient (a pixel that is 0 in every
  training image, a hidden unit that never fires) only shrinks, by ``q`` every step, and
  after a few hundred steps falls below ``np.finfo(dtype).tiny``: a *subnormal* number,
  on which the processor's arithmetic can run many times slower (in float32, ``lr=0.63,
  c=0.1`` used to make half of ``W1`` subnormal by the sixth epoch and its epochs several
  times longer). Each time the decay has halved the weights since the last flush, and at
  the end of every epoch (:meth:`SGDStep.sync`), magnitudes below ``tiny`` in ``W1`` and
  ``W2`` are set to zero, what a processor's flush-to-zero mode does. Between two flushes a
  weight's decay can only halve it, so few entries are ever subnormal, and none at the end
  of an epoch. The flush reuses the ``dW1`` buffer (it allocates nothing) and costs three
  passes over the weights, at most once per halving or per epoch, however often the loop
  yields (measured in ``benchmarks/subnormals.py``);
* **the ReLU as a 0/1 mask** in the parameters' dtype: ``A1 = Z1 * mask`` and
  ``dZ1 = dA1 * mask`` are plain multiplications; the bias gradients are the
  products ``1^T dZ``.

``tests/test_train_fast.py`` checks each of these paths against the readable step.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SGDStep", "flush_subnormals", "inked_inputs"]


class SGDStep:
    """One SGD step on a batch, in place, with every intermediate array allocated once.

    Parameters
    ----------
    params : dict
        ``W1 (d, h), b1 (h,), W2 (h, k), b2 (k,)``, all of one float dtype; updated
        in place (``params["W1"]`` holds ``V``, see :meth:`sync`).
    batch_size : int
        The largest batch the step will be called on.
    n_classes : int
        ``k``.
    lr, c : float
        Learning rate and weight-decay strength.
    inputs : array of int, optional
        The input columns the step computes with (:func:`inked_inputs`); the others must be
        0 in every row it is called on. Their rows of ``W1`` get no gradient, only the decay,
        so the step leaves them out of its products and keeps the other rows in an array of
        its own, ``V``, copied back into ``params["W1"]`` by :meth:`sync`. The ``X`` given to
        the step then holds these columns only (``X[:, inputs]``). Default: all columns,
        and ``V`` is ``params["W1"]`` itself.
    """

    def __init__(self, params, batch_size, n_classes, lr, c, inputs=None):
        self.p, self.lr, self.shrink = params, lr, 1.0 - 2.0 * lr * c   # q, the shrink factor
        self.scale = 1.0                                   # s in W1 = s * params["W1"]
        self.decayed = 1.0                                 # the decay since the last flush
        self.inputs = self.blank = None
        self.V = params["W1"]                              # the rows of W1 the step updates
        if inputs is not None:
            self.inputs = np.asarray(inputs, dtype=np.intp)
            self.blank = np.setdiff1d(np.arange(len(self.V)), self.inputs)
            self.V = params["W1"][self.inputs]             # a copy
        n_in, h = self.V.shape
        dt = params["W1"].dtype
        self.Xb = np.empty((batch_size, n_in), dt)         # the batch's rows of X
        self.Z1 = np.empty((batch_size, h), dt)            # Z1, then A1 = relu(Z1)
        self.mask = np.empty((batch_size, h), dt)          # (Z1 > 0) as 0.0 / 1.0
        self.Z2 = np.empty((batch_size, n_classes), dt)    # Z2, S, exp(S), P, then lr * dZ2
        self.row_max = np.empty((batch_size, 1), dt)
        self.row_sum = np.empty((batch_size, 1), dt)
        self.zy = np.empty(batch_size, dt)                 # S[i, y_i]
        self.dA1 = np.empty((batch_size, h), dt)           # lr * dA1, then lr * dZ1
        self.dW1 = np.empty((n_in, h), dt)                 # lr * X^T dZ1 / s
        self.dW2 = np.empty((h, n_classes), dt)            # lr * A1^T dZ2
        self.db1 = np.empty(h, dt)
        self.db2 = np.empty(n_classes, dt)
        self.W2_kept = np.empty((h, n_classes), dt)       # 1.0 where |W2| >= tiny, else 0.0
        self.tiny = np.finfo(dt).tiny                      # the smallest normal number
        self.ones = np.ones(batch_size, dt)
        self.rows = np.arange(batch_size)

    def sync(self, flush=False):
        """Fold the pending decay into ``params["W1"]``, which then holds ``W1`` itself.

        The subnormal entries of ``W1`` and ``W2`` are flushed to zero when ``flush``, and
        whenever the decay has halved the weights since the last flush."""
        W1, V, flushing = self.p["W1"], self.V, flush or self.decayed * self.scale <= 0.5
        if self.scale != 1.0:           # decay since the last sync: W2 shrank by scale too
            V *= self.scale
            if self.blank is not None:
                W1[self.blank] *= self.scale
            self.decayed *= self.scale
            self.scale = 1.0
        if flushing:
            flush_subnormals(V, self.dW1, self.tiny)
            flush_subnormals(self.p["W2"], self.W2_kept, self.tiny)
            if self.blank is not None:
                rows = W1[self.blank]
                flush_subnormals(rows, np.empty_like(rows), self.tiny)
                W1[self.blank] = rows
            self.decayed = 1.0
        if self.inputs is not None:
            W1[self.inputs] = V

    def __call__(self, X, y, idx):
        """Update the parameters in place on rows ``idx`` of ``X``.

        Returns
        -------
        float
            The batch's mean cross-entropy before the step (no decay term),
            ``mean_i(log sum_j exp(S[i, j]) - S[i, y_i])``: finite whenever the
            logits are, however wrong the prediction.
        """
        p, m, s = self.p, len(idx), self.scale
        Xb, Z1, mask, Z2, dA1 = self.Xb[:m], self.Z1[:m], self.mask[:m], self.Z2[:m], self.dA1[:m]
        row_max, row_sum, zy, ones = self.row_max[:m], self.row_sum[:m], self.zy[:m], self.ones[:m]
        yb, rows = y[idx], self.rows[:m]
        # the one copy per batch, its rows of X (mode="clip": no bounds check, so numpy
        # writes straight into Xb instead of a temporary; idx comes from a permutation)
        np.take(X, idx, axis=0, out=Xb, mode="clip")

        # forward: Z1 = X W1 + b1 = s * (X V) + b1;  A1 = relu(Z1) = Z1 * (Z1 > 0)
        np.matmul(Xb, self.V, out=Z1)
        if s != 1.0:
            Z1 *= s
        Z1 += p["b1"]
        np.greater(Z1, 0, out=mask, casting="unsafe")   # True/False written as 1.0/0.0
        A1 = np.multiply(Z1, mask, out=Z1)
        # Z2 = A1 W2 + b2;  S = Z2 - rowmax;  cross-entropy by log-sum-exp
        np.matmul(A1, p["W2"], out=Z2)
        Z2 += p["b2"]
        Z2 -= np.max(Z2, axis=1, keepdims=True, out=row_max)
        zy[...] = Z2[rows, yb]                          # S[i, y_i], before the exp
        np.exp(Z2, out=Z2)
        np.sum(Z2, axis=1, keepdims=True, out=row_sum)  # >= 1: the row's max gives exp(0)
        ce = (float(np.log(row_sum).sum(dtype=np.float64)) - float(zy.sum(dtype=np.float64))) / m
        P = np.divide(Z2, row_sum, out=Z2)              # P = softmax(Z2)

        # backward, everything times lr:  lr * dZ2 = (P - Y) * lr / m, written over P
        dZ2 = np.multiply(P, self.lr / m, out=P)
        dZ2[rows, yb] -= self.lr / m
        np.matmul(dZ2, p["W2"].T, out=dA1)              # lr * dA1 = lr * dZ2 W2^T
        np.matmul(A1.T, dZ2, out=self.dW2)              # lr * dW2 = A1^T (lr * dZ2)
        np.matmul(ones, dZ2, out=self.db2)              # lr * db2 = 1^T (lr * dZ2)
        dZ1 = np.multiply(dA1, mask, out=dA1)           # lr * dZ1 = lr * dA1 * (Z1 > 0)
        np.matmul(ones, dZ1, out=self.db1)              # lr * db1 = 1^T (lr * dZ1)

        # update: W = q * W - lr * dW, with q = 1 - 2 lr c (biases: b -= lr * db)
        if self.shrink != 1.0:
            p["W2"] *= self.shrink
        p["W2"] -= self.dW2
        p["b1"] -= self.db1
        p["b2"] -= self.db2
        # W1 = s V  ->  q s V - lr X^T dZ1 = s' (V - lr X^T dZ1 / s')  with s' = q s
        if self.shrink >= 0.5:
            s = self.scale = s * self.shrink
            if s != 1.0:
                dZ1 *= 1.0 / s
        else:                           # a decay this strong (lr c > 1/4): on the array itself
            self.scale = s * self.shrink
            self.sync()
        np.matmul(Xb.T, dZ1, out=self.dW1)              # lr * X^T dZ1 / s'
        self.V -= self.dW1
        if self.scale < 0.5:                            # keep s in [1/2, 1]: V near W1 in size
            self.sync()
        return ce


def flush_subnormals(a, work, tiny):
    """Set the nonzero entries of ``a`` smaller than ``tiny`` in magnitude to 0, in place.

    ``work`` is a scratch array of ``a``'s shape and dtype. NaN and infinities are kept.

    >>> a = np.array([1e-39, -1e-40, 0.5, -np.inf], np.float32)
    >>> flush_subnormals(a, np.empty_like(a), np.finfo(np.float32).tiny)
    >>> a.tolist()
    [0.0, -0.0, 0.5, -inf]
    """
    np.abs(a, out=work)
    np.greater_equal(work, tiny, out=work, casting="unsafe")     # 1.0 to keep, 0.0 to flush
    a *= work                                                    # NaN * 0.0 is NaN


def inked_inputs(X):
    """The columns of ``X`` that are not 0 in every row, or None if none is.

    In the MNIST sample 129 of the 784 pixels are blank in every training image (the
    corners and edges): :class:`SGDStep` with ``inputs=inked_inputs(X)`` computes its two
    large products on the other 655 columns.

    >>> inked_inputs(np.array([[0.0, 1.0, 0.0], [0.0, 0.5, 2.0]])).tolist()
    [1, 2]
    >>> inked_inputs(np.ones((2, 3))) is None
    True
    """
    inked = np.flatnonzero(np.any(X != 0, axis=0))
    return None if len(inked) == np.shape(X)[1] else inked
