"""When a training run *diverges*, and what its error says.

:func:`handin.fit` and :func:`handin.train_iter` watch every batch. A run
*diverges* when, in epoch ``e`` at batch ``b``,

* a batch's cross-entropy (measured in the step's forward pass, before its
  update) is NaN or infinite: a non-finite parameter makes the next batch's
  logits, and so its cross-entropy, non-finite too;
* or the recent cross-entropy exceeds ``BLOWUP = 10`` times the larger of the
  first batch's and ``ln k`` (``k`` classes; ``ln k`` is the cross-entropy of a
  uniform guess): 23 nats for MNIST, images whose true classes get an average
  log-probability below -23. *Recent* is the mean over the last batches that
  hold at least ``WINDOW_ROWS = 32`` images: the last batch alone when
  ``batch_size >= 32``; the last 32 batches when ``batch_size = 1``, since one
  image the network gets confidently wrong can cost 30 nats in a run that
  learns. Measured on the sample at the defaults, learning runs stay far below
  the limit (batch 32: at most 1.2 ln 10 at lr 0.1, 4.4 ln 10 at lr 1, which
  recovers; a single image at batch 1 and lr 0.01: 4.2 ln 10). Past the edge of
  stability the cross-entropy jumps 10 to 100 times in a few batches, the
  ReLUs die and the run ends near chance: the cost stays finite (the
  log-sum-exp never overflows while the logits do not), so without this rule
  such a run would return its broken weights as if it had trained;
* or the evaluation after an epoch gives a non-finite cost.

:class:`TrainingDiverged` then says where, and a hint that fits the cause: if
the first batch's cross-entropy was non-finite or more than ``HUGE_START = 10``
times ``ln k`` (a fresh network is near ``ln k``: 2.3 to 2.6 on MNIST scaled to
[0, 1], hundreds on raw 0-255 pixels), the inputs are the suspect ("check the input
scaling"); otherwise the learning rate. A huge first cost alone is no
divergence: raw pixels train at a small enough rate.

"""

from __future__ import annotations

from collections import deque

import numpy as np

from .hyperparameters import fmt_lr

__all__ = ["TrainingDiverged", "Watch", "BLOWUP", "HUGE_START", "WINDOW_ROWS"]

BLOWUP = 10.0        # divergence: the recent cross-entropy above BLOWUP * max(first batch's, ln k)
WINDOW_ROWS = 32     # "recent": the last batches holding at least this many images
HUGE_START = 10.0    # a first batch's cross-entropy above HUGE_START * ln k points at the inputs


class TrainingDiverged(RuntimeError):
    """The run diverged (defined in this module's docstring).

    Attributes
    ----------
    epoch, batch : int
        Where (1-based); ``batch`` is the epoch's last when the evaluation after
        the epoch gave it away.
    lr : float
    history : History
        The epochs finished before it, and every batch's cross-entropy up to and
        including the one that diverged.
    value : float
        The value that gave it away: the recent cross-entropy (that batch's, or
        the mean over the last batches holding 32 images), or the cost.
    cause : {"scaling", "lr"}
        ``"scaling"`` when the first batch's cross-entropy was non-finite or above
        ``HUGE_START * ln k`` (look at the inputs), else ``"lr"``.
    """

    def __init__(self, epoch, batch, lr, history, value, cause="lr", first=None, x_max=None,
                 n_classes=10):
        self.epoch, self.batch, self.lr, self.history, self.value = epoch, batch, lr, history, value
        self.cause = cause
        where = f"training diverged in epoch {epoch} (batch {batch}): the cross-entropy became {value:.4g}"
        if cause == "scaling":
            hint = (f"The first batch's cross-entropy was already {first:.4g}, where a fresh network "
                    f"gives about ln {n_classes} = {np.log(n_classes):.2f}: check the input scaling "
                    f"(are pixels in [0, 1]? X max is {x_max:g}) or the initial weights.")
        else:
            hint = (f"The learning rate lr={fmt_lr(lr)} is too high for this model; try a lower "
                    f"one, e.g. lr={fmt_lr(lr / 10)}.")
        super().__init__(f"{where}. {hint}")


class Watch:
    """The divergence test of the module docstring, batch by batch, and its message."""

    def __init__(self, lr, batch_size, x_max, n_classes, history):
        self.lr, self.history, self.k, self.x_max = lr, history, n_classes, x_max
        self.window = -(-WINDOW_ROWS // batch_size)         # batches that hold >= 32 images
        self.recent, self.total = deque(), 0.0
        self.first = None
        self.limit = np.inf                 # until the first batch is seen

    def batch(self, epoch, b, ce, step):
        """Check one batch's cross-entropy; on divergence, sync the step and raise."""
        if self.first is None:
            self.first = ce
            if np.isfinite(ce):
                self.limit = BLOWUP * max(ce, np.log(self.k))
        if len(self.recent) == self.window:
            self.total -= self.recent.popleft()
        self.recent.append(ce)
        self.total += ce
        recent = self.total / len(self.recent) if self.window > 1 else ce
        if recent < self.limit:             # False for NaN and inf
            return
        step.sync()                         # the parameters as they are, for whoever looks
        raise self.diverged(epoch, b, ce if not np.isfinite(ce) else recent)

    def diverged(self, epoch, b, value):
        huge = not np.isfinite(self.first) or self.first > HUGE_START * np.log(self.k)
        return TrainingDiverged(epoch, b, self.lr, self.history, value,
                                cause="scaling" if huge else "lr", first=self.first,
                                x_max=self.x_max, n_classes=self.k)
