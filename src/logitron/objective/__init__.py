"""The cost the solvers minimise (see ``logistic`` for the formulas).

``protocol`` says what a solver may ask; ``logistic`` answers it in memory,
with ``line`` for line searches, ``cache`` for the points it has seen and
``coef_penalty`` for the penalty on the coefficient part of theta.
"""

from .coef_penalty import CoefficientPenalty
from .curvature import DIAGONAL_SAMPLE_ROWS
from .line import LineFunction
from .logistic import LogisticObjective
from .protocol import CompositeObjective, Line, Objective

__all__ = [
    "DIAGONAL_SAMPLE_ROWS",
    "CoefficientPenalty",
    "CompositeObjective",
    "Line",
    "LineFunction",
    "LogisticObjective",
    "Objective",
]
