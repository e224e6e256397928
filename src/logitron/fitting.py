"""The fit below the estimator: from an objective (or arrays) to the optimum.

The estimator checks its input and sets fitted attributes; everything in
between lives here, on arrays and objectives only:

1. resolve the solver (``"auto"`` by ``solvers.choose_solver``) and check it
   can minimise the objective (an L1 term needs a proximal solver);
2. build its options (``tol`` and ``max_iter`` default per solver);
3. the starting point: a warm start, a small random draw, zeros for the
   classic recipe (``"gd"``) and else the intercept-only model's optimum
   (``starting_point``); ``"auto"``'s L-BFGS on long dense data starts
   instead from a row sample's optimum and Hessian (``sampled_start``);
4. run the solver and check that its answer is finite.

``fit_arrays`` does all four for a caller with checked arrays and no
estimator (the Dask backend's sample start, tests, benchmarks).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import check_random_state

from . import _scaling, trace
from ._numerics import FloatArray
from ._scaling import Rescaling
from .backends import ArrayData
from .neuron import LinearUnit
from .objective import LogisticObjective, Objective
from .objective.curvature import evenly_spaced_rows, sampled_condition
from .objective.row_sample import row_sample
from .sampled_start import sampled_start
from .solvers import SOLVERS, IterationInfo, SolverOptions, SolverResult, choose_solver
from .solvers.choice import first_hessian_rows, float32_passes_pay
from .solvers.lbfgs import lbfgs
from .solvers.newton import newton_cholesky
from .solvers.newton_fallback import lbfgs_then_newton, newton_after


@dataclass(frozen=True)
class FitSettings:
    """What the fit needs of the estimator's parameters (already checked).

    ``C = inf`` means no penalty; ``solver="auto"`` is resolved per problem;
    ``tol`` and ``max_iter`` of ``None`` take the solver's defaults.
    """

    C: float = 1.0
    l1_ratio: float = 0.0
    fit_intercept: bool = True
    solver: str = "auto"
    tol: float | None = None
    max_iter: int | None = None
    learning_rate: float = 0.1
    verbose: int = 0

    @property
    def has_l1(self) -> bool:
        """Whether the objective has a (non-smooth) L1 term."""
        return self.l1_ratio > 0 and self.C != np.inf


@dataclass
class FitOutcome:
    """The solver that ran, on which objective, and its result.

    ``rescaling`` is set when ``fit_arrays`` fitted rescaled columns or
    weights (``_scaling``): ``theta`` and the objective are then those of
    the rescaled problem, and ``unpack`` maps the coefficients back.
    """

    solver: str
    objective: Any
    result: SolverResult
    rescaling: Rescaling | None = None
    #: The sample weights the objective was built with (rescaled with it).
    sample_weight: FloatArray | None = None

    @property
    def theta(self) -> FloatArray:
        return self.result.theta

    def unpack(self, centre_coef: bool) -> tuple[FloatArray, FloatArray]:
        """``(coef (K, d), intercept (K,))`` of the original problem (see
        ``LinearUnit.unpack``)."""
        coef, intercept = self.objective.unit.unpack(self.theta, centre_coef)
        if self.rescaling is not None:
            coef = self.rescaling.unscale_coef(coef)
        return coef, intercept


def resolve_solver(
    settings: FitSettings,
    unit: LinearUnit,
    n_classes: int,
    *,
    distributed: bool = False,
    condition: Callable[[], float] | None = None,
) -> str:
    """The registered solver to run: the one asked for, or ``"auto"``'s
    choice for the shape, storage and dtype of the data behind ``unit``
    (and its conditioning, estimated by ``condition`` when asked)."""
    if settings.solver != "auto":
        name = str(settings.solver)
    else:
        data = unit.data
        name = choose_solver(
            n_samples=data.n_samples, n_features=data.n_features, n_classes=n_classes,
            is_sparse=not distributed and data.is_sparse, dtype=data.dtype,
            distributed=distributed, l1=settings.has_l1, condition=condition,
        )
    if settings.has_l1 and not SOLVERS[name].handles_l1:
        raise ValueError(
            f"solver={name!r} needs a smooth objective and cannot fit "
            f"l1_ratio={settings.l1_ratio}; use l1_ratio=0."
        )
    return name


def initial_theta(
    unit: LinearUnit,
    previous: tuple[FloatArray, FloatArray] | None = None,
    random_state: Any = None,
) -> FloatArray:
    """The starting point: ``previous`` ``(coef_, intercept_)`` (a warm start),
    zeros (the recipe) when ``random_state`` is None, else N(0, 0.01^2)."""
    if previous is not None:
        return unit.pack(*previous)
    if random_state is None:
        return np.zeros(unit.n_params)
    return check_random_state(random_state).normal(scale=0.01, size=unit.n_params)


def intercept_only_theta(unit: LinearUnit, class_weights: ArrayLike) -> FloatArray:
    """``theta`` at the optimum of the intercept-only model without offset,
    for classes of total weights ``class_weights`` (any common scale):
    coefficients 0, intercepts the log-odds of the classes' shares (centred
    over a softmax layer's classes). Zeros without an intercept or when a
    class has no weight (no finite optimum).

    The optimum is exact because the penalty leaves intercepts alone and
    ``X @ 0`` is 0.
    """
    theta = np.zeros(unit.n_params)
    totals = np.asarray(class_weights, dtype=np.float64)
    if not unit.fit_intercept or not totals.min() > 0:
        return theta
    log_weights = np.log(totals)
    weights = unit.weights(theta)  # [coef | intercept], a view
    if unit.n_outputs == 1:
        weights[..., -1] = log_weights[1] - log_weights[0]
    else:
        weights[..., -1] = log_weights - log_weights.mean()
    return theta


def starting_point(
    unit: LinearUnit, settings: FitSettings, solver: str,
    previous: tuple[FloatArray, FloatArray] | None, random_state: Any,
    class_weights: ArrayLike | None,
) -> FloatArray:
    """``initial_theta``, except that a cold start of any solver but the
    recipe's (``"gd"``, from zeros) starts at the intercept-only optimum
    (``class_weights`` the classes' total weights; None where an offset
    leaves it without closed form, then zeros). ``max_iter=0`` returns the
    zero model, as scikit-learn's does (its tests read probabilities of 0.5).

    That is where R's ``glm`` and scikit-learn's GLMs start. The gain grows
    with the imbalance of the classes and is nil at balance: to a relative
    gap of 1e-8 on 148 random draws (20 to 3,000 rows, 1 to 29 features,
    true intercepts N(0, 2)), Newton took 4.4 -> 3.6 iterations on average
    and L-BFGS 6.9 -> 5.8, fewer on 85 and 88 draws, more on 1 and 0.
    """
    if previous is None and random_state is None and solver != "gd" and (
        class_weights is not None and settings.max_iter != 0
    ):
        return intercept_only_theta(unit, class_weights)
    return initial_theta(unit, previous, random_state)


def minimize(
    objective: Objective, solver: str, settings: FitSettings, theta0: FloatArray,
    newton_budget: int | None = None, first_hessian: FloatArray | None = None,
    initial_hessian: FloatArray | None = None,
    coarse: Callable[[], Objective] | None = None,
) -> FitOutcome:
    """Run ``solver`` on ``objective`` from ``theta0``; a non-finite answer
    is an error (a diverging step size, overflowing data), never a model.

    ``newton_budget`` (L-BFGS only): hand over to Newton after that many
    iterations (``solvers.newton_fallback``). ``first_hessian`` (Newton
    only): an estimate of the Hessian at ``theta0`` for its first step.
    ``initial_hessian`` (L-BFGS only): an estimate of the Hessian near
    ``theta0`` whose inverse replaces the diagonal scaling (``lbfgs``).
    ``coarse`` (L-BFGS only): makes the objective over a float32 copy of
    ``X`` for the first iterations (``lbfgs``)."""
    entry = SOLVERS[solver]
    options = SolverOptions(
        tol=entry.default_tol if settings.tol is None else float(settings.tol),
        max_iter=entry.default_max_iter if settings.max_iter is None else settings.max_iter,
        learning_rate=float(settings.learning_rate),
        # logitron.trace.record_fit listens to the iterates here too.
        callback=trace.with_recorder(_ProgressPrinter(solver) if settings.verbose else None),
    )
    if newton_budget is not None and solver == "lbfgs":
        result = lbfgs_then_newton(
            objective, theta0, options, newton_budget, initial_hessian, coarse
        )
    elif (initial_hessian is not None or coarse is not None) and solver == "lbfgs":
        result = lbfgs(objective, theta0, options, initial_hessian, coarse)
    elif first_hessian is not None and solver == "newton":
        result = newton_cholesky(objective, theta0, options, first_hessian)
    else:
        result = entry.minimize(objective, theta0, options)
    if not np.isfinite(result.theta).all():  # not np.all's wrapper: every fit
        raise FloatingPointError(
            f"solver={solver!r} produced non-finite coefficients: {result.message}"
        )
    return FitOutcome(solver, objective, result)


def fit_arrays(
    X: Any,
    y_index: np.ndarray,
    n_classes: int,
    sample_weight: FloatArray,
    settings: FitSettings,
    previous: tuple[FloatArray, FloatArray] | None = None,
    random_state: Any = None,
    feature_names: list[str] | None = None,
    offset: FloatArray | None = None,
    column_squares: _scaling.ColumnSquares | None = None,
) -> FitOutcome:
    """Minimise the objective of checked arrays: ``X`` (dense or sparse),
    class indices ``y_index`` into ``n_classes`` classes, and weights with
    class weights folded in; from ``previous`` ``(coef, intercept)`` or as
    ``initial_theta`` says. A checked ``offset`` (n,) is added to ``z``
    (two classes only; ``LogisticObjective``).

    Columns or weights near the float's limits are fitted rescaled by
    powers of two, an exact reparametrisation (``_scaling``; its errors
    name ``feature_names``): the outcome says so and maps back.
    ``column_squares`` is ``_scaling.column_squares(X)`` where the caller
    already has it (the estimator's input check computes it).
    """
    names = feature_names or [f"x{j + 1}" for j in range(X.shape[1])]
    rescaling = _scaling.plan(
        X, sample_weight, settings.C, settings.l1_ratio, names, column_squares
    )
    if rescaling is None and column_squares is not None:
        X = ArrayData(X, column_squares.sums)  # they serve the first preconditioner
    if rescaling is not None:
        X, sample_weight = rescaling.scale_X(X), rescaling.scale_weight(sample_weight)
        settings = dataclasses.replace(settings, C=rescaling.C, l1_ratio=rescaling.l1_ratio)
        if previous is not None:
            previous = (rescaling.scale_coef(previous[0]), previous[1])
    objective = LogisticObjective.from_arrays(
        X, y_index, n_classes, sample_weight,
        fit_intercept=settings.fit_intercept, C=float(settings.C),
        l1_ratio=float(settings.l1_ratio), offset=offset,
    )
    solver = resolve_solver(
        settings, objective.unit, n_classes,
        condition=lambda: sampled_condition(
            objective.unit, objective.weight, objective.penalty.l2_strength
        ),
    )
    data = objective.unit.data
    dense_float64 = data.dtype == np.float64 and not data.is_sparse
    if settings.solver == "auto" and solver == "newton-cg" and dense_float64:
        # Half the time of each Hessian product on digits (1,797 x 64, 10
        # classes: 0.31 -> 0.19 ms), for a copy of half the size of X.
        objective.products_in_float32()
    class_weights = None if offset is not None else np.bincount(
        y_index.astype(np.intp), weights=sample_weight, minlength=n_classes
    )
    start = starting_point(
        objective.unit, settings, solver, previous, random_state, class_weights
    )
    # "auto"'s L-BFGS hands over to Newton if it stalls (issue 18).
    budget = newton_after(objective.unit.n_params, objective.unit.data.is_sparse) if (
        settings.solver == "auto" and solver == "lbfgs"
    ) else None
    sampled = sampled_start(objective, settings.solver, solver, start)
    outcome = minimize(
        objective, solver, settings, start if sampled is None else sampled.theta,
        newton_budget=budget,
        first_hessian=_first_hessian(objective, settings, solver, start),
        initial_hessian=None if sampled is None else sampled.hessian,
        coarse=objective.in_float32 if (
            settings.solver == "auto" and solver == "lbfgs" and float32_passes_pay(data)
        ) else None,
    )
    outcome.rescaling, outcome.sample_weight = rescaling, sample_weight
    return outcome


def _first_hessian(
    objective: LogisticObjective, settings: FitSettings, solver: str, start: FloatArray
) -> FloatArray | None:
    """``"auto"``'s Newton from zero coefficients (``z`` the same on every
    row, so a sample's Gram estimates the whole one) on a large
    ill-conditioned problem takes its first Hessian from a row sample
    (``solvers.choice.first_hessian_rows``); None: the full one."""
    if settings.solver != "auto" or solver != "newton" or objective.unit.coef(start).any():
        return None
    data = objective.unit.data
    size = first_hessian_rows(
        data.n_samples, data.n_features, objective.unit.n_outputs, data.is_sparse
    )
    if size is None:
        return None
    sample = row_sample(objective, evenly_spaced_rows(objective.weight, size))
    hessian = sample.value_gradient_hessian(start)[2]
    # A column without an entry in the sample has no curvature there: its
    # first step would be the penalty's alone, far too long.
    data_diagonal = np.diag(hessian) - objective.penalty.hessian_diagonal()
    return hessian if np.all(data_diagonal > 0) else None


@dataclass(frozen=True)
class _ProgressPrinter:
    """``verbose``: the cost and gradient size after each iteration."""

    solver: str

    def __call__(self, info: IterationInfo) -> None:
        print(
            f"[{self.solver}] iter {info.iteration:5d}  "
            f"cost {info.value:.10g}  max|grad| {info.gradient_max:.3e}"
        )
