# %% [markdown]
# # Chapter 2 — worked solutions
#
# The exercises of `notebooks/02_forward_backward.ipynb`, each restated, then solved.
# The chapter's own exercise — `my_forward`, `my_cost`, `my_backward` and the derivations
# of section 3 — is solved in the chapter itself (the teacher edition); the student
# edition hides it. Notation as in Chapter 1: $s$ samples, $f$ pixels, $u$ hidden units,
# $i$ classes.

# %%
import numpy as np

import handin
from handin.model import forward, one_hot
from handin.course import check_backward

# %% [markdown]
# The small problem of the chapter: $n = 5$, $d = 6$, $h = 4$, $k = 3$, $c = 0.1$,
# nonzero biases.

# %%
rng = np.random.default_rng(2)
n, d, h, k = 5, 6, 4, 3
c = 0.1
X, y = rng.normal(size=(n, d)), rng.integers(0, k, size=n)
params = handin.init_params(d, h, k, seed=1)
params["b1"], params["b2"] = rng.normal(scale=0.5, size=h), rng.normal(scale=0.5, size=k)

# %% [markdown]
# ## Exercise 1 — Break it on purpose
#
# *Copy your `my_backward` and break it, one bug at a time: lose the $1/n$; decay a bias;
# reduce a bias gradient over the batch differently; drop a decay term. What does
# `check_backward` say? Then give the broken copy to the gradient check of section 5 (in a
# copy of `my_cost_grad`): which rows of the table catch each bug? Would the bias bug be
# caught with the zero biases of `init_params`?*
#
# Four bugs of those kinds — no `/ n` in `dZ2`, `2 * c * b1` added to `db1`,
# `dZ2.mean(axis=0)` for `db2`, no decay in `dW1` — in one backward pass with a switch for
# each:

# %%
def make_backward(bug=None):
    def my_backward(cache, y, params, c):
        X, Z1, A1, P = cache["X"], cache["Z1"], cache["A1"], cache["P"]
        W1, W2, b1 = params["W1"], params["W2"], params["b1"]
        n, k = P.shape
        dZ2 = (P - one_hot(y, k)) / (1 if bug == "no / n" else n)
        dW2 = A1.T @ dZ2 + 2 * c * W2
        db2 = dZ2.mean(axis=0) if bug == "db2 mean" else dZ2.sum(axis=0)
        dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
        dW1 = X.T @ dZ1 + (0 if bug == "no decay in dW1" else 2 * c * W1)
        db1 = dZ1.sum(axis=0) + (2 * c * b1 if bug == "decayed b1" else 0)
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    my_backward.__name__ = f"backward ({bug})"
    return my_backward


BUGS = ["no / n", "decayed b1", "db2 mean", "no decay in dW1"]

# %% [markdown]
# What `check_backward` says about each:

# %%
for bug in BUGS:
    print(check_backward(make_backward(bug)), end="\n\n")

# %% [markdown]
# The gradient check, with the cost of `handin` and the broken gradient: the parameters
# whose relative error exceeds $10^{-7}$.

# %%
def failing_rows(bug, params):
    grad_fn = lambda X, y, p, c: (handin.cost(X, y, p, c),                      # noqa: E731
                                  make_backward(bug)(forward(X, p), y, p, c))
    check = handin.gradient_check(X, y, params, c=c, grad_fn=grad_fn)
    return [row.name for row in check if row.rel_error > 1e-7]


for bug in BUGS:
    print(f"{bug:<16} caught by: {failing_rows(bug, params)}")

# %% [markdown]
# * **no `/ n`** is caught by all four rows: every gradient is built from `dZ2`.
# * **decayed `b1`** only by `b1`; **`db2` as a mean** only by `b2`; **no decay in `dW1`**
#   only by `W1` — each bug touches one gradient.
#
# With the zero biases of `init_params`, $2c\,b_1 = 0$: the decayed-bias bug changes
# nothing and no check can see it — which is why the chapter (and `handin.course`)
# give the biases random values:

# %%
zero_bias = handin.init_params(d, h, k, seed=1)
print("decayed b1 with b1 = 0, caught by:", failing_rows("decayed b1", zero_bias))

# %% [markdown]
# `db2 = dZ2.mean(axis=0)` divides by $n$ a second time. A mean over the batch is right
# only where the $1/n$ is not already in `dZ2`: `np.mean(P - Y, axis=0)` equals
# `dZ2.sum(axis=0)`.

# %% [markdown]
# ## Exercise 2 — The mask
#
# *Would a mask computed from $A_1$ instead of $Z_1$ give the same gradient? A mask that is
# 1 at the kink instead of 0? Try both, and explain with the kink example.* The chapter's
# mask is `Z1 > 0`; the two others are `A1 > 0` and `Z1 >= 0`.
#
# $A_1 = \max(Z_1, 0)$ is positive exactly where $Z_1$ is: `A1 > 0` is the same mask,
# always. `Z1 >= 0` differs where $Z_1 = 0$ exactly — the kink — and there it passes the
# gradient that `Z1 > 0` stops. With real-valued data that never happens; with the
# chapter's all-zero sample and zero biases it happens for every hidden unit of that
# sample.

# %%
def grads_with_mask(mask, X, params):
    cache = forward(X, params)
    Z1, A1, P = cache["Z1"], cache["A1"], cache["P"]
    dZ2 = (P - one_hot(y, k)) / len(X)
    dZ1 = (dZ2 @ params["W2"].T) * {"Z1 > 0": Z1 > 0, "A1 > 0": A1 > 0, "Z1 >= 0": Z1 >= 0}[mask]
    return {"W1": X.T @ dZ1 + 2 * c * params["W1"], "b1": dZ1.sum(axis=0)}


X_kink = X.copy()
X_kink[0] = 0.0
kink_params = handin.init_params(d, h, k, seed=1)          # biases 0: sample 0 sits on the kink
for data, p, what in ((X, params, "the chapter's X"), (X_kink, kink_params, "the kink example")):
    ref = grads_with_mask("Z1 > 0", data, p)
    for mask in ("A1 > 0", "Z1 >= 0"):
        same = all(np.array_equal(grads_with_mask(mask, data, p)[k_], ref[k_]) for k_ in ref)
        print(f"{what:<17} {mask:<8} same gradient as Z1 > 0: {same}")

# %% [markdown]
# At the kink the function has no derivative: the left slope is 0, the right slope 1, and
# any value in $[0, 1]$ is a valid *subgradient*. `Z1 > 0` picks 0, `Z1 >= 0` picks 1; the
# central difference sees $\tfrac12$, which is why the kink example's `b1` check fails with
# either mask. (`W1` is unaffected: its gradient multiplies by the zero input.)

# %% [markdown]
# ## Exercise 3 — A bias is a weight
#
# *Append a column of ones to $A_1$ and a row $b_2$ to $W_2$, so that
# $Z_2 = [A_1, 1]\,[W_2; b_2]$. Show that with $c = 0$ the formula for `dW2` then gives
# `db2` in its last row. What does the last row hold with $c > 0$, and why is that not the
# gradient of our $J$?*
#
# With $\tilde A = [A_1, \mathbf 1]$ $(n, h+1)$ and $\tilde W = [W_2; b_2]$ $(h+1, k)$,
# $\tilde A \tilde W = A_1 W_2 + \mathbf 1 b_2 = Z_2$. The formula of section 3.2 gives
# $\partial J / \partial \tilde W = \tilde A^\top \texttt{dZ2} + 2c\tilde W$. Its last row
# is $\mathbf 1^\top \texttt{dZ2} + 2c\,b_2 = \sum_s (\texttt{dZ2})_{s,:} + 2c\,b_2$: the sum
# over the batch — plus a decay of the bias that $J$ does not have, unless $c = 0$.

# %%
cache = forward(X, params)
dZ2 = (cache["P"] - one_hot(y, k)) / n
A_tilde = np.hstack([cache["A1"], np.ones((n, 1))])
W_tilde = np.vstack([params["W2"], params["b2"]])
for c_ in (0.0, c):
    last_row = (A_tilde.T @ dZ2 + 2 * c_ * W_tilde)[-1]
    db2 = handin.cost_grad(X, y, params, c=c_)[1]["b2"]
    print(f"c = {c_}: last row == db2: {np.allclose(last_row, db2)}, "
          f"== db2 + 2c b2: {np.allclose(last_row, db2 + 2 * c_ * params['b2'])}")

# %% [markdown]
# ## Exercise 4 — Cost of the backward pass
#
# *Count the multiplications of the forward and of the backward pass for $n = 32$,
# $d = 784$, $h = 256$, $k = 10$, and compare.* A layer's backward pass usually needs two
# matrix products for the forward pass's one; ours is barely more expensive than the
# forward pass.
#
# A product $(a, b) \cdot (b, c)$ takes $abc$ multiplications. Forward: $X W_1$ and
# $A_1 W_2$. Backward: `A1.T @ dZ2` and `dZ2 @ W2.T` for the second layer, but for the
# first layer only `X.T @ dZ1`: nobody needs $\partial J / \partial X$, the gradient with
# respect to the input, which would cost another $n\,h\,d$. The element-wise operations
# (ReLU, mask, softmax, decay) are a few per entry and do not change the count's order.

# %%
n_, d_, h_, k_ = 32, 784, 256, 10
forward_mults = n_ * d_ * h_ + n_ * h_ * k_                      # X @ W1, A1 @ W2
backward_mults = h_ * n_ * k_ + n_ * k_ * h_ + d_ * n_ * h_      # A1.T @ dZ2, dZ2 @ W2.T, X.T @ dZ1
print(f"forward  {forward_mults:>10,}")
print(f"backward {backward_mults:>10,}   ratio {backward_mults / forward_mults:.2f}")
print(f"dX would add {n_ * h_ * d_:,}: ratio {(backward_mults + n_ * h_ * d_) / forward_mults:.2f}")
