"""Solvers: a direction and a step, seeing only the objective.

``registry.SOLVERS`` is the table the fit picks from by name;
``choice.choose_solver`` is what ``solver="auto"`` means.
"""

from .choice import choose_solver
from .registry import SOLVERS, Minimize, Solver
from .result import IterationInfo, SolverOptions, SolverResult

__all__ = [
    "SOLVERS",
    "IterationInfo",
    "Minimize",
    "Solver",
    "SolverOptions",
    "SolverResult",
    "choose_solver",
]
