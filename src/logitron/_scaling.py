"""Extreme scales of ``X`` and of the sample weights: fit a rescaled problem.

Scaling a column by a power of two is an exact linear reparametrisation::

    X' = X * 2**-e            # column j times 2**-e_j, no rounding
    coef = coef' * 2**-e      # the optimum maps back exactly
    I = D @ I' @ D,  D = diag(2**e)     # Fisher information, intercept e = 0

so a column whose values are near the overflow or underflow threshold (or
just far from 1, where the solvers' absolute tolerances lose their meaning)
is fitted as a column of size about 1, and nothing is lost. Weights are
treated alike: ``s' = s * 2**-k`` leaves the mean-scale loss unchanged,
and ``C' = C * 2**k`` keeps the penalty's strength ``1 / (C * sum(s))``.

Without a penalty each column has its own exponent. A penalty is not
invariant to a column's units, so a penalised fit only takes one exponent
for all columns (which maps into a new ``C`` and ``l1_ratio``, below),
taken when the largest column lies outside ``[2**-16, 2**16]``, and refuses
columns that would stay more than ``2**(maxexp/4)`` apart after it (their
squares would leave the float's range). The inference record
keeps the information in the rescaled coordinates plus the exponents (its
``log2_scale``): at 1e160 the information's entries (1e320) do not fit in
a float, the standard errors (1e-160) do.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._numerics import FloatArray

#: A column whose largest |x| lies outside [2**-16, 2**16] is rescaled:
#: beyond that the solvers' absolute gradient tolerances (and Newton's
#: rounding floor, set by the largest column) start to mean a different
#: precision per column, and the intercept's gradient is held to the floor
#: of the largest column.
SAFE_EXPONENT = 16
#: Weights are normalised when the largest lies outside [2**-64, 2**64].
WEIGHT_EXPONENT = 64


@dataclass(frozen=True)
class Rescaling:
    """The exponents of a rescaled fit and the penalty that goes with them.

    Attributes
    ----------
    column_exponent : ndarray of int, shape (d,)
        ``X' = ldexp(X, -column_exponent)`` column by column.
    weight_exponent : int
        ``s' = ldexp(s, -weight_exponent)``; even, so that its square root
        (the information's share) is a power of two too.
    C, l1_ratio : float
        The penalty of the rescaled problem (unchanged without one).
    """

    column_exponent: np.ndarray
    weight_exponent: int
    C: float
    l1_ratio: float

    def scale_X(self, X: Any) -> Any:
        return scale_columns(X, -self.column_exponent)

    def scale_weight(self, weight: FloatArray) -> FloatArray:
        return np.ldexp(weight, -self.weight_exponent)

    def scale_coef(self, coef: FloatArray) -> FloatArray:
        """Coefficients of the original columns in the rescaled ones."""
        return np.ldexp(coef, self.column_exponent.astype(np.int32))

    def unscale_coef(self, coef: FloatArray) -> FloatArray:
        """Coefficients of the rescaled columns back in the original ones."""
        return np.ldexp(coef, -self.column_exponent.astype(np.int32)).astype(coef.dtype)


def column_max_abs(X: Any) -> FloatArray:
    """Largest ``|x|`` of each column (float64), dense or sparse.

    From the column maxima and minima rather than ``max(abs(X))``: every
    fit asks, and ``abs(X)`` would allocate a second copy of ``X``.
    """
    if X.shape[0] == 0:
        return np.zeros(X.shape[1])
    if sp.issparse(X):
        return _sparse_column_max_abs(X)
    largest, smallest = _column_extremes(X)
    return np.maximum(np.asarray(largest, dtype=np.float64),
                      np.negative(smallest, dtype=np.float64))


#: Stored entries per chunk of ``_sparse_column_max_abs``'s ``|data|``.
_SPARSE_CHUNK = 1 << 18


def _sparse_column_max_abs(X: Any) -> FloatArray:
    """``column_max_abs`` of sparse ``X`` from its stored entries, in chunks:
    scipy's ``X.max(axis=0)`` on CSR goes through a CSC copy of ``X``
    (100,000 x 20,000 CSR at 0.1%: 35 ms and 1.0x ``X`` against 4.5 ms and
    0.1x). Implicit zeros leave the maxima of ``|x|`` as they are."""
    if X.format not in ("csr", "csc", "coo"):
        X = X.tocsr()
    out = np.zeros(X.shape[1])
    data = X.data
    if X.format == "csc":
        starts = X.indptr[:-1]
        nonempty = np.flatnonzero(np.diff(X.indptr))
        for block in np.array_split(nonempty, max(1, -(-len(data) // _SPARSE_CHUNK))):
            if len(block):
                low, high = X.indptr[block[0]], X.indptr[block[-1] + 1]
                # Empty columns between those of the block hold no entries,
                # so each segment is exactly one column's.
                out[block] = np.maximum.reduceat(np.abs(data[low:high]), starts[block] - low)
        return out
    columns = X.indices if X.format == "csr" else X.col
    for start in range(0, len(data), _SPARSE_CHUNK):
        chunk = slice(start, start + _SPARSE_CHUNK)
        np.maximum.at(out, columns[chunk], np.abs(data[chunk]))
    return out


@dataclass(frozen=True)
class ColumnSquares:
    """``sum_i x_ij**2`` of each column of dense ``X`` (float64) over its
    ``n_samples`` rows: what a fit needs of its columns' sizes, from the
    cheapest pass over ``X`` (``column_squares``).

    The sums prove ``X`` finite (a NaN or an infinity carries into its
    column's sum) and bracket each column's largest ``|x|``::

        sqrt(sums / n) <= max_i |x_ij| <= sqrt(sums)

    which settles the rescaling test (``plan``) for every column well
    inside the safe range, as standardised columns are, without the exact
    maxima.
    """

    sums: FloatArray
    n_samples: int


def column_squares(X: np.ndarray) -> ColumnSquares:
    """``ColumnSquares`` of dense ``X``: one ``einsum`` reads ``X`` once with
    no temporary, a third of the time of the column maxima and minima
    (2026-12-06, one thread: 20,000 x 1,000 7.4 ms against 24 ms,
    200,000 x 100 7.6 ms against 22 ms). Summed in ``X``'s dtype: float32
    sums may overflow (then they are not finite, and the caller falls back
    to the exact maxima)."""
    sums = np.einsum("ij,ij->j", X, X)
    return ColumnSquares(np.asarray(sums, dtype=np.float64), X.shape[0])


def _safely_sized(squares: ColumnSquares, dtype: np.dtype, penalised: bool) -> bool:
    """True proves that ``plan`` takes no column exponents: every non-zero
    column's size (unpenalised), or the largest one (penalised), lies in
    ``[2**-SAFE_EXPONENT, 2**(SAFE_EXPONENT + 1))``. False: ask the exact
    maxima. A column whose sum is 0 may hold values whose squares
    underflow, so without a penalty it is not taken for a zero column."""
    sums, n = squares.sums, squares.n_samples
    if n * np.finfo(dtype).eps > 0.25:
        return False  # sums too rough to bracket
    smallest, largest = float(sums.min()), float(sums.max())
    # The bracket of the column that decides: the largest (penalised), or
    # the smallest and the largest (unpenalised; none may be 0).
    low = math.sqrt((largest if penalised else smallest) / n)
    # A factor of two each side absorbs the rounding of the sums.
    return low >= 2.0 ** (1 - SAFE_EXPONENT) and math.sqrt(largest) < 2.0**SAFE_EXPONENT


#: Row length, in entries, that ``_column_extremes`` folds narrow rows into.
_FOLDED_WIDTH = 4096


def _column_extremes(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column maxima and minima of dense ``X``.

    NumPy reduces a C-ordered ``X`` over axis 0 one row at a time, a loop
    of ``d`` entries: on 100,000 x 20 that is 2 ms per reduction against
    0.3 ms for ``X @ w``. Viewing ``k`` consecutive rows as one row of
    ``k * d`` entries (a reshape, no copy) makes the loop ``k`` times as
    long; the ``k`` partial results are then reduced once more.
    """
    n, d = X.shape
    fold = max(1, _FOLDED_WIDTH // d)
    whole = (n // fold) * fold
    if not X.flags.c_contiguous or fold == 1 or whole == 0:
        # The methods: np.max's and np.min's wrappers cost more on small data.
        return X.max(axis=0), X.min(axis=0)
    folded = X[:whole].reshape(-1, fold * d)
    largest = np.max(folded, axis=0).reshape(fold, d).max(axis=0)
    smallest = np.min(folded, axis=0).reshape(fold, d).min(axis=0)
    if whole < n:
        largest = np.maximum(largest, np.max(X[whole:], axis=0))
        smallest = np.minimum(smallest, np.min(X[whole:], axis=0))
    return largest, smallest


def scale_columns(X: Any, exponent: np.ndarray) -> Any:
    """``X * 2**exponent`` column by column, exactly (``np.ldexp``), in X's
    dtype and format (dense, CSR or CSC)."""
    exponent = np.asarray(exponent, dtype=np.int64)
    if not sp.issparse(X):
        return np.ldexp(X, exponent[None, :].astype(np.int32)).astype(X.dtype, copy=False)
    scaled = X.copy()
    if scaled.format == "csr":
        columns = scaled.indices
    else:
        columns = np.repeat(np.arange(X.shape[1]), np.diff(scaled.indptr))
    scaled.data = np.ldexp(scaled.data, exponent[columns].astype(np.int32)).astype(
        X.dtype, copy=False
    )
    return scaled


def _exponent(value: Any) -> np.ndarray:
    """``e`` with ``2**e <= value < 2**(e + 1)`` (0 where ``value`` is 0)."""
    _, exponent = np.frexp(np.asarray(value, dtype=np.float64))
    return np.where(np.asarray(value) > 0, exponent - 1, 0).astype(np.int64)


def plan(
    X: Any, weight: FloatArray, C: float, l1_ratio: float, feature_names: list[str],
    squares: ColumnSquares | None = None,
) -> Rescaling | None:
    """The rescaling a fit of ``X`` with ``weight`` needs, or None.
    ``squares`` is ``column_squares(X)`` where the caller has it: when they
    prove every column safely sized, the exact maxima are not computed.

    Raises
    ------
    ValueError
        For a penalised fit whose non-zero columns span more than the
        dtype allows to fit together (see module doc).
    """
    # Every fit runs this: its reductions are the arrays' own methods, as
    # the Python wrappers of np.max and np.any cost more than the arithmetic
    # on small data (32 x 3: 12 -> 6 us).
    penalised = C != math.inf
    if squares is not None and _safely_sized(squares, X.dtype, penalised):
        exponent = np.zeros(X.shape[1], dtype=np.int64)
    else:
        exponent = _column_exponent(X, penalised, feature_names)
    largest = float(weight.max()) if len(weight) else 1.0
    weight_exponent = 0
    if largest > 0:
        # math.frexp is np.frexp for one float, without an array round trip.
        largest_exponent = math.frexp(largest)[1] - 1
        if abs(largest_exponent) > WEIGHT_EXPONENT:
            weight_exponent = 2 * (largest_exponent // 2)
    if not exponent.any() and weight_exponent == 0:
        return None
    # A penalised fit has one exponent for every column (possibly negative).
    shared = int(exponent[0]) if penalised and len(exponent) else 0
    C_new, l1_new = _penalty(C, l1_ratio, shared, weight_exponent)
    return Rescaling(exponent, weight_exponent, C_new, l1_new)


def _column_exponent(X: Any, penalised: bool, feature_names: list[str]) -> np.ndarray:
    """``Rescaling.column_exponent`` from the exact column maxima."""
    size = column_max_abs(X)
    present = size > 0
    exponent = np.zeros(len(size), dtype=np.int64)
    if penalised:
        limit = np.finfo(X.dtype).maxexp // 4  # 256 for float64, 32 for float32
        top = math.frexp(size.max())[1] - 1 if present.any() else 0
        if abs(top) > SAFE_EXPONENT:
            exponent[:] = top
            small = present & (_exponent(size) - exponent < -limit)
            if np.any(small):
                names = [feature_names[j] for j in np.flatnonzero(small)[:5]]
                raise ValueError(
                    f"The columns of X span too many orders of magnitude for a "
                    f"penalised fit: the largest |x| is {np.max(size):.3g} while "
                    f"{', '.join(names)} have |x| below {np.max(size) * 2.0**-limit:.3g}. "
                    "A penalty depends on each column's units, so they cannot be "
                    "rescaled exactly here: standardise X (e.g. with "
                    "sklearn.preprocessing.StandardScaler) or fit with C=np.inf."
                )
    else:
        # |e| > SAFE_EXPONENT, i.e. outside [2**-SAFE, 2**(SAFE + 1)): compared
        # directly, so the usual fit takes no exponents at all.
        outside = present & (
            (size < 2.0**-SAFE_EXPONENT) | (size >= 2.0 ** (SAFE_EXPONENT + 1))
        )
        if outside.any():
            exponent[outside] = _exponent(size[outside])
    return exponent


def _penalty(C: float, l1_ratio: float, e: int, k: int) -> tuple[float, float]:
    """``(C', r')`` of the problem with ``X' = X * 2**-e`` (every column) and
    ``s' = s * 2**-k``.

    With ``coef' = coef * 2**e`` the objective
    ``C * sum(s * loss) + (1 - r)/2 * ||coef||**2 + r * ||coef||_1`` is
    ``a * (C' * sum(s' * loss) + (1 - r')/2 * ||coef'||**2 + r' * ||coef'||_1)``
    with ``a = (1 - r) * 2**(-2e) + r * 2**-e``, ``r' = r * 2**-e / a`` and
    ``C' = C * 2**k / a``. An overflowing ``C'`` is clamped to the largest
    float: the penalty is then below the rounding of the loss anyway; one
    below ``2**-1000`` is refused (ValueError).
    """
    if np.isposinf(C):
        return C, l1_ratio
    with np.errstate(over="ignore", under="ignore"):
        if l1_ratio == 0.0:
            C_new, ratio = float(np.ldexp(C, k + 2 * e)), 0.0
        else:
            # 1 / a = 2**e / inner with inner = r + (1 - r) * 2**-e.
            inner = l1_ratio + (1.0 - l1_ratio) * float(np.ldexp(1.0, -e))
            C_new, ratio = float(np.ldexp(C / inner, k + e)), min(l1_ratio / inner, 1.0)
    if not C_new >= 2.0**-1000:
        # The rescaled penalty strength 1 / (C' * sum(s')) would leave the
        # float range: no faithful rescaled problem exists.
        raise ValueError(
            f"The penalty C={C!r} is too strong for the scales of X and of the "
            "sample weights: rescaled to columns and weights of size 1 it is "
            "below 2**-1000, beyond what a float holds. Standardise X, scale "
            "the weights towards 1 or raise C."
        )
    # An overflowing C' means a penalty below the loss's rounding.
    return float(min(C_new, np.finfo(np.float64).max)), ratio


def unscale_record(record: Any, rescaling: Rescaling) -> Any:
    """The ``FitInference`` of the original problem from the rescaled one.

    Estimates map back exactly; the information and meat stay in the
    rescaled coordinates, with ``log2_scale`` saying how to map them::

        information = D @ information' @ D,   D = diag(2**log2_scale)

    (each term's column exponent plus half the weight exponent, since the
    information is linear in the weights). Log-likelihoods and ``nobs``
    scale with the weights.
    """
    term_exponent = rescaling.column_exponent
    if record.fit_intercept:
        term_exponent = np.concatenate([[0], term_exponent])
    params = np.ldexp(record.params, -term_exponent[None, :].astype(np.int32))
    half = rescaling.weight_exponent // 2
    log2_scale = np.tile(term_exponent + half, record.n_outputs).astype(np.float64)
    if record.log2_scale is not None:
        log2_scale = log2_scale + record.log2_scale
    k = rescaling.weight_exponent
    # Weights near the float's range may make nobs and the log-likelihoods
    # overflow: they are then reported as inf, which they are in a float.
    with np.errstate(over="ignore"):
        return dataclasses.replace(
            record,
            params=params,
            log2_scale=log2_scale,
            loglik=float(np.ldexp(record.loglik, k)),
            loglik_null=float(np.ldexp(record.loglik_null, k)),
            nobs=float(np.ldexp(record.nobs, k)),
        )
