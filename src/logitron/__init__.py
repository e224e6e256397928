"""logitron: logistic regression as a one-neuron network, from scratch in NumPy."""

from .estimator import LogisticRegression
from .exceptions import PerfectSeparationWarning, SingularInformationError
from .formula import logit
from .io import load, save

__version__ = "0.1.0"

__all__ = [
    "LogisticRegression",
    "PerfectSeparationWarning",
    "SingularInformationError",
    "__version__",
    "load",
    "logit",
    "save",
]
