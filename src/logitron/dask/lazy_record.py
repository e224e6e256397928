"""The statistics record of an unpenalised Dask fit, computed when first asked for.

As in memory (``logitron._lazy_record``), ``fit`` returns without the record
(``dask.statistics.fit_record``: one more pass over every block, as costly
as a Newton iteration) and keeps what computing it needs: the objective's
``DaskBlocks`` and block groups, which are graphs over the caller's
collections (the tasks that read the files, or the keys of a persisted
collection), not copies of the data. ``inference_``, a ``summary()`` with a
sandwich covariance, ``statistics(...)``, a model file or a pickle sends
that pass; ``compute_statistics()`` sends it now, ``release_training_data()``
drops the graphs. Holding them keeps a *persisted* collection's blocks on
the workers (the graph holds their futures) until then; files are read
again when the record is computed, and must be unchanged: the record's
log-likelihood must be the fit's (``PendingDaskRecord.compute``).

The default ``summary()`` (nonrobust) needs every part of the record but
the meat, and when the solver's last pass was at the estimate (Newton
stopped by its tolerance) the fit has them all: the log-likelihood and the
Fisher information are minus and plus ``sum(s)`` times that pass's value
and Hessian, the class totals and rows of positive weight are the labels'
pass's. That summary then costs no pass (``information_record``). When the
estimate is one Newton step beyond the last pass, it costs the record's
pass: a step below the rounding of ``J`` (softmax at its default tol), or
a two-class step whose convergence Newton bounded instead of reading the
data again (``solvers.newton_certificate``; most two-class fits end so).
Then the log-likelihood the record is checked against is that pass's
quadratic model, whose error is bounded (``_value_at``).

The separation warning stays at ``fit``. Its certificate
(``inference.fit_screen.identified_from_sums``) needs the score and the
Fisher information at one point, which the Newton solver's last pass
computed (minus and plus ``sum(s)`` times its gradient and Hessian; at the
estimate, or one Newton step before it: the certificate proves a property
of the data, from any point), the largest ``|x_ij|`` per
column (from the first pass, which checks ``X``'s values anyway) and how far
the probabilities at that point are from underflowing (from the last pass):
nothing more is read. When that cannot prove that the estimate exists
(separated data; a solver whose last pass has no Hessian, L-BFGS or
gradient descent), ``fit`` computes the record at once and warns from its
diagnosis, as before.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._numerics import FloatArray
from ..inference.fit_screen import identified_from_sums
from ..inference.model_data import SAME_ROWS_RTOL
from ..inference.record import FitInference
from ..inference.record_sums import RecordSums, record_from_sums
from ..solvers.newton_certificate import quadratic_model_error
from .statistics import fit_record, term_names

if TYPE_CHECKING:
    from ..fitting import FitOutcome
    from .block_model import Evaluation
    from .objective import DaskLogisticObjective


@dataclass
class PendingDaskRecord:
    """What computing an unpenalised Dask fit's record needs, kept from its fit.

    ``objective`` holds the blocks' graphs, not their data, and nothing on
    the workers (``release_workers``); ``loglik`` is the fit's own at
    ``theta`` (``-sum(s) * J``), which the record must find again (None when
    the solver's last pass was at a point whose ``J`` may differ: nothing to
    compare).
    ``changes`` are fields to replace in the record once computed.
    """

    objective: DaskLogisticObjective
    theta: FloatArray
    converged: bool
    loglik: float | None
    feature_names: list[str]
    class_names: list[str]
    response_name: str
    changes: dict[str, Any] = field(default_factory=dict)
    #: The record without its meat, from the fit's own last pass (None when
    #: that pass was not at the estimate or had no Hessian).
    without_meat: FitInference | None = None

    @property
    def meat_apart(self) -> bool:
        """Whether the default summary needs no pass (``without_meat``)."""
        return self.without_meat is not None

    def compute(self) -> FitInference:
        """The record from one pass over the blocks (``fit_record``).

        Raises
        ------
        ValueError
            When the blocks' log-likelihood at the estimate is not the fit's:
            the data behind the collection changed after ``fit``.
        """
        record = fit_record(
            self.objective, self.theta, self.converged, feature_names=self.feature_names,
            class_names=self.class_names, response_name=self.response_name, identified=True,
        )
        if self.loglik is not None and (
            abs(record.loglik - self.loglik) > SAME_ROWS_RTOL * abs(self.loglik) + 1e-9
        ):
            raise ValueError(
                "The training data changed after fit: the log-likelihood of the "
                f"collection's rows at the estimates is {record.loglik:.10g}, the fit's "
                f"was {self.loglik:.10g}, so the statistics record (inference_, "
                "summary()) cannot be computed from them. Fit again, or call "
                "model.compute_statistics() right after fit, before the files change."
            )
        return dataclasses.replace(record, **self.changes) if self.changes else record

    def information_record(self) -> FitInference:
        """The record without its meat, which the fit's passes gave (the
        default ``summary()``: no pass), else the whole record."""
        if self.without_meat is None:
            return self.compute()
        record = self.without_meat
        return record.replaced(**self.changes) if self.changes else record


def after_fit(
    objective: DaskLogisticObjective,
    outcome: FitOutcome,
    *,
    feature_names: list[str],
    class_names: list[str],
    response_name: str,
) -> tuple[FitInference | None, PendingDaskRecord | None]:
    """``(None, pending)`` when the fit's screen proves that the estimate
    exists, else ``(record, None)`` computed now (module doc)."""
    theta = np.asarray(outcome.theta, dtype=np.float64)
    total_weight = objective.model.total_weight
    last = objective.last_evaluation()
    identified = (
        last is not None
        and last.gradient is not None
        and last.hessian is not None
        and objective.column_bound is not None
        and identified_from_sums(
            objective.unit, -total_weight * last.gradient, total_weight * last.hessian,
            objective.column_bound, last.widest_margin,
        )
    )
    converged = bool(outcome.result.converged)
    loglik = None
    at_estimate = last is not None and np.array_equal(last.theta, theta)
    value = None if last is None else _value_at(objective, last, theta)
    if value is not None:
        loglik = -total_weight * value
    # The arrays the last passes left on the workers go now, pending or not.
    objective.release_workers()
    if not identified:
        record = fit_record(
            objective, theta, converged, feature_names=feature_names,
            class_names=class_names, response_name=response_name,
        )
        return record, None
    pending = PendingDaskRecord(
        objective, theta, converged, loglik, list(feature_names), list(class_names),
        response_name,
    )
    stats = objective.label_stats
    if at_estimate and last is not None and last.hessian is not None and (
        stats is not None and stats.positive_counts is not None
    ):
        # Every part of the record but the meat is the fit's already: the
        # information is the total weight times Newton's last Hessian, at
        # the estimate (unpenalised); the class totals and rows of positive
        # weight come from the labels' pass.
        class_weight = objective.model.class_weight
        sums = RecordSums(
            -total_weight * last.value, total_weight * last.hessian,
            np.full_like(last.hessian, np.nan), stats.weight_sums * class_weight,
            stats.n_weighted_rows(class_weight),
        )
        pending.without_meat = record_from_sums(
            sums, objective.unit, theta,
            term_names=term_names(objective.unit, feature_names),
            class_names=tuple(class_names), converged=converged,
            response_name=response_name,
        )
    return None, pending


def _value_at(
    objective: DaskLogisticObjective, last: Evaluation, theta: FloatArray
) -> float | None:
    """``J(theta)`` from the last pass, or None: its value at its own point;
    one Newton step further (``solvers.newton_certificate``), its quadratic
    model where the model's error (``quadratic_model_error``, two classes)
    is far below what the record's check of the log-likelihood can see;
    else None (no check). Softmax (no such bound): only a step whose model
    change is itself below the check's resolution (Newton's last step below
    the rounding of ``J``).
    """
    if np.array_equal(last.theta, theta):
        return last.value
    if last.gradient is None or last.hessian is None:
        return None
    step = np.asarray(theta, dtype=np.float64) - last.theta
    change = float(last.gradient @ step + 0.5 * step @ last.hessian @ step)
    resolution = 1e-3 * SAME_ROWS_RTOL * abs(last.value)
    bound = objective.parameter_bound()
    if bound is None:
        return last.value if abs(change) <= resolution else None
    error = quadratic_model_error(last.hessian, step, bound)
    return last.value + change if error <= resolution else None
