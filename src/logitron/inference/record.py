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

from .._numerics import FloatArray

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
