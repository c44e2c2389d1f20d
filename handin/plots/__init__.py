"""The book's static figures, in matplotlib, without pyplot state.

Every function takes the Axes to draw on (``ax=`` or ``axes=``) and returns them. The
modules: ``curves`` (learning curves: cost and accuracy per epoch, cost per batch),
``images`` (digits and first-layer weights as images), ``metrics`` (confusion matrix,
confidence histogram, class probabilities), and ``figure``: :func:`show`, a figure with
its caption, which is also its text alternative for a screen reader.
"""

from .figure import show
from .curves import cost_acc_axes, epoch_plots, plot_batch_costs, plot_history
from .images import show_digits, show_weights
from .metrics import plot_confidence, plot_confusion, probability_bars

__all__ = ["cost_acc_axes", "plot_history", "epoch_plots", "plot_batch_costs", "show_digits",
           "show_weights", "plot_confusion", "plot_confidence", "probability_bars", "show"]
