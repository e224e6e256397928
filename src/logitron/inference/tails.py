"""Tail probabilities and quantiles of the normal and chi-squared laws.

The values of ``scipy.stats.norm.sf``, ``norm.isf`` and ``chi2.sf``, from
the ``scipy.special`` functions those call (``ndtr``, ``ndtri``,
``chdtrc``): the distribution objects spend 30 to 45 us a call checking
arguments, a tenth of a small model's whole ``summary()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.special


def two_sided_normal_pvalues(zvalues: Any) -> Any:
    """``P(|Z| >= |z|)`` for standard normal ``Z``: ``2 * norm.sf(|z|)``."""
    return 2.0 * scipy.special.ndtr(-np.abs(zvalues))


def normal_upper_quantile(q: Any) -> Any:
    """The ``z`` with ``P(Z > z) = q``: ``norm.isf(q)`` (``1.96`` for 0.025)."""
    return -scipy.special.ndtri(q)


def chi2_upper_tail(statistic: float, df: int) -> float:
    """``P(X >= statistic)`` for ``X`` chi-squared with ``df > 0`` degrees of
    freedom: ``chi2.sf``. A statistic rounded below zero (a likelihood ratio
    of two equal fits) gives 1, as ``chi2.sf`` does; NaN gives NaN."""
    if df <= 0:
        raise ValueError(f"chi-squared degrees of freedom must be positive; got {df!r}.")
    return float(scipy.special.chdtrc(df, np.maximum(statistic, 0.0)))
