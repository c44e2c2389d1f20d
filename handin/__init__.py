"""handin: the two-layer ReLU network of the backprop coursebook, in small numpy functions.

>>> import handin
>>> params = handin.init_params(784, 256, 10, seed=0)
>>> sorted(params)
['W1', 'W2', 'b1', 'b2']
"""

from . import autodiff, experiment, hyperparameters, inits, layers, linear, threads
from ._validation import ParameterError, ParameterTypeError
from .data import Dataset, load, scale, train_val_split
from .gradcheck import gradient_check
from .model import (accuracy, backward, cost, cost_grad, forward, init_params, predict,
                    predict_proba, softmax)
from .hyperparameters import DEFAULTS
from .stability import largest_surviving_rate
from .train import History, Progress, TrainingDiverged, evaluate, fit, train_iter

__all__ = [
    "init_params", "forward", "backward", "cost", "cost_grad", "predict", "predict_proba",
    "accuracy", "softmax", "gradient_check", "fit", "train_iter", "evaluate", "History",
    "Progress", "TrainingDiverged", "load", "scale", "train_val_split", "Dataset",
    "experiment", "inits", "layers", "autodiff", "linear", "threads", "hyperparameters",
    "DEFAULTS", "ParameterError", "ParameterTypeError", "largest_surviving_rate",
]
__version__ = "0.1.0"
