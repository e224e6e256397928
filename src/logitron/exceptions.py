"""Warnings and errors logitron raises besides scikit-learn's ``ConvergenceWarning``."""

from __future__ import annotations

import numpy as np


class PerfectSeparationWarning(UserWarning):
    """The classes are separated (completely or quasi-completely) and no finite
    maximum-likelihood estimate exists: without a penalty some coefficients
    grow without bound."""


class SingularInformationError(np.linalg.LinAlgError):
    """The Fisher information matrix is singular (collinear columns, or a
    separation), so standard errors do not exist; the message names the terms."""


class CollinearityWarning(UserWarning):
    """Columns of ``X`` are linearly dependent on the rows with non-zero
    weight, so an unpenalised fit cannot tell their coefficients apart (the
    optimum is not unique); ``summary()`` then raises
    ``SingularInformationError``. The message names the relation."""
