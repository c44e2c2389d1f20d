# %% [markdown]
# # Chapter 2 — Forward and backward through the two-layer network
#
# Chapter 1 ended with the gradient of the cost with respect to the logits,
# $\texttt{dZ2} = (P - Y)/n$. This chapter carries it back through the whole network.
# It shows
#
# 1. the shape of every array, forward and backward (one table);
# 2. the forward pass and the cost, step by step, on a small random problem — written by
#    you as two functions, `my_forward` and `my_cost`;
# 3. the backward pass — the chain rule, one step at a time, weight decay included —
#    derived and written by you as `my_backward`;
# 4. that your functions agree with `handin.cost_grad` on the cost and on every gradient;
# 5. a gradient check of your gradient, every parameter, against central differences of
#    your cost, on the small problem and at the real MNIST size, and why checks can fail at
#    the kink of the ReLU.
#
# **This chapter is an exercise**: you write the bodies of `my_forward`, `my_cost` and
# `my_backward` where it says `# YOUR CODE HERE`, and the derivations of section 3 where
# it says *Derive this yourself* (the teacher's edition of this book holds a worked
# solution in their place). After each function, a self-check from `handin.course` runs
# it on small random problems, compares it with `handin` (and the backward pass with
# central differences) and says ✓ or names your mistake — a missing $1/n$, a transposed
# gradient, a wrong ReLU mask, a wrong decay term, …

# %%
import numpy as np
import matplotlib.pyplot as plt

import handin
from handin.model import PARAM_NAMES, log_softmax, one_hot, relu
from handin.course import check_backward, check_cost, check_forward
from handin.plots import show

# %%
handin.threads.share()   # numpy, yours too, on one core or two: whichever is faster here now

# %% [markdown]
# ## 1. The network and its shapes
#
# A batch of $n$ inputs is the matrix $X$, one sample per row (the row-vector convention:
# a layer computes $X W + b$). For MNIST $d = 784$ pixels, $k = 10$ classes, and the book
# uses $h = 256$ hidden units:
#
# $$Z_1 = X W_1 + b_1, \quad A_1 = \mathrm{relu}(Z_1), \quad Z_2 = A_1 W_2 + b_2, \quad
#   P = \mathrm{softmax}(Z_2),$$
#
# $$J = \frac{1}{n} \sum_{s=1}^{n} -\log P_{s, y_s} \;+\; c\,\big(\|W_1\|^2 + \|W_2\|^2\big).$$
#
# A bias is a row vector added to every row of the matrix before it (numpy broadcasting).
#
# **Why the cost decays the weights and not the biases.** This is the usual choice. Decay
# keeps weights small, and small weights make the output change little when the input
# changes — a smoother function that overfits less. A bias multiplies no input: it only
# shifts a unit's threshold, so shrinking it does not make the function smoother, and with
# $h + k$ biases against $dh + hk$ weights they add little capacity.
#
# | array | shape | what it is | | gradient | shape |
# |---|---|---|---|---|---|
# | `X`  | $(n, d)$ | inputs, one sample per row | | | |
# | `y`  | $(n,)$   | integer labels in $0, \dots, k-1$ | | | |
# | `Y`  | $(n, k)$ | one-hot labels, $Y_{s,i} = \delta_{i, y_s}$ | | | |
# | `W1` | $(d, h)$ | first-layer weights | | `dW1` | $(d, h)$ |
# | `b1` | $(h,)$   | first-layer biases | | `db1` | $(h,)$ |
# | `Z1` | $(n, h)$ | pre-activations $X W_1 + b_1$ | | `dZ1` | $(n, h)$ |
# | `A1` | $(n, h)$ | hidden activations $\mathrm{relu}(Z_1)$ | | `dA1` | $(n, h)$ |
# | `W2` | $(h, k)$ | second-layer weights | | `dW2` | $(h, k)$ |
# | `b2` | $(k,)$   | second-layer biases | | `db2` | $(k,)$ |
# | `Z2` | $(n, k)$ | logits $A_1 W_2 + b_2$ | | `dZ2` | $(n, k)$ |
# | `P`  | $(n, k)$ | probabilities, $\mathrm{softmax}$ of each row of $Z_2$ | | | |
# | `J`  | scalar   | the cost | | | |
#
# Every gradient `dQ` $= \partial J / \partial Q$ has the shape of `Q`: one partial
# derivative per entry. That alone pins down most of the formulas below.

# %% [markdown]
# ## 2. The forward pass, step by step
#
# A small problem that fits on the screen: $n = 5$ samples, $d = 6$ features, $h = 4$
# hidden units, $k = 3$ classes, and a weight decay $c = 0.1$.

# %%
rng = np.random.default_rng(2)
n, d, h, k = 5, 6, 4, 3
c = 0.1
X = rng.normal(size=(n, d))
y = rng.integers(0, k, size=n)
print("X:", X.shape, "  y:", y)

# %% [markdown]
# `handin.init_params` draws the weights and sets the biases to zero. We give the biases
# random values instead: a mistake such as decaying the biases changes nothing while
# $b = 0$ — with nonzero biases the checks below would catch it.

# %%
params = handin.init_params(d, h, k, seed=1)
params["b1"], params["b2"] = rng.normal(scale=0.5, size=h), rng.normal(scale=0.5, size=k)
print({name: params[name].shape for name in PARAM_NAMES})

# %% [markdown]
# First layer: a matrix product, then the bias added to every row,
# $Z_1 = X W_1 + b_1$: $(n, d) \cdot (d, h) + (h,) \to (n, h)$.
#
# The ReLU keeps positive entries and zeroes the others. Its derivative is 1 where
# $Z_1 > 0$ and 0 where $Z_1 < 0$; at $Z_1 = 0$ (the *kink*) it has none, and the code
# uses 0 there.

# %%
zz = np.linspace(-3, 3, 601)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3), layout="constrained")
ax1.plot(zz, relu(zz)), ax1.set(xlabel="$z$", ylabel="relu$(z)$", title="ReLU: max$(z, 0)$")
ax2.plot(zz, 1.0 * (zz > 0)), ax2.plot(0, 0, "o", color="tab:blue")
ax2.set(xlabel="$z$", ylabel="relu$'(z)$", title="its derivative: $1[z > 0]$")
show(fig, "left, the ReLU against z, zero for negative z and equal to z for positive z; right, "
          "its derivative, 0 for negative and 1 for positive z, with a dot marking the 0 the code "
          "uses at the kink z = 0.")

# %% [markdown]
# $A_1 = \mathrm{relu}(Z_1)$ acts entry by entry, so $A_1$ has the shape of $Z_1$. Second
# layer: the logits $Z_2 = A_1 W_2 + b_2$, one row of $k$ per sample:
# $(n, h) \cdot (h, k) + (k,) \to (n, k)$. Softmax of each row gives the probabilities
# (Chapter 1; `handin.softmax` computes it stably).
#
# ### Your turn: `my_forward`
#
# Write the four steps, $Z_1, A_1, Z_2, P$, in numpy. The function returns them in a dict,
# with `X`: what the backward pass will need (`handin.forward` returns the same). The
# check after it runs your function on problems of its own and says what it finds.

# %%
def my_forward(X, params):
    """The forward pass: a dict of X (n, d), Z1 and A1 (n, h), Z2 and P (n, k)."""
    W1, b1, W2, b2 = (params[name] for name in PARAM_NAMES)
    # YOUR CODE HERE
    raise NotImplementedError("write the body of my_forward(X, params)")
    return {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "P": P}


# %%
check_forward(my_forward)

# %% [markdown]
# On our problem:

# %%
cache = my_forward(X, params)
print({name: cache[name].shape for name in ("Z1", "A1", "Z2", "P")})
print("fraction of active units:", (cache["Z1"] > 0).mean())
print(cache["P"].round(3))

# %% [markdown]
# The cost: the mean cross-entropy, by log-sum-exp as in Chapter 1 (`log_softmax`; the log
# of a probability that underflowed to 0 would be $-\infty$), plus the decay of the two
# weight matrices (not of the biases). Your turn again: `my_cost` may call `my_forward`.

# %%
def my_cost(X, y, params, c):
    """The cost J: the mean cross-entropy plus c (||W1||^2 + ||W2||^2)."""
    # YOUR CODE HERE
    raise NotImplementedError("write the body of my_cost(X, y, params, c)")
    return data_term + decay


# %%
check_cost(my_cost)

# %%
J = my_cost(X, y, params, c)
print("J =", round(J, 6))

# %% [markdown]
# ## 3. The backward pass, step by step
#
# We go back from $J$ to the parameters, one array at a time. Each step takes the gradient
# of the array *after* an operation and returns the gradient of the arrays *before* it.
# Indices: $s$ runs over samples, $f$ over input features, $u$ over hidden units, $i$ over
# classes.
#
# ### 3.1 The logits: `dZ2`
#
# Chapter 1, section 4 derived it: $\texttt{dZ2} = (P - Y)/n$, with $Y$ the one-hot labels
# (`one_hot(y, k)`). The decay term does not depend on $Z_2$, so it adds nothing here.

# %% [markdown]
# ### 3.2 The second layer: `dW2`, `db2`
#
# Entry by entry, $(Z_2)_{s,i} = \sum_{u} (A_1)_{s,u} (W_2)_{u,i} + (b_2)_i$.
#
# *Derive this yourself: find $\partial J / \partial (W_2)_{u,i}$ with the chain rule (which entries of $Z_2$ does $(W_2)_{u,i}$ influence?), write it as a matrix product plus the decay term, and check its shape.*

# %% [markdown]
# *Your derivation:*

# %% [markdown]
# *Derive this yourself: find $\partial J / \partial (b_2)_i$: in which entries of $Z_2$ does $(b_2)_i$ appear, and with which coefficient?*

# %% [markdown]
# *Your derivation:*

# %% [markdown]
# ### 3.3 Back into the hidden layer: `dA1`
#
# *Derive this yourself: find $\partial J / \partial (A_1)_{s,u}$ as a sum over the entries of $Z_2$ it influences, and write it as a matrix product of shape $(n, h)$.*

# %% [markdown]
# *Your derivation:*

# %% [markdown]
# ### 3.4 Through the ReLU: `dZ1`
#
# The ReLU acts entry by entry, $(A_1)_{s,u} = \max((Z_1)_{s,u}, 0)$.
#
# *Derive this yourself: write $\partial J / \partial (Z_1)_{s,u}$ from `dA1` and the derivative of the ReLU (section 2), then `dZ1` as one array expression; say what it does at the kink $Z_1 = 0$.*

# %% [markdown]
# *Your derivation:*

# %% [markdown]
# ### 3.5 The first layer: `dW1`, `db1`
#
# $(Z_1)_{s,u} = \sum_f X_{s,f} (W_1)_{f,u} + (b_1)_u$: the pattern you derived for `dW2`
# and `db2` in section 3.2 again.
#
# *Derive this yourself: write `dW1` (shape $(d, h)$) and `db1` (shape $(h,)$) by the pattern you derived for `dW2` and `db2` in section 3.2.*

# %% [markdown]
# *Your derivation:*

# %% [markdown]
# ### 3.6 Your turn: `my_backward`
#
# Sections 3.1 to 3.5 in numpy, from the top: `dZ2`, `dW2`, `db2`, `dA1`, `dZ1`, `dW1`,
# `db1`. The function gets the forward pass's dict (`cache`) and returns the gradients
# under the names of the parameters. Its check hands it the cache of `handin.forward`, so
# it does not depend on your `my_forward`.

# %%
def my_backward(cache, y, params, c):
    """The gradient of the cost: dW1, db1, dW2, db2 under the keys W1, b1, W2, b2."""
    X, Z1, A1, P = cache["X"], cache["Z1"], cache["A1"], cache["P"]
    W1, W2 = params["W1"], params["W2"]
    # YOUR CODE HERE
    raise NotImplementedError("write the body of my_backward(cache, y, params, c)")
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# %%
check_backward(my_backward)

# %%
mine = my_backward(cache, y, params, c)
print({name: mine[name].shape for name in PARAM_NAMES})
print("entries of dZ1 zeroed by the mask:", (cache["Z1"] <= 0).sum())

# %% [markdown]
# **Question:** A hidden unit $u$ has $Z_1[s, u] \le 0$ for every sample $s$ of the
# batch. What are its column of `dW1` and its entry of `db1`, with $c = 0$ and with
# $c > 0$? Suppose that holds for every training image: what do many steps of gradient
# descent do to the unit's weights and bias — and can the unit ever switch on again?

# %% [markdown]
# *Your answer:*

# %% [markdown]
# ## 4. Does it agree with `handin`?
#
# `handin.cost_grad(X, y, params, c)` does the same forward and backward pass and returns
# the cost and a dict of gradients. One line per quantity, for your `J` and `mine`: the
# largest absolute difference (rounded to 12 decimals) and `np.allclose`.

# %%
J_pkg, grads = handin.cost_grad(X, y, params, c=c)
print(f"cost  max |diff| = {np.round(abs(J - J_pkg), 12)}  allclose: {np.allclose(J, J_pkg)}")
for name in PARAM_NAMES:
    diff = np.abs(mine[name] - grads[name]).max()
    print(f"{name:<4}  max |diff| = {np.round(diff, 12)}  allclose: {np.allclose(mine[name], grads[name])}")

# %% [markdown]
# ## 5. Gradient checks
#
# Agreeing with the package proves only that you made the same computation. To know it is
# the *right* one, compare your gradient with central differences of your cost, as in
# Chapter 1, now for every entry of every parameter. `handin.gradient_check` takes the
# two: `cost_fn(X, y, params, c)`, whose differences it computes, and
# `grad_fn(X, y, params, c)`, which returns the cost and the gradient to compare. Yours:

# %%
def my_cost_grad(X, y, params, c):
    """Your cost and your gradient, the pair (J, grads) that gradient_check compares."""
    return my_cost(X, y, params, c), my_backward(my_forward(X, params), y, params, c)


# %% [markdown]
# It nudges each entry by $\pm\varepsilon$ ($\varepsilon = 10^{-5}$) and recomputes your
# cost. Per parameter it reports the largest exact entry, the largest difference, and the
# relative error $\|g_\text{exact} - g_\text{approx}\| / (\|g_\text{exact}\| +
# \|g_\text{approx}\|)$; below about $10^{-7}$ the gradient is right. The differences are
# round-off, around $10^{-11}$, and their last digit changes from one machine to another.

# %%
check = handin.gradient_check(X, y, params, c=c, grad_fn=my_cost_grad, cost_fn=my_cost)
print(check)

# %% [markdown]
# `check.passed(1e-7)` asks that of every parameter — or, for a gradient so close to zero
# that its relative error is only round-off, a largest difference of at most $10^{-9}$:

# %%
print("every parameter: rel. error <= 1e-7 or max |diff| <= 1e-9:", check.passed(1e-7))

# %% [markdown]
# **At the real MNIST size.** $d = 784$, $h = 256$, $k = 10$ is 203,530 parameters; two
# cost evaluations for each would be slow, and checking a sample is enough to catch a
# wrong formula. `n_entries=20` checks 20 random entries per parameter (all 10 of $b_2$).
# A few random "images" with pixel values in $[0, 1]$ and the book's default decay
# $c = 10^{-4}$:

# %%
rng = np.random.default_rng(3)
X_big, y_big = rng.uniform(size=(8, 784)), rng.integers(0, 10, size=8)
params_big = handin.init_params(784, 256, 10, seed=0)

# %%
check_big = handin.gradient_check(X_big, y_big, params_big, c=1e-4, n_entries=20,
                                  grad_fn=my_cost_grad, cost_fn=my_cost)
print(check_big)

# %%
print("every parameter: rel. error <= 1e-7 or max |diff| <= 1e-9:", check_big.passed(1e-7))

# %% [markdown]
# **Question:** The sizes of the small problem, $n, d, h, k$, are all different.
# Suppose $d = h$. Which mistake in `dW1` would then pass every shape check, and
# what would still catch it?

# %% [markdown]
# *Your answer:*

# %% [markdown]
# ### The ReLU kink
#
# A gradient check can fail even for a correct gradient: at $z = 0$ the ReLU has no
# derivative. The mask says 0 there, but the central difference straddles the kink and
# sees the average of the two slopes, $\tfrac12$:

# %%
eps = 1e-5
print("central difference of relu at 0:", (relu(eps) - relu(-eps)) / (2 * eps))

# %% [markdown]
# With real-valued data an entry of $Z_1$ is almost never exactly 0, or within
# $\varepsilon$ of it. But it can happen: an all-zero input with the biases still at their
# initial 0 puts every hidden unit of that sample exactly on the kink. Then nudging $b_1$
# crosses it, and the check of your `b1` fails although your formula passed everything
# above (nudging `W1` multiplies by the zero input, so `W1` still passes):

# %%
X_kink = X.copy()
X_kink[0] = 0.0                                    # sample 0: an all-zero input
params_kink = handin.init_params(d, h, k, seed=1)  # biases 0: sample 0 sits on the kink
kink = handin.gradient_check(X_kink, y, params_kink, c=c, grad_fn=my_cost_grad, cost_fn=my_cost)

# %%
for row in kink:
    print(f"{row.name:<3} rel. error {row.rel_error:.2f}   < 1e-7: {row.rel_error < 1e-7}")

# %% [markdown]
# So when a check fails for a single parameter by a large margin, look for entries of
# $Z_1$ within $\varepsilon$ of 0 before looking for a bug — and check on few samples:
# fewer samples, fewer kinks.

# %% [markdown]
# ## Recap
#
# * Forward: $Z_1 = X W_1 + b_1$, $A_1 = \mathrm{relu}(Z_1)$, $Z_2 = A_1 W_2 + b_2$,
#   $P = \mathrm{softmax}(Z_2)$; the cost is the mean cross-entropy plus
#   $c(\|W_1\|^2 + \|W_2\|^2)$.
# * Backward, from the top: the seven lines of your `my_backward` (section 3.6), from
#   `dZ2` down to `db1`.
# * A parameter is used by every sample, so every sample of the batch contributes to its
#   gradient. Every gradient has the shape of its array, a first check on every product.
# * Weight decay enters the gradients of the weights only: the cost does not decay the
#   biases.
# * Once they pass their self-checks, your functions agree with `handin.cost_grad`, and
#   central differences of your cost agree with your gradient to a relative error of about
#   $10^{-10}$, on the small problem and at MNIST size. A check can fail at the ReLU kink
#   without a bug.
#
# ## Exercises
#
# 1. **Break it on purpose.** Copy your `my_backward` and break it, one bug at a time:
#    lose the $1/n$; decay a bias; reduce a bias gradient over the batch differently; drop
#    a decay term. What does `check_backward` say? Then give the broken copy to the
#    gradient check of section 5 (in a copy of `my_cost_grad`): which rows of the table
#    catch each bug? Would the bias bug be caught with the zero biases of `init_params`?
# 2. **The mask.** Would a mask computed from $A_1$ instead of $Z_1$ give the same
#    gradient? A mask that is 1 at the kink instead of 0? Try both, and explain with the
#    kink example.
# 3. **A bias is a weight.** Append a column of ones to $A_1$ and a row $b_2$ to $W_2$, so that
#    $Z_2 = [A_1, 1]\,[W_2; b_2]$. Show that with $c = 0$ the formula for `dW2` then gives
#    `db2` in its last row. What does the last row hold with $c > 0$, and why is that not
#    the gradient of our $J$?
# 4. **Cost of the backward pass.** Count the multiplications of the forward and of the
#    backward pass for $n = 32$, $d = 784$, $h = 256$, $k = 10$, and compare.
