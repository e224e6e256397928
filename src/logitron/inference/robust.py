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
import scipy.sparse

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
    design: FloatArray,
    residual: FloatArray,
    weight: FloatArray,
    cov_type: str,
    leverage: FloatArray | None = None,
    convention: str = "R",
) -> FloatArray:
    """HC0..HC3 sandwich (module doc) of the scores ``kron(residual[i],
    design[i])``; ``leverage`` is needed for HC2/HC3."""
    if convention == "statsmodels":
        cov_type = "HC0"
    meat = hc_meat(design, residual, weight, cov_type, leverage)
    return hc_from_meat(bread, meat, cov_type, float(np.sum(weight)))


def hc_meat(
    design: FloatArray,
    residual: FloatArray,
    weight: FloatArray,
    cov_type: str,
    leverage: FloatArray | None = None,
) -> FloatArray:
    """``sum_i f_i g_i g_i^T`` with ``f_i = s_i`` (HC0, HC1) or
    ``s_i / (1 - h_i)**power`` (HC2, HC3): a sum over rows, so the meat of
    row blocks adds up to the meat of all rows."""
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
    # Block (k, l) of sum_i f_i g_i g_i^T is X~.T @ diag(f * r_k * r_l) @ X~:
    # Gram products of the design, never the (n, m * q) score matrix.
    m, q = residual.shape[1], design.shape[1]
    meat = np.empty((m * q, m * q))
    for k in range(m):
        for l in range(k, m):  # noqa: E741
            middle = factor * residual[:, k] * residual[:, l]
            block = design.T @ (middle[:, None] * design)
            meat[k * q:(k + 1) * q, l * q:(l + 1) * q] = block
            meat[l * q:(l + 1) * q, k * q:(k + 1) * q] = block.T
    return meat


def hc_from_meat(
    bread: FloatArray, meat: FloatArray, cov_type: str, nobs: float
) -> FloatArray:
    """``bread @ meat @ bread``, times ``nobs / (nobs - k)`` for HC1."""
    cov = _sandwich(bread, meat)
    if cov_type == "HC1":
        n_params = len(bread)
        if nobs <= n_params:
            raise ValueError(
                f"HC1 needs more observations ({nobs:g}) than parameters ({n_params})."
            )
        cov *= nobs / (nobs - n_params)
    return cov


def cluster_covariance(
    bread: FloatArray,
    design: FloatArray,
    residual: FloatArray,
    weight: FloatArray,
    groups: Any,
) -> FloatArray:
    """One- or two-way cluster-robust covariance (module doc) of the scores
    ``kron(residual[i], design[i])``.

    ``groups`` is one label per row, or a (n, 2) array / pair of label
    columns for two-way clustering.
    """
    columns = _group_columns(groups, len(weight))
    parts = (bread, design, residual, weight)
    if len(columns) == 1:
        return _one_way(*parts, columns[0])
    first, second = columns
    # Intersections coded densely: the factor G / (G - 1) counts non-empty ones.
    both = _dense_codes(first * (int(second.max()) + 1) + second)
    return _one_way(*parts, first) + _one_way(*parts, second) - _one_way(*parts, both)


def leverage_binary(
    design: FloatArray, proba: FloatArray, bread: FloatArray
) -> FloatArray:
    """``h_i = p_i (1 - p_i) x~_i @ V @ x~_i``, the IRLS hat-matrix diagonal."""
    quadratic = np.einsum("ij,jk,ik->i", design, bread, design)
    return proba * (1.0 - proba) * quadratic


def _one_way(
    bread: FloatArray, design: FloatArray, residual: FloatArray, weight: FloatArray,
    codes: np.ndarray,
) -> FloatArray:
    totals = cluster_totals(design, residual, weight, codes, int(codes.max()) + 1)
    return cluster_from_totals(bread, totals, float(np.sum(weight)))


def cluster_totals(
    design: FloatArray, residual: FloatArray, weight: FloatArray,
    codes: np.ndarray, n_groups: int,
) -> FloatArray:
    """``(G, m * q)`` cluster score sums ``c_g = sum_{i in g} s_i r_ik x~_i``
    of the rows labelled ``codes`` (``0..n_groups-1``), output by output."""
    # One sparse (G x n) by dense (n x q) product per output: a single pass
    # over the design. Column i of the indicator holds one entry, in row
    # codes[i]: a CSC matrix built without sorting.
    pointers = np.arange(len(codes) + 1)
    return np.hstack([
        scipy.sparse.csc_matrix(
            (weight * residual[:, k], codes, pointers), shape=(n_groups, len(codes))
        ) @ design
        for k in range(residual.shape[1])
    ])


def cluster_from_totals(
    bread: FloatArray, totals: FloatArray, nobs: float
) -> FloatArray:
    """One-way cluster-robust covariance from the ``(G, m * q)`` cluster score
    sums and the weighted number of observations (module doc)."""
    n_groups, n_params = len(totals), len(bread)
    if n_groups < 2:
        raise ValueError("Cluster-robust covariances need at least 2 clusters.")
    if nobs <= n_params:
        raise ValueError(
            f"Clustered covariances need more observations ({nobs:g}) than "
            f"parameters ({n_params})."
        )
    factor = n_groups / (n_groups - 1.0) * (nobs - 1.0) / (nobs - n_params)
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
        codes.append(_dense_codes(column))
    return codes


def _dense_codes(labels: np.ndarray) -> np.ndarray:
    """Labels as codes ``0..G-1``; integer labels of a modest range without
    the sort of ``np.unique`` (one pass instead of n log n)."""
    if labels.dtype.kind in "iub" and len(labels):
        low = int(labels.min())
        span = int(labels.max()) - low + 1
        if span <= 4 * len(labels):
            shifted = labels.astype(np.intp) - low
            present = np.bincount(shifted, minlength=span) > 0
            return (np.cumsum(present) - 1)[shifted]
    return np.unique(labels, return_inverse=True)[1].ravel()


def _sandwich(bread: FloatArray, meat: FloatArray) -> FloatArray:
    cov = bread @ meat @ bread
    return 0.5 * (cov + cov.T)
