"""``solver="auto"``'s L-BFGS on long dense data starts from a row sample's
optimum, with the sample's Hessian as its initial inverse-Hessian estimate.

From zero coefficients, L-BFGS spends its first iterations, each a pass
over all of ``X``, far from the optimum, and its first curvature pairs
describe that far region. The optimum of a sample of ``m`` rows is within
the sampling error of the full one (``O(sqrt(p / m))`` in the metric of
the Hessian), and the sample's Hessian there estimates the full Hessian
at the optimum to the same relative error: with ``H_0`` its inverse
(``lbfgs``'s ``initial_hessian``), L-BFGS's first step is nearly a Newton
step from nearby, and its pairs only correct what the sample got wrong.

The sample (``objective.row_sample``) is ``solvers.choice.sampled_start_rows``
rows spread evenly over the data (data sorted by label or time still give a
sample of all of it), with weights normalised over the sample and the full
problem's L2 strength per unit of weight (``1/(C_s S_s) = 1/(C S)``, as the
Dask sample start does): ``J_R`` estimates ``J`` term by term. Newton fits
it to a tenth of its sampling error (``SAMPLE_GAP_SHARE``).

Only a cold start of ``solver="auto"`` that picked L-BFGS uses it; a warm or
random start, or a solver the user named, keep the old path exactly. A
sample that would mislead (a class missing, a separating unpenalised
sample, a Newton fit that fails or does not converge) is dropped, and the
fit starts from the intercept-only optimum as other solvers do.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._numerics import FloatArray
from .inference.separation import classifies_every_row
from .objective.curvature import evenly_spaced_rows
from .objective.row_sample import row_sample
from .solvers.choice import sampled_start_rows
from .solvers.newton import newton_cholesky
from .solvers.result import SolverOptions

if TYPE_CHECKING:
    from .objective import LogisticObjective

#: The sample's Newton fit stops at this share of its optimum's expected
#: excess over the full optimum, ``p / (2 m)`` in mean-loss units (half the
#: mean of a chi-squared with p degrees of freedom; 4e-3 observed against
#: 5e-3 predicted at 100,000 x 20): a tighter fit would move the start by
#: nothing that matters, and stopping there (5e-4 at 200,000 x 100) instead
#: of at 1e-5 took a third off the sample's time (35 to 23 ms).
SAMPLE_GAP_SHARE = 0.1
#: Newton iterations the sample's fit may take: 3 to 10 on the suite's
#: problems; more means a sample near separation, a poor start.
SAMPLE_MAX_ITER = 30


@dataclass(frozen=True)
class SampledStart:
    """The sample's optimum ``theta`` (p,) and its Hessian there (p, p)."""

    theta: FloatArray
    hessian: FloatArray


def sampled_start(
    objective: LogisticObjective, requested: str, solver: str, start: FloatArray
) -> SampledStart | None:
    """The start of ``solver="auto"``'s L-BFGS from a row sample (module
    doc), or None: the old start ``start`` and diagonal scaling.

    ``requested`` is the solver the caller asked for, ``solver`` the one
    resolved; only ``"auto"`` resolved to ``"lbfgs"`` from zero coefficients
    (the intercept-only start, ``fitting``) qualifies, and the sample's
    Newton fit starts there too.
    """
    if requested != "auto" or solver != "lbfgs" or objective.unit.coef(start).any():
        return None
    data = objective.unit.data
    n_classes = max(2, objective.unit.n_outputs)
    size = sampled_start_rows(data.n_samples, data.n_features, n_classes, data.is_sparse)
    if size is None:
        return None
    sample = row_sample(objective, evenly_spaced_rows(objective.weight, size))
    y_index = sample.y.astype(np.intp)
    if len(np.unique(y_index)) < n_classes:
        # The sample's fit would know nothing of a class (and, unpenalised,
        # would diverge).
        return None
    tol = SAMPLE_GAP_SHARE * sample.n_params / (2 * sample.n_samples)
    options = SolverOptions(tol=tol, max_iter=SAMPLE_MAX_ITER)
    with warnings.catch_warnings():
        # The sample's troubles are the start's to drop, never the user's.
        warnings.simplefilter("ignore")
        try:
            result = newton_cholesky(sample, start, options)
            if not result.converged or not np.all(np.isfinite(result.theta)):
                return None
            if sample.penalty.l2_strength == 0 and classifies_every_row(
                sample.raw_prediction(result.theta), y_index, sample.weight
            ):
                return None  # a separating sample: its "optimum" runs off
            hessian = sample.value_gradient_hessian(result.theta)[2]
        except (ArithmeticError, ValueError):
            return None
    return SampledStart(result.theta, hessian)
