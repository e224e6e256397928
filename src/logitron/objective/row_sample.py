"""The objective over a sample of its rows, for estimates that need less
than every row (``solver="auto"``'s first Newton Hessian, ``fitting``).

::

    J_R(θ) = (1/S_R) sum_{i in R} s_i * loss(y_i, z_i) + a/2 ||coef||^2

with ``S_R`` the sample's total weight and ``a`` the full objective's L2
strength, so that ``J_R`` estimates ``J`` term by term: its Hessian at any
``θ`` is the mean curvature of the sampled rows plus the same penalty.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..backends import as_data
from ..neuron import LinearUnit
from .logistic import LogisticObjective


def row_sample(objective: LogisticObjective, rows: NDArray[np.intp]) -> LogisticObjective:
    """``objective`` over ``rows`` (see module doc); its L1 part is dropped
    (it has no curvature)."""
    unit = objective.unit
    sample_unit = LinearUnit(as_data(unit.data.X[rows]), unit.n_outputs, unit.fit_intercept)
    weight = np.asarray(objective.weight[rows], dtype=np.float64)
    total = float(np.sum(weight))
    strength = objective.penalty.l2_strength
    # The constructor's strength is 1 / (C * sum(weight)): weights summing to
    # one make C the reciprocal of the strength.
    labels = objective.loss.labels(objective.targets[rows])
    return LogisticObjective(
        sample_unit, objective.loss, labels, weight / total,
        C=1.0 / strength if strength else np.inf,
        offset=None if objective.offset is None else objective.offset[rows],
    )
