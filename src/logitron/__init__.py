"""logitron: logistic regression as a one-neuron network, from scratch in NumPy."""

from .estimator import LogisticRegression
from .exceptions import PerfectSeparationWarning
from .io import load, save

__version__ = "0.1.0"

__all__ = ["LogisticRegression", "PerfectSeparationWarning", "__version__", "load", "save"]
