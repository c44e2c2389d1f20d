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
# ## Exercise 2 — Shift invariance
#
# *Check numerically that `handin.softmax(Z + a)` equals `handin.softmax(Z)` for any number
# `a`, and that every row of `(P - Y) / n` sums to zero. Explain why the second fact
# follows from the first by the chain rule alone, without using that probabilities sum
# to 1.*

# %%
rng = np.random.default_rng(0)
n, k = 4, 3
Z2, y = rng.normal(scale=2.0, size=(n, k)), rng.integers(0, k, size=n)
P = handin.softmax(Z2)
for a in (-100.0, -1.0, 0.5, 300.0):
    print(f"a = {a:7.1f}:  softmax(Z + a) == softmax(Z): {np.allclose(handin.softmax(Z2 + a), P)}")

# %%
dZ2 = (P - one_hot(y, k)) / n
print("every row of (P - Y)/n sums to 0 (|sum| < 1e-15):", np.abs(dZ2.sum(axis=1)).max() < 1e-15)

# %% [markdown]
# **Why.** Adding the same $a$ to every logit of row $s$ does not change $P$, so it does
# not change the cost: $J(Z_2 + a\,e_s \mathbf{1}^\top) = J(Z_2)$ for every $a$. The
# derivative of this constant function of $a$ is zero, and by the chain rule it is the
# sum of the partial derivatives along the shifted entries:
# $0 = \frac{d}{da} J = \sum_i \partial J / \partial (Z_2)_{s,i}$, the sum of row $s$ of
# `dZ2`. (Directly: $\sum_i P_{s,i} = 1 = \sum_i Y_{s,i}$.) A gradient is always
# orthogonal to the directions in which the function does not change.

# %% [markdown]
# ## Exercise 3 — Choosing $\varepsilon$
#
# *Redo the check of section 5 with `eps` from `1e-1` down to `1e-12` and plot the largest
# difference against `eps` on log-log axes. Explain the V shape: truncation error
# $\sim \varepsilon^2$ on one side, round-off $\sim 10^{-16} / \varepsilon$ on the other.*

# %%
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
plt.show()

# %% [markdown]
# *Figure: the largest difference between the exact and the approximate gradient against $\varepsilon$ on log-log axes, with the guides $\varepsilon^2$ (dashed) and $10^{-16} / \varepsilon$ (dotted): a V, truncation error on the right, round-off on the left.*
#
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
