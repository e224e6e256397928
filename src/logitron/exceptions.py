"""Warnings logitron raises besides scikit-learn's ``ConvergenceWarning``."""

from __future__ import annotations


class PerfectSeparationWarning(UserWarning):
    """The classes are perfectly separated and no finite maximum-likelihood
    estimate exists: without a penalty the coefficients grow without bound."""
