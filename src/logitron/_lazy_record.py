"""The statistics record of an unpenalised fit, computed when first asked for.

An in-memory fit with ``C=np.inf`` used to compute its ``inference_`` record
(Fisher information, sandwich meat, separation certificate: two Gram
products over all rows) before returning, 1.6x to 8x the fit itself. Now
``fit`` runs the screen of ``inference.fit_screen`` (one backward pass and
the Gram product of a row sample) and keeps a ``PendingRecord``: references
to the data the fit already validated, which the record is computed from
when first read (``summary()``, ``inference_``, a model file, a pickle).
The screen failing (separated data, nearly collinear columns) computes the
record at once, so the fit's warnings stay those of the full record. On
wide data, where the screen's Gram would cost more than the fit
(``fit_screen.screen_pays``), the fit runs no screen: the separation and
collinearity warnings come when the record is computed.

What is kept: a reference to the validated ``X`` (no copy: the array the
caller passed when validation did not have to convert it), and copies of
the n-sized vectors that are not the caller's: class indices, weights, the
offset and ``z`` at the estimate, together ``n * (3 + K) * 8`` bytes at most.
``z`` makes the lazy record equal to the eager one bit for bit (the solver's
own ``z``), and guards the data: before computing, ``X @ coef`` is evaluated
again and must give the kept ``z``; a caller who changed ``X`` in place gets
a ``ValueError`` rather than a record of other data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from . import _scaling, fitting
from ._numerics import FloatArray
from ._scaling import Rescaling
from .backends import as_data
from .inference import FitInference, record_fit
from .inference.collinearity import warn_if_collinear
from .inference.fit_record import infinite_labels, meat_at
from .inference.fit_screen import identified_and_regular, sample_rows, screen_pays
from .inference.separation import warn_if_separated
from .neuron import LinearUnit
from .objective import LogisticObjective
from .solvers.newton import cholesky_solve, shifted_cholesky


class LazyRecord(Protocol):
    """What an estimator keeps for a record not computed yet: this module's
    ``PendingRecord`` (in memory) or ``dask.lazy_record.PendingDaskRecord``."""

    #: Fields to replace in the record once computed.
    changes: dict[str, Any]

    @property
    def meat_apart(self) -> bool:
        """Whether ``information_record`` (the default summary's) costs less
        than the whole record: it leaves the meat out."""

    def compute(self) -> FitInference: ...

    def information_record(self) -> FitInference: ...


@dataclass
class PendingRecord:
    """What computing an unpenalised fit's record needs, kept from its fit.

    ``X`` is the validated design (before any rescaling: ``rescaling`` is
    applied again, as the fit did); ``sample_weight``, ``theta`` and ``raw``
    (``z``) are the fit's, in the rescaled problem when there is one;
    ``changes`` are fields to replace in the record once computed (a formula's
    response name, the rows dropped for missing values).
    """

    X: Any
    y_index: np.ndarray
    sample_weight: FloatArray
    offset: FloatArray | None
    theta: FloatArray
    raw: FloatArray
    converged: bool
    fit_intercept: bool
    n_classes: int
    rescaling: Rescaling | None
    feature_names: list[str]
    class_names: list[str]
    response_name: str
    changes: dict[str, Any] = field(default_factory=dict)
    #: Whether the fit's screen proved that the estimate exists.
    identified: bool = False
    #: The fit's objective ``J`` at ``theta`` where its solver evaluated it:
    #: the log-likelihood without a pass of the loss (``known_loglik``).
    value: float | None = None
    #: The record without its meat, once ``summary()`` asked for one.
    without_meat: FitInference | None = None
    #: Separated data: the record the fit computed for its warning, all but
    #: ``infinite``, whose linear programs wait for the first reader.
    without_infinite: FitInference | None = None
    #: That record with ``infinite``, once a reader asked (``summary()``
    #: reads it without completing the estimator's record).
    with_infinite: FitInference | None = None
    #: The meat is a second Gram product over ``X``.
    meat_apart = True

    def compute(self) -> FitInference:
        """The record ``record_fit`` computes from the fit's data and ``z``
        (only the meat, when ``summary()`` computed the rest).

        Raises
        ------
        ValueError
            When ``X @ coef`` no longer gives the fit's ``z``: the training
            ``X`` was changed in place after ``fit``.
        """
        if self.without_infinite is not None:
            return self._revised(self._separated_record())
        objective = self._objective()
        if self.without_meat is not None:
            meat = meat_at(
                objective.unit, objective.loss, objective.y, self.sample_weight, self.raw
            )
            return self._revised(self.without_meat.replaced(meat=meat))
        return self._revised(self._first_record(objective, with_meat=True))

    def information_record(self) -> FitInference:
        """The record with its meat left out (NaN), for the default
        ``summary()``: one Gram product, the Fisher information."""
        if self.without_infinite is not None:
            return self._revised(self._separated_record())
        if self.without_meat is None:
            self.without_meat = self._first_record(self._objective(), with_meat=False)
        return self._revised(self.without_meat)

    def _separated_record(self) -> FitInference:
        """The fit's record of separated data with the directions of its
        infinite estimates, computed once from the kept data (checked)."""
        assert self.without_infinite is not None
        if self.with_infinite is None:
            objective = self._objective()
            self.with_infinite = self.without_infinite.replaced(infinite=infinite_labels(
                objective.unit.data.X, self.y_index, self.sample_weight,
                fit_intercept=self.fit_intercept, n_classes=self.n_classes,
            ))
        return self.with_infinite

    def _first_record(self, objective: LogisticObjective, with_meat: bool) -> FitInference:
        """The record computed for the first time; where the fit ran no
        screen (wide data), with the warnings the fit would have given."""
        record = self.record_from(objective, with_meat=with_meat)
        if not self.identified:
            warn_if_separated(record.separation, stacklevel=4)
            warn_if_collinear(record, stacklevel=4)
        return record

    def _objective(self) -> LogisticObjective:
        """The fit's objective again, over the kept data, checked against
        the fit's ``z`` and holding it."""
        X = self.X if self.rescaling is None else self.rescaling.scale_X(self.X)
        objective = LogisticObjective.from_arrays(
            X, self.y_index, self.n_classes, self.sample_weight,
            fit_intercept=self.fit_intercept, C=np.inf, offset=self.offset,
        )
        _check_unchanged(objective.unit.forward(self.theta, objective.offset), self.raw)
        objective.remember(self.theta, self.raw, self.value)
        return objective

    def record_from(
        self, objective: LogisticObjective, with_meat: bool, with_infinite: bool = True
    ) -> FitInference:
        """The record over ``objective``: the fit's own, or ``_objective()``."""
        record = record_fit(
            objective.unit.data.X, self.y_index, self.sample_weight, objective,
            self.theta, self.converged, offset=objective.offset,
            feature_names=self.feature_names, class_names=self.class_names,
            response_name=self.response_name, identified=self.identified,
            with_meat=with_meat, with_infinite=with_infinite,
        )
        if self.rescaling is not None:
            record = _scaling.unscale_record(record, self.rescaling)
        return record

    def _revised(self, record: FitInference) -> FitInference:
        return record.replaced(**self.changes) if self.changes else record


def after_fit(
    outcome: fitting.FitOutcome,
    X: Any,
    y_index: np.ndarray,
    *,
    feature_names: list[str],
    class_names: list[str],
    response_name: str,
) -> tuple[FitInference | None, PendingRecord | None]:
    """``(record, None)`` when the screen asks for the record now, else
    ``(None, pending)``: the state an unpenalised in-memory fit leaves. On
    separated data ``(record, pending)``: the record for the fit's warning,
    and the pending one that completes it with the infinite estimates.

    ``X`` is the validated design the fit started from (``outcome``'s
    objective holds its rescaled copy when there was a rescaling).
    """
    objective = outcome.objective
    assert outcome.sample_weight is not None
    raw = np.array(objective.raw_prediction(outcome.theta))  # the solver's z, cached
    evaluated = objective.cache.find(outcome.theta)
    pending = PendingRecord(
        X=X, y_index=y_index, sample_weight=np.array(outcome.sample_weight),
        offset=None if objective.offset is None else np.array(objective.offset),
        theta=np.array(outcome.theta), raw=raw,
        converged=bool(outcome.result.converged), fit_intercept=objective.unit.fit_intercept,
        n_classes=len(class_names), rescaling=outcome.rescaling,
        feature_names=list(feature_names), class_names=list(class_names),
        response_name=response_name,
        value=None if evaluated is None else evaluated.value,
    )
    unit = objective.unit
    n_params = unit.weight_shape[-1] * unit.n_outputs
    rows = sample_rows(pending.sample_weight, n_params)
    if not screen_pays(unit.data.n_samples, len(rows), n_params):
        objective.forget_all_but(outcome.theta)
        return None, pending  # wide data: the record warns when computed
    # On small data the sample is every row: the fit's own unit, not a copy.
    sample = unit if len(rows) == unit.data.n_samples else LinearUnit(
        as_data(unit.data.X[rows]), unit.n_outputs, unit.fit_intercept
    )
    # The screen proves something of the data (the estimate exists), so any
    # point near the estimate serves: the estimate when the solver evaluated
    # it, else the last point it did (a Newton step too small for J to judge
    # is taken unevaluated; a pass here would undo that saving). Its score is
    # minus the total weight times its gradient (no penalty). Where Newton's
    # last exact Hessian is of every row, the point it was formed at serves,
    # with the total weight times that Hessian as the screen's Gram.
    total = float(np.add.reduce(pending.sample_weight, dtype=np.float64))
    at, gram = _point_with_gram(outcome, sample is unit, total)
    if at is None:
        at = objective.cache.evaluated_near(outcome.theta)
    if at is None or at.raw is None or at.gradient is None:
        # Nothing evaluated is cached: one pass at the estimate.
        screened_raw, score = raw, -total * objective.value_gradient(outcome.theta)[1]
        curvature = None
    else:
        screened_raw, score, curvature = at.raw, -total * at.gradient, at.curvature
    del at  # its dJ/dz goes with the cache's other points
    objective.forget_all_but(outcome.theta)
    identified = identified_and_regular(
        sample, rows, y_index, pending.sample_weight, screened_raw, score,
        gram, curvature,
    ) or _identified_nearer(
        objective, outcome.theta, sample, rows, y_index, pending.sample_weight, total
    )
    objective.forget_all_but(outcome.theta)
    if identified:
        pending.identified = True
        return None, pending
    # The fit's own objective: its (possibly rescaled) X is still in memory.
    record = pending.record_from(objective, with_meat=True, with_infinite=False)
    if not record.separation:
        return record, None
    # The fit warns of the separation now; the summary's infinite estimates
    # (a linear program or two per coefficient, most of the diagnosis's time)
    # are its reader's to pay for.
    pending.without_infinite = record
    return record, pending


def _point_with_gram(
    outcome: fitting.FitOutcome, every_row: bool, total: float
) -> tuple[Any, FloatArray | None]:
    """The cached point of the solver's last exact Hessian and the screen's
    Gram there (``total`` times that Hessian, unpenalised), when the screen
    reads every row, else ``(None, None)``."""
    known = outcome.result.hessian
    objective = outcome.objective
    if known is None or not every_row or objective.penalty.l2_strength:
        return None, None
    at = objective.cache.find(known[0])
    if at is None or at.raw is None or at.gradient is None or at.curvature is None:
        return None, None
    return at, total * known[1]


#: Newton steps the screen takes from the estimate before it gives up and
#: computes the record, whose separation test is a linear program (0.3 s on
#: 20,000 x 20, against 1.5 ms for a step there).
SCREEN_NEWTON_STEPS = 6


def _identified_nearer(
    objective: LogisticObjective, theta: FloatArray, sample: LinearUnit, rows: np.ndarray,
    y_index: np.ndarray, weight: FloatArray, total: float,
) -> bool:
    """The screen again after each of ``SCREEN_NEWTON_STEPS`` full Newton
    steps from the estimate ``theta``, which itself stays as fitted.

    A fit stopped by a loose ``tol`` (or by a sampled start that already met
    it) leaves a score too large for the screen's correction ``u`` to stay
    small, and the screen fails on data that are not separated. The
    certificate proves something of the data, so any point serves, and
    Newton's steps shrink the score quadratically. A step that cannot be
    taken (a Hessian singular beyond shifting, coefficients overflowing on
    separated data) ends the search: the record decides.
    """
    # Newton's Hessian is the screen's Gram where the screen reads every row
    # of one neuron (``_point_with_gram``); softmax forms its own blocks.
    reuse = sample is objective.unit and objective.unit.n_outputs == 1
    null_space = objective.null_space()
    try:
        _, gradient, hessian = objective.value_gradient_hessian(theta)
        for _ in range(SCREEN_NEWTON_STEPS):
            theta = theta - cholesky_solve(shifted_cholesky(hessian, null_space), gradient)
            if not np.isfinite(theta).all():
                return False
            _, gradient, hessian = objective.value_gradient_hessian(theta)
            at = objective.cache.find(theta)
            if at is not None and at.raw is not None and identified_and_regular(
                sample, rows, y_index, weight, at.raw, -total * gradient,
                total * hessian if reuse else None, at.curvature if reuse else None,
            ):
                return True
    except np.linalg.LinAlgError:
        pass
    return False


def revise(estimator: Any, **changes: Any) -> None:
    """Replace fields of ``estimator``'s record, computed or pending (a
    pending one stays pending); nothing when it has none."""
    pending = estimator.__dict__.get("_pending_record")
    if pending is not None:
        pending.changes.update(changes)
        return
    record = getattr(estimator, "inference_", None)
    if record is not None:
        estimator.inference_ = record.replaced(**changes)


def _check_unchanged(fresh: FloatArray, kept: FloatArray) -> None:
    """Refuse to compute a record when ``X @ coef`` moved beyond rounding
    (the solver's ``z`` may come from incremental updates in line searches,
    hence a tolerance of the square root of the unit roundoff)."""
    if fresh.shape != kept.shape:
        raise ValueError(_CHANGED)
    # In place and by reductions: no n-sized temporary beside X's pass
    # (``fresh`` is the caller's own array).
    fresh = np.asarray(fresh, dtype=np.float64)
    largest = max(float(np.max(kept, initial=0)), -float(np.min(kept, initial=0)))
    tolerance = np.sqrt(np.finfo(kept.dtype).eps) * (1.0 + largest)
    np.subtract(fresh, kept, out=fresh)
    # "not (max <= tol)": a NaN in the difference fails too.
    if not float(np.max(np.abs(fresh, out=fresh), initial=0)) <= tolerance:
        raise ValueError(_CHANGED)


_CHANGED = (
    "The training data changed after fit: X @ coef_ no longer gives the "
    "fitted z, so the statistics record (inference_, summary()) cannot be "
    "computed from them. Fit again, or call model.compute_statistics() "
    "right after fit and before changing X in place."
)
