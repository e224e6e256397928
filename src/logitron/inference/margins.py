"""Marginal effects with delta-method standard errors.

For the binary model ``p = sigmoid(x~ @ b)`` and a continuous column ``j``::

    dydx = p * (1 - p) * b[j]                 # dp / dx_j
    eydx = (1 - p) * b[j]                     # dlog(p) / dx_j
    dyex = dydx * x_j,   eyex = eydx * x_j    # per unit of log(x_j)

A dummy column (0/1 values) gets the discrete change
``p(x_j = 1) - p(x_j = 0)`` (``log`` of both for ``eydx``) and a count column
``(p(x_j + 1) - p(x_j - 1)) / 2``. The effects are evaluated on every row
and averaged (``at="overall"``, the average marginal effect), or evaluated
once at the column means, medians or zeros (``"mean"``, ``"median"``,
``"zero"``), or returned per row (``"all"``, without standard errors).
``at_values={"x2": 1.0}`` fixes columns first, as statsmodels' ``atexog``.

The standard errors follow the delta method, ``J @ V @ J.T`` with ``J`` the
Jacobian of the effects in the parameters. For the binary model ``J`` is in
closed form, e.g. for the average ``dydx`` with averaging weights ``a``::

    J[j] = sum(a * f) * e_j + b[j] * X~.T @ (a * f * (1 - 2 * p)),  f = p * (1 - p)

For a softmax model, ``dp_k / dx = p_k * (B_k - sum_l p_l * B_l)`` for every
class ``k`` (the reference's coefficients zero), and ``J`` is taken by the
complex step ``imag(effects(b + i * h * e_l)) / h``, exact to rounding
(Squire & Trapp 1998), which is what statsmodels does too. The options and
their conventions are those of statsmodels' ``get_margeff`` (and Stata's
``margins, dydx(*)``); frequency weights weight the average and the means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special

from .._numerics import FloatArray
from .tails import normal_upper_quantile, two_sided_normal_pvalues

AT = ("overall", "mean", "median", "zero", "all")
METHODS = ("dydx", "eyex", "dyex", "eydx")


@dataclass(frozen=True)
class MarginalEffects:
    """Effects per column (and per class for a softmax model).

    ``margeff`` has shape (k,) for a binary model and (k, K) for a softmax
    model (one column per class, in ``class_names`` order); with
    ``at="all"`` a leading row axis is added and ``se`` is None.
    """

    names: list[str]
    class_names: list[str]
    margeff: FloatArray
    se: FloatArray | None
    at: str
    method: str
    alpha: float = 0.05

    @property
    def zvalues(self) -> FloatArray:
        return self.margeff / self._se()

    @property
    def pvalues(self) -> FloatArray:
        return two_sided_normal_pvalues(self.zvalues)

    def conf_int(self) -> FloatArray:
        """Wald limits, shape ``margeff.shape + (2,)``."""
        quantile = normal_upper_quantile(self.alpha / 2.0)
        se = self._se()
        return np.stack([self.margeff - quantile * se, self.margeff + quantile * se], -1)

    def summary_frame(self) -> Any:
        """statsmodels' columns: the effect, ``Std. Err., z, Pr(>|z|)`` and the
        interval; a (class, column) index for a softmax model."""
        import pandas as pd

        interval = self.conf_int()
        index: Any = self.names
        if self.margeff.ndim == 2:
            index = pd.MultiIndex.from_product([self.class_names, self.names])
            interval = interval.transpose(1, 0, 2)
        interval = interval.reshape(-1, 2)
        return pd.DataFrame(
            {
                self.method: self.margeff.T.ravel(), "Std. Err.": self._se().T.ravel(),
                "z": self.zvalues.T.ravel(), "Pr(>|z|)": self.pvalues.T.ravel(),
                "Conf. Int. Low": interval[:, 0], "Conf. Int. Hi.": interval[:, 1],
            },
            index=index,
        )

    def _se(self) -> FloatArray:
        if self.se is None:
            raise ValueError("at='all' gives effects per row, without inference.")
        return self.se


def marginal_effects(
    design: FloatArray,
    weight: FloatArray,
    params: FloatArray,
    cov: FloatArray,
    columns: list[int],
    *,
    at: str = "overall",
    method: str = "dydx",
    dummy: list[int] | None = None,
    count: list[int] | None = None,
    at_values: dict[int, float] | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """Effects of ``columns`` of ``design`` and their delta-method
    covariance (module doc); ``params`` is (m, q)."""
    if at not in AT or method not in METHODS:
        raise ValueError(f"at must be one of {AT} and method one of {METHODS}.")
    dummy, count = dummy or [], count or []
    if (dummy or count) and (method in ("dyex", "eyex") or at in ("median", "zero")):
        raise ValueError(
            f"Discrete changes (dummy, count) are not defined with method={method!r} "
            f"or at={at!r}: use dydx or eydx, at overall or mean."
        )
    points, averaging = _points(design, weight, at, at_values)
    kinds = effect_kinds(columns, dummy, count)
    if at == "all":
        return per_row_effects(points, params, columns, kinds, method), None
    assert averaging is not None
    effects, jacobian = averaged_effects(points, averaging, params, columns, kinds, method)
    return effects, jacobian @ cov @ jacobian.T


def effect_kinds(columns: list[int], dummy: list[int], count: list[int]) -> list[str]:
    """``"dummy"``, ``"count"`` or ``"slope"`` per column of ``columns``."""
    return ["dummy" if j in dummy else "count" if j in count else "slope"
            for j in columns]


def averaged_effects(
    points: FloatArray, averaging: FloatArray, params: FloatArray,
    columns: list[int], kinds: list[str], method: str,
) -> tuple[FloatArray, FloatArray]:
    """``sum_i a_i * effect(points[i])`` and its Jacobian in the parameters.

    Both are linear in the averaging weights ``a``, so over row blocks with
    ``a_i = s_i / sum(s)`` they are sums of the blocks' parts (the Dask
    statistics add them up).
    """
    if params.shape[0] == 1:
        effects, jacobian = _binary(points, averaging, params[0], columns, kinds,
                                    method, False)
    else:
        effects, jacobian = _softmax(points, averaging, params, columns, kinds,
                                     method, False)
    assert jacobian is not None
    return effects, jacobian


def per_row_effects(
    points: FloatArray, params: FloatArray, columns: list[int], kinds: list[str],
    method: str,
) -> FloatArray:
    """The effect at every row of ``points`` (``at="all"``), no inference."""
    if params.shape[0] == 1:
        return _binary(points, None, params[0], columns, kinds, method, True)[0]
    return _softmax(points, None, params, columns, kinds, method, True)[0]


def _points(
    design: FloatArray, weight: FloatArray, at: str, at_values: dict[int, float] | None
) -> tuple[FloatArray, FloatArray | None]:
    """Rows where effects are evaluated and the averaging weights (None: per row)."""
    points = design.copy() if at_values else design
    for column, value in (at_values or {}).items():
        points[:, column] = value
    share = weight / np.sum(weight)
    if at == "overall":
        return points, share
    if at == "all":
        return points, None
    if at == "mean":
        row = share @ points
    elif at == "median":
        if not np.all(weight == weight[0]):
            raise ValueError("at='median' is not defined here with unequal weights.")
        row = np.median(points, axis=0)
    else:
        row = np.where(np.all(design == 1.0, axis=0), 1.0, 0.0)
    return row[None, :], np.ones(1)


def _binary(
    points: FloatArray, averaging: FloatArray | None, coef: FloatArray,
    columns: list[int], kinds: list[str], method: str, per_row: bool,
) -> tuple[FloatArray, FloatArray | None]:
    """Closed-form effects and Jacobian of the binary model (module doc)."""
    proba = scipy.special.expit(points @ coef)
    density = proba * (1.0 - proba)
    log_scale = method.startswith("ey")
    # g: the derivative of p (or log p) in eta; slope: that of g in eta.
    g = (1.0 - proba) if log_scale else density
    slope = -density if log_scale else density * (1.0 - 2.0 * proba)
    per_unit = method.endswith("ex")
    slopes = [j for j, kind in zip(columns, kinds, strict=True) if kind == "slope"]
    if per_row:
        effects = np.empty((len(points), len(columns)))
        where = [c for c, kind in enumerate(kinds) if kind == "slope"]
        factor = points[:, slopes] if per_unit else 1.0
        effects[:, where] = g[:, None] * coef[slopes] * factor
        for c, j in enumerate(columns):
            if kinds[c] != "slope":
                effects[:, c] = _change(points, coef, j, kinds[c], log_scale, None)[0]
        return effects, None
    a = np.ones(len(points)) if averaging is None else averaging
    # One pass over the rows serves every slope column: X~.T @ (a * slope),
    # or with the x_j factor of the "ex" methods, the Gram matrix
    # X~.T @ diag(a * slope) @ X~ (its column j is X~.T @ (a * slope * x_j)).
    cross: Any
    if per_unit:
        cross = points.T @ ((a * slope)[:, None] * points)
        level = points.T @ (a * g)           # sum(a * g * x_j) for every j
    else:
        cross = points.T @ (a * slope)
        level = np.full(len(coef), np.dot(a, g))
    average = np.empty(len(columns))
    jacobian = np.zeros((len(columns), len(coef)))
    for c, j in enumerate(columns):
        if kinds[c] == "slope":
            average[c] = coef[j] * level[j]
            jacobian[c] = coef[j] * (cross[:, j] if per_unit else cross)
            jacobian[c, j] += level[j]
        else:
            average[c], jacobian[c] = _change(points, coef, j, kinds[c], log_scale, a)
    return average, jacobian


def _change(
    points: FloatArray, coef: FloatArray, j: int, kind: str, log_scale: bool,
    a: FloatArray | None,
) -> tuple[Any, FloatArray]:
    """Discrete change of column ``j`` (0 -> 1, or x - 1 -> x + 1 halved): per
    row when ``a`` is None, else averaged with its Jacobian."""
    low, high = points.copy(), points.copy()
    if kind == "dummy":
        low[:, j], high[:, j], half = 0.0, 1.0, 1.0
    else:
        low[:, j] -= 1.0
        high[:, j] += 1.0
        half = 0.5
    p_low, p_high = (scipy.special.expit(rows @ coef) for rows in (low, high))
    if log_scale:
        change = half * (np.log(p_high) - np.log(p_low))
        k_low, k_high = 1.0 - p_low, 1.0 - p_high
    else:
        change = half * (p_high - p_low)
        k_low, k_high = p_low * (1.0 - p_low), p_high * (1.0 - p_high)
    if a is None:
        return change, np.empty(0)
    row = half * (high.T @ (a * k_high) - low.T @ (a * k_low))
    return float(np.dot(a, change)), row


def _softmax(
    points: FloatArray, averaging: FloatArray | None, params: FloatArray,
    columns: list[int], kinds: list[str], method: str, per_row: bool,
) -> tuple[FloatArray, FloatArray | None]:
    """Effects (k, K) of a softmax model; Jacobian by the complex step."""
    if per_row:
        return _softmax_effects(points, params, columns, kinds, method), None
    a = averaging if averaging is not None else np.ones(len(points))

    def average(flat: Any) -> Any:
        rows = _softmax_effects(points, flat.reshape(params.shape), columns, kinds,
                                method)
        return np.tensordot(a, rows, axes=1)

    step = 1e-20
    base = average(params.ravel().astype(np.float64))
    jacobian = np.empty((base.size, params.size))
    for index in range(params.size):
        shifted = params.ravel().astype(np.complex128)
        shifted[index] += 1j * step
        # Order (class, column) so the flat index is class * k + column.
        jacobian[:, index] = average(shifted).T.ravel().imag / step
    return base, jacobian


def _softmax_effects(
    points: FloatArray, params: Any, columns: list[int], kinds: list[str], method: str
) -> Any:
    """Per-row effects (n, k, K); complex-safe for the complex step."""
    coef = np.vstack([np.zeros((1, params.shape[1]), dtype=params.dtype), params])

    def proba(rows: FloatArray) -> Any:
        eta = rows @ coef.T
        eta = eta - np.max(eta.real, axis=1, keepdims=True)
        exp = np.exp(eta)
        return exp / np.sum(exp, axis=1, keepdims=True)

    p = proba(points)
    mean_coef = p @ coef
    log_scale = method.startswith("ey")
    out = np.empty((len(points), len(columns), coef.shape[0]), dtype=p.dtype)
    for c, j in enumerate(columns):
        if kinds[c] == "slope":
            effect = p * (coef[:, j][None, :] - mean_coef[:, j][:, None])
            if log_scale:
                effect = effect / p
            if method.endswith("ex"):
                effect = effect * points[:, j][:, None]
            out[:, c] = effect
            continue
        low, high = points.copy(), points.copy()
        if kinds[c] == "dummy":
            low[:, j], high[:, j], half = 0.0, 1.0, 1.0
        else:
            low[:, j] -= 1.0
            high[:, j] += 1.0
            half = 0.5
        p_low, p_high = proba(low), proba(high)
        if log_scale:
            out[:, c] = half * (np.log(p_high) - np.log(p_low))
        else:
            out[:, c] = half * (p_high - p_low)
    return out


def discrete_columns(design: FloatArray, columns: list[int]) -> tuple[list[int], list[int]]:
    """Dummy (values 0 and 1 only) and count (non-negative integers) columns,
    detected as statsmodels' ``get_margeff`` does."""
    low, high = design.min(axis=0), design.max(axis=0)
    # Only non-negative columns can be either; the integer test is the costly one.
    candidates = [j for j in columns if low[j] >= 0 and high[j] > low[j]]
    whole = [j for j in candidates if np.all(design[:, j] % 1.0 == 0)]
    return discrete_from_ranges(low, high, whole)


def discrete_from_ranges(
    low: FloatArray, high: FloatArray, whole: list[int]
) -> tuple[list[int], list[int]]:
    """Dummy and count columns among ``whole`` (columns of non-negative
    whole numbers that are not constant) from their minima and maxima."""
    dummy, count = [], []
    for j in whole:
        if low[j] == 0 and high[j] == 1:
            dummy.append(j)
        else:
            count.append(j)
    return dummy, count
