# %% [markdown]
# # Chapter 5 — The hyperparameter explorer
#
# Chapter 3 trained the network with the exercise's values: learning rate 0.1, 256 hidden
# units, weight decay $c = 10^{-4}$, batches of 32, ten epochs. Why these? This chapter
# lets you move them and watch the learning curves change while the network trains. It
# shows
#
# 1. the **explorer**: a slider per hyperparameter and the two panels of the exercise,
#    "Loss Per Epoch" and "Accuracy Per Epoch", redrawn after every epoch;
# 2. three lessons, driven from code so that you can read them without running anything:
#    a learning rate that is too high **diverges**, one that is too small **crawls**, and
#    a weight decay that is too large **underfits**.

# %%
from IPython.display import Image

from handin.explorer import Explorer

# %% [markdown]
# ## 1. The explorer
#
# `Explorer()` loads the sample of Chapter 3 once (3,400 training images after holding
# out 15% for validation, and 1,000 test images). Every run starts from the same initial
# weights and sees the same batches (`seed=0`), so two runs differ only by the values you
# changed. The controls:
#
# | control | what it changes | what to look for |
# |---|---|---|
# | **learning rate** `lr` | the step $W \leftarrow W - \mathrm{lr}\,\nabla J$, from $10^{-3}$ to $10$ on a log scale | too high: the cost jumps or the run diverges; too low: slow, still-falling curves |
# | **hidden units** `h` | the width of the hidden layer, 4 to 1024 | capacity: few units cannot fit even the training images |
# | **weight decay** `c` | the penalty $c\,(\lVert W_1\rVert^2 + \lVert W_2\rVert^2)$ in the cost, 0 to $10^{-1}$ | the gap between training and validation accuracy, and underfitting |
# | **epochs** | passes over the training images, 1 to 30 | are the validation curves still improving at the end? |
# | **batch size** | images per SGD step, 8 to 256 | fewer, smoother steps for large batches |
# | **training rows** | how many of the 3,400 training images are used | over-fitting grows as the data shrink |
#
# Moving a control stops the run in progress and starts a new one with the new values
# (after 0.15 s, so that dragging starts one run, not dozens). The status line shows the
# epoch, the time and the validation accuracy, and at the end the test accuracy. Earlier
# runs stay on the figure as faded curves labelled with their values, so you can compare;
# **Clear runs** removes them, **Stop** stops the run in progress. A run that diverges
# says so in a yellow box, with the epoch and a hint.
#
# The figure needs a live kernel: on GitHub or in an HTML export you see the static
# pictures further down instead.

# %%
ex = Explorer()

# %%
# NBVAL_IGNORE_OUTPUT
ex

# %% [markdown]
# Training runs in the background of the kernel, in small slices of about 20 ms: you can
# move a slider, or run other cells, while the network trains.
#
# ## 2. The exercise's values
#
# The rest of the chapter drives the same explorer from code. `ex.run(...)` trains with
# the given values (the other controls stay as they are), blocking until the run ends, and
# draws in the figure above like a run started by a slider. It returns the run's
# `History`. First the exercise's values, as a reference:

# %%
history = ex.run()
print(f"validation accuracy {history.val_acc[-1]:.2f}, test accuracy {ex.runs[-1].test_acc:.2f}")

# %% [markdown]
# ## 3. Lesson one: too high a learning rate diverges
#
# An SGD step moves every weight by $\mathrm{lr}$ times its gradient. If the step is much
# larger than the distance over which the gradient stays meaningful, it overshoots: the
# next cost is *larger*, its gradient larger still, and within a few steps the logits are
# so large that softmax gives the true class a probability of exactly 0 and the cost
# becomes infinite. `handin` stops the run at that batch and raises `TrainingDiverged`;
# the explorer shows its message instead of a figure full of `nan`:

# %%
result = ex.run(lr=10)
print(result)

# %% [markdown]
# The run never finished an epoch, so it has no point to draw: the figure shows the
# reference run faded and an empty run in bold. In the explorer, move the learning-rate
# slider up from 0.1 step by step: the curves get more jagged (each step overshoots a
# little), `lr = 1` still trains, and one slider step higher (1.26) the run diverges.

# %%
Image(ex.png())

# %% [markdown]
# ## 4. Lesson two: too small a learning rate crawls
#
# With $\mathrm{lr} = 0.001$ each step is a hundred times shorter than the exercise's. The
# network takes the same 1,070 steps (ten epochs of 107 batches) but covers a hundredth
# of the distance:

# %%
history = ex.run(lr=0.001)
print(f"after 10 epochs: training accuracy {history.train_acc[-1]:.2f}, "
      f"validation accuracy {history.val_acc[-1]:.2f}")

# %% [markdown]
# The reference reached 0.91 in ten epochs; this run is still at the stage the reference
# passed in its first epoch. Its curves have not flattened: they are still climbing at the
# end, so more epochs would help, at a hundred times the cost. A rate that is too small
# does not fail, it wastes time. The bold curves against the faded reference:

# %%
Image(ex.png())

# %% [markdown]
# ## 5. Lesson three: too much weight decay underfits
#
# The weight decay adds $c\,(\lVert W_1\rVert^2 + \lVert W_2\rVert^2)$ to the cost, so
# every step shrinks every weight by the factor $1 - 2\,\mathrm{lr}\,c$ (Chapter 4). With
# $c = 0.1$ that is 2% per step: the decay wins over what the data ask for, and the
# weights stay too small to separate the digits.

# %%
history = ex.run(lr=0.1, c=0.1)
print(f"training accuracy {history.train_acc[-1]:.2f}, "
      f"validation accuracy {history.val_acc[-1]:.2f}")

# %% [markdown]
# This is **underfitting**: the network is poor on the very images it trains on, and the
# validation accuracy is about as poor. (Over-fitting is the opposite picture: high
# training accuracy, a gap to validation.) More epochs do not help; the accuracy goes up
# and down around the same level. The cost panel shows the other side: the cost stays far
# above the reference's, and about a third of it is the decay term, which SGD is busy
# keeping small instead of fitting the data.

# %%
Image(ex.png())

# %% [markdown]
# ## Recap
#
# - The learning rate sets the length of each SGD step. Too high and the cost blows up
#   within a few batches (`TrainingDiverged`, here above `lr = 1`); too low and ten
#   epochs are not enough (`lr = 0.001`: 0.73 instead of 0.91 on validation).
# - The weight decay $c$ pulls every weight towards 0 by $1 - 2\,\mathrm{lr}\,c$ per step.
#   Too much of it underfits: low accuracy on the training images themselves
#   (`c = 0.1`: 0.69).
# - Compare runs that differ in one value: the explorer keeps every run's seed, so the
#   faded curves show exactly what that one value changed.
#
# ## Exercises
#
# 1. **The edge of stability.** With the reference settings the largest learning rate that
#    trains is 1; one slider step higher diverges. Does this edge move with 64 or 1,024
#    hidden units, or with batches of 8 or 256? Why would the batch size matter?
# 2. **Batch size and learning rate.** Double the batch size from 32 to 64. What learning
#    rate gives curves closest to the reference? Try again for 128. What rule do you see?
# 3. **Less data, more decay?** Set the training rows to 500 and compare $c = 0$, $10^{-3}$
#    and $10^{-2}$ on validation accuracy (twenty epochs). Is the best $c$ the same as with
#    all 3,400 rows? Why could it differ?
# 4. **Two ways to underfit.** Find the number of hidden units at which the reference
#    settings reach about the same training accuracy as `c = 0.1` did. Do the two kinds of
#    underfitting look the same in the cost panel?
