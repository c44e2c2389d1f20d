"""The exercise's hyperparameters: their defaults and allowed ranges, defined once.

Everything that takes a hyperparameter (:func:`handin.fit`, :func:`handin.train_iter`,
:mod:`handin.experiment`, the command line and the explorer) imports its default from
:data:`DEFAULTS` and checks it with :func:`check`, so the ranges that the error messages,
``--help`` and docs/cli.md state are one and the same.

>>> DEFAULTS.hidden, DEFAULTS.lr, DEFAULTS.c, DEFAULTS.batch_size
(256, 0.1, 0.0001, 32)
>>> check("lr", 0.5)
0.5
>>> RANGES["lr"].text
'a float in the range (0.0, inf)'
>>> check("hidden", 0)
Traceback (most recent call last):
    ...
handin.ParameterError: hidden must be an int in the range [1, 65536], got 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ._validation import _TYPE_NAMES, _range_text, check_scalar

__all__ = ["Hyperparameters", "DEFAULTS", "Range", "RANGES", "check", "fmt_lr", "fmt_c"]


@dataclass(frozen=True)
class Hyperparameters:
    """A set of hyperparameters; :data:`DEFAULTS` holds the exercise's."""

    hidden: int = 256           # hidden units
    lr: float = 0.1             # learning rate
    c: float = 1e-4             # weight decay: cost = mean cross-entropy + c (|W1|^2 + |W2|^2)
    batch_size: int = 32
    epochs: int = 10
    seed: int = 0               # seeds initialisation, split and shuffling

    def as_dict(self):
        return asdict(self)


#: The exercise's values (its report: hidden 256, batch 32, lr 0.1, c 1e-4).
DEFAULTS = Hyperparameters()


@dataclass(frozen=True)
class Range:
    """The values a hyperparameter may take: ``kind`` in [low, high] (open at ``low``
    when ``low_open``); ``None`` for no bound."""

    kind: type
    low: float | None = None
    high: float | None = None
    low_open: bool = False

    @property
    def text(self):
        """``'an int in the range [1, 65536]'``: the words of the error messages."""
        return f"{_TYPE_NAMES[self.kind]} in the range " \
               f"{_range_text(self.low, self.high, not self.low_open, True)}"

    def check(self, value, name, *, high=None):
        """Return ``value`` as ``kind``; raise ParameterError naming ``name`` if it is out of
        range. ``high`` tightens the upper bound (e.g. a batch no larger than the data)."""
        if high is None:
            high = self.high
        elif self.high is not None:
            high = min(high, self.high)
        return check_scalar(value, name, self.kind, min_val=self.low, max_val=high,
                            include_min=not self.low_open)


#: Allowed values of each hyperparameter.
RANGES = {
    "hidden": Range(int, 1, 65536),
    "lr": Range(float, 0.0, None, low_open=True),
    "c": Range(float, 0.0),
    "batch_size": Range(int, 1),
    "epochs": Range(int, 1, 100_000),
    "seed": Range(int, 0, 2 ** 63 - 1),
}


def check(name, value, *, high=None):
    """Check hyperparameter ``name`` against :data:`RANGES`; return it as an int or float."""
    return RANGES[name].check(value, name, high=high)


def fmt_lr(lr):
    """A learning rate as every label shows it: three significant digits, no trailing zeros
    (what the explorer's slider reads, d3's ``.3~g``).

    >>> fmt_lr(7.943282347242816), fmt_lr(0.002), fmt_lr(10.0), fmt_lr(0.7943282347)
    ('7.94', '0.002', '10', '0.794')
    >>> fmt_lr(1000.0), fmt_lr(12345.0)                   # beyond the slider: no exponent
    ('1000', '12300')
    """
    return f"{float(f'{lr:.3g}'):g}"


def fmt_c(c):
    """A weight decay as every label shows it: ``1e-4``, 0 as ``0``.

    >>> fmt_c(1e-4), fmt_c(0.0), fmt_c(0.1)
    ('1e-4', '0', '1e-1')
    """
    return "0" if c == 0 else f"{c:.0e}".replace("e-0", "e-").replace("e+0", "e")
