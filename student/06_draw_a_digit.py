# %% [markdown]
# # Chapter 6 — Draw a digit
#
# The network of this book has only ever seen MNIST. This chapter lets you test it on
# your own handwriting: draw a digit with the mouse and watch its class probabilities
# change while you draw. It shows
#
# 1. how the MNIST digits were prepared — scaled into a 20 × 20 box, centred by their
#    centre of mass in a 28 × 28 field; you write the centring (`my_centring_shift`);
# 2. what the network makes of a digit that is not centred, and why a drawing must be
#    prepared the same way;
# 3. the drawing pad, `handin.draw.DigitPad`, and the same pad driven from code, with
#    strokes given as lists of points;
# 4. what the network answers for a dash or a dot: always a digit, and often a confident
#    one;
# 5. a digit of yours that the network misreads, and why (a written question).

# %%
import numpy as np
import matplotlib.pyplot as plt

import handin
import handin.experiment
from handin.draw import DigitPad, mnist_preprocess, rasterize_strokes
from handin.course import check_centring_shift
from handin.plots import show

# %%
handin.threads.share()   # numpy, yours too, on one core or two: whichever is faster here now

# %% [markdown]
# ## 1. A network to draw for
#
# The network of Chapter 3, trained on the shipped sample with `handin.fit`'s defaults
# (256 hidden units, 10 epochs; a few seconds on a quiet machine, longer on a busy one):

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
# a 28 × 28 field so that its centre of mass is at the centre** of the field, (14, 14),
# moving it by whole pixels. Our 3,400 training images show the first step: in almost all
# of them the longer side of the digit is 20 pixels.

# %%
X = split.X_train.reshape(-1, 28, 28)
ink_rows, ink_cols = (X > 0).any(axis=2).sum(axis=1), (X > 0).any(axis=1).sum(axis=1)
print(f"longer side 20 pixels: {np.mean(np.maximum(ink_rows, ink_cols) == 20):.1%}")

# %% [markdown]
# ### Your turn: `my_centring_shift`
#
# The second step is yours. Think of each pixel as a small mass, its ink, at its row and
# column index: the digit's **centre of mass** is where those masses balance. Write
# `my_centring_shift(digit)`: for a 2-D array of ink `(height, width)`, return the shift
# `(drow, dcol)`, two integers, that brings the centre of mass as close as it can to the
# centre of the field, `(height / 2, width / 2)` — (14, 14) for 28 × 28. A positive
# `drow` moves the ink down, a positive `dcol` to the right: `np.roll(digit, (drow, dcol),
# axis=(0, 1))` applies it. The self-check tries off-centre digits in fields of two sizes,
# with grey edges, and names the mistake if it finds one.

# %%
def my_centring_shift(digit):
    """(drow, dcol), ints: the whole-pixel shift taking digit's centre of mass to the centre."""
    # YOUR CODE HERE
    raise NotImplementedError("write the body of my_centring_shift(digit)")


# %%
check_centring_shift(my_centring_shift)

# %% [markdown]
# If MNIST did what the text says, your function finds nothing to move in the training
# images:

# %%
shifts = np.array([my_centring_shift(x) for x in X])        # (3400, 2)
print("training images your function would move:", np.count_nonzero(shifts.any(axis=1)))

# %% [markdown]
# ## 3. Why a drawing must be prepared the same way
#
# The network learned digits of that size at that place. What does it make of the same
# test digits, each moved by up to 3 pixels in each direction (ink pushed over an edge
# comes back at the other, as `np.roll` does)? And of the moved digits put back by your
# function?

# %%
rng = np.random.default_rng(0)
T = split.X_test.reshape(-1, 28, 28)
moved = np.array([np.roll(t, rng.integers(-3, 4, size=2), axis=(0, 1)) for t in T])
back = np.array([np.roll(m, my_centring_shift(m), axis=(0, 1)) for m in moved])
for name, images in (("as in MNIST", T), ("moved", moved), ("put back", back)):
    acc = handin.accuracy(images.reshape(-1, 784), split.y_test, params)
    print(f"{name:>12}: test accuracy {acc:.2f}")

# %% [markdown]
# A shift of a few pixels halves the accuracy: the network's first layer weighs each
# pixel at its place (Chapter 4, §1), and a moved stroke falls on other weights.
# Centring by the centre of mass gives nearly all of it back. A digit drawn small in a
# corner is further still from what the network has seen. `handin.draw.mnist_preprocess` repeats the
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
show(fig, "the small 7 three ways, dark ink on white: the drawing in the top-right corner of the "
          "pad; shrunk to 28 × 28, where it fills only a corner; and prepared the MNIST way, "
          "centred and as large as a training digit.")

# %% [markdown]
# What the network says about each: the classes it gives a probability of at least 0.1,
# most likely first.

# %%
def likely(P):
    """The classes with probability >= 0.1, most likely first, with rounded probabilities."""
    return ", ".join(f"{i}: {P[i]:.2f}" for i in np.argsort(P)[::-1] if P[i] >= 0.1)


for name, img in (("shrunk", shrunk), ("prepared", prepared)):
    print(f"{name:>8}  {likely(handin.predict_proba(img.reshape(1, 784), params)[0])}")

# %% [markdown]
# ## 4. Your turn: draw
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
# ## 5. The same, from code
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
show(demo.figure(), "the drawn 1 as the network sees it, a slanted dark stroke centred in the "
                    "28 × 28 field, beside a bar chart of the ten class probabilities in which "
                    "the bar of 1 is nearly full.")

# %% [markdown]
# A **0**: an ellipse, taller than wide, as one stroke of 60 points.

# %%
t = np.linspace(0, 2 * np.pi, 60)
zero = [list(zip(140 + 65 * np.sin(t), 140 - 95 * np.cos(t)))]
demo.clear()
demo.draw_strokes(zero)
print(likely(demo.probabilities))

# %%
show(demo.figure(), "the drawn 0 as the network sees it, a tall dark ellipse centred in the "
                    "28 × 28 field, beside the ten class probabilities, most of it on 0.")

# %% [markdown]
# ## 6. It always answers
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
# input, and nothing in training showed it an input that is no digit. Its confidence
# says how the input compares with the ten classes, not whether it is a digit at all: an
# input unlike the training data is *out of distribution*, and there a confident answer
# means little.

# %%
for name, P in answers.items():
    print(f"{name}: the probabilities sum to {P.sum():.2f}, the top class gets more than "
          f"half: {P.max() > 0.5}")

# %% [markdown]
# ## 7. Your turn: a digit it misreads
#
# Draw on the pad of section 4 (or give strokes to `demo`) until the network misreads a
# digit that you find clearly written. `pad.figure()` shows what it sees; the training
# digits of class `i` are `split.X_train[split.y_train == i]`, and `show_digits` from
# `handin.plots` draws them. Use the cell below for your evidence.

# %%
# your evidence: e.g. pad.figure(), or the drawn digit beside training digits of its class

# %% [markdown]
# **Question:** Which digit of yours does the network misread, and as what? Show your
# evidence, explain the mistake from what the network computes, and test your
# explanation: change one thing about the drawing that, by your explanation, should fix
# it (or break a digit it reads well), and say what happened.

# %% [markdown]
# *Your answer:*

# %% [markdown]
#
# ## Recap
#
# * MNIST digits are scaled (anti-aliased) to fit 20 × 20 and centred by their centre of
#   mass in 28 × 28, moved by whole pixels; `mnist_preprocess` does the same to a drawing,
#   so the network sees a drawn digit at the size and place it learned.
# * Without it, test digits moved by a few pixels lose half their accuracy, and the same
#   7 drawn small in a corner is a different input that the network gets wrong. Your
#   centring by the centre of mass gives the accuracy back.
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
# 4. **Off centre.** Measure the test accuracy of section 3 for digits all moved by the
#    same `(0, s)`, for `s` from 0 to 6. How far can a digit move before the network
#    stops recognising it? What would make a network less sensitive to position?
# 5. **Box or mass?** Centre the moved test digits of section 3 by the centre of their
#    bounding box instead of their centre of mass. Which gives the better accuracy, and
#    why should it be the one MNIST used?
