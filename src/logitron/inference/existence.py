"""Which terms have a maximum-likelihood estimate to make inference on.

When the data are separated (``record.separation``, see ``separation``) the
maximum-likelihood estimate does not exist: the solver stopped somewhere
along a path on which the likelihood keeps rising, and the information
there measures that stopping point, not an estimate. A Wald statistic for
a term whose estimate does not exist means nothing (a robust standard error
at such a point can be tiny and give p = 1e-246), so the summary shows
those terms' standard error, z, p-value and interval as not available.

When the record says which estimates are infinite (``record.infinite``,
from ``infinite``: the direction of each coefficient that diverges, as R's
detectseparation reports it), only those terms are marked: the others
converge along the solver's path, as in R's output for such data. Without
that diagnosis every term is marked when the data are separated.
"""

from __future__ import annotations

import numpy as np

from .record import FitInference

#: What the summary prints in place of a statistic that does not exist.
NOT_AVAILABLE = "n/a"


def available_terms(record: FitInference, n_params: int) -> np.ndarray:
    """Boolean mask over the summary's ``n_params`` parameters: True where
    the Wald statistics of the term are meaningful."""
    if record.separation and len(record.infinite) == n_params:
        return np.array([label == "" for label in record.infinite], dtype=bool)
    return np.full(n_params, not record.separation, dtype=bool)


def mask_statistics(
    available: np.ndarray, *arrays: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Copies of ``arrays`` (rows indexed like ``available``) with NaN in the
    rows of unavailable terms."""
    masked = []
    for array in arrays:
        copy = np.array(array, dtype=np.float64, copy=True)
        copy[~available] = np.nan
        masked.append(copy)
    return tuple(masked)


def note(available: np.ndarray) -> str:
    """The line the summary prints above its table, or ``""``."""
    if np.all(available):
        return ""
    return (
        "The maximum-likelihood estimate does not exist (the data are separated; "
        f"see below): std err, z, P>|z| and the interval are {NOT_AVAILABLE} for "
        "the affected terms, whose coef is only where the solver stopped."
    )
