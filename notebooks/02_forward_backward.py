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
    # BEGIN SOLUTION
    Z1 = X @ W1 + b1               # (n, d) @ (d, h) + (h,)  ->  (n, h)
    A1 = relu(Z1)                  # (n, h), element-wise
    Z2 = A1 @ W2 + b2              # (n, h) @ (h, k) + (k,)  ->  (n, k)
    P = handin.softmax(Z2)         # (n, k), rows sum to 1
    # END SOLUTION
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
    # BEGIN SOLUTION
    Z2 = my_forward(X, params)["Z2"]
    data_term = -log_softmax(Z2)[np.arange(len(y)), y].mean()
    decay = c * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    # END SOLUTION
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
# <!-- BEGIN SOLUTION: find $\partial J / \partial (W_2)_{u,i}$ with the chain rule (which entries of $Z_2$ does $(W_2)_{u,i}$ influence?), write it as a matrix product plus the decay term, and check its shape. -->
# The weight
# $(W_2)_{u,i}$ appears in column $i$ of $Z_2$, in *every* row $s$, with coefficient
# $(A_1)_{s,u}$; it also appears in the decay term. The chain rule sums over everything it
# influences:
#
# $$\frac{\partial J}{\partial (W_2)_{u,i}}
#   = \sum_{s=1}^{n} \frac{\partial J}{\partial (Z_2)_{s,i}} \, (A_1)_{s,u} + 2c\,(W_2)_{u,i}
#   = (A_1^\top \, \texttt{dZ2})_{u,i} + 2c\,(W_2)_{u,i}.$$
#
# The shapes agree: $(h, n) \cdot (n, k) = (h, k)$, the shape of $W_2$.
#
# **Why the decay term gives $2cW$.** $\|W_2\|^2 = \sum_{u', i'} (W_2)_{u',i'}^2$, and of this
# sum only the term $u' = u, i' = i$ depends on $(W_2)_{u,i}$; its derivative is
# $2 (W_2)_{u,i}$. Times $c$: $2c\,(W_2)_{u,i}$, for every entry, so $2c\,W_2$ as a matrix.
# <!-- END SOLUTION -->

# %% [markdown]
# <!-- BEGIN SOLUTION: find $\partial J / \partial (b_2)_i$: in which entries of $Z_2$ does $(b_2)_i$ appear, and with which coefficient? -->
# The bias $(b_2)_i$ is added to $(Z_2)_{s,i}$ in every row $s$ with coefficient 1, so its
# gradient is the sum of column $i$ of `dZ2` — a sum over the batch axis:
#
# $$\frac{\partial J}{\partial (b_2)_i} = \sum_{s=1}^{n} (\texttt{dZ2})_{s,i}.$$
#
# A sum, not a mean, because the $1/n$ of the mean cost is already inside `dZ2`. No decay
# term: $J$ does not decay the biases.
# <!-- END SOLUTION -->

# %% [markdown]
# ### 3.3 Back into the hidden layer: `dA1`
#
# <!-- BEGIN SOLUTION: find $\partial J / \partial (A_1)_{s,u}$ as a sum over the entries of $Z_2$ it influences, and write it as a matrix product of shape $(n, h)$. -->
# $(A_1)_{s,u}$ appears in row $s$ of $Z_2$, in every column $i$, with coefficient
# $(W_2)_{u,i}$:
#
# $$\frac{\partial J}{\partial (A_1)_{s,u}} = \sum_{i=1}^{k} (\texttt{dZ2})_{s,i} \, (W_2)_{u,i}
#   = (\texttt{dZ2} \; W_2^\top)_{s,u}.$$
#
# Shapes: $(n, k) \cdot (k, h) = (n, h)$, the shape of $A_1$.
# <!-- END SOLUTION -->

# %% [markdown]
# ### 3.4 Through the ReLU: `dZ1`
#
# The ReLU acts entry by entry, $(A_1)_{s,u} = \max((Z_1)_{s,u}, 0)$.
#
# <!-- BEGIN SOLUTION: write $\partial J / \partial (Z_1)_{s,u}$ from `dA1` and the derivative of the ReLU (section 2), then `dZ1` as one array expression; say what it does at the kink $Z_1 = 0$. -->
# So each entry's gradient is multiplied by the local derivative, $1$ or $0$ — the
# **ReLU mask** on $Z_1$:
#
# $$\texttt{dZ1} = \texttt{dA1} \odot 1[Z_1 > 0] \qquad (\odot\text{: element-wise product}).$$
#
# At the kink $Z_1 = 0$ the ReLU has no derivative; the mask uses 0 there, as section 2
# says (any value in $[0, 1]$ would be a valid subgradient).
# <!-- END SOLUTION -->

# %% [markdown]
# ### 3.5 The first layer: `dW1`, `db1`
#
# $(Z_1)_{s,u} = \sum_f X_{s,f} (W_1)_{f,u} + (b_1)_u$: the pattern you derived for `dW2`
# and `db2` in section 3.2 again.
#
# <!-- BEGIN SOLUTION: write `dW1` (shape $(d, h)$) and `db1` (shape $(h,)$) by the pattern you derived for `dW2` and `db2` in section 3.2. -->
# With $X$ in place of $A_1$ and `dZ1` in place of `dZ2`:
#
# $$\texttt{dW1} = X^\top \, \texttt{dZ1} + 2c\,W_1 \quad (d, h), \qquad
#   \texttt{db1} = \sum_{s=1}^{n} (\texttt{dZ1})_{s,:} \quad (h,).$$
# <!-- END SOLUTION -->

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
    # BEGIN SOLUTION
    n, k = P.shape
    dZ2 = (P - one_hot(y, k)) / n      # (n, k)
    dW2 = A1.T @ dZ2 + 2 * c * W2      # (h, n) @ (n, k)  ->  (h, k)
    db2 = dZ2.sum(axis=0)              # (k,)
    dA1 = dZ2 @ W2.T                   # (n, k) @ (k, h)  ->  (n, h)
    dZ1 = dA1 * (Z1 > 0)               # (n, h), element-wise
    dW1 = X.T @ dZ1 + 2 * c * W1       # (d, n) @ (n, h)  ->  (d, h)
    db1 = dZ1.sum(axis=0)              # (h,)
    # END SOLUTION
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# %%
check_backward(my_backward)

# %%
mine = my_backward(cache, y, params, c)
print({name: mine[name].shape for name in PARAM_NAMES})
print("entries of dZ1 zeroed by the mask:", (cache["Z1"] <= 0).sum())

# %% [markdown]
# <!-- BEGIN QUESTION 3 points -->
# **Question:** A hidden unit $u$ has $Z_1[s, u] \le 0$ for every sample $s$ of the
# batch. What are its column of `dW1` and its entry of `db1`, with $c = 0$ and with
# $c > 0$? Suppose that holds for every training image: what do many steps of gradient
# descent do to the unit's weights and bias — and can the unit ever switch on again?
#
# > **Model answer.** The mask zeroes column $u$ of `dZ1 = dA1 * (Z1 > 0)`, so column
# > $u$ of `X.T @ dZ1` is 0 and `db1[u]`, the sum of that column, is 0. With $c = 0$ the
# > unit's gradient is zero: the batch changes nothing in it. With $c > 0$ only the decay
# > is left: `dW1[:, u]` $= 2c\,W_1[:, u]$ and `db1[u]` $= 0$. If no training image makes
# > the unit positive, every step multiplies $W_1[:, u]$ by $1 - 2\eta c$ and leaves
# > $b_1[u]$ as it is, so $Z_1[s, u] = X_s W_1[:, u] + b_1[u]$ tends to $b_1[u]$ for every
# > image. The unit stays dead for ever when $c = 0$ (nothing moves) or $b_1[u] \le 0$
# > (shrinking the weights keeps every $Z_1[s, u] \le 0$); with $c > 0$ and
# > $b_1[u] > 0$ (and $2\eta c < 1$) it switches on again after finitely many steps,
# > once the shrunk weights no longer outweigh the bias — the decay revives it.
# >
# > **Rubric:** 1 point: the mask makes column $u$ of `dW1` and `db1[u]` zero, so with
# > $c = 0$ the batch does not change the unit; 1 point: with $c > 0$ only $2c\,W_1[:, u]$
# > remains: the weights shrink towards 0, the bias is untouched, $Z_1[s, u] \to b_1[u]$;
# > 1 point: it stays dead when $c = 0$ or $b_1[u] \le 0$ and revives when $c > 0$ and
# > $b_1[u] > 0$ (an answer "dead for ever" without this condition gets 0 for this point).
# <!-- END QUESTION -->

# %% [markdown]
# <!-- BEGIN TEACHER -->
# *For the teacher.* A unit that is off for a sample passes no gradient back for that
# sample: the mask zeroes its entry of `dZ1`, and that sample adds nothing to the unit's
# column of `dW1` or to its bias. Gradient descent subtracts $\eta$ times the gradient, so
# the decay term $2cW$ shrinks every weight by the factor $1 - 2\eta c$ at each step —
# hence the name *weight decay*. That is why a unit dead on every image revives when its
# bias is positive: its weights decay and its bias does not (`tests/chapters/test_checks_02.py`
# asserts it). The two cells below show it: a unit dead on every image (non-negative
# pixels, weights $-1$) with bias $b_1[u]$, trained by plain gradient descent at
# $\eta = 0.5$.
# <!-- END TEACHER -->

# %% tags=["teacher"]
def revival_step(b, c, steps=300, lr=0.5):
    """The first step after which the dead unit 0 is on for some image (None: never)."""
    rng = np.random.default_rng(0)
    Xd, yd, p = rng.uniform(size=(40, 6)), rng.integers(0, 3, size=40), handin.init_params(6, 4, 3, seed=1)
    p["W1"][:, 0], p["b1"][0] = -1.0, b               # pixels >= 0: off on every image
    for step in range(1, steps + 1):
        p = {name: p[name] - lr * g for name, g in handin.cost_grad(Xd, yd, p, c)[1].items()}
        if (handin.forward(Xd, p)["Z1"][:, 0] > 0).any():
            return step


# %% tags=["teacher"]
for b, c_ in [(0.5, 0.1), (0.5, 0.0), (0.0, 0.1), (-0.5, 0.1)]:
    step = revival_step(b, c_)
    print(f"b1[u] = {b:+.1f}, c = {c_}:", f"on again after step {step}" if step else "dead for all 300 steps")

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

# %% tags=["nbval-ignore-output"]
def my_cost_grad(X, y, params, c):
    """Your cost and your gradient, the pair (J, grads) that gradient_check compares."""
    return my_cost(X, y, params, c), my_backward(my_forward(X, params), y, params, c)


# %% [markdown]
# It nudges each entry by $\pm\varepsilon$ ($\varepsilon = 10^{-5}$) and recomputes your
# cost. Per parameter it reports the largest exact entry, the largest difference, and the
# relative error $\|g_\text{exact} - g_\text{approx}\| / (\|g_\text{exact}\| +
# \|g_\text{approx}\|)$; below about $10^{-7}$ the gradient is right. The differences are
# round-off, around $10^{-11}$, and their last digit changes from one machine to another.

# %% tags=["nbval-ignore-output"]
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

# %% tags=["nbval-ignore-output"]
check_big = handin.gradient_check(X_big, y_big, params_big, c=1e-4, n_entries=20,
                                  grad_fn=my_cost_grad, cost_fn=my_cost)
print(check_big)

# %%
print("every parameter: rel. error <= 1e-7 or max |diff| <= 1e-9:", check_big.passed(1e-7))

# %% [markdown]
# <!-- BEGIN QUESTION -->
# **Question:** The sizes of the small problem, $n, d, h, k$, are all different.
# Suppose $d = h$. Which mistake in `dW1` would then pass every shape check, and
# what would still catch it?
#
# > **Model answer.** With $d = h$ the gradient `X.T @ dZ1` is $(d, d)$, and so is
# > the transposed product `dZ1.T @ X`, $(h, n)(n, d)$: a transposed `dW1` has the
# > right shape, so no shape check and no error catches it, and training runs, on
# > wrong steps. Only the values tell: a gradient check compares each entry with a
# > difference of costs (and `check_backward` compares with the right gradient and
# > names the transpose). That is why the book picks four different sizes.
# >
# > **Rubric:** 1 point: the transposed gradient `dZ1.T @ X` has the same $(d, d)$
# > shape; 1 point: only a comparison of values catches it, such as the gradient
# > check.
# <!-- END QUESTION -->

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
