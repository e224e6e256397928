"""A warning at fit time when the columns are collinear (issue 14, item 15).

Without a penalty, columns with ``X~ @ u = 0`` on the weighted rows leave
the likelihood flat along ``u``: the fitted coefficients are one point of a
line of optima, and the Fisher information is singular along ``u``. The
record holds that information (computed at fit when the row-sample screen of
``fit_screen`` could not rule collinearity out), so the check is
the summary's own (``covariance.inverse_information``: the smallest
eigenvalue of the unit-diagonal information below ``SINGULAR_RCOND`` of the
largest), run once, with its message naming the relation. Separated data
also make the information singular; they have their own warning.
"""

from __future__ import annotations

import warnings

from ..exceptions import CollinearityWarning, SingularInformationError
from .covariance import cov_params
from .record import FitInference


def collinearity_message(record: FitInference) -> str:
    """The relation among the columns as a sentence, or ``""`` when the
    information is regular (or the data are separated)."""
    if record.separation:
        return ""
    try:
        cov_params(record)
    except SingularInformationError as error:
        return (
            f"Collinear columns: {error} The coefficients of the terms involved "
            "are not unique; summary() will raise SingularInformationError."
        )
    return ""


def warn_if_collinear(record: FitInference | None, stacklevel: int = 2) -> None:
    """Emit a ``CollinearityWarning`` for a record whose columns are
    collinear; nothing for None (penalised fits are identified)."""
    message = "" if record is None else collinearity_message(record)
    if message:
        warnings.warn(message, CollinearityWarning, stacklevel=stacklevel + 1)
