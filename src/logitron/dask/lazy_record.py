"""The statistics record of an unpenalised Dask fit, computed when first asked for.

As in memory (``logitron._lazy_record``), ``fit`` returns without the record
(``dask.statistics.fit_record``: one more pass over every block, as costly
as a Newton iteration) and keeps what computing it needs: the objective's
``DaskBlocks`` and block groups, which are graphs over the caller's
collections (the tasks that read the files, or the keys of a persisted
collection), not copies of the data. The first ``summary()``, ``inference_``,
``statistics(...)``, model file or pickle sends that pass;
``compute_statistics()`` sends it now, ``release_training_data()`` drops the
graphs. Holding them keeps a *persisted* collection's blocks on the workers
(the graph holds their futures) until then; files are read again when the
record is computed, and must be unchanged: the record's log-likelihood must
be the fit's (``PendingDaskRecord.compute``).

The separation warning stays at ``fit``. Its certificate
(``inference.fit_screen.identified_from_sums``) needs the score and the
Fisher information at one point, which the Newton solver's last pass
computed (minus and plus ``sum(s)`` times its gradient and Hessian; at the
estimate, or one rounding-level Newton step before it: the certificate
proves a property of the data, from any point), the largest ``|x_ij|`` per
column (from the first pass, which checks ``X``'s values anyway) and how far
the probabilities at that point are from underflowing (from the last pass):
nothing more is read. When that cannot
prove that the estimate exists (separated data; a solver whose last pass has
no Hessian, L-BFGS or gradient descent), ``fit`` computes the record at once
and warns from its diagnosis, as before.
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
from .statistics import fit_record

if TYPE_CHECKING:
    from ..fitting import FitOutcome
    from .objective import DaskLogisticObjective


@dataclass
class PendingDaskRecord:
    """What computing an unpenalised Dask fit's record needs, kept from its fit.

    ``objective`` holds the blocks' graphs, not their data, and nothing on
    the workers (``release_workers``); ``loglik`` is the fit's own at
    ``theta`` (``-sum(s) * J``), which the record must find again (None when
    the solver's last pass was at another point: nothing to compare).
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
    #: One pass gives the information and the meat together.
    meat_apart = False

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
        """The whole record (``summary()`` asks for this one first)."""
        return self.compute()


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
    if last is not None and np.array_equal(last.theta, theta):
        loglik = -total_weight * last.value
    # The arrays the last passes left on the workers go now, pending or not.
    objective.release_workers()
    if not identified:
        record = fit_record(
            objective, theta, converged, feature_names=feature_names,
            class_names=class_names, response_name=response_name,
        )
        return record, None
    return None, PendingDaskRecord(
        objective, theta, converged, loglik, list(feature_names), list(class_names),
        response_name,
    )
