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
from handin import gradcheck, layers
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
# > Write `tanh_forward` and `tanh_backward` in the style of §3 ($\tanh' = 1 - \tanh^2$),
# > gradient-check them as in §3.1, and gradient-check a 3-layer network that uses them
# > instead of the ReLU.
#
# The backward needs $\tanh(Z)$, which the forward has computed: cache the output $A$,
# not $Z$, and the backward is one product.

# %%
def tanh_forward(Z):
    """Z (n, h) -> (A = tanh(Z), cache A)."""
    A = np.tanh(Z)
    return A, A


def tanh_backward(dA, cache):
    """dA (n, h) and the cache A = tanh(Z) -> dZ = dA (1 - A²)."""
    return dA * (1 - cache ** 2)


# %%
rng = np.random.default_rng(0)
Z_in, G = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
_, cache = tanh_forward(Z_in)
table = gradcheck.compare(lambda p: np.sum(G * tanh_forward(p["Z"])[0]), {"Z": Z_in},
                          {"Z": tanh_backward(G, cache)})
print("tanh alone passes:", table.passed(1e-7))

# %% [markdown]
# The network: the chapter's affine layer (written out here) with tanh between the layers,
# and the mean cross-entropy of `handin.model` as the head.

# %%
def tanh_cost_grad(X, y, params, c):
    """Cost and gradients of an L-layer network with tanh between its affine layers."""
    L, A, caches = len(params) // 2, X, []
    for l in range(1, L + 1):
        caches.append(A)
        Z = A @ params[f"W{l}"] + params[f"b{l}"]
        A, _ = tanh_forward(Z) if l < L else (Z, None)
    n, k = Z.shape
    J = handin.model.cross_entropy(Z, y) + c * sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, L + 1))
    delta, grads = (handin.softmax(Z) - np.eye(k)[y]) / n, {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = caches[l - 1].T @ delta + 2 * c * params[f"W{l}"]
        grads[f"b{l}"] = delta.sum(axis=0)
        if l > 1:
            delta = tanh_backward(delta @ params[f"W{l}"].T, caches[l - 1])
    return J, grads


# %%
p3 = layers.init_params([30, 12, 12, 10], "glorot", seed=0)
J, g = tanh_cost_grad(X[:20, 300:330], y[:20], p3, 0.01)
check = gradcheck.compare(lambda q: tanh_cost_grad(X[:20, 300:330], y[:20], q, 0.01)[0], p3, g)
print("3-layer tanh network, every parameter passes:", check.passed(1e-7), [r.name for r in check])

# %% [markdown]
# Only the nonlinearity changed: the loops and the gradient check do not know which
# one sits between the affine layers (BP2 with $\tanh'$ in place of $\mathrm{relu}'$:
# $\delta_\ell = (\delta_{\ell+1} W_{\ell+1}^\top) \odot (1 - A_\ell^2)$). (For tanh, which is symmetric around 0,
# Glorot's variance is the right start.)
#
# ## Exercise 3 — Autodiff through an unstable softmax
#
# > Build the tiny network's cross-entropy with `MyValue`s as $-\log(e^{z_y} / \sum_i
# > e^{z_i})$ (add division to `MyValue`: which local derivatives does $a / b$ need?).
# > Does it give the same gradients? What happens when the logits are multiplied by
# > 1,000?
#
# Division: $v = a / b$ has $\partial v / \partial a = 1/b$ and $\partial v / \partial b =
# -a / b^2$ (or write it as $a \cdot b^{-1}$, with the power's local derivative $-b^{-2}$).
# `handin.autodiff.Value` has it, as $a \cdot b^{-1}$, and is used below; the chapter's
# `MyValue` with a `"/"` case in `local_derivatives` gives the same numbers.

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
# assumes that the ReLU keeps half of the square, $\mathrm{rms}(A_\ell)^2 =
# \mathrm{rms}(Z_\ell)^2 / 2$, which needs each $Z_\ell[s, r]$ symmetric around 0 over the
# draw of the weights. That holds at every layer, although every layer's inputs (pixels,
# then ReLU outputs) are $\geq 0$: flipping the sign of column $r$ of $W_\ell$ is an
# equally likely draw and flips $Z_\ell[\cdot, r]$. So half is the average over draws.
# One draw scatters around it, and more than the 256 × 1,000 entries suggest: with
# inputs $\geq 0$ a unit's $Z$ has nearly the same sign on every image, so the ReLU keeps
# nearly all or nearly none of a unit's square, and a layer is an average of 256 units,
# not of 256,000 entries. The fraction kept, per layer, for six draws of the weights:

# %%
kept = {}
for seed in range(6):
    net = layers.network(sizes, "he", seed=seed)
    layers.layer_scales(net, X[:1000], y[:1000])
    kept[seed] = [np.mean(np.maximum(Z, 0) ** 2) / np.mean(Z ** 2) for Z in net.Z[:14]]
    print(f"seed {seed}: rms(A_ℓ)² / rms(Z_ℓ)², ℓ = 1..14:", " ".join(f"{k:.2f}" for k in kept[seed]))
print(f"mean over the draws and the layers: {np.mean(list(kept.values())):.3f}")

# %%
assert abs(np.mean(list(kept.values())) - 0.5) < 0.03
assert max(abs(k - 0.5) for ks in kept.values() for k in ks) > 0.05

# %% [markdown]
# Over the draws the layers keep half the square, as the rule says, at the first layer
# and after it alike; one draw's layers keep between about 0.4 and 0.6, and fourteen
# layers compound that scatter (for seed 0 the layers after the first keep a little more
# than half on average, which is why its He signal grows). The order of magnitude is the
# rule's: every ReLU layer costs Glorot's start a constant factor, while He's stays
# within a small factor of 1.
#
# ## Exercise 5 — Timing the count
#
# > Time a forward pass (`net.cost`) and a backward pass (`net.backward`) of
# > `layers.network([784, h, 10])` on 512 images, for $h$ in 64, 256 and 1024. Take the
# > median of several runs of each (why not a single run?). Is the ratio the count's 2?
# > Where it is not, what does the count of multiply-adds leave out?

# %%
import time


def median_time(f, repeat=9):
    """The median of `repeat` runs of f(), in seconds: one run can be slowed by anything
    else the machine does, and the median ignores a few such runs."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


# %% tags=["nbval-ignore-output"]
ratios = {}
for h in (64, 256, 1024):
    net = layers.network([784, h, 10], seed=0)
    t_fwd = median_time(lambda: net.cost(X[:512], y[:512]))
    ratios[h] = median_time(net.backward) / t_fwd
    print(f"h = {h:>4}: forward {t_fwd * 1e3:.2f} ms, backward / forward = {ratios[h]:.1f}")

# %% [markdown]
# For the wide layers the ratio is near the count's 2 (between 1 and 3 on most
# machines). For a narrow one the products are small and the passes' other work counts:
# the backward pass makes new arrays of the size of the images (`dA` of the first layer,
# $n \times 784$, which it need not compute at all, and the transposed products read
# memory in another order), and a matrix library splits small and large products
# differently among its threads. The count of multiply-adds leaves out memory traffic
# and fixed costs per call, which dominate small products.
