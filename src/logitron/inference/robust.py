"""Heteroscedasticity- and cluster-robust covariances of the estimates.

With ``V = inv(I)`` the inverse Fisher information (the "bread"), ``g_i`` the
score of observation ``i`` (see ``model_data``), ``s_i`` its frequency weight,
``n = sum(s)`` and ``k`` the number of identified parameters::

    HC0:  V @ (sum_i s_i g_i g_i^T) @ V
    HC1:  n / (n - k) * HC0
    HC2:  V @ (sum_i s_i g_i g_i^T / (1 - h_i)) @ V
    HC3:  V @ (sum_i s_i g_i g_i^T / (1 - h_i)**2) @ V
    cluster (G groups, c_g = sum_{i in g} s_i g_i):
          G / (G - 1) * (n - 1) / (n - k) * V @ (sum_g c_g c_g^T) @ V
    two-way (groups A, B; AB their intersections):
          cluster(A) + cluster(B) - cluster(AB), each with its own G

``h_i = p_i * (1 - p_i) * x~_i @ V @ x~_i`` is the leverage of the binary
model (the diagonal of the IRLS hat matrix). These are the conventions of R's
``sandwich``: ``vcovHC(fit, type="HC0".."HC3")`` and
``vcovCL(fit, cluster=g, type="HC1", cadjust=TRUE)`` (the latter also Stata's
``vce(cluster g)`` and statsmodels' ``cov_type="cluster"``); the two-way form
is Cameron, Gelbach & Miller (2011), as statsmodels' ``cov_cluster_2groups``.

``convention="statsmodels"`` gives statsmodels' numbers instead: its ``Logit``
and ``GLM`` return HC0 whatever HC type is asked for (clusters are the same
in both conventions). Frequency weights act as repeated rows throughout, so
a weight-2 row counts as two observations of leverage ``h_i`` each.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._numerics import FloatArray

HC_TYPES = ("HC0", "HC1", "HC2", "HC3")
COV_CHOICES = ("nonrobust", *HC_TYPES, "cluster")
CONVENTIONS = ("R", "statsmodels")


def check_cov_choice(cov_type: str, groups: Any, convention: str) -> None:
    """Refuse an unknown type or convention, or groups that do not fit."""
    if cov_type not in COV_CHOICES:
        raise ValueError(f"cov_type must be one of {COV_CHOICES}; got {cov_type!r}.")
    if convention not in CONVENTIONS:
        raise ValueError(
            f"convention must be one of {CONVENTIONS}; got {convention!r}."
        )
    if (cov_type == "cluster") != (groups is not None):
        raise ValueError(
            "groups are needed with cov_type='cluster' and only with it; got "
            f"cov_type={cov_type!r} and groups={'None' if groups is None else '...'}."
        )


def hc_covariance(
    bread: FloatArray,
    scores: FloatArray,
    weight: FloatArray,
    cov_type: str,
    leverage: FloatArray | None = None,
    convention: str = "R",
) -> FloatArray:
    """HC0..HC3 sandwich (module doc); ``leverage`` is needed for HC2/HC3."""
    if convention == "statsmodels":
        cov_type = "HC0"
    factor = np.asarray(weight, dtype=np.float64)
    if cov_type in ("HC2", "HC3"):
        if leverage is None:
            raise ValueError(f"{cov_type} needs the leverages of a binary model.")
        if np.any(leverage[weight > 0] >= 1.0):
            raise ValueError(
                f"{cov_type} is undefined: some observation has leverage 1."
            )
        power = 1 if cov_type == "HC2" else 2
        factor = factor / (1.0 - leverage) ** power
    meat = scores.T @ (factor[:, None] * scores)
    cov = _sandwich(bread, meat)
    if cov_type == "HC1":
        nobs, k = float(np.sum(weight)), len(bread)
        if nobs <= k:
            raise ValueError(
                f"HC1 needs more observations ({nobs:g}) than parameters ({k})."
            )
        cov *= nobs / (nobs - k)
    return cov


def cluster_covariance(
    bread: FloatArray, scores: FloatArray, weight: FloatArray, groups: Any
) -> FloatArray:
    """One- or two-way cluster-robust covariance (module doc).

    ``groups`` is one label per row, or a (n, 2) array / pair of label
    columns for two-way clustering.
    """
    columns = _group_columns(groups, len(weight))
    if len(columns) == 1:
        return _one_way(bread, scores, weight, columns[0])
    first, second = columns
    # Intersections coded densely: the factor G / (G - 1) counts non-empty ones.
    both = np.unique(first * (int(second.max()) + 1) + second, return_inverse=True)[1]
    return (
        _one_way(bread, scores, weight, first)
        + _one_way(bread, scores, weight, second)
        - _one_way(bread, scores, weight, both)
    )


def leverage_binary(
    design: FloatArray, proba: FloatArray, bread: FloatArray
) -> FloatArray:
    """``h_i = p_i (1 - p_i) x~_i @ V @ x~_i``, the IRLS hat-matrix diagonal."""
    quadratic = np.einsum("ij,jk,ik->i", design, bread, design)
    return proba * (1.0 - proba) * quadratic


def _one_way(
    bread: FloatArray, scores: FloatArray, weight: FloatArray, codes: np.ndarray
) -> FloatArray:
    n_groups = int(codes.max()) + 1
    if n_groups < 2:
        raise ValueError("Cluster-robust covariances need at least 2 clusters.")
    totals = np.zeros((n_groups, scores.shape[1]))
    np.add.at(totals, codes, weight[:, None] * scores)
    nobs, k = float(np.sum(weight)), len(bread)
    if nobs <= k:
        raise ValueError(
            f"Clustered covariances need more observations ({nobs:g}) than "
            f"parameters ({k})."
        )
    factor = n_groups / (n_groups - 1.0) * (nobs - 1.0) / (nobs - k)
    return factor * _sandwich(bread, totals.T @ totals)


def _group_columns(groups: Any, n: int) -> list[np.ndarray]:
    """Integer codes ``0..G-1`` per clustering dimension."""
    array = np.asarray(groups)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] != n or array.shape[1] not in (1, 2):
        raise ValueError(
            f"groups must hold one label per row ({n}), or two per row for two-way "
            f"clustering; got shape {np.asarray(groups).shape}."
        )
    codes = []
    for j in range(array.shape[1]):
        column = array[:, j]
        if column.dtype.kind == "f" and np.any(np.isnan(column)):
            raise ValueError("groups hold missing values (NaN).")
        codes.append(np.unique(column, return_inverse=True)[1].ravel())
    return codes


def _sandwich(bread: FloatArray, meat: FloatArray) -> FloatArray:
    cov = bread @ meat @ bread
    return 0.5 * (cov + cov.T)
