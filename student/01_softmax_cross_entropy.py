# %% [markdown]
# # Chapter 1 — Softmax and cross-entropy
#
# The network of this book ends in a **softmax** and is trained by making the
# **cross-entropy** small. Before we backpropagate through any layer, this chapter
# studies that last step on its own. It shows
#
# 1. what softmax and cross-entropy are, for one sample with label $y$;
# 2. why the textbook formula for softmax overflows — we make it happen — and the stable
#    form that `handin` uses (subtract the maximum; log-sum-exp);
# 3. the derivative $\partial E / \partial z_i$ of the loss with respect to each logit, step
#    by step, and its vector form;
# 4. the batch version $\dfrac{\partial J}{\partial Z_2} = \dfrac{P - Y}{n}$, the first line
#    of the backward pass in Chapter 2;
# 5. a numerical check of that formula by central differences;
# 6. the same loss and gradient written by you, first with loops, then vectorised — and
#    how much faster the vectorised one is.
#
# **Section 6 is an exercise**: you write its functions where it says `# YOUR CODE HERE`,
# and the derivations of section 3 where it says *Derive this yourself* (the teacher's
# edition of this book holds a worked solution in their place). A self-check after each
# function says ✓ or names your mistake.
#
# **Notation.** The whole book uses these letters:
#
# | letter | meaning | letter | meaning |
# |---|---|---|---|
# | $n$ | samples in a batch | $s$ | a sample (a row of $X$, $Z_2$, $P$) |
# | $d$ | input features: the 784 pixels | $f$ | a pixel (a column of $X$, a row of $W_1$) |
# | $h$ | hidden units | $u$ | a hidden unit (a column of $W_1$, a row of $W_2$) |
# | $k$ | classes | $i$, $j$ | classes, and nothing else |
# | $y$, $y_s$ | a sample's label | $e_y$, $Y$ | its one-hot vector; the one-hot matrix |
# | $z$, $Z_2$ | logits of one sample; of a batch | $p$, $P$ | probabilities (never a pixel) |
# | $c$ | the weight decay | $\eta$, `lr` | the learning rate |
# | $E$ | the loss of one sample: its cross-entropy | $J$ | the cost of a batch |
# | $L$ | layers with weights (2 in our network) | $\ell$ | a layer, $1, \dots, L$ |
# | $Z_\ell$, $A_\ell$ | layer $\ell$'s pre-activations; its outputs ($A_0 = X$) | $W_\ell$, $b_\ell$ | layer $\ell$'s weights and biases |
# | $h_\ell$ | units of layer $\ell$ ($h_0 = d$, $h_1 = h$, $h_L = k$) | $q$, $r$ | a unit of layer $\ell - 1$; a unit of layer $\ell$ |
#
# Code counts from 0: classes $0, \dots, k-1$. The *cost* $J$ is the mean cross-entropy
# plus the decay term; the *cross-entropy* (or *loss*, $E$, for one sample) is the data term
# alone. The layer letters serve Chapters 7 and 8, where a layer is any layer: in our
# two-layer network $q, r$ are $f, u$ in layer 1 and $u, i$ in layer 2.

# %%
import time

import numpy as np
import matplotlib.pyplot as plt

import handin
from handin.model import log_softmax, one_hot
from handin.gradcheck import numerical_gradient
from handin.course import check_softmax_loss
from handin.plots import show

np.set_printoptions(suppress=True)    # no scientific notation in printed arrays

# %%
handin.threads.share()   # numpy, yours too, on one core or two: whichever is faster here now

# %% [markdown]
# ## 1. One sample: softmax and cross-entropy
#
# The last layer of the network produces $k$ numbers, the **logits**
# $z = (z_1, \dots, z_k)$ — for MNIST $k = 10$, one per digit. Softmax turns them into
# probabilities:
#
# $$p_i = \mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_{j=1}^{k} e^{z_j}}, \qquad i = 1, \dots, k.$$
#
# Every $p_i$ is positive, they sum to 1, and a larger logit gets a larger probability.
# If the true label of the sample is $y \in \{1, \dots, k\}$, the **cross-entropy loss** is
# minus the log of the probability given to the true class:
#
# $$E(z) = -\log p_y = -\log \mathrm{softmax}(z)_y .$$
#
# With the one-hot vector $e_y$ (a 1 at position $y$, zeros elsewhere) the same loss reads
# $E = -\sum_{i=1}^{k} (e_y)_i \log p_i$: of the $k$ terms only the one with $i = y$ is left.
# $E = 0$ when $p_y = 1$, and $E \to \infty$ when $p_y \to 0$.
#
# In code the classes are numbered $0, \dots, k-1$. `handin.softmax` works row by row on
# a batch of shape `(n, k)`; a single sample is a batch of one row.

# %%
z = np.array([2.0, 1.0, -1.0])        # the k = 3 logits of one sample
p = handin.softmax(z[None, :])[0]     # as a batch of one row, and back
print("p      =", p.round(4))
print("sum(p) =", p.sum().round(6))

# %% [markdown]
# The loss is small when the model puts its probability on the true class, large when it
# does not:

# %%
for y in range(3):
    print(f"label y = {y}:  E = -log p[y] = {-np.log(p[y]):.4f}")

# %% [markdown]
# With two classes we can draw everything. Only the difference of the logits matters, so
# take $z = (0, t)$: then $p_2 = 1 / (1 + e^{-t})$, the logistic sigmoid, and the loss for
# label $y = 2$ is $-\log p_2 = \log(1 + e^{-t})$. The book shows each figure with
# `show(fig, words)`: the words go under the picture, and a screen reader reads them out
# in its place.

# %%
t = np.linspace(-6, 6, 201)
P2 = handin.softmax(np.stack([np.zeros_like(t), t], axis=1))   # 201 samples, z = (0, t)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
ax1.plot(t, P2[:, 0], label="$p_1$"), ax1.plot(t, P2[:, 1], label="$p_2$")
ax1.set(xlabel="$z_2 - z_1$", ylabel="probability", title="softmax of two logits"), ax1.legend()
ax2.plot(t, -log_softmax(np.stack([np.zeros_like(t), t], axis=1))[:, 1])
ax2.set(xlabel="$z_2 - z_1$", ylabel="$E = -\\log p_2$", title="cross-entropy, label $y = 2$")
show(fig, "left, the softmax probabilities p₁ and p₂ of two logits against their difference "
          "z₂ − z₁, two mirrored S-curves that cross where the logits are equal; right, the "
          "cross-entropy −log p₂ for label y = 2, high when z₂ − z₁ is negative and falling "
          "towards 0 as it grows.")

# %% [markdown]
# ## 2. Why the textbook formula overflows
#
# A float64 holds numbers up to about $1.8 \cdot 10^{308}$, so $e^{z}$ overflows to `inf`
# as soon as $z > \ln(1.8 \cdot 10^{308}) \approx 709.8$. The network trains in **float32**,
# whose largest number is about $3.4 \cdot 10^{38}$: there $e^z$ overflows already for
# $z > 88.7$.

# %%
for dtype in (np.float32, np.float64):
    print(f"{dtype.__name__}: exp(z) overflows for z > ln(max) = {np.log(np.finfo(dtype).max):.1f}")

# %% [markdown]
# Logits that large are rare in a healthy network, but they do occur — early in training,
# with a learning rate that is too large, or because of a bug — and then the textbook
# formula computes $\infty / \infty$ = `nan`. Here it is (numpy warns about the overflow;
# `np.errstate` silences the warning so that we see only the result):

# %%
z_big = np.array([1000.0, 999.0, 0.0])
with np.errstate(over="ignore", invalid="ignore"):
    print("np.exp(1000)  =", np.exp(1000.0))
    print("naive softmax =", np.exp(z_big) / np.exp(z_big).sum())

# %% [markdown]
# **The fix: subtract the maximum.** For any constant $m$,
#
# $$\frac{e^{z_i - m}}{\sum_{j=1}^{k} e^{z_j - m}}
#   = \frac{e^{-m}\, e^{z_i}}{e^{-m} \sum_{j=1}^{k} e^{z_j}} = p_i ,$$
#
# so softmax does not change when the same number is subtracted from every logit. Choose
# $m = \max_j z_j$; this is what `handin.softmax` does (the question at the end of this
# section asks why this choice works).
#
# **For the loss, log-sum-exp.** The loss needs $\log p_y$, and taking the log of a stable
# softmax is still not enough: a tiny $p_y$ underflows to 0 and $\log 0 = -\infty$. So take
# the log first and simplify:
#
# $$\log p_i = z_i - \log \sum_{j=1}^{k} e^{z_j}
#            = (z_i - m) - \log \sum_{j=1}^{k} e^{z_j - m} .$$
#
# With $m = \max_j z_j$ the sum is the stable softmax's denominator. This is
# `handin.model.log_softmax`, and `handin.cost` computes the loss with it.

# %%
print("handin.softmax     =", handin.softmax(z_big[None, :])[0].round(4))
print("handin log_softmax =", log_softmax(z_big[None, :])[0].round(4))

# %% [markdown]
# The third probability is $e^{-1000.31} \approx 10^{-434}$, which is 0 in float64. If the
# true class of this sample were the third one, the log of the (stable) softmax would give
# an infinite loss, while log-sum-exp gives the true, large but finite, value:

# %%
with np.errstate(divide="ignore"):
    print("np.log(handin.softmax) =", np.log(handin.softmax(z_big[None, :])[0]).round(4))
print("loss for label 2: naive inf, stable", -log_softmax(z_big[None, :])[0, 2].round(4))

# %% [markdown]
# **Question:** Subtracting the *smallest* logit, $m = \min_j z_j$, leaves softmax
# unchanged too. Why does it not cure the overflow of `z_big = [1000, 999, 0]`? What
# does the fix need from $m = \max_j z_j$?

# %% [markdown]
# *Your answer:*

# %% [markdown]
# ## 3. The derivative of the loss with respect to the logits
#
# We keep three letters apart, and never mix them:
#
# * $y$ — the label, fixed for this sample;
# * $i$ — the coordinate we differentiate with respect to, $\partial / \partial z_i$, any of $1, \dots, k$;
# * $j$ — the summation index inside softmax's denominator,
#   $S = \sum_{j=1}^{k} e^{z_j}$, so that $p_i = e^{z_i} / S$ for every class $i$.
#
# The Kronecker delta says whether two indices are equal:
# $\delta_{i,y} = 1$ if $i = y$ and $0$ otherwise. It is the derivative of one coordinate
# with respect to another: $\partial z_y / \partial z_i = \delta_{i,y}$.
#
# We want $\partial E / \partial z_i$ for every $i$.
#
# *Derive this yourself: show that $\partial E / \partial z_i = p_i - \delta_{i,y}$: expand $E = -\log p_y$ with the definition of softmax, then differentiate it term by term with respect to $z_i$, saying which terms depend on $z_i$.*

# %% [markdown]
# *Your derivation:*

# %% [markdown]
# So $\partial E / \partial z_i = p_i - \delta_{i,y}$. For $i \ne y$ the derivative is
# $p_i > 0$: raising a wrong logit raises the loss. For $i = y$ it is $p_y - 1 \le 0$:
# raising the true logit lowers it. Stacked over
# $i = 1, \dots, k$, the $\delta_{i,y}$ form the one-hot vector $e_y$, so the **vector form** is
#
# $$\nabla_z E = p - e_y .$$

# %% [markdown]
# ### 3.1 The same result through the softmax Jacobian
#
# The chain rule offers a second route: first how each probability $p_j$ moves with each
# logit $z_i$ — the $k \times k$ **Jacobian** of softmax — then how $E = -\log p_y$ moves
# with $p_y$.
#
# *Derive this yourself: show that $\partial p_j / \partial z_i = p_j(\delta_{i,j} - p_i)$ (differentiate $\log p_j = z_j - \log S$) and write the Jacobian as a $k \times k$ matrix; then apply the chain rule to $E = -\log p_y$ and recover $p_i - \delta_{i,y}$.*

# %% [markdown]
# *Your derivation:*

# %% [markdown]
# Both routes end at the same line. The Jacobian route builds a $k \times k$ matrix only to
# multiply it by a vector with a single nonzero entry; the direct route skips it — which is
# why code computes $p - e_y$ and never the Jacobian.

# %% [markdown]
# For the sample of section 1 with label $y = 0$ (in code numbering): the gradient has one
# negative entry, at the label, and its entries sum to zero (the question in section 5
# asks why).

# %%
grad = p - one_hot(np.array([0]), 3)[0]     # p - e_y with y = 0
print("p - e_y =", grad.round(4), "  sum =", abs(grad.sum()).round(12))

# %% [markdown]
# ## 4. A batch: $\partial J / \partial Z_2 = (P - Y)/n$
#
# In the network the logits of $n$ samples are the rows of $Z_2$, of shape $(n, k)$;
# $P = \mathrm{softmax}(Z_2)$ row by row, and $Y$ is the one-hot matrix of the labels,
# $Y_{s,i} = \delta_{i, y_s}$, also $(n, k)$. We write $s$ for the sample (row) index so
# that $i$ keeps its meaning from section 3: the class coordinate we differentiate.
#
# The cost is the mean loss over the batch plus weight decay on the two weight matrices:
#
# $$J = \frac{1}{n} \sum_{s=1}^{n} -\log P_{s, y_s} \;+\; c\,\big(\|W_1\|^2 + \|W_2\|^2\big).$$
#
# * The decay term does not depend on $Z_2$, so it adds nothing to $\partial J / \partial Z_2$
#   (it enters the weight gradients directly, in Chapter 2).
# * The entry $(Z_2)_{s,i}$ appears in one loss only, that of sample $s$, whose logit vector
#   is row $s$ of $Z_2$. So section 3 applies to that row, times the $\frac1n$ of the mean:
#
# $$\frac{\partial J}{\partial (Z_2)_{s,i}} = \frac{1}{n}\big(P_{s,i} - \delta_{i, y_s}\big)
#   = \frac{1}{n}\,(P - Y)_{s,i},
# \qquad\text{that is}\qquad
# \texttt{dZ2} = \frac{\partial J}{\partial Z_2} = \frac{P - Y}{n} \quad (n \times k).$$

# %% [markdown]
# ## 5. Checking the formula numerically
#
# A derivative is a limit, so we can approximate it with a small step $\varepsilon$. The
# **central difference**
#
# $$\frac{\partial J}{\partial \theta} \approx \frac{J(\theta + \varepsilon) - J(\theta - \varepsilon)}{2\varepsilon}$$
#
# has an error of order $\varepsilon^2$ (the one-sided difference only $\varepsilon$). We
# nudge each entry of $Z_2$ in turn and compare with $(P - Y)/n$. Random logits and labels
# first:

# %%
rng = np.random.default_rng(0)
n, k = 4, 3
Z2 = rng.normal(scale=2.0, size=(n, k))    # random logits, shape (n, k)
y = rng.integers(0, k, size=n)             # random labels, shape (n,)
print("y =", y)

# %% [markdown]
# The exact gradient, by the formula of section 4:

# %%
P, Y = handin.softmax(Z2), one_hot(y, k)
dZ2 = (P - Y) / n

# %% [markdown]
# The approximate one. `handin.gradcheck.numerical_gradient(f, params, name, index, eps=1e-5)`
# computes the central difference of `f(params)` along one entry of the array
# `params[name]` (flat index), so we put the logits in a dict and write the cost as a
# function of them (`handin.model.cross_entropy`: the mean cross-entropy, by log-sum-exp;
# no decay, it does not depend on $Z_2$):

# %%
def J(logits):
    return handin.model.cross_entropy(logits["Z2"], y)

logits = {"Z2": Z2.copy()}
approx = np.array([numerical_gradient(J, logits, "Z2", idx) for idx in range(Z2.size)]).reshape(n, k)

# %% [markdown]
# Side by side, one line per entry $(s, i)$ of $Z_2$. The negative entries are exactly
# those with $i = y_s$. The differences are round-off, and their last digits change from
# one machine to another; the cell after the table gives the verdict.

# %%
print(f"{'(s, i)':>7}  {'exact':>12}  {'approx':>12}  {'|diff|':>8}")
for (s, i), exact in np.ndenumerate(dZ2):
    print(f"{str((s, i)):>7}  {exact:+12.9f}  {approx[s, i]:+12.9f}  {abs(exact - approx[s, i]):8.1e}")

# %%
print(f"all {dZ2.size} |diff| < 1e-10:", np.abs(dZ2 - approx).max() < 1e-10)

# %% [markdown]
# The two agree to every printed digit: the differences are at most about $10^{-11}$, the
# size of float64 round-off in the cost ($\approx 10^{-16}$ times the cost, here 1.6)
# divided by $2\varepsilon = 2 \cdot 10^{-5}$. Chapter 2 runs the same check on every
# parameter of the network, with `handin.gradient_check`.

# %% [markdown]
# **Question:** Every row of `dZ2` sums to zero. Why? Which change of a sample's
# logits can a gradient step on $Z_2$ therefore never make, and why is that no loss
# (section 2)?

# %% [markdown]
# *Your answer:*

# %% [markdown]
# ## 6. Your turn: the loss with loops, then vectorised
#
# As in CS231n's first assignment, write the mean cross-entropy of a batch of logits
# `Z` $(n, k)$ with labels `y` $(n,)$, and its gradient `dZ` $= (P - Y)/n$, twice. First
# with explicit loops over the samples $s$ and the classes $i$ — one number at a time,
# as the formulas of sections 2 and 4 read. Stabilise it: subtract each row's maximum
# before `np.exp`, and take $\log p$ by log-sum-exp. Write log-sum-exp yourself:
# `handin.model.log_softmax` and `handin.model.cross_entropy` are off limits here (the
# self-check fails a function that calls them); `handin.softmax` and `one_hot` are
# allowed. Both functions return the pair `(loss, dZ)`: `loss` one number (a float), `dZ`
# an array of the shape of `Z`, $(n, k)$.

# %%
def softmax_loss_loops(Z, y):
    """Mean cross-entropy of logits Z (n, k) with labels y (n,), and its gradient, by loops.

    Returns (loss, dZ): loss a float, dZ an (n, k) array.
    """
    n, k = Z.shape
    loss, dZ = 0.0, np.zeros_like(Z)
    # YOUR CODE HERE
    raise NotImplementedError("write the body of softmax_loss_loops(Z, y)")
    return loss, dZ


# %% [markdown]
# The self-check runs it on small problems of its own (one sample, five samples, logits in
# the thousands) and compares with `handin`; if something is off it names the likely
# mistake — a sum instead of a mean, a missing $1/n$, the $-1$ at the label forgotten, a
# softmax over the wrong axis, an overflow.

# %%
check_softmax_loss(softmax_loss_loops)

# %% [markdown]
# Now without a Python loop: whole-array operations on `Z`. `Z.max(axis=1, keepdims=True)`
# is the column of row maxima; `one_hot(y, k)` builds $Y$; `Z[np.arange(n), y]` picks
# each sample's logit of its label.

# %%
def softmax_loss_vectorized(Z, y):
    """The same as softmax_loss_loops, without Python loops: returns (loss, dZ)."""
    n, k = Z.shape
    # YOUR CODE HERE
    raise NotImplementedError("write the body of softmax_loss_vectorized(Z, y)")
    return loss, dZ


# %%
check_softmax_loss(softmax_loss_vectorized)

# %% [markdown]
# Both on one batch of MNIST's size, 500 samples of 10 classes: the same numbers, and the
# time each takes (the median of 5 runs; the times depend on the machine and its load).

# %%
rng = np.random.default_rng(1)
Z_batch, y_batch = rng.normal(scale=3.0, size=(500, 10)), rng.integers(0, 10, size=500)
(loss_l, dZ_l), (loss_v, dZ_v) = softmax_loss_loops(Z_batch, y_batch), softmax_loss_vectorized(Z_batch, y_batch)
print(f"loss: loops {loss_l:.10f}, vectorised {loss_v:.10f}")
print("same loss:", np.isclose(loss_l, loss_v), "  same dZ:", np.allclose(dZ_l, dZ_v))

# %% [markdown]
# Agreeing with each other is not yet being right: two functions can share a mistake. As
# in section 5, compare your `dZ` with central differences of your own loss, here on the
# first five samples of the batch:

# %%
Z5, y5 = Z_batch[:5].copy(), y_batch[:5]
def my_J(logits):
    """Your mean loss of the five samples, as a function of a dict of logits."""
    return softmax_loss_vectorized(logits["Z"], y5)[0]

approx5 = np.array([numerical_gradient(my_J, {"Z": Z5.copy()}, "Z", idx) for idx in range(Z5.size)])

# %%
dZ5 = softmax_loss_vectorized(Z5, y5)[1]
print("your dZ = central differences of your loss (|diff| < 1e-9):",
      np.abs(dZ5 - approx5.reshape(Z5.shape)).max() < 1e-9)

# %%
def median_time(fn, repeats=5):
    """The median wall-clock time of fn(Z_batch, y_batch), in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(Z_batch, y_batch)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


# %%
t_loops, t_vec = median_time(softmax_loss_loops), median_time(softmax_loss_vectorized)
speedup = t_loops / t_vec
print(f"loops {1e3 * t_loops:.2f} ms, vectorised {1e3 * t_vec:.3f} ms: {speedup:.0f} times faster")

# %%
print("vectorised at least 10 times faster:", speedup >= 10)

# %% [markdown]
# The loops make $n \cdot k$ trips through the Python interpreter, each a few hundred
# nanoseconds of bookkeeping around one multiplication; the vectorised version makes a
# handful of calls, each looping over all $n k$ numbers in compiled code. The training
# loop of Chapter 3 computes this gradient thousands of times.

# %% [markdown]
# ## Recap
#
# * Softmax turns logits into probabilities, $p_i = e^{z_i} / \sum_j e^{z_j}$; the
#   cross-entropy of a sample with label $y$ is $E = -\log p_y$.
# * The textbook formula overflows for logits above about 710 in float64, 88.7 in the
#   float32 the network trains in. Subtracting the maximum
#   logit changes nothing mathematically and removes the overflow; for the loss, compute
#   $\log p$ directly by log-sum-exp (`handin.model.log_softmax`), never $\log$ of a
#   softmax.
# * With the label $y$, the differentiated coordinate $i$ and the summation index $j$ kept
#   apart: $\partial E / \partial z_i = p_i - \delta_{i,y}$, i.e. $\nabla_z E = p - e_y$.
# * For the batch-mean cost, $\texttt{dZ2} = (P - Y)/n$; weight decay does not touch it.
# * Central differences confirm it to about 12 digits — the formula, and then your code.
# * The same loss and gradient with loops and vectorised agree; the vectorised one is
#   at least ten times faster (by how much depends on the machine: section 6 printed it).
#
# ## Exercises
#
# 1. **The Jacobian route.** Check the Jacobian you derived in section 3.1 numerically:
#    build the $k \times k$ matrix of your formula for the $z$ of section 1 and compare it
#    with central differences of `handin.softmax`.
# 2. **Shift, not scale.** Check numerically that `handin.softmax(Z + a)` equals
#    `handin.softmax(Z)` for any number `a`, but that `handin.softmax(t * Z)` changes
#    with a factor $t > 0$. What does $p$ become as $t$ grows large, and as $t \to 0$?
#    Logits tend to grow during training: what does that do to the probabilities?
# 3. **Choosing $\varepsilon$.** Redo the check of section 5 with `eps` from `1e-1` down to
#    `1e-12` (a keyword of `numerical_gradient`) and plot the largest difference against
#    `eps` on log-log axes. Explain the V shape: truncation error $\sim \varepsilon^2$ on
#    one side, round-off $\sim 10^{-16} / \varepsilon$ on the other.
# 4. **Soft targets.** If the target is a probability vector $t$ instead of $e_y$, the loss
#    is $E = -\sum_i t_i \log p_i$. Show that $\nabla_z E = p - t$. Which property of $t$
#    do you need?
