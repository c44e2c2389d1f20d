# %% [markdown]
# # Chapter 1 — worked solutions
#
# The exercises of `notebooks/01_softmax_cross_entropy.ipynb`, each restated, then solved:
# the math first, then a check that calls `handin`. The coding exercise of section 6
# (the loss with loops, then vectorised) is solved in the chapter itself (teacher edition).
# Notation as in Chapter 1: $i, j$ classes, $s$ samples, $y$ the label, $E$ the loss of one
# sample, $S = \sum_j e^{z_j}$ softmax's denominator.

# %%
import numpy as np
import matplotlib.pyplot as plt

import handin
from handin.gradcheck import numerical_gradient
from handin.model import log_softmax, one_hot
from handin.plots import show

# %% [markdown]
# ## Exercise 1 — The Jacobian route
#
# *Check the Jacobian you derived in section 3.1 numerically: build the $k \times k$
# matrix of your formula for the $z$ of section 1 and compare it with central differences
# of `handin.softmax`.*
#
# The derivation of section 3.1 first, as a reminder. **The Jacobian.**
# $\log p_j = z_j - \log S$. Differentiating with respect to $z_i$: the first term gives
# $\delta_{i,j}$, the second $e^{z_i} / S = p_i$ (Chapter 1, step 3). So $\partial \log p_j / \partial z_i = \delta_{i,j} - p_i$, and since
# $\partial \log p_j / \partial z_i = \frac{1}{p_j}\,\partial p_j / \partial z_i$,
#
# $$\frac{\partial p_j}{\partial z_i} = p_j(\delta_{i,j} - p_i), \qquad
#   \frac{\partial p}{\partial z} = \mathrm{diag}(p) - p\,p^\top \text{ (symmetric)}.$$
#
# **The chain rule.** $E = -\log p_y$ depends on $z$ only through $p_y$:
#
# $$\frac{\partial E}{\partial z_i} = -\frac{1}{p_y}\frac{\partial p_y}{\partial z_i}
#   = -\frac{1}{p_y}\,p_y(\delta_{i,y} - p_i) = p_i - \delta_{i,y}. \qquad\blacksquare$$
#
# **Numerically**, for $z = (2, 1, -1)$: column $i$ of the Jacobian is the central
# difference of `softmax` along $z_i$.

# %%
z = np.array([2.0, 1.0, -1.0])
p = handin.softmax(z[None, :])[0]
jacobian = np.diag(p) - np.outer(p, p)          # entry (j, i) = dp_j / dz_i


def softmax_entry(j):
    """p_j as a function of a dict {"z": z}, for numerical_gradient."""
    return lambda theta: handin.softmax(theta["z"][None, :])[0, j]


approx = np.array([[numerical_gradient(softmax_entry(j), {"z": z.copy()}, "z", i)
                    for i in range(3)] for j in range(3)])
print(jacobian.round(4))
print("matches central differences (atol 1e-9):", np.allclose(jacobian, approx, rtol=0, atol=1e-9))

# %% [markdown]
# And the chain rule, for the label $y = 0$: $-\frac{1}{p_y}$ times row $y$ of the
# Jacobian is $p - e_y$.

# %%
y = 0
print("-(1/p_y) dp_y/dz =", (-jacobian[y] / p[y]).round(4))
print("p - e_y          =", (p - one_hot(np.array([y]), 3)[0]).round(4))

# %% [markdown]
# ## Exercise 2 — Shift, not scale
#
# *Check numerically that `handin.softmax(Z + a)` equals `handin.softmax(Z)` for any number
# `a`, but that `handin.softmax(t * Z)` changes with a factor $t > 0$. What does $p$ become
# as $t$ grows large, and as $t \to 0$? Logits tend to grow during training: what does
# that do to the probabilities?*

# %%
rng = np.random.default_rng(0)
n, k = 4, 3
Z2 = rng.normal(scale=2.0, size=(n, k))
P = handin.softmax(Z2)
for a in (-100.0, -1.0, 0.5, 300.0):
    print(f"a = {a:7.1f}:  softmax(Z + a) == softmax(Z): {np.allclose(handin.softmax(Z2 + a), P)}")

# %%
for t in (0.01, 0.5, 2.0, 100.0):
    print(f"t = {t:6.2f}: row 0 of softmax(t Z) =", handin.softmax(t * Z2)[0].round(4))

# %%
top = one_hot(Z2.argmax(axis=1), k)
print("t = 100: softmax(t Z) is the one-hot row of the largest logit (atol 1e-6):",
      np.allclose(handin.softmax(100 * Z2), top, rtol=0, atol=1e-6))
print("t = 0.01: softmax(t Z) is within 0.05 of 1/k:",
      np.abs(handin.softmax(0.01 * Z2) - 1 / k).max() < 0.05)

# %% [markdown]
# **Why.** $e^{z_i + a} = e^a e^{z_i}$, and the factor $e^a$ cancels between numerator and
# denominator: softmax sees only the differences $z_i - z_j$. A factor $t$ multiplies
# those differences: $p_i = 1 / \sum_j e^{t (z_j - z_i)}$. For the largest logit $i$
# (if it is the only largest) every term with $j \ne i$ goes to 0 as $t \to \infty$, so
# $p_i \to 1$ and $p$ tends to the one-hot vector of the largest logit; as $t \to 0$
# every term goes to 1 and $p \to 1/k$ for every class. Growing logits make the network
# more confident: its probabilities move towards 0 and 1, which lowers the loss of the
# images it gets right and raises, without bound, the loss of those it gets wrong.

# %% [markdown]
# ## Exercise 3 — Choosing $\varepsilon$
#
# *Redo the check of section 5 with `eps` from `1e-1` down to `1e-12` and plot the largest
# difference against `eps` on log-log axes. Explain the V shape: truncation error
# $\sim \varepsilon^2$ on one side, round-off $\sim 10^{-16} / \varepsilon$ on the other.*

# %%
rng = np.random.default_rng(0)                      # section 5's logits, labels and dZ2
Z2, y = rng.normal(scale=2.0, size=(n, k)), rng.integers(0, k, size=n)
dZ2 = (handin.softmax(Z2) - one_hot(y, k)) / n


def J(logits):
    return handin.model.cross_entropy(logits["Z2"], y)


epsilons = 10.0 ** -np.arange(1, 13)
worst = [max(abs(numerical_gradient(J, {"Z2": Z2.copy()}, "Z2", idx, eps=eps) - dZ2.flat[idx])
             for idx in range(Z2.size)) for eps in epsilons]

# %%
fig, ax = plt.subplots(figsize=(5, 3.4), layout="constrained")
ax.loglog(epsilons, worst, "o-")
ax.loglog(epsilons, epsilons ** 2, "--", label=r"$\varepsilon^2$")
ax.loglog(epsilons, 1e-16 / epsilons, ":", label=r"$10^{-16} / \varepsilon$")
ax.set(xlabel=r"$\varepsilon$", ylabel="largest |exact − approx|", ylim=(1e-14, 1)), ax.legend()
show(fig, "the largest difference between the exact and the approximate gradient against ε on "
          "log-log axes, with the guides ε² (dashed) and 10⁻¹⁶ / ε (dotted): a V, truncation "
          "error on the right, round-off on the left.")

# %% [markdown]
# The exact minimum depends on the machine's round-off, so we print the shape, not the
# numbers:

# %%
best = epsilons[int(np.argmin(worst))]
print("large eps (1e-1): error above 1e-5:", worst[0] > 1e-5)
print("tiny eps (1e-12): error above 1e-6:", worst[-1] > 1e-6)
print("best eps between 1e-7 and 1e-3:", 1e-7 <= best <= 1e-3)

# %% [markdown]
# **Why a V.** Taylor: $J(\theta \pm \varepsilon) = J \pm \varepsilon J' + \frac{\varepsilon^2}{2}
# J'' \pm \frac{\varepsilon^3}{6} J''' + \dots$; the central difference cancels the even
# terms and leaves $J' + \frac{\varepsilon^2}{6} J'''$: a truncation error
# $\sim \varepsilon^2$, the right branch. Each cost is computed with a relative round-off
# of about $10^{-16}$; their difference, divided by $2\varepsilon$, carries an error
# $\sim 10^{-16} |J| / \varepsilon$: the left branch. The two meet near
# $\varepsilon \approx 10^{-5}$, which is why `numerical_gradient` uses it.

# %% [markdown]
# ## Exercise 4 — Soft targets
#
# *If the target is a probability vector $t$ instead of $e_y$, the loss is
# $E = -\sum_i t_i \log p_i$. Show that $\nabla_z E = p - t$. Which property of $t$ do you
# need?*
#
# With $\log p_i = z_i - \log S$,
#
# $$E = -\sum_i t_i z_i + \Big(\sum_i t_i\Big) \log S,
# \qquad \frac{\partial E}{\partial z_j} = -t_j + \Big(\sum_i t_i\Big) p_j .$$
#
# This is $p_j - t_j$ exactly when $\sum_i t_i = 1$: the targets must sum to one (they
# need not be non-negative for the formula, but they must be for $E$ to be a
# cross-entropy). Checked numerically:

# %%
t = np.array([0.7, 0.2, 0.1])
E = lambda theta: -(t * log_softmax(theta["z"][None, :])[0]).sum()          # noqa: E731
approx = np.array([numerical_gradient(E, {"z": z.copy()}, "z", i) for i in range(3)])
print("p - t =", (p - t).round(6), "  central differences agree:", np.allclose(approx, p - t, atol=1e-9))
