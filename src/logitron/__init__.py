"""logitron: logistic regression as a one-neuron network, from scratch in NumPy."""

from .cv import LogisticRegressionCV
from .estimator import LogisticRegression
from .exceptions import PerfectSeparationWarning

__version__ = "0.1.0"

__all__ = [
    "LogisticRegression",
    "LogisticRegressionCV",
    "PerfectSeparationWarning",
    "__version__",
]
