"""The inference record of an unpenalised Dask fit, from one pass over the blocks.

The pass runs when the record is first asked for (``lazy_record``), or at
the end of ``fit`` when the fit's screen could not prove that the estimate
exists (then the diagnosis below gives the fit's warning).

Every part of ``FitInference`` that depends on the data is a sum over rows
(``inference.record_sums.RecordSums``: log-likelihood, Fisher information,
sandwich meat, class totals, row count), so one graph at the estimate
computes each block's sums with the in-memory code and adds them: the
summary, its covariances (nonrobust, HC0, HC1), the likelihood-ratio test,
AIC and BIC are then those of the in-memory fit.

The same pass diagnoses separation as far as sums allow (unless the fit's
screen, the same certificate from the fit's own passes, settled it):

1. Stiemke's certificate from sums (``inference.separation_sums``): proves
   that the estimate exists; at a converged estimate of data that are not
   separated its correction is of the order of the solver's tolerance, so
   it settles such fits unless the information is nearly singular.
2. Otherwise, whether the estimate classifies every weighted row right
   (a per-block count): complete separation, seen from its end point.
3. Otherwise the same certificate's row check, in one more pass
   (``separation_sums.corrected_margin``): it settles what the bound of 1.
   is too loose for, a fit stopped at a loose tolerance (far from its
   optimum the score is not tiny) of data that are not separated; failing
   that, the certificate at up to four Newton iterates past the estimate
   (``_rows_certify``), where the score is smaller.
4. Otherwise the record says the check was not done
   (``separation_checked=False``): quasi-complete separation needs the
   linear programs of ``inference.separation``, which need ``X`` in memory.

What needs the rows again (HC2/HC3, clusters, marginal effects, predictions
with intervals) is ``model.statistics(X, y)`` on the dask rows
(``dask.model_statistics``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._numerics import FloatArray
from ..backends.dask_backend import as_block_matrix
from ..backends.numpy_backend import ArrayData
from ..inference.record import FitInference
from ..inference.record_sums import RecordSums, record_from_sums, record_sums
from ..inference.separation import classifies_every_row
from ..inference.separation_sums import (
    CORRECTION_LIMIT,
    CertificateSums,
    WorstRow,
    certificate_correction,
    certificate_sums,
    certified_by_bound,
    corrected_margin,
)
from ..neuron import LinearUnit
from . import group_terms
from .block_model import BlockModel
from .block_terms import encoded

#: The warning and summary note of a fit whose separation was not ruled out.
SEPARATION_NOT_RULED_OUT = (
    "possible quasi-complete separation: on Dask the existence of the "
    "maximum-likelihood estimate could not be proved from the blocks' sums, "
    "and the linear programs that detect quasi-complete separation need the "
    "data in memory, so they did not run. Very large coefficients or "
    "standard errors point to it; fit a sample in memory to diagnose it, or "
    "use a finite C, or Firth's fit (FirthLogisticRegression, on Dask too)."
)


@dataclass
class BlockRecord:
    """One block's (or several blocks') part of the record and of the
    separation diagnosis; ``misclassified`` counts blocks with a weighted
    row on the wrong side at the estimate."""

    sums: RecordSums
    certificate: CertificateSums
    misclassified: int

    def __add__(self, other: BlockRecord) -> BlockRecord:
        return BlockRecord(
            self.sums + other.sums,
            self.certificate + other.certificate,
            self.misclassified + other.misclassified,
        )


def record_block(
    X_block: Any, y_block: Any, weight_block: Any, model: BlockModel, theta: FloatArray
) -> tuple[None, BlockRecord]:
    """The block's record sums at the estimate ``theta``: one forward pass
    and the Gram products of the in-memory record."""
    X = as_block_matrix(X_block, model.dtype)
    y_index, weight = encoded(model, len(X), y_block, weight_block)
    unit = LinearUnit(ArrayData(X), model.n_outputs, model.fit_intercept)
    raw = unit.forward(theta)
    # The labels as the in-memory objective hands them to the loss.
    labels = y_index.astype(model.dtype)
    sums = record_sums(unit, model.loss(), labels, weight, len(model.classes), raw)
    certificate = certificate_sums(unit, X, y_index, weight, raw)
    misclassified = int(not classifies_every_row(raw, y_index, weight))
    return None, BlockRecord(sums, certificate, misclassified)


def fit_record(
    objective: Any,
    theta: FloatArray,
    converged: bool,
    *,
    feature_names: list[str],
    class_names: list[str],
    response_name: str = "y",
    identified: bool = False,
) -> FitInference:
    """The ``inference_`` record of an unpenalised fit on Dask: one graph.

    Parameters
    ----------
    objective : DaskLogisticObjective
        The objective the solver minimised (its blocks, model and unit).
    theta : ndarray
        The solver's estimate, in the unit's layout.
    converged : bool
        Whether the solver met its tolerance.
    feature_names, class_names : list of str
        Names of the columns of ``X`` and of the classes.
    response_name : str
        Name of the dependent variable.
    identified : bool
        The fit's screen proved that the estimate exists
        (``lazy_record``): the separation diagnosis is settled.
    """
    theta = np.asarray(theta, dtype=np.float64)
    # One task per group of blocks, as the solver's passes (``block_groups``).
    total, _ = _each_block(objective, record_block, theta)
    unit = objective.unit
    separation, checked = "", True
    if not identified and not certified_by_bound(
        unit, total.certificate, total.sums.information
    ):
        if total.misclassified == 0:
            separation = _complete_separation(total.sums.n_samples)
        else:
            checked = _rows_certify(objective, theta, total)
    return record_from_sums(
        total.sums, unit, theta,
        term_names=term_names(unit, feature_names),
        class_names=tuple(class_names),
        converged=converged,
        separation=separation,
        separation_checked=checked,
        response_name=response_name,
    )


def row_check_block(
    X_block: Any, y_block: Any, weight_block: Any, model: BlockModel,
    theta: FloatArray, correction: FloatArray,
) -> tuple[None, WorstRow]:
    """The block's smallest ``corrected_margin`` at the estimate ``theta``."""
    X = as_block_matrix(X_block, model.dtype)
    y_index, weight = encoded(model, len(X), y_block, weight_block)
    unit = LinearUnit(ArrayData(X), model.n_outputs, model.fit_intercept)
    return None, WorstRow(corrected_margin(unit, y_index, weight, unit.forward(theta), correction))


def _rows_certify(objective: Any, theta: FloatArray, total: BlockRecord) -> bool:
    """Step 3 of the module doc: the certificate's row check (one pass); if
    it fails, the certificate again at up to ``CERTIFICATE_NEWTON_STEPS``
    Newton iterates past ``theta`` (two passes each: the sums, then the rows
    if their bound fails). The certificate proves a property of the data
    from any point, and it is strongest near the optimum: a fit stopped at
    ``tol=0.1`` may be too far from it for the rows to hold."""
    for step in range(CERTIFICATE_NEWTON_STEPS + 1):
        correction = certificate_correction(
            objective.unit, total.certificate, total.sums.information
        )
        if correction is None:
            return False
        if step > 0 and certified_by_bound(
            objective.unit, total.certificate, total.sums.information
        ):
            return True
        worst, _ = _each_block(objective, row_check_block, theta, correction)
        if worst.margin > -CORRECTION_LIMIT:
            return True
        if step < CERTIFICATE_NEWTON_STEPS:
            # The correction is minus the inverse information times the
            # score (minus the gradient): the unpenalised Newton step from
            # theta is its opposite.
            theta = theta - correction
            total, _ = _each_block(objective, record_block, theta)
    return False


#: Newton iterates past a loosely converged estimate at which the
#: certificate is sought before separation is reported as not ruled out.
CERTIFICATE_NEWTON_STEPS = 4


def _each_block(objective: Any, block_task: Any, *constants: Any) -> tuple[Any, Any]:
    """``block_task`` over every block, one task per group (one graph)."""
    return objective.blocks.map_sum(
        group_terms.each_block, [(sources,) for sources in objective.groups.sources],
        (block_task, objective.model, *constants),
    )


def term_names(unit: Any, feature_names: list[str]) -> tuple[str, ...]:
    """The record's terms: the intercept first, as R and statsmodels."""
    return tuple((["Intercept"] if unit.fit_intercept else []) + list(feature_names))


def separation_warning(record: FitInference) -> str:
    """What the fit warns of: the record's separation, or that it was not
    ruled out (a converged fit whose diagnosis could not tell)."""
    if not record.separation_checked and record.converged:
        return SEPARATION_NOT_RULED_OUT
    return record.separation


def _complete_separation(n_rows: int) -> str:
    return (
        f"complete separation: the fitted model classifies all {n_rows} "
        "observations perfectly (perfect separation), so fitted probabilities "
        "tend to 0 or 1 and the maximum-likelihood estimate does not exist "
        "(some coefficients grow without bound). Which features separate was "
        "not diagnosed: the linear programs that name them need the data in "
        "memory. Use a finite C for a penalised fit, or drop or merge the "
        "separating features."
    )
