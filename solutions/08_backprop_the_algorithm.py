# %% [markdown]
# # Chapter 8 — Worked solutions
#
# Solutions to the exercises of `notebooks/08_backprop_the_algorithm`. Each section
# restates the exercise, then solves it with `handin`. Training runs print their table in
# a cell the book's tests do not compare (its digits depend on the machine's round-off),
# followed by the checks that hold on every machine.

# %%

import numpy as np

import handin
from handin import layers
from handin.autodiff import Value
from handin.experiment import prepare

# %% [markdown]
# The chapter's data, in float64.

# %%
split = prepare("sample", seed=0)
X, y = split.X_train.astype(np.float64), split.y_train
X_val, y_val = split.X_val.astype(np.float64), split.y_val

# %% [markdown]
# ## Exercise 1 — Does a larger rate cure the slowdown?
#
# > Train the squared-error network for one epoch at $\eta$ in `[0.1, 0.3, 1, 3]` and
# > compare the validation accuracy with the cross-entropy's at $\eta = 0.1$. Why can a
# > larger rate not help the confidently wrong images?

# %%
def one_epoch(loss, lr):
    """Validation accuracy after one epoch from the chapter's start, with `loss` at rate `lr`."""
    p = handin.init_params(784, 256, 10, seed=0, dtype=np.float64)
    layers.sgd(layers.from_params(p, loss=loss), X, y, lr=lr, epochs=1, batch_size=32, seed=0)
    return handin.accuracy(X_val, y_val, p) if all(np.isfinite(v).all() for v in p.values()) else 0.0


# %% tags=["nbval-ignore-output"]
acc_ce = one_epoch(layers.SoftmaxCrossEntropy(), 0.1)
acc_se = {lr: one_epoch(layers.SoftmaxSquaredError(), lr) for lr in (0.1, 0.3, 1.0, 3.0)}
print(f"cross-entropy, lr 0.1: {acc_ce:.2f}")
for lr, acc in acc_se.items():
    print(f"squared error, lr {lr}: {acc:.2f}")

# %%
print("a larger rate helps the squared error:", max(acc_se.values()) > acc_se[0.1] + 0.05)
print("but no rate reaches the cross-entropy's accuracy:", max(acc_se.values()) < acc_ce)

# %% [markdown]
# A larger rate does help the squared error at first: it undoes the factor of about ten by
# which the softmax's derivative shrinks every gradient at the start. But it multiplies
# every correction by the same number. The confidently wrong images still get less
# correction than the unsure ones (the chapter's table), so a rate large enough for them is
# too large for the rest. The cross-entropy removes the factor $p$ where it hurts, image
# by image; a single rate cannot.
#
# ## Exercise 2 — A tanh layer
#
# > Write a layer `Tanh` with `forward` and `backward` ($\tanh' = 1 - \tanh^2$), check it
# > with `layers.check_layer`, and gradient-check a 3-layer network that uses it instead of
# > the ReLU.

# %%
class Tanh:
    """A = tanh(Z); the backward pass multiplies by 1 - A**2, from the cached A."""

    params = grads = {}

    def forward(self, Z):
        self.A = np.tanh(Z)
        return self.A

    def backward(self, dA):
        return dA * (1 - self.A ** 2)


# %%
rng = np.random.default_rng(0)
print("Tanh alone passes:", layers.check_layer(Tanh(), rng.normal(size=(5, 4))).passed(1e-7))

# %%
p3 = layers.init_params([30, 12, 12, 10], "glorot", seed=0)
net = layers.Sequential(*[layers.Linear(p3["W1"], p3["b1"], 0.01), Tanh(),
                          layers.Linear(p3["W2"], p3["b2"], 0.01), Tanh(),
                          layers.Linear(p3["W3"], p3["b3"], 0.01)])
check = layers.gradient_check(net, X[:20, 300:330], y[:20])
print("3-layer tanh network, every parameter passes:", check.passed(1e-7), [r.name for r in check])

# %% [markdown]
# Nothing else changed: `Sequential` and the gradient check do not know which
# nonlinearity sits between the linear layers. (For tanh, which is symmetric around 0,
# Glorot's variance is the right start.)
#
# ## Exercise 3 — Autodiff through an unstable softmax
#
# > Build the tiny network's cross-entropy with `Value`s as $-\log(e^{z_y} / \sum_i
# > e^{z_i})$. Does it give the same gradients? What happens when the logits are
# > multiplied by 1,000?

# %%
def naive_cross_entropy(Z, y):
    """The mean of -log(exp(z_y) / sum_i exp(z_i)) over the rows of Z (an array of Values)."""
    return sum(-(Z[s, y[s]].exp() / sum(z.exp() for z in Z[s])).log() for s in range(len(y))) / len(y)


def stable_cross_entropy(Z, y):
    """The chapter's form: log sum_i exp(z_i) - z_y."""
    return sum(sum(z.exp() for z in Z[s]).log() - Z[s, y[s]] for s in range(len(y))) / len(y)


# %%
rng = np.random.default_rng(1)
Z_num, y_tiny = rng.normal(size=(2, 3)), np.array([0, 2])
grads = {}
for name, f in (("naive", naive_cross_entropy), ("stable", stable_cross_entropy)):
    Z = np.vectorize(Value, otypes=[object])(Z_num)
    f(Z, y_tiny).backward()
    grads[name] = np.vectorize(lambda v: v.grad)(Z)
print("same gradient:", np.allclose(grads["naive"], grads["stable"], rtol=1e-12, atol=1e-15))
print("and it is (P - Y) / n:", np.allclose(grads["stable"], (handin.softmax(Z_num) - np.eye(3)[y_tiny]) / 2))

# %%
Z_big = np.vectorize(Value, otypes=[object])(Z_num * 1000)
try:
    naive_cross_entropy(Z_big, y_tiny)
except OverflowError as exc:
    print("naive, logits × 1000: OverflowError:", exc)

# %% [markdown]
# The two forms are the same function, so reverse mode finds the same gradient, which is
# $(P - Y)/n$. But `math.exp` of a logit above about 710 (here 821.6 and 905.4) overflows,
# and the naive form
# never gets to its log. The chapter's form overflows too: it has not subtracted the
# maximum. A stable `Value` version would compute $m = \max_i z_i$ as a constant and
# write $m + \log \sum_i e^{z_i - m} - z_y$, Chapter 1's log-sum-exp, with the same
# gradient.
#
# ## Exercise 4 — Sixteen layers
#
# > Measure `layer_scales` for 16 layers of width 256 with Glorot's and He's variances. By
# > how much has rms($Z_{15}$) shrunk under Glorot's, and is that the variance rule's
# > prediction?

# %%
sizes = [784] + [256] * 15 + [10]
nets = {init: layers.network(sizes, init, seed=0) for init in ("glorot", "he")}
z16 = {init: layers.layer_scales(net, X[:1000], y[:1000])["Z"] for init, net in nets.items()}
for init, z in z16.items():
    print(f"{init:>7}: rms(Z_15) / rms(Z_1) = {z[14] / z[0]:.3f}")
print(f"the rule for Glorot's: (1/√2)^14 = {2 ** -7:.4f}")

# %%
assert z16["glorot"][14] / z16["glorot"][0] < 0.03 and 1 < z16["he"][14] / z16["he"][0] < 3

# %% [markdown]
# Under Glorot's variance the signal of layer 15 is below 3% of layer 1's; under He's it
# grows slowly, to about twice layer 1's. The rule predicts $(1/\sqrt 2)^{14} \approx 0.008$
# for Glorot's and 1 for He's; both measured signals are larger than that. The rule
# assumes that the ReLU keeps half of the square, $\mathrm{rms}(A_l)^2 =
# \mathrm{rms}(Z_l)^2 / 2$, which needs $Z_l$ symmetric around 0. After the first layer
# each unit's inputs are all positive, and the ReLU keeps more:

# %%
kept = [np.mean(np.maximum(Z, 0) ** 2) / np.mean(Z ** 2) for Z in nets["he"].Z[:-1]]
print("He, rms(A_l)² / rms(Z_l)², l = 1..14:", " ".join(f"{k:.2f}" for k in kept[:14]))
print(f"mean over l = 2..14: {np.mean(kept[1:14]):.2f}")

# %%
assert np.mean(kept[1:14]) > 0.5

# %% [markdown]
# On average the layers after the first keep a little more than half the square, and
# fourteen layers compound it; the rest of the drift is the scatter of one draw of the
# weights (the rule describes the average over draws). (The first layer's fraction is not
# exactly 0.5 because 256 units are a finite sample.) The order of magnitude is the rule's:
# every ReLU layer costs Glorot's start a constant factor, while He's stays within a small
# factor of 1.
