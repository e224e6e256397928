"""The solver registry: each method by name, with its defaults.

The estimator picks from ``SOLVERS`` by name (``choice.choose_solver`` is
what ``solver="auto"`` means); a new solver is one file and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .._numerics import FloatArray
from ..objective import Objective
from .fista import fista
from .gradient_descent import gradient_descent
from .lbfgs import lbfgs
from .newton import newton_cholesky
from .proximal_newton import proximal_newton
from .result import SolverOptions, SolverResult
from .trust_region import trust_region_newton_cg

Minimize = Callable[[Objective, FloatArray, SolverOptions], SolverResult]


@dataclass(frozen=True)
class Solver:
    """A registry entry: the minimiser and its defaults.

    ``default_tol`` is in the units of the solver's own stopping rule.
    """

    minimize: Minimize
    default_tol: float
    default_max_iter: int
    handles_l1: bool = False


SOLVERS: dict[str, Solver] = {
    "gd": Solver(gradient_descent, default_tol=1e-5, default_max_iter=10_000),
    "newton": Solver(newton_cholesky, default_tol=1e-10, default_max_iter=100),
    "newton-cg": Solver(trust_region_newton_cg, default_tol=1e-10, default_max_iter=200),
    "lbfgs": Solver(lbfgs, default_tol=1e-10, default_max_iter=1_000),
    # The first entry with handles_l1 is the default for an L1 term.
    "prox-newton": Solver(
        proximal_newton, default_tol=1e-8, default_max_iter=200, handles_l1=True
    ),
    "fista": Solver(fista, default_tol=1e-6, default_max_iter=10_000, handles_l1=True),
}
