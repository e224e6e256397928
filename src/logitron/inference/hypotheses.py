"""Wald tests of linear hypotheses ``R @ theta = q``.

With ``theta`` the estimates and ``V`` their covariance (any ``cov_type``)::

    W = (R @ theta - q) @ inv(R @ V @ R.T) @ (R @ theta - q)   ~  chi2(r)

``r`` is the number of rows of ``R``. ``t_test`` reports each row on its own:
the estimate ``R @ theta`` and its interval, the z test of ``= q``, the
standard error ``sqrt(diag(R @ V @ R.T))``
and the two-sided normal test, as statsmodels' ``t_test`` on a likelihood
model (the large-sample z test; R's ``car::linearHypothesis(test="Chisq")``
gives the same ``W``).

Hypotheses are written over the parameter names::

    "x1 = x2"                          one constraint: x1 - x2 = 0
    "C(g)[T.b] = C(g)[T.c] = 0"        a chain: two constraints
    "2 * x1 + x3 = 1, x2"              a comma separates constraints; a side
                                       without "=" is set to 0
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.stats

from .._numerics import FloatArray
from .tails import normal_upper_quantile, two_sided_normal_pvalues

_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


@dataclass(frozen=True)
class WaldTest:
    """A joint Wald test: ``statistic ~ chi2(df)`` under the hypothesis."""

    statistic: float
    df: int
    pvalue: float
    restriction: FloatArray
    target: FloatArray

    def __str__(self) -> str:
        return f"Wald chi2({self.df}) = {self.statistic:.6g}, p-value = {self.pvalue:.4g}"


@dataclass(frozen=True)
class ContrastTable:
    """Row-by-row z tests of ``R @ theta = q`` (see module doc)."""

    names: list[str]
    effect: FloatArray
    bse: FloatArray
    zvalues: FloatArray
    pvalues: FloatArray
    conf_int: FloatArray

    def to_frame(self) -> Any:
        """The table as a ``pandas.DataFrame``, one row per constraint."""
        import pandas as pd

        return pd.DataFrame(
            {
                "coef": self.effect, "std err": self.bse, "z": self.zvalues,
                "P>|z|": self.pvalues, "lower": self.conf_int[:, 0],
                "upper": self.conf_int[:, 1],
            },
            index=self.names,
        )


def wald_test(
    params: FloatArray, cov: FloatArray, restriction: FloatArray, target: FloatArray
) -> WaldTest:
    """The joint Wald test of ``restriction @ params = target``."""
    difference = restriction @ params - target
    middle = restriction @ cov @ restriction.T
    rank = np.linalg.matrix_rank(middle)
    if rank < len(middle):
        raise ValueError(
            "The hypothesis has redundant constraints (R @ V @ R.T is singular): "
            "drop the constraints implied by the others."
        )
    statistic = float(difference @ np.linalg.solve(middle, difference))
    df = len(difference)
    return WaldTest(
        statistic, df, float(scipy.stats.chi2.sf(statistic, df)), restriction, target
    )


def contrast_table(
    params: FloatArray,
    cov: FloatArray,
    restriction: FloatArray,
    target: FloatArray,
    names: list[str],
    alpha: float = 0.05,
) -> ContrastTable:
    """Each row's ``restriction @ params``, its interval and the z test
    against ``target``."""
    effect = restriction @ params
    bse = np.sqrt(np.einsum("ij,jk,ik->i", restriction, cov, restriction))
    zvalues = (effect - target) / bse
    quantile = normal_upper_quantile(alpha / 2.0)
    return ContrastTable(
        names, effect, bse, zvalues, two_sided_normal_pvalues(zvalues),
        np.column_stack([effect - quantile * bse, effect + quantile * bse]),
    )


def parse_hypothesis(
    hypothesis: object, names: list[str]
) -> tuple[FloatArray, FloatArray, list[str]]:
    """``(R, q, row_names)`` from a string, a matrix ``R`` or a pair ``(R, q)``."""
    if isinstance(hypothesis, str):
        rows: list[tuple[FloatArray, float, str]] = []
        for part in hypothesis.split(","):
            rows += _chain(part, names)
        restriction = np.array([row[0] for row in rows])
        return restriction, np.array([row[1] for row in rows]), [r[2] for r in rows]
    if isinstance(hypothesis, tuple) and len(hypothesis) == 2:
        restriction, target = (np.atleast_1d(np.asarray(h, float)) for h in hypothesis)
    else:
        restriction = np.asarray(hypothesis, dtype=np.float64)
        target = np.zeros(np.atleast_2d(restriction).shape[0])
    restriction = np.atleast_2d(restriction)
    if restriction.shape[1] != len(names) or target.shape != (len(restriction),):
        raise ValueError(
            f"A hypothesis matrix needs {len(names)} columns (one per parameter: "
            f"{names}) and one target per row; got R of shape {restriction.shape} "
            f"and q of shape {target.shape}."
        )
    return restriction, target, [f"c{k}" for k in range(len(restriction))]


def _chain(text: str, names: list[str]) -> list[tuple[FloatArray, float, str]]:
    """``a = b = c`` -> ``a - b = 0``, ``b - c = 0`` as (row, target, text)."""
    sides = [_linear(side, names, text) for side in text.split("=")]
    if len(sides) == 1:
        sides.append((np.zeros(len(names)), 0.0))
    rows: list[tuple[FloatArray, float, str]] = []
    for (left, left_constant), (right, right_constant) in itertools.pairwise(sides):
        row = left - right
        if not np.any(row):
            raise ValueError(f"The constraint {text.strip()!r} involves no parameter.")
        rows.append((row, right_constant - left_constant, text.strip()))
    return rows


def _linear(side: str, names: list[str], whole: str) -> tuple[FloatArray, float]:
    """Coefficients and constant of a sum like ``2 * x1 - x2 + 1``."""
    by_length = sorted(range(len(names)), key=lambda k: -len(names[k]))
    row, constant, position = np.zeros(len(names)), 0.0, 0
    text = side.strip()
    if not text:
        raise ValueError(f"Empty side in the hypothesis {whole.strip()!r}.")
    while position < len(text):
        sign = 1.0
        while position < len(text) and text[position] in "+- ":
            sign = -sign if text[position] == "-" else sign
            position += 1
        factor, name, position = _product(text, position, names, by_length, whole)
        if name is None:
            constant += sign * factor
        else:
            row[name] += sign * factor
        while position < len(text) and text[position] == " ":
            position += 1
        if position < len(text) and text[position] not in "+-":
            raise ValueError(_unreadable(whole, text[position:], names))
    return row, constant


def _product(
    text: str, position: int, names: list[str], by_length: list[int], whole: str
) -> tuple[float, int | None, int]:
    """One term: ``number``, ``name``, ``number * name`` or ``name * number``."""
    factor, name = 1.0, None
    number = _NUMBER.match(text, position)
    if number and not _name_at(text, position, names, by_length):
        factor, position = float(number.group()), number.end()
        rest = text[position:].lstrip()
        if not rest.startswith("*"):
            return factor, None, position
        position = len(text) - len(rest) + 1
    position = len(text) - len(text[position:].lstrip())
    found = _name_at(text, position, names, by_length)
    if found is None:
        raise ValueError(_unreadable(whole, text[position:], names))
    name, position = found, position + len(names[found])
    rest = text[position:].lstrip()
    if rest.startswith("*"):
        after = len(text) - len(rest) + 1
        after = len(text) - len(text[after:].lstrip())
        number = _NUMBER.match(text, after)
        if number is None:
            raise ValueError(_unreadable(whole, text[after:], names))
        factor, position = factor * float(number.group()), number.end()
    return factor, name, position


def _name_at(
    text: str, position: int, names: list[str], by_length: list[int]
) -> int | None:
    for k in by_length:
        if text.startswith(names[k], position):
            return k
    return None


def _unreadable(whole: str, rest: str, names: list[str]) -> str:
    return (
        f"Cannot read the hypothesis {whole.strip()!r} at {rest.strip()!r}: write "
        "sums of [number *] parameter name, with '=' between sides and ',' "
        f"between constraints. The parameter names are {names}."
    )
