"""While a self-check runs a student's function, handin's own version of it is off limits.

:func:`watch` swaps the named functions of :mod:`handin.model` (``"backward"``) or of
:mod:`handin.metrics`, :mod:`handin.train`, :mod:`handin.linear`, :mod:`handin.layers` and
:mod:`handin.inits` (``"metrics.confusion_matrix"``), wherever the student's code can
reach them (``handin.X``, ``handin.model.X`` and the student's own globals, e.g. after
``from handin import backward``), for wrappers that note the call and then do the work.
The check then fails the part with "my_backward calls handin.backward: write it
yourself" even if the student's code caught an exception or returned the right numbers.
The self-check's own reference calls happen outside the ``with`` block, so they are free.
"""

from __future__ import annotations

import contextlib
import functools

from .. import inits, layers, linear, metrics, model, train
from ..draw import preprocess

#: handin's code that computes a gradient or trains: with it any graded gradient comes free
#: (``model.backward`` of a crafted cache gives a linear layer's gradient, one step of ``fit``
#: with ``lr=1`` gives the gradient as a difference, ``gradcheck`` differentiates any cost).
#: A name is ``module.function``, ``module.Class.method``, or a whole ``module``.
ENGINES = ("model.backward", "model.cost_grad", "layers.Linear.backward", "layers.ReLU.backward",
           "layers.SoftmaxCrossEntropy.backward", "layers.SoftmaxSquaredError.backward",
           "layers.Sequential.backward", "layers.Sequential.cost_grad", "layers.gradient_check",
           "layers.check_layer", "layers.sgd", "autodiff", "sgd_step", "gradcheck", "stability",
           "train.fit", "train.train_iter", "train._train_gen", "experiment.run",
           "linear.cost_grad", "linear._ce_grad", "linear.fit")
_COSTS = ("model.cost", "model._cost_from", "model.cross_entropy", "model.weight_decay",
          "linear.cost", "linear.evaluate", "layers.Sequential.cost",
          "layers.SoftmaxCrossEntropy.forward", "train.evaluate")
_FORWARD = ("model.forward", "model.predict_proba", "model.predict", "model.accuracy",
            "layers.Sequential.forward", "layers.Sequential.predict", "train.evaluate")

#: For each graded self-check, handin's code that computes its answer. While the course is
#: graded, the sandbox's copy of handin has these switched off (:mod:`handin.course.build`)
#: for every check of the chapter, so no route to them (an alias, a default argument, a
#: closure, a copy of the code object) reaches working code.
FORBID = {
    "check_softmax_loss": ("model.log_softmax", *_COSTS, *ENGINES),
    "check_forward": (*_FORWARD, *_COSTS, *ENGINES),
    "check_cost": (*_COSTS, *ENGINES),
    "check_backward": ENGINES,
    "check_epoch": ("train.fit", "train.train_iter", "train._train_gen", "sgd_step", "layers.sgd",
                    "linear.fit", "stability", "experiment.run"),
    "check_target": (),
    "check_confusion_matrix": ("metrics.confusion_matrix",),
    "check_confident_mistakes": ("metrics.confident_mistakes",),
    "check_linear_cost_grad": (*_COSTS, *ENGINES),
    "check_he_init": ("model.init_params", "layers.init_params", "layers.network",
                      "inits.normal_init"),
    "check_dead_units": ("metrics.dead_units",),
    "check_centring_shift": ("draw.preprocess.centring_shift",),
    "check_affine_forward": (*_FORWARD, *ENGINES, "layers.Linear.forward"),
    "check_affine_backward": ENGINES,
    "check_relu_forward": (*_FORWARD, *ENGINES, "layers.ReLU.forward"),
    "check_relu_backward": ENGINES,
    "check_softmax_head": ("model.log_softmax", *_COSTS, *ENGINES),
    "check_cost_grad": (*_FORWARD, *_COSTS, *ENGINES, "layers.Linear.forward",
                        "layers.ReLU.forward"),
    "check_local_derivatives": ENGINES,
    "check_backprop": ENGINES,
}

_MODULES = {"model": model, "metrics": metrics, "train": train, "linear": linear,
            "layers": layers, "inits": inits,
            "draw.preprocess": preprocess}
_TOP_LEVEL = {"forward", "backward", "cost", "cost_grad", "softmax", "predict_proba", "fit",
              "train_iter", "init_params"}


def _split(name):
    module, _, short = name.rpartition(".")
    return _MODULES[module or "model"], short


def public_name(name):
    """How a student reaches ``name``: ``handin.backward``, ``handin.fit``,
    ``handin.model.log_softmax`` or ``handin.metrics.confusion_matrix``."""
    module, _, short = name.rpartition(".")
    if short in _TOP_LEVEL and module in ("", "model", "train"):
        return f"handin.{short}"
    return f"handin.{module or 'model'}.{short}"


@contextlib.contextmanager
def watch(fn, names):
    """Within the block, calls to the functions named in ``names`` are noted.

    Yields the list of the names called, in order (``fn`` itself counts when it *is* one of
    them: ``my_backward = handin.backward``). Everything is put back on exit.
    """
    import handin

    originals = {getattr(module, short): name for name in names
                 for module, short in [_split(name)]}
    called = [originals[fn]] if fn in originals else []
    wires = {}
    for original, name in originals.items():
        @functools.wraps(original)
        def wire(*args, _original=original, _name=name, **kwargs):
            called.append(_name)
            return _original(*args, **kwargs)
        wires[original] = wire
    spaces = [*(vars(m) for m in _MODULES.values()), vars(handin),
              getattr(fn, "__globals__", {})]
    swapped = [(space, key, value) for space in spaces for key, value in list(space.items())
               if _is_original(value, originals)]
    try:
        for space, key, value in swapped:
            space[key] = wires[value]
        yield called
    finally:
        for space, key, value in swapped:
            space[key] = value


def _is_original(value, originals):
    try:
        return value in originals
    except TypeError:   # an unhashable value (an array, a dict) is no function of ours
        return False
