"""logitron: logistic regression as a one-neuron network, from scratch in NumPy."""

from ._version import __version__
from .cv import LogisticRegressionCV
from .estimator import LogisticRegression
from .exceptions import (
    CollinearityWarning,
    PerfectSeparationWarning,
    SingularInformationError,
)
from .firth_estimator import FirthLogisticRegression
from .formula import logit
from .io import load, save

__all__ = [
    "CollinearityWarning",
    "FirthLogisticRegression",
    "LogisticRegression",
    "LogisticRegressionCV",
    "PerfectSeparationWarning",
    "SingularInformationError",
    "__version__",
    "load",
    "logit",
    "save",
]
