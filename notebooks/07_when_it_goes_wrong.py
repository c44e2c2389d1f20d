# %% [markdown]
# # Chapter 7 — When it goes wrong, and what the hidden layer buys
#
# So far the network has trained every time, from the start `handin.init_params` draws and
# at a sensible learning rate. This chapter breaks it on purpose, measures what breaks,
# and then takes the hidden layer away to see what it was for. It shows
#
# 1. how big the signals are at the start, layer by layer, and the **variance rule** that
#    predicts them — which is why `init_params` draws its weights with the variances it does;
#    He's rule for ReLU layers, derived and written by you (`my_he_init`);
# 2. starts that fail, measured: **zero weights** (no gradient reaches the weights at all),
#    a **constant** start (256 hidden units that stay copies of one another), weights
#    **too small** and **too large**;
# 3. **dead ReLUs**: hidden units that a high learning rate switches off, counted by you
#    (`my_dead_units`), followed unit by unit, and when they can come back;
# 4. a **linear softmax classifier**, its cost and gradient written by you from Chapter 1's
#    $(P - Y)/n$, trained side by side with the two-layer network on the same images:
#    accuracy, and weights as pictures.
#
# The notation is Chapter 1's: $n$ samples, $d = 784$ pixels, $h$ hidden units, $k = 10$
# classes; $s$ a sample, $f$ a pixel, $u$ a hidden unit; for a layer $\ell$ of any network,
# $Z_\ell = A_{\ell-1} W_\ell + b_\ell$ with $h_\ell$ units, $q$ a unit of layer $\ell - 1$
# and $r$ a unit of layer $\ell$.

# %%
from functools import partial

import numpy as np
import matplotlib.pyplot as plt

import handin
from handin import inits, linear
from handin.experiment import prepare
from handin.gradcheck import numerical_gradient
from handin.metrics import dead_bias_at_most_zero, dead_units, stayed_dead
from handin.model import log_softmax, one_hot
from handin.plots import show, show_weights
from handin.course import check_dead_units, check_he_init, check_linear_cost_grad

# %%
handin.threads.share()   # numpy, yours too, on one core or two: whichever is faster here now

# %% [markdown]
# The data of Chapters 3 and 4: the shipped sample, pixels in $[0, 1]$, 3,400 training and
# 600 validation images, 1,000 test images. `run` is `handin.fit` on these images with seed 0
# and the book's defaults (256 hidden units, `lr = 0.1`, `c = 1e-4`, batches of 32); every
# experiment below changes one thing.

# %%
split = prepare("sample", seed=0)
X, y = split.X_train, split.y_train
run = partial(handin.fit, X, y, split.X_val, split.y_val, seed=0)
print("X", X.shape, " X_val", split.X_val.shape, " X_test", split.X_test.shape)

# %% [markdown]
# ## 1. How big are the signals at the start?
#
# Take one hidden unit $u$ and one image $s$. Its input is a sum over the pixels,
#
# $$Z_1[s, u] = \sum_{f=1}^{d} X[s, f]\, W_1[f, u] \qquad (b_1 = 0 \text{ at the start}).$$
#
# If the weights are drawn independently, with mean 0 and variance $\sigma_1^2$, the
# cross terms $W_1[f, u]\, W_1[f', u]$ ($f \ne f'$) average to zero and only the squares
# are left: the mean of $Z_1[s, u]^2$ is $\sum_f X[s, f]^2\, \sigma_1^2$. Averaged over the
# images, with $\mathrm{rms}(A) = \sqrt{\text{mean of } A^2}$, the **variance rule**:
#
# $$\mathrm{rms}(Z_1)^2 \approx d \cdot \mathrm{rms}(X)^2 \cdot \sigma_1^2 ,
# \qquad
# \mathrm{rms}(Z_2)^2 \approx h \cdot \mathrm{rms}(A_1)^2 \cdot \sigma_2^2 .$$
#
# Between the two, the ReLU: $A_1 = \max(Z_1, 0)$ sets every negative entry of $Z_1$ to 0.
# How much of the mean square does that cost? The table below measures $\mathrm{rms}(A_1)$;
# the exercise at the end of this section asks you to work out the factor.

# %% [markdown]
# `handin.init_params` draws $W_1$ and $W_2$ with variances $\sigma_1^2$ and $\sigma_2^2$
# (where they come from is below). `handin.inits.layer_scales` measures the rms of every
# layer at given weights; the variance rule predicts each layer's size from the one before,
# with the variances measured on the drawn weights:
# <!-- BEGIN TEACHER -->
# `init_params` draws $\sigma_1^2 = 2/(d + h)$ and $\sigma_2^2 = 4/(h + k)$: Glorot's
# variance, doubled for the layer after the ReLU because $\mathrm{rms}(A_1)^2 \approx
# \mathrm{rms}(Z_1)^2 / 2$ (the factor the students derive in the exercise below).
# <!-- END TEACHER -->

# %%
start = handin.init_params(784, 256, 10, seed=0)
scales = inits.layer_scales(X, y, start)
var1, var2 = np.mean(start["W1"] ** 2), np.mean(start["W2"] ** 2)
print(f"rms(X)  = {scales['X']:.3f}")
print(f"rms(Z1) = {scales['Z1']:.3f}   rule: {np.sqrt(784 * scales['X'] ** 2 * var1):.3f}")
print(f"rms(A1) = {scales['A1']:.3f}   (after the ReLU: the exercise below)")
print(f"rms(Z2) = {scales['Z2']:.3f}   rule: {np.sqrt(256 * scales['A1'] ** 2 * var2):.3f}")

# %% [markdown]
# The rule is right to within 10%: it describes the average over random draws of the
# weights, and this is one draw (exercise 3 looks closer at the ReLU's step). The logits
# $Z_2$ start at about 0.6: small enough that the softmax is nearly uniform, so the first
# cost is close to $\ln 10$, the cost of a network that does not know anything yet — and
# not so small that the gradient starves:

# %%
print(f"cost at the start: {scales['cost']:.2f}   ln 10 = {np.log(10):.2f}")
print(f"rms(dW1) = {scales['dW1']:.1e}   rms(dW2) = {scales['dW2']:.1e}")

# %% [markdown]
# **Where the variances come from.** To keep the signal's size from layer to layer going
# *forward* you want $n_{\text{in}}\,\sigma^2 = 1$; to keep the gradient's size going
# *backward* (the same rule, read from right to left: the gradient of $A_1$ you derived in
# Chapter 2 sums over the $n_{\text{out}}$ units of the next layer) you want
# $n_{\text{out}}\,\sigma^2 = 1$. Glorot and Bengio (2010) take the compromise
# $\sigma^2 = 2 / (n_{\text{in}} + n_{\text{out}})$. `init_params` draws $W_1$ so; the second
# layer reads a ReLU's output, and `init_params` raises its variance to make up for what the
# ReLU takes away — by how much is the exercise below. Nothing here is sacred — the next
# section measures what happens away from it.

# %% [markdown]
# ### Your turn: He's rule for ReLU layers
#
# He et al. (2015) keep the signal's size going forward through ReLU layers. Take a layer
# $\ell$, $Z_\ell = A_{\ell-1} W_\ell$, whose input $A_{\ell-1} = \mathrm{relu}(Z_{\ell-1})$
# has $n_{\text{in}} = h_{\ell-1}$ columns (its *fan-in*), weights drawn independently with
# mean 0 and variance $\sigma^2$, and $Z_{\ell-1}$ symmetric around 0. Combine section 1's
# variance rule with what the ReLU does to the mean square, step by step, and solve for
# the $\sigma^2$ that keeps $\mathrm{Var}(Z_\ell) = \mathrm{Var}(Z_{\ell-1})$.
#
# <!-- BEGIN SOLUTION: the variance of a layer that follows a ReLU -->
# One unit $r$: $Z_\ell[s, r] = \sum_{q=1}^{n_{\text{in}}} A_{\ell-1}[s, q]\, W_\ell[q, r]$. The
# weights are independent of $A_{\ell-1}$ and of each other, with mean 0, so the mean of
# $Z_\ell[s, r]$ is 0 and the cross terms of its square average to 0:
# $\mathrm{Var}(Z_\ell) = \sum_q \mathbb{E}[A_{\ell-1}[s, q]^2]\,\mathbb{E}[W_\ell[q, r]^2] = n_{\text{in}}\,\mathbb{E}[A_{\ell-1}^2]\,\sigma^2$.
# Note $\mathbb{E}[A_{\ell-1}^2]$, not $\mathrm{Var}(A_{\ell-1})$: the ReLU's output has a positive mean.
# $Z_{\ell-1}$ is symmetric around 0, and $A_{\ell-1} = \max(Z_{\ell-1}, 0)$ keeps its
# positive half and sets the other to 0, so
# $\mathbb{E}[A_{\ell-1}^2] = \tfrac12\,\mathbb{E}[Z_{\ell-1}^2] = \tfrac12\,\mathrm{Var}(Z_{\ell-1})$.
# Hence $\mathrm{Var}(Z_\ell) = \tfrac12\, n_{\text{in}}\, \sigma^2\, \mathrm{Var}(Z_{\ell-1})$,
# and the size is kept when $\tfrac12\, n_{\text{in}}\, \sigma^2 = 1$: $\sigma^2 = 2 / n_{\text{in}}$,
# twice LeCun's $1/n_{\text{in}}$ for layers without a ReLU. It depends on the fan-in only;
# the fan-out belongs to the backward rule.
# <!-- END SOLUTION -->
#
# Now write `my_he_init(d, h, k, seed)`, the two-layer network drawn by the rule you
# derived: return `{"W1": (d, h), "b1": zeros (h,), "W2": (h, k), "b2": zeros (k,)}`, each
# weight matrix normal with mean 0 and the variance your rule gives for its own fan-in
# (both layers, as He does: the first one reads pixels, not a ReLU, and is drawn by the
# same rule). Draw every weight from one generator, `rng = np.random.default_rng(seed)`,
# not from `np.random.*`, and do not call `handin`'s initialisers (`init_params`,
# `inits.normal_init`). The self-check measures the variances on wide layers and names
# the usual mistakes.

# %%
def my_he_init(d, h, k, seed):
    """He's initialisation of the two-layer network: a dict W1, b1, W2, b2."""
    # BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(2.0 / d), size=(d, h))
    W2 = rng.normal(0.0, np.sqrt(2.0 / h), size=(h, k))
    return {"W1": W1, "b1": np.zeros(h), "W2": W2, "b2": np.zeros(k)}
    # END SOLUTION


# %%
check_he_init(my_he_init)

# %% [markdown]
# ## 2. Starts that fail
#
# `handin.inits.normal_init(d, h, k, std)` draws both weight matrices with one standard
# deviation `std` (the same random pattern, rescaled), biases 0. Five starts: all zeros;
# `std = 1e-4`, the default of CS231n's two-layer net; `std = 0.01`, a common textbook
# choice; `init_params`; and `std = 1`.

# %%
starts = {
    "zeros": inits.normal_init(784, 256, 10, std=0.0, seed=0),
    "std 1e-4": inits.normal_init(784, 256, 10, std=1e-4, seed=0),
    "std 0.01": inits.normal_init(784, 256, 10, std=0.01, seed=0),
    "init_params": start,
    "std 1": inits.normal_init(784, 256, 10, std=1.0, seed=0),
}

# %% [markdown]
# The same measurements at each start:

# %%
print(f"{'start':>12} {'rms(Z1)':>9} {'rms(Z2)':>9} {'cost':>8} {'rms(dW1)':>9} {'rms(dW2)':>9}")
for name, p in starts.items():
    s = inits.layer_scales(X, y, p)
    print(f"{name:>12} {s['Z1']:9.2g} {s['Z2']:9.2g} {s['cost']:8.3g}"
          f" {s['dW1']:9.1e} {s['dW2']:9.1e}")

# %% [markdown]
# The rule works at every scale: `rms(Z1)` grows like `std` and `rms(Z2)` like
# `std`$^2$, since $Z_2$ passes through both weight matrices. Now train from each start
# for five epochs (`fit(init=...)` starts from the given weights; the seed still shuffles):

# %%
results = {name: run(epochs=5, init=p) for name, p in starts.items()}

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.6), layout="constrained")
for name, (p, h) in results.items():
    ax.plot(h.epoch, h.val_acc, marker="o", label=name)
ax.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0, 1), xticks=range(1, 6),
       title="Five epochs from five starts")
ax.legend(loc="center right", fontsize="small"), ax.grid(alpha=0.3)
show(fig, "validation accuracy after each of five epochs, one line with markers for each of the "
          "five starts (zeros, std 1e-4, std 0.01, init_params, std 1); the table below prints "
          "the same values.")

# %% tags=["nbval-ignore-output"]
for name, (p, h) in results.items():
    print(f"{name:>12}: validation accuracy by epoch", " ".join(f"{a:.2f}" for a in h.val_acc))

# %% [markdown]
# (The `std 1` run is the most fragile: the smallest rounding difference changes its later
# digits, so yours may differ from these in the second decimal.)

# %% [markdown]
# ### Zero weights: no gradient at all
#
# With $W_1 = 0$ every $Z_1$ is 0, so $A_1 = 0$. Put this start, $W_1 = 0$ and $W_2 = 0$,
# into the gradients you derived in Chapter 2: each weight gradient has a factor that is 0
# here, so no weight moves. Only $b_2$ can move, and on a balanced data set it only jitters around 0. The
# table above showed `rms(dW1) = rms(dW2) = 0`; after five epochs:

# %%
p0, h0 = results["zeros"]
print("largest |W1|, |W2| after training:", np.abs(p0["W1"]).max(), np.abs(p0["W2"]).max())
print(f"cost {h0.train_cost[-1]:.4f} (ln 10 = {np.log(10):.4f}), "
      f"dead units: {dead_units(X, p0).sum()} of 256")

# %% [markdown]
# Every unit is *dead* (section 3): its ReLU is 0 on every image. The network outputs the
# same probabilities, about 1/10 each, for every image.
#
# ### A constant start: 256 copies of one unit
#
# Zeros fail for lack of a gradient. A start where every weight is the same number, say
# 0.01, has a gradient — but then every hidden unit computes the same function of the
# image, so every column of $dW_1$ is the same, every unit takes the same step, and they
# stay equal for ever. In exact arithmetic, that is; in float64 the spread between the
# columns stays at round-off level:

# %% tags=["nbval-ignore-output"]
same = inits.constant_init(784, 256, 10, 0.01)
p_same, h_same = run(epochs=2, init=same, dtype=np.float64)
spread = {"W1": np.ptp(p_same["W1"], axis=1).max(), "W2": np.ptp(p_same["W2"], axis=0).max()}
print("largest spread between the columns of W1:", spread["W1"])
print("largest spread between the rows of W2:   ", spread["W2"])

# %% [markdown]
# Here that may be exactly zero, to the last bit, or a difference in the last bits.
# <!-- BEGIN TEACHER -->
# On most machines it is exactly zero; a matrix product may add a few columns in another
# order than the rest, and then they differ by round-off.
# Whether it is exactly zero depends on the BLAS kernel that computes the matrix
# products: a kernel works on blocks of columns and may sum the columns at the edge of a
# block in another order. With 6 hidden units, the AVX-512 kernels of an Intel Xeon left a
# spread of $4 \times 10^{-19}$ (`tests/test_linear.py`: three epochs on a small problem);
# the 256 units above fill whole blocks on every kernel tried, and stay exactly equal there.
# <!-- END TEACHER -->
# Exact or not, what holds everywhere is that the units agree to round-off:

# %%
for name in ("W1", "W2"):
    print(f"{name}: spread below 1e-12 of the largest weight:",
          spread[name] <= 1e-12 * np.abs(p_same[name]).max())

# %% [markdown]
# After 214 steps, the 256 units are still one unit, copied. The network is
# hardly better than a network with a single hidden unit:

# %%
_, h_one = run(epochs=2, hidden=1, init=inits.constant_init(784, 1, 10, 0.01))
print(f"validation accuracy: 256 copies {h_same.val_acc[-1]:.2f}, one unit {h_one.val_acc[-1]:.2f}")

# %% [markdown]
# In float32 (`fit`'s default) the matrix products do not round every column alike: the
# columns can differ by a few $10^{-8}$ after the first epoch. Symmetry is
# an unstable balance: training amplifies any difference, and after a few epochs such
# units do come apart — but it is the random start that should tell them apart from the
# first step. (Exercise 2 measures how long a small difference takes.)
#
# <!-- BEGIN QUESTION -->
# **Question:** A start with every weight of $W_1$ equal to 0.01 but $W_2$ drawn at
# random: do the 256 hidden units stay copies of one another? Argue from the
# gradients of Chapter 2.
#
# > **Model answer.** No. All columns of $W_1$ are equal, so all units have the
# > same $Z_1$ column at the start. But `dA1 = dZ2 @ W2.T`: column $u$ of `dA1` is
# > `dZ2` times row $u$ of $W_2$, and those rows differ. So the columns of
# > `dZ1 = dA1 * (Z1 > 0)` and of `dW1 = X.T @ dZ1` differ, and after the first step
# > the units' incoming weights differ too. Units stay copies only when both their
# > incoming and their outgoing weights are equal: then every gradient treats them
# > alike, which is what a constant start does.
# >
# > **Rubric:** 1 point: no, because `dA1 = dZ2 @ W2.T` gives each unit a
# > different gradient through its own row of $W_2$; 1 point: symmetry survives
# > only if both incoming and outgoing weights are equal.
# <!-- END QUESTION -->
#
# ### Too small, too large
#
# *Too small* (`std = 1e-4`): the logits are about $10^{-6}$ and `rms(dW1)` is about
# $10^{-6}$, because the two layers' gradients depend on each other's weights, and both
# are tiny. Zero is a *saddle point* of the cost, and a tiny start
# sits next to it: the first epoch is spent getting away, and then it learns, a little
# behind the others. Each layer waits for the other to grow.
#
# *Too large* (`std = 1`): the logits are about 100 and the first cost about 200. The
# softmax is saturated: each image's probability sits on one class, chosen by noise, so the
# network starts confidently wrong:

# %%
big = starts["std 1"]
print(f"accuracy {handin.accuracy(X, y, big):.2f}, "
      f"mean top probability {handin.predict_proba(X, big).max(axis=1).mean():.2f}")

# %% [markdown]
# And yet it trains: about 0.85 on validation after five epochs. The network is
# *homogeneous*: with zero biases, multiplying $W_1$ by $a > 0$ and $W_2$ by
# $b > 0$ multiplies every logit by $ab$, and no arg-max changes. What the scale ruins is
# the cost and the probabilities. Compare the two runs on the validation images: the
# cross-entropy, the decay term $c\,(\lVert W_1 \rVert^2 + \lVert W_2 \rVert^2)$, and how sure
# each network is of its mistakes:

# %%
def on_validation(p):
    Z2 = handin.forward(split.X_val, p)["Z2"]
    wrong = Z2.argmax(axis=1) != split.y_val
    return {"accuracy": np.mean(~wrong),
            "cross-entropy": handin.model.cross_entropy(Z2, split.y_val),
            "decay": 1e-4 * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2)),
            "top p on mistakes": handin.softmax(Z2[wrong]).max(axis=1).mean()}

# %% tags=["nbval-ignore-output"]
val = {name: on_validation(results[name][0]) for name in ("init_params", "std 1")}
print(f"{'start':>12}" + "".join(f"{key:>19}" for key in val["std 1"]))
for name, row in val.items():
    print(f"{name:>12}" + "".join(f"{v:19.2f}" for v in row.values()))

# %%
good, bad = val["init_params"], val["std 1"]
print("accuracy within 0.1 of init_params':    ", abs(bad["accuracy"] - good["accuracy"]) < 0.1)
print("cross-entropy over 5 x init_params':    ", bad["cross-entropy"] > 5 * good["cross-entropy"])
print("decay term above 15:                    ", bad["decay"] > 15)
print("its mistakes made with top p above 0.9: ", bad["top p on mistakes"] > 0.9)

# %% [markdown]
# Similar accuracy; but the large start's cross-entropy is over ten times larger, its
# mistakes come with a top probability above 0.9, and it carries a decay term of about 20.
# How much of that term can SGD shed in these five epochs (535 steps)? Work it out with the
# decay you derived in Chapter 4. Its probabilities say nothing about how likely a mistake
# is.
# <!-- BEGIN TEACHER -->
# Confident mistakes cost an unbounded $-\log p_y$, hence the cross-entropy (Chapter 3's
# question). Each step shrinks the weights by $1 - 2\,\eta\,c$, and
# $(1 - 2 \cdot 0.1 \cdot 10^{-4})^{535} \approx 0.99$: the decay term stays near 20.
# <!-- END TEACHER -->
#
# `init_params` is the start at which both layers receive a gradient of useful size and the
# cost starts near $\ln 10$, not 200. With two layers the window is wide (`std = 0.01` trains
# too); in a deeper network the rule compounds layer after layer — a factor of 1.5 per layer
# is about 58 after ten — and the window closes. That is why the rule matters.
#
# ## 3. Dead ReLUs
#
# A hidden unit $u$ is **dead** on a data set when $Z_1[s, u] \le 0$ for every image $s$:
# its ReLU outputs 0 everywhere and passes no gradient back ($dZ_1[s, u] = 0$ for every
# $s$). Count them yourself first: `my_dead_units(X, params)` returns the number of hidden units
# whose $Z_1 = X W_1 + b_1$ is $\le 0$ on every row of `X` (one number). The self-check
# builds a layer with every kind of unit — dead by its bias, exactly 0 everywhere, alive
# only thanks to its bias, on for some rows only — and names what was miscounted.

# %%
def my_dead_units(X, params):
    """The number of hidden units that are 0 on every row of X."""
    # BEGIN SOLUTION
    Z1 = X @ params["W1"] + params["b1"]
    return int(np.all(Z1 <= 0, axis=0).sum())
    # END SOLUTION


# %%
check_dead_units(my_dead_units)

# %% [markdown]
# A big step can kill a unit: it pushes $b_1[u]$ or $W_1[:, u]$ so far that $Z_1[:, u]$ is
# negative on every image. At three learning rates we keep the first layer after every
# epoch (`fit` calls `callback` at each epoch's end):

# %%
layers = {}
for lr in (0.1, 0.5, 1.0):
    after = []
    params_lr, _ = run(lr=lr, epochs=5, callback=lambda pr: after.append(
        {"W1": pr.params["W1"].copy(), "b1": pr.params["b1"].copy()}))
    layers[lr] = (after, params_lr)

# %% [markdown]
# Your `my_dead_units` counts the dead units. Asked about one unit at a time — the layer
# cut down to its column $W_1[:, u]$ and its bias $b_1[u]$ — it also says *which* units
# are dead: one row of 256 booleans per epoch.

# %%
def which_dead(X, layer):
    """Unit u is dead when my_dead_units counts 1 dead unit in the layer of u alone."""
    return np.array([my_dead_units(X, {"W1": layer["W1"][:, [u]], "b1": layer["b1"][[u]]}) == 1
                     for u in range(layer["W1"].shape[1])])


# %%
dead = {lr: (np.array([which_dead(X, layer) for layer in after]), p)
        for lr, (after, p) in layers.items()}

# %% tags=["nbval-ignore-output"]
for lr, (after, _) in layers.items():
    counts = [my_dead_units(X, layer) for layer in after]
    print(f"lr = {lr}: dead units after each epoch {counts}  (of 256)")

# %% [markdown]
# (At `lr = 1` the exact counts are fragile: the smallest rounding difference changes them,
# so yours may differ a little; the checks below hold all the same.) At `lr = 0.1` no unit
# dies; at 0.5 about ten; at 1 over half the hidden layer is switched off, most of it in the
# first epoch. Counts can hide a unit that comes back while another dies, so we follow
# each unit: did any unit die, did every unit that died stay dead to the last epoch, and
# what are their biases?

# %%
for lr, (after, p) in dead.items():
    print(f"lr = {lr}: some unit died: {after.any()},  every one stayed dead: "
          f"{stayed_dead(after)},  every dead unit has b1 <= 0: "
          f"{dead_bias_at_most_zero(after[-1], p['b1'])}")
print("lr = 1: more than half the layer dead:", dead[1.0][0][-1].mean() > 0.5)

# %% [markdown]
# At `lr = 0.1` there is nothing to follow, and the checks say so: no unit died, so none
# can be shown to stay dead. At 0.5 and 1, every unit that died stayed dead for the rest of
# the run, and every one has $b_1[u] \le 0$ (the biases start at 0). The survivors still
# classify — but with a fraction of the layer that was paid for. Is a dead unit dead for
# good? Exercise 4 asks when one can come back.
# <!-- BEGIN TEACHER -->
#
# A unit dead on the training set is dead on every batch drawn from it, so the data give
# it no gradient; what is left is the decay, which multiplies $W_1[:, u]$ by
# $\lambda = 1 - 2\eta c$ at each step and leaves $b_1[u]$. After $t$ more steps, on every
# training image, $Z_1[s, u] = \lambda^t Z_1^{\text{now}}[s, u] + (1 - \lambda^t)\, b_1[u]$:
# a weighted average of a value $\le 0$ and of $b_1[u]$. With $b_1[u] \le 0$ the unit is
# dead for good; with $c > 0$ and $b_1[u] > 0$, $Z_1[s, u]$ drifts towards $b_1[u] > 0$ and
# the unit comes back (slowly: $\lambda^t$ falls by a factor $e$ every $1/(2\eta c)$
# steps, 5,000 at `lr = 1`, `c = 1e-4`). This is also the answer to Chapter 2's question
# on a unit silent on every training image.
# <!-- END TEACHER -->
#
# ## 4. What the hidden layer buys
#
# Take the hidden layer away and what is left is a **linear softmax classifier**:
#
# $$Z = X W + b, \qquad P = \mathrm{softmax}(Z), \qquad
#   J = \frac1n \sum_{s=1}^{n} -\log P_{s, y_s} + c\,\lVert W \rVert^2 ,$$
#
# with $W$ of shape $(d, k)$ and $b$ of shape $(k,)$. Its gradient is Chapter 1's, one
# matrix product away.
#
# ### Your turn: `my_linear_cost_grad`
#
# Write the cost and its gradient: $dZ$ from Chapter 1, then $dW$ and $db$ as in
# Chapter 2's last layer, with the decay term on $W$ only. The self-check compares it with
# `handin.linear.cost_grad`.

# %%
def my_linear_cost_grad(X, y, params, c):
    """The cost J of the linear classifier and its gradient {"W": dW (d, k), "b": db (k,)}."""
    W, b = params["W"], params["b"]
    n, k = len(X), W.shape[1]
    # BEGIN SOLUTION
    Z = X @ W + b                                                # (n, k)
    J = -log_softmax(Z)[np.arange(n), y].mean() + c * np.sum(W ** 2)
    dZ = (handin.softmax(Z) - one_hot(y, k)) / n                 # (n, k), Chapter 1
    dW = X.T @ dZ + 2 * c * W                                    # (d, k)
    db = dZ.sum(axis=0)                                          # (k,)
    # END SOLUTION
    return J, {"W": dW, "b": db}


# %%
check_linear_cost_grad(my_linear_cost_grad)

# %% [markdown]
# Chapter 1's gradient check on your function too, on a few entries of $W$ at random
# weights: your gradient against a difference of your costs.

# %%
p_lin = linear.init_params(784, 10, std=0.01, seed=0)
Xs, ys = X[:20].astype(np.float64), y[:20]
_, g_lin = my_linear_cost_grad(Xs, ys, p_lin, 1e-4)
J_lin = lambda params: my_linear_cost_grad(Xs, ys, params, 1e-4)[0]   # -> your cost
for f, i in ((406, 3), (350, 7), (520, 1)):               # (pixel, class) entries of W
    approx = numerical_gradient(J_lin, p_lin, "W", f * 10 + i)
    print(f"dW[{f}, {i}]: exact {g_lin['W'][f, i]:+.6e}  approx {approx:+.6e}")

# %% [markdown]
# `handin.linear` holds the same classifier: `init_params`, `cost_grad`, `fit`, `predict`,
# `accuracy`. Now both models, trained the same way on the same images: `lr = 0.1`, `c = 1e-4`, batches
# of 32, 10 epochs, seed 0. `linear.fit` starts from zeros — its cost is convex, so there is
# no symmetry to break and no start to get wrong.

# %%
p_linear, h_linear = linear.fit(X, y, split.X_val, split.y_val, lr=0.1, c=1e-4,
                                batch_size=32, epochs=10, seed=0)
p_net, h_net = run(epochs=10)

# %%
print(f"{'accuracy':>22} {'parameters':>10} {'train':>6} {'val':>6} {'test':>6}")
for name, h, test, size in (
        ("linear (784 -> 10)", h_linear, linear.accuracy(split.X_test, split.y_test, p_linear),
         784 * 10 + 10),
        ("network (784-256-10)", h_net, handin.accuracy(split.X_test, split.y_test, p_net),
         784 * 256 + 256 + 256 * 10 + 10)):
    print(f"{name:>22} {size:>10,} {h.train_acc[-1]:6.2f} {h.val_acc[-1]:6.2f} {test:6.2f}")

# %% [markdown]
# The linear classifier is not bad — over 90% — and the hidden layer buys about three
# points on the test set here, with 26 times the parameters. The training column shows
# the rest of the story: the network fits its training images almost perfectly, the
# linear classifier does not. Is that for want of epochs? Train it four times as long:

# %%
_, h_lin40 = linear.fit(X, y, split.X_val, split.y_val, lr=0.1, c=1e-4, batch_size=32,
                        epochs=40, seed=0)
print(f"linear, training accuracy after 10 / 40 epochs: {h_linear.train_acc[-1]:.2f} / "
      f"{h_lin40.train_acc[-1]:.2f};  validation {h_linear.val_acc[-1]:.2f} / {h_lin40.val_acc[-1]:.2f}")

# %%
last5 = h_lin40.train_acc[-5:]
print("its last five epochs within 0.01 of each other:", max(last5) - min(last5) < 0.01)
print("still below the network's training accuracy after 10 epochs:",
      h_lin40.train_acc[-1] < h_net.train_acc[-1])
print("validation accuracy moved by less than 0.02:", abs(h_lin40.val_acc[-1] - h_linear.val_acc[-1]) < 0.02)

# %% [markdown]
# More epochs help it fit its training images a little, and then it stops: its training
# accuracy levels off below the network's, and its validation accuracy does not move. It
# has run out of ways to draw its decision boundaries, not out of epochs (exercise 5 asks
# how many hidden units it takes to beat it).
#
# **Weights as pictures.** The linear classifier has one column of $W$ per digit: the score
# of digit $i$ is $X[s, :]\, W[:, i] + b_i$, a single template matched against the image.
# The network's first layer has 256 templates, none of them a digit:

# %%
fig = plt.figure(figsize=(11, 4.6), layout="constrained")
top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.25])
show_weights(p_linear["W"], n=10, ncols=10, fig=top,
             title="Linear classifier: column i of W is the template of digit i (0 to 9)")
show_weights(p_net["W1"] - start["W1"], n=20, ncols=10, fig=bottom, label="change of weight",
             title="Network: what training changed in the first 20 columns of W1")
show(fig, "top, the ten columns of the linear classifier's W as 28 × 28 templates of the digits 0 "
          "to 9, rough digits in red and blue; bottom, what training changed in the first 20 "
          "columns of the network's W1, strokes and pieces rather than digits.")

# %% [markdown]
# The ten linear templates are rough digits: red where that digit has ink, blue where
# other digits have ink and it has not (the hole of the 0, both sides of the 1). One
# template per digit cannot cover a 7 with and without a bar, or a 4 open and closed, at
# once: it averages them. The network's hidden units are strokes and pieces, and $W_2$
# combines them; a digit can be recognised from several different sets of pieces. That is
# what the hidden layer buys — and a 256-unit layer only buys it if its units start
# different and stay alive.

# %% [markdown]
# ## Recap
#
# - The variance rule, $\mathrm{rms}(Z)^2 \approx n_{\text{in}}\, \mathrm{rms}(A)^2\,
#   \sigma^2$, predicts every layer's size at the start; `init_params`'s variances
#   (Glorot's $2/(n_{\text{in}} + n_{\text{out}})$, raised after the ReLU) keep the logits
#   near 0.6 and the first cost near $\ln 10$. He's rule, which you derived, keeps the size
#   through a ReLU layer.
# - Zero weights give exactly zero weight gradients: nothing trains. A constant start
#   trains 256 identical copies of one unit. A tiny start waits next to a saddle point. A
#   huge one starts saturated and confidently wrong, with a cost around 200; it still learns
#   to classify (the ReLU network is homogeneous), but its probabilities stay overconfident
#   and its decay term large.
# - A dead ReLU is 0 on every image and gets no gradient from the data; high learning
#   rates kill units (none at `lr = 0.1`, most of the layer at `lr = 1`). Here every unit
#   that died had a bias $b_1[u] \le 0$ and stayed dead; exercise 4 asks when one can come
#   back.
# - A linear softmax classifier is Chapter 1's gradient plus one matrix product. On the
#   sample it reaches about 0.92 on the test set against the network's 0.95; its ten
#   weight columns are blurred digit templates, the network's are parts.
#
# ## Exercises
#
# 1. **Where does "too large" begin?** Train from `normal_init` with `std` in
#    `[0.01, 0.03, 0.1, 0.3, 1, 3]` for 3 epochs and plot the validation accuracy against
#    `std` (log axis). Mark `init_params`'s two standard deviations on the plot.
# 2. **Breaking the symmetry.** Add Gaussian noise of standard deviation `eps` to the
#    constant start's `W1` and train for 5 epochs. How small can `eps` be and still give
#    distinct units and a good accuracy? Measure the spread of the columns of `W1`.
# 3. **What the ReLU does to the square, measured.** Measure
#    $\mathrm{rms}(A_1)^2 / \mathrm{rms}(Z_1)^2$ at `init_params` with `layer_scales` and
#    compare it with the factor of your derivation. Then give the second layer the variance
#    of your He rule instead of `init_params`' $\sigma_2^2$: how do `rms(Z2)` and the first
#    cost change?
# 4. **Dead units and the learning rate.** Count the dead units after 3 epochs for `lr` in
#    `[0.1, 0.2, 0.4, 0.6, 0.8, 1.0]` and plot the fraction against `lr`. Does a run at
#    `lr = 1.0` with `hidden=512` end with more *live* units than one with `hidden=256`?
#    Then take a unit dead on the training set: after $t$ more steps, what is its $Z_1$ on
#    an image, in terms of its value now, $b_1[u]$, $\eta$ and $c$? When can it come back,
#    and how many steps would that take? Try it: kill a unit with a positive bias by hand.
# 5. **How many hidden units beat the linear classifier?** Train the network with `hidden`
#    in `[1, 2, 4, 8, 16, 32]` for 10 epochs and compare the test accuracies with the
#    linear classifier's. Why is the network with 1 hidden unit so much worse than the
#    linear classifier? Count the parameters of each network: is their number what
#    decides?
