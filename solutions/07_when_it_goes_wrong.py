# %% [markdown]
# # Chapter 7 — Worked solutions
#
# Solutions to the exercises of `notebooks/07_when_it_goes_wrong`. Each section restates
# the exercise, then solves it with `handin`. Runs whose digits depend on round-off (large
# starts, high learning rates) print their table in a cell the book's tests do not compare,
# followed by the checks that hold on every machine.

# %%
from functools import partial

import numpy as np
import matplotlib.pyplot as plt

import handin
from handin import inits, linear
from handin.experiment import prepare
from handin.metrics import dead_units
from handin.plots import show

# %% [markdown]
# The chapter's data and training call: the sample, seed 0, the book's defaults.

# %%
split = prepare("sample", seed=0)
X, y = split.X_train, split.y_train
run = partial(handin.fit, X, y, split.X_val, split.y_val, seed=0)

# %% [markdown]
# ## Exercise 1 — Where does "too large" begin?
#
# > Train from `normal_init` with `std` in `[0.01, 0.03, 0.1, 0.3, 1, 3]` for 3 epochs and
# > plot the validation accuracy against `std` (log axis). Mark `init_params`'s two standard
# > deviations on the plot.
#
# The chapter showed that accuracy survives a large start while the cost does not, so we
# plot both: the validation accuracy and the validation cost after 3 epochs.

# %%
stds = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
hist = {std: run(epochs=3, init=inits.normal_init(784, 256, 10, std, seed=0))[1] for std in stds}
acc = np.array([hist[std].val_acc[-1] for std in stds])
cost = np.array([hist[std].val_cost[-1] for std in stds])

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
ax1.semilogx(stds, acc, marker="o"), ax1.set(ylabel="validation accuracy", ylim=(0, 1))
ax2.loglog(stds, cost, marker="o"), ax2.set(ylabel="validation cost")
for ax in (ax1, ax2):
    for std, what in ((np.sqrt(2 / 1040), "W1"), (np.sqrt(4 / 266), "W2")):
        ax.axvline(std, color="gray", ls="--", lw=1), ax.text(std, ax.get_ylim()[1], what, va="top")
    ax.set(xlabel="std of both weight matrices", title="after 3 epochs"), ax.grid(alpha=0.3)
show(fig, "validation accuracy (left, log x axis) and validation cost (right, log-log) after 3 "
          "epochs against the std of both weight matrices, with dashed lines at init_params's "
          "standard deviations for W1 and W2.")

# %% tags=["nbval-ignore-output"]
for std, a, c in zip(stds, acc, cost):
    print(f"std {std:5}: validation accuracy {a:.2f}, validation cost {c:8.2f}")

# %% [markdown]
# (The digits of the large starts change with round-off from one machine to another; the
# checks below do not.)

# %%
print("accuracy within 0.1 of the best at every std:", bool(acc.min() > acc.max() - 0.1))
print("cost at std 0.1 below 1:                     ", bool(cost[2] < 1))
print("cost grows with std from 0.3 on:             ", bool(np.all(np.diff(cost[3:]) > 0)))
print("cost at std 3 over 100 x the cost at std 0.1: ", bool(cost[-1] > 100 * cost[2]))

# %% [markdown]
# **Answer.** Accuracy hardly depends on the start: about 0.8 after 3 epochs for every
# `std` from 0.01 to 3, because a ReLU network with zero biases is homogeneous
# (scaling the weights scales the logits, and the arg-max stays). The cost is another
# matter. It is below 1 up to `std = 0.1`, which lies between `init_params`'s two
# standard deviations (0.044 for `W1`, 0.12 for `W2`), and from 0.3 on it climbs
# steeply: the
# logits grow like `std`$^2$, the network is overconfident, and the decay term grows like
# `std`$^2$ too. "Too large" begins at a few times `init_params`'s scale, and what it
# breaks first is the probabilities, not the accuracy.

# %% [markdown]
# ## Exercise 2 — Breaking the symmetry
#
# > Add Gaussian noise of standard deviation `eps` to the constant start's `W1` and train for
# > 5 epochs. How small can `eps` be and still give distinct units and a good accuracy?
# > Measure the spread of the columns of `W1`.
#
# We train in float64 so that `eps = 0` stays exactly symmetric (in float32 round-off alone
# breaks the tie, slowly, which would blur the comparison), and for 4 epochs to keep the
# run short.

# %%
def noisy_constant(eps):
    p = inits.constant_init(784, 256, 10, 0.01)
    p["W1"] += eps * np.random.default_rng(1).normal(size=p["W1"].shape)
    return p

epss = [0.0, 1e-8, 1e-5, 1e-2]
runs = {eps: run(epochs=4, init=noisy_constant(eps), dtype=np.float64) for eps in epss}

# %%
for eps, (p, h) in runs.items():
    spread = np.ptp(p["W1"], axis=1).max()
    print(f"eps {eps:5.0e}: column spread {spread:7.2g},  validation accuracy by epoch",
          np.round(h.val_acc, 2))

# %% [markdown]
# **Answer.** Any `eps > 0` breaks the symmetry, and the smaller it is, the longer it
# takes: with `eps = 1e-2` the network trains from the first epoch; with `1e-5` the
# accuracy leaves the one-unit level (about 0.25) in the second epoch; with `1e-8` only in
# the fourth. A difference between two units grows roughly geometrically during training,
# so the time to escape grows like $\log(1/\varepsilon)$: every factor of 1,000 costs one
# or two epochs here. With `eps = 0` the 256 units are still exact copies (spread 0) and the
# network is stuck at the accuracy of one hidden unit. So the noise can be tiny in
# principle, but it costs epochs; a random start of the right scale (`init_params`) wastes
# none.

# %% [markdown]
# ## Exercise 3 — What the ReLU does to the square, measured
#
# > Measure $\mathrm{rms}(A_1)^2 / \mathrm{rms}(Z_1)^2$ at `init_params` with `layer_scales`
# > and compare it with the factor of your derivation. Then give the second layer the
# > variance of your He rule instead of `init_params`' $\sigma_2^2$: how do `rms(Z2)` and
# > the first cost change?
#
# The factor of the derivation is 1/2; `init_params`' $\sigma_2^2$ is $4/(h + k)$, He's
# $2/h$.
#
# The ratio for ten draws of the weights (on 1,000 images, to keep it quick):

# %%
Xs, ys = X[:1000], y[:1000]
ratios = []
for seed in range(10):
    s = inits.layer_scales(Xs, ys, handin.init_params(784, 256, 10, seed=seed))
    ratios.append(s["A1"] ** 2 / s["Z1"] ** 2)
print("ratio per draw:", np.round(ratios, 2))
print(f"mean {np.mean(ratios):.3f}, standard deviation {np.std(ratios):.3f}")

# %% [markdown]
# One half on average, but a single draw is off by up to about 12% (0.44 to 0.54). The
# reason: the images are non-negative and alike, so for a given unit $u$ the inputs
# $Z_1[s, u]$ of all images
# share much of their value, $\bar{x} \cdot W_1[:, u]$ with $\bar{x}$ the mean image. A unit
# is then mostly on or mostly off for all images at once, and the share of the square that
# the ReLU keeps is an average over only 256 such coin flips.
#
# He's variance for the layer after the ReLU is $2/h$: the rule with
# $\mathrm{rms}(A_1)^2 = \mathrm{rms}(Z_1)^2/2$ then gives
# $\mathrm{rms}(Z_2) = \mathrm{rms}(Z_1)$. We rescale `W2` of the same draw:

# %%
glorot = handin.init_params(784, 256, 10, seed=0)
he = dict(glorot, W2=glorot["W2"] * np.sqrt((2 / 256) / (4 / 266)))
for name, p in (("init_params", glorot), ("He for W2", he)):
    s = inits.layer_scales(X, y, p)
    print(f"{name:>12}: rms(Z1) {s['Z1']:.3f}  rms(Z2) {s['Z2']:.3f}  first cost {s['cost']:.3f}")

# %% [markdown]
# **Answer.** He's variance is about half of `init_params`'s for `W2` ($2/256$ against
# $4/266$), so `rms(Z2)` shrinks by $\sqrt{0.52} \approx 0.72$, from 0.58 to 0.42 — close to
# `rms(Z1)`, as the rule says — and the first cost drops from 2.54 to 2.44, closer to
# $\ln 10 = 2.30$: smaller logits, a softmax closer to uniform.

# %% [markdown]
# ## Exercise 4 — Dead units and the learning rate
#
# > Count the dead units after 3 epochs for `lr` in `[0.1, 0.2, 0.4, 0.6, 0.8, 1.0]` and plot
# > the fraction against `lr`. Does a run at `lr = 1.0` with `hidden=512` end with more *live*
# > units than one with `hidden=256`? Then take a unit dead on the training set: after $t$
# > more steps, what is its $Z_1$ on an image, in terms of its value now, $b_1[u]$, $\eta$
# > and $c$? When can it come back, and how many steps would that take? Try it: kill a
# > unit with a positive bias by hand.

# %%
lrs = [0.1, 0.2, 0.4, 0.6, 0.8, 1.0]
trained = {lr: run(lr=lr, epochs=3)[0] for lr in lrs}
dead_fraction = np.array([dead_units(X, trained[lr]).mean() for lr in lrs])

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
ax.plot(lrs, dead_fraction, marker="o")
ax.set(xlabel="learning rate", ylabel="fraction of dead hidden units", ylim=(0, 1),
       title="Dead ReLUs after 3 epochs (256 units)"), ax.grid(alpha=0.3)
show(fig, "the fraction of dead hidden units (of 256) after 3 epochs against the learning rate, "
          "from 0.1 to 1.0.")

# %% tags=["nbval-ignore-output"]
for lr, f in zip(lrs, dead_fraction):
    print(f"lr {lr}: {f:.2f} of the units dead")

# %% [markdown]
# And 512 hidden units at `lr = 1`:

# %%
wide, _ = run(lr=1.0, epochs=3, hidden=512)
live = {256: int((~dead_units(X, trained[1.0])).sum()), 512: int((~dead_units(X, wide)).sum())}

# %% tags=["nbval-ignore-output"]
print("live units at lr = 1:", live)

# %%
print("no dead unit up to lr = 0.2:     ", bool(dead_fraction[:2].max() == 0))
print("dead fraction grows with lr:     ", bool(np.all(np.diff(dead_fraction) >= 0)))
print("over half dead at lr = 1:        ", bool(dead_fraction[-1] > 0.5))
print("512 units leave more alive:      ", live[512] > live[256])

# %% [markdown]
# **Answer.** Nothing dies up to `lr = 0.2`; from 0.4 on the dead fraction rises quickly,
# and at `lr = 1` more than half of the 256 units are dead after 3 epochs. A wider layer
# does end with more live units (the exact counts depend on round-off; here about twice as
# many), but a similar fraction of it dies: the learning rate, not the width, decides the
# share. Doubling the layer to keep the same number of units alive is an expensive cure; a
# lower learning rate keeps every unit.
#
# **When a dead unit comes back.** A unit dead on the training set is dead on every batch,
# so the data give it no gradient: only the decay acts, multiplying $W_1[:, u]$ by
# $\lambda = 1 - 2\eta c$ at every step, and $b_1[u]$ is not decayed. After $t$ more steps,
# on every training image,
#
# $$Z_1[s, u] = \lambda^t\, X[s, :]\, W_1[:, u] + b_1[u]
#   = \lambda^t Z_1^{\text{now}}[s, u] + (1 - \lambda^t)\, b_1[u],$$
#
# a weighted average of a value $\le 0$ and $b_1[u]$. With $b_1[u] \le 0$ both are $\le 0$:
# dead for good (and with $c = 0$ nothing moves at all). With $c > 0$ and $b_1[u] > 0$ the
# unit comes back on image $s$ once $\lambda^t < b_1[u] / (b_1[u] - Z_1^{\text{now}}[s, u])$,
# after about $\ln\big((b_1[u] - Z_1^{\text{now}}[s, u]) / b_1[u]\big) / (2\eta c)$ steps: with
# the book's `lr = 0.1`, `c = 1e-4`, tens of thousands of steps, hundreds of epochs. With
# `c = 0.01` it is a few hundred. Two units killed by hand, $W_1[:, u] = -0.01$ on every
# pixel, one with $b_1[u] = 0.2$ and one with $b_1[u] = -0.2$:

# %%
p = handin.init_params(784, 256, 10, seed=0)
p["W1"][:, :2], p["b1"][:2] = -0.01, [0.2, -0.2]
after = []
run(epochs=6, c=0.01, init=p, callback=lambda pr: after.append(dead_units(X, pr.params)[:2]))
after = np.array(after)
print("dead after each epoch, b1 = 0.2: ", after[:, 0].astype(int).tolist())
print("dead after each epoch, b1 = -0.2:", after[:, 1].astype(int).tolist())

# %%
z_now = (X @ p["W1"][:, 0] + p["b1"][0]).max()     # on the image with the least ink
print(f"predicted: back after {np.log((0.2 - z_now) / 0.2) / (2 * 0.1 * 0.01):.0f} steps "
      "(107 to an epoch)")

# %% [markdown]
# The unit with the positive bias comes back in the second epoch, as the formula predicts;
# the one with the negative bias stays dead. In the chapter's runs every dead unit had
# $b_1[u] < 0$, so none could come back.

# %% [markdown]
# ## Exercise 5 — How many hidden units beat the linear classifier?
#
# > Train the network with `hidden` in `[1, 2, 4, 8, 16, 32]` for 10 epochs and compare the
# > test accuracies with the linear classifier's. Why is the network with 1 hidden unit so
# > much worse than the linear classifier? Count the parameters of each network: is their
# > number what decides?

# %%
p_lin, _ = linear.fit(X, y, split.X_val, split.y_val, epochs=10, seed=0)
acc_linear = linear.accuracy(split.X_test, split.y_test, p_lin)
sizes = [1, 2, 4, 8, 16, 32]
acc_net = {h: handin.accuracy(split.X_test, split.y_test, run(hidden=h, epochs=10)[0])
           for h in sizes}

# %% tags=["nbval-ignore-output"]
print(f"linear classifier: test accuracy {acc_linear:.3f}, {784 * 10 + 10:,} parameters")
for h, a in acc_net.items():
    print(f"hidden {h:2}: test accuracy {a:.3f}, {784 * h + h + h * 10 + 10:,} parameters")

# %%
beats = [h for h, a in acc_net.items() if a > acc_linear]
print("smallest hidden layer that beats the linear classifier:", beats[0] if beats else None)
print("every size from there on beats it too:", beats == sizes[sizes.index(beats[0]):])

# %% [markdown]
# **Answer.** On the sample, 32 hidden units are needed to beat the linear classifier's
# 0.92 on the test set; 16 come close, 8 reach about 0.9, and one unit reaches only about a
# quarter. The one-unit network has 805 parameters, but all the information about the image
# has to pass through a single number, $a = \mathrm{relu}(x \cdot W_1[:, 0] + b_1)$. Its
# logits are $a\, W_2[0, :] + b_2$: as $a$ grows from 0 the predicted class moves along one
# fixed path through the classes, so the network can tell apart only the few digits met
# along that path, in order. The linear classifier has ten such numbers, one score per
# class, computed independently. Parameters are not capacity: the 16-unit network has
# 12,730 parameters, more than the linear classifier's 7,850, and still does not beat it
# (0.900 against 0.919 here); the width of the narrowest layer bounds what can get
# through.
