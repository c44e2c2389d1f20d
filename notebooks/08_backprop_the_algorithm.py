# %% [markdown]
# # Chapter 8 — Backpropagation as an algorithm
#
# Chapter 2 wrote the backward pass of one network: seven lines for two layers. In this
# chapter you turn those lines into an algorithm that works for any depth, and then into
# a program that differentiates by itself; it also asks why the last layer is a softmax
# with cross-entropy at all. It shows
#
# 1. **cross-entropy** as the negative log-likelihood of a categorical model, and the
#    **learning slowdown** of the squared error, measured on our network;
# 2. **layers** as pairs of functions, a `forward` that keeps a cache and a `backward` that
#    maps the upstream gradient to the inputs' gradients: you write the affine layer, the
#    ReLU and the softmax cross-entropy head, and check each numerically;
# 3. the **δ recursion** for $L$ layers, the four equations behind every backward pass,
#    and your own backward pass for a network of any depth;
# 4. the **computational graph** of the cost, and a scalar **reverse-mode autodiff** that
#    you write, which finds the hand-derived gradients by itself;
# 5. why reverse mode wins: one backward pass costs at most about two forward passes,
#    whatever the number of parameters;
# 6. **initialisation** of deeper ReLU networks: the book's variances, Glorot's and He's,
#    on 2 to 8 layers.
#
# **Notation.** Chapter 1's table, with the layers. $L$ is the number of layers with
# weights; $E$ is still the loss of one sample, its cross-entropy. Layer $\ell = 1,
# \dots, L$ has $h_\ell$ units, with $h_0 = d$ and $h_L = k$; $q$ is a unit of layer
# $\ell - 1$ and $r$ a unit of layer $\ell$:
#
# $$A_0 = X, \qquad Z_\ell = A_{\ell-1} W_\ell + b_\ell, \qquad A_\ell =
# \mathrm{relu}(Z_\ell)\ (\ell < L), \qquad P = \mathrm{softmax}(Z_L),$$
#
# and $\delta_\ell = \partial J / \partial Z_\ell$, of shape $(n, h_\ell)$. With $L = 2$
# these are Chapter 2's $Z_1, A_1, Z_2$. As everywhere, $n$ is the number of samples in a
# batch, $s$ a sample, $c$ the weight decay and $\eta$ (`lr`) the learning rate.

# %%
import math

import numpy as np
import matplotlib.pyplot as plt

import handin
from handin import gradcheck, layers
from handin.experiment import prepare
from handin.gradcheck import same_cost_grad
from handin.course import check_affine_backward, check_affine_forward, check_softmax_head
from handin.course import check_cost_grad, check_relu_backward, check_relu_forward
from handin.course import check_backprop, check_local_derivatives
from handin.plots import show

# %%
handin.threads.share()   # numpy, yours too, on one core or two: whichever is faster here now

# %% [markdown]
# The data of Chapters 3 and 7: the shipped sample, pixels in $[0, 1]$, 3,400 training and
# 600 validation images. Gradient checks need float64, so the images are float64 here.

# %%
split = prepare("sample", seed=0)
X, y = split.X_train.astype(np.float64), split.y_train
X_val, y_val = split.X_val.astype(np.float64), split.y_val
print("X", X.shape, X.dtype, "  X_val", X_val.shape)

# %% [markdown]
# ## 1. Cross-entropy is a negative log-likelihood
#
# Read the network as a **model of the labels**: for image $s$ it says that the label is
# class $i$ with probability $P[s, i]$, a categorical distribution. If the labels are drawn
# independently, the probability the model gives to the labels we actually have, its
# **likelihood**, is the product
#
# $$\mathcal{L} = \prod_{s=1}^{n} P[s, y_s].$$
#
# Maximum likelihood picks the parameters that make $\mathcal{L}$ largest. The logarithm
# turns the product into a sum, and dividing by $-n$ turns "largest" into "smallest":
#
# $$-\frac{1}{n} \log \mathcal{L} = \frac{1}{n} \sum_{s=1}^{n} -\log P[s, y_s],$$
#
# the mean cross-entropy of Chapter 1. Minimising the cross-entropy *is* maximum
# likelihood; the decay term adds a Gaussian prior on the weights (maximum a posteriori).
# At the start, on the training images:

# %%
params = handin.init_params(784, 256, 10, seed=0, dtype=np.float64)
P = handin.predict_proba(X, params)
p_label = P[np.arange(len(y)), y]           # P[s, y_s]
print("likelihood, the product of 3,400 probabilities:", np.prod(p_label))
print("-(1/n) log likelihood, summed as logs:", round(-np.mean(np.log(p_label)), 6))
print("handin.cost with c = 0:               ", round(handin.cost(X, y, params), 6))

# %% [markdown]
# The product underflows to 0 (each factor is about 0.1, and $0.1^{3400}$ is far below the
# smallest float), which is one reason to work with the log. The two costs agree:

# %%
assert np.prod(p_label) == 0.0
assert abs(-np.mean(np.log(p_label)) - handin.cost(X, y, params)) < 1e-12

# %% [markdown]
# ## 2. The squared error learns slowly: measured on our network
#
# Why not make $P$ close to $Y$ in the plain sense, with the **squared error**
# $J_{\mathrm{SE}} = \frac{1}{2n} \sum_s \lVert P[s] - Y[s] \rVert^2$? Its gradient with
# respect to the logits goes through the softmax's derivative, $\mathrm{diag}(p) - p
# p^\top$ for one sample:
#
# $$\delta_L^{\mathrm{SE}}[s] = p \odot \big(g - (g \cdot p)\big), \qquad
#   g = \frac{p - e_{y_s}}{n}, \qquad p = P[s],$$
#
# while for the cross-entropy the softmax's derivative cancels (Chapter 1, §3) and leaves
# no such factor. Every entry of $\delta_L^{\mathrm{SE}}$ carries a factor $p_i$. When the
# network is sure and wrong ($p_{y_s} \approx 0$, another $p_i \approx 1$), every entry is
# near zero: the sample that most needs a correction gets almost none. This is Nielsen's
# learning slowdown, here with a softmax. `layers.SoftmaxSquaredError` computes it.
#
# Per image, the length of $\delta_L[s]$ under each cost (times $n$, so that it does not
# depend on the batch size), at the start:

# %%
def delta_lengths(params):
    """n |δ_L[s]| for the cross-entropy and for the squared error, and P[s, y_s], every image s."""
    ce, se = layers.from_params(params), layers.from_params(params, loss=layers.SoftmaxSquaredError())
    ce.cost(X, y), se.cost(X, y)
    lengths = [len(y) * np.linalg.norm(net.loss.backward(), axis=1) for net in (ce, se)]
    return (*lengths, ce.loss.P[np.arange(len(y)), y])


# %%
d_ce, d_se, p_y = delta_lengths(params)
ratio = d_se / d_ce
print(f"squared error / cross-entropy: median {np.median(ratio):.2f}, largest {ratio.max():.2f}")
assert ratio.max() < 1 / 3

# %% [markdown]
# At the start every probability is near $1/k = 0.1$, so the factor $p_i$ makes the
# squared error's gradient ten times smaller than the cross-entropy's on the median image,
# and more than three times smaller on every image. After one epoch of training (with the cross-entropy), grouped by $P[s, y_s]$, the
# probability the network gives to the right label:

# %%
trained = {k: v.copy() for k, v in params.items()}
layers.sgd(layers.from_params(trained), X, y, lr=0.1, epochs=1, batch_size=32, seed=0)
d_ce, d_se, p_y = delta_lengths(trained)
bins = [0, 0.01, 0.1, 0.5, 0.9, 1.0001]
print(f"{'P[s, y_s]':>12} {'images':>7} {'median n|δ_L|: cross-entropy':>30} {'squared error':>14}")
for lo, hi in zip(bins[:-1], bins[1:]):
    m = (p_y >= lo) & (p_y < hi)
    print(f"{lo:>5} – {min(hi, 1):<4} {m.sum():>7} {np.median(d_ce[m]):>30.2f} {np.median(d_se[m]):>14.2f}")

# %%
worst, unsure = p_y < 0.01, (p_y >= 0.1) & (p_y < 0.5)
assert np.median(d_ce[worst]) > np.median(d_ce[unsure]) and np.median(d_se[worst]) < np.median(d_se[unsure])

# %% [markdown]
# The cross-entropy's correction grows the worse the mistake: largest on the images that
# get less than 1% on their label. The squared error's is largest on the unsure images
# and falls again on the confidently wrong ones, which get less than the unsure ones do.
# The whole picture:

# %%
fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
ax.scatter(p_y, d_ce, s=3, alpha=0.4, label="cross-entropy")
ax.scatter(p_y, d_se, s=3, alpha=0.4, label="squared error")
ax.set(xscale="log", xlabel="$P[s, y_s]$ after one epoch", ylabel="$n\\,|\\delta_L[s]|$",
       title="the size of each image's correction"), ax.legend(markerscale=4)
show(fig, "for every training image, the size of its correction n·|δ_L[s]| against the "
          "probability P[s, y_s] given to its label (log axis), for the cross-entropy and for the "
          "squared error: the cross-entropy's grows as that probability falls, the squared "
          "error's falls again for the confidently wrong images.")

# %% [markdown]
# Does it matter for training? The same network, the same start and the same batches,
# trained for three epochs with each cost at $\eta = 0.1$; the validation cross-entropy and
# accuracy after each epoch, as "cost / accuracy" (the last digits may differ a little
# on your computer; the checks after the table do not):

# %% tags=["nbval-ignore-output"]
curves = {}
for name, loss in (("cross-entropy", layers.SoftmaxCrossEntropy), ("squared error", layers.SoftmaxSquaredError)):
    p = {k: v.copy() for k, v in params.items()}
    net, curves[name] = layers.from_params(p, loss=loss()), []
    for epoch in range(3):
        layers.sgd(net, X, y, lr=0.1, epochs=1, batch_size=32, seed=epoch)
        curves[name].append((handin.cost(X_val, y_val, p), handin.accuracy(X_val, y_val, p)))
    print(f"{name:>14}:", "  ".join(f"{J:.2f} / {a:.2f}" for J, a in curves[name]))

# %%
(J_ce, acc_ce), (J_se, acc_se) = curves["cross-entropy"][0], curves["squared error"][0]
print("after one epoch the cross-entropy's network is ahead by more than 0.05 in accuracy:",
      acc_ce > acc_se + 0.05)
print("after three epochs the gap in accuracy is below 0.05:",
      abs(curves["cross-entropy"][2][1] - curves["squared error"][2][1]) < 0.05)
print("the squared error's validation cross-entropy is higher after every epoch:",
      all(se[0] > ce[0] for ce, se in zip(curves["cross-entropy"], curves["squared error"])))

# %% [markdown]
# The squared error starts slowly and, on this data, catches up in accuracy within three
# epochs: at the start its gradient is ten times smaller on the median image (and more
# than 3.6 times smaller on every image), and later only the
# few confidently wrong images are starved. (Its validation cross-entropy stays higher:
# the cross-entropy is the cost the other network minimises.) Nielsen's single neuron,
# started saturated, shows the same effect at its most extreme.

# %% [markdown]
# ## 3. Layers you write: a forward and a backward each
#
# Chapter 2's backward pass repeats one pattern: an operation takes the gradient of its
# output and returns the gradients of its inputs. Give each operation two functions, as
# Stanford's CS231n does:
#
# - `forward(inputs) -> (out, cache)`: the output, and what the backward will need;
# - `backward(dout, cache)`: from $\partial J / \partial(\text{out})$, the gradient of
#   each input.
#
# You write them for the affine layer, the ReLU and the softmax cross-entropy head, check
# each one numerically, and then stack them into a network of any depth (§4). In a layer
# $\ell$, $q$ is a unit of its input (layer $\ell - 1$) and $r$ a unit of its output.

# %% [markdown]
# ### 3.1 The affine layer
#
# Forward: $Z[s, r] = \sum_q A[s, q]\, W[q, r] + b[r]$, for $A$ of shape $(n, h_{\ell-1})$,
# $W$ of shape $(h_{\ell-1}, h_\ell)$ and $b$ of shape $(h_\ell,)$. The backward needs
# $A$ and $W$: the cache is the pair `(A, W)`. Given $G = \partial J / \partial Z$, of
# the shape of $Z$, the backward returns $\partial J / \partial A$, $\partial J /
# \partial W$ and $\partial J / \partial b$.
#
# <!-- BEGIN SOLUTION: the three gradients from $G$, entry by entry (which entries of $Z$ does each input entry appear in, and with which coefficient?), then as matrix products -->
# $A[s, q]$ appears in $Z[s, r]$ for every $r$ (same sample), with coefficient $W[q, r]$:
# $\partial J / \partial A[s, q] = \sum_r G[s, r]\, W[q, r]$, so $\partial J/\partial A =
# G W^\top$, shape $(n, h_{\ell-1})$. $W[q, r]$ appears in $Z[s, r]$ for every sample
# $s$, with coefficient $A[s, q]$: $\partial J / \partial W[q, r] = \sum_s A[s, q]\,
# G[s, r]$, so $\partial J/\partial W = A^\top G$. $b[r]$ appears in $Z[s, r]$ for every
# $s$ with coefficient 1: $\partial J / \partial b[r] = \sum_s G[s, r]$. No $1/n$ here:
# the mean is the cost's, and its $1/n$ is already in $G$.
# <!-- END SOLUTION -->
#
# **Your turn.** Write the forward (cache `(A, W)`) and then the backward, which returns
# the triple `(dA, dW, db)` in the shapes of `A`, `W` and `b`.

# %%
def affine_forward(A, W, b):
    """A (n, h_in), W (h_in, h_out), b (h_out,) -> (Z (n, h_out), cache (A, W))."""
    # BEGIN SOLUTION
    return A @ W + b, (A, W)
    # END SOLUTION


# %%
check_affine_forward(affine_forward)

# %%
def affine_backward(dZ, cache):
    """dZ = ∂J/∂Z (n, h_out) and the cache (A, W) -> (dA, dW, db), shaped as A, W, b."""
    A, W = cache
    # BEGIN SOLUTION
    return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
    # END SOLUTION


# %%
check_affine_backward(affine_backward)

# %% [markdown]
# The self-check compares your backward with the derivation. A second, independent
# check needs no derivation at all (CS231n's **gradient check** of a layer): for any
# fixed array $G$ of the output's shape, the number $f = \sum G \odot Z$ has $\partial f
# / \partial Z = G$, so `affine_backward(G, cache)` must be $f$'s gradient, which central
# differences measure entry by entry. The table shows, for each input, the largest
# exact entry, the largest difference and the relative error:

# %% tags=["nbval-ignore-output"]
rng = np.random.default_rng(0)
A_in, W_in, b_in = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
G = rng.normal(size=(5, 3))                                  # any upstream gradient ∂J/∂Z
Z_out, cache = affine_forward(A_in, W_in, b_in)
dA, dW, db = affine_backward(G, cache)
f = lambda p: np.sum(G * affine_forward(p["A"], p["W"], p["b"])[0])
affine_table = gradcheck.compare(f, {"A": A_in, "W": W_in, "b": b_in}, {"A": dA, "W": dW, "b": db})
print(affine_table)

# %% [markdown]
# The relative errors are round-off, of order $10^{-10}$ or less (their digits vary from
# one computer to another). The check:

# %%
print("affine layer, every input passes (rel. error <= 1e-7):", affine_table.passed(1e-7))

# %% [markdown]
# ### 3.2 The ReLU
#
# Forward: $A = \mathrm{relu}(Z)$ entry by entry; the cache is `Z`. Backward: from $G =
# \partial J / \partial A$, the gradient $\partial J / \partial Z$, of the shape of `Z`
# (Chapter 2, §2 plots the ReLU's derivative; take it to be 0 at 0).

# %% tags=["nbval-ignore-output"]
def relu_forward(Z):
    """Z (n, h) -> (A = relu(Z) (n, h), cache Z)."""
    # BEGIN SOLUTION
    return np.maximum(Z, 0), Z
    # END SOLUTION


# %%
check_relu_forward(relu_forward)

# %%
def relu_backward(dA, cache):
    """dA = ∂J/∂A (n, h) and the cache Z -> dZ = ∂J/∂Z (n, h)."""
    Z = cache
    # BEGIN SOLUTION
    return dA * (Z > 0)
    # END SOLUTION


# %%
check_relu_backward(relu_backward)

# %% [markdown]
# The same gradient check, on an input with no entry near 0 (where the ReLU has its kink
# and a central difference would straddle it):

# %%
Z_in = rng.normal(size=(5, 4))
Z_in += np.sign(Z_in) * 0.1                       # no entry within 0.1 of the kink
A_out, cache = relu_forward(Z_in)
G = rng.normal(size=A_out.shape)
relu_table = gradcheck.compare(lambda p: np.sum(G * relu_forward(p["Z"])[0]), {"Z": Z_in},
                               {"Z": relu_backward(G, cache)})
print("ReLU, rel. error <= 1e-7:", relu_table.passed(1e-7))

# %% [markdown]
# ### 3.3 The head: softmax and cross-entropy
#
# The last layer takes the logits $Z_L$ and the labels and gives the mean cross-entropy
# and its gradient at the logits, as Chapter 1 derived them. It is the end of the forward
# pass and the start of the backward one, so it returns both at once.

# %%
def softmax_ce(Z, y):
    """Logits Z (n, k), labels y (n,) -> (mean cross-entropy, a float; dZ = ∂J/∂Z (n, k))."""
    # BEGIN SOLUTION
    log_P = Z - Z.max(axis=1, keepdims=True)                        # stable, as in Chapter 1
    log_P -= np.log(np.exp(log_P).sum(axis=1, keepdims=True))
    dZ = np.exp(log_P)
    dZ[np.arange(len(y)), y] -= 1
    return -log_P[np.arange(len(y)), y].mean(), dZ / len(y)
    # END SOLUTION


# %%
check_softmax_head(softmax_ce)

# %% [markdown]
# ## 4. The δ recursion for $L$ layers: BP1–BP4
#
# Write $\delta_\ell = \partial J / \partial Z_\ell$, of shape $(n, h_\ell)$. Going back
# through the network, four equations give every gradient (Nielsen's BP1–BP4, in our
# row-per-sample layout). **BP1** gives $\delta_L$: it is the head's `dZ`, which Chapter 1
# derived and your `softmax_ce` returns.
# **BP2** carries $\delta$ from layer $\ell$ down to layer $\ell - 1$. **BP3** and **BP4**
# turn $\delta_\ell$ into the gradients of layer $\ell$'s biases and weights.
#
# <!-- BEGIN TEACHER -->
# *Teacher's note: BP1 in this chapter's notation.* For one sample, $E = -\log p_y$ with $p =
# \mathrm{softmax}(z)$ is $\log \sum_i e^{z_i} - z_y$, whose derivative with respect to
# $z_i$ is $p_i - 1[i = y]$. The cost is the mean over the $n$ samples, so $\delta_L[s, i] =
# (P[s, i] - Y[s, i])/n$, $\delta_L = (P - Y)/n$ (the decay term does not depend on
# $Z_L$). The student's copy only points to Chapter 1, where it is derived and graded,
# and to `softmax_ce`, graded here.
# <!-- END TEACHER -->
# <!-- BEGIN SOLUTION: BP2, $\delta_{\ell-1}$ from $\delta_\ell$ (which entries of $Z_\ell$ does $Z_{\ell-1}[s, q]$ influence, and through what?) -->
# $Z_{\ell-1}[s, q]$ influences $A_{\ell-1}[s, q] = \mathrm{relu}(Z_{\ell-1}[s, q])$ only,
# and $A_{\ell-1}[s, q]$ enters $Z_\ell[s, r] = \sum_{q'} A_{\ell-1}[s, q'] W_\ell[q', r] +
# b_\ell[r]$ for every unit $r$ of layer $\ell$ (same sample $s$), with coefficient
# $W_\ell[q, r]$. The chain rule, for $\ell = L, \dots, 2$:
#
# $$\delta_{\ell-1}[s, q] = \sum_r \delta_\ell[s, r]\, W_\ell[q, r]\;
#   \mathrm{relu}'(Z_{\ell-1}[s, q]), \qquad \delta_{\ell-1} = (\delta_\ell W_\ell^\top)
#   \odot 1[Z_{\ell-1} > 0]:$$
#
# the affine layer's `dA` followed by the ReLU's backward.
# <!-- END SOLUTION -->
#
# <!-- BEGIN SOLUTION: BP3 and BP4, $\partial J/\partial b_\ell$ and $\partial J/\partial W_\ell$ from $\delta_\ell$, the decay term included -->
# $J$ depends on $W_\ell$ through $Z_\ell$ and through the decay term $c \sum_{q, r}
# W_\ell[q, r]^2$, whose derivative is $2 c W_\ell[q, r]$. Through $Z_\ell$ it is the
# affine layer's `dW` with $A = A_{\ell-1}$ and $G = \delta_\ell$:
#
# $$\frac{\partial J}{\partial W_\ell} = A_{\ell-1}^\top \delta_\ell + 2 c W_\ell, \qquad
#   \frac{\partial J}{\partial b_\ell} = \sum_s \delta_\ell[s] \quad (\text{BP3: the bias
#   is not decayed}),$$
#
# with $A_0 = X$.
# <!-- END SOLUTION -->

# %% [markdown]
# ### Your turn: the whole algorithm
#
# Write the cost and the gradients of an $L$-layer ReLU network, `params` holding
# `W1, b1, ..., WL, bL`, from your four layer functions and the head: one forward pass
# through the layers that keeps every cache, the head, one backward pass through the
# caches in reverse order; then the decay term $c \sum_\ell \lVert W_\ell \rVert^2$ in
# $J$ and its derivative in every `dW`. Return `(J, grads)`, `grads` with the keys of
# `params`. Nothing in it may depend on $L$ being 2.

# %%
def my_cost_grad(X, y, params, c):
    """J and {W1: dW1, b1: db1, ..., WL, bL} of the L-layer ReLU network on X (n, d), y (n,)."""
    L = len(params) // 2
    # BEGIN SOLUTION
    A, caches = X, []
    for l in range(1, L + 1):
        Z, cache = affine_forward(A, params[f"W{l}"], params[f"b{l}"])
        caches.append((cache, None))
        if l < L:
            A, relu_cache = relu_forward(Z)
            caches[-1] = (cache, relu_cache)
    J, delta = softmax_ce(Z, y)
    grads = {}
    for l in range(L, 0, -1):
        cache, relu_cache = caches[l - 1]
        if relu_cache is not None:
            delta = relu_backward(delta, relu_cache)
        delta, dW, grads[f"b{l}"] = affine_backward(delta, cache)
        grads[f"W{l}"] = dW + 2 * c * params[f"W{l}"]
        J += c * np.sum(params[f"W{l}"] ** 2)
    return J, grads
    # END SOLUTION


# %%
check_cost_grad(my_cost_grad)

# %% [markdown]
# With two layers and the parameters of `handin.init_params`, your function should
# compute Chapter 2's cost and gradients, decay included:

# %%
p2 = handin.init_params(784, 256, 10, seed=0, dtype=np.float64)
J_mine, g_mine = my_cost_grad(X[:500], y[:500], p2, 1e-4)
J_ref, g_ref = handin.cost_grad(X[:500], y[:500], p2, c=1e-4)
print("same as Chapter 2's cost and gradients (to 1e-12):",
      same_cost_grad(J_mine, g_mine, J_ref, g_ref))

# %% [markdown]
# Then deeper networks, with no reference at all: a small problem (20 images, 30 pixels
# each), 2, 3 and 4 layers of width 12 with decay, every entry of every parameter checked
# by central differences of your own cost:

# %% tags=["nbval-ignore-output"]
X_small, y_small = X[:20, 300:330], y[:20]
for L in (2, 3, 4):
    p = layers.init_params([30] + [12] * (L - 1) + [10], "he", seed=L)
    J, g = my_cost_grad(X_small, y_small, p, 0.01)
    check = gradcheck.compare(lambda q: my_cost_grad(X_small, y_small, q, 0.01)[0], p, g)
    print(f"L = {L}: {len(check)} arrays, every entry passes (rel. error <= 1e-7):",
          check.passed(1e-7))

# %% [markdown]
# `handin.layers` packs the same functions into objects (`Linear`, `ReLU`,
# `SoftmaxCrossEntropy`, stacked by `Sequential`); the rest of the chapter uses them.
#
# ## 5. The computational graph, and a program that backpropagates
#
# The cost is a composition of small operations: products, sums, `exp`, `log`, `relu`.
# Draw each number as a node and each operation as edges from its inputs: that is the
# **computational graph** of the cost. Backpropagation visits it once, from $J$ back to
# the inputs, and at each node applies the chain rule with the **local derivatives** of
# its operation, the derivatives of the node with respect to its parents.
#
# You now write such a program for single numbers, after Karpathy's micrograd, in two
# parts. The class `MyValue` below is given: a node holds its number `data`, its `grad`,
# its `parents` and `local`, the local derivative with respect to each parent, which it
# asks of your `local_derivatives` when it is made.

# %%
class MyValue:
    """A number in a computational graph: data, grad, parents, ∂self/∂parent for each parent."""

    def __init__(self, data, parents=(), op=""):
        self.data, self.grad, self.parents, self.op = float(data), 0.0, parents, op
        self.local = local_derivatives(op, *(p.data for p in parents)) if parents else ()

    def __repr__(self):
        return f"MyValue(data={self.data:.6g}, grad={self.grad:.6g})"


# %%
def _wrap(x):
    return x if isinstance(x, MyValue) else MyValue(x)


MyValue.__add__ = lambda a, b: MyValue(a.data + _wrap(b).data, (a, _wrap(b)), "+")
MyValue.__mul__ = lambda a, b: MyValue(a.data * _wrap(b).data, (a, _wrap(b)), "*")
MyValue.__radd__, MyValue.__rmul__ = MyValue.__add__, MyValue.__mul__
MyValue.__sub__ = lambda a, b: a + _wrap(b) * -1.0
MyValue.exp = lambda a: MyValue(math.exp(a.data), (a,), "exp")
MyValue.log = lambda a: MyValue(math.log(a.data), (a,), "log")
MyValue.relu = lambda a: MyValue(max(a.data, 0.0), (a,), "relu")

# %% [markdown]
# **Your turn (1): the local derivatives.** For $v = a + b$, $v = a b$, $v = e^a$, $v =
# \log a$ and $v = \mathrm{relu}(a)$, return the derivatives of $v$ with respect to each
# input, at the numbers `a` (and `b`), as a tuple with one entry per input (take
# $\mathrm{relu}'(0) = 0$ as before).
#
# <!-- BEGIN TEACHER -->
# *Teacher's note.* The answers: $a + b$: $(1, 1)$; $a b$: $(b, a)$; $e^a$: $e^a$, the
# node's own value; $\log a$: $1/a$; $\mathrm{relu}(a)$: $1[a > 0]$. The driver's usual
# mistakes, each named by `check_backprop`: a topological walk without a set of visited
# nodes (repeats: a node's gradient is passed on twice), passing gradients on in the
# forward order, `=` for `+=` (a node used twice keeps one use), the root's own gradient
# left at 0. `graph_gradients` exists because a graph of objects cannot cross the
# grading wire: it turns numbers into a graph and the result back into numbers.
# <!-- END TEACHER -->

# %%
def local_derivatives(op, a, b=None):
    """∂v/∂a (and ∂v/∂b) of v = op(a, b) for op in "+", "*", "exp", "log", "relu": a tuple."""
    # BEGIN SOLUTION
    if op in ("+", "*"):
        return (1.0, 1.0) if op == "+" else (b, a)
    return {"exp": lambda: math.exp(a), "log": lambda: 1 / a, "relu": lambda: float(a > 0)}[op](),
    # END SOLUTION


# %%
check_local_derivatives(local_derivatives)

# %% [markdown]
# **Your turn (2): the backward pass.** `topo_order(root)` lists every node `root` was
# computed from, `root` included, each once, every node after its parents (a
# **topological order**). `backprop(root)` sets `grad` of every node to the derivative of
# `root` with respect to it: the chain rule, node by node. Think about the order in
# which the nodes must pass their gradient on, and about a node used twice (in $a \cdot
# a$, or by two later operations).

# %%
def topo_order(root):
    """Every node root was computed from (root included), each once, parents before children."""
    # BEGIN SOLUTION
    order, seen = [], set()

    def visit(v):
        if id(v) not in seen:
            seen.add(id(v))
            for parent in v.parents:
                visit(parent)
            order.append(v)
    visit(root)
    return order
    # END SOLUTION


# %%
def backprop(root):
    """Fill v.grad = ∂root/∂v for every node v of root's graph."""
    # BEGIN SOLUTION
    order = topo_order(root)
    for v in order:
        v.grad = 0.0
    root.grad = 1.0
    for v in reversed(order):
        for parent, local in zip(v.parents, v.local):
            parent.grad += local * v.grad
    # END SOLUTION


# %% [markdown]
# A graph cannot be handed to a self-check as it is, so the check builds its graphs
# through this function, from numbers and a list of operations `(op, i, j)` on earlier
# nodes, and reads back numbers:

# %%
def graph_gradients(inputs, ops):
    """Every node's value and grad, and the topological order as node indices."""
    nodes = [MyValue(x) for x in inputs]
    for op, i, j in ops:
        nodes.append(nodes[i] + nodes[j] if op == "+" else nodes[i] * nodes[j] if op == "*"
                     else getattr(nodes[i], op)())
    order = topo_order(nodes[-1])
    backprop(nodes[-1])
    index = {id(v): k for k, v in enumerate(nodes)}
    return [v.data for v in nodes], [v.grad for v in nodes], [index[id(v)] for v in order]


# %%
check_backprop(graph_gradients)

# %% [markdown]
# A one-line example, $J = \mathrm{relu}(ab + e^a)$ at $a = 2$, $b = -3$, against
# central differences of the same expression:

# %%
a, b = MyValue(2.0), MyValue(-3.0)
J = (a * b + a.exp()).relu()
backprop(J)
F, e = (lambda a, b: max(a * b + math.exp(a), 0.0)), 1e-6
numerical = [(F(2 + e, -3) - F(2 - e, -3)) / (2 * e), (F(2, -3 + e) - F(2, -3 - e)) / (2 * e)]
print(J, a, b, sep="\n")
print("the same as central differences (to 1e-6):", np.allclose([a.grad, b.grad], numerical, atol=1e-6))

# %% [markdown]
# Now a whole network: 3 inputs, 4 hidden units, 3 classes, 2 samples, decay $c = 0.1$.
# Its cost written with `MyValue`s, operation by operation, as Chapter 2 wrote it with
# arrays (the log-softmax as $\log \sum_i e^{Z_2[s, i]} - Z_2[s, y_s]$):

# %%
def value_cost(X, y, params, c):
    """The cost of the two-layer network, built from MyValues; returns (J, the MyValue parameters)."""
    V = {k: np.vectorize(MyValue, otypes=[object])(v) for k, v in params.items()}
    A1 = np.vectorize(MyValue.relu, otypes=[object])(X @ V["W1"] + V["b1"])
    Z2 = A1 @ V["W2"] + V["b2"]
    data = sum(sum(z.exp() for z in Z2[s]).log() - Z2[s, y[s]] for s in range(len(y))) * (1 / len(y))
    return data + c * (sum(w * w for w in V["W1"].flat) + sum(w * w for w in V["W2"].flat)), V


# %%
rng = np.random.default_rng(1)
X_tiny, y_tiny = rng.normal(size=(2, 3)), np.array([0, 2])
p_tiny = handin.init_params(3, 4, 3, rng=rng, dtype=np.float64)
J_tiny, V = value_cost(X_tiny, y_tiny, p_tiny, c=0.1)
backprop(J_tiny)
graph = topo_order(J_tiny)
computed = [v for v in graph if v.parents]
by_op = {op: sum(v.op == op for v in computed) for op in ("+", "*", "exp", "log", "relu")}
print(f"nodes in the graph: {len(graph)}, of which {len(graph) - len(computed)} are inputs "
      f"and {len(computed)} are computed:", by_op)

# %% [markdown]
# Your program found the gradient of every parameter in one pass back over those nodes.
# It is the gradient that Chapter 2 derived by hand:

# %% tags=["nbval-ignore-output"]
g_values = {k: np.vectorize(lambda v: v.grad)(V[k]) for k in p_tiny}
J_hand, g_hand = handin.cost_grad(X_tiny, y_tiny, p_tiny, c=0.1)
print("your autodiff gives Chapter 2's cost and gradients (to 1e-12):",
      same_cost_grad(J_tiny.data, g_values, J_hand, g_hand))

# %% [markdown]
# ## 6. Why reverse mode wins
#
# The cost $J$ is one number; the parameters are many. **Numerical differentiation**
# needs two evaluations of $J$ per parameter. **Reverse mode** (backpropagation) gets all
# of them from one pass back over the graph, in which every computed node passes its
# gradient to each of its parents once: one product per edge of the graph. On the graph
# above:

# %%
n_params = sum(v.size for v in p_tiny.values())
n_edges = sum(len(v.parents) for v in computed)
print(f"forward: {len(computed)} operations;  backward: {n_edges} products local × grad, one per edge")
print(f"numerical differentiation: 2 × {n_params} = {2 * n_params} forward passes "
      f"= {2 * n_params * len(computed)} nodes computed")

# %% [markdown]
# No node passes more than two gradients back here, so the backward pass does at most
# about twice the forward's work.
#
# With arrays the count is in multiply-adds. A linear layer's forward pass is one product,
# `A @ W`: $n\, h_{\ell-1} h_\ell$ multiply-adds. Its backward pass has two products of the
# same size, one for `dW` and one for `dA`; but the first layer's `dA` is $\partial J /
# \partial X$, which training never uses (the pixels are not parameters). Your
# `my_cost_grad` computes it, as `affine_backward` returns it; Chapter 2's backward pass
# skips it. For a batch of $n$ images and a $784$–$h$–$10$ network, the three counts,
# and numerical differentiation's two forward passes per parameter:

# %%
def multiply_adds(h, n=256):
    """Parameters; multiply-adds of a forward pass, of a backward pass with and without
    the first layer's dA, and of a numerical gradient, for the 784-h-10 network."""
    n_p, first, second = 784 * h + h + h * 10 + 10, n * 784 * h, n * h * 10
    forward = first + second
    return n_p, forward, 2 * first + 2 * second, first + 2 * second, 2 * n_p * forward


# %%
print(f"{'parameters':>10} {'multiply-adds: forward':>23} {'backward':>9} {'without dX':>11} {'numerical':>10}")
for h in (16, 64, 256, 1024):
    n_p, fwd, bwd, bwd_no_dx, num = multiply_adds(h)
    print(f"{n_p:>10} {fwd / 1e6:>21.1f} M {bwd / 1e6:>7.1f} M {bwd_no_dx / 1e6:>9.1f} M {num / 1e12:>8.1f} T")

# %% [markdown]
# A backward pass costs twice the forward when it computes every layer's `dA`, and
# barely more than one forward when it skips the first layer's: almost all the
# multiply-adds of this network are in its first layer. At $h = 1024$ numerical
# differentiation would take some 1.6 million forward passes. (Exercise 5 times the
# passes on your computer.)
#
# <!-- BEGIN TEACHER -->
# *Teacher's note.* Earlier editions printed measured times here; on a loaded machine with
# a multithreaded matrix library a narrow layer's backward measured 9 to 38 times its
# forward, which says more about thread scheduling than about backpropagation. The
# count is exact; exercise 5 and its worked solution measure with medians of repeats.
# <!-- END TEACHER -->
# <!-- BEGIN QUESTION 3 points -->
# **Question:** Reverse mode buys its speed with memory. (a) For an $L$-layer network
# trained on batches of $n$ images, what must the forward pass keep for the backward
# pass, and how does that memory grow with $n$, $L$ and the widths $h_\ell$? (b)
# **Forward mode** carries, along with every value, its derivative with respect to *one*
# chosen input. What does it need to keep, and how many passes does it need for the
# gradient of $J$? (c) Name a function for which forward mode is the faster of the two.
#
# > **Model answer.** (a) Every layer's cache: the affine layer's input $A_{\ell-1}$ ($n
# > \times h_{\ell-1}$ numbers) and the ReLU's input $Z_\ell$ ($n \times h_\ell$), for
# > every layer, until the backward pass has used them: memory of order $n \sum_\ell
# > h_\ell$, growing linearly with the batch, the depth and the widths (besides the
# > weights themselves). (b) Forward mode keeps only the current layer's values and
# > their derivatives, nothing for later, but one pass gives the derivative with respect
# > to one input: the gradient of $J$ needs one pass per parameter. (c) A function with
# > few inputs and many outputs, e.g. the $k$ logits (or all $h_\ell$ activations) of one
# > image as a function of one scalar such as the brightness of the image or the
# > learning rate: forward mode gets all the outputs' derivatives in one pass, reverse
# > mode needs one backward pass per output.
# >
# > **Rubric:** 1 point: the caches of every layer, $A_{\ell-1}$ and $Z_\ell$, memory
# > proportional to $n \sum_\ell h_\ell$ (linear in batch and depth); 1 point: forward
# > mode keeps no caches but needs one pass per parameter; 1 point: a function with few
# > inputs and many outputs, with the reason (one pass per input vs one per output).
# <!-- END QUESTION -->

# %% [markdown]
# This is why every deep learning library differentiates in reverse mode: one output (the
# cost), millions of inputs (the parameters).
#
# ## 7. Initialisation for deeper ReLU networks
#
# Chapter 7's variance rule, one layer at a time: if $W_\ell$'s entries have variance
# $\sigma_\ell^2$, $\mathrm{rms}(Z_\ell)^2$ is $h_{\ell-1}\, \sigma_\ell^2$ times the mean square of
# the layer's input, the ReLU of $Z_{\ell-1}$, which you related to
# $\mathrm{rms}(Z_{\ell-1})^2$ in Chapter 7's derivation. So each layer multiplies the square
# of the signal by a factor. Three rules for
# $\sigma_\ell^2$ (named `"book"`, `"glorot"` and `"he"` in `layers.INITS`):
#
# - **the book's** (`handin.init_params`): $2 / (h_0 + h_1)$ for the first layer,
#   $4 / (h_{\ell-1} + h_\ell)$ after a ReLU;
# - **Glorot's** (2010): $2 / (h_{\ell-1} + h_\ell)$, derived for activations symmetric around 0;
# - **He's** (2015), derived for the ReLU: the variance you derived in Chapter 7 for a
#   layer that follows a ReLU (`my_he_init`), here with fan-in $h_{\ell-1}$.
#
# <!-- BEGIN SOLUTION: for hidden layers of equal width $h$, what factor does each rule multiply $\mathrm{rms}(Z)^2$ by, per layer? -->
# With $h_{\ell-1} = h_\ell = h$: Glorot's $\sigma^2 = 1/h$ gives $h \cdot (1/h) / 2 = 1/2$, so
# the rms shrinks by $1/\sqrt{2}$ per layer; He's $2/h$ gives exactly 1; the book's
# $4/(2h) = 2/h$ is He's variance, so it gives 1 too.
# <!-- END SOLUTION -->
#
# Measured: the rms of every $Z_\ell$ at the start, on 1,000 training images, for networks
# with hidden layers of width 256:

# %%
STARTS = {"book": "book", "glorot": "Glorot", "he": "He"}     # layers.INITS name: label
for L in (2, 4, 8):
    print(f"L = {L}")
    for init, label in STARTS.items():
        s = layers.layer_scales(layers.network([784] + [256] * (L - 1) + [10], init, seed=0), X[:1000], y[:1000])
        print(f"  {label:>6}: rms(Z_ℓ) =", " ".join(f"{z:.2f}" for z in s["Z"]), f"  rms(dW_1) = {s['dW'][0]:.1e}")

# %%
s8 = {init: layers.layer_scales(layers.network([784] + [256] * 7 + [10], init, seed=0), X[:1000], y[:1000])
      for init in STARTS}
shrink = {init: s["Z"][6] / s["Z"][0] for init, s in s8.items()}
print("rms(Z_7) / rms(Z_1):", {STARTS[init]: round(r, 2) for init, r in shrink.items()})
print(f"rms(dW_1), He's / Glorot's: {s8['he']['dW'][0] / s8['glorot']['dW'][0]:.0f}")
assert 0.1 < shrink["glorot"] < 0.2 and all(0.7 < shrink[i] < 1.5 for i in ("he", "book"))
assert s8["glorot"]["dW"][0] < s8["he"]["dW"][0] / 5

# %% [markdown]
# Set these ratios against your factors per layer: six layers multiply the square of the
# signal by a factor's sixth power, its rms by the square root of that. Glorot's signal
# at $Z_7$ is between a tenth and a fifth of $Z_1$'s, and the gradient that reaches $W_1$
# is about ten times smaller than with He's; He's and the book's stay within a factor of
# 1.5 of their first layer (the same seed draws the same pattern of weights for every
# rule; only its scale differs).
#
# The rule's "half the square" needs each $Z_\ell[s, r]$ symmetric around 0 over the draw
# of the weights. That holds at every layer, whatever the sign of the inputs (the pixels
# and the ReLU's outputs are all $\geq 0$): flip the sign of column $r$ of $W_\ell$, an
# equally likely draw, and $Z_\ell[\cdot, r]$ flips. So the rule is exact on average over
# draws, at every depth, as Chapter 7's derivation assumes; one draw of 256 units
# scatters around it.
#
# When the widths change from layer to layer, the book's $4/(h_{\ell-1} + h_\ell)$ depends
# on the layer's own width $h_\ell$ as well as on its fan-in $h_{\ell-1}$. A tapering
# network, 784–512–256–128–64–32–10:

# %%
taper = [784, 512, 256, 128, 64, 32, 10]
st = {init: layers.layer_scales(layers.network(taper, init, seed=0), X[:1000], y[:1000])["Z"]
      for init in ("book", "he")}
for init, z in st.items():
    print(f"{STARTS[init]:>6}: rms(Z_ℓ) =", " ".join(f"{v:.2f}" for v in z), f"  Z_5 / Z_1 = {z[4] / z[0]:.1f}")

# %%
assert st["book"][4] / st["book"][0] > 1.5 > 1.3 > st["he"][4] / st["he"][0]

# %% [markdown]
# Over the hidden layers this draw's book signal doubles while He's grows by less than a
# third. (Redo your factor per layer for the book's rule with $h_\ell = h_{\ell-1}/2$:
# over four layers, does it predict the doubling?) One draw of the weights scatters
# around the rule's average. The same ratio for ten seeds:
#
# <!-- BEGIN TEACHER -->
# *Teacher's note.* With $h_\ell = h_{\ell-1}/2$ the book's variance is $4/(1.5\,
# h_{\ell-1})$, and the factor per layer is $h_{\ell-1} \cdot 4/(1.5\, h_{\ell-1}) / 2 =
# 4/3$ (He's is 1); four layers give $(4/3)^4 \approx 3.2$ on the square, $1.8$ on the rms.
# <!-- END TEACHER -->

# %%
draws = {init: [layers.layer_scales(layers.network(taper, init, seed=seed), X[:1000], y[:1000])["Z"]
                for seed in range(10)] for init in ("book", "he")}
for init, zs in draws.items():
    print(f"{STARTS[init]:>6}, seeds 0-9: Z_5 / Z_1 =", " ".join(f"{z[4] / z[0]:.1f}" for z in zs))

# %% [markdown]
# The book's signal grows over the hidden layers in every draw, by 1.4 to 2.3 times; He's
# stays between 0.8 and 1.3 times its first layer's. He's rule depends on the fan-in
# $h_{\ell-1}$ alone, because the forward signal of a unit is a sum over its $h_{\ell-1}$
# inputs, and it counts the ReLU's halving; that is why it is the standard for ReLU
# networks.
#
# **Training.** One epoch at $\eta = 0.05$, batches of 32, from each start (the costs'
# last digits may differ a little on your computer; the checks after the table do not):

# %% tags=["nbval-ignore-output"]
after_one = {}
for L in (2, 4, 8):
    for init in STARTS:
        net = layers.network([784] + [256] * (L - 1) + [10], init, seed=0)
        after_one[L, init] = layers.sgd(net, X, y, lr=0.05, epochs=1, batch_size=32, seed=0)[0]
    print(f"L = {L}: training cost after one epoch:",
          "  ".join(f"{STARTS[init]} {after_one[L, init]:.2f}" for init in STARTS))

# %%
costs2 = [after_one[2, init] for init in STARTS]
print("2 layers: the three costs within 0.25 of each other:", max(costs2) - min(costs2) < 0.25)
print("8 layers: Glorot's start is behind He's by more than 0.2:",
      after_one[8, "glorot"] > after_one[8, "he"] + 0.2)

# %% [markdown]
# With two layers the three starts end the epoch close together. With eight, Glorot's
# start is behind: its first layers get the smallest gradients.

# %% [markdown]
# ## Recap
#
# - Cross-entropy is the negative log-likelihood of the categorical model $P[s, \cdot]$,
#   divided by $n$. The squared error's gradient at the logits carries a factor of $p$:
#   it is about ten times smaller at the start, and gives the confidently wrong images
#   less correction than the unsure ones.
# - A layer is a `forward` that returns its output and a cache, and a `backward` that maps
#   the upstream gradient and the cache to the gradients of the inputs; a network is a
#   loop forwards through the layers and a loop backwards through the caches. You wrote
#   both, and checked them against central differences at 2, 3 and 4 layers.
# - BP1–BP4 carry $\delta_\ell = \partial J / \partial Z_\ell$ from the head down to the
#   first layer and turn it into every gradient.
# - A computational graph of numbers, a local derivative per operation and a reverse
#   topological order are all reverse-mode autodiff needs: your `MyValue` found Chapter
#   2's gradients by itself. One backward pass costs at most about two forward passes,
#   whatever the number of parameters; numerical differentiation costs two forward passes
#   per parameter.
# - The variance rule holds at every depth on average over the draw of the weights; the
#   measured signals of 2 to 8 layers and one epoch of training separate the three
#   starts.
#
# ## Exercises
#
# 1. **Does a larger rate cure the slowdown?** Train the squared-error network for one
#    epoch at $\eta$ in `[0.1, 0.3, 1, 3]` and compare the validation accuracy with the
#    cross-entropy's at $\eta = 0.1$. Why can a larger rate not help the confidently wrong
#    images?
# 2. **A tanh layer.** Write `tanh_forward` and `tanh_backward` in the style of §3
#    ($\tanh' = 1 - \tanh^2$), gradient-check them as in §3.1, and gradient-check a
#    3-layer network that uses them instead of the ReLU.
# 3. **Autodiff through an unstable softmax.** Build the tiny network's cross-entropy with
#    `MyValue`s as $-\log(e^{z_y} / \sum_i e^{z_i})$ (add division to `MyValue`: which
#    local derivatives does $a / b$ need?). Does it give the same gradients? What happens
#    when the logits are multiplied by 1,000?
# 4. **Sixteen layers.** Measure `layer_scales` for 16 layers of width 256 with Glorot's
#    and He's variances. By how much has rms($Z_{15}$) shrunk under Glorot's, and is that
#    the variance rule's prediction?
# 5. **Timing the count.** Time a forward pass (`net.cost`) and a backward pass
#    (`net.backward`) of `layers.network([784, h, 10])` on 512 images, for $h$ in 64, 256
#    and 1024. Take the median of several runs of each (why not a single run?). Is the
#    ratio the count's 2? Where it is not, what does the count of multiply-adds leave out?
