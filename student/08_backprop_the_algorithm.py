# %% [markdown]
# # Chapter 8 — Backpropagation as an algorithm
#
# Chapter 2 wrote the backward pass of one network: seven lines for two layers. This
# chapter turns those lines into an algorithm that works for any depth, and asks why the
# last layer is a softmax with cross-entropy at all. It shows
#
# 1. **cross-entropy** as the negative log-likelihood of a categorical model, and the
#    **learning slowdown** of the squared error, measured on our network;
# 2. **layers** as small objects, each with a `forward` and a `backward` that takes the
#    upstream gradient and returns the downstream one (`handin.layers`);
# 3. the **δ recursion** for $L$ layers, the four equations behind every backward pass;
# 4. 2-, 3- and 4-layer networks built from the same pieces, every layer checked
#    numerically, and the 2-layer one equal to `handin.cost_grad`;
# 5. the **computational graph** of the cost, and a scalar **reverse-mode autodiff**
#    (`handin.autodiff`) that finds the hand-derived gradients by itself;
# 6. why reverse mode wins: one backward pass costs a small fixed multiple (about two) of a
#    forward pass, whatever the number of parameters — counted and measured;
# 7. **initialisation** of deeper ReLU networks: the book's variances, Glorot's and He's,
#    on 2 to 8 layers.
#
# **Notation.** Chapter 1's table, plus the layers. $L$ is the number of linear layers
# (in this chapter only; the one-sample loss is written $-\log p_y$). Layer $l = 1, \dots,
# L$ has $h_l$ units, with $h_0 = d$ and $h_L = k$:
#
# $$A_0 = X, \qquad Z_l = A_{l-1} W_l + b_l, \qquad A_l = \mathrm{relu}(Z_l)\ (l < L),
# \qquad P = \mathrm{softmax}(Z_L),$$
#
# and $\delta_l = \partial J / \partial Z_l$, of shape $(n, h_l)$. With $L = 2$ these are
# Chapter 2's $Z_1, A_1, Z_2$. As everywhere, $n$ is the number of samples in a batch,
# $s$ a sample, $c$ the weight decay and $\eta$ (`lr`) the learning rate.

# %%
import time

import numpy as np
import matplotlib.pyplot as plt

import handin
from handin import layers
from handin.autodiff import Value
from handin.experiment import prepare
from handin.course import check_delta, check_linear

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
# while for the cross-entropy the softmax's derivative cancels and $\delta_L[s] = g$
# (Chapter 1). Every entry of $\delta_L^{\mathrm{SE}}$ carries a factor $p_i$. When the
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
plt.show()

# %% [markdown]
# *Figure: for every training image, the size of its correction $n\,|\delta_L[s]|$ against the probability $P[s, y_s]$ given to its label (log axis), for the cross-entropy and for the squared error: the cross-entropy's grows as that probability falls, the squared error's falls again for the confidently wrong images.*
#
# Does it matter for training? The same network, the same start and the same batches,
# trained for three epochs with each cost at $\eta = 0.1$; the validation cross-entropy and
# accuracy after each epoch, as "cost / accuracy". (After a few epochs the digits depend on the machine's
# round-off, so the table is not compared by the tests; the check after it is.)

# %%
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
assert acc_ce > acc_se + 0.05 and J_ce < J_se
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
# ## 3. Layers with a forward and a backward
#
# Chapter 2's backward pass repeats one pattern: an operation takes the gradient of its
# output and returns the gradient of its input. Give each operation its own object:
#
# - `forward(input)` computes the output and keeps (**caches**) what the backward pass
#   will need;
# - `backward(upstream)` gets $\partial J / \partial(\text{output})$ and returns
#   $\partial J / \partial(\text{input})$; a layer with parameters also fills `grads`, a
#   dict with the keys of `params`.
#
# | layer | forward | backward, from `dZ` or `dA` | cache |
# |---|---|---|---|
# | `Linear(W, b, c)` | `Z = A @ W + b` | your turn, below | `A` |
# | `ReLU()` | `A = max(Z, 0)` | `dZ = dA * (Z > 0)` | `Z > 0` |
# | `SoftmaxCrossEntropy()` | cross-entropy of `softmax(Z)` | `dZ = (P - Y) / n` | `P`, `y` |
#
# The linear layer keeps its decay $c \lVert W \rVert^2$: it adds the term to the cost
# and $2cW$ to its gradient. A ReLU on a small batch:

# %%
relu = layers.ReLU()
Z = np.array([[1.5, -0.5, 0.2], [-1.0, 2.0, -0.1]])
print("forward: ", relu.forward(Z).tolist())
print("backward:", relu.backward(np.ones_like(Z)).tolist())

# %% [markdown]
# ### Your turn: the linear layer's backward
#
# Write `backward` for a linear layer. The three lines are Chapter 2's `dW2`, `db2` and
# `dA1`, with the layer's own names: `self.A` is the cached input, `self.params["W"]` the
# weights, `self.c` the decay. Set `self.grads["W"]` and `self.grads["b"]` (arrays of the
# shapes of `W` and `b`) and return `dA` (the shape of `self.A`); do not call
# `layers.Linear.backward` (the check fails a layer that does). The check names the mistake
# if there is one.

# %%
class MyLinear(layers.Linear):
    def backward(self, dZ):
        """dZ (n, n_out) -> dA (n, n_in); fills self.grads["W"] and self.grads["b"]."""
        W = self.params["W"]
        # YOUR CODE HERE
        raise NotImplementedError("write the body of backward(self, dZ)")
        return dA


# %%
check_linear(MyLinear)

# %% [markdown]
# The linear layer's row of the table, complete: backward `dA = dZ @ W.T`,
# `dW = A.T @ dZ + 2 c W`, `db = dZ.sum(0)`.
#
# Each layer can be checked **on its own**, as CS231n does: with a random upstream
# gradient $G$, the number $f = \sum G \odot \mathrm{forward}(A)$ has the gradient
# `backward(G)` with respect to $A$. `layers.check_layer` compares that, and every
# parameter's gradient, with central differences (the relative errors are round-off, so
# they differ from machine to machine; the check after the table does not):

# %%
rng = np.random.default_rng(0)
A_in = rng.normal(size=(5, 4))
linear = MyLinear(rng.normal(size=(4, 3)), rng.normal(size=3), c=0.1)
checks = {"Linear": layers.check_layer(linear, A_in), "ReLU": layers.check_layer(layers.ReLU(), A_in)}
for name, check in checks.items():
    print(name, check, sep="\n")

# %%
print("every array of both layers passes (rel. error <= 1e-7):",
      all(check.passed(1e-7) for check in checks.values()))

# %% [markdown]
# ## 4. The δ recursion for $L$ layers
#
# Write $\delta_l = \partial J / \partial Z_l$. Going back through the network, four
# equations give every gradient (Nielsen's BP1–BP4, in our row-per-sample layout):
#
# | | equation | Chapter 2, $L = 2$ |
# |---|---|---|
# | BP1 | $\delta_L = (P - Y)/n$ | `dZ2` |
# | BP2 | $\delta_l = {?}$ from $\delta_{l+1}$, for $l = L-1, \dots, 1$ (derive it below) | `dZ1` |
# | BP3 | $\partial J / \partial b_l = \sum_s \delta_l[s]$ | `db1`, `db2` |
# | BP4 | $\partial J / \partial W_l = A_{l-1}^\top \delta_l + 2 c W_l$ | `dW1`, `dW2` |
#
# BP1 is Chapter 1. BP3 and BP4 are the linear layer's backward, which you just wrote.
# BP2 carries $\delta$ from layer $l+1$ down to layer $l$.
#
# *Derive this yourself: which entries of $Z_{l+1}$ does $Z_l[s, u]$ influence, and through what?*

# %% [markdown]
# *Your derivation:*

# %% [markdown]
#
# ### Your turn: one step of the recursion
#
# Write BP2 as a function of $\delta_{l+1}$, $W_{l+1}$ and $Z_l$.

# %%
def my_delta(delta_next, W_next, Z):
    """BP2: δ_l (n, h_l) from δ_{l+1} (n, h_{l+1}), W_{l+1} (h_l, h_{l+1}) and Z_l (n, h_l)."""
    # YOUR CODE HERE
    raise NotImplementedError("write the body of my_delta(delta_next, W_next, Z)")


# %%
check_delta(my_delta)

# %% [markdown]
# BP2 in full: $\delta_l = (\delta_{l+1} W_{l+1}^\top) \odot 1[Z_l > 0]$, the linear
# layer's `dA` followed by the ReLU's backward.
#
# With BP1 and `my_delta`, the whole backward pass of a 4-layer network is a loop from the
# top. `net.forward` keeps every $Z_l$ in `net.Z`; the loop computes every $\delta_l$ and
# then BP4 gives $\partial J / \partial W_l$, to compare with what the layers computed:

# %%
net = layers.network([784, 64, 32, 16, 10], "he", c=1e-4, seed=0)
J, grads = net.cost_grad(X[:100], y[:100])
Ws, Zs, L = [lin.params["W"] for lin in net.linears], net.Z, len(net.linears)
deltas = [net.loss.backward()]                                  # BP1: δ_L
for l in range(L - 1, 0, -1):                                   # BP2, l = L-1, ..., 1
    deltas.insert(0, my_delta(deltas[0], Ws[l], Zs[l - 1]))     # Ws[l] is W_{l+1}

# %%
As = [X[:100]] + [np.maximum(Z, 0) for Z in Zs[:-1]]            # A_0 = X, A_l = relu(Z_l)
dWs = [As[l].T @ deltas[l] + 2 * 1e-4 * Ws[l] for l in range(L)]   # BP4
print("BP4 from the loop equals the layers' dW_l, l = 1..4:",
      [bool(np.allclose(dWs[l], grads[f"W{l + 1}"], rtol=1e-12, atol=1e-15)) for l in range(L)])

# %% [markdown]
# `Sequential.backward` is that loop with the layers doing the work: the loss's backward,
# then every layer's backward in reverse order. Nothing in it knows the depth.
#
# ## 5. Two, three and four layers from the same pieces
#
# `layers.network(sizes)` stacks `Linear, ReLU, ..., Linear` for the sizes $[h_0, \dots,
# h_L]$. First the promise: with two layers and the parameters of `handin.init_params`,
# the layers compute Chapter 2's cost and gradients, decay included:

# %%
p2 = handin.init_params(784, 256, 10, seed=0, dtype=np.float64)
J_layers, g_layers = layers.from_params(p2, c=1e-4).cost_grad(X[:500], y[:500])
J_ref, g_ref = handin.cost_grad(X[:500], y[:500], p2, c=1e-4)
worst = max(np.abs(g_layers[k] - g_ref[k]).max() / np.abs(g_ref[k]).max() for k in g_ref)
print("same cost to 1e-12:", abs(J_layers - J_ref) <= 1e-12,
      "  every gradient to 1e-12 (relative to its largest entry):", worst <= 1e-12)

# %% [markdown]
# Then deeper networks: a small problem (20 images, 30 pixels each), 2, 3 and 4 layers of
# width 12 with decay, every entry of every parameter checked by central differences:

# %%
X_small, y_small = X[:20, 300:330], y[:20]
gchecks = {}
for L in (2, 3, 4):
    net = layers.network([30] + [12] * (L - 1) + [10], "he", c=0.01, seed=L)
    gchecks[L] = layers.gradient_check(net, X_small, y_small)
print(gchecks[4])

# %%
for L, check in gchecks.items():
    print(f"L = {L}: {len(check)} parameters, all pass (rel. error <= 1e-7):", check.passed(1e-7))

# %% [markdown]
# ## 6. The computational graph, and a program that backpropagates
#
# The cost is a composition of small operations: products, sums, `exp`, `log`, `relu`.
# Draw each number as a node and each operation as edges from its inputs: that is the
# **computational graph** of the cost. Backpropagation visits it once, from $J$ back to
# the parameters, and at each node applies the local derivative of its operation:
#
# | operation | local derivatives |
# |---|---|
# | $v = a + b$ | $\partial v / \partial a = 1$, $\partial v / \partial b = 1$ |
# | $v = a b$ | $\partial v / \partial a = b$, $\partial v / \partial b = a$ |
# | $v = e^a$ | $\partial v / \partial a = e^a = v$ |
# | $v = \log a$ | $\partial v / \partial a = 1 / a$ |
# | $v = \mathrm{relu}(a)$ | $\partial v / \partial a = 1[a > 0]$ |
#
# A node used twice receives the sum of the gradients from both uses. `handin.autodiff.Value`
# does exactly this for single numbers, in about a hundred lines (after Karpathy's
# micrograd): each `Value` remembers its inputs and how to pass a gradient to them, and
# `backward()` visits the graph in reverse topological order. A one-line example:

# %%
a, b = Value(2.0), Value(-3.0)
J = (a * b + a.exp()).relu()
J.backward()
print(J, a, b, sep="\n")

# %% [markdown]
# By hand: $J = ab + e^a = -6 + e^2 > 0$, so $\partial J/\partial a = b + e^a = 4.389$ and
# $\partial J / \partial b = a = 2$.
#
# Now a whole network: 3 inputs, 4 hidden units, 3 classes, 2 samples, decay $c = 0.1$.
# Its cost written with `Value`s, operation by operation, as Chapter 2 wrote it with
# arrays (the log-softmax as $Z_2[s, y_s] - \log \sum_i e^{Z_2[s, i]}$):

# %%
def value_cost(X, y, params, c):
    """The cost of the two-layer network, built from Values; returns (J, the Value parameters)."""
    V = {k: np.vectorize(Value, otypes=[object])(v) for k, v in params.items()}
    A1 = np.vectorize(Value.relu, otypes=[object])(X @ V["W1"] + V["b1"])
    Z2 = A1 @ V["W2"] + V["b2"]
    data = sum(sum(z.exp() for z in Z2[s]).log() - Z2[s, y[s]] for s in range(len(y))) / len(y)
    return data + c * (sum(w * w for w in V["W1"].flat) + sum(w * w for w in V["W2"].flat)), V


# %%
rng = np.random.default_rng(1)
X_tiny, y_tiny = rng.normal(size=(2, 3)), np.array([0, 2])
p_tiny = handin.init_params(3, 4, 3, rng=rng, dtype=np.float64)
J_tiny, V = value_cost(X_tiny, y_tiny, p_tiny, c=0.1)
J_tiny.backward()
graph = J_tiny.graph()
print("nodes in the graph:", len(graph), "  by operation:",
      {op or "input": sum(v.op == op for v in graph) for op in ("", "+", "*", "exp", "log", "relu")})

# %% [markdown]
# Reverse mode found the gradient of every parameter in one pass back over those nodes.
# It is the gradient that Chapter 2 derived by hand:

# %%
J_hand, g_hand = handin.cost_grad(X_tiny, y_tiny, p_tiny, c=0.1)
worst = max(np.abs(np.vectorize(lambda v: v.grad)(V[k]) - g_hand[k]).max() for k in g_hand)
print("same cost:", abs(J_tiny.data - J_hand) < 1e-12, "  same gradients to 1e-12:", worst < 1e-12)

# %% [markdown]
# ## 7. Why reverse mode wins
#
# The cost $J$ is one number; the parameters are many. **Numerical differentiation**
# needs two evaluations of $J$ per parameter. **Reverse mode** (backpropagation) gets all
# of them from one pass back over the graph, in which every node does a fixed amount of
# work. Counting operations on the graph above:

# %%
n_params = sum(v.size for v in p_tiny.values())
print(f"forward: {len(graph)} nodes computed;  backward: {len(graph)} local gradients passed on")
print(f"numerical differentiation: 2 × {n_params} = {2 * n_params} forward passes "
      f"= {2 * n_params * len(graph)} nodes")

# %% [markdown]
# With arrays the count is in multiply-adds. A linear layer's forward pass is one product,
# `A @ W`: $n\, h_{l-1} h_l$ multiply-adds. Its backward pass is two products of the same
# size, `A.T @ dZ` and `dZ @ W.T`. So one backward pass costs about **two** forward passes,
# whatever the number of parameters, while numerical differentiation costs $2 \times$
# (number of parameters) forward passes. Measured, on a batch of 256 images, for hidden
# layers of growing width (numerical differentiation timed on 40 entries, 10 of each array,
# and scaled up):

# %%
def best_time(f, repeat=5):
    """The fastest of `repeat` runs of f(), in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


# %%
def measure(h, Xb=X[:256], yb=y[:256]):
    """Parameters of a 784-h-10 network; seconds of a forward, a backward, a numerical gradient."""
    net = layers.network([784, h, 10], seed=0)
    n_p = sum(v.size for v in net.params.values())
    t_fwd, t_bwd = best_time(lambda: net.cost(Xb, yb)), best_time(lambda: net.backward())
    # 10 entries of each of the 4 arrays, 2 forward passes each: scaled up to all n_p entries
    t_num = best_time(lambda: layers.gradient_check(net, Xb, yb, n_entries=10), repeat=1) / 40 * n_p
    return n_p, t_fwd, t_bwd, t_num


# %%
rows = [measure(h) for h in (16, 64, 256, 1024)]
for n_p, t_fwd, t_bwd, t_num in rows:
    print(f"{n_p:>8} parameters: forward {t_fwd * 1e3:6.2f} ms, backward {t_bwd * 1e3:6.2f} ms "
          f"({t_bwd / t_fwd:.1f}×), numerical ≈ {t_num:8.1f} s ({t_num / t_bwd:,.0f}× backward)")

# %% [markdown]
# The times are this machine's, and they move with its load, so the tests do not compare
# them. What holds on every machine is the count of multiply-adds in the matrix products,
# which the times follow: for a batch of $n$ images and a $784$–$h$–$10$ network, a forward
# pass does $n(784h + 10h)$, a backward pass twice that, and numerical differentiation two
# forward passes per parameter:

# %%
def multiply_adds(h, n=256):
    """Parameters, and the multiply-adds of a forward pass, a backward pass, a numerical gradient."""
    n_p, forward = 784 * h + h + h * 10 + 10, n * (784 * h + h * 10)
    return n_p, forward, 2 * forward, 2 * n_p * forward


# %%
for h in (16, 64, 256, 1024):
    n_p, fwd, bwd, num = multiply_adds(h)
    print(f"{n_p:>8} parameters: backward / forward = {bwd // fwd}, numerical / backward = {num // bwd:,}")

# %% [markdown]
# Backward costs twice forward at every size; numerical differentiation costs as many
# backward passes as there are parameters, and the gap grows with them. The measured
# times above have the same shape, with a factor between one and a few where the count
# says two (memory traffic and the small arrays' overheads count too).
#
# **Question:** Why does one backward pass cost a fixed multiple of a forward pass,
# however many parameters the network has, while numerical differentiation costs
# more with every parameter? And the count above says twice: which product could
# the first layer's backward pass skip, and what would the ratio then be for
# $h = 256$?

# %% [markdown]
# *Your answer:*

# %% [markdown]
# This is why every deep learning library differentiates in reverse mode: one output (the
# cost), millions of inputs (the parameters). Forward mode, which carries derivatives along
# with the values from the inputs, would need one pass per parameter.
#
# ## 8. Initialisation for deeper ReLU networks
#
# Chapter 7's variance rule, one layer at a time: if $W_l$'s entries have variance
# $\sigma_l^2$ and the ReLU keeps half the square,
#
# $$\mathrm{rms}(Z_l)^2 \approx h_{l-1}\, \sigma_l^2\, \frac{\mathrm{rms}(Z_{l-1})^2}{2}.$$
#
# Each layer multiplies the square of the signal by a factor. Three rules for $\sigma_l^2$
# (`layers.INITS`):
#
# - **the book's** (`handin.init_params`): $2 / (h_0 + h_1)$ for the first layer,
#   $4 / (h_{l-1} + h_l)$ after a ReLU (Glorot's, doubled);
# - **Glorot's** (2010): $2 / (h_{l-1} + h_l)$, derived for activations symmetric around 0;
# - **He's** (2015): $2 / h_{l-1}$, derived for the ReLU.
#
# *Derive this yourself: for hidden layers of equal width $h$, what factor does each rule multiply $\mathrm{rms}(Z)^2$ by, per layer?*

# %% [markdown]
# *Your derivation:*

# %% [markdown]
#
# Measured: the rms of every $Z_l$ at the start, on 1,000 training images, for networks
# with hidden layers of width 256:

# %%
STARTS = ("report", "glorot", "he")
for L in (2, 4, 8):
    print(f"L = {L}")
    for init in STARTS:
        s = layers.layer_scales(layers.network([784] + [256] * (L - 1) + [10], init, seed=0), X[:1000], y[:1000])
        print(f"  {init:>7}: rms(Z_l) =", " ".join(f"{z:.2f}" for z in s["Z"]), f"  rms(dW_1) = {s['dW'][0]:.1e}")

# %%
s8 = {init: layers.layer_scales(layers.network([784] + [256] * 7 + [10], init, seed=0), X[:1000], y[:1000])
      for init in STARTS}
shrink = {init: s["Z"][6] / s["Z"][0] for init, s in s8.items()}
print("rms(Z_7) / rms(Z_1):", {init: round(r, 2) for init, r in shrink.items()})
print(f"rms(dW_1), He's / Glorot's: {s8['he']['dW'][0] / s8['glorot']['dW'][0]:.0f}")
assert 0.1 < shrink["glorot"] < 0.2 and all(0.7 < shrink[i] < 1.5 for i in ("he", "report"))
assert s8["glorot"]["dW"][0] < s8["he"]["dW"][0] / 5

# %% [markdown]
# Glorot's signal shrinks at every ReLU layer: after six more layers the rms of $Z_7$ is
# between a tenth and a fifth of $Z_1$'s, and the gradient that reaches $W_1$ is about ten
# times smaller than with He's. He's and the book's stay within a factor of 1.5 of their
# first layer, and their ratios are equal. Set these ratios against your factors per layer:
# six layers multiply the square of the signal by a factor's sixth power, its rms by the
# square root of that. The rule assumes every $Z_l$ symmetric around 0, which holds exactly
# for the first layer only. (The same seed draws the same pattern of weights for every
# rule; only its scale differs.)
#
# On this network the book's rule and He's give equal ratios; when the widths change from
# layer to layer, the book's $4/(h_{l-1} + h_l)$ is not $2/h_{l-1}$. A tapering network,
# 784–512–256–128–64–32–10:

# %%
taper = [784, 512, 256, 128, 64, 32, 10]
st = {init: layers.layer_scales(layers.network(taper, init, seed=0), X[:1000], y[:1000])["Z"]
      for init in ("report", "he")}
for init, z in st.items():
    print(f"{init:>7}: rms(Z_l) =", " ".join(f"{v:.2f}" for v in z), f"  Z_5 / Z_1 = {z[4] / z[0]:.1f}")

# %%
assert st["report"][4] / st["report"][0] > 1.5 > 1.3 > st["he"][4] / st["he"][0]

# %% [markdown]
# Halving the width each layer makes the book's variance $4/(1.5\, h_{l-1}) = (4/3) \cdot
# 2/h_{l-1}$: each layer multiplies the square by $4/3$, and over the hidden layers this
# draw's book signal doubles while He's grows by less than a third; He's logits jump from
# 0.56 to 0.77. One draw of the weights scatters around the rule's average. The same two
# ratios for ten seeds:

# %%
draws = {init: [layers.layer_scales(layers.network(taper, init, seed=seed), X[:1000], y[:1000])["Z"]
                for seed in range(10)] for init in ("report", "he")}
for init, zs in draws.items():
    print(f"{init:>7}, seeds 0-9: Z_5 / Z_1 =", " ".join(f"{z[4] / z[0]:.1f}" for z in zs),
          "  Z_6 / Z_5 =", " ".join(f"{z[5] / z[4]:.1f}" for z in zs))

# %% [markdown]
# The book's signal grows over the hidden layers in every draw, by 1.4 to 2.3 times; He's
# stays between 0.8 and 1.3 times its first layer's. The jump of He's logits is one draw's:
# over the ten seeds their ratio to $Z_5$ runs from 0.8 to 1.4. He's rule depends on the
# fan-in $h_{l-1}$ alone, because the forward signal of a unit is a sum over its $h_{l-1}$
# inputs, and it counts the ReLU's halving; that is why it is the standard for ReLU
# networks.
#
# **Training.** One epoch at $\eta = 0.05$, batches of 32, from each start (the table
# depends on round-off, so the tests do not compare it; the check after it holds on every
# machine):

# %%
after_one = {}
for L in (2, 4, 8):
    for init in STARTS:
        net = layers.network([784] + [256] * (L - 1) + [10], init, seed=0)
        after_one[L, init] = layers.sgd(net, X, y, lr=0.05, epochs=1, batch_size=32, seed=0)[0]
    print(f"L = {L}: training cost after one epoch:",
          "  ".join(f"{init} {after_one[L, init]:.2f}" for init in STARTS))

# %%
spread2 = max(after_one[2, i] for i in STARTS) - min(after_one[2, i] for i in STARTS)
print("2 layers: the three costs within 0.25 of each other:", spread2 < 0.25)
print("8 layers: Glorot's start is behind He's by more than 0.2:",
      after_one[8, "glorot"] > after_one[8, "he"] + 0.2)

# %% [markdown]
# With two layers the three starts end the epoch close together. With eight, Glorot's
# start is behind: its first layers get the smallest gradients.

# %% [markdown]
# ## Recap
#
# - Cross-entropy is the negative log-likelihood of the categorical model $P[s, \cdot]$,
#   divided by $n$. With a softmax, its gradient at the logits is $(P - Y)/n$ with no
#   factor of $p$: the squared error's gradient has one, is about ten times smaller at the
#   start, and gives the confidently wrong images less correction than the unsure ones.
# - A layer is a `forward` that caches and a `backward` that maps the upstream gradient
#   to the downstream one. `Sequential` runs them forwards, then backwards in reverse.
# - BP1–BP4: $\delta_L = (P - Y)/n$; $\delta_l = (\delta_{l+1} W_{l+1}^\top) \odot
#   1[Z_l > 0]$; $\partial J / \partial b_l = \sum_s \delta_l[s]$; $\partial J / \partial
#   W_l = A_{l-1}^\top \delta_l + 2 c W_l$.
# - The 2-layer network built from layers equals `handin.cost_grad` to 1e-12; 2, 3 and 4
#   layers pass the gradient check in every parameter.
# - `Value` builds the computational graph and backpropagates through it: the same
#   gradients, found by a program. One backward pass costs a small multiple of a forward
#   pass; numerical differentiation costs two forward passes per parameter.
# - He's variance $2/h_{l-1}$ keeps the ReLU network's signals within a small factor of
#   level at every depth measured; Glorot's halves the square per layer; the book's equals
#   He's for equal widths only.
#
# ## Exercises
#
# 1. **Does a larger rate cure the slowdown?** Train the squared-error network for one
#    epoch at $\eta$ in `[0.1, 0.3, 1, 3]` and compare the validation accuracy with the
#    cross-entropy's at $\eta = 0.1$. Why can a larger rate not help the confidently wrong
#    images?
# 2. **A tanh layer.** Write a layer `Tanh` with `forward` and `backward`
#    ($\tanh' = 1 - \tanh^2$), check it with `layers.check_layer`, and gradient-check a
#    3-layer network that uses it instead of the ReLU.
# 3. **Autodiff through an unstable softmax.** Build the tiny network's cross-entropy with
#    `Value`s as $-\log(e^{z_y} / \sum_i e^{z_i})$. Does it give the same gradients? What
#    happens when the logits are multiplied by 1,000?
# 4. **Sixteen layers.** Measure `layer_scales` for 16 layers of width 256 with Glorot's
#    and He's variances. By how much has rms($Z_{15}$) shrunk under Glorot's, and is that
#    the variance rule's prediction?
