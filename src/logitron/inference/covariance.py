"""Covariance of the estimates: inverse Fisher information and the sandwich.

Classical maximum-likelihood conventions, as R's ``glm`` (binomial family),
Stata's ``logit`` and statsmodels' ``Logit`` / ``MNLogit`` use them: the
dispersion is fixed at 1 and there is no degrees-of-freedom correction::

    nonrobust:  cov = inv(I)                       # I = Fisher information
    HC0:        cov = inv(I) @ B @ inv(I)          # B = sum_i s_i g_i g_i^T
    HC1:        cov = nobs / (nobs - k) * HC0      # k parameters

HC0 is White's (1982) sandwich for a misspecified likelihood; HC1 adds the
small-sample factor of MacKinnon & White (1985), as R's
``sandwich::vcovHC(type="HC1")`` does. (statsmodels' likelihood models return
HC0 when asked for HC1.)

Reference class
---------------
A softmax model is over-parametrised: adding one vector to every class's
coefficients changes no probability, so its information matrix is singular.
Fixing a reference class ``r`` (its coefficients set to zero) gives the
identified parametrisation of statsmodels' ``MNLogit`` and R's
``nnet::multinom``::

    gamma_k = beta_k - beta_r        for k != r

The likelihood depends on the betas only through the gammas and every
second derivative depends only on the probabilities, so the information and
meat for ``gamma`` are the sub-blocks of the full ones without class ``r``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from .._numerics import FloatArray
from ..exceptions import SingularInformationError
from .record import FitInference

COV_TYPES = ("nonrobust", "HC0", "HC1")

#: From this many parameters the inverse comes from LAPACK's ``potri``
#: (2/3 p**3 flops, after the factor) rather than from solving against the
#: identity (2 p**3 flops, yet faster on fewer: one thread, 151 parameters
#: 0.40 against 0.75 ms, 256 1.31 against 1.29, 1,001 53 against 30).
_POTRI_FROM = 256

# A correlation-scaled information matrix is treated as singular when its
# smallest eigenvalue falls below this fraction of its largest: the Gram
# product that forms it carries relative rounding errors of order n * eps,
# so beyond a condition number of 1e10 the standard errors are rounding noise.
SINGULAR_RCOND = 1e-10


@dataclass(frozen=True)
class Parametrisation:
    """The identified parameters a summary reports.

    Attributes
    ----------
    params : ndarray of shape (k,)
        Flat estimates (class by class, intercept first within a class).
    labels : list of (str, str)
        ``(equation, term)`` per parameter; the equation is ``""`` for a
        binary model and the class name for a softmax model.
    index : ndarray of shape (k,)
        Positions of these parameters in the record's flat layout.
    reference : str
        The reference class (for a binary model, the first class, whose
        log-odds are modelled against).
    """

    params: FloatArray
    labels: list[tuple[str, str]]
    index: np.ndarray
    reference: str


def reference_parametrisation(
    record: FitInference, reference: object = None
) -> Parametrisation:
    """Estimates in the reference-class parametrisation (see module doc).

    ``reference`` is a class label (matched by ``str``), by default the first
    class, as statsmodels' ``MNLogit`` does. A binary model already has this
    form: its single output is the log-odds of the second class against the
    first.
    """
    names = record.class_names
    width = len(record.term_names)
    if record.n_outputs == 1:
        if reference is not None and str(reference) != names[0]:
            raise ValueError(
                f"A binary model models the log-odds of class {names[1]!r} against "
                f"{names[0]!r}; reference={reference!r} is not available."
            )
        labels = [("", term) for term in record.term_names]
        return Parametrisation(
            record.params.ravel().copy(), labels, np.arange(width), names[0]
        )
    position = 0 if reference is None else _class_position(names, reference)
    others = [k for k in range(len(names)) if k != position]
    gamma = record.params[others] - record.params[position]
    index = np.concatenate([k * width + np.arange(width) for k in others])
    labels = [(names[k], term) for k in others for term in record.term_names]
    return Parametrisation(gamma.ravel(), labels, index, names[position])


def cov_params(
    record: FitInference, cov_type: str = "nonrobust", reference: object = None
) -> FloatArray:
    """Covariance matrix of ``reference_parametrisation(record, reference).params``.

    Parameters
    ----------
    record : FitInference
    cov_type : {"nonrobust", "HC0", "HC1"}
        See the module docstring.
    reference : class label, optional
        Reference class of a softmax model.

    Raises
    ------
    SingularInformationError
        When the information matrix is singular (collinear columns, or a
        separation that drove some fitted probabilities to 0 or 1); the
        message names the terms involved.
    """
    scaled, exponent = scaled_cov_params(record, cov_type, reference)
    # Entries beyond the float range at extreme scales: inf or 0, as in a float.
    with np.errstate(over="ignore", under="ignore"):
        return np.ldexp(scaled, -(exponent[:, None] + exponent[None, :]))


def scaled_cov_params(
    record: FitInference, cov_type: str = "nonrobust", reference: object = None
) -> tuple[FloatArray, np.ndarray]:
    """``(cov', e)`` with ``cov = cov' * 2**-(e[:, None] + e[None, :])``: the
    covariance in the coordinates the record's information is stored in
    (``record.log2_scale``; ``e = 0`` without one). Standard errors
    ``sqrt(diag(cov')) * 2**-e`` fit in a float where ``cov`` may not."""
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {COV_TYPES}; got {cov_type!r}.")
    parametrisation = reference_parametrisation(record, reference)
    exponent = np.zeros(len(parametrisation.index), dtype=np.int32)
    if record.log2_scale is not None:
        exponent = record.log2_scale[parametrisation.index].astype(np.int32)
    return _scaled_cov(record, cov_type, parametrisation, exponent), exponent


def _scaled_cov(
    record: FitInference, cov_type: str, parametrisation: Parametrisation,
    exponent: np.ndarray,
) -> FloatArray:
    keep = np.ix_(parametrisation.index, parametrisation.index)
    # Once per record: the collinearity warning and the summary after it ask
    # for the same inverse (p**3 flops; on 1,001 parameters 56 ms).
    key = parametrisation.index.tobytes()
    inverse = record.inverses.get(key)
    if inverse is None:
        inverse = inverse_information(
            record.information[keep], parametrisation.labels, record.separation, exponent
        )
        inverse.flags.writeable = False  # shared by every later caller
        record.inverses[key] = inverse
    if cov_type == "nonrobust":
        return inverse
    sandwich = inverse @ record.meat[keep] @ inverse
    sandwich = 0.5 * (sandwich + sandwich.T)
    if cov_type == "HC1":
        n_params = len(parametrisation.params)
        if record.nobs <= n_params:
            raise ValueError(
                f"HC1 needs more observations ({record.nobs:g}) than parameters "
                f"({n_params})."
            )
        sandwich *= record.nobs / (record.nobs - n_params)
    return sandwich


def inverse_information(
    information: FloatArray,
    labels: list[tuple[str, str]],
    separation: str = "",
    log2_scale: np.ndarray | None = None,
) -> FloatArray:
    """``inv(information)`` through a Cholesky factor, refusing singular input.

    The matrix is first scaled to unit diagonal (``R = D^-1 I D^-1`` with
    ``D = sqrt(diag(I))``), which makes the singularity test independent of
    the units of the features; ``inv(I) = D^-1 inv(R) D^-1``.

    The test is on eigenvalues (``SINGULAR_RCOND``), but the eigenvalues are
    only computed when the inverse cannot prove regularity more cheaply: for
    symmetric positive definite ``R`` every induced norm bounds the largest
    eigenvalue, so ``min(eig(R)) / max(eig(R)) >= 1 / (norm_inf(R) *
    norm_inf(inv(R)))``; a bound 100 times above the threshold (where the
    computed inverse is still accurate to far better than that margin)
    settles it, and anything else gets the eigenvalues' verdict and message
    as before. The inverse is the same either way, bit for bit. On 1,001
    parameters the eigenvalues cost several times the inverse.
    """
    diagonal = np.diag(information).copy()
    empty = [k for k in range(len(diagonal)) if not diagonal[k] > 0]
    if empty:
        raise SingularInformationError(
            _singular_message([labels[k] for k in empty], "", separation)
            + " These columns carry no information: they are zero on every row "
            "with non-zero weight."
        )
    scale = np.sqrt(diagonal)
    scaled = information / np.outer(scale, scale)
    try:
        inverse = _inverse_of_unit_diagonal(scaled)
    except np.linalg.LinAlgError:
        inverse = None  # not positive definite: the eigenvalues will say why
    if inverse is not None and _surely_regular(scaled, inverse):
        return inverse / np.outer(scale, scale)
    eigenvalues, eigenvectors = np.linalg.eigh(scaled)
    null = eigenvalues <= SINGULAR_RCOND * eigenvalues[-1]
    if np.any(null):
        raise SingularInformationError(
            _singular_message(
                _involved(eigenvectors[:, null], labels),
                _relation(eigenvectors[:, null], scale, labels, log2_scale),
                separation,
            )
        )
    return _inverse_of_unit_diagonal(scaled) / np.outer(scale, scale)


def _inverse_of_unit_diagonal(scaled: FloatArray) -> FloatArray:
    """``inv(R)`` by Cholesky, symmetric; LinAlgError when not definite."""
    if len(scaled) < _POTRI_FROM:
        factor = scipy.linalg.cho_factor(scaled, lower=True, check_finite=False)
        inverse = scipy.linalg.cho_solve(factor, np.eye(len(scaled)), check_finite=False)
        return 0.5 * (inverse + inverse.T)
    # ``clean`` zeroes the upper triangle, which potri leaves alone: the
    # inverse is then its lower triangle plus that transposed.
    factor, info = scipy.linalg.lapack.dpotrf(scaled, lower=True, clean=True)
    if info == 0:
        factor, info = scipy.linalg.lapack.dpotri(factor, lower=True)
    if info != 0:
        raise np.linalg.LinAlgError("The information is not positive definite.")
    inverse = factor + factor.T
    np.fill_diagonal(inverse, np.diagonal(factor))
    return inverse


def _surely_regular(scaled: FloatArray, inverse: FloatArray) -> bool:
    """Whether ``1 / (norm_inf(R) * norm_inf(inv(R)))``, a lower bound of
    ``R``'s eigenvalue ratio, clears ``SINGULAR_RCOND`` by a factor of 100."""
    norm = float(np.max(np.sum(np.abs(scaled), axis=1)))
    inverse_norm = float(np.max(np.sum(np.abs(inverse), axis=1)))
    return bool(np.isfinite(inverse_norm) and norm * inverse_norm * SINGULAR_RCOND < 1e-2)


def _class_position(names: tuple[str, ...], reference: object) -> int:
    key = str(reference)
    if key not in names:
        raise ValueError(
            f"reference={reference!r} is not one of the classes {list(names)}."
        )
    return names.index(key)


def _involved(
    null_vectors: FloatArray, labels: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Labels of the parameters that take part in some null direction."""
    weight = np.max(np.abs(null_vectors), axis=1)
    return [labels[k] for k in np.flatnonzero(weight > 1e-3 * np.max(weight))]


def _relation(
    null_vectors: FloatArray, scale: FloatArray, labels: list[tuple[str, str]],
    log2_scale: np.ndarray | None = None,
) -> str:
    """One exact linear relation among the columns, e.g. ``x3 = 1 * x1 - 2 * x2``.

    A null direction ``u`` of the scaled information satisfies
    ``X~ @ (u / D) = 0`` on the weighted rows, which is solved for the term of
    largest weight. Only shown for a single relation (more would be a basis,
    not a story).
    """
    if null_vectors.shape[1] != 1:
        return ""
    combination = null_vectors[:, 0] / scale
    if log2_scale is not None:
        # Information of rescaled columns (X' = X * 2**-e, see FitInference):
        # the relation is stated in X's own columns.
        combination = np.ldexp(combination, -np.asarray(log2_scale, dtype=np.int32))
    size = np.abs(null_vectors[:, 0])
    lead = int(np.argmax(size))
    terms = [
        (-combination[k] / combination[lead], _name(labels[k]))
        for k in np.flatnonzero(size > 1e-3 * size[lead])
        if k != lead
    ]
    if not terms:
        return ""
    text = f"{terms[0][0]:.6g} * {terms[0][1]}"
    for coefficient, name in terms[1:]:
        sign = "-" if coefficient < 0 else "+"
        text += f" {sign} {abs(coefficient):.6g} * {name}"
    return f"{_name(labels[lead])} = {text}"


def _name(label: tuple[str, str]) -> str:
    equation, term = label
    return f"{term} [{equation}]" if equation else term


def _singular_message(
    involved: list[tuple[str, str]], relation: str, separation: str
) -> str:
    names = list(dict.fromkeys(term for _, term in involved))
    message = (
        "The Fisher information matrix is singular, so the standard errors do "
        f"not exist; the terms involved: {', '.join(names)}."
    )
    if relation:
        message += f" On the rows with non-zero weight, {relation}."
    if separation:
        message += f" This fit is separated: {separation}"
    else:
        message += (
            " The columns are linearly dependent (collinear): drop or combine "
            "some of them and refit."
        )
    return message
