"""Model checking for the binary model: residuals, influence, calibration.

With ``p`` the fitted probabilities, ``y`` in {0, 1}, ``h`` the leverages
(``robust.leverage_binary``) and ``k`` the number of parameters::

    response  = y - p
    pearson   = (y - p) / sqrt(p * (1 - p))
    deviance  = sign(y - p) * sqrt(-2 * (y * log(p) + (1 - y) * log(1 - p)))
    cooks     = pearson**2 * h / (k * (1 - h)**2)

as R's ``residuals.glm(type=...)``, ``hatvalues`` and ``cooks.distance``
(dispersion 1), and statsmodels' ``GLM(...).get_influence()``. Residuals are
per row; frequency weights are not folded in (a weight-2 row is two equal
observations with the same residual).

Hosmer-Lemeshow test (Hosmer & Lemeshow 2013, *Applied Logistic Regression*,
3rd ed., section 5.2.2), in the form of R's ``ResourceSelection::hoslem.test``:
the rows are cut at the ``g``-quantiles of ``p`` (R's default, linear
interpolation; repeated breaks merged; intervals closed on the right, the
first also on the left), and over the ``G`` groups::

    chi2 = sum over groups and y in {0, 1} of (observed - expected)**2 / expected
    df   = G - 2
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.special
import scipy.stats

from .._numerics import FloatArray

RESIDUALS = ("response", "pearson", "deviance")


@dataclass(frozen=True)
class HosmerLemeshow:
    """The test's statistic, degrees of freedom, p-value and its table.

    ``observed`` and ``expected`` have one row per group and the columns
    ``(y = 0, y = 1)``.
    """

    statistic: float
    df: int
    pvalue: float
    observed: FloatArray
    expected: FloatArray

    def __str__(self) -> str:
        return (
            f"Hosmer-Lemeshow chi2({self.df}) = {self.statistic:.6g}, "
            f"p-value = {self.pvalue:.4g}"
        )


def residuals(y: FloatArray, proba: FloatArray, kind: str = "deviance") -> FloatArray:
    """Response, Pearson or deviance residuals (module doc)."""
    if kind not in RESIDUALS:
        raise ValueError(f"kind must be one of {RESIDUALS}; got {kind!r}.")
    difference = y - proba
    if kind == "response":
        return difference
    if kind == "pearson":
        return difference / np.sqrt(proba * (1.0 - proba))
    # -log p and -log(1 - p) from eta = logit(p) keep full precision near 0, 1.
    eta = scipy.special.logit(proba)
    unit_deviance = 2.0 * np.where(y > 0, np.logaddexp(0.0, -eta),
                                   np.logaddexp(0.0, eta))
    return np.sign(difference) * np.sqrt(unit_deviance)


def cooks_distance(
    pearson: FloatArray, leverage: FloatArray, n_params: int
) -> FloatArray:
    """``pearson**2 * h / (k * (1 - h)**2)`` (module doc)."""
    return pearson**2 * leverage / (n_params * (1.0 - leverage) ** 2)


def hosmer_lemeshow(y: FloatArray, proba: FloatArray, groups: int = 10) -> HosmerLemeshow:
    """The Hosmer-Lemeshow test over ``groups`` quantile groups (module doc)."""
    if int(groups) != groups or groups < 3:
        raise ValueError(f"groups must be an integer of at least 3; got {groups!r}.")
    breaks = np.unique(np.quantile(proba, np.linspace(0.0, 1.0, int(groups) + 1)))
    if len(breaks) < 3:
        raise ValueError(
            "The fitted probabilities take too few distinct values for "
            "Hosmer-Lemeshow groups (fewer than 2 groups)."
        )
    # Right-closed intervals, the lowest break inside the first one.
    bins = np.clip(np.searchsorted(breaks, proba, side="left"), 1, len(breaks) - 1) - 1
    n_bins = len(breaks) - 1
    ones = np.bincount(bins, weights=y, minlength=n_bins)
    rows = np.bincount(bins, minlength=n_bins).astype(np.float64)
    expected_ones = np.bincount(bins, weights=proba, minlength=n_bins)
    filled = rows > 0
    observed = np.column_stack([rows - ones, ones])[filled]
    expected = np.column_stack([rows - expected_ones, expected_ones])[filled]
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    df = int(np.count_nonzero(filled)) - 2
    if df < 1:
        raise ValueError("Hosmer-Lemeshow needs at least 3 non-empty groups.")
    return HosmerLemeshow(
        statistic, df, float(scipy.stats.chi2.sf(statistic, df)), observed, expected
    )
