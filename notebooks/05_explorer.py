# %% [markdown]
# # Chapter 5 — The hyperparameter explorer
#
# Chapter 3 trained the network with the exercise's values: learning rate 0.1, 256 hidden
# units, weight decay $c = 10^{-4}$, batches of 32, ten epochs. Why these? Move a slider
# below: the network trains again with the new value, and the chart draws its cost and
# accuracy after every epoch, beside the runs before it. After the explorer come three
# lessons, as pictures: a learning rate that is too high **diverges**, one that is too
# small **crawls**, and a weight decay that is too large **underfits**.

# %%
import matplotlib.pyplot as plt
import numpy as np

import handin
from handin.experiment import prepare
from handin.explorer import Explorer
from handin.plots import plot_batch_costs, show
from handin.stability import batch_traces, largest_surviving_rate

# %%
handin.threads.share()   # numpy, yours too, on one core or two: whichever is faster here now

# %%
ex = Explorer()

# %% tags=["nbval-ignore-output"]
ex

# %% [markdown]
# ## 1. The explorer
#
# It trains on the sample of Chapter 3 (3,400 training images after holding out 15% for
# validation, and 1,000 test images). Every run starts from the same initial weights and
# sees the same batches (`seed=0`), so two runs differ only by the values you changed.
# The controls:
#
# | control | what it changes | what to look for |
# |---|---|---|
# | **learning rate** $\eta$ (`lr`) | the step $W \leftarrow W - \eta\,\nabla J$, from $10^{-3}$ to $10$ on a log scale | too high: the cost jumps or the run diverges; too low: slow, still-falling curves |
# | **hidden units** `h` | the width of the hidden layer, 4 to 1024 | capacity: few units cannot fit even the training images |
# | **weight decay** `c` | the penalty $c\,(\lVert W_1\rVert^2 + \lVert W_2\rVert^2)$ in the cost, 0 to $10^{-1}$ | the gap between training and validation accuracy, and underfitting |
# | **epochs** | passes over the training images, 1 to 30 | are the validation curves still improving at the end? |
# | **batch size** | images per SGD step, 8 to 256 | fewer, smoother steps for large batches |
# | **training rows** | how many of the 3,400 training images are used | over-fitting grows as the data shrink |
#
# Moving a control stops the run in progress and starts a new one with the new values at
# once; changes less than 0.15 s apart (a drag) start one run, after the last. The status
# line shows the epoch, the time and the validation accuracy, and at the end the test
# accuracy. Validation curves are solid, training curves dashed (measured on 1,000 of the
# training images, to keep the run quick). Each run has its colour and its marker shape,
# in the chart and in the legend below it; earlier runs stay, labelled with their values,
# so you can compare. **Train** with unchanged values trains that run again in its place.
# **Clear runs** removes the earlier runs, **Stop** stops the run in progress. A run that
# diverges says so in a yellow box, with where it stopped and a hint. **Numbers**, under
# the chart, opens a summary of each run and a table of every epoch.
#
# The chart needs a live kernel: on GitHub or in an HTML export you see the static
# pictures further down instead.

# %% [markdown]
# Training runs in the background of the kernel, a short slice at a time, so the
# controls answer while the network trains (and in JupyterLab, other cells can run).
#
# ## 2. The exercise's values
#
# The lessons below use a second explorer, `lessons`, which is not shown, so the explorer
# above stays as you left it. Each lesson trains it with a few values changed and the
# others at the exercise's: `lessons.run(...)` trains and returns the run's `History`, and
# `lessons.png()` draws its chart as a picture. First the exercise's values, as a
# reference:

# %%
lessons = Explorer(replace=False)
history = reference = lessons.run()
print(f"validation accuracy {history.val_acc[-1]:.2f}, "
      f"test accuracy {lessons.runs[-1].test_acc:.2f}")

# %% [markdown]
# ## 3. Lesson one: too high a learning rate diverges
#
# An SGD step moves every weight by $\eta$ times its gradient. If the step is much
# larger than the distance over which the gradient stays meaningful, it overshoots: the
# next cost is *larger*, its gradient larger still, and within a few steps the
# cross-entropy of a batch is many times what it was at the start. `handin` calls a run
# *diverged* when a batch's cross-entropy is ten times its first batch's (or ten times
# $\ln 10$, if that is more; batches smaller than 32 are averaged over the last 32
# images), or not a number at all; it stops the run at that batch and
# raises `TrainingDiverged` (the definition is in `help(handin.divergence)`). The explorer
# shows its message instead of a chart full of `nan`; here it is for `lr = 10`:

# %%
result = lessons.run(lr=10)
print(result)

# %% [markdown]
# The explorer draws one point per epoch, and this run did not finish one: its chart
# would be empty. To see what happens we need the cost of every batch, which `handin.fit`
# records in `History.batch_cross_entropy` (and a `TrainingDiverged` carries in its
# `history`). First, where is the edge: the largest rate that survives one epoch under
# our divergence rule? `largest_surviving_rate` bisects on the learning rate between 0.1
# (trains) and 10 (diverges), one epoch per trial, with the explorer's data and defaults,
# until the bracket is narrower than a factor 1.2:

# %%
split = prepare("sample", seed=0)
data = (split.X_train, split.y_train, split.X_val, split.y_val)
edge = largest_surviving_rate(*data, ratio=1.2)
print(f"lr = {edge.trains:.2f} trains, lr = {edge.diverges:.2f} diverges "
      f"(in batch {edge.diverged_at[1]}): {edge.runs} runs of one epoch")

# %% [markdown]
# Why not narrower? Right at the edge the outcome is chaotic: whether a run survives
# depends on the last bits of the arithmetic, which can differ from one computer to
# another. Bisected much finer, the bracket, and the batch where the run diverges, could
# differ from your neighbour's; a factor 1.2 stays clear of that zone.
# <!-- BEGIN TEACHER -->
# (Teacher's note. Bisected to a factor 1.05, the bracket was not the same on two
# computers, nor was the batch where the run diverged (batch 6 on one, batch 58 on
# another); to a factor 1.2 it was the same on every machine measured. The figures,
# from the table of kernels in docs/every-cpu.md: to a factor 1.05 the bracket was 1.241 / 1.286, diverging in batch 6, with the OpenBLAS kernels of an AMD
# EPYC, and 1.197 / 1.241, in batch 58, with those of an AVX-512 Intel Xeon.)
# <!-- END TEACHER -->
#
# (This bracket is sometimes loosely called the "edge of stability". In the optimisation
# literature that name means something else: Cohen et al. (2021) use it for full-batch
# training in which the sharpness of the cost settles at $2/\eta$. Ours is only the
# largest rate that survives one epoch under our divergence rule, for this seed and data.)

# %% [markdown]
# Now one epoch at each of five rates, from the exercise's 0.1 to 10, with the rate just
# past the edge among them:

# %%
traces, diverged = batch_traces(*data, [0.1, 0.5, 1.0, edge.diverges, 10.0])
for label, trace in traces.items():
    print(f"{label:30} highest batch cross-entropy {max(trace):8.1f}")

# %%
fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
plot_batch_costs(traces, ax, diverged=diverged, title="One epoch, the cross-entropy of every batch")
ax.axhline(10 * traces["lr = 0.1"][0], color="grey", ls=":", label="10 × the first batch")
ax.legend(fontsize="small")
show(fig, "the cross-entropy of every batch in one epoch, on a log axis, for the five learning "
          "rates printed above, with a dotted line at ten times the first batch's cost; a cross "
          "marks where a diverged run stopped.")

# %% [markdown]
# On a log axis the story is plain. At 0.1 the cost falls from the first batch. At 0.5
# and 1 the first steps overshoot (the cost jumps up, to four times its start at 1)
# and then the network recovers and learns. Just past the edge the jump is larger, past
# ten times the start, and `handin` stops. At 10 the second batch already costs 30 times
# the first. Stopping at the jump reports such a run at once, with the batch where it
# went wrong, before its numbers overflow. In the explorer, move the
# learning-rate slider up from 0.1 step by step: the curves get more jagged (each step
# overshoots a little), and near the edge printed above the runs start to fail.
#
# %% [markdown]
# ### Your turn: the edge and the batch size
#
# Does the edge move with the batch size? Measure it: for batches of 8, 32, 128 and 512,
# and seeds 0, 1 and 2 (the seed draws the initial weights and the order of the batches),
# bracket the largest surviving rate with
# `largest_surviving_rate(*data, ratio=1.2, batch_size=..., seed=...)`, and print for each
# batch size the three rates that train (each result's `.trains`) and their median.
# (Twelve bisections of seven one-epoch runs or fewer: a few seconds on a quiet machine,
# a minute or more on a busy one.) Before you run it, write what you expect, and why, at
# the top of your answer to the question below.

# %%
seeds, batch_sizes = (0, 1, 2), (8, 32, 128, 512)
# BEGIN SOLUTION: bracket the largest surviving rate for every batch size and seed, and print them
edges = {(bs, seed): largest_surviving_rate(*data, ratio=1.2, batch_size=bs, seed=seed)
         for bs in batch_sizes for seed in seeds}
for bs in batch_sizes:
    trains = [edges[bs, seed].trains for seed in seeds]
    print(f"batch {bs:3}: trains at " + ", ".join(f"{lr:.2f}" for lr in trains)
          + f" (seeds 0, 1, 2); median {np.median(trains):.2f}")
# END SOLUTION

# %% [markdown]
# <!-- BEGIN QUESTION 3 points -->
# **Question:** In your measurements, how does the largest surviving rate move with the
# batch size, and by how much over the 64-fold range of batch sizes? How much do single
# seeds scatter? Why would a larger batch survive a larger rate? Do your numbers follow
# the *linear scaling rule* (double the batch, double the rate), and did they follow
# your prediction?
#
# > **Model answer.** It grows, slowly: the median rises from 1.00 at batch 8 to 1.15,
# > 1.33 and 1.78 at batch 512, less than a factor 2 for 64 times the batch, far from
# > proportional. A single seed's bracket scatters by one to four steps of the
# > bisection's grid (about ×1.15 each; at batch 512 from 1.15 to 2.05, a factor 1.78),
# > enough for one seed to reverse the order of two
# > neighbouring batch sizes; the median of three seeds shows the trend. Why: the cost is
# > a mean, so a batch's gradient has the same expected value, the full gradient, at every
# > batch size; only its noise changes, with a variance that falls like 1/batch. A small
# > batch's step is therefore longer on average and points partly in a random direction,
# > so at the same rate it overshoots sooner. The mean gradient and the curvature of the
# > cost, which limit the rate once the noise is small, do not depend on the batch size:
# > hence a slow growth that levels off, not the doubling per doubled batch of the linear
# > scaling rule.
# >
# > (Whether the prediction held is not graded: a wrong prediction, explained, is as good.)
# >
# > **Rubric:** 1 point: the trend from the measured medians, rising by less than a
# > factor 2 over a 64-fold batch, far from the linear scaling rule; 1 point: single
# > seeds scatter by one to four bracket steps, so the trend needs several seeds; 1 point: the gradient's noise (variance
# > falling like 1/batch) lengthens small batches' steps, while the mean gradient and the
# > curvature do not change with the batch.
# <!-- END QUESTION -->

# %% [markdown]
# ## 4. Lesson two: too small a learning rate crawls
#
# With $\eta = 0.001$ each step is a hundred times shorter than the exercise's. The
# network takes the same 1,070 steps (ten epochs of 107 batches) but covers a hundredth
# of the distance:

# %%
history = lessons.run(lr=0.001)
print(f"after 10 epochs: training accuracy {history.train_acc[-1]:.2f}, "
      f"validation accuracy {history.val_acc[-1]:.2f}")

# %%
print(f"the reference's validation accuracy after its first epoch: {reference.val_acc[0]:.2f}")
print("this run, after ten, is below it:", history.val_acc[-1] < reference.val_acc[0])
print("and still climbing (each of its last three epochs above the one before):",
      all(np.diff(history.val_acc[-4:]) > 0))

# %% [markdown]
# The reference reached 0.91 in ten epochs; this run is still at the stage the reference
# passed in its first epoch. Its curves have not flattened: they are still climbing at the
# end, so more epochs would help, at a hundred times the cost. A rate that is too small
# does not fail, it wastes time. The bold curves against the faded reference:

# %%
show(lessons.png(), "the explorer's chart, cost and accuracy per epoch with validation solid and "
                    "training dashed, for lr = 0.001 drawn thick, against the thinner earlier "
                    "runs, the reference at lr = 0.1 among them; the slow run's accuracy stays "
                    "below the reference's and is still climbing at the last epoch.")

# %% [markdown]
# ## 5. Lesson three: too much weight decay underfits
#
# The weight decay adds $c\,(\lVert W_1\rVert^2 + \lVert W_2\rVert^2)$ to the cost, so
# every step shrinks every weight, by the decay you found in Chapter 4. With $c = 0.1$
# the pull is a thousand times the default's (`c = 1e-4`) at every step: the decay wins
# over what the data ask for, and the weights stay too small to separate the digits.

# %%
history = lessons.run(lr=0.1, c=0.1)
print(f"training accuracy {history.train_acc[-1]:.2f}, "
      f"validation accuracy {history.val_acc[-1]:.2f}")

# %% [markdown]
# This is **underfitting**: the network is poor on the very images it trains on, and the
# validation accuracy is about as poor. (Over-fitting is the opposite picture: high
# training accuracy, a gap to validation.) More epochs do not help:

# %%
show(lessons.png(), "the explorer's chart, cost and accuracy per epoch, for c = 0.1 drawn thick, "
                    "against the thinner earlier runs; its training and validation accuracy both "
                    "stay low, climbing for three epochs and then dropping.")

# %% [markdown]
# The accuracy climbs for three epochs, then drops and stays lower. Why? The same run
# again, with `handin.fit`, recording after each epoch the cost, its decay term
# $c\,(\lVert W_1\rVert^2 + \lVert W_2\rVert^2)$ and the size of the output biases
# $\lVert b_2 \rVert$ (biases are not decayed):

# %%
rows = []
def record(p):
    if p.epoch_end:
        W1, W2 = (p.params[k].astype(np.float64) for k in ("W1", "W2"))
        decay = 0.1 * float(np.sum(W1 ** 2) + np.sum(W2 ** 2))
        rows.append((p.epoch, p.history.train_cost[-1], decay, p.history.train_acc[-1],
                     float(np.linalg.norm(p.params["b2"]))))
_ = handin.fit(*data, c=0.1, callback=record)

# %%
print("epoch   cost  decay  decay share  training acc.  |b2|")
for epoch, cost, decay, acc, b2 in rows:
    print(f"{epoch:5} {cost:6.2f} {decay:6.2f} {decay / cost:8.0%} {acc:14.2f} {b2:7.2f}")

# %% [markdown]
# The cost does not go back up with the accuracy: it falls for three epochs, to about
# 1.97, and then stays there. By then the weights have shrunk to where the pull of the
# data and the pull of the decay balance, and the decay term is a third of the cost.
# From there SGD moves along that balance rather than down: the cost barely changes,
# while the biases, which the decay does not touch, keep growing — $b_2$ shifts every
# image's logits towards the frequent answers of the last batches instead of the
# weights separating the digits. The accuracy, which SGD does not optimise, pays for it:
# with weights this small the logits of the ten classes lie close together, and such
# small moves change which class wins on many images. SGD is busy keeping the weights
# small instead of fitting the data.

# %% [markdown]
# ### Aside: numbers too small for a float
#
# A weight that the data gradient never pushes shrinks at every step by the decay you
# found in Chapter 4, for ever. A float32 keeps its full seven digits down to `tiny`;
# below it come the *subnormal* numbers, with fewer and fewer digits, down to about $10^{-45}$:

# %%
tiny = np.finfo(np.float32).tiny
small = tiny / np.float32(1000)       # a subnormal float32
print(f"tiny = {tiny:.7g}; tiny / 1000 = {small:.7g}, times 1000 again: {small * 1000:.7g}")

# %% [markdown]
# Three digits are gone. Many processors are also slow on them: a product that meets a
# subnormal can take tens of times longer. With `lr=0.63, c=0.1` the decay would drive
# half of $W_1$ there by the sixth epoch, so the SGD step of `handin.fit` sets magnitudes
# below `tiny` to 0 where the decay shrinks the weights. Where, then, do the weights of
# Chapter 4's blank pixels end?
# <!-- BEGIN TEACHER -->
# (Teacher's note: on one Intel processor, twenty products $X W_1$ took 12.4 s with half
# of $W_1$ subnormal, 0.6 s with those entries at 0. The timing is
# `benchmarks/subnormals.py`'s, reported in `benchmarks/README.md`; before the flush to 0
# was added, this run slowed down twenty-fold from its sixth epoch.)
# <!-- END TEACHER -->

# %%
params, _ = handin.fit(*data, lr=0.63, c=0.1)
blank = (split.X_train == 0).all(axis=0)
print(f"{blank.sum()} pixels are 0 in every training image; their rows of W1 are all 0: "
      f"{bool(blank.any() and (params['W1'][blank] == 0).all())}")

# %% [markdown]
# ## Recap
#
# - The learning rate sets the length of each SGD step. Too high and the cost of a batch
#   jumps tenfold within a few batches (`TrainingDiverged`); the per-batch cost on a log
#   axis shows it, and `largest_surviving_rate` brackets the largest rate that survives
#   one epoch, by bisection. Too low and ten
#   epochs are not enough (`lr = 0.001`: 0.73 instead of 0.91 on validation).
# - The weight decay $c$ pulls every weight towards 0 at every step.
#   Too much of it underfits: low accuracy on the training images themselves
#   (`c = 0.1`: 0.69), with a third of the cost in the decay term.
# - Compare runs that differ in one value: the explorer keeps every run's seed, so the
#   faded curves show exactly what that one value changed.
#
# ## Exercises
#
# 1. **The largest rate that survives.** Section 3 bracketed it for the reference settings,
#    and for four batch sizes. Does it move with 64 or 1,024 hidden units
#    (`largest_surviving_rate(*data, hidden=64)`, ...)? Why would the width matter?
# 2. **Batch size and learning rate.** Double the batch size from 32 to 64. What learning
#    rate gives curves closest to the reference? Try again for 128. What rule do you see?
# 3. **Less data, more decay?** Set the training rows to 500 and compare $c = 0$, $10^{-3}$
#    and $10^{-2}$ on validation accuracy (twenty epochs). Is the best $c$ the same as with
#    all 3,400 rows? Why could it differ?
# 4. **Two ways to underfit.** Find the number of hidden units at which the reference
#    settings reach about the same training accuracy as `c = 0.1` did. Do the two kinds of
#    underfitting look the same in the cost panel?
