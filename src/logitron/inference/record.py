"""What a fitted model keeps for inference: a record computed once, when first
asked for (``logitron._lazy_record``).

Every statistic of the summary (standard errors, tests, intervals, fit
measures) is a function of a few p-sized pieces evaluated at the maximum-
likelihood estimate::

    loglik      = sum_i s_i * log P(y_i | x_i)
    information = sum_i s_i * x~_i x~_i^T (x) (diag(p_i) - p_i p_i^T)   # Fisher
    meat        = sum_i s_i * g_i g_i^T,   g_i = x~_i (x) (onehot(y_i) - p_i)

with ``x~ = [1, x]`` (the intercept first, as in R and statsmodels), ``(x)``
the Kronecker product over the softmax outputs and ``s`` the frequency
weights (sample weights times class weights). ``FitInference`` holds them as
plain arrays, floats, ints and strings, so a model file can store it and a
loaded model can print its summary without the training data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any

import numpy as np

from .._numerics import FloatArray, accurate_dot, accurate_sum
from .null_model import null_loglik

#: Version of the ``to_dict`` layout; bump it when a field changes meaning.
RECORD_FORMAT = 1


@dataclass(frozen=True)
class FitInference:
    """The maximum-likelihood quantities behind ``summary()``.

    Conventions
    -----------
    ``m`` outputs (1 for the binary neuron, ``K`` for softmax) and
    ``q = n_features + fit_intercept`` parameters per output. Parameters are
    ordered output by output, each as ``[intercept, coef_1, ..., coef_d]``;
    the flat index of ``(output k, term j)`` is ``k * q + j``. Softmax
    parameters are the symmetric (zero-sum over classes) coefficients of
    ``coef_``; the summary turns them into the reference-class
    parametrisation (see ``logitron.inference.covariance``).

    Attributes
    ----------
    params : ndarray of shape (m, q)
        Estimates, intercept first.
    information : ndarray of shape (m*q, m*q)
        Observed (= expected, for the canonical logit link) Fisher
        information ``-d2 loglik / dtheta2``. Singular along the softmax
        gauge directions; positive definite once a reference class is fixed
        and the columns of ``X`` are linearly independent.
    meat : ndarray of shape (m*q, m*q)
        ``sum_i s_i g_i g_i^T``: the middle of the sandwich covariance.
    loglik : float
        Log-likelihood at the estimate.
    loglik_null : float
        Log-likelihood of the intercept-only model (class frequencies), or of
        ``z = 0`` (all classes equally likely) without an intercept, as R's
        ``glm`` does.
    nobs : float
        ``sum(s)``: the number of observations under frequency weights.
    n_samples : int
        Rows of ``X`` with non-zero weight.
    fit_intercept : bool
    term_names : tuple of str, length q
        ``"Intercept"`` (if fitted) followed by the feature names.
    class_names : tuple of str, length K
        ``str`` of each label in ``classes_`` order.
    response_name : str
        Name of the dependent variable (``"y"`` unless a formula named it).
    converged : bool
        Whether the solver met its tolerance.
    separation : str
        The separation diagnostic's message, ``""`` when the data are not
        separated.
    n_dropped : int
        Rows dropped for missing values before the fit (R's "observations
        deleted due to missingness"); 0 when none were.
    log2_scale : ndarray of shape (m*q,) or None
        Set when the fit ran on rescaled columns or weights (see
        ``logitron._scaling``): ``information`` and ``meat`` are then those
        of the rescaled problem, and the true ones are
        ``D @ information @ D`` with ``D = diag(2**log2_scale)``, which may
        not fit in a float while the standard errors do. None means 0.
    infinite : tuple of str
        Per coefficient of the summary's parametrisation (first class as
        reference, intercept first): ``"+inf"`` / ``"-inf"`` for an estimate
        that does not exist and diverges that way, ``""`` for a finite one;
        empty when no estimate is infinite (``inference.infinite``).
    separation_checked : bool
        False when the diagnosis could neither prove that the estimate
        exists nor find a separation (a Dask fit, whose data never come into
        memory for the linear programs); the summary says so.
    """

    params: FloatArray
    information: FloatArray
    meat: FloatArray
    loglik: float
    loglik_null: float
    nobs: float
    n_samples: int
    fit_intercept: bool
    term_names: tuple[str, ...]
    class_names: tuple[str, ...]
    response_name: str = "y"
    converged: bool = True
    separation: str = ""
    n_dropped: int = 0
    log2_scale: FloatArray | None = None
    infinite: tuple[str, ...] = ()
    separation_checked: bool = True

    @property
    def n_outputs(self) -> int:
        return int(self.params.shape[0])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @cached_property
    def inverses(self) -> dict[bytes, FloatArray]:
        """The inverse informations ``covariance`` computed of this record, by
        parametrisation (not a field: ``dataclasses.replace`` drops them)."""
        return {}

    def replaced(self, **changes: Any) -> FitInference:
        """``dataclasses.replace``, keeping the inverses where the information stays."""
        record = dataclasses.replace(self, **changes)
        if "information" not in changes:
            record.inverses.update(self.inverses)
        return record

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form for model files.

        Returns
        -------
        dict
            ``{"format": RECORD_FORMAT, <field>: value}`` where arrays stay
            float64 ndarrays, ``term_names`` and ``class_names`` become lists
            of str, and the rest are Python float, int, bool or str. No
            pickled object; ``from_dict`` inverts it exactly.
        """
        plain: dict[str, Any] = {"format": RECORD_FORMAT}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue  # optional field left at its default
            if isinstance(value, np.ndarray):
                plain[field.name] = np.array(value, dtype=np.float64)
            elif isinstance(value, tuple):
                plain[field.name] = [str(item) for item in value]
            else:
                plain[field.name] = value
        return plain

    @classmethod
    def from_dict(cls, plain: dict[str, Any]) -> FitInference:
        """Rebuild the record from ``to_dict()`` output (arrays may come back
        as nested lists, e.g. from JSON). Raises ValueError on a missing
        field, an unknown format or inconsistent shapes."""
        if plain.get("format") != RECORD_FORMAT:
            raise ValueError(
                f"Unsupported inference record format {plain.get('format')!r}; "
                f"this version of logitron reads format {RECORD_FORMAT}."
            )
        # Fields added after format 1 was first written: absent means none
        # (files written before ``separation_checked`` were all checked).
        plain = {
            "n_dropped": 0, "log2_scale": None, "infinite": (), "separation_checked": True,
            **plain,
        }
        missing = [f.name for f in fields(cls) if f.name not in plain]
        if missing:
            raise ValueError(f"Inference record is missing the fields {missing}.")
        params = np.atleast_2d(np.asarray(plain["params"], dtype=np.float64))
        size = params.size
        record = cls(
            params=params,
            information=np.asarray(plain["information"], dtype=np.float64).reshape(
                size, size
            ),
            meat=np.asarray(plain["meat"], dtype=np.float64).reshape(size, size),
            loglik=float(plain["loglik"]),
            loglik_null=float(plain["loglik_null"]),
            nobs=float(plain["nobs"]),
            n_samples=int(plain["n_samples"]),
            fit_intercept=bool(plain["fit_intercept"]),
            term_names=tuple(str(name) for name in plain["term_names"]),
            class_names=tuple(str(name) for name in plain["class_names"]),
            response_name=str(plain["response_name"]),
            converged=bool(plain["converged"]),
            separation=str(plain["separation"]),
            n_dropped=int(plain["n_dropped"]),
            log2_scale=(
                None
                if plain.get("log2_scale") is None
                else np.asarray(plain["log2_scale"], dtype=np.float64).reshape(size)
            ),
            infinite=tuple(str(label) for label in plain.get("infinite", ())),
            separation_checked=bool(plain["separation_checked"]),
        )
        scale = record.log2_scale
        if scale is not None and not np.all((np.abs(scale) <= 4096) & (scale == np.trunc(scale))):
            raise ValueError("Inference record's log2_scale must hold whole exponents.")
        if len(record.term_names) != params.shape[1]:
            raise ValueError(
                f"Inference record has {params.shape[1]} parameters per output but "
                f"{len(record.term_names)} term names."
            )
        return record


@dataclass
class RecordSums:
    """The additive parts of the record over some rows (a block, or all).

    Each field is a sum over the rows, so the record of data split into row
    blocks is the record of the blocks' sums added (``+``): the in-memory
    fit computes one ``RecordSums`` over all rows, a Dask fit one per block.
    Arrays are in the unit's ``[coef | intercept]`` layout. A per-cluster
    score sum (cluster-robust covariances) adds the same way, keyed by
    cluster label.
    """

    loglik: float
    information: FloatArray
    meat: FloatArray
    class_totals: FloatArray  # sum of s over the rows of each class
    n_samples: int  # rows with s > 0

    def __add__(self, other: RecordSums) -> RecordSums:
        return RecordSums(
            self.loglik + other.loglik,
            self.information + other.information,
            self.meat + other.meat,
            self.class_totals + other.class_totals,
            self.n_samples + other.n_samples,
        )


def record_sums(
    unit: Any,
    loss: Any,
    y: FloatArray,
    sample_weight: FloatArray,
    n_classes: int,
    raw: FloatArray,
    with_meat: bool = True,
) -> RecordSums:
    """The record's sums over the rows of ``unit.data`` at ``raw = z(theta)``.

    One loss evaluation and one pass over ``X`` for the Gram products of the
    information and the meat (module doc for the formulas). Without
    ``with_meat`` the meat is left out (NaN: never a plausible number), for
    a caller that adds it later with ``meat_at``.
    """
    weight = np.asarray(sample_weight, dtype=np.float64)
    loss_pointwise, grad_raw, curvature = loss.value_gradient_hessian(y, raw)
    loglik = -accurate_dot(weight, np.asarray(loss_pointwise))
    blocks = [
        [(k, l, weight * h) for k, l, h in loss.hessian_blocks(curvature)],  # noqa: E741
    ]
    if with_meat:
        blocks.append(_score_blocks(grad_raw, weight))
    # Only the blocks' weights are needed from here: the n-sized pointwise
    # arrays go before the Gram products allocate theirs.
    del loss_pointwise, grad_raw, curvature
    information, *rest = unit.hessians(blocks)
    meat = rest[0] if with_meat else np.full_like(information, np.nan)
    del blocks
    class_totals = np.bincount(
        np.asarray(y, dtype=np.intp), weights=weight, minlength=n_classes
    ).astype(np.float64)
    return RecordSums(
        loglik, information, meat, class_totals, int(np.count_nonzero(weight))
    )


def record_from_sums(
    sums: RecordSums,
    unit: Any,
    theta: FloatArray,
    *,
    term_names: tuple[str, ...],
    class_names: tuple[str, ...],
    converged: bool,
    separation: str = "",
    separation_checked: bool = True,
    response_name: str = "y",
) -> FitInference:
    """The record of the rows behind ``sums`` at the estimate ``theta``:
    p-sized work only (reordering to intercept first, the null model)."""
    order = information_order(unit)
    weights = unit.weights(np.asarray(theta, dtype=np.float64)).reshape(
        unit.n_outputs, -1
    )
    if unit.n_outputs > 1:
        # Report the symmetric representative of the softmax gauge, like coef_.
        weights = weights - weights.mean(axis=0)
    params = weights.ravel()[order].reshape(unit.n_outputs, -1)
    return FitInference(
        params=params,
        information=sums.information[np.ix_(order, order)],
        meat=sums.meat[np.ix_(order, order)],
        loglik=float(sums.loglik),
        loglik_null=null_loglik(sums.class_totals, unit.fit_intercept),
        nobs=accurate_sum(sums.class_totals),
        n_samples=int(sums.n_samples),
        fit_intercept=bool(unit.fit_intercept),
        term_names=term_names,
        class_names=class_names,
        response_name=response_name,
        converged=bool(converged),
        separation=separation,
        separation_checked=bool(separation_checked),
    )


def compute_fit_inference(
    unit: Any,
    loss: Any,
    y: FloatArray,
    sample_weight: FloatArray,
    theta: FloatArray,
    *,
    term_names: tuple[str, ...],
    class_names: tuple[str, ...],
    converged: bool,
    separation: str = "",
    response_name: str = "y",
    raw: FloatArray | None = None,
    with_meat: bool = True,
) -> FitInference:
    """Evaluate the record at the unpenalised estimate ``theta``.

    One forward pass for ``z`` and one Gram product per Hessian block for the
    information and for the meat; no refit.

    Parameters
    ----------
    unit : LinearUnit
        The fitted linear unit (``theta`` in its ``[coef | intercept]``
        layout).
    loss : BinaryCrossEntropy or SoftmaxCrossEntropy
    y : ndarray of shape (n,)
        Encoded labels as the objective sees them.
    sample_weight : ndarray of shape (n,)
        Frequency weights ``s`` (float64), class weights included.
    theta : ndarray of shape (n_params,)
        The solver's estimate.
    raw : ndarray, optional
        ``unit.forward(theta)`` when the caller already has it.
    with_meat : bool, default=True
        False leaves the meat out (``record_sums``).
    """
    if raw is None:
        raw = unit.forward(theta)
    sums = record_sums(unit, loss, y, sample_weight, len(class_names), raw, with_meat)
    return record_from_sums(
        sums, unit, theta, term_names=term_names, class_names=class_names,
        converged=converged, separation=separation, response_name=response_name,
    )


def _score_blocks(
    grad_raw: FloatArray, weight: FloatArray
) -> list[tuple[int, int, FloatArray]]:
    """``(k, l, s * r_k * r_l)`` for ``k <= l``: the pointwise outer products of
    the score ``r = dloss/dz``, which the unit's Hessian turns into the meat."""
    residual = np.asarray(grad_raw, dtype=np.float64)
    if residual.ndim == 1:
        return [(0, 0, weight * residual * residual)]
    n_outputs = residual.shape[1]
    return [
        (k, l, weight * residual[:, k] * residual[:, l])
        for k in range(n_outputs)
        for l in range(k, n_outputs)  # noqa: E741
    ]


def information_order(unit: Any) -> np.ndarray:
    """Permutation from the unit's ``[coef | intercept]`` rows to
    ``[intercept, coef]`` rows."""
    width = unit.n_features + int(unit.fit_intercept)
    row = np.arange(width)
    if unit.fit_intercept:
        row = np.concatenate([[unit.n_features], np.arange(unit.n_features)])
    return np.concatenate([k * width + row for k in range(unit.n_outputs)])
