# %% [markdown]
# # Chapter 4 — What the network learned
#
# Chapter 3 trained the network and measured it with two numbers. This chapter opens it up.
# It shows
#
# 1. the first layer: each column of `W1` drawn as a 28 × 28 image, the template its hidden
#    unit matches against the input — and what training changed in it;
# 2. the **confusion matrix** on the test set: which digits are mistaken for which (you
#    write it, `my_confusion_matrix`);
# 3. the network's **most confident mistakes** (you find them, `my_confident_mistakes`), and
#    how sure it is when it is right and when it is wrong;
# 4. what the weight decay `c` does to the weights: the same run with `c = 0` and with
#    `c = 1e-2`, their weight images side by side, their norms $\lVert W_1 \rVert$ and test
#    accuracies — and an exact prediction, which you derive, for the pixels that are never
#    inked.

# %%
import numpy as np
import matplotlib.pyplot as plt

import handin
from handin.experiment import prepare
from handin.plots import plot_confidence, plot_confusion, show, show_digits, show_weights
from handin.course import check_confident_mistakes, check_confusion_matrix

# %%
handin.threads.share()   # numpy, yours too, on one core or two: whichever is faster here now

# %% [markdown]
# Chapter 3's settings and initial weights: the sample, 15% held out, `fit`'s defaults
# (256 hidden units, `lr = 0.1`, `c = 1e-4`, batches of 32) for 10 epochs with seed 0. We
# draw the initial parameters ourselves and hand them to `fit` (`init=`, which copies
# them), so that we can compare the trained weights with their start. The shuffles differ
# from Chapter 3's: with `init=` the seed only shuffles, from a fresh generator, so the
# numbers below are close to Chapter 3's but not the same.

# %%
split = prepare("sample", seed=0)
init = handin.init_params(784, 256, 10, seed=0, dtype=np.float32)
params, history = handin.fit(split.X_train, split.y_train, split.X_val, split.y_val,
                             hidden=256, lr=0.1, c=1e-4, batch_size=32, epochs=10, seed=0,
                             init=init)
print(f"test accuracy: {handin.accuracy(split.X_test, split.y_test, params):.2f}")

# %% [markdown]
# ## 1. The first layer: 256 templates
#
# Hidden unit `u` computes `Z1[:, u] = X @ W1[:, u] + b1[u]`: a weighted sum of the 784
# pixels, with the 784 weights in column `u` of `W1`. Reshaped to 28 × 28, that column is a
# picture of what the unit responds to: ink on a red pixel raises `Z1[:, u]`, ink on a blue
# pixel lowers it, white pixels do not matter. After the ReLU, `A1[:, u]` is positive only
# when the image matches the red parts more than the blue ones. Here are the first 32 units:

# %%
fig, ax = plt.subplots(figsize=(8, 4.3), layout="constrained")
show_weights(params["W1"], n=32, ax=ax, title="Trained W1: the first 32 of 256 hidden units")
show(fig, "the trained weights of the first 32 hidden units, each column of W1 drawn as a 28 × 28 "
          "picture, red for positive and blue for negative weights; they look mostly like noise.")

# %% [markdown]
# Mostly noise. That is not a plotting bug: most of `W1` is still the random matrix it
# started from, `init["W1"]`:

# %%
W1_init, W1 = init["W1"], params["W1"]
print(f"||W1_init||          = {np.linalg.norm(W1_init):.2g}")
print(f"||W1||               = {np.linalg.norm(W1):.2g}")
print(f"||W1 - W1_init||     = {np.linalg.norm(W1 - W1_init):.2g}")

# %% [markdown]
# Ten epochs on 3,400 images moved `W1` by less than a third of its size. The change
# `W1 - W1_init` is what the network learned, and it has structure — pen strokes, loops,
# and parts of digits in red next to blue regions where ink counts *against* the unit:

# %%
fig, ax = plt.subplots(figsize=(8, 4.3), layout="constrained")
show_weights(W1 - W1_init, n=32, ax=ax, label="change of weight",
             title="What training changed: W1 − W1_init, the same 32 units")
show(fig, "the change W1 - W1_init of the same 32 units in red and blue: strokes and parts of "
          "digits, inside a white frame of border pixels that training left unchanged.")

# %% [markdown]
# Notice the white frame: training hardly changed the weights of the pixels near the
# border. Many of those pixels are *blank*: 0 in every training image. How many?
# <!-- BEGIN TEACHER -->
# (For the teacher: row `f` of the data gradient `dW1 = X.T @ dZ1` is
# $\sum_s X[s, f]\, \texttt{dZ1}[s, :]$, zero for a blank pixel, so only the decay acts on
# its weights. This is step 1 of the derivation of section 4; the student text only
# points at the pixels.)
# <!-- END TEACHER -->

# %%
blank = (split.X_train == 0).all(axis=0)        # (784,): pixels never inked in training
print(f"{blank.sum()} of 784 pixels are 0 in all {len(split.X_train)} training images")

# %% [markdown]
# What training does to the weights of these pixels you will work out, exactly, in
# section 4.
#
# ## 2. The confusion matrix
#
# Entry `C[i, j]` of the confusion matrix counts the test images of digit `i` that the
# network labels `j`. The diagonal holds the correct answers; each row sums to the 100
# test images of its digit; everything off the diagonal is a mistake, and *where* it is
# tells which digits are confused with which.
#
# ### Your turn: `my_confusion_matrix`
#
# Write it: an `(n_classes, n_classes)` array of counts, one added per sample at row
# `y_true[s]`, column `y_pred[s]` (a loop over the samples is fine; numpy also has a
# one-call way to add at repeated indices — find it). The self-check runs it on small
# problems with a class that is never predicted
# and one that never occurs, and names the mistake if it finds one.

# %%
def my_confusion_matrix(y_true, y_pred, n_classes):
    """C (n_classes, n_classes): C[i, j] counts the samples of true label i predicted as j."""
    C = np.zeros((n_classes, n_classes), dtype=np.int64)
    # BEGIN SOLUTION
    np.add.at(C, (y_true, y_pred), 1)
    # END SOLUTION
    return C


# %%
check_confusion_matrix(my_confusion_matrix)

# %% [markdown]
# Your function on the test set, with the network's predictions (`handin.predict`, the
# arg-max of `Z2`):

# %%
P = handin.predict_proba(split.X_test, params)        # (1000, 10): a row of P per image
pred = handin.predict(split.X_test, params)           # (1000,): the most probable digit
C = my_confusion_matrix(split.y_test, pred, 10)
print("C:", C.shape, " row sums:", C.sum(axis=1))

# %%
fig, ax = plt.subplots(figsize=(6, 5.2), layout="constrained")
plot_confusion(C, split.class_names, ax=ax, colorbar=True,
               title="Test set: true digit (rows) against predicted digit (columns)")
show(fig, "the confusion matrix of the test set, true digit in rows and predicted digit in "
          "columns, each cell holding its count and shaded by it; the dark diagonal holds the "
          "right answers, the pale cells off it the mistakes.")

# %% [markdown]
# The colour follows the square root of the count, so that single mistakes are visible
# next to the diagonal's hundreds. The largest cells off the diagonal, and the digits
# recognised least and most often:

# %% tags=["nbval-ignore-output"]
off = C - np.diag(np.diag(C))
for flat in np.argsort(-off, axis=None, kind="stable")[:6]:
    i, j = divmod(int(flat), 10)
    print(f"{i} read as {j}: {off[i, j]} times")
print("right answers per digit:", np.diag(C))

# %%
print("2 is the hardest digit:", np.argmin(np.diag(C)) == 2,
      "  0 and 3 are missed at most twice each:", min(C[0, 0], C[3, 3]) >= 98)
print("9 read as 4 at least 5 times:", C[9, 4] >= 5, "  2 read as 3 or 7 at least 5 times:",
      C[2, 3] + C[2, 7] >= 5)
print("the largest cell off the diagonal is 9 read as 4:",
      np.unravel_index(off.argmax(), off.shape) == (9, 4))

# %% [markdown]
# The mistakes are not spread evenly: they gather in a few cells. The largest is a 9
# read as a 4; then 2s, read as 3s or 7s. On this run
# 2 is the hardest digit, and 0 and 3 are nearly always right.
#
# <!-- BEGIN QUESTION -->
# **Question:** The largest entry off the diagonal is $C_{9,4}$. Read as a share of
# its row, what does it say about the network? Is $C_{4,9}$ the same error (give both
# numbers from your matrix)? And why would a 9 be read as a 4 more often than as a 1?
#
# > **Model answer.** Row 9 holds the test images whose true label is 9 (100 of
# > them in the sample), so $C_{9,4} / 100$ is the share of 9s read as 4s: the
# > largest single cause of the 9s' misses, the recall of 9 lost to one confusion.
# > $C_{4,9}$ counts another error, 4s read as 9s; the matrix need not be
# > symmetric. The network scores weighted sums of pixels (the templates of
# > section 1), and a 9 and a 4 share most of their ink, the right-hand vertical
# > stroke and a closed or nearly closed top; a 1 shares only the stroke.
# >
# > **Rubric:** 1 point: the entry is a share of the true 9s (a loss of their
# > recall), and $C_{4,9}$ is a different error; 1 point: explains the pair by the
# > pixels the two digits share, which the network's weighted sums cannot tell apart.
# <!-- END QUESTION -->
#
# ## 3. The most confident mistakes
#
# For every test image the network gives a probability to each digit, a row of `P`. A
# mistake made with probability 0.5 is a hesitation; one made with 0.95 is a confident
# mistake.
#
# ### Your turn: `my_confident_mistakes`
#
# Return a 1-D integer array: the row indices `s` of the wrong predictions (the arg-max
# of row `s` of `P` is not `y[s]`), the most confident mistake first — the network's
# confidence in a prediction being the probability it gave the digit it chose. Ties keep
# index order; at most `n` indices, all of them if `n` is None.

# %%
def my_confident_mistakes(P, y, n=None):
    """Indices of the mistakes in P (n_samples, k) with labels y, most confident first."""
    # BEGIN SOLUTION
    pred = P.argmax(axis=1)
    wrong = np.flatnonzero(pred != y)
    order = np.argsort(-P[wrong, pred[wrong]], kind="stable")   # highest first, ties in order
    mistakes = wrong[order][:n]
    # END SOLUTION
    return mistakes


# %%
check_confident_mistakes(my_confident_mistakes)

# %% [markdown]
# Your function on the test set: its twelve most confident mistakes.

# %%
idx = my_confident_mistakes(P, split.y_test, n=12)
fig = plt.figure(figsize=(7.5, 3.4), layout="constrained")
show_digits(split.X_test[idx], split.y_test[idx], pred=pred[idx], prob=P[idx, pred[idx]],
            class_names=split.class_names, ncols=6, n=12, fig=fig,
            title="The 12 most confident mistakes: true → predicted, p = P[s, predicted]")
show(fig, "the 12 test images the network got wrong most confidently, each titled true → "
          "predicted with the probability it gave its prediction.")

# %% [markdown]
# Some of these are hard for people too: digits cut off, written unusually, or closer to
# the wrong class than to their label. Others are plain to us, and the network is still
# sure of its wrong answer. A probability from a softmax is not a guarantee.
#
# Over the whole test set, how sure is the network when it is right, and when it is wrong?
# The *confidence* of a prediction is the largest probability in its row of `P`:

# %%
fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
plot_confidence(P, split.y_test, ax=ax)
show(fig, "histograms of the confidence (the largest probability in a row of P) of the test "
          "predictions, the right ones and the wrong ones apart: the right ones pile up near 1, "
          "the wrong ones spread over lower values.")

# %%
conf, wrong = P.max(axis=1), pred != split.y_test
print(f"share of the mistakes made with a confidence above 0.8: {np.mean(conf[wrong] > 0.8):.1f}")
print("median confidence above 0.95 when right:", np.median(conf[~wrong]) > 0.95,
      "  below 0.8 when wrong:", np.median(conf[wrong]) < 0.8)

# %% [markdown]
# (The count axis is logarithmic.) Right answers pile up near confidence 1; wrong answers
# are spread out and mostly less confident. Confidence is informative — a low one is worth a
# second look — but about one mistake in five is made with a confidence above 0.8.
#
# ## 4. What the weight decay `c` does
#
# The cost adds $c\,(\lVert W_1 \rVert^2 + \lVert W_2 \rVert^2)$ to the cross-entropy: a
# penalty on large weights, whose gradient you derived in Chapter 2. What it does to the
# weights at every SGD step gives it its name, *weight decay*; you met it in Chapter 2's
# question on a unit that never switches on.
# <!-- BEGIN TEACHER -->
# (For the teacher: one SGD step reads
# $W_1 \leftarrow (1 - 2\,\eta\,c)\,W_1 - \eta\,\partial J_{\text{data}} / \partial W_1$:
# every step shrinks every weight by the factor $1 - 2\,\eta\,c$, and the data gradient
# pushes back only where the weights help to classify. This is step 2 of the derivation
# below and point 2 of the rubric of Chapter 2's three-point question, so the student text
# does not state it.)
# <!-- END TEACHER -->
#
# We train the same network with `c = 0` and with a hundred times the default, `c = 1e-2`.
# All three runs start from the same `init` and, with the same seed, see the same batches:
# the only difference is `c`.

# %%
runs = {1e-4: params}                                  # the run above
for c in (0.0, 1e-2):
    runs[c], _ = handin.fit(split.X_train, split.y_train, split.X_val, split.y_val,
                            c=c, epochs=10, seed=0, init=init)
runs = dict(sorted(runs.items()))                      # c = 0, 1e-4, 1e-2

# %% [markdown]
# The same 16 hidden units under the three values of `c`. Each panel has its own colour
# scale, from $-m$ to $m$ with $m$ the largest $|w|$ among its 16 units:

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.9), layout="constrained")
for ax, (c, run) in zip(axes, runs.items()):
    show_weights(run["W1"], n=16, ncols=4, ax=ax,
                 title=f"c = {c:g}:  ||W1|| = {np.linalg.norm(run['W1']):.2g}")
show(fig, "the same 16 hidden units of W1 after training with c = 0, 1e-4 and 1e-2, one panel "
          "each with its own colour scale and ||W1|| in its title; the larger c, the smaller the "
          "weights.")

# %% [markdown]
# Read the colourbars: how much smaller is the scale with `c = 1e-2`?

# %%
m = {c: np.abs(run["W1"][:, :16]).max() for c, run in runs.items()}
print("largest |w| of the 16 units:", ", ".join(f"c = {c:g}: {v:.3f}" for c, v in m.items()))
print(f"c = 0 against c = 1e-2: {m[0.0] / m[1e-2]:.1f} times")

# %% [markdown]
# The colour scales differ by about a factor of 2, not more: the largest weights are the
# ones the data hold up against the decay. The norm $\lVert W_1 \rVert$, which adds up
# every weight, shrinks far more (below). With `c = 0` the first layer keeps all its initial noise.
# With `c = 1e-2` the noise has faded and what is left is the learned structure: the
# images look like the *changes* of section 1. The numbers:

# %%
print("      c   ||W1||   training accuracy   test accuracy")
for c, run in runs.items():
    train_acc = handin.accuracy(split.X_train, split.y_train, run)
    acc = handin.accuracy(split.X_test, split.y_test, run)
    print(f"{c:7g}   {np.linalg.norm(run['W1']):6.2g}   {train_acc:17.2f}   {acc:13.2f}")

# %% [markdown]
# A stronger decay gives much smaller weights, but here it also costs accuracy: with
# `c = 1e-2` the decay pulls so hard that the network cannot fit even its training images
# as well (the training column; exercise 2 asks which `c` over- and which under-fits).
# `c = 1e-4` is too weak to change much in ten epochs; what `c` is
# best is a question for the validation set.
#
# ### Your turn: an exact prediction for the blank pixels
#
# Each run took $S = 10 \cdot \lceil 3400 / 32 \rceil = 1070$ SGD steps with $\eta = 0.1$,
# from the same `W1_init`. What does one step do to the weights of the blank pixels of
# section 1, and why? Look at the row of the data gradient that belongs to a blank pixel,
# and at the decay term of the step. What, then, do all $S$ steps do?
#
# <!-- BEGIN SOLUTION: the weights $W_1[\text{blank}]$ after $S$ steps, from $W_{1,\text{init}}[\text{blank}]$, $\eta$, $c$ and $S$. -->
# Row $f$ of the data gradient is $\sum_s X[s, f]\, \texttt{dZ1}[s, :]$ (section 1). For
# a blank pixel $X[s, f] = 0$ in every image of every batch, so that row is exactly 0 at
# every step, and the step of section 4 leaves only the decay:
# $W_1[f, :] \leftarrow (1 - 2\,\eta\,c)\, W_1[f, :]$. After $S$ steps
#
# $$W_1[\text{blank}] = (1 - 2\,\eta\,c)^{S}\; W_{1,\text{init}}[\text{blank}],$$
#
# so $\lVert W_1[\text{blank}] \rVert / \lVert W_{1,\text{init}}[\text{blank}] \rVert
# = (1 - 2\,\eta\,c)^{S}$ (a positive factor, as $2\,\eta\,c < 1$).
# <!-- END SOLUTION -->
#
# Write your prediction of the ratio $\lVert W_1[\text{blank}] \rVert /
# \lVert W_{1,\text{init}}[\text{blank}] \rVert$, then compare it with the three runs:

# %%
def my_predicted_ratio(lr, c, steps):
    """Your prediction of ||W1[blank]|| / ||W1_init[blank]|| after `steps` SGD steps."""
    # BEGIN SOLUTION
    return (1 - 2 * lr * c) ** steps
    # END SOLUTION


# %%
steps = 10 * -(-len(split.X_train) // 32)
print(f"S = {steps} steps")
print("      c   ||W1[blank]|| / ||W1_init[blank]||   your prediction")
for c, run in runs.items():
    ratio = np.linalg.norm(run["W1"][blank]) / np.linalg.norm(W1_init[blank])
    print(f"{c:7g}   {ratio:21.3f}{my_predicted_ratio(0.1, c, steps):18.3f}")

# %% [markdown]
# A right derivation agrees with the measurement to the third decimal. Look at the row
# `c = 0`: what do these weights do to `Z1` for a test image with ink where the training
# images had none?
# <!-- BEGIN TEACHER -->
# (For the teacher: without decay the blank weights stay exactly their random initial
# values; they add noise to `Z1` for any test image with ink where the training images had
# none, and nothing in training can remove it. Weight decay is the only force that acts on
# them.)
# <!-- END TEACHER -->

# %% [markdown]
# ## Recap
#
# - Column `u` of `W1` is a 28 × 28 template for hidden unit `u`. After ten epochs on the
#   sample the trained `W1` is still mostly its random start; `W1 - W1_init` shows what was
#   learned: strokes and parts of digits.
# - The confusion matrix `C[i, j]` (true `i`, predicted `j`) shows where the mistakes are:
#   they gather in a few cells, and section 2's question asks you to explain its largest.
# - `my_confident_mistakes` sorts the wrong predictions by the probability given to the
#   wrong digit; the network is wrong with high confidence more often than one would like.
# - Weight decay shrinks the weights: `c = 1e-2` makes $\lVert W_1 \rVert$ four times
#   smaller, but costs accuracy. For the pixels that never see ink you derived its effect
#   exactly, and the three runs agreed with your prediction.
#
# ## Exercises
#
# 1. **The units that learned most.** Sort the hidden units by
#    `np.linalg.norm(W1 - W1_init, axis=0)` and show the 32 that changed most with
#    `show_weights(W1 - W1_init, units=...)`. Do you recognise parts of digits?
# 2. **Under-fitting.** Compare the training accuracy (`handin.accuracy` on
#    `split.X_train`) of the three runs of section 4. Which value of `c` over-fits, which
#    under-fits?
# 3. **Choosing c.** Train with `c` in `[0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2]` and plot the final
#    validation accuracy against `c` (log scale). Which `c` would you pick — and why must the
#    choice not look at the test set?
# 4. **Per digit.** From `C`, compute the accuracy of each digit, `C.diagonal() / C.sum(axis=1)`,
#    and show the confident mistakes of the hardest digit only. Are they mislabelled, or
#    just badly written?
