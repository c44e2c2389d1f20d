# %% [markdown]
# # Chapter 6 — Draw a digit
#
# The network of this book has only ever seen MNIST. This chapter lets you test it on
# your own handwriting: draw a digit with the mouse and watch its class probabilities
# change while you draw. It shows
#
# 1. how the MNIST digits were prepared — scaled into a 20 × 20 box, centred by their
#    centre of mass in a 28 × 28 field — and why a drawing must be prepared the same way;
# 2. the drawing pad, `handin.draw.DigitPad`;
# 3. the same pad driven from code, with strokes given as lists of points, which is how
#    this chapter (and the tests of `handin`) check it without a mouse;
# 4. what the network answers for a dash or a dot: always a digit, and often a confident
#    one.

# %%
import numpy as np
import matplotlib.pyplot as plt

import handin
import handin.experiment
from handin.draw import DigitPad, mnist_preprocess, rasterize_strokes

# %% [markdown]
# ## 1. A network to draw for
#
# The network of Chapter 3, trained on the shipped sample with `handin.fit`'s defaults
# (256 hidden units, 10 epochs; a few seconds):

# %%
split = handin.experiment.prepare("sample")
params, history = handin.fit(split.X_train, split.y_train, split.X_val, split.y_val)
print(f"test accuracy: {handin.accuracy(split.X_test, split.y_test, params):.2f}")

# %% [markdown]
# ## 2. How MNIST digits were made
#
# MNIST's digits come from scanned forms. LeCun, Cortes and Burges describe the
# preparation: each black-and-white digit was **scaled to fit a 20 × 20 box**, keeping its
# aspect ratio — the scaling is anti-aliased, so the edges are grey — and then **placed in
# a 28 × 28 field so that its centre of mass is at the centre** of the field. Our 3,400
# training images show it: in almost all of them the longer side of the digit is 20
# pixels, and in all of them the centre of mass (row, column) is within half a pixel of
# pixel (14, 14) — half a pixel, because the digits were shifted by whole pixels.

# %%
X = split.X_train.reshape(-1, 28, 28)
ink_rows, ink_cols = (X > 0).any(axis=2).sum(axis=1), (X > 0).any(axis=1).sum(axis=1)
print(f"longer side 20 pixels: {np.mean(np.maximum(ink_rows, ink_cols) == 20):.1%}")

# %%
rows, mass = np.arange(28), X.sum(axis=(1, 2))
centre = np.stack([X.sum(axis=2) @ rows / mass, X.sum(axis=1) @ rows / mass], axis=1)
print("centre of mass within 0.5 px of (14, 14):", np.all(np.abs(centre - 14) <= 0.5))

# %% [markdown]
# The network learned digits of that size at that place; a digit drawn small in a
# corner is something it has never seen. `handin.draw.mnist_preprocess` repeats the
# recipe on a drawing: crop to the ink, scale the longer side to 20 pixels by averaging
# areas (each new pixel is the mean of the old pixels it covers), shift by whole pixels so
# the centre of mass lands on (14, 14). The drawing itself comes from
# `rasterize_strokes`, which draws each stroke as a thick line with grey edges on a
# 280 × 280 image, in numpy.
#
# An example: a small **7** in the top-right corner of the pad. Shrunk as it is to
# 28 × 28, it fills a corner; prepared the MNIST way, it is a digit like the others.

# %%
seven = [[(70, 50), (210, 50), (120, 240)], [(110, 145), (190, 145)]]   # two strokes
small = [[(x / 3 + 170, y / 3 + 15) for x, y in stroke] for stroke in seven]
image = rasterize_strokes(small)                              # (280, 280), ink in [0, 1]
shrunk = image.reshape(28, 10, 28, 10).mean(axis=(1, 3))      # each 10 x 10 block -> 1 pixel
prepared = mnist_preprocess(image).reshape(28, 28)

# %%
fig, axes = plt.subplots(1, 3, figsize=(8, 2.8), layout="constrained")
for ax, img, title in zip(axes, (image, shrunk, prepared),
                          ("the drawing", "shrunk to 28 × 28", "prepared the MNIST way")):
    ax.imshow(img, cmap="gray_r"), ax.set(title=title, xticks=[], yticks=[])   # ink dark
plt.show()

# %% [markdown]
# *Figure: the small 7 three ways, dark ink on white: the drawing in the top-right corner of the pad; shrunk to 28 × 28, where it fills only a corner; and prepared the MNIST way, centred and as large as a training digit.*
#
# What the network says about each: the classes it gives a probability of at least 0.1,
# most likely first.

# %%
def likely(P):
    """The classes with probability >= 0.1, most likely first, with rounded probabilities."""
    return ", ".join(f"{i}: {P[i]:.2f}" for i in np.argsort(P)[::-1] if P[i] >= 0.1)


for name, img in (("shrunk", shrunk), ("prepared", prepared)):
    print(f"{name:>8}  {likely(handin.predict_proba(img.reshape(1, 784), params)[0])}")

# %% [markdown]
# ## 3. Your turn: draw
#
# Draw a digit in the white box (press, drag, release; several strokes are fine).
# On the right: the 28 × 28 digit the network sees and its probabilities, redrawn while
# you draw — at most every 0.15 s (`throttle`), and when you release the button.
# **Clear** starts again. The pad keeps your strokes in Python (`pad.strokes`) and turns
# them into pixels with numpy; the canvas only shows them.
#
# (The pad needs a running kernel: in a notebook opened without one it shows nothing.)

# %%
pad = DigitPad(params)
pad.widget

# %% [markdown]
# ## 4. The same, from code
#
# `draw_strokes(strokes)` does what the mouse does: each stroke is a list of $(x, y)$
# points on the 280 × 280 pad ($x$ to the right, $y$ down). The examples use a second pad,
# `demo`, that is not shown, so the pad above stays yours. A **1** is one stroke from the
# top down, slightly slanted:

# %%
demo = DigitPad(params)
demo.draw_strokes([[(150, 40), (140, 240)]])
print(likely(demo.probabilities))

# %% [markdown]
# `demo.figure()` shows what a pad shows, as a matplotlib figure: the 28 × 28 digit, ink
# dark on white as in Chapter 3, and the probability of each class:

# %%
demo.figure()

# %% [markdown]
# A **0**: an ellipse, taller than wide, as one stroke of 60 points.

# %%
t = np.linspace(0, 2 * np.pi, 60)
zero = [list(zip(140 + 65 * np.sin(t), 140 - 95 * np.cos(t)))]
demo.clear()
demo.draw_strokes(zero)
print(likely(demo.probabilities))

# %%
demo.figure()

# %% [markdown]
# ## 5. It always answers
#
# Now draw something that is no digit at all: a horizontal dash, or a single dot.

# %%
dash = [[(60, 140), (220, 140)]]
dot = [[(140, 140), (141, 141)]]
answers = {}
for name, strokes in (("dash", dash), ("dot", dot)):
    demo.clear()
    demo.draw_strokes(strokes)
    answers[name] = demo.probabilities
    print(f"{name:>4}: {likely(demo.probabilities)}")

# %% [markdown]
# The network names a digit, and often with a high probability. It cannot say "none of
# these": the softmax shares out a probability of 1 among the ten classes whatever the
# input, and nothing in training showed it an input that is no digit. (The exact
# answers depend on the last bits of the training; the check below holds on every
# machine.) Its confidence says how the input compares with the ten classes, not whether
# it is a digit at all: an input unlike the training data is *out of distribution*, and
# there a confident answer means little.

# %%
for name, P in answers.items():
    print(f"{name}: the probabilities sum to {P.sum():.2f}, the top class gets more than "
          f"half: {P.max() > 0.5}")

# %% [markdown]
# ## Recap
#
# * MNIST digits are scaled (anti-aliased) to fit 20 × 20 and centred by their centre of
#   mass in 28 × 28; `mnist_preprocess` does the same to a drawing, so the network sees a
#   drawn digit at the size and place it learned.
# * Without it, the same 7 drawn small in a corner is a different input, and the network
#   gets it wrong.
# * `DigitPad` draws with the mouse (`pad.widget`) or from code (`pad.draw_strokes`), and
#   keeps `pad.strokes`, `pad.image`, `pad.digit` and `pad.probabilities`.
# * The network always answers, even for a dash or a dot: its confidence is no measure of
#   whether the input is a digit at all.
#
# ## Exercises
#
# 1. **Ten digits.** Draw each digit a few times. Which does the network confuse, and
#    with what? Compare with the confusion matrix of Chapter 4.
# 2. **Styles.** Draw a 1 with a flag and a base, a 7 with a bar, a 4 closed at the top.
#    Which of these styles does MNIST (American writers, mostly) know?
# 3. **Pen width.** Make pads with `DigitPad(params, width=6)` and `width=40`. How does the
#    prediction change, and why? (How thick is a stroke in the 20 × 20 box?)
# 4. **Off centre.** Shift `prepared` by a few pixels with `np.roll` and predict again.
#    How far can a digit move before the network stops recognising it? What would make a
#    network less sensitive to position?
