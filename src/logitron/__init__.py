"""logitron: logistic regression as a one-neuron network, from scratch in NumPy."""

from .cv import LogisticRegressionCV
from .estimator import LogisticRegression
from .exceptions import PerfectSeparationWarning, SingularInformationError
from .firth_estimator import FirthLogisticRegression
from .formula import logit
from .io import load, save

__version__ = "0.1.0"

__all__ = [
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
